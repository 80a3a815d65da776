package failover

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
)

// clusterFixture copies testdata/cluster, editing describe-db-clusters.json
// with edit (nil: as recorded).
func clusterFixture(t *testing.T, edit func(cluster map[string]any)) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"describe-db-clusters.json", "describe-db-instances.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "cluster", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "describe-db-clusters.json" && edit != nil {
			var v map[string]any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatal(err)
			}
			edit(v["DBClusters"].([]any)[0].(map[string]any))
			if data, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestClusterTriggerChecksFiresAndPlaces(t *testing.T) {
	api := recorded.New(clusterFixture(t, nil))
	tr := ClusterTrigger{API: api, ClusterID: "orders-staging-7a2b"}
	ctx := context.Background()
	if err := tr.Check(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := tr.Placement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := Placement{Instance: "orders-staging-7a2b-instance-1", Status: "available", AvailabilityZone: "eu-west-1a", SecondaryZone: "eu-west-1b,eu-west-1c", MultiAZ: true}
	if p != want {
		t.Errorf("placement %+v, want %+v", p, want)
	}
	if n := len(api.Calls("failover-db-cluster")); n != 0 {
		t.Fatalf("failed over %d times before Fire", n)
	}
	if err := tr.Fire(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(api.Calls("failover-db-cluster")); n != 1 {
		t.Errorf("%d FailoverDBCluster calls, want 1", n)
	}
	if !strings.Contains(tr.Name(), "rds:FailoverDBCluster on orders-staging-7a2b") {
		t.Errorf("name %q", tr.Name())
	}
}

func TestClusterTriggerRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(c map[string]any)
		id    string
		want  string
		isErr error
	}{
		{name: "not available", edit: func(c map[string]any) { c["Status"] = "failing-over" }, want: `status "failing-over"`},
		{name: "no reader", edit: func(c map[string]any) { c["DBClusterMembers"] = c["DBClusterMembers"].([]any)[:1] }, want: "0 reader(s)", isErr: ErrNotMultiAZCluster},
		{name: "not Multi-AZ", edit: func(c map[string]any) { c["MultiAZ"] = false }, want: "MultiAZ=false", isErr: ErrNotMultiAZCluster},
		{name: "no writer", edit: func(c map[string]any) {
			for _, m := range c["DBClusterMembers"].([]any) {
				m.(map[string]any)["IsClusterWriter"] = false
			}
		}, want: "reports no writer"},
		{name: "unknown cluster", id: "payments-staging", want: "payments-staging"},
		{name: "no identifier", id: "-", want: "--cluster-id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := recorded.New(clusterFixture(t, tc.edit))
			id := "orders-staging-7a2b"
			switch tc.id {
			case "-":
				id = ""
			case "":
			default:
				id = tc.id
			}
			err := ClusterTrigger{API: api, ClusterID: id}.Check(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if tc.isErr != nil && !errors.Is(err, tc.isErr) {
				t.Errorf("err = %v, want %v", err, tc.isErr)
			}
			if n := len(api.Calls("failover-db-cluster")); n != 0 {
				t.Errorf("a refused check failed over %d times", n)
			}
		})
	}
}

// A refused cluster stops the drill before it connects.
func TestRunRefusesClusterWithoutStandby(t *testing.T) {
	api := recorded.New(clusterFixture(t, func(c map[string]any) { c["DBClusterMembers"] = c["DBClusterMembers"].([]any)[:1] }))
	connected := false
	_, err := Run(context.Background(), Config{
		Connect: func(context.Context) (*pgxConn, error) { connected = true; return nil, errors.New("unused") },
		Trigger: ClusterTrigger{API: api, ClusterID: "orders-staging-7a2b"},
	})
	if !errors.Is(err, ErrNotMultiAZCluster) {
		t.Fatalf("err = %v, want ErrNotMultiAZCluster", err)
	}
	if connected {
		t.Error("the drill connected to a cluster it refused")
	}
}

// The comparison shows each run's figures in a column under its --via,
// on the rows of the single report, and passes only when every run does.
func TestComparisonSideBySide(t *testing.T) {
	trig := 1000 * msec
	run := func(downFrom, downTo time.Duration) *Report {
		ws := series(8*time.Second, func(t time.Duration) bool { return t >= downFrom && t < downTo })
		rep := newReport()
		rep.Target.Host = "h"
		analyze(rep, analysisInput{writes: ws, present: presentAll(ws), tableFound: true, trigStart: trig, trigEnd: trig + 100*msec, fired: true, end: 8 * time.Second, interval: 20 * msec})
		return rep
	}
	proxy, writer := run(1500*msec, 1700*msec), run(1500*msec, 4500*msec)
	cmp := NewComparison([]ViaRun{{Via: ViaProxy, Report: proxy}, {Via: ViaWriter, Report: writer}})
	if !cmp.Passed {
		t.Fatalf("both runs passed, the comparison did not: %+v %+v", proxy.Verdict, writer.Verdict)
	}
	var b bytes.Buffer
	if err := cmp.WriteHuman(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	header := strings.Fields(lines[1])
	if len(header) != 3 || header[1] != "proxy" || header[2] != "writer" {
		t.Errorf("header %q, want via, proxy, writer", lines[1])
	}
	var down string
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "DOWNTIME") {
			down = l
		}
	}
	p := strings.Index(down, fmtMs(proxy.Outage.DowntimeMs))
	w := strings.Index(down, fmtMs(writer.Outage.DowntimeMs))
	if p < 0 || w < 0 || p > w {
		t.Errorf("DOWNTIME row %q: want the proxy's %s, then the writer's %s", down, fmtMs(proxy.Outage.DowntimeMs), fmtMs(writer.Outage.DowntimeMs))
	}
	for _, row := range summary(proxy) {
		if !strings.Contains(out, "  "+row[0]) {
			t.Errorf("no %s row:\n%s", row[0], out)
		}
	}

	writer.Verdict.Passed = false
	writer.Verdict.Failures = []string{"client-observed downtime too long"}
	cmp = NewComparison([]ViaRun{{Via: ViaProxy, Report: proxy}, {Via: ViaWriter, Report: writer}})
	b.Reset()
	if err := cmp.WriteHuman(&b); err != nil {
		t.Fatal(err)
	}
	if cmp.Passed || !strings.Contains(b.String(), "FAIL (writer): client-observed downtime too long") || !strings.Contains(b.String(), "side by side: FAILED") {
		t.Errorf("a failed run must fail the comparison and be named:\n%s", b.String())
	}
	data, err := json.Marshal(cmp)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Runs []struct {
			Via    string `json:"via"`
			Report struct {
				Outage struct {
					DowntimeMs float64 `json:"downtimeMs"`
				} `json:"outage"`
			} `json:"report"`
		} `json:"runs"`
		Passed bool `json:"passed"`
	}
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Runs) != 2 || back.Runs[0].Via != "proxy" || back.Runs[1].Report.Outage.DowntimeMs != writer.Outage.DowntimeMs || back.Passed {
		t.Errorf("JSON %s", data)
	}
}
