package failover

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/jackc/pgx/v5"
)

// fakeRDS answers DescribeDBInstances from a fixed instance and records
// RebootDBInstance calls.
type fakeRDS struct {
	inst    types.DBInstance
	reboots []*rds.RebootDBInstanceInput
}

func (f *fakeRDS) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	if aws.ToString(in.DBInstanceIdentifier) != aws.ToString(f.inst.DBInstanceIdentifier) {
		return nil, errors.New("DBInstanceNotFound")
	}
	return &rds.DescribeDBInstancesOutput{DBInstances: []types.DBInstance{f.inst}}, nil
}

func (f *fakeRDS) RebootDBInstance(_ context.Context, in *rds.RebootDBInstanceInput, _ ...func(*rds.Options)) (*rds.RebootDBInstanceOutput, error) {
	f.reboots = append(f.reboots, in)
	return &rds.RebootDBInstanceOutput{}, nil
}

func instance(multiAZ bool, status string) types.DBInstance {
	return types.DBInstance{
		DBInstanceIdentifier:      aws.String("orders-dev"),
		MultiAZ:                   aws.Bool(multiAZ),
		DBInstanceStatus:          aws.String(status),
		AvailabilityZone:          aws.String("eu-west-1a"),
		SecondaryAvailabilityZone: aws.String("eu-west-1b"),
	}
}

// A Single-AZ instance is refused before the drill touches the database:
// Run returns the refusal without ever connecting or rebooting.
func TestRunRefusesSingleAZInstance(t *testing.T) {
	api := &fakeRDS{inst: instance(false, "available")}
	connected := false
	_, err := Run(context.Background(), Config{
		Connect: func(context.Context) (*pgxConn, error) { connected = true; return nil, errors.New("unused") },
		Trigger: RDSTrigger{API: api, InstanceID: "orders-dev"},
	})
	if !errors.Is(err, ErrNotMultiAZ) {
		t.Fatalf("err = %v, want ErrNotMultiAZ", err)
	}
	for _, want := range []string{`"orders-dev"`, "MultiAZ=false", "eu-west-1a", "refusing"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not mention %s", err, want)
		}
	}
	if connected {
		t.Error("the drill connected to the database before refusing")
	}
	if len(api.reboots) != 0 {
		t.Errorf("RebootDBInstance was called %d times on a Single-AZ instance", len(api.reboots))
	}
}

