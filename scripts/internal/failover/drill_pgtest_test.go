//go:build pgtest

package failover_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/scripts/internal/testsupport/endpoint"
	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// lab is a primary, a streaming standby, and an endpoint name that
// resolves to a forwarder in front of the primary (127.0.0.2) until the
// test points it at the forwarder in front of the standby (127.0.0.3).
type lab struct {
	primary, standby *pglocal.Server
	ep               *endpoint.Endpoint
	conn             dbconn.Options
}

func newLab(t testing.TB, primarySettings pglocal.Settings) *lab {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := pglocal.ForTest(t)
	primary, err := c.StartPrimary("primary", primarySettings)
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
	ep, err := endpoint.New("writer.drill.test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ep.Close() })
	if err := ep.AddBackend("127.0.0.2", primary.Addr()); err != nil {
		t.Fatal(err)
	}
	if err := ep.AddBackend("127.0.0.3", standby.Addr()); err != nil {
		t.Fatal(err)
	}
	ep.Point("127.0.0.2")
	return &lab{
		primary: primary, standby: standby, ep: ep,
		conn: writerConn(ep),
	}
}

// writerConn is how the drill connects through a lab's writer endpoint.
func writerConn(ep *endpoint.Endpoint) dbconn.Options {
	return dbconn.Options{
		Host: ep.Name, Port: ep.Port(), Database: "postgres", User: pglocal.Superuser,
		SSLMode: dbconn.SSLDisable, Resolver: ep.Resolver(), ConnectTimeout: time.Second,
		ApplicationName: "failover-drill-test",
	}
}

func (l *lab) config(t *testing.T, trigger failover.Trigger) failover.Config {
	return failover.Config{
		Connect:      func(ctx context.Context) (*pgx.Conn, error) { return dbconn.Connect(ctx, l.conn) },
		Host:         l.ep.Name,
		Resolver:     l.ep.Resolver(),
		Trigger:      trigger,
		Rate:         50,
		WriteTimeout: time.Second,
		Warmup:       1500 * time.Millisecond,
		Settle:       2 * time.Second,
		MaxWait:      30 * time.Second,
		MaxDowntime:  10 * time.Second,
		Progress:     tbWriter{t},
	}
}

// tbWriter sends the drill's progress to the test log.
type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// runLogged runs the drill and logs its human report, which it returns.
func runLogged(ctx context.Context, tb testing.TB, cfg failover.Config) (*failover.Report, string) {
	tb.Helper()
	rep, err := failover.Run(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	var human bytes.Buffer
	if err := rep.WriteHuman(&human); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("report:\n%s", human.String())
	return rep, human.String()
}

// failoverTimes records when the trigger started, stopped the primary and
// repointed the endpoint.
type failoverTimes struct {
	fired, stopped, repointed time.Time
}

// hardFailover stops the primary immediately, promotes the standby, and
// repoints the endpoint outage after the stop.
func (l *lab) hardFailover(ctx context.Context, outage time.Duration, at *failoverTimes) error {
	at.stopped = time.Now()
	if err := l.primary.StopImmediate(); err != nil {
		return err
	}
	if err := l.standby.Promote(); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Until(at.stopped.Add(outage))):
	}
	l.ep.Point("127.0.0.3")
	at.repointed = time.Now()
	return nil
}

// zonedTrigger is a trigger that also reports the placement, as the RDS
// trigger does. The lab's two servers stand for two availability zones:
// the primary for "local-a", the standby for "local-b". The zone reported
// is that of the server the endpoint leads to, found by asking it for its
// port, so the zone after the failover is only "local-b" if the endpoint
// really leads to the promoted standby.
type zonedTrigger struct {
	failover.FuncTrigger
	l *lab
}

func (z zonedTrigger) Placement(ctx context.Context) (failover.Placement, error) {
	conn, err := dbconn.Connect(ctx, z.l.conn)
	if err != nil {
		return failover.Placement{}, err
	}
	defer conn.Close(context.Background())
	var port int
	if err := conn.QueryRow(ctx, "SELECT inet_server_port()").Scan(&port); err != nil {
		return failover.Placement{}, err
	}
	zone := map[int]string{z.l.primary.Port: "local-a", z.l.standby.Port: "local-b"}[port]
	if zone == "" {
		return failover.Placement{}, fmt.Errorf("the endpoint leads to port %d, neither the primary's (%d) nor the standby's (%d)", port, z.l.primary.Port, z.l.standby.Port)
	}
	other := map[string]string{"local-a": "local-b", "local-b": "local-a"}[zone]
	return failover.Placement{Instance: "lab", Status: "available", AvailabilityZone: zone, SecondaryZone: other, MultiAZ: true}, nil
}

