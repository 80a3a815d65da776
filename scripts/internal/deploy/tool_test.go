package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/config"
)

// repo writes a repository with stack files for dev, staging and prod.
func repo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.work": "go 1.26.6\n",
	}
	// Each environment pins its own account, as the committed files do.
	accounts := map[string]string{"dev": "123456789012", "staging": "444455556666", "prod": "111122223333"}
	for _, env := range []string{"dev", "staging", "prod"} {
		files["environments/network/Pulumi."+env+".yaml"] = fmt.Sprintf("config:\n  aws:region: eu-west-1\n  aws:allowedAccountIds: [\"%s\"]\n  network:environment: %s\n  network:tier: %s\n  network:vpcCidr: 10.20.0.0/16\n", accounts[env], env, env)
		files["environments/database/Pulumi.orders-"+env+".yaml"] = fmt.Sprintf("config:\n  aws:region: eu-west-1\n  aws:allowedAccountIds: [\"%s\"]\n  database:environment: %s\n  database:tier: %s\n  database:app: orders\n", accounts[env], env, env)
		if env == "prod" {
			files["environments/database/Pulumi.orders-prod.yaml"] += "  database:drOptOut: no recovery network in these tests\n"
		}
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

type toolRun struct {
	engine  *fakeEngine
	built   bool
	out     string
	err     error
	backend workspace.Settings
}

func runTool(t *testing.T, env map[string]string, args ...string) toolRun {
	t.Helper()
	return runToolIn(t, repo(t), env, args...)
}

func runToolIn(t *testing.T, root string, env map[string]string, args ...string) toolRun {
	t.Helper()
	var r toolRun
	r.engine = &fakeEngine{inventory: map[string]map[string]int{"network": {"dev": 3, "staging": 3, "prod": 3}}}
	var out, errOut bytes.Buffer
	tool := Tool{
		Root:   root,
		Lookup: envOf(env),
		Home:   t.TempDir(),
		Out:    &out,
		Err:    &errOut,
		NewEngine: func(s workspace.Settings) (Engine, error) {
			r.built = true
			r.backend = s
			return r.engine, nil
		},
		Now: clock(),
	}
	r.err = tool.Run(context.Background(), args)
	r.out = out.String()
	return r
}

var devKeys = map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}

func with(base map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestToolFailsAtOnceWithoutAWSCredentials(t *testing.T) {
	r := runTool(t, map[string]string{"PULUMI_CONFIG_PASSPHRASE": "dev"}, "up", "--env", "dev")
	if r.err == nil || !strings.Contains(r.err.Error(), "AWS credentials: no AWS credentials found; set one of:") || !strings.Contains(r.err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Fatalf("err = %v, want the credentials to set", r.err)
	}
	if r.built {
		t.Fatal("the engine was built without credentials")
	}
}

func TestToolPassphraseRule(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{name: "prod without a passphrase is refused", env: devKeys, args: []string{"up", "--env", "prod"},
			wantErr: "a prod stack needs the team's passphrase; the tool never picks one"},
		{name: "staging with an empty passphrase is refused", env: with(devKeys, "PULUMI_CONFIG_PASSPHRASE", ""), args: []string{"preview", "--env", "staging"},
			wantErr: "PULUMI_CONFIG_PASSPHRASE is set but empty: a staging stack needs the team's passphrase"},
		{name: "dev without a passphrase fails clearly", env: devKeys, args: []string{"up", "--env", "dev"},
			wantErr: "for dev any value will do"},
		{name: "dev accepts an empty passphrase", env: with(devKeys, "PULUMI_CONFIG_PASSPHRASE", ""), args: []string{"up", "--env", "dev"}},
		{name: "prod with a passphrase", env: with(devKeys, "PULUMI_CONFIG_PASSPHRASE", "s3cret"), args: []string{"preview", "--env", "prod"}},
		{name: "prod on S3 with KMS needs no passphrase", env: with(devKeys, "PULUMI_BACKEND_URL", "s3://acme-pulumi-state", "PULUMI_SECRETS_PROVIDER", "awskms://alias/pulumi-state"),
			args: []string{"up", "--env", "prod"}},
		{name: "prod on Pulumi Cloud needs no passphrase", env: with(devKeys, "PULUMI_BACKEND_URL", "https://api.pulumi.com"), args: []string{"up", "--env", "prod"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runTool(t, tc.env, tc.args...)
			if tc.wantErr != "" {
				if r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", r.err, tc.wantErr)
				}
				if r.built {
					t.Fatal("the engine was built despite the passphrase rule")
				}
				return
			}
			if r.err != nil {
				t.Fatalf("Run: %v", r.err)
			}
			if !r.built || len(r.engine.runs()) == 0 {
				t.Fatal("nothing ran")
			}
		})
	}
}

