package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// deploymentWithStorage is an exported deployment holding an RDS instance
// that runs on gb GiB.
func deploymentWithStorage(gb int) json.RawMessage {
	return json.RawMessage(`{"resources":[{"type":"pulumi:pulumi:Stack","outputs":{}},` +
		`{"type":"aws:rds/instance:Instance","outputs":{"allocatedStorage":` + itoa(gb) + `,"maxAllocatedStorage":500}}]}`)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestASizeBelowTheRunningOneIsRefusedBeforeAnythingRuns: RDS cannot
// shrink storage, so a stack file asking for less than the instance runs
// on stops the run before any stack, with one message naming the key, the
// value and what is allowed; the same size or more goes ahead.
func TestASizeBelowTheRunningOneIsRefusedBeforeAnythingRuns(t *testing.T) {
	for _, tc := range []struct {
		name    string
		want    string // allocatedStorageGb in the stack file
		refused bool
	}{
		{"below the running size", "100", true},
		{"the running size", "150", false},
		{"above the running size", "200", false},
	} {
		for _, op := range []Op{Up, Preview} {
			t.Run(tc.name+"/"+string(op), func(t *testing.T) {
				all := catalog()
				for i := range all {
					if all[i].Project == "database" && all[i].Name == "orders-dev" {
						all[i].Config["database:allocatedStorageGb"] = tc.want
						all[i].Config["database:maxAllocatedStorageGb"] = "500"
						all[i].Config["aws:region"] = "eu-west-1"
					}
				}
				f := &fakeEngine{
					inventory: map[string]map[string]int{"network": {"dev": 20}, "database": {"orders-dev": 30}},
					exported:  map[string]json.RawMessage{"database/orders-dev": deploymentWithStorage(150)},
				}
				opts := Options{Op: op, Env: "dev"}
				p, err := NewPlan(all, opts)
				if err != nil {
					t.Fatal(err)
				}
				var out bytes.Buffer
				r := Runner{Engine: f, Out: &out, Err: &out, Now: clock()}
				res, err := r.Run(context.Background(), all, p, opts)
				if !tc.refused {
					if err != nil {
						t.Fatalf("Run: %v", err)
					}
					return
				}
				var refusal *RefusalError
				if !errors.As(err, &refusal) {
					t.Fatalf("Run = %v, want a refusal", err)
				}
				for _, part := range []string{"database:allocatedStorageGb = 100", "150 GiB", "cannot shrink", "allowed: 150 or more"} {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("refusal %q does not say %q", err, part)
					}
				}
				if got := f.runs(); len(got) != 0 {
					t.Errorf("ran %v before refusing", got)
				}
				if got := statuses(res); !reflect.DeepEqual(got, []string{"network/dev=skipped", "database/orders-dev=refused", "database/payments-dev=skipped"}) {
					t.Errorf("statuses = %v", got)
				}
			})
		}
	}
}

func TestRunningStorage(t *testing.T) {
	gb, ok, err := RunningStorage(deploymentWithStorage(150))
	if err != nil || !ok || gb != 150 {
		t.Errorf("RunningStorage = %d, %t, %v; want 150, true, nil", gb, ok, err)
	}
	if _, ok, err := RunningStorage(json.RawMessage(`{"resources":[{"type":"pulumi:pulumi:Stack"}]}`)); ok || err != nil {
		t.Errorf("a stack without an instance: ok=%t err=%v", ok, err)
	}
	if _, _, err := RunningStorage(json.RawMessage(`{"resources":[{"type":"aws:rds/instance:Instance","outputs":{}}]}`)); err == nil {
		t.Error("an instance without allocatedStorage is no error")
	}
}
