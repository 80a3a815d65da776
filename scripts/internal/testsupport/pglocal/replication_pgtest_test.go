//go:build pgtest

package pglocal_test

import (
	"context"
	"testing"
	"time"

	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// TestPromoteMostAdvancedPromotesTheStandbyWithTheWrites cuts s1 off from
// a quorum-commit primary, commits a row that only s2 receives, crashes the
// primary, and lists s1 first: the election must promote s2, which has the
// row, and point s1 at it so that s1 gets the row too.
func TestPromoteMostAdvancedPromotesTheStandbyWithTheWrites(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := pglocal.ForTest(t)
	quorum := pglocal.Settings{"synchronous_standby_names": "ANY 1 (s1, s2)", "synchronous_commit": "on"}
	primary, err := c.StartPrimary("primary", quorum)
	if err != nil {
		t.Fatal(err)
	}
	var standbys []*pglocal.Server
	for _, name := range []string{"s1", "s2"} {
		s, err := c.StartStandby(name, primary, pglocal.Settings{"wal_retrieve_retry_interval": "100ms"})
		if err != nil {
			t.Fatal(err)
		}
		if err := primary.WaitStreaming(ctx, name); err != nil {
			t.Fatal(err)
		}
		standbys = append(standbys, s)
	}
	s1, s2 := standbys[0], standbys[1]
	exec := func(s *pglocal.Server, sql string) {
		t.Helper()
		conn, err := s.Connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
		defer wcancel()
		if _, err := conn.Exec(wctx, sql); err != nil {
			t.Fatalf("%s on %s: %v", sql, s.Name, err)
		}
	}
	exec(primary, "CREATE TABLE t (v int); INSERT INTO t VALUES (1)")
	if err := s1.StopReceiving(ctx); err != nil {
		t.Fatal(err)
	}
	// Commits with s2's acknowledgement alone (ANY 1).
	exec(primary, "INSERT INTO t VALUES (2)")
	if err := primary.StopImmediate(); err != nil {
		t.Fatal(err)
	}

	e, err := pglocal.PromoteMostAdvanced(ctx, s1, s2)
	if err != nil {
		t.Fatal(err)
	}
	if e.Promoted != s2 {
		t.Fatalf("promoted %s, want s2 (positions %v)", e.Promoted.Name, e.Positions)
	}
	if p := e.Positions; p["s1"].Replayed >= p["s2"].Replayed {
		t.Errorf("positions %v: s1, cut off before the second row, should be behind s2", p)
	}
	if len(e.Repointed) != 1 || e.Repointed[0] != s1 {
		t.Fatalf("repointed %v, want s1", e.Repointed)
	}
	// The new primary commits with quorum (s1 streams from it and
	// acknowledges), and s1 has every row.
	exec(s2, "INSERT INTO t VALUES (3)")
	conn, err := s1.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("s1 has %d of the 3 rows 10s after following s2", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := primary.Position(ctx); err == nil {
		t.Error("Position of a stopped server: want an error")
	}
	if _, err := s2.Position(ctx); err == nil {
		t.Error("Position of a promoted server: want an error saying it is not a standby")
	}
}
