//go:build e2e

package workspace

// Reads outputs through the real engine: the pinned CLI at <repo>/bin/pulumi
// (make tools), a file:// backend and an inline program that only exports
// values, so no provider plugin is needed. Run with:
// go test -tags e2e -run TestStackOutputsReadsDeployedOutputs ./workspace

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/testsupport/fixture"
	"github.com/pgplatform/platform/shared/stacks"
)

func TestStackOutputsReadsDeployedOutputs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	repoRoot, err := stacks.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "bin", "pulumi")); err != nil {
		t.Fatalf("the pinned CLI is needed: run make tools (%v)", err)
	}
	root := t.TempDir()
	if err := os.Symlink(filepath.Join(repoRoot, "bin"), filepath.Join(root, "bin")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "database"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "database", "Pulumi.yaml"), []byte("name: database\nruntime: go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(root, ".pulumi-state")
	if err := os.Mkdir(state, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PULUMI_HOME", t.TempDir())
	t.Setenv("PULUMI_CONFIG_PASSPHRASE", "e2e-only")
	t.Setenv("PULUMI_BACKEND_URL", "")

	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	// Every output of the database contract (stackout.ReadDatabase requires
	// them all), as a database stack exports them.
	want := fixture.DatabaseOutputs()
	program := func(pctx *pulumi.Context) error {
		for k, v := range want {
			switch x := v.(type) {
			case string:
				if k == "masterSecretArn" {
					pctx.Export(k, pulumi.ToSecret(pulumi.String(x)))
					continue
				}
				pctx.Export(k, pulumi.String(x))
			case float64:
				pctx.Export(k, pulumi.Int(int(x)))
			}
		}
		return nil
	}
	st, err := auto.UpsertStackInlineSource(ctx, "orders-dev", "database", program,
		auto.Pulumi(cmd),
		auto.EnvVars(map[string]string{"PULUMI_BACKEND_URL": "file://" + state, "PULUMI_SKIP_UPDATE_CHECK": "true"}),
		auto.SecretsProvider("passphrase"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Up(ctx); err != nil {
		t.Fatal(err)
	}

	d, err := stackout.ReadDatabase(ctx, StackOutputs{Root: root}, "orders-dev")
	if err != nil {
		t.Fatal(err)
	}
	if d.Port != 5432 || d.InstanceIdentifier != want["instanceIdentifier"] || d.MasterSecretArn != want["masterSecretArn"] {
		t.Errorf("read back %+v", d)
	}
	if _, err := stackout.ReadDatabase(ctx, StackOutputs{Root: root}, "payments-dev"); err == nil {
		t.Error("a stack that was never deployed read without error")
	}
}
