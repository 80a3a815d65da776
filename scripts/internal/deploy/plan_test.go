package deploy

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/stacks"
)

func names(ss []stacks.Stack) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Project+"/"+s.Name)
	}
	return out
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    Options
		wantErr string
	}{
		{name: "up", args: []string{"up", "--env", "dev"}, want: Options{Op: Up, Env: "dev", Parallel: DefaultParallel}},
		{name: "repeated and comma-separated stacks", args: []string{"destroy", "--env=dev", "--stack", "orders-dev,payments-dev", "--stack", "dev"},
			want: Options{Op: Destroy, Env: "dev", Stacks: []string{"orders-dev", "payments-dev", "dev"}, Parallel: DefaultParallel}},
		{name: "preview flags", args: []string{"preview", "--env", "prod", "--json-dir", "out", "--expect-no-changes", "--refresh", "--diff"},
			want: Options{Op: Preview, Env: "prod", JSONDir: "out", ExpectNoChanges: true, Refresh: true, Diff: true, Parallel: DefaultParallel}},
		{name: "parallel and log dir", args: []string{"up", "--env", "dev", "--parallel", "3", "--log-dir", "logs"},
			want: Options{Op: Up, Env: "dev", Parallel: 3, LogDir: "logs"}},
		{name: "one at a time", args: []string{"up", "--env", "dev", "--parallel=1"}, want: Options{Op: Up, Env: "dev", Parallel: 1}},
		{name: "parallel zero", args: []string{"up", "--env", "dev", "--parallel", "0"}, wantErr: `--parallel "0": want a whole number of stacks from 1 (one at a time) to 64`},
		{name: "parallel not a number", args: []string{"up", "--env", "dev", "--parallel", "many"}, wantErr: `--parallel "many": want a whole number`},
		{name: "parallel too large", args: []string{"up", "--env", "dev", "--parallel", "65"}, wantErr: `--parallel "65": want`},
		{name: "no operation", args: nil, wantErr: "no operation given"},
		{name: "help", args: []string{"--help"}, wantErr: "flag: help requested"},
		{name: "help after the operation", args: []string{"up", "-h"}, wantErr: "flag: help requested"},
		{name: "unknown operation", args: []string{"apply", "--env", "dev"}, wantErr: `unknown operation "apply": want one of preview, up, refresh, destroy`},
		{name: "missing env", args: []string{"up"}, wantErr: "--env is required"},
		{name: "stray argument", args: []string{"up", "--env", "dev", "orders-dev"}, wantErr: `unexpected argument "orders-dev"`},
		{name: "unknown flag", args: []string{"up", "--env", "dev", "--yes"}, wantErr: "flag provided but not defined: -yes"},
		{name: "empty stack", args: []string{"up", "--env", "dev", "--stack", "orders-dev,"}, wantErr: "empty stack name"},
		{name: "expect-no-changes on destroy", args: []string{"destroy", "--env", "dev", "--expect-no-changes"}, wantErr: "--expect-no-changes applies to preview, up and refresh"},
		{name: "refresh on refresh", args: []string{"refresh", "--env", "dev", "--refresh"}, wantErr: "--refresh applies to preview, up and destroy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseArgs(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseArgs(%q) error = %v, want it to contain %q", tc.args, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseArgs(%q): %v", tc.args, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseArgs(%q) = %+v, want %+v", tc.args, got, tc.want)
			}
		})
	}
}

func TestNewPlanOrder(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		want     []string
		wantTier string
	}{
		{name: "up runs the network before the database stacks", opts: Options{Op: Up, Env: "dev"},
			want: []string{"network/dev", "database/orders-dev", "database/payments-dev"}, wantTier: "dev"},
		{name: "preview and refresh follow the up order", opts: Options{Op: Refresh, Env: "prod"},
			want: []string{"network/prod", "database/orders-prod", "database/payments-prod"}, wantTier: "prod"},
		{name: "destroy runs the database stacks before the network", opts: Options{Op: Destroy, Env: "dev"},
			want: []string{"database/payments-dev", "database/orders-dev", "network/dev"}, wantTier: "dev"},
		{name: "--stack selects database stacks in catalog order", opts: Options{Op: Up, Env: "dev", Stacks: []string{"payments-dev", "orders-dev"}},
			want: []string{"database/orders-dev", "database/payments-dev"}, wantTier: "dev"},
		{name: "--stack may name the network", opts: Options{Op: Up, Env: "staging", Stacks: []string{"orders-staging", "staging"}},
			want: []string{"network/staging", "database/orders-staging"}, wantTier: "staging"},
		{name: "destroy of one database stack leaves the network", opts: Options{Op: Destroy, Env: "dev", Stacks: []string{"orders-dev"}},
			want: []string{"database/orders-dev"}, wantTier: "dev"},
		{name: "a duplicated --stack runs once", opts: Options{Op: Up, Env: "dev", Stacks: []string{"orders-dev", "orders-dev"}},
			want: []string{"database/orders-dev"}, wantTier: "dev"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPlan(catalog(), tc.opts)
			if err != nil {
				t.Fatalf("NewPlan: %v", err)
			}
			if got := names(p.Stacks); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("order = %v, want %v", got, tc.want)
			}
			if p.Tier != tc.wantTier {
				t.Fatalf("tier = %q, want %q", p.Tier, tc.wantTier)
			}
			if p.Network.Name != tc.opts.Env {
				t.Fatalf("network = %q, want %q", p.Network.Name, tc.opts.Env)
			}
		})
	}
}

