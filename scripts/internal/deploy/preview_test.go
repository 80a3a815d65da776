package deploy

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/stacks"
)

// opens lists the calls that opened a stack ("open ..." and "throwaway ...").
func (f *fakeEngine) opens() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		if strings.HasPrefix(c, "open ") || strings.HasPrefix(c, "throwaway ") {
			out = append(out, c)
		}
	}
	return out
}

func TestPreviewOfExistingStacksCreatesNothing(t *testing.T) {
	f := &fakeEngine{}
	_, out, err := runPlan(t, f, Options{Op: Preview, Env: "dev"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{"open network/dev create=false", "open database/orders-dev create=false", "open database/payments-dev create=false"}
	if got := f.opens(); !reflect.DeepEqual(got, want) {
		t.Fatalf("opens = %v, want %v", got, want)
	}
	if got, want := f.runs(), []string{"preview network/dev", "preview database/orders-dev", "preview database/payments-dev"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	if strings.Contains(out, "throwaway") {
		t.Fatalf("an existing stack's preview mentions a throwaway backend:\n%s", out)
	}
}

func TestPreviewOfNewDatabaseStackRunsOnAThrowawayBackend(t *testing.T) {
	f := &fakeEngine{
		missing:   map[string]bool{"database/payments-dev": true},
		inventory: map[string]map[string]int{"network": {"dev": 23}},
	}
	res, out, err := runPlan(t, f, Options{Op: Preview, Env: "dev"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{
		"open network/dev create=false",
		"open database/orders-dev create=false",
		"open database/payments-dev create=false",
		"throwaway database/payments-dev copies=network/dev",
	}
	if got := f.opens(); !reflect.DeepEqual(got, want) {
		t.Fatalf("opens = %v, want %v (never create=true in a preview)", got, want)
	}
	if got, want := f.runs(), []string{"preview network/dev", "preview database/orders-dev", "preview database/payments-dev throwaway"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	if msg := "[database/payments-dev] new stack: previewing in a throwaway backend; nothing is written to file:///fake-backend\n"; !strings.Contains(out, msg) {
		t.Fatalf("progress lacks %q:\n%s", msg, out)
	}
	if got, want := statuses(res), []string{"network/dev=ok", "database/orders-dev=ok", "database/payments-dev=ok"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
}

func TestPreviewOfNewDatabaseStackCopiesTheNetworkItNames(t *testing.T) {
	all := []stacks.Stack{
		{Project: "network", Name: "dev", Environment: "dev", Tier: "dev"},
		{Project: "network", Name: "dev-blue", Environment: "dev", Tier: "dev"},
		{Project: "database", Name: "orders-dev", Environment: "dev", Tier: "dev",
			Config: map[string]string{"database:environment": "dev", "database:networkStack": "organization/network/dev-blue"}},
	}
	opts := Options{Op: Preview, Env: "dev", Stacks: []string{"orders-dev"}}
	p, err := NewPlan(all, opts)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeEngine{
		missing:   map[string]bool{"database/orders-dev": true},
		inventory: map[string]map[string]int{"network": {"dev": 23, "dev-blue": 20}},
	}
	var out bytes.Buffer
	r := Runner{Engine: f, Out: &out, Err: &out, Now: clock()}
	if _, err := r.Run(context.Background(), all, p, opts); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	if got, want := f.opens()[1], "throwaway database/orders-dev copies=organization/network/dev-blue"; got != want {
		t.Fatalf("opened %q, want %q", got, want)
	}

	// The same stack whose named network is not deployed is refused.
	f = &fakeEngine{
		missing:   map[string]bool{"database/orders-dev": true},
		inventory: map[string]map[string]int{"network": {"dev": 23}},
	}
	out.Reset()
	r = Runner{Engine: f, Out: &out, Err: &out, Now: clock()}
	_, err = r.Run(context.Background(), all, p, opts)
	var refusal *RefusalError
	if !errors.As(err, &refusal) || !strings.Contains(err.Error(), "it reads organization/network/dev-blue, which is not deployed on file:///fake-backend either") {
		t.Fatalf("err = %v, want a refusal naming organization/network/dev-blue", err)
	}
}

func TestPreviewOfNewEnvironment(t *testing.T) {
	// A whole new environment: nothing of it is on the backend.
	f := &fakeEngine{missing: map[string]bool{"network/dev": true, "database/orders-dev": true, "database/payments-dev": true}}
	res, out, err := runPlan(t, f, Options{Op: Preview, Env: "dev"})

	// The network reads no other stack: it is previewed on an empty
	// throwaway backend.
	want := []string{
		"open network/dev create=false",
		"throwaway network/dev copies=",
		"open database/orders-dev create=false",
	}
	if got := f.opens(); !reflect.DeepEqual(got, want) {
		t.Fatalf("opens = %v, want %v", got, want)
	}
	if !strings.Contains(out, "[network/dev] new stack: previewing in a throwaway backend; nothing is written to file:///fake-backend") {
		t.Fatalf("progress lacks the network's throwaway line:\n%s", out)
	}
	// Its database stacks cannot read a network that is not deployed: the
	// first is refused, clearly, and nothing after it runs.
	var refusal *RefusalError
	var se *StepError
	if !errors.As(err, &refusal) || !errors.As(err, &se) || se.Stack != "orders-dev" {
		t.Fatalf("err = %v, want orders-dev refused", err)
	}
	for _, part := range []string{"preview database/orders-dev: new stack: it reads network/dev, which is not deployed on file:///fake-backend either", "deploy network/dev first"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("err = %v, want it to say %q", err, part)
		}
	}
	if got, want := f.runs(), []string{"preview network/dev throwaway"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	if got, want := statuses(res), []string{"network/dev=ok", "database/orders-dev=refused", "database/payments-dev=skipped"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
}

func TestUpOfMissingStackStillCreatesIt(t *testing.T) {
	f := &fakeEngine{missing: map[string]bool{"database/payments-dev": true}}
	if _, _, err := runPlan(t, f, Options{Op: Up, Env: "dev"}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{"open network/dev create=true", "open database/orders-dev create=true", "open database/payments-dev create=true"}
	if got := f.opens(); !reflect.DeepEqual(got, want) {
		t.Fatalf("opens = %v, want %v (up creates on the backend, never on a throwaway one)", got, want)
	}
	if got, want := f.runs(), []string{"up network/dev", "up database/orders-dev", "up database/payments-dev"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
}

func TestPreviewNeverCreatesOnTheBackend(t *testing.T) {
	// Whatever is missing, a preview opens every stack without creating it.
	for _, missing := range []map[string]bool{
		nil,
		{"network/dev": true},
		{"database/orders-dev": true},
		{"database/orders-dev": true, "database/payments-dev": true},
	} {
		f := &fakeEngine{missing: missing, inventory: map[string]map[string]int{"network": {"dev": 5}}}
		_, _, _ = runPlan(t, f, Options{Op: Preview, Env: "dev"})
		for _, c := range f.opens() {
			if strings.HasSuffix(c, "create=true") {
				t.Errorf("missing %v: %q", missing, c)
			}
		}
		for key := range missing {
			if !strings.Contains(strings.Join(f.opens(), "\n"), "throwaway "+key+" ") {
				t.Errorf("missing %v: %s not previewed on a throwaway backend (opens %v)", missing, key, f.opens())
			}
		}
	}
}

func TestReferences(t *testing.T) {
	db := func(networkStack string) stacks.Stack {
		cfg := map[string]string{"database:environment": "staging"}
		if networkStack != "" {
			cfg["database:networkStack"] = networkStack
		}
		return stacks.Stack{Project: "database", Name: "orders-staging", Environment: "staging", Config: cfg}
	}
	tests := []struct {
		name    string
		st      stacks.Stack
		want    []workspace.Ref
		wantErr string
	}{
		{name: "network reads nothing", st: stacks.Stack{Project: "network", Name: "dev", Environment: "dev"}},
		{name: "default: the environment's network", st: db(""), want: []workspace.Ref{{Project: "network", Stack: "staging"}}},
		{name: "a stack", st: db("staging-blue"), want: []workspace.Ref{{Project: "network", Stack: "staging-blue"}}},
		{name: "project and stack", st: db("network/staging-blue"), want: []workspace.Ref{{Project: "network", Stack: "staging-blue"}}},
		{name: "fully qualified", st: db("organization/network/staging"), want: []workspace.Ref{{Org: "organization", Project: "network", Stack: "staging"}}},
		{name: "empty part", st: db("network//staging"), wantErr: `database:networkStack: "network//staging" has an empty part`},
		{name: "too many parts", st: db("a/b/c/d"), wantErr: `database:networkStack: "a/b/c/d" has 4 parts`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := References(tc.st)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("References = %v, %v, want %v", got, err, tc.want)
			}
		})
	}
}
