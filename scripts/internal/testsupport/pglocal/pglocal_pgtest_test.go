//go:build pgtest

package pglocal_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// TestPrimaryStandbyPromoteCleanup walks the harness through what the drills
// need: a primary with a synchronous standby, a hard stop of the primary, a
// promotion, and a cleanup that leaves no process and no directory behind.
func TestPrimaryStandbyPromoteCleanup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := pglocal.ForTest(t)

	primary, err := c.StartPrimary("primary", pglocal.Settings{
		"synchronous_standby_names": "standby",
		"synchronous_commit":        "on",
	})
	if err != nil {
		t.Fatal(err)
	}
	standby, err := c.StartStandby("standby", primary, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := primary.WaitStreaming(ctx, "standby"); err != nil {
		t.Fatal(err)
	}

	pc, err := primary.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var syncState string
	if err := pc.QueryRow(ctx, "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'").Scan(&syncState); err != nil {
		t.Fatal(err)
	}
	if syncState != "sync" {
		t.Fatalf("standby sync_state = %q, want sync", syncState)
	}
	if _, err := pc.Exec(ctx, "CREATE TABLE t (v int); INSERT INTO t VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	pc.Close(ctx)

	// A synchronous commit has reached the standby: after a hard stop and a
	// promotion, the row is there and the standby takes writes.
	if err := primary.StopImmediate(); err != nil {
		t.Fatal(err)
	}
	if primary.PID() != 0 {
		t.Fatalf("primary still running after StopImmediate")
	}
	if err := standby.Promote(); err != nil {
		t.Fatal(err)
	}
	sc, err := standby.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := sc.QueryRow(ctx, "SELECT v FROM t").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != 42 {
		t.Fatalf("promoted standby has v=%d, want 42", v)
	}
	// The standby does not inherit synchronous_standby_names from the
	// primary's configuration, so a write on it does not wait forever.
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if _, err := sc.Exec(wctx, "INSERT INTO t VALUES (43)"); err != nil {
		t.Fatalf("write on promoted standby: %v", err)
	}
	sc.Close(ctx)

	// Restart the old primary so Cleanup has something running to kill.
	if err := primary.Start(); err != nil {
		t.Fatal(err)
	}
	pids := []int{primary.PID(), standby.PID()}
	for _, pid := range pids {
		if pid == 0 {
			t.Fatal("a server is not running before Cleanup")
		}
	}
	if err := c.Cleanup(); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if pglocal.Alive(pid) {
			t.Errorf("postmaster %d still alive after Cleanup", pid)
		}
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("cluster directory %s still exists after Cleanup (stat: %v)", c.Dir, err)
	}
}

// TestArchiveIntoMkdir checks that a directory from Mkdir is writable by
// the server: archive_command copies WAL segments into it.
func TestArchiveIntoMkdir(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := pglocal.ForTest(t)
	archive, err := c.Mkdir("archive")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Mkdir("../escape"); err == nil {
		t.Fatal("Mkdir accepted a path outside the cluster directory")
	}
	s, err := c.StartPrimary("primary", pglocal.Settings{
		"archive_mode":    "on",
		"archive_command": "cp %p " + archive + "/%f",
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var seg string
	if err := conn.QueryRow(ctx, "SELECT pg_walfile_name(pg_switch_wal())").Scan(&seg); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(archive + "/" + seg); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("WAL segment %s was not archived into %s", seg, archive)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