func TestNewPlanErrors(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr []string
		refusal bool
	}{
		{name: "unknown environment lists the environments", opts: Options{Op: Up, Env: "qa"},
			wantErr: []string{`--env "qa"`, "environments/network/Pulumi.qa.yaml", "environments: dev, staging, prod"}},
		{name: "unknown stack lists the valid ones", opts: Options{Op: Up, Env: "dev", Stacks: []string{"orders-prod"}},
			wantErr: []string{`--stack "orders-prod"`, "not a stack of environment dev", "valid: dev, orders-dev, payments-dev"}},
		{name: "destroy of the prod environment is refused", opts: Options{Op: Destroy, Env: "prod"}, refusal: true,
			wantErr: []string{"destroy database/payments-prod", "refusing to destroy database/payments-prod, database/orders-prod, network/prod", "prod is never destroyed"}},
		{name: "destroy of one prod database stack is refused", opts: Options{Op: Destroy, Env: "prod", Stacks: []string{"orders-prod"}}, refusal: true,
			wantErr: []string{"refusing to destroy database/orders-prod:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPlan(catalog(), tc.opts)
			if err == nil {
				t.Fatal("NewPlan succeeded, want an error")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			var refusal *RefusalError
			if got := errors.As(err, &refusal); got != tc.refusal {
				t.Errorf("refusal = %t, want %t", got, tc.refusal)
			}
		})
	}
}

func TestNewPlanRefusesAnyProdTierStack(t *testing.T) {
	// The tier comes from the file, not the environment's name.
	all := catalog()
	for i := range all {
		if all[i].Name == "orders-staging" {
			all[i].Tier = "prod"
		}
	}
	_, err := NewPlan(all, Options{Op: Destroy, Env: "staging"})
	var refusal *RefusalError
	if !errors.As(err, &refusal) || !strings.Contains(err.Error(), "database/orders-staging") {
		t.Fatalf("destroy of a prod-tier stack in staging: err = %v, want a refusal naming database/orders-staging", err)
	}
	if _, err := NewPlan(all, Options{Op: Up, Env: "staging"}); err != nil {
		t.Fatalf("up of the same stacks: %v", err)
	}
}

// Destroy runs no program, so nothing validates a tier before it: a
// misspelt or unknown tier, or a lower tier in the prod environment, is
// refused as prod.
func TestNewPlanRefusesWhatMayBeProd(t *testing.T) {
	tests := []struct {
		name, env, stack, tier, environment string
		refused                             bool
	}{
		{"tier Prod", "dev", "orders-dev", "Prod", "dev", true},
		{"tier production", "dev", "orders-dev", "production", "dev", true},
		{"empty tier", "dev", "orders-dev", "", "dev", true},
		{"dev tier in the prod environment", "prod", "orders-prod", "dev", "prod", true},
		{"dev", "dev", "orders-dev", "dev", "dev", false},
		{"staging", "staging", "orders-staging", "staging", "staging", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			all := catalog()
			for i := range all {
				if all[i].Environment == tc.env {
					all[i].Tier = "dev"
				}
				if all[i].Name == tc.stack {
					all[i].Tier, all[i].Environment = tc.tier, tc.environment
				}
			}
			_, err := NewPlan(all, Options{Op: Destroy, Env: tc.env, Stacks: []string{tc.stack}})
			var refusal *RefusalError
			if got := errors.As(err, &refusal); got != tc.refused {
				t.Fatalf("destroy %s (tier %q, environment %q): err = %v, refused = %v, want %v", tc.stack, tc.tier, tc.environment, err, got, tc.refused)
			}
		})
	}
}

