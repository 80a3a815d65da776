package stacks_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/stacks"
)

func committed(t *testing.T) (string, []stacks.Stack) {
	t.Helper()
	root, err := stacks.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	all, err := stacks.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	return root, all
}

func names(ss []stacks.Stack) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Project+"/"+s.Name)
	}
	return out
}

func TestDiscoverCommittedFiles(t *testing.T) {
	root, all := committed(t)
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Fatalf("FindRoot returned %s, which has no go.work", root)
	}
	// The stacks the platform is documented to have.
	for _, want := range []string{"network/dev", "network/staging", "network/prod",
		"database/orders-dev", "database/payments-dev", "database/orders-staging", "database/orders-prod", "database/payments-prod"} {
		if !slices.Contains(names(all), want) {
			t.Errorf("Discover misses %s (found %v)", want, names(all))
		}
	}
	// Network first, then database; by name within each.
	rank := map[string]int{"network": 0, "database": 1}
	sorted := slices.IsSortedFunc(all, func(a, b stacks.Stack) int {
		if rank[a.Project] != rank[b.Project] {
			return rank[a.Project] - rank[b.Project]
		}
		return strings.Compare(a.Name, b.Name)
	})
	if !sorted {
		t.Errorf("Discover order %v: want network stacks first, each project by name", names(all))
	}
	for _, s := range all {
		if want := filepath.Join(root, stacks.Dir, s.Project, "Pulumi."+s.Name+".yaml"); s.File != want {
			t.Errorf("%s/%s: File = %s, want %s", s.Project, s.Name, s.File, want)
		}
		if !slices.Contains([]string{"dev", "staging", "prod"}, s.Tier) {
			t.Errorf("%s: tier %q", s.File, s.Tier)
		}
		if s.Environment == "" || s.Config[s.Project+":environment"] != s.Environment || s.Config[s.Project+":tier"] != s.Tier {
			t.Errorf("%s: environment %q / tier %q do not come from its config %v", s.File, s.Environment, s.Tier, s.Config)
		}
		switch s.Project {
		case "network":
			if s.Name != s.Environment {
				t.Errorf("network stack %s states environment %s: name it after the environment", s.Name, s.Environment)
			}
		case "database":
			if want := s.Config["database:app"] + "-" + s.Environment; s.Name != want {
				t.Errorf("database stack %s: want the name <app>-<environment> = %s", s.Name, want)
			}
		}
	}
	// Every database stack's environment has a network stack.
	envs := stacks.Environments(all)
	for _, s := range all {
		if s.Project == "database" && !slices.Contains(envs, s.Environment) {
			t.Errorf("database stack %s is in environment %s, which has no network stack", s.Name, s.Environment)
		}
	}
}

// writeFile writes content under dir, creating folders.
func writeFile(t *testing.T, dir, rel, content string) string {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadConfigFlattens(t *testing.T) {
	f := writeFile(t, t.TempDir(), "Pulumi.dev.yaml", `# comment
config:
  aws:region: eu-west-1
  network:azCount: 3
  network:natGateway: true
  network:ratio: 1.5
  network:big: 18446744073709551615
  network:quoted: "16"
  network:wholeFloat: 20.0
  network:exponent: 1e20
  network:date: 2026-01-01
  network:quotedDate: "2026-01-01"
  network:dates: [2026-01-01]
  network:empty:
  network:availabilityZones:
    - eu-west-1a
    - eu-west-1b
  network:tags:
    CostCenter: platform
    Team: db
  network:alarms:
    cpuPercent: 70
    nested: [1, "two", false]
  network:notSecret:
    secure: abc
    other: x
`)
	got, err := stacks.ReadConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"aws:region":         "eu-west-1",
		"network:azCount":    "3",
		"network:natGateway": "true",
		"network:ratio":      "1.5",
		"network:big":        "18446744073709551615",
		"network:quoted":     "16",
		// As the engine makes them: numbers through JSON, timestamps
		// through Go's time.String.
		"network:wholeFloat":        "20",
		"network:exponent":          "100000000000000000000",
		"network:date":              "2026-01-01 00:00:00 +0000 UTC",
		"network:quotedDate":        "2026-01-01",
		"network:dates":             `["2026-01-01 00:00:00 +0000 UTC"]`,
		"network:empty":             "",
		"network:availabilityZones": `["eu-west-1a","eu-west-1b"]`,
		"network:tags":              `{"CostCenter":"platform","Team":"db"}`,
		"network:alarms":            `{"cpuPercent":70,"nested":[1,"two",false]}`,
		"network:notSecret":         `{"other":"x","secure":"abc"}`,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("ReadConfig returned %d keys, want %d: %q", len(got), len(want), got)
	}
	// A file without a config block has no config.
	f = writeFile(t, t.TempDir(), "Pulumi.x.yaml", "encryptionsalt: abc\n")
	if got, err := stacks.ReadConfig(f); err != nil || len(got) != 0 {
		t.Errorf("ReadConfig of a file without config = %v, %v", got, err)
	}
}

