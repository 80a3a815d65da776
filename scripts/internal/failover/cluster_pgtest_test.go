//go:build pgtest

package failover_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/scripts/internal/testsupport/endpoint"
	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// The local analogue of an RDS Multi-AZ DB cluster: a primary (the writer)
// and two streaming standbys (the readers, s1 and s2) on loopback, behind a
// writer endpoint that the failover moves.
//
// AWS: "Multi-AZ DB cluster deployments use semisynchronous replication,
// which requires acknowledgment from at least one reader DB instance in
// order for a change to be committed"
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.html).
//
// PostgreSQL's quorum commit is that promise: synchronous_standby_names =
// 'ANY 1 (s1, s2)' "makes transaction commits wait until their WAL records
// are replicated to at least num_sync listed standbys"
// (https://www.postgresql.org/docs/15/runtime-config-replication.html#GUC-SYNCHRONOUS-STANDBY-NAMES),
// and with synchronous_commit = on a commit returns once a synchronous
// standby has "received the commit record of the transaction and flushed it
// to durable storage"
// (https://www.postgresql.org/docs/15/runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT).

// quorumSettings make every server of the cluster analogue commit with a
// quorum of one of the two standbys. The standbys carry them too: they take
// effect when one is promoted, so the new writer keeps the promise with the
// standby that is left.
var quorumSettings = pglocal.Settings{
	"synchronous_standby_names": "ANY 1 (s1, s2)",
	"synchronous_commit":        "on",
}

// clusterStandbySettings apply to both standbys. A standby whose upstream
// went away retries after wal_retrieve_retry_interval (default 5 s); the
// lab retries sooner so that the reattachment of the standby that is not
// promoted does not dominate the local RTO.
var clusterStandbySettings = pglocal.Settings{"wal_retrieve_retry_interval": "100ms"}

// clusterLab is the cluster analogue with its writer endpoint: the name
// resolves to a forwarder in front of the primary (127.0.0.2) until the
// failover points it at the forwarder of the promoted standby (127.0.0.3 for
// s1, 127.0.0.4 for s2).
type clusterLab struct {
	cluster  *pglocal.Cluster
	primary  *pglocal.Server
	standbys []*pglocal.Server
	ep       *endpoint.Endpoint
	ip       map[string]string // server name -> endpoint backend address
	conn     dbconn.Options
}

func newClusterLab(tb testing.TB, quorum bool) *clusterLab {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := pglocal.ForTest(tb)
	var primarySettings pglocal.Settings
	standbySettings := pglocal.Settings{}
	for k, v := range clusterStandbySettings {
		standbySettings[k] = v
	}
	if quorum {
		primarySettings = quorumSettings
		for k, v := range quorumSettings {
			standbySettings[k] = v
		}
	}
	start := time.Now()
	primary, err := c.StartPrimary("primary", primarySettings)
	if err != nil {
		tb.Fatal(err)
	}
	l := &clusterLab{cluster: c, primary: primary, ip: map[string]string{"primary": "127.0.0.2"}}
	// The two base backups are taken side by side.
	names := []string{"s1", "s2"}
	l.standbys = make([]*pglocal.Server, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.standbys[i], errs[i] = c.StartStandby(name, primary, standbySettings)
		}()
		l.ip[name] = fmt.Sprintf("127.0.0.%d", 3+i)
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		tb.Fatal(err)
	}
	for _, name := range names {
		if err := primary.WaitStreaming(ctx, name); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Logf("primary and standbys s1, s2 running in %s", time.Since(start).Round(time.Millisecond))
	ep, err := endpoint.New("writer.cluster.test")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ep.Close() })
	for _, s := range append([]*pglocal.Server{primary}, l.standbys...) {
		if err := ep.AddBackend(l.ip[s.Name], s.Addr()); err != nil {
			tb.Fatal(err)
		}
	}
	ep.Point(l.ip["primary"])
	l.ep = ep
	l.conn = writerConn(ep)
	return l
}

// config is a short drill through the writer endpoint: a few seconds a run.
func (l *clusterLab) config(tb testing.TB, table string, trigger failover.Trigger) failover.Config {
	return failover.Config{
		Connect:      func(ctx context.Context) (*pgx.Conn, error) { return dbconn.Connect(ctx, l.conn) },
		Host:         l.ep.Name,
		Resolver:     l.ep.Resolver(),
		Trigger:      trigger,
		Table:        table,
		Rate:         50,
		WriteTimeout: time.Second,
		Warmup:       time.Second,
		Settle:       time.Second,
		MaxWait:      30 * time.Second,
		MaxDowntime:  10 * time.Second,
		Progress:     tbWriter{tb},
	}
}