func TestStrictestTier(t *testing.T) {
	tests := []struct {
		tiers []string
		want  string
	}{
		{[]string{"dev", "dev"}, "dev"},
		{[]string{"dev", "staging"}, "staging"},
		{[]string{"staging", "prod", "dev"}, "prod"},
		{[]string{"dev", "experimental"}, "prod"},
	}
	for _, tc := range tests {
		var ss []stacks.Stack
		for _, tier := range tc.tiers {
			ss = append(ss, stacks.Stack{Tier: tier})
		}
		if got := strictest(ss); got != tc.want {
			t.Errorf("strictest(%v) = %q, want %q", tc.tiers, got, tc.want)
		}
	}
}

func TestRefersTo(t *testing.T) {
	dev := stacks.Stack{Project: "network", Name: "dev", Environment: "dev"}
	tests := []struct {
		ref  string
		want bool
	}{
		{"organization/network/dev", true},
		{"acme/network/dev", true},
		{"network/dev", true},
		{"dev", true},
		{"organization/network/staging", false},
		{"organization/database/dev", false},
		{"database/dev", false},
		{"staging", false},
		{"a/b/network/dev", false},
	}
	for _, tc := range tests {
		if got := RefersTo(tc.ref, dev); got != tc.want {
			t.Errorf("RefersTo(%q, network/dev) = %t, want %t", tc.ref, got, tc.want)
		}
	}
}

func TestDependents(t *testing.T) {
	all := catalog()
	// payments-dev reads another network; orders-staging reads dev's.
	for i := range all {
		switch all[i].Name {
		case "payments-dev":
			all[i].Config[NetworkStackKey] = "organization/network/shared"
		case "orders-staging":
			all[i].Config[NetworkStackKey] = "dev"
		}
	}
	network, err := stacks.Find(all, "network", "dev")
	if err != nil {
		t.Fatal(err)
	}
	inventory := map[string]int{
		"orders-dev":     4,  // committed, default reference: holds
		"payments-dev":   7,  // references another network: ignored
		"orders-staging": 2,  // another environment referencing dev: holds
		"legacy-dev":     9,  // on the backend only, named for dev: holds
		"search-dev":     0,  // on the backend, empty: ignored
		"legacy-prod":    3,  // another environment: ignored
		"orders-prod":    11, // references network/prod: ignored
	}
	got := Dependents(all, network, inventory, nil)
	want := []Holder{{"legacy-dev", "dev", 9}, {"orders-dev", "dev", 4}, {"orders-staging", "staging", 2}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Dependents = %+v, want %+v", got, want)
	}
	got = Dependents(all, network, inventory, map[string]bool{"orders-dev": true, "legacy-dev": true})
	want = []Holder{{"orders-staging", "staging", 2}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Dependents with skip = %+v, want %+v", got, want)
	}

	msg := networkRefusal(network, []Holder{{"orders-dev", "dev", 4}, {"orders-staging", "staging", 2}}).Error()
	for _, w := range []string{"refusing to destroy network/dev", "orders-dev (4 resources)", "deploy destroy --env dev --stack orders-dev", "deploy destroy --env staging --stack orders-staging"} {
		if !strings.Contains(msg, w) {
			t.Errorf("refusal %q does not contain %q", msg, w)
		}
	}
}

// The committed environment files plan as expected: each environment's
// networks (primary and recovery) first on up, the primary last on
// destroy, and prod is never destroyed.
func TestNewPlanCommittedEnvironments(t *testing.T) {
	root, err := stacks.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	all, err := stacks.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	envs := stacks.Environments(all)
	if len(envs) == 0 {
		t.Fatal("no environments committed")
	}
	for _, env := range envs {
		up, err := NewPlan(all, Options{Op: Up, Env: env})
		if err != nil {
			t.Fatalf("up %s: %v", env, err)
		}
		dbs := stacks.Filter(all, "database", env)
		nets := 1 + len(stacks.RecoveryNetworks(all, env))
		if len(up.Stacks) != nets+len(dbs) {
			t.Fatalf("up %s = %v, want %d networks then %d database stacks", env, names(up.Stacks), nets, len(dbs))
		}
		for i, s := range up.Stacks {
			if (s.Project == "network") != (i < nets) {
				t.Fatalf("up %s = %v, want the networks of every region before the database stacks", env, names(up.Stacks))
			}
		}
		down, err := NewPlan(all, Options{Op: Destroy, Env: env})
		if up.Tier == "prod" {
			var refusal *RefusalError
			if !errors.As(err, &refusal) {
				t.Fatalf("destroy %s: err = %v, want a refusal", env, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("destroy %s: %v", env, err)
		}
		if last := down.Stacks[len(down.Stacks)-1]; last.Project != "network" {
			t.Fatalf("destroy %s = %v, want the network last", env, names(down.Stacks))
		}
	}
}