func TestToolUsageErrors(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"up"}, "--env is required"},
		{[]string{"up", "--env", "qa"}, `--env "qa": no network stack`},
		{[]string{"preview", "--env", "dev", "--stack", "payments-dev"}, `--stack "payments-dev": not a stack of environment dev (valid: dev, orders-dev)`},
	}
	for _, tc := range tests {
		r := runTool(t, with(devKeys, "PULUMI_CONFIG_PASSPHRASE", "x"), tc.args...)
		var usage *UsageError
		if !errors.As(r.err, &usage) || !strings.Contains(r.err.Error(), tc.wantErr) {
			t.Errorf("%v: err = %v, want a usage error containing %q", tc.args, r.err, tc.wantErr)
		}
		if r.built {
			t.Errorf("%v: the engine was built", tc.args)
		}
	}
}

func TestToolRefusesProdDestroyBeforeAnythingElse(t *testing.T) {
	// No credentials, no passphrase: the refusal comes first.
	r := runTool(t, nil, "destroy", "--env", "prod", "--stack", "orders-prod")
	if r.err == nil || r.err.Error() != "destroy database/orders-prod: refusing to destroy database/orders-prod: prod is never destroyed by this tool (a stack is prod when its tier is prod or anything but dev or staging, or its environment is prod; its RDS instance is also protected); decommission prod by a reviewed change" {
		t.Fatalf("err = %v", r.err)
	}
	if r.built {
		t.Fatal("the engine was built")
	}
}

