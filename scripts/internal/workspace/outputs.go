package workspace

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// StackOutputs reads the outputs of the platform's stacks from a Pulumi
// state backend, through the Automation API with a local workspace over the
// project folder (<Root>/<project>, which holds Pulumi.yaml). It is the
// stackout.Source of the operational tools (verify, restore-drill,
// failover-drill); it lives here, with the rest of the Automation API, so
// that stackout and the packages that only map outputs do not link it.
type StackOutputs struct {
	// Root is the repository root.
	Root string
	// URL is the backend (a tool's --backend flag); empty means
	// $PULUMI_BACKEND_URL, else file://<Root>/.pulumi-state, as
	// BackendURL resolves it for every tool.
	URL string
}

// BackendURL resolves the backend URL of b with BackendURL.
func (b StackOutputs) BackendURL() string {
	return BackendURL(b.Root, b.URL, os.LookupEnv)
}

// Outputs runs `pulumi stack output --json` (and its --show-secrets twin)
// for the stack through the Automation API. The pinned CLI at
// <Root>/bin/pulumi is used when present, else pulumi from PATH.
func (b StackOutputs) Outputs(ctx context.Context, project, stack string) (map[string]any, error) {
	dir := filepath.Join(b.Root, project)
	if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		return nil, fmt.Errorf("read outputs of %s stack %q: no Pulumi.yaml in %s (pass the stack's outputs with --outputs instead): %w", project, stack, dir, err)
	}
	url := b.BackendURL()
	if dir, ok := strings.CutPrefix(url, "file://"); ok {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("read outputs of %s stack %q: no Pulumi state at %s (deploy the stack first, point --backend or PULUMI_BACKEND_URL at its state, or pass --outputs): %w", project, stack, dir, err)
		}
	}
	cmd, err := b.command()
	if err != nil {
		return nil, err
	}
	ws, err := auto.NewLocalWorkspace(ctx,
		auto.WorkDir(dir),
		auto.Pulumi(cmd),
		auto.EnvVars(map[string]string{
			"PULUMI_BACKEND_URL":       url,
			"PULUMI_SKIP_UPDATE_CHECK": "true",
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("open a Pulumi workspace over %s: %w", dir, err)
	}
	outs, err := ws.StackOutputs(ctx, stack)
	if err != nil {
		return nil, fmt.Errorf("read outputs of %s stack %q from backend %s: %w", project, stack, url, err)
	}
	raw := make(map[string]any, len(outs))
	for k, v := range outs {
		raw[k] = v.Value
	}
	return raw, nil
}

func (b StackOutputs) command() (auto.PulumiCommand, error) {
	opts := &auto.PulumiCommandOptions{}
	pinned := filepath.Join(b.Root, "bin", "pulumi")
	if _, err := os.Stat(pinned); err == nil {
		opts.Root = b.Root
	}
	cmd, err := auto.NewPulumiCommand(opts)
	if err != nil {
		where := "pulumi on PATH"
		if opts.Root != "" {
			where = pinned
		}
		return nil, fmt.Errorf("use the Pulumi CLI (%s; the pinned one is built into <root>/bin by the delivery tooling): %w", where, err)
	}
	return cmd, nil
}
