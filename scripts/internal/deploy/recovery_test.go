package deploy

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/stacks"
)

// withRecovery is the test catalog with a recovery network for dev and two
// for prod, each in a region of its own, the primaries in eu-west-1.
func withRecovery() []stacks.Stack {
	all := catalog()
	for i := range all {
		all[i].Region = "eu-west-1"
	}
	recovery := func(name, env, tier, region string) stacks.Stack {
		return stacks.Stack{Project: "network", Name: name, Environment: env, Tier: tier, Region: region, RecoveryOf: env,
			Config: map[string]string{"network:environment": env, "network:tier": tier, "network:recoveryOf": env, "aws:region": region}}
	}
	return append(all,
		recovery("dev-dr", "dev", "dev", "eu-central-1"),
		recovery("prod-dr", "prod", "prod", "eu-central-1"),
		recovery("prod-us", "prod", "prod", "us-east-1"))
}

// TestNewPlanOrdersEveryRegionsNetworkFirst: the recovery networks run
// right after the primary network and before any database stack, and are
// destroyed after the database stacks, before the primary.
func TestNewPlanOrdersEveryRegionsNetworkFirst(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"up runs the primary, then the recovery networks, then the database stacks", Options{Op: Up, Env: "prod"},
			[]string{"network/prod", "network/prod-dr", "network/prod-us", "database/orders-prod", "database/payments-prod"}},
		{"preview follows the up order", Options{Op: Preview, Env: "dev"},
			[]string{"network/dev", "network/dev-dr", "database/orders-dev", "database/payments-dev"}},
		{"destroy runs the database stacks, then the recovery network, then the primary", Options{Op: Destroy, Env: "dev"},
			[]string{"database/payments-dev", "database/orders-dev", "network/dev-dr", "network/dev"}},
		{"--stack may name a recovery network, which runs before the database stacks", Options{Op: Up, Env: "prod", Stacks: []string{"orders-prod", "prod-us"}},
			[]string{"network/prod-us", "database/orders-prod"}},
		{"--stack of the primary leaves the recovery networks out", Options{Op: Up, Env: "prod", Stacks: []string{"prod"}},
			[]string{"network/prod"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPlan(withRecovery(), tc.opts)
			if err != nil {
				t.Fatalf("NewPlan: %v", err)
			}
			if got := names(p.Stacks); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("order = %v, want %v", got, tc.want)
			}
			if p.Network.Name != tc.opts.Env {
				t.Errorf("primary network = %s, want %s", p.Network.Name, tc.opts.Env)
			}
			var want []string
			for _, s := range withRecovery() {
				if s.RecoveryOf == tc.opts.Env {
					want = append(want, "network/"+s.Name)
				}
			}
			if got := names(p.Recovery); !reflect.DeepEqual(got, want) {
				t.Errorf("recovery networks = %v, want %v", got, want)
			}
		})
	}
	// A recovery network is not an environment of its own, and is named
	// among the valid stacks of its environment.
	if _, err := NewPlan(withRecovery(), Options{Op: Up, Env: "prod-dr"}); err == nil || !strings.Contains(err.Error(), "environments: dev, staging, prod)") {
		t.Errorf("--env prod-dr: %v, want it refused with the environments", err)
	}
	if _, err := NewPlan(withRecovery(), Options{Op: Up, Env: "prod", Stacks: []string{"dev-dr"}}); err == nil || !strings.Contains(err.Error(), "valid: prod, prod-dr, prod-us, orders-prod, payments-prod") {
		t.Errorf("--stack dev-dr in prod: %v, want it refused with the valid stacks", err)
	}
	// The prod refusal covers its recovery networks.
	if _, err := NewPlan(withRecovery(), Options{Op: Destroy, Env: "prod", Stacks: []string{"prod-dr"}}); err == nil || !strings.Contains(err.Error(), "refusing to destroy network/prod-dr") {
		t.Errorf("destroy prod-dr: %v, want a refusal", err)
	}
}