func TestToolRunsAndSummarises(t *testing.T) {
	r := runTool(t, with(devKeys, "PULUMI_CONFIG_PASSPHRASE", "dev"), "up", "--env", "dev")
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	if got := r.backend.BackendURL; !strings.HasPrefix(got, "file://") || !strings.HasSuffix(got, "/.pulumi-state") {
		t.Fatalf("backend = %q, want the local default", got)
	}
	for _, want := range []string{
		"deploy: AWS credentials: static keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n",
		"deploy: order: network/dev, database/orders-dev\n",
		"STACK                STEP  RESULT  CHANGES  DURATION\n",
		"network/dev          up    ok      -        1s\n",
		"database/orders-dev  up    ok      -        1s\n",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
}

func TestToolSummarisesAFailure(t *testing.T) {
	env := with(devKeys, "PULUMI_CONFIG_PASSPHRASE", "dev")
	var out bytes.Buffer
	f := &fakeEngine{fail: map[string]error{"network/dev": errors.New("creating EC2 VPC: UnauthorizedOperation")}}
	tool := Tool{Root: repo(t), Lookup: envOf(env), Home: t.TempDir(), Out: &out, Err: &out, Now: clock(),
		NewEngine: func(workspace.Settings) (Engine, error) { return f, nil }}
	err := tool.Run(context.Background(), []string{"up", "--env", "dev"})
	if err == nil || err.Error() != "up network/dev: creating EC2 VPC: UnauthorizedOperation" {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"network/dev          up    failed   create 1", "database/orders-dev  up    skipped  -"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

// appendConfig adds lines to the config block of one stack file of root.
func appendConfig(t *testing.T, root, file string, lines ...string) {
	t.Helper()
	p := filepath.Join(root, "environments", file)
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString("  " + l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

// A bad value in the second stack of the run stops the run before the
// first one starts, so nothing reaches AWS.
func TestToolChecksEveryStacksConfigBeforeAnyRuns(t *testing.T) {
	env := with(devKeys, "PULUMI_CONFIG_PASSPHRASE", "dev")
	tests := []struct {
		name, line, want string
	}{
		{"bad value", "database:instanceClass: r6g.large",
			`up database/orders-dev: environments/database/Pulumi.orders-dev.yaml: config database:instanceClass = "r6g.large" is not allowed`},
		{"misspelt key", "database:instanceClas: db.r6g.large",
			`up database/orders-dev: environments/database/Pulumi.orders-dev.yaml: config database:instanceClas = "db.r6g.large" is not allowed: want one of the known keys:`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := repo(t)
			appendConfig(t, root, "database/Pulumi.orders-dev.yaml", tc.line)
			r := runToolIn(t, root, env, "up", "--env", "dev")
			var step *StepError
			if !errors.As(r.err, &step) || !strings.HasPrefix(r.err.Error(), tc.want) {
				t.Fatalf("err = %v, want a StepError starting %q", r.err, tc.want)
			}
			if r.built || len(r.engine.calls) != 0 {
				t.Fatalf("the engine was built (%v) or ran %v before the config was checked", r.built, r.engine.calls)
			}
		})
	}
	t.Run("guardrails of the tier", func(t *testing.T) {
		var checked []string
		tool := Tool{
			Root: repo(t), Lookup: envOf(env), Home: t.TempDir(), Out: &bytes.Buffer{}, Err: &bytes.Buffer{},
			NewEngine: func(workspace.Settings) (Engine, error) { t.Fatal("the engine was built"); return nil, nil },
			Guardrails: func(c config.Database) error {
				checked = append(checked, c.App+"-"+c.Environment)
				return errors.New("guardrail deletion-protection (RDS.8): database:deletionProtection = \"false\": true in staging and prod")
			},
		}
		err := tool.Run(context.Background(), []string{"up", "--env", "staging"})
		if err == nil || !strings.HasPrefix(err.Error(), "up database/orders-staging: environments/database/Pulumi.orders-staging.yaml: guardrail deletion-protection") {
			t.Fatalf("err = %v", err)
		}
		if len(checked) != 1 || checked[0] != "orders-staging" {
			t.Errorf("guardrails checked %v, want the one database stack", checked)
		}
	})
	t.Run("preview too", func(t *testing.T) {
		root := repo(t)
		appendConfig(t, root, "network/Pulumi.staging.yaml", "network:azCount: 7")
		r := runToolIn(t, root, env, "preview", "--env", "staging")
		if r.err == nil || !strings.Contains(r.err.Error(), "preview network/staging: environments/network/Pulumi.staging.yaml: config network:azCount = \"7\"") || r.built {
			t.Fatalf("err = %v, built = %v", r.err, r.built)
		}
	})
	// Destroy and refresh run no program: a stack whose config went bad can
	// still be torn down or reconciled.
	for _, op := range []string{"destroy", "refresh"} {
		t.Run(op+" is not blocked", func(t *testing.T) {
			root := repo(t)
			appendConfig(t, root, "database/Pulumi.orders-dev.yaml", "database:instanceClass: r6g.large")
			r := runToolIn(t, root, env, op, "--env", "dev", "--stack", "orders-dev")
			if r.err != nil || !r.built {
				t.Fatalf("%s: err = %v, built = %v", op, r.err, r.built)
			}
		})
	}
}

// --check stops after the checks: it reports what it would run and never
// builds the engine; a failing check fails it as it would the real run.
func TestToolCheckOnly(t *testing.T) {
	env := with(devKeys, "PULUMI_CONFIG_PASSPHRASE", "dev")
	r := runTool(t, env, "up", "--check", "--env", "dev")
	if r.err != nil {
		t.Fatalf("up --check: %v", r.err)
	}
	if r.built {
		t.Fatal("--check built the engine")
	}
	if want := "deploy: checks passed for up of network/dev, database/orders-dev (AWS credentials: static keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)\n"; r.out != want {
		t.Errorf("output = %q, want %q", r.out, want)
	}
	r = runTool(t, map[string]string{"PULUMI_CONFIG_PASSPHRASE": "dev"}, "up", "--check", "--env", "dev")
	if r.err == nil || !strings.Contains(r.err.Error(), "no AWS credentials found") || r.built {
		t.Fatalf("up --check without credentials: err = %v, built = %v", r.err, r.built)
	}
	r = runTool(t, env, "destroy", "--check", "--env", "prod")
	var refusal *RefusalError
	if !errors.As(r.err, &refusal) {
		t.Fatalf("destroy --check --env prod: err = %v, want the refusal", r.err)
	}
}