func TestSynchronousFailoverLosesNoAcknowledgedWrite(t *testing.T) {
	l := newLab(t, pglocal.Settings{
		"synchronous_standby_names": "standby",
		"synchronous_commit":        "on",
	})
	requireReplication(t, l.primary, "sync", "standby")
	const outage = 3 * time.Second
	var at failoverTimes
	trig := zonedTrigger{l: l, FuncTrigger: failover.FuncTrigger{
		Label: fmt.Sprintf("stop primary (immediate), promote standby, repoint endpoint after %s", outage),
		Func: func(ctx context.Context) error {
			at.fired = time.Now()
			return l.hardFailover(ctx, outage, &at)
		},
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, human := runLogged(ctx, t, l.config(t, trig))

	injected := at.repointed.Sub(at.stopped)
	measured := time.Duration(rep.Outage.DowntimeMs * float64(time.Millisecond))
	if diff := (measured - injected).Abs(); diff > 500*time.Millisecond {
		t.Errorf("reported downtime %s differs from the injected outage %s by %s (allowed 0.5s)", measured, injected, diff)
	}
	if !rep.Outage.Recovered || !rep.Outage.Observed {
		t.Errorf("outage observed=%v recovered=%v, want both", rep.Outage.Observed, rep.Outage.Recovered)
	}
	if rep.Loss.LostAcknowledged != 0 {
		t.Errorf("%d acknowledged writes lost with a synchronous standby: %v", rep.Loss.LostAcknowledged, rep.Loss.LostSeqs)
	}
	if rep.Writes.Acknowledged < 100 {
		t.Errorf("only %d writes acknowledged; the workload did not run at 50/s", rep.Writes.Acknowledged)
	}
	if !rep.Verdict.Passed {
		t.Errorf("verdict failed: %v", rep.Verdict.Failures)
	}
	// The DNS probe saw the flip within a probe interval of the repoint.
	wantFlip := at.repointed.Sub(at.fired)
	if rep.DNS.ChangedAfterTriggerMs == nil {
		t.Errorf("DNS change not reported")
	} else if got := time.Duration(*rep.DNS.ChangedAfterTriggerMs * float64(time.Millisecond)); got < wantFlip-50*time.Millisecond || got > wantFlip+500*time.Millisecond {
		t.Errorf("DNS change reported at t+%s, the endpoint was repointed at t+%s", got, wantFlip)
	}
	if rep.Reads.ServerChangedAfterTriggerMs == nil || rep.Reads.ServerBefore == rep.Reads.ServerAfter {
		t.Errorf("read probe did not see the server change: before %q after %q", rep.Reads.ServerBefore, rep.Reads.ServerAfter)
	}

	// The zones came from the trigger before and after the failover.
	pl := rep.Placement
	if pl.Before == nil || pl.After == nil || pl.Changed == nil {
		t.Errorf("placement %+v: want the zone before and after and the zone-changed flag", pl)
	} else if pl.Before.AvailabilityZone != "local-a" || pl.After.AvailabilityZone != "local-b" || !*pl.Changed {
		t.Errorf("zone %s -> %s (changed %v), want local-a -> local-b (changed true)", pl.Before.AvailabilityZone, pl.After.AvailabilityZone, *pl.Changed)
	}
	if !strings.Contains(human, "availability zone local-a -> local-b") {
		t.Error("the human report does not show the zones before and after")
	}

	checkJSON(t, rep)
	var placement struct {
		Placement struct {
			Before    struct{ AvailabilityZone string }
			After     struct{ AvailabilityZone string }
			AZChanged *bool `json:"azChanged"`
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &placement); err != nil {
		t.Fatal(err)
	}
	if p := placement.Placement; p.Before.AvailabilityZone != "local-a" || p.After.AvailabilityZone != "local-b" || p.AZChanged == nil || !*p.AZChanged {
		t.Errorf("JSON placement %+v, want local-a -> local-b with azChanged true", p)
	}
	checkTableDropped(t, l.standby, rep.Target.Table)
}

// TestAsynchronousFailoverReportsLostWrites proves that the RPO check can
// fail: when writes the primary acknowledged never reach the standby that
// is promoted, the drill reports them as lost and fails its verdict.
//
// A detached standby stands in for a delayed one. The trigger clears the
// standby's primary_conninfo, so it stops receiving WAL, while the primary,
// replicating asynchronously, keeps acknowledging commits for a second; then
// it stops the primary and promotes the standby. This is not replication
// lag: the standby is cut off, not slow. It is used because it makes the
// loss certain and its extent known (every write acknowledged between the
// detach and the stop), where real lag on loopback is a few milliseconds and
// cannot be set without traffic shaping, and an apply delay
// (recovery_min_apply_delay) would lose nothing, since a promoted standby
// replays all the WAL it has received. What the test shows is the drill's
// side: acknowledged writes missing on the new primary are detected,
// counted, listed and fail the verdict. It says nothing about how much a
// real lagging standby would lose.
func TestAsynchronousFailoverReportsLostWrites(t *testing.T) {
	l := newLab(t, nil) // asynchronous replication
	requireReplication(t, l.primary, "async", "standby")
	var at failoverTimes
	const behind = time.Second
	trig := failover.FuncTrigger{
		Label: "detach the standby, keep writing, then stop primary, promote standby, repoint",
		Func: func(ctx context.Context) error {
			at.fired = time.Now()
			// The standby stops receiving WAL (detached, standing in for a
			// delayed standby; see above) while the primary keeps
			// acknowledging asynchronous commits.
			if err := detach(ctx, l.standby); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(behind):
			}
			return l.hardFailover(ctx, time.Second, &at)
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, _ := runLogged(ctx, t, l.config(t, trig))

	// About one second of writes at 50/s was acknowledged by the primary
	// alone.
	if rep.Loss.LostAcknowledged < 20 {
		t.Fatalf("lost acknowledged writes = %d, want about %d (a second of writes the standby never received)", rep.Loss.LostAcknowledged, int(50*behind.Seconds()))
	}
	// The standby missed one stretch of the primary's history, from the
	// detach to the stop.
	checkLossReported(t, rep)
	checkJSON(t, rep)
}

// checkLossReported checks that the drill failed its verdict on the
// acknowledged writes it found missing, and that those are one contiguous
// run of sequence numbers: the promoted standby missed one stretch of the
// primary's history.
func checkLossReported(tb testing.TB, rep *failover.Report) {
	tb.Helper()
	if rep.Verdict.Passed {
		tb.Error("the verdict passed although acknowledged writes were lost")
	}
	if !strings.Contains(strings.Join(rep.Verdict.Failures, "\n"), "acknowledged writes are missing") {
		tb.Errorf("failures %q do not name the lost writes", rep.Verdict.Failures)
	}
	if n := len(rep.Loss.LostSeqs); n == rep.Loss.LostAcknowledged {
		first, last := rep.Loss.LostSeqs[0], rep.Loss.LostSeqs[n-1]
		if last-first+1 != int64(n) {
			tb.Errorf("lost sequence numbers %v are not one contiguous run", rep.Loss.LostSeqs)
		}
	}
}

// detach makes a standby stop streaming by clearing primary_conninfo, and
// waits until its WAL receiver has gone.
func detach(ctx context.Context, s *pglocal.Server) error {
	conn, err := s.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "ALTER SYSTEM SET primary_conninfo = ''"); err != nil {
		return fmt.Errorf("clear primary_conninfo on %s: %w", s.Name, err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("reload %s: %w", s.Name, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_wal_receiver").Scan(&n); err != nil {
			return fmt.Errorf("query pg_stat_wal_receiver on %s: %w", s.Name, err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the WAL receiver of %s is still running 10s after primary_conninfo was cleared", s.Name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkJSON checks that every section and measurement is present, and
// not null, in the JSON encoding of the report. (That the command's JSON
// output is well formed is checked on its real stdout by the pgtest tests
// of cmd/failover-drill, which parse it.)
func checkJSON(t *testing.T, rep *failover.Report) {
	t.Helper()
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]any
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	m = map[string]map[string]any{}
	for k, v := range top {
		if obj, ok := v.(map[string]any); ok {
			m[k] = obj
		}
	}
	want := map[string][]string{
		"target":     {"host", "table"},
		"trigger":    {"name", "returnedAfterMs"},
		"settings":   {"writesPerSecond", "writeTimeoutMs", "dnsIntervalMs"},
		"thresholds": {"maxDowntimeMs", "maxLostWrites"},
		"writes":     {"attempted", "acknowledged", "failed"},
		"outage":     {"observed", "recovered", "firstFailedWriteAfterTriggerMs", "recoveredAfterTriggerMs", "downtimeMs", "uncertaintyMs", "windows"},
		"reads":      {"attempted", "failed", "downtimeMs", "serverChangedAfterTriggerMs"},
		"dns":        {"probed", "before", "after", "changedAfterTriggerMs"},
		"loss":       {"tableFound", "lostAcknowledged", "lostSeqs", "presentUnacknowledged", "rowsFound"},
		"verdict":    {"passed", "failures", "notes"},
	}
	for section, keys := range want {
		obj, ok := m[section]
		if !ok {
			t.Errorf("report JSON has no %q object", section)
			continue
		}
		for _, k := range keys {
			if v, ok := obj[k]; !ok || v == nil {
				t.Errorf("report JSON %s.%s is missing or null", section, k)
			}
		}
	}
	if os.Getenv("FAILOVER_DRILL_SHOW_JSON") != "" {
		t.Logf("%s", b)
	}
}

// checkTableDropped checks that the drill removed its table.
func checkTableDropped(t *testing.T, s *pglocal.Server, table string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("table %s still exists after the drill", table)
	}
}
