//go:build pgtest

package restore_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgplatform/platform/scripts/internal/restore"
	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// TestLocalPointInTimeRestore runs the drill's marker logic against a real
// PostgreSQL point-in-time recovery: WAL archived to a directory, a base
// backup taken with pg_basebackup, the two markers written around a target
// time, and the backup restored with recovery_target_time into a new data
// directory on another loopback port. Restored to the target, the first
// marker is there and the second is not; restored to a time after the
// second marker, both are. Each restored result, held to the other
// variant's expectation, is refused by the drill's data check. Every server
// and directory is removed, also when the test fails (pglocal.ForTest).
func TestLocalPointInTimeRestore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := pglocal.ForTest(t)
	archive, err := c.Mkdir("archive")
	if err != nil {
		t.Fatal(err)
	}
	primary, err := c.StartPrimary("source", pglocal.ArchiveSettings(archive))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := primary.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE orders"); err != nil {
		t.Fatal(err)
	}
	admin.Close(ctx)
	connect := func(t *testing.T, s *pglocal.Server) *pgx.Conn {
		t.Helper()
		conn, err := pgx.Connect(ctx, s.DSN("orders"))
		if err != nil {
			t.Fatalf("connect to %s: %v", s.Name, err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		return conn
	}

	backup, err := c.BaseBackup("base", primary)
	if err != nil {
		t.Fatal(err)
	}

	src := restore.SQLMarkers{Conn: connect(t, primary)}
	run := restore.NewRun(time.Now())
	gap := 2 * time.Second
	tl, err := restore.WriteMarkers(ctx, src, run, gap, restore.Sleep, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	// A second target after both markers, and a commit after it so that
	// recovery can tell it has reached that target.
	later := tl.AfterAt.Add(gap).Truncate(time.Second)
	for {
		now, err := src.Now(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if now.After(later.Add(time.Second)) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := src.Conn.Exec(ctx, "CREATE TABLE after_both (at timestamptz DEFAULT clock_timestamp()); INSERT INTO after_both DEFAULT VALUES"); err != nil {
		t.Fatal(err)
	}
	if _, err := primary.SwitchWAL(ctx, archive); err != nil {
		t.Fatal(err)
	}
	if dc, err := src.Check(ctx, run); err != nil || !dc.BeforePresent || !dc.AfterPresent {
		t.Fatalf("the source itself holds %+v (%v), want both markers", dc, err)
	}

	for _, tc := range []struct {
		name      string
		target    time.Time
		wantAfter bool
		// wrong is what the data check must say when this restore is
		// held to the other variant's expectation.
		wrong string
	}{
		{"between-markers", tl.Target, false, "the restore stopped early"},
		{"after-both", later, true, "the restore did not stop at the target time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := c.StartRestored(ctx, tc.name, backup, pglocal.Recovery{ArchiveDir: archive, TargetTime: tc.target}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if srv.Port == primary.Port || srv.DataDir == primary.DataDir {
				t.Fatalf("restored server shares the source's port or data directory")
			}
			dc, err := restore.SQLMarkers{Conn: connect(t, srv)}.Check(ctx, run)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("restored to %s: %+v", tc.target.Format(time.RFC3339Nano), dc)
			if want := (restore.DataCheck{BeforePresent: true, AfterPresent: tc.wantAfter}); dc != want {
				t.Errorf("timeline %+v, target %s: restored database holds %+v, want %+v", tl, tc.target, dc, want)
			}
			if err := dc.Expect(tc.wantAfter); err != nil {
				t.Fatalf("timeline %+v, target %s: %v", tl, tc.target, err)
			}
			// The data check tells the two restores apart: this real
			// result, held to the other variant's expectation, is refused
			// for the marker that differs.
			err = dc.Expect(!tc.wantAfter)
			if err == nil || !strings.Contains(err.Error(), tc.wrong) {
				t.Errorf("restore to %s held to wantAfter=%t: %v, want an error saying %q", tc.name, !tc.wantAfter, err, tc.wrong)
			}
		})
	}

	pids := map[string]int{}
	for _, s := range c.Servers() {
		pids[s.Name] = s.PID()
	}
	if err := c.Cleanup(); err != nil {
		t.Fatal(err)
	}
	for name, pid := range pids {
		if pglocal.Alive(pid) {
			t.Errorf("server %s (pid %d) still alive after Cleanup", name, pid)
		}
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s still exists after Cleanup: %v", c.Dir, err)
	}
	if len(pids) != 3 {
		t.Errorf("servers %v, want the source and two restores", pids)
	}
}
