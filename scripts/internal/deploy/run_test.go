package deploy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// clock advances a second on every reading.
func clock() func() time.Time {
	t := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

func runPlan(t *testing.T, f *fakeEngine, opts Options) ([]Result, string, error) {
	t.Helper()
	p, err := NewPlan(catalog(), opts)
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	var out, errOut bytes.Buffer
	r := Runner{Engine: f, Out: &out, Err: &errOut, Now: clock()}
	res, err := r.Run(context.Background(), catalog(), p, opts)
	return res, out.String(), err
}

func statuses(rs []Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Project+"/"+r.Stack+"="+string(r.Status))
	}
	return out
}

func TestRunUpOrder(t *testing.T) {
	f := &fakeEngine{changes: map[string]int{"create": 2}}
	res, _, err := runPlan(t, f, Options{Op: Up, Env: "dev"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{"up network/dev", "up database/orders-dev", "up database/payments-dev"}
	if got := f.runs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	for _, c := range f.calls {
		if strings.HasPrefix(c, "open ") && !strings.HasSuffix(c, "create=true") {
			t.Errorf("up opened a stack without creating it: %q", c)
		}
	}
	wantStatus := []string{"network/dev=ok", "database/orders-dev=ok", "database/payments-dev=ok"}
	if got := statuses(res); !reflect.DeepEqual(got, wantStatus) {
		t.Fatalf("statuses = %v, want %v", got, wantStatus)
	}
	if res[0].Changes["create"] != 2 || res[0].Duration <= 0 {
		t.Fatalf("result = %+v, want the changes and a duration", res[0])
	}
}

func TestRunDestroyOrder(t *testing.T) {
	f := &fakeEngine{inventory: map[string]map[string]int{"database": {"orders-dev": 5, "payments-dev": 3}}}
	res, _, err := runPlan(t, f, Options{Op: Destroy, Env: "dev"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{"destroy database/payments-dev", "destroy database/orders-dev", "destroy network/dev"}
	if got := f.runs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	for _, c := range f.calls {
		if strings.HasPrefix(c, "open ") && !strings.HasSuffix(c, "create=false") {
			t.Errorf("destroy would create a stack: %q", c)
		}
	}
	if got := statuses(res); got[2] != "network/dev=ok" {
		t.Fatalf("statuses = %v, want the network destroyed last", got)
	}
}

func TestRunRefusesNetworkDestroyWhileDatabasesHoldResources(t *testing.T) {
	f := &fakeEngine{inventory: map[string]map[string]int{"database": {"orders-dev": 5, "payments-dev": 0}}}
	res, _, err := runPlan(t, f, Options{Op: Destroy, Env: "dev", Stacks: []string{"dev"}})
	var se *StepError
	var refusal *RefusalError
	if !errors.As(err, &se) || !errors.As(err, &refusal) {
		t.Fatalf("err = %v, want a refused step", err)
	}
	if got := se.Error(); !strings.HasPrefix(got, "destroy network/dev: refusing to destroy network/dev") || !strings.Contains(got, "orders-dev (5 resources)") || strings.Contains(got, "payments-dev") {
		t.Fatalf("message = %q, want it to name orders-dev only", got)
	}
	if runs := f.runs(); len(runs) != 0 {
		t.Fatalf("runs = %v, want nothing run", runs)
	}
	if got := statuses(res); !reflect.DeepEqual(got, []string{"network/dev=refused"}) {
		t.Fatalf("statuses = %v", got)
	}
}

func TestRunRefusesNetworkDestroyBeforeDestroyingAnything(t *testing.T) {
	// legacy-dev has no committed file, so this run will not destroy it:
	// nothing is destroyed at all, rather than the databases but not the
	// network.
	f := &fakeEngine{inventory: map[string]map[string]int{"database": {"orders-dev": 5, "payments-dev": 3, "legacy-dev": 9}}}
	res, _, err := runPlan(t, f, Options{Op: Destroy, Env: "dev"})
	if err == nil || !strings.Contains(err.Error(), "destroy network/dev: refusing") || !strings.Contains(err.Error(), "legacy-dev (9 resources)") {
		t.Fatalf("err = %v, want the network refused over legacy-dev", err)
	}
	if strings.Contains(err.Error(), "orders-dev (") {
		t.Fatalf("err = %v: orders-dev is destroyed by this run and must not block it", err)
	}
	if runs := f.runs(); len(runs) != 0 {
		t.Fatalf("runs = %v, want nothing destroyed", runs)
	}
	want := []string{"database/payments-dev=skipped", "database/orders-dev=skipped", "network/dev=refused"}
	if got := statuses(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
}

func TestRunRefusesNetworkDestroyWhenResourcesRemainAfterDatabases(t *testing.T) {
	// orders-dev's destroy leaves resources behind (e.g. an out-of-band
	// protect): the network is checked again right before its own destroy.
	f := &fakeEngine{
		inventory: map[string]map[string]int{"database": {"orders-dev": 5, "payments-dev": 3}},
		keep:      map[string]bool{"orders-dev": true},
	}
	res, _, err := runPlan(t, f, Options{Op: Destroy, Env: "dev"})
	if err == nil || !strings.Contains(err.Error(), "destroy network/dev: refusing") || !strings.Contains(err.Error(), "orders-dev (5 resources)") {
		t.Fatalf("err = %v, want the network refused over orders-dev", err)
	}
	want := []string{"destroy database/payments-dev", "destroy database/orders-dev"}
	if got := f.runs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	if got := statuses(res); got[2] != "network/dev=refused" {
		t.Fatalf("statuses = %v", got)
	}
}

func TestRunStopsAtFirstFailure(t *testing.T) {
	f := &fakeEngine{fail: map[string]error{"database/orders-dev": errors.New("creating RDS instance: InvalidParameterCombination")}}
	res, out, err := runPlan(t, f, Options{Op: Up, Env: "dev"})
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a step error", err)
	}
	if want := "up database/orders-dev: creating RDS instance: InvalidParameterCombination"; se.Error() != want {
		t.Fatalf("message = %q, want %q", se.Error(), want)
	}
	want := []string{"up network/dev", "up database/orders-dev"}
	if got := f.runs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v (payments-dev must not run)", got, want)
	}
	wantStatus := []string{"network/dev=ok", "database/orders-dev=failed", "database/payments-dev=skipped"}
	if got := statuses(res); !reflect.DeepEqual(got, wantStatus) {
		t.Fatalf("statuses = %v, want %v", got, wantStatus)
	}
	if !strings.Contains(out, "<-- up database/orders-dev: failed, changes: create 1 in 1s") {
		t.Fatalf("progress lacks the failed step's end line:\n%s", out)
	}
	if strings.Contains(out, "--> up database/payments-dev") {
		t.Fatalf("payments-dev started after a failure:\n%s", out)
	}
}

func TestRunDestroyOfAbsentStackIsANoOp(t *testing.T) {
	f := &fakeEngine{missing: map[string]bool{"database/payments-dev": true}}
	res, _, err := runPlan(t, f, Options{Op: Destroy, Env: "dev", Stacks: []string{"payments-dev", "orders-dev"}})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	wantStatus := []string{"database/payments-dev=absent", "database/orders-dev=ok"}
	if got := statuses(res); !reflect.DeepEqual(got, wantStatus) {
		t.Fatalf("statuses = %v, want %v", got, wantStatus)
	}
}

func TestRunRefreshOfAbsentStackFails(t *testing.T) {
	f := &fakeEngine{missing: map[string]bool{"network/dev": true}}
	_, _, err := runPlan(t, f, Options{Op: Refresh, Env: "dev"})
	if err == nil || err.Error() != "refresh network/dev: stack not found on the backend fake (deploy up creates it)" {
		t.Fatalf("err = %v, want refresh network/dev to fail as absent", err)
	}
}

func TestRunDatabaseOnlyNeedsItsNetwork(t *testing.T) {
	f := &fakeEngine{inventory: map[string]map[string]int{"network": {"dev": 0}}}
	_, _, err := runPlan(t, f, Options{Op: Up, Env: "dev", Stacks: []string{"orders-dev"}})
	if err == nil || !strings.Contains(err.Error(), "up database/orders-dev: its network stack network/dev is not deployed") {
		t.Fatalf("err = %v, want the missing network named", err)
	}
	if runs := f.runs(); len(runs) != 0 {
		t.Fatalf("runs = %v, want none", runs)
	}

	f = &fakeEngine{inventory: map[string]map[string]int{"network": {"dev": 12}}}
	if _, _, err := runPlan(t, f, Options{Op: Up, Env: "dev", Stacks: []string{"orders-dev"}}); err != nil {
		t.Fatalf("Run with the network deployed: %v", err)
	}
	if got, want := f.runs(), []string{"up database/orders-dev"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
}

func TestRunInventoryFailureNamesTheStep(t *testing.T) {
	f := &fakeEngine{inventoryErr: errors.New("access denied to s3://state")}
	res, _, err := runPlan(t, f, Options{Op: Destroy, Env: "dev"})
	if err == nil || !strings.Contains(err.Error(), "destroy network/dev: check for database stacks that use it: access denied") {
		t.Fatalf("err = %v", err)
	}
	var refusal *RefusalError
	if errors.As(err, &refusal) {
		t.Fatal("a failed check reported as a refusal")
	}
	if got, want := statuses(res), []string{"database/payments-dev=skipped", "database/orders-dev=skipped", "network/dev=failed"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
}

func TestRunStreamsPrefixedProgress(t *testing.T) {
	f := &fakeEngine{output: "Updating (dev)\n + aws:ec2:Vpc vpc creating\npartial"}
	_, out, err := runPlan(t, f, Options{Op: Up, Env: "dev", Stacks: []string{"dev"}, Diff: true, Refresh: true})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, want := range []string{
		"deploy up --env dev: fake backend\n",
		"--> up network/dev (tier dev)\n",
		"[network/dev] Updating (dev)\n",
		"[network/dev]  + aws:ec2:Vpc vpc creating\n",
		"[network/dev] partial\n",
		"<-- up network/dev: ok, changes: - in 1s\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("progress lacks %q:\n%s", want, out)
		}
	}
	if len(f.seen) != 1 || !f.seen[0].Diff || !f.seen[0].Refresh || f.seen[0].ExpectNoChanges {
		t.Fatalf("run options = %+v, want Diff and Refresh passed through", f.seen)
	}
}

func TestRunWritesEventsToJSONDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "events")
	f := &fakeEngine{events: `{"sequence":1}` + "\n"}
	_, _, err := runPlan(t, f, Options{Op: Preview, Env: "dev", JSONDir: dir})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, name := range []string{"network-dev.json", "database-orders-dev.json", "database-payments-dev.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("events file: %v", err)
		}
		if string(data) != f.events {
			t.Fatalf("%s = %q, want %q", name, data, f.events)
		}
	}
	f = &fakeEngine{}
	if _, _, err := runPlan(t, f, Options{Op: Preview, Env: "dev"}); err != nil {
		t.Fatal(err)
	}
	for _, o := range f.seen {
		if o.Events != nil {
			t.Fatal("events stream given without --json-dir")
		}
	}
}

func TestRunStartsNothingAfterAnInterrupt(t *testing.T) {
	p, err := NewPlan(catalog(), Options{Op: Up, Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	f := &fakeEngine{}
	// The interrupt arrives while network/dev runs.
	f.onRun = func() { close(stop) }
	var out bytes.Buffer
	r := Runner{Engine: f, Out: &out, Err: &out, Now: clock(), Stop: stop}
	res, err := r.Run(context.Background(), catalog(), p, Options{Op: Up, Env: "dev"})
	if !errors.Is(err, ErrInterrupted) || !strings.HasPrefix(err.Error(), "up database/orders-dev: interrupted") {
		t.Fatalf("err = %v, want orders-dev not started", err)
	}
	if got, want := f.runs(), []string{"up network/dev"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	if got, want := statuses(res), []string{"network/dev=ok", "database/orders-dev=skipped", "database/payments-dev=skipped"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
}