func TestRDSTriggerChecksAndFires(t *testing.T) {
	for _, tc := range []struct {
		name string
		inst types.DBInstance
		want string
	}{
		{"not available", instance(true, "modifying"), `status "modifying"`},
		{"cluster member", func() types.DBInstance {
			i := instance(true, "available")
			i.DBClusterIdentifier = aws.String("orders-cluster")
			return i
		}(), "FailoverDBCluster"},
		{"unknown instance", types.DBInstance{DBInstanceIdentifier: aws.String("other")}, "DBInstanceNotFound"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := RDSTrigger{API: &fakeRDS{inst: tc.inst}, InstanceID: "orders-dev"}.Check(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}

	api := &fakeRDS{inst: instance(true, "available")}
	tr := RDSTrigger{API: api, InstanceID: "orders-dev"}
	if err := tr.Check(context.Background()); err != nil {
		t.Fatalf("Multi-AZ available instance refused: %v", err)
	}
	if err := tr.Fire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(api.reboots) != 1 || aws.ToString(api.reboots[0].DBInstanceIdentifier) != "orders-dev" || !aws.ToBool(api.reboots[0].ForceFailover) {
		t.Fatalf("reboot calls = %+v, want one with ForceFailover on orders-dev", api.reboots)
	}
	p, err := tr.Placement(context.Background())
	if err != nil || p.AvailabilityZone != "eu-west-1a" || p.SecondaryZone != "eu-west-1b" || !p.MultiAZ {
		t.Fatalf("Placement = %+v, %v", p, err)
	}
}

func TestCommandTrigger(t *testing.T) {
	var out bytes.Buffer
	ok := CommandTrigger{Command: "echo switching; exit 0", Output: &out}
	if err := ok.Fire(context.Background()); err != nil || !strings.Contains(out.String(), "switching") {
		t.Fatalf("Fire = %v, output %q", err, out.String())
	}
	bad := CommandTrigger{Command: "echo no standby >&2; exit 3"}
	err := bad.Fire(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "no standby") {
		t.Fatalf("failing command: err = %v, want exit status and output", err)
	}
	slow := CommandTrigger{Command: "sleep 30", Timeout: 200 * time.Millisecond}
	start := time.Now()
	if err := slow.Fire(context.Background()); err == nil || !strings.Contains(err.Error(), "did not finish within") {
		t.Fatalf("slow command: err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("timeout did not kill the command: took %s", time.Since(start))
	}
	if err := (CommandTrigger{Command: "  "}).Check(context.Background()); err == nil {
		t.Fatal("empty command accepted")
	}
}

const msec = time.Millisecond

// series builds write samples every 20 ms from 0 to end; down(t) says
// whether a write issued at t fails. Each write takes 2 ms.
func series(end time.Duration, down func(time.Duration) bool) []WriteSample {
	var ws []WriteSample
	var seq int64
	for t := time.Duration(0); t < end; t += 20 * msec {
		seq++
		ws = append(ws, WriteSample{Seq: seq, Start: t, End: t + 2*msec, OK: !down(t), Err: map[bool]string{true: "connection refused"}[down(t)]})
	}
	return ws
}

func presentAll(ws []WriteSample, except ...int64) map[int64]bool {
	skip := map[int64]bool{}
	for _, s := range except {
		skip[s] = true
	}
	p := map[int64]bool{}
	for _, w := range ws {
		if w.OK && !skip[w.Seq] {
			p[w.Seq] = true
		}
	}
	return p
}

func newReport() *Report {
	return &Report{Thresholds: Thresholds{MaxDowntimeMs: 5000, MaxLostWrites: 0}, Settings: SettingsInfo{MaxWaitMs: 60000}}
}

func TestAnalyzeMeasuresOutageAndDNS(t *testing.T) {
	trig := 1000 * msec
	// Writes fail from 1.5 s to 4.5 s after the drill's start.
	ws := series(8*time.Second, func(t time.Duration) bool { return t >= 1500*msec && t < 4500*msec })
	dns := []DNSSample{{At: 500 * msec, Addrs: []string{"10.0.1.5"}}, {At: 3 * time.Second, Addrs: []string{"10.0.1.5"}}, {At: 4250 * msec, Addrs: []string{"10.0.2.7"}}}
	rep := newReport()
	analyze(rep, analysisInput{writes: ws, dns: dns, present: presentAll(ws), tableFound: true,
		trigStart: trig, trigEnd: trig + 100*msec, fired: true, end: 8 * time.Second, interval: 20 * msec})

	o := rep.Outage
	if !o.Observed || !o.Recovered {
		t.Fatalf("outage observed=%v recovered=%v", o.Observed, o.Recovered)
	}
	if *o.FirstFailedWriteAfterTriggerMs != 500 {
		t.Errorf("first failed write at %v ms after the trigger, want 500", *o.FirstFailedWriteAfterTriggerMs)
	}
	// First failure issued at 1500 ms, first success after it acked at 4502 ms.
	if o.DowntimeMs != 3002 {
		t.Errorf("downtime = %v ms, want 3002", o.DowntimeMs)
	}
	if *o.RecoveredAfterTriggerMs != 3502 {
		t.Errorf("recovered at %v, want 3502", *o.RecoveredAfterTriggerMs)
	}
	if o.UncertaintyMs != 36 {
		t.Errorf("uncertainty = %v ms, want 18+18", o.UncertaintyMs)
	}
	if len(o.Windows) != 1 || o.Windows[0].FailedWrites != 150 {
		t.Errorf("windows = %+v, want one of 150 writes", o.Windows)
	}
	if rep.DNS.ChangedAfterTriggerMs == nil || *rep.DNS.ChangedAfterTriggerMs != 3250 || rep.DNS.After[0] != "10.0.2.7" {
		t.Errorf("DNS = %+v", rep.DNS)
	}
	if !rep.Verdict.Passed {
		t.Errorf("verdict failed: %v", rep.Verdict.Failures)
	}
}

func TestAnalyzeFailsOnLossAndLongOutage(t *testing.T) {
	ws := series(10*time.Second, func(t time.Duration) bool { return t >= 2*time.Second && t < 8*time.Second })
	rep := newReport()
	analyze(rep, analysisInput{writes: ws, present: presentAll(ws, 90, 95, 99), tableFound: true,
		trigStart: time.Second, trigEnd: time.Second, fired: true, end: 10 * time.Second, interval: 20 * msec})
	if rep.Verdict.Passed {
		t.Fatal("a 6 s outage over a 5 s threshold with 3 lost writes passed")
	}
	if rep.Loss.LostAcknowledged != 3 || len(rep.Loss.LostSeqs) != 3 || rep.Loss.LostSeqs[0] != 90 {
		t.Errorf("loss = %+v, want seqs 90, 95, 99", rep.Loss)
	}
	joined := strings.Join(rep.Verdict.Failures, "\n")
	if !strings.Contains(joined, "exceeds the RTO threshold of 5s") || !strings.Contains(joined, "3 acknowledged writes are missing") {
		t.Errorf("failures = %q", joined)
	}
}

func TestAnalyzeNoOutageAndNoRecovery(t *testing.T) {
	ws := series(3*time.Second, func(time.Duration) bool { return false })
	rep := newReport()
	analyze(rep, analysisInput{writes: ws, present: presentAll(ws), tableFound: true, trigStart: time.Second, fired: true, end: 3 * time.Second})
	if rep.Verdict.Passed || !strings.Contains(strings.Join(rep.Verdict.Failures, ""), "not observed") {
		t.Errorf("no outage: verdict %+v, want a failure saying the failover was not observed", rep.Verdict)
	}

	ws = series(3*time.Second, func(t time.Duration) bool { return t >= 2*time.Second })
	rep = newReport()
	analyze(rep, analysisInput{writes: ws, present: presentAll(ws), tableFound: true, trigStart: time.Second, fired: true, end: 3 * time.Second})
	if rep.Outage.Recovered || rep.Verdict.Passed || rep.Outage.DowntimeMs != 1000 {
		t.Errorf("no recovery: outage %+v verdict %+v", rep.Outage, rep.Verdict)
	}
	if rep.Outage.RecoveredAfterTriggerMs != nil {
		t.Error("RecoveredAfterTriggerMs set without recovery")
	}
}

// The JSON report carries every section, with null (not a missing key) for
// what was not measured, and survives a round trip.
func TestReportJSONIsComplete(t *testing.T) {
	ws := series(4*time.Second, func(t time.Duration) bool { return t >= 2*time.Second && t < 3*time.Second })
	rep := newReport()
	analyze(rep, analysisInput{writes: ws, present: presentAll(ws), tableFound: true, trigStart: time.Second, fired: true, end: 4 * time.Second})
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"startedAt", "target", "trigger", "settings", "thresholds", "writes", "outage", "reads", "dns", "placement", "loss", "verdict"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON report has no %q", k)
		}
	}
	dns := m["dns"].(map[string]any)
	if v, ok := dns["changedAfterTriggerMs"]; !ok || v != nil {
		t.Errorf("dns.changedAfterTriggerMs = %v (present %v), want null", v, ok)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || back.Outage.DowntimeMs != rep.Outage.DowntimeMs {
		t.Fatalf("round trip: %v, downtime %v vs %v", err, back.Outage.DowntimeMs, rep.Outage.DowntimeMs)
	}
	var human bytes.Buffer
	if err := rep.WriteHuman(&human); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(human.String(), "PASSED") || !strings.Contains(human.String(), "DOWNTIME         1.002s") {
		t.Errorf("human report:\n%s", human.String())
	}
}

// The availability zones before and after reach the report: the
// zone-changed flag, the JSON, the human report, and, when no write failed
// although the zone changed, the note that the failover was shorter than
// the write interval instead of a "not observed" failure.
func TestAnalyzeReportsAvailabilityZones(t *testing.T) {
	const zoneNote = "no write failed, yet the availability zone changed"
	for _, tc := range []struct {
		name        string
		after       string
		wantChanged bool
	}{
		{"moved to the standby's zone", "eu-west-1b", true},
		{"same zone", "eu-west-1a", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// No write fails: only the zones can tell that a failover happened.
			ws := series(3*time.Second, func(time.Duration) bool { return false })
			rep := newReport()
			rep.Placement.Before = &Placement{Instance: "orders-prod", Status: "available", AvailabilityZone: "eu-west-1a", SecondaryZone: "eu-west-1b", MultiAZ: true}
			rep.Placement.After = &Placement{Instance: "orders-prod", Status: "available", AvailabilityZone: tc.after, SecondaryZone: "eu-west-1a", MultiAZ: true}
			analyze(rep, analysisInput{writes: ws, present: presentAll(ws), tableFound: true,
				trigStart: time.Second, trigEnd: time.Second, fired: true, end: 3 * time.Second, interval: 20 * msec})

			if rep.Placement.Changed == nil {
				t.Fatal("zone-changed flag not set although both zones are known")
			}
			if *rep.Placement.Changed != tc.wantChanged {
				t.Errorf("zone changed = %v, want %v (eu-west-1a -> %s)", *rep.Placement.Changed, tc.wantChanged, tc.after)
			}
			notes := strings.Join(rep.Verdict.Notes, "\n")
			failures := strings.Join(rep.Verdict.Failures, "\n")
			if tc.wantChanged {
				if !strings.Contains(notes, zoneNote) {
					t.Errorf("notes %q do not say the zone changed without a failed write", notes)
				}
				if !rep.Verdict.Passed {
					t.Errorf("a zone change with no failed write failed the verdict: %q", failures)
				}
			} else {
				if strings.Contains(notes, zoneNote) {
					t.Errorf("notes %q claim a zone change between equal zones", notes)
				}
				if rep.Verdict.Passed || !strings.Contains(failures, "not observed") {
					t.Errorf("no failed write and no zone change: verdict %+v, want a \"not observed\" failure", rep.Verdict)
				}
			}

			b, err := json.Marshal(rep)
			if err != nil {
				t.Fatal(err)
			}
			var m struct {
				Placement struct {
					Before    struct{ AvailabilityZone string }
					After     struct{ AvailabilityZone string }
					AZChanged *bool `json:"azChanged"`
				}
			}
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			if m.Placement.Before.AvailabilityZone != "eu-west-1a" || m.Placement.After.AvailabilityZone != tc.after || m.Placement.AZChanged == nil || *m.Placement.AZChanged != tc.wantChanged {
				t.Errorf("JSON placement = %s", b)
			}
			var human bytes.Buffer
			if err := rep.WriteHuman(&human); err != nil {
				t.Fatal(err)
			}
			if want := "availability zone eu-west-1a -> " + tc.after; !strings.Contains(human.String(), want) {
				t.Errorf("human report lacks %q:\n%s", want, human.String())
			}
		})
	}

	// When the instance cannot be described afterwards, the flag stays
	// unset rather than claiming "unchanged".
	ws := series(3*time.Second, func(t time.Duration) bool { return t >= 1500*msec && t < 2*time.Second })
	rep := newReport()
	rep.Placement.Before = &Placement{AvailabilityZone: "eu-west-1a"}
	analyze(rep, analysisInput{writes: ws, present: presentAll(ws), tableFound: true,
		trigStart: time.Second, trigEnd: time.Second, fired: true, end: 3 * time.Second, interval: 20 * msec})
	if rep.Placement.Changed != nil {
		t.Errorf("zone changed = %v with no zone after the failover, want unset", *rep.Placement.Changed)
	}
	var human bytes.Buffer
	if err := rep.WriteHuman(&human); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(human.String(), "availability zone eu-west-1a -> unknown") {
		t.Errorf("human report:\n%s", human.String())
	}
}

// The lost-write threshold is honoured at a value other than 0: with a
// threshold of 3, three lost acknowledged writes pass and four fail.
func TestAnalyzeLostWriteThreshold(t *testing.T) {
	// A 1 s outage, well inside the 5 s RTO threshold of newReport.
	ws := series(6*time.Second, func(t time.Duration) bool { return t >= 2*time.Second && t < 3*time.Second })
	for _, tc := range []struct {
		name     string
		lost     []int64
		wantPass bool
	}{
		{"3 lost", []int64{40, 41, 42}, true},
		{"4 lost", []int64{40, 41, 42, 43}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := newReport()
			rep.Thresholds.MaxLostWrites = 3
			analyze(rep, analysisInput{writes: ws, present: presentAll(ws, tc.lost...), tableFound: true,
				trigStart: time.Second, trigEnd: time.Second, fired: true, end: 6 * time.Second, interval: 20 * msec})
			if rep.Loss.LostAcknowledged != len(tc.lost) {
				t.Fatalf("lost acknowledged = %d, want %d", rep.Loss.LostAcknowledged, len(tc.lost))
			}
			if !rep.Outage.Recovered || rep.Outage.DowntimeMs > rep.Thresholds.MaxDowntimeMs {
				t.Fatalf("outage %+v: the RTO must pass for this test to be about the loss threshold", rep.Outage)
			}
			if rep.Verdict.Passed != tc.wantPass {
				t.Errorf("verdict passed = %v with %d lost and threshold 3, want %v; failures %q", rep.Verdict.Passed, len(tc.lost), tc.wantPass, rep.Verdict.Failures)
			}
			failures := strings.Join(rep.Verdict.Failures, "\n")
			if tc.wantPass && failures != "" {
				t.Errorf("failures %q, want none", failures)
			}
			if !tc.wantPass && !strings.Contains(failures, "4 acknowledged writes are missing after the failover (threshold 3)") {
				t.Errorf("failures %q do not name 4 lost writes against threshold 3", failures)
			}
		})
	}
}

func TestConfigValidation(t *testing.T) {
	base := Config{Connect: func(context.Context) (*pgxConn, error) { return nil, nil }, Trigger: FuncTrigger{}}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"rate", func(c *Config) { c.Rate = 50000 }, "write rate 50000/s is out of range"},
		{"table", func(c *Config) { c.Table = "Drill; DROP" }, `table name "Drill; DROP"`},
		{"negative", func(c *Config) { c.Settle = -time.Second }, "settle -1s is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.change(&c)
			_, err := c.withDefaults()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	c, err := base.withDefaults()
	if err != nil || c.Interval() != 20*msec || !strings.HasPrefix(c.Table, "failover_drill_") {
		t.Fatalf("defaults: %v interval %v table %q", err, c.Interval(), c.Table)
	}
}

type pgxConn = pgx.Conn