// clusterFailover is what the failover trigger did and saw.
type clusterFailover struct {
	// lagging are the standbys cut off from the primary before the cut.
	lagging []string
	// committedWhileLagging is how many rows the primary committed while
	// they were cut off (0 when none was).
	committedWhileLagging int64
	election              *pglocal.Election
	stopped, repointed    time.Time
}

// failover returns a trigger that stops the named standbys' WAL receivers,
// lets the primary go on committing for lag, then cuts the primary (an
// immediate stop: a crash), promotes the standby with the highest replayed
// LSN, repoints the other one at it, and moves the endpoint.
//
// Stopping WAL receivers makes a standby fall behind by a known stretch of
// history, deterministically: real replication lag on loopback is a few
// milliseconds and cannot be set without traffic shaping, and an apply delay
// (recovery_min_apply_delay) would lose nothing, since a promoted standby
// replays all the WAL it has received.
func (l *clusterLab) failover(table string, lagging []string, lag time.Duration, out *clusterFailover) failover.Trigger {
	label := "stop primary (immediate), promote the standby with the highest replayed LSN, repoint the other, move the endpoint"
	if len(lagging) > 0 {
		label = fmt.Sprintf("cut %s off for %s, then %s", strings.Join(lagging, " and "), lag, label)
	}
	return failover.FuncTrigger{Label: label, Func: func(ctx context.Context) error {
		out.lagging = lagging
		if len(lagging) > 0 {
			before, err := maxSeq(ctx, l.primary, table)
			if err != nil {
				return err
			}
			for _, s := range l.standbys {
				if slices.Contains(lagging, s.Name) {
					if err := s.StopReceiving(ctx); err != nil {
						return err
					}
				}
			}
			if err := sleepCtx(ctx, lag); err != nil {
				return err
			}
			after, err := maxSeq(ctx, l.primary, table)
			if err != nil {
				return err
			}
			out.committedWhileLagging = after - before
		}
		out.stopped = time.Now()
		if err := l.primary.StopImmediate(); err != nil {
			return err
		}
		e, err := pglocal.PromoteMostAdvanced(ctx, l.standbys...)
		if err != nil {
			return err
		}
		out.election = e
		l.ep.Point(l.ip[e.Promoted.Name])
		out.repointed = time.Now()
		return nil
	}}
}

