//go:build pgtest

package pglocal_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// TestPointInTimeRecovery archives WAL, takes a base backup, commits two
// rows a second apart and restores to a time between them: the restored
// server has the first row only, runs on its own port, takes writes, and
// the primary is untouched. A target past the archive fails with the
// server's reason instead of hanging.
func TestPointInTimeRecovery(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := pglocal.ForTest(t)
	archive, err := c.Mkdir("archive")
	if err != nil {
		t.Fatal(err)
	}
	primary, err := c.StartPrimary("primary", pglocal.ArchiveSettings(archive))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := primary.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE TABLE t (v int, at timestamptz DEFAULT clock_timestamp())"); err != nil {
		t.Fatal(err)
	}
	backup, err := c.BaseBackup("base", primary)
	if err != nil {
		t.Fatal(err)
	}
	var first time.Time
	if err := conn.QueryRow(ctx, "INSERT INTO t (v) VALUES (1) RETURNING clock_timestamp()").Scan(&first); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := conn.Exec(ctx, "INSERT INTO t (v) VALUES (2)"); err != nil {
		t.Fatal(err)
	}
	if _, err := primary.SwitchWAL(ctx, archive); err != nil {
		t.Fatal(err)
	}

	target := first.Add(500 * time.Millisecond)
	restored, err := c.StartRestored(ctx, "restored", backup, pglocal.Recovery{ArchiveDir: archive, TargetTime: target}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if restored.Port == primary.Port {
		t.Fatalf("restored server shares the primary's port %d", primary.Port)
	}
	rc, err := restored.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close(context.Background())
	var vs []int
	rows, err := rc.Query(ctx, "SELECT v FROM t ORDER BY v")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || vs[0] != 1 {
		t.Fatalf("restored to %s: rows %v, want [1]", target, vs)
	}
	if _, err := rc.Exec(ctx, "INSERT INTO t (v) VALUES (3)"); err != nil {
		t.Fatalf("restored server does not take writes after promotion: %v", err)
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("primary has %d rows (%v), want its own 2", n, err)
	}

	// No commit after this target is archived: recovery cannot reach it.
	late := time.Now().Add(time.Hour)
	_, err = c.StartRestored(ctx, "too-late", backup, pglocal.Recovery{ArchiveDir: archive, TargetTime: late}, nil)
	if err == nil || !strings.Contains(err.Error(), "recovery target") {
		t.Fatalf("restore past the archive: error %v, want the server's recovery error", err)
	}
	t.Logf("restore past the archive fails as expected: %v", err)

	pids := []int{primary.PID(), restored.PID()}
	if err := c.Cleanup(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if pid == 0 || pglocal.Alive(pid) {
			t.Errorf("postmaster %d: not running before Cleanup, or still alive after it", pid)
		}
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists after Cleanup", c.Dir)
	}
}
