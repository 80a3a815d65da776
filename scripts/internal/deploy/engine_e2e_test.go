//go:build e2e

package deploy

// Drives the deploy tool through the real engine: the pinned CLI at
// <repo>/bin/pulumi (make tools), a local file:// backend, the passphrase
// provider and trivial inline programs that need no provider plugin. Run
// with: go test -tags e2e -run TestEngine ./deploy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func TestEngineLifecycle(t *testing.T) {
	repoRoot, err := stacks.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "bin", "pulumi")); err != nil {
		t.Fatalf("the pinned CLI is needed: run make tools (%v)", err)
	}
	root := repo(t)
	if err := os.Symlink(filepath.Join(repoRoot, "bin"), filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"network", "database"} {
		project(t, root, p, "name: "+p+"\nruntime: go\nstackConfigDir: ../environments/"+p+"\n")
	}
	committed := snapshot(t, filepath.Join(root, "environments"))
	pulumiHome := t.TempDir()
	t.Setenv("PULUMI_HOME", pulumiHome)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	programs := Programs{
		Network: func(ctx *pulumi.Context) error {
			cfg := config.New(ctx, "network")
			ctx.Export("environment", pulumi.String(cfg.Require("environment")))
			ctx.Export("token", pulumi.ToSecret(pulumi.String("not-a-real-secret")))
			return nil
		},
		Database: func(ctx *pulumi.Context) error {
			cfg := config.New(ctx, "database")
			ref, err := pulumi.NewStackReference(ctx, "network", &pulumi.StackReferenceArgs{
				Name: pulumi.String(ctx.Organization() + "/network/" + cfg.Require("environment")),
			})
			if err != nil {
				return err
			}
			ctx.Export("networkEnvironment", ref.GetStringOutput(pulumi.String("environment")))
			return nil
		},
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "PULUMI_CONFIG_PASSPHRASE": "e2e", "PULUMI_HOME": pulumiHome}
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		tool := Tool{Root: root, Lookup: envOf(env), Home: t.TempDir(), Out: &out, Err: &out,
			NewEngine: func(s workspace.Settings) (Engine, error) { return NewEngine(s, programs) }}
		err := tool.Run(context.Background(), args)
		t.Logf("err: %v", err)
		t.Logf("deploy %s:\n%s", strings.Join(args, " "), out.String())
		return out.String(), err
	}

	if _, err := run("up", "--env", "dev"); err != nil {
		t.Fatalf("first up: %v", err)
	}
	// A second run has no salt in its fresh stack file: the secret in the
	// state must still decrypt.
	if _, err := run("up", "--env", "dev"); err != nil {
		t.Fatalf("second up: %v", err)
	}
	jsonDir := t.TempDir()
	if _, err := run("preview", "--env", "dev", "--expect-no-changes", "--json-dir", jsonDir); err != nil {
		t.Fatalf("preview: %v", err)
	}
	for _, f := range []string{"network-dev.json", "database-orders-dev.json"} {
		data, err := os.ReadFile(filepath.Join(jsonDir, f))
		if err != nil || !bytes.Contains(data, []byte(`"summaryEvent"`)) {
			t.Fatalf("%s: %v, want engine events with a summary", f, err)
		}
	}
	if _, err := run("refresh", "--env", "dev"); err != nil {
		t.Fatalf("refresh: %v", err)
	}

	// A wrong passphrase and a failing program each stop the run with the
	// step, the stack and the engine's cause.
	env["PULUMI_CONFIG_PASSPHRASE"] = "wrong"
	_, err = run("up", "--env", "dev", "--stack", "dev")
	if err == nil || !strings.HasPrefix(err.Error(), "up network/dev: ") || !strings.Contains(err.Error(), "passphrase") {
		t.Fatalf("up with a wrong passphrase: err = %v", err)
	}
	env["PULUMI_CONFIG_PASSPHRASE"] = "e2e"
	healthy := programs.Database
	programs.Database = func(*pulumi.Context) error { return errors.New("no subnet group for orders") }
	_, err = run("up", "--env", "dev")
	if err == nil || !strings.HasPrefix(err.Error(), "up database/orders-dev: ") || !strings.Contains(err.Error(), "no subnet group for orders") {
		t.Fatalf("up with a failing program: err = %v", err)
	}
	programs.Database = healthy

	_, err = run("destroy", "--env", "dev", "--stack", "dev")
	var refusal *RefusalError
	if !errors.As(err, &refusal) || !strings.Contains(err.Error(), "orders-dev (") {
		t.Fatalf("destroy of the network alone: err = %v, want a refusal naming orders-dev", err)
	}
	if _, err := run("destroy", "--env", "dev"); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	out, err := run("destroy", "--env", "dev")
	if err != nil {
		t.Fatalf("second destroy: %v", err)
	}
	if !strings.Contains(out, "network/dev          destroy  ok") {
		t.Fatalf("second destroy summary:\n%s", out)
	}

	if after := snapshot(t, filepath.Join(root, "environments")); !equalMaps(committed, after) {
		t.Fatal("the committed stack files changed")
	}
	leftovers, err := filepath.Glob(filepath.Join(tmp, "deploy-*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(leftovers) > 0 {
		t.Fatalf("working folders left behind: %v", leftovers)
	}
	records, err := filepath.Glob(filepath.Join(pulumiHome, "workspaces", "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(records) > 0 {
		t.Fatalf("workspace records left in PULUMI_HOME: %v", records)
	}
}

func project(t *testing.T, root, name, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, name, "Pulumi.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		out[p] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