func maxSeq(ctx context.Context, s *pglocal.Server, table string) (int64, error) {
	conn, err := s.Connect(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	var n int64
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		return 0, fmt.Errorf("read the drill table on %s: %w", s.Name, err)
	}
	return n, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// requireReplication checks how the primary replicates to each standby
// (pg_stat_replication.sync_state: "quorum" for a candidate of a quorum,
// "async" without synchronous_standby_names), so that each scenario tests
// the replication mode it names.
func requireReplication(tb testing.TB, primary *pglocal.Server, want string, standbys ...string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := primary.Connect(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, name := range standbys {
		var state string
		if err := conn.QueryRow(ctx, "SELECT sync_state FROM pg_stat_replication WHERE application_name = $1", name).Scan(&state); err != nil {
			tb.Fatalf("read the sync_state of %s: %v", name, err)
		}
		if state != want {
			tb.Fatalf("%s sync_state = %q, want %q", name, state, want)
		}
	}
}

// TestQuorumClusterFailoverLosesNoAcknowledgedWrite is the cluster's
// promise, proved ten times in a row: with quorum commit over two standbys,
// a crash of the primary while the drill writes loses no acknowledged
// write, when the failover promotes the standby with the highest replayed
// LSN.
//
// In most runs one standby is cut off from the primary for half a second
// before the crash, so it misses writes the primary went on committing with
// the other standby's acknowledgement alone (the test checks that commits
// did go on): the two standbys then hold different histories, and promoting
// the wrong one would lose acknowledged writes. Which one lags alternates, so
// an election that always picks the same standby fails. The other runs cut
// no standby off.
func TestQuorumClusterFailoverLosesNoAcknowledgedWrite(t *testing.T) {
	const runs = 10
	const lag = 500 * time.Millisecond
	var downtimes []float64
	lost := 0
	for i := range runs {
		lagging := [][]string{{"s1"}, {"s2"}, nil}[i%3]
		name := "none"
		if len(lagging) > 0 {
			name = lagging[0]
		}
		t.Run(fmt.Sprintf("run%02d_lagging_%s", i+1, name), func(t *testing.T) {
			l := newClusterLab(t, true)
			requireReplication(t, l.primary, "quorum", "s1", "s2")
			const table = "quorum_drill"
			var f clusterFailover
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, _ := runLogged(ctx, t, l.config(t, table, l.failover(table, lagging, lag, &f)))
			e := f.election
			t.Logf("election: %s promoted; positions %v; catch-up %s, repoint %s, promote %s", e.Promoted.Name, e.Positions, e.CaughtUp, e.Repoint, e.Promote)

			lost += rep.Loss.LostAcknowledged
			if rep.Loss.LostAcknowledged != 0 {
				t.Errorf("%d acknowledged writes lost with quorum commit: %v", rep.Loss.LostAcknowledged, rep.Loss.LostSeqs)
			}
			if !rep.Verdict.Passed {
				t.Errorf("verdict failed: %v", rep.Verdict.Failures)
			}
			if !rep.Loss.TableFound || rep.Writes.Acknowledged < 50 {
				t.Errorf("table found %v, %d writes acknowledged: the workload did not run", rep.Loss.TableFound, rep.Writes.Acknowledged)
			}
			if !rep.Outage.Observed || !rep.Outage.Recovered {
				t.Errorf("outage observed=%v recovered=%v, want both: the drill did not see the crash", rep.Outage.Observed, rep.Outage.Recovered)
			}
			downtimes = append(downtimes, rep.Outage.DowntimeMs)
			if len(lagging) == 0 {
				return
			}
			// ANY 1: the primary went on committing with one standby
			// (at 50 writes/s, about 25 in half a second).
			if f.committedWhileLagging < 10 {
				t.Errorf("the primary committed %d rows while %s was cut off: quorum commit should have gone on with the other standby", f.committedWhileLagging, lagging[0])
			}
			if e.Promoted.Name == lagging[0] {
				t.Errorf("promoted %s, the standby that was cut off (positions %v)", e.Promoted.Name, e.Positions)
			}
			if p := e.Positions; p[lagging[0]].Replayed >= p[e.Promoted.Name].Replayed {
				t.Errorf("the standby cut off (%s at %s) is not behind the promoted one (%s at %s): the run did not make their histories differ", lagging[0], p[lagging[0]].Replayed, e.Promoted.Name, p[e.Promoted.Name].Replayed)
			}
			// The standby that was cut off follows the new writer, so the
			// cluster has two copies again.
			if err := waitReplayed(ctx, e.Repointed[0], table); err != nil {
				t.Error(err)
			}
		})
	}
	slices.Sort(downtimes)
	if len(downtimes) > 0 {
		t.Logf("%d runs, %d acknowledged writes lost in all; client-observed downtime min %.0f ms, median %.0f ms, max %.0f ms",
			len(downtimes), lost, downtimes[0], downtimes[len(downtimes)/2], downtimes[len(downtimes)-1])
	}
}

// waitReplayed waits until the standby has replayed the drill's end on
// the new primary, the drop of its table: it then follows the new primary's
// timeline past every write of the drill.
func waitReplayed(ctx context.Context, s *pglocal.Server, table string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := s.Connect(ctx)
		if err == nil {
			var exists bool
			err = conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists)
			conn.Close(context.Background())
			if err == nil && !exists {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s has not replayed the new primary's drop of %s within 10s (last error: %v)\n%s", s.Name, table, err, s.LogTail(10))
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// TestAsyncClusterFailoverDetectsLoss is the negative case: the same
// cluster without synchronous_standby_names replicates asynchronously, so
// with both standbys cut off the primary goes on acknowledging commits that
// no standby has. After the crash the most advanced standby is promoted, and
// the drill must find those writes missing and fail its verdict.
func TestAsyncClusterFailoverDetectsLoss(t *testing.T) {
	l := newClusterLab(t, false)
	requireReplication(t, l.primary, "async", "s1", "s2")
	const table = "async_drill"
	const lag = time.Second
	var f clusterFailover
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, _ := runLogged(ctx, t, l.config(t, table, l.failover(table, []string{"s1", "s2"}, lag, &f)))
	t.Logf("election: %s promoted; positions %v; the primary committed %d rows while both standbys were cut off", f.election.Promoted.Name, f.election.Positions, f.committedWhileLagging)

	if f.committedWhileLagging < 20 {
		t.Fatalf("the primary committed only %d rows while both standbys were cut off; want about %d", f.committedWhileLagging, int(50*lag.Seconds()))
	}
	if rep.Loss.LostAcknowledged < 20 {
		t.Fatalf("lost acknowledged writes = %d, want about %d (the writes of the second no standby received)", rep.Loss.LostAcknowledged, f.committedWhileLagging)
	}
	checkLossReported(t, rep)
}
