//go:build pgtest

package failover_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// BenchmarkRTO measures the local RTO, the drill's client-observed
// downtime, of the two deployment shapes' analogues side by side, each
// failed over by a crash of the primary while the drill writes:
//
//   - instance: a primary and one synchronous standby (the Multi-AZ DB
//     instance analogue, as TestSynchronousFailoverLosesNoAcknowledgedWrite
//     builds it); the standby is promoted and the writer endpoint moved at
//     once;
//   - cluster: a primary and two standbys with quorum commit, ANY 1 (s1,
//     s2) (the Multi-AZ DB cluster analogue); the standby with the highest
//     replayed LSN is promoted, the other repointed at it, the endpoint
//     moved;
//   - cluster_pgbouncer: the cluster through pgbouncer in transaction mode
//     with its defaults, moved with RELOAD;
//   - cluster_pgbouncer_paused: the same with server_login_retry=0.1 and the
//     pooler paused from the crash until it has been moved.
//
// Every drill gets a fresh set of servers. $FAILOVER_RTO_DRILLS drills per
// case (default 3). Metrics: median and largest downtime, median number of
// failed writes, median longest write latency, and acknowledged writes
// lost over all drills.
//
// Run it from scripts/ with
//
//	go test -tags pgtest -run '^$' -bench '^BenchmarkRTO$' -benchtime 1x -timeout 20m ./internal/failover/
func BenchmarkRTO(b *testing.B) {
	drills := 3
	if v := os.Getenv("FAILOVER_RTO_DRILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			b.Fatalf("FAILOVER_RTO_DRILLS=%q: give a number of drills from 1 to 50", v)
		}
		drills = n
	}
	cases := []struct {
		name string
		run  func(tb testing.TB) (*failover.Report, *pglocal.Election)
	}{
		{"instance", instanceDrill},
		{"cluster", clusterDrill},
		{"cluster_pgbouncer", func(tb testing.TB) (*failover.Report, *pglocal.Election) { return pooledDrill(tb, nil, false) }},
		{"cluster_pgbouncer_paused", func(tb testing.TB) (*failover.Report, *pglocal.Election) {
			return pooledDrill(tb, pglocal.Settings{"server_login_retry": "0.1"}, true)
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var down, failed, latency []float64
			lost := 0
			for range b.N {
				for range drills {
					s := scope(b)
					rep, e := c.run(s)
					s.done()
					if !rep.Outage.Recovered {
						b.Fatalf("writes did not recover: %+v", rep.Outage)
					}
					steps := ""
					if e != nil {
						steps = fmt.Sprintf("; failover steps: catch-up %s, repoint %s, promote %s", e.CaughtUp.Round(time.Millisecond), e.Repoint.Round(time.Millisecond), e.Promote.Round(time.Millisecond))
					}
					b.Logf("downtime %.0f ms (±%.0f), %d failed writes, longest write %.0f ms, %d acknowledged writes lost%s", rep.Outage.DowntimeMs, rep.Outage.UncertaintyMs, rep.Writes.Failed, rep.Writes.MaxLatencyMs, rep.Loss.LostAcknowledged, steps)
					down = append(down, rep.Outage.DowntimeMs)
					failed = append(failed, float64(rep.Writes.Failed))
					latency = append(latency, rep.Writes.MaxLatencyMs)
					lost += rep.Loss.LostAcknowledged
				}
			}
			b.ReportMetric(median(down), "rto-ms")
			b.ReportMetric(slices.Max(down), "rto-max-ms")
			b.ReportMetric(median(failed), "failed-writes")
			b.ReportMetric(median(latency), "longest-write-ms")
			b.ReportMetric(float64(lost), "lost-acked")
			b.ReportMetric(float64(len(down)), "drills")
		})
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// scoped is a testing.TB whose Cleanup functions run at done, so that each
// drill's servers are gone before the next drill starts.
type scoped struct {
	testing.TB
	mu  sync.Mutex
	fns []func()
}

func scope(tb testing.TB) *scoped { return &scoped{TB: tb} }

func (s *scoped) Cleanup(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fns = append(s.fns, f)
}

func (s *scoped) done() {
	s.mu.Lock()
	fns := s.fns
	s.fns = nil
	s.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// rtoConfig is the drill every case runs; only the path to the writer
// differs.
func rtoConfig(connect failover.Connector, host string, resolver failover.Resolver, trigger failover.Trigger) failover.Config {
	return failover.Config{
		Connect: connect, Host: host, Resolver: resolver, Trigger: trigger,
		Rate: 50, WriteTimeout: time.Second, Warmup: time.Second, Settle: time.Second,
		MaxWait: 40 * time.Second, MaxDowntime: 30 * time.Second, Progress: io.Discard,
	}
}

func runDrill(tb testing.TB, cfg failover.Config) *failover.Report {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := failover.Run(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

func instanceDrill(tb testing.TB) (*failover.Report, *pglocal.Election) {
	l := newLab(tb, pglocal.Settings{"synchronous_standby_names": "standby", "synchronous_commit": "on"})
	trig := failover.FuncTrigger{Label: "stop primary (immediate), promote standby, move the endpoint", Func: func(ctx context.Context) error {
		if err := l.primary.StopImmediate(); err != nil {
			return err
		}
		if err := l.standby.Promote(); err != nil {
			return err
		}
		l.ep.Point("127.0.0.3")
		return nil
	}}
	connect := func(ctx context.Context) (*pgx.Conn, error) { return dbconn.Connect(ctx, l.conn) }
	return runDrill(tb, rtoConfig(connect, l.ep.Name, l.ep.Resolver(), trig)), nil
}

func clusterDrill(tb testing.TB) (*failover.Report, *pglocal.Election) {
	l := newClusterLab(tb, true)
	var f clusterFailover
	connect := func(ctx context.Context) (*pgx.Conn, error) { return dbconn.Connect(ctx, l.conn) }
	rep := runDrill(tb, rtoConfig(connect, l.ep.Name, l.ep.Resolver(), l.failover("rto_drill", nil, 0, &f)))
	return rep, f.election
}

func pooledDrill(tb testing.TB, settings pglocal.Settings, pause bool) (*failover.Report, *pglocal.Election) {
	l := newClusterLab(tb, true)
	pooler, connect := l.pooled(tb, settings)
	var f clusterFailover
	rep := runDrill(tb, rtoConfig(connect, "127.0.0.1", nil, l.pooledFailover(pooler, pause, &f)))
	return rep, f.election
}