func TestReadConfigRefuses(t *testing.T) {
	cases := []struct {
		name    string
		content string
		wants   []string
	}{
		{"secure value", "config:\n  database:password:\n    secure: AAABADxyz\n", []string{"key database:password holds a secret", "Secrets Manager"}},
		{"key without namespace", "config:\n  vpcCidr: 10.0.0.0/16\n", []string{`config key "vpcCidr" has no namespace`, "<project>:vpcCidr"}},
		{"not YAML", "config: [\n", []string{"not valid YAML"}},
		{"config is a list", "config:\n  - a\n", []string{"not valid YAML"}},
		{"map with non-string keys", "config:\n  network:odd:\n    1: a\n", []string{"key network:odd", "unsupported value"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := writeFile(t, t.TempDir(), "Pulumi.dev.yaml", tc.content)
			_, err := stacks.ReadConfig(f)
			if err == nil {
				t.Fatal("ReadConfig accepted the file")
			}
			for _, w := range append(tc.wants, f) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	_, err := stacks.ReadConfig(filepath.Join(t.TempDir(), "Pulumi.none.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadConfig of a missing file = %v, want a wrapped not-exist error", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	s, err := stacks.Load("database", writeFile(t, dir, "Pulumi.orders-dev.yaml", "config:\n  database:environment: dev\n  database:tier: dev\n  database:app: orders\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Project != "database" || s.Name != "orders-dev" || s.Environment != "dev" || s.Tier != "dev" || s.Config["database:app"] != "orders" {
		t.Errorf("Load = %+v", s)
	}
	// A network file's region and role; a database file has no role.
	n, err := stacks.Load("network", writeFile(t, dir, "Pulumi.prod-dr.yaml", "config:\n  aws:region: eu-central-1\n  network:environment: prod\n  network:tier: prod\n  network:recoveryOf: prod\n"))
	if err != nil || n.Region != "eu-central-1" || n.RecoveryOf != "prod" || n.Environment != "prod" {
		t.Errorf("Load of a recovery network = %+v, %v", n, err)
	}
	d, err := stacks.Load("database", writeFile(t, dir, "Pulumi.x-prod.yaml", "config:\n  database:environment: prod\n  database:tier: prod\n  network:recoveryOf: prod\n"))
	if err != nil || d.RecoveryOf != "" {
		t.Errorf("Load of a database file = %+v, %v; want no recoveryOf", d, err)
	}

	cases := []struct {
		name, file, content string
		wants               []string
	}{
		{"tier missing", "Pulumi.dev.yaml", "config:\n  network:environment: dev\n", []string{"key network:tier is missing", "dev, staging or prod"}},
		{"environment missing", "Pulumi.dev.yaml", "config:\n  network:tier: dev\n", []string{"key network:environment is missing"}},
		{"keys of another project", "Pulumi.dev.yaml", "config:\n  database:environment: dev\n  database:tier: dev\n", []string{"key network:environment is missing"}},
		{"empty environment", "Pulumi.dev.yaml", "config:\n  network:environment: \"\"\n  network:tier: dev\n", []string{"key network:environment is missing"}},
		{"file not named Pulumi.<stack>.yaml", "dev.yaml", "config:\n  network:environment: dev\n  network:tier: dev\n", []string{"a stack config file is named Pulumi.<stack>.yaml"}},
		{"project file", "Pulumi.yaml", "config:\n  network:environment: dev\n  network:tier: dev\n", []string{"Pulumi.<stack>.yaml"}},
		{"yml extension", "Pulumi.dev.yml", "config:\n  network:environment: dev\n  network:tier: dev\n", []string{"Pulumi.<stack>.yaml"}},
		{"empty stack name", "Pulumi..yaml", "config:\n  network:environment: dev\n  network:tier: dev\n", []string{"Pulumi.<stack>.yaml"}},
		{"secret in the file", "Pulumi.dev.yaml", "config:\n  network:environment: dev\n  network:tier: dev\n  network:token:\n    secure: x\n", []string{"holds a secret"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := writeFile(t, t.TempDir(), tc.file, tc.content)
			_, err := stacks.Load("network", f)
			if err == nil {
				t.Fatal("Load accepted the file")
			}
			for _, w := range append(tc.wants, f) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func stackFile(project, env, tier string) string {
	return "config:\n  " + project + ":environment: " + env + "\n  " + project + ":tier: " + tier + "\n"
}

func TestDiscoverSynthetic(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "environments/database/Pulumi.b-dev.yaml", stackFile("database", "dev", "dev"))
	writeFile(t, root, "environments/database/Pulumi.a-dev.yaml", stackFile("database", "dev", "dev"))
	writeFile(t, root, "environments/network/Pulumi.prod.yaml", stackFile("network", "prod", "prod"))
	writeFile(t, root, "environments/network/Pulumi.dev.yaml", stackFile("network", "dev", "dev"))
	writeFile(t, root, "environments/network/README.md", "not a stack")
	writeFile(t, root, "environments/network/Pulumi.dev.yml", "not a stack either")
	writeFile(t, root, "environments/other/Pulumi.dev.yaml", stackFile("other", "dev", "dev"))
	all, err := stacks.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(all), []string{"network/dev", "network/prod", "database/a-dev", "database/b-dev"}; !slices.Equal(got, want) {
		t.Errorf("Discover = %v, want %v", got, want)
	}

	// A broken file stops discovery and is named.
	bad := writeFile(t, root, "environments/database/Pulumi.c-dev.yaml", "config:\n  database:environment: dev\n")
	if _, err := stacks.Discover(root); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Discover with a file missing its tier = %v, want an error naming %s", err, bad)
	}

	// No environments folder: nothing to deploy, not an error.
	if all, err := stacks.Discover(t.TempDir()); err != nil || len(all) != 0 {
		t.Errorf("Discover of an empty root = %v, %v", all, err)
	}
}

func TestFindRoot(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "go.work", "go 1.26\n")
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, start := range []string{root, deep} {
		got, err := stacks.FindRoot(start)
		if err != nil || got != root {
			t.Errorf("FindRoot(%s) = %q, %v; want %s", start, got, err, root)
		}
	}
	// Relative starts are resolved against the working directory.
	if got, err := stacks.FindRoot("."); err != nil || !filepath.IsAbs(got) {
		t.Errorf("FindRoot(.) = %q, %v; want an absolute path", got, err)
	}

	lone := t.TempDir()
	got, err := stacks.FindRoot(lone)
	if err == nil {
		t.Skipf("a go.work exists above the temp dir (%s); cannot test the not-found case here", got)
	}
	if !strings.Contains(err.Error(), "no go.work found above "+lone) {
		t.Errorf("FindRoot error = %v", err)
	}
}

func synthetic() []stacks.Stack {
	return []stacks.Stack{
		{Project: "network", Name: "qa", Environment: "qa"},
		{Project: "network", Name: "prod", Environment: "prod"},
		{Project: "database", Name: "orders-zz", Environment: "zz"},
		{Project: "network", Name: "alpha", Environment: "alpha"},
		{Project: "network", Name: "dev", Environment: "dev"},
		{Project: "database", Name: "orders-dev", Environment: "dev"},
		{Project: "database", Name: "payments-dev", Environment: "dev"},
		{Project: "database", Name: "orders-prod", Environment: "prod"},
		{Project: "network", Name: "staging", Environment: "staging"},
		{Project: "network", Name: "prod-dr", Environment: "prod", RecoveryOf: "prod"},
		{Project: "network", Name: "prod-us", Environment: "prod", RecoveryOf: "prod"},
	}
}

func TestEnvironments(t *testing.T) {
	if got, want := stacks.Environments(synthetic()), []string{"dev", "staging", "prod", "alpha", "qa"}; !slices.Equal(got, want) {
		t.Errorf("Environments = %v, want %v", got, want)
	}
	if got := stacks.Environments(nil); len(got) != 0 {
		t.Errorf("Environments(nil) = %v", got)
	}
	_, all := committed(t)
	if got := stacks.Environments(all); len(got) < 3 || !slices.Equal(got[:3], []string{"dev", "staging", "prod"}) {
		t.Errorf("Environments of the committed stacks = %v, want dev, staging, prod first", got)
	}
}

// TestRecoveryNetworks: an environment's recovery networks are listed by
// name, and only its own.
func TestRecoveryNetworks(t *testing.T) {
	if got, want := names(stacks.RecoveryNetworks(synthetic(), "prod")), []string{"network/prod-dr", "network/prod-us"}; !slices.Equal(got, want) {
		t.Errorf("RecoveryNetworks(prod) = %v, want %v", got, want)
	}
	if got := stacks.RecoveryNetworks(synthetic(), "dev"); len(got) != 0 {
		t.Errorf("RecoveryNetworks(dev) = %v, want none", names(got))
	}
}

func TestFilter(t *testing.T) {
	if got, want := names(stacks.Filter(synthetic(), "database", "dev")), []string{"database/orders-dev", "database/payments-dev"}; !slices.Equal(got, want) {
		t.Errorf("Filter(database, dev) = %v, want %v", got, want)
	}
	if got, want := names(stacks.Filter(synthetic(), "network", "prod")), []string{"network/prod", "network/prod-dr", "network/prod-us"}; !slices.Equal(got, want) {
		t.Errorf("Filter(network, prod) = %v, want %v", got, want)
	}
	if got := stacks.Filter(synthetic(), "database", "staging"); len(got) != 0 {
		t.Errorf("Filter(database, staging) = %v", names(got))
	}
}

func TestFind(t *testing.T) {
	s, err := stacks.Find(synthetic(), "database", "orders-prod")
	if err != nil || s.Environment != "prod" {
		t.Errorf("Find(database, orders-prod) = %+v, %v", s, err)
	}
	// A network stack is not found under the database project.
	_, err = stacks.Find(synthetic(), "database", "prod")
	if err == nil {
		t.Fatal("Find(database, prod) found a network stack")
	}
	for _, want := range []string{`no database stack "prod" under environments/database`, "committed: orders-zz, orders-dev, payments-dev, orders-prod"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "staging") {
		t.Errorf("error %q lists stacks of another project", err)
	}
}

// TestDiscoverRefusesConflicts: rules no single file can break alone stop
// discovery with an error naming both files.
func TestDiscoverRefusesConflicts(t *testing.T) {
	db := func(env, app, accounts string) string {
		s := stackFile("database", env, env) + "  database:app: " + app + "\n"
		if accounts != "" {
			s += "  aws:allowedAccountIds: " + accounts + "\n"
		}
		return s
	}
	net := func(env, accounts string) string {
		s := stackFile("network", env, env)
		if accounts != "" {
			s += "  aws:allowedAccountIds: " + accounts + "\n"
		}
		return s
	}
	// inRegion is a network file of env in region; recoveryOf makes it a
	// recovery network.
	inRegion := func(env, region, recoveryOf string) string {
		s := net(env, "") + "  aws:region: " + region + "\n"
		if recoveryOf != "" {
			s += "  network:recoveryOf: " + recoveryOf + "\n"
		}
		return s
	}
	cases := []struct {
		name  string
		files map[string]string
		want  []string // substrings of the error; none: accepted
	}{
		{"same app in two environments", map[string]string{
			"database/Pulumi.orders-dev.yaml":     db("dev", "orders", ""),
			"database/Pulumi.orders-staging.yaml": db("staging", "orders", ""),
		}, nil},
		{"two stacks with the same app in one environment", map[string]string{
			"database/Pulumi.orders-dev.yaml":  db("dev", "orders", ""),
			"database/Pulumi.orders2-dev.yaml": db("dev", "orders", ""),
		}, []string{"environments/database/Pulumi.orders-dev.yaml", "environments/database/Pulumi.orders2-dev.yaml", `database:app "orders"`, `environment "dev"`}},
		{"same accounts in another order", map[string]string{
			"network/Pulumi.prod.yaml":         net("prod", `["111122223333", "444455556666"]`),
			"database/Pulumi.orders-prod.yaml": db("prod", "orders", `["444455556666", "111122223333"]`),
		}, nil},
		{"environments pin different accounts", map[string]string{
			"network/Pulumi.prod.yaml":    net("prod", `["111122223333"]`),
			"network/Pulumi.staging.yaml": net("staging", `["444455556666"]`),
		}, nil},
		{"database pins another account than its network", map[string]string{
			"network/Pulumi.prod.yaml":         net("prod", `["111122223333"]`),
			"database/Pulumi.orders-prod.yaml": db("prod", "orders", `["444455556666"]`),
		}, []string{"environments/database/Pulumi.orders-prod.yaml", "[444455556666]", "environments/network/Pulumi.prod.yaml", "[111122223333]", "same AWS accounts"}},
		{"database pins an account its network does not", map[string]string{
			"network/Pulumi.dev.yaml":         net("dev", ""),
			"database/Pulumi.orders-dev.yaml": db("dev", "orders", `["123456789012"]`),
		}, []string{"environments/database/Pulumi.orders-dev.yaml", "[123456789012]", "environments/network/Pulumi.dev.yaml", "it is unset"}},
		{"network pins an account its database does not", map[string]string{
			"network/Pulumi.dev.yaml":         net("dev", `["123456789012"]`),
			"database/Pulumi.orders-dev.yaml": db("dev", "orders", ""),
		}, []string{"environments/database/Pulumi.orders-dev.yaml", "aws:allowedAccountIds is unset", "environments/network/Pulumi.dev.yaml"}},
		{"a recovery network in another region", map[string]string{
			"network/Pulumi.prod.yaml":    inRegion("prod", "eu-west-1", ""),
			"network/Pulumi.prod-dr.yaml": inRegion("prod", "eu-central-1", "prod"),
		}, nil},
		{"recovery networks in two other regions", map[string]string{
			"network/Pulumi.prod.yaml":    inRegion("prod", "eu-west-1", ""),
			"network/Pulumi.prod-dr.yaml": inRegion("prod", "eu-central-1", "prod"),
			"network/Pulumi.prod-us.yaml": inRegion("prod", "us-east-1", "prod"),
		}, nil},
		{"a recovery network without its primary", map[string]string{
			"network/Pulumi.staging.yaml": inRegion("staging", "eu-west-1", ""),
			"network/Pulumi.prod-dr.yaml": inRegion("prod", "eu-central-1", "prod"),
		}, []string{"environments/network/Pulumi.prod-dr.yaml states network:recoveryOf \"prod\"", `environment "prod" has no primary network stack (environments/network/Pulumi.prod.yaml without network:recoveryOf)`}},
		{"a recovery network named after its environment has no primary", map[string]string{
			"network/Pulumi.prod.yaml": inRegion("prod", "eu-central-1", "prod"),
		}, []string{"environments/network/Pulumi.prod.yaml states network:recoveryOf", "has no primary network stack"}},
		{"a recovery network in its primary's region", map[string]string{
			"network/Pulumi.prod.yaml":    inRegion("prod", "eu-west-1", ""),
			"network/Pulumi.prod-dr.yaml": inRegion("prod", "eu-west-1", "prod"),
		}, []string{"environments/network/Pulumi.prod-dr.yaml: aws:region is eu-west-1, the region of its primary network environments/network/Pulumi.prod.yaml", "in another region"}},
		{"two recovery networks in one region", map[string]string{
			"network/Pulumi.prod.yaml":    inRegion("prod", "eu-west-1", ""),
			"network/Pulumi.prod-a.yaml":  inRegion("prod", "eu-central-1", "prod"),
			"network/Pulumi.prod-dr.yaml": inRegion("prod", "eu-central-1", "prod"),
		}, []string{"environments/network/Pulumi.prod-a.yaml and environments/network/Pulumi.prod-dr.yaml are both recovery networks of environment \"prod\" in eu-central-1", "one recovery network per environment and region"}},
		{"a recovery network pins another account than its primary", map[string]string{
			"network/Pulumi.prod.yaml":    net("prod", `["111122223333"]`),
			"network/Pulumi.prod-dr.yaml": net("prod", `["444455556666"]`) + "  network:recoveryOf: prod\n",
		}, []string{"environments/network/Pulumi.prod-dr.yaml", "[444455556666]", "environments/network/Pulumi.prod.yaml", "same AWS accounts"}},
		{"two databases of an environment without a network disagree", map[string]string{
			"database/Pulumi.a-dev.yaml": db("dev", "a", `["123456789012"]`),
			"database/Pulumi.b-dev.yaml": db("dev", "b", `["777788889999"]`),
		}, []string{"environments/database/Pulumi.b-dev.yaml", "environments/database/Pulumi.a-dev.yaml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for rel, content := range tc.files {
				writeFile(t, root, filepath.Join(stacks.Dir, rel), content)
			}
			all, err := stacks.Discover(root)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Discover: %v", err)
				}
				if len(all) != len(tc.files) {
					t.Errorf("Discover found %v, want %d stacks", names(all), len(tc.files))
				}
				return
			}
			if err == nil {
				t.Fatalf("Discover accepted %v", names(all))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}