func TestRecoveryNetwork(t *testing.T) {
	all := withRecovery()
	db, err := stacks.Find(all, "database", "orders-prod")
	if err != nil {
		t.Fatal(err)
	}
	const key = "database:dr"
	ok := []struct {
		name, ref, region, want string
	}{
		{"the default, prod-dr, in its region", "", "eu-central-1", "prod-dr"},
		{"named, in another region", "prod-us", "us-east-1", "prod-us"},
		{"named", "prod-dr", "", "prod-dr"},
		{"named with its project, in the region", "network/prod-dr", "eu-central-1", "prod-dr"},
	}
	for _, tc := range ok {
		n, err := RecoveryNetwork(all, db, key, tc.ref, tc.region)
		if err != nil || n.Name != tc.want {
			t.Errorf("%s: RecoveryNetwork = %s, %v; want %s", tc.name, n.Name, err, tc.want)
		}
	}
	bad := []struct {
		name, ref, region string
		wants             []string
	}{
		{"no recovery network in the region", "", "ap-southeast-2", []string{
			`database stack orders-prod: config database:dr = "ap-southeast-2" is not allowed`,
			"want a recovery network in the recovery region ap-southeast-2 (prod-dr is in eu-central-1)",
			"(recovery networks of environment prod: prod-dr (eu-central-1), prod-us (us-east-1))"}},
		{"the default is in another region than the one there", "", "us-east-1", []string{
			`config database:dr = "us-east-1" is not allowed: want a recovery network in the recovery region us-east-1 (prod-dr is in eu-central-1)`,
			"or name prod-us, the recovery network in us-east-1, with database:dr networkStack: prod-us"}},
		{"neither a network nor a region", "", "", []string{`config database:dr = "" is not allowed: want a recovery region, or a recovery network`}},
		{"the stack's own region", "", "eu-west-1", []string{`"eu-west-1" is not allowed: want a recovery region other than the stack's own region eu-west-1`}},
		{"a network with no committed file", "prod-eu", "", []string{`config database:dr = "prod-eu" is not allowed: want a recovery network with a committed file (there is no environments/network/Pulumi.prod-eu.yaml)`}},
		{"a primary network", "prod", "", []string{`"prod" is not allowed: want a recovery network, not a primary network (prod sets no network:recoveryOf)`}},
		{"another environment's recovery network", "dev-dr", "", []string{`"dev-dr" is not allowed: want a recovery network of the stack's own environment prod (dev-dr recovers dev)`}},
		{"a recovery network in another region", "prod-dr", "us-east-1", []string{`"prod-dr" is not allowed: want a recovery network in the recovery region us-east-1 (prod-dr is in eu-central-1)`}},
		{"a stack of another project", "platform/shared-dr", "", []string{`"platform/shared-dr" is not allowed: want a committed network stack, <stack> or network/<stack>`}},
		{"a stack of another organization", "acme/network/prod-dr", "", []string{`"acme/network/prod-dr" is not allowed`}},
		{"a malformed reference", "prod dr", "", []string{`"prod dr" is not allowed: want a committed network stack`}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			n, err := RecoveryNetwork(all, db, key, tc.ref, tc.region)
			if err == nil {
				t.Fatalf("RecoveryNetwork accepted %s", n.Name)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// An environment with no recovery network says so, and what to add:
	// the default's file.
	dev, _ := stacks.Find(catalog(), "database", "orders-dev")
	_, err = RecoveryNetwork(catalog(), dev, key, "", "eu-central-1")
	for _, w := range []string{
		`config database:dr = "eu-central-1" is not allowed: want the environment's recovery network network/dev-dr, the default of database:dr networkStack: add environments/network/Pulumi.dev-dr.yaml with aws:region: eu-central-1 and network:recoveryOf: dev`,
		"(recovery networks of environment dev: none)",
	} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("no recovery network: %v, want %q", err, w)
		}
	}
	// Without the default, a recovery network of another name in the
	// region is suggested.
	prodOnlyUS := []stacks.Stack{}
	for _, s := range all {
		if s.Name != "prod-dr" {
			prodOnlyUS = append(prodOnlyUS, s)
		}
	}
	_, err = RecoveryNetwork(prodOnlyUS, db, key, "", "us-east-1")
	if err == nil || !strings.Contains(err.Error(), "add environments/network/Pulumi.prod-dr.yaml") || !strings.Contains(err.Error(), "or name prod-us, the recovery network in us-east-1, with database:dr networkStack: prod-us") {
		t.Errorf("no default, prod-us in the region: %v", err)
	}
}

// TestRunRecoveryNetworksBeforeDatabases runs an environment with two
// recovery networks, its database stacks concurrently (the default): every
// network is up, one at a time and the primary first, before any database
// stack starts, and a failed recovery network stops the run before them.
func TestRunRecoveryNetworksBeforeDatabases(t *testing.T) {
	run := func(f *fakeEngine) ([]Result, error) {
		opts := Options{Op: Up, Env: "prod", Parallel: 8, LogDir: filepath.Join(t.TempDir(), "logs")}
		p, err := NewPlan(withRecovery(), opts)
		if err != nil {
			t.Fatalf("NewPlan: %v", err)
		}
		var out, errOut bytes.Buffer
		r := Runner{Engine: f, Out: &out, Err: &errOut, Now: clock()}
		return r.Run(context.Background(), withRecovery(), p, opts)
	}
	f := &fakeEngine{}
	if _, err := run(f); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := f.runs()
	if want := []string{"up network/prod", "up network/prod-dr", "up network/prod-us"}; len(got) != 5 || !reflect.DeepEqual(got[:3], want) {
		t.Fatalf("runs = %v, want %v first, then the two database stacks", got, want)
	}

	f = &fakeEngine{fail: map[string]error{"network/prod-dr": errors.New("creating VPC: VpcLimitExceeded")}}
	res, err := run(f)
	var se *StepError
	if !errors.As(err, &se) || se.Stack != "prod-dr" {
		t.Fatalf("err = %v, want the recovery network's step error", err)
	}
	if got, want := f.runs(), []string{"up network/prod", "up network/prod-dr"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v: nothing after the failed recovery network", got, want)
	}
	if got, want := statuses(res), []string{"network/prod=ok", "network/prod-dr=failed", "network/prod-us=skipped", "database/orders-prod=skipped", "database/payments-prod=skipped"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
}

// TestRunRecoveryNetworkAloneNeedsNoPrimary: a recovery network run on its
// own is not held to its primary network being deployed (only database
// stacks read the primary), while a database stack run with it still is,
// and is named.
func TestRunRecoveryNetworkAloneNeedsNoPrimary(t *testing.T) {
	run := func(f *fakeEngine, stacks ...string) error {
		opts := Options{Op: Up, Env: "prod", Stacks: stacks, Parallel: 1}
		p, err := NewPlan(withRecovery(), opts)
		if err != nil {
			t.Fatalf("NewPlan: %v", err)
		}
		var out, errOut bytes.Buffer
		r := Runner{Engine: f, Out: &out, Err: &errOut, Now: clock()}
		_, err = r.Run(context.Background(), withRecovery(), p, opts)
		return err
	}
	f := &fakeEngine{inventory: map[string]map[string]int{"network": {"prod": 0}}}
	if err := run(f, "prod-dr"); err != nil {
		t.Fatalf("up of the recovery network alone: %v", err)
	}
	if got, want := f.runs(), []string{"up network/prod-dr"}; !reflect.DeepEqual(got, want) {
		t.Errorf("runs = %v, want %v", got, want)
	}
	f = &fakeEngine{inventory: map[string]map[string]int{"network": {"prod": 0}}}
	err := run(f, "prod-dr", "orders-prod")
	if err == nil || !strings.Contains(err.Error(), "up database/orders-prod: its network stack network/prod is not deployed") {
		t.Fatalf("err = %v, want the database stack's missing primary named", err)
	}
	if runs := f.runs(); len(runs) != 0 {
		t.Errorf("runs = %v, want none", runs)
	}
}
