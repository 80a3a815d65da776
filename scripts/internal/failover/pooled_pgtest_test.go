//go:build pgtest

package failover_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// The pooled path: the drill connects to a pgbouncer in transaction mode
// (the Debian package) in front of the cluster analogue's writer, as an
// application connects to RDS Proxy, instead of to the writer endpoint.
//
// RDS Proxy finds the current writer of a Multi-AZ DB instance or cluster
// by itself and keeps accepting connections at the same address during a
// failover (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.howitworks.html).
// pgbouncer does neither: it connects to the host its [databases] entry
// names and knows nothing of roles, so the failover has to move it, here
// with RELOAD after rewriting the entry ("An existing server connection to
// the old destination will be closed when the server connection is next
// released ... and new server connections will immediately use the updated
// connection parameters", pgbouncer(1), RELOAD, 1.18 as Debian ships it).
// And after one failed connect to the old primary it answers clients at
// once with an error for server_login_retry (default 15 s) instead of
// trying again (pgbouncer(5), server_login_retry), which with the defaults
// outlasts a local failover several times over. Its documentation's remedy
// for planned events, PAUSE, makes clients wait instead of fail
// (pgbouncer(1), PAUSE: "New client connections to a paused database will
// wait until RESUME is called").

// pooled puts a pgbouncer in front of the cluster analogue's writer and
// returns the drill's connector through it.
func (l *clusterLab) pooled(tb testing.TB, settings pglocal.Settings) (*pglocal.PgBouncer, failover.Connector) {
	tb.Helper()
	b, err := l.cluster.StartPgBouncer("pooler", l.primary, settings)
	if err != nil {
		tb.Fatal(err)
	}
	opts := dbconn.Options{
		Host: "127.0.0.1", Port: b.Port, Database: "postgres", User: pglocal.Superuser,
		SSLMode: dbconn.SSLDisable, ConnectTimeout: time.Second, ApplicationName: "failover-drill-test",
	}
	return b, func(ctx context.Context) (*pgx.Conn, error) {
		cfg, err := dbconn.Config(ctx, opts)
		if err != nil {
			return nil, err
		}
		// pgbouncer 1.18 in transaction mode does not keep a client's named
		// prepared statements: execute unnamed, in one round trip.
		cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
		return pgx.ConnectConfig(ctx, cfg)
	}
}

// pooledFailover returns a trigger that cuts the primary, promotes the
// standby with the highest replayed LSN (repointing the other), and moves
// the pooler to it with RELOAD. With pause, the pooler is paused right
// after the cut and resumed after the move, so clients queue meanwhile.
func (l *clusterLab) pooledFailover(b *pglocal.PgBouncer, pause bool, out *clusterFailover) failover.Trigger {
	label := "stop primary (immediate), promote the standby with the highest replayed LSN, repoint the other, RELOAD pgbouncer on it"
	if pause {
		label = "stop primary (immediate), PAUSE pgbouncer, promote the standby with the highest replayed LSN, repoint the other, RELOAD pgbouncer on it, RESUME"
	}
	return failover.FuncTrigger{Label: label, Func: func(ctx context.Context) error {
		out.stopped = time.Now()
		if err := l.primary.StopImmediate(); err != nil {
			return err
		}
		if pause {
			if err := b.Admin(ctx, "PAUSE"); err != nil {
				return err
			}
		}
		e, err := pglocal.PromoteMostAdvanced(ctx, l.standbys...)
		if err != nil {
			return err
		}
		out.election = e
		if err := b.Repoint(ctx, e.Promoted); err != nil {
			return err
		}
		out.repointed = time.Now()
		if pause {
			return b.Admin(ctx, "RESUME")
		}
		return nil
	}}
}

// pooledConfig is the cluster drill's configuration through the pooler.
func (l *clusterLab) pooledConfig(tb testing.TB, connect failover.Connector, table string, trigger failover.Trigger) failover.Config {
	cfg := l.config(tb, table, trigger)
	cfg.Connect = connect
	cfg.Host = "127.0.0.1" // no DNS: the pooler's address does not move
	cfg.Resolver = nil
	return cfg
}

// TestPooledClusterFailoverFollowsTheNewWriter runs the quorum cluster's
// drill through pgbouncer (server_login_retry lowered to 0.1 s, paused
// from the crash until it has been moved): no acknowledged write is lost,
// the pooler's one address leads to the promoted standby afterwards (the
// drill reads every row back through it), and writes are not refused:
// they fail only at the crash (the write in flight) or by waiting out
// their deadline in the queue. Without the RELOAD onto the new writer the
// drill never recovers and the test fails; the absence of refusals shows
// the pause working, but does not prove it, since a lowered
// server_login_retry alone refuses clients only when one reconnects inside
// the retry window, a race.
func TestPooledClusterFailoverFollowsTheNewWriter(t *testing.T) {
	l := newClusterLab(t, true)
	b, connect := l.pooled(t, pglocal.Settings{"server_login_retry": "0.1"})
	var f clusterFailover
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, _ := runLogged(ctx, t, l.pooledConfig(t, connect, "pooled_drill", l.pooledFailover(b, true, &f)))

	// A paused pooler can hide the crash completely: when no write is in
	// flight at the instant the primary stops (a write takes about a
	// millisecond of each 20 ms interval), none fails, and the drill's
	// verdict says it saw no failover. The read probe's change of server,
	// checked below, is then the evidence that the failover happened.
	var others []string
	for _, f := range rep.Verdict.Failures {
		if !strings.Contains(f, "the failover was not observed") {
			others = append(others, f)
		}
	}
	if rep.Loss.LostAcknowledged != 0 || len(others) > 0 {
		t.Errorf("lost %d acknowledged writes through the pooler; verdict %v %v", rep.Loss.LostAcknowledged, rep.Verdict.Passed, rep.Verdict.Failures)
	}
	if rep.Reads.ServerChangedAfterTriggerMs == nil {
		t.Errorf("the read probe through the pooler never reached another server (before %q, after %q)", rep.Reads.ServerBefore, rep.Reads.ServerAfter)
	}
	if want := ":" + strconv.Itoa(f.election.Promoted.Port) + " "; !strings.Contains(rep.Reads.ServerAfter, want) {
		t.Errorf("the pooler leads to %q after the failover, want the promoted %s (port %d)", rep.Reads.ServerAfter, f.election.Promoted.Name, f.election.Promoted.Port)
	}
	for _, e := range rep.Outage.Errors {
		if strings.Contains(e.Message, "server_login_retry") || strings.Contains(e.Message, "connection refused") {
			t.Errorf("%d writes were refused (%q): a paused pooler should make them wait", e.Count, e.Message)
		}
	}
	// Besides the write in flight at the crash, a write fails only by
	// waiting out its deadline in the queue: at most one per deadline of
	// the outage (plus one for the edges). Refused writes come every write
	// interval instead, dozens a second.
	deadline := l.config(t, "", nil).WriteTimeout
	if limit := 2 + int(time.Duration(rep.Outage.DowntimeMs*float64(time.Millisecond))/deadline); rep.Writes.Failed > limit {
		t.Errorf("%d writes failed in a %.0f ms outage; queued writes with a %s deadline allow at most %d", rep.Writes.Failed, rep.Outage.DowntimeMs, deadline, limit)
	}
}
