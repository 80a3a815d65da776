//go:build pgtest

package failover_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/scripts/internal/testsupport/endpoint"
	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// Run the benchmarks with
//
//	go test -tags pgtest -run '^$' -bench 'Resolution|Overhead' -benchtime 1x -timeout 15m ./internal/failover/
//
// (from scripts/). Results are written down in BENCHMARKS.md.

// BenchmarkResolution measures how finely the drill times an outage: at
// several write rates it runs drills whose trigger cuts the endpoint for a
// known time (closing every connection through it, refusing new ones) and
// compares the reported downtime with the injected one. It reports the mean
// and largest error, and the mean uncertainty the report itself states.
func BenchmarkResolution(b *testing.B) {
	c := pglocal.ForTest(b)
	primary, err := c.StartPrimary("primary", nil)
	if err != nil {
		b.Fatal(err)
	}
	ep, err := endpoint.New("writer.bench.test")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ep.Close() })
	if err := ep.AddBackend("127.0.0.2", primary.Addr()); err != nil {
		b.Fatal(err)
	}
	ep.Point("127.0.0.2")
	opts := dbconn.Options{Host: ep.Name, Port: ep.Port(), Database: "postgres", User: pglocal.Superuser,
		SSLMode: dbconn.SSLDisable, Resolver: ep.Resolver(), ConnectTimeout: time.Second}

	// Outages of random length between 0.7 s and 1.3 s: a length that is a
	// multiple of the write interval would let the errors at the two edges
	// cancel out and flatter the result.
	const drills = 5
	for _, rate := range []float64{10, 50, 200} {
		b.Run(fmt.Sprintf("rate=%g", rate), func(b *testing.B) {
			var sumErr, maxErr, sumUnc float64
			n := 0
			for range b.N {
				for range drills {
					outage := 700*time.Millisecond + rand.N(600*time.Millisecond)
					var cut, restored time.Time
					trig := failover.FuncTrigger{Label: "cut the endpoint", Func: func(ctx context.Context) error {
						cut = time.Now()
						if err := ep.SetUp("127.0.0.2", false); err != nil {
							return err
						}
						time.Sleep(time.Until(cut.Add(outage)))
						restored = time.Now()
						return ep.SetUp("127.0.0.2", true)
					}}
					rep, err := failover.Run(context.Background(), failover.Config{
						Connect:  func(ctx context.Context) (*pgx.Conn, error) { return dbconn.Connect(ctx, opts) },
						Host:     ep.Name,
						Resolver: ep.Resolver(),
						Trigger:  trig, Rate: rate, WriteTimeout: time.Second,
						Warmup: 500 * time.Millisecond, Settle: time.Second, MaxWait: 20 * time.Second,
						MaxDowntime: 10 * time.Second, Progress: io.Discard,
					})
					if err != nil {
						b.Fatal(err)
					}
					if !rep.Outage.Recovered {
						b.Fatalf("outage not measured: %+v", rep.Outage)
					}
					injected := restored.Sub(cut)
					b.Logf("injected %s, measured %.1f ms (stated uncertainty ±%.1f ms, %d failed writes)", injected.Round(100*time.Microsecond), rep.Outage.DowntimeMs, rep.Outage.UncertaintyMs, rep.Writes.Failed)
					e := math.Abs(rep.Outage.DowntimeMs - float64(injected)/float64(time.Millisecond))
					sumErr += e
					maxErr = max(maxErr, e)
					sumUnc += rep.Outage.UncertaintyMs
					n++
				}
			}
			b.ReportMetric(sumErr/float64(n), "mean-err-ms")
			b.ReportMetric(maxErr, "max-err-ms")
			b.ReportMetric(sumUnc/float64(n), "mean-uncertainty-ms")
			b.ReportMetric(1000/rate, "interval-ms")
		})
	}
}

// BenchmarkOverhead measures what the drill costs: the write rate it
// sustains against a local server, and the CPU of the drill's own process
// (writer, read probe and DNS probe; the server's CPU is not counted).
func BenchmarkOverhead(b *testing.B) {
	c := pglocal.ForTest(b)
	primary, err := c.StartPrimary("primary", nil)
	if err != nil {
		b.Fatal(err)
	}
	opts := dbconn.Options{Host: "127.0.0.1", Port: primary.Port, Database: "postgres", User: pglocal.Superuser,
		SSLMode: dbconn.SSLDisable, ConnectTimeout: time.Second}
	const window = 5 * time.Second
	for _, rate := range []float64{50, 200, 1000, 10000} {
		b.Run(fmt.Sprintf("rate=%g", rate), func(b *testing.B) {
			var acked int
			var cpu, wall time.Duration
			for range b.N {
				// A trigger that does nothing: the drill runs its workload for
				// the warm-up and the observation window.
				trig := failover.FuncTrigger{Label: "none", Func: func(context.Context) error { return nil }}
				before := cpuTime(b)
				start := time.Now()
				rep, err := failover.Run(context.Background(), failover.Config{
					Connect: func(ctx context.Context) (*pgx.Conn, error) { return dbconn.Connect(ctx, opts) },
					Host:    "127.0.0.1", Trigger: trig, Rate: rate,
					Warmup: time.Second, MaxWait: window - time.Second, Progress: io.Discard,
				})
				if err != nil {
					b.Fatal(err)
				}
				wall += time.Since(start)
				cpu += cpuTime(b) - before
				acked += rep.Writes.Acknowledged
			}
			b.ReportMetric(float64(acked)/wall.Seconds(), "writes/s")
			b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%")
			b.ReportMetric(1e6*cpu.Seconds()/float64(acked), "cpu-µs/write")
		})
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
