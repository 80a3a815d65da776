package workspace

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// ExportState reads a stack's whole exported state as `pulumi stack export`
// writes it ({"version", "deployment"}), secrets encrypted; nothing is
// written to the backend.
func (s Settings) ExportState(ctx context.Context, cmd auto.PulumiCommand, project, stack string) ([]byte, error) {
	var out []byte
	err := s.inProject(ctx, cmd, project, "export", func(dir string, _ auto.Workspace) error {
		exported, stderr, _, err := cmd.Run(ctx, dir, nil, nil, nil, s.envList(), "stack", "export", "--stack", stack)
		if err != nil {
			return fmt.Errorf("export %s/%s from %s: %w", project, path.Base(stack), s.BackendURL, cliError(err, stderr))
		}
		if !json.Valid([]byte(exported)) {
			return fmt.Errorf("export %s/%s from %s: the CLI wrote no valid JSON", project, path.Base(stack), s.BackendURL)
		}
		out = []byte(exported)
		return nil
	})
	return out, err
}

// ImportState replaces a stack's state with an exported one (`pulumi stack
// import --file`). The CLI checks the deployment's integrity before it
// writes anything, and drops its pending operations.
func (s Settings) ImportState(ctx context.Context, cmd auto.PulumiCommand, project, stack string, state []byte) error {
	return s.inProject(ctx, cmd, project, "import", func(dir string, _ auto.Workspace) error {
		file := filepath.Join(dir, "state.json")
		if err := os.WriteFile(file, state, 0o600); err != nil {
			return fmt.Errorf("import into %s/%s: %w", project, path.Base(stack), err)
		}
		_, stderr, _, err := cmd.Run(ctx, dir, nil, nil, nil, s.envList(), "stack", "import", "--stack", stack, "--file", file)
		if err != nil {
			return fmt.Errorf("import into %s/%s on %s: %w", project, path.Base(stack), s.BackendURL, cliError(err, stderr))
		}
		return nil
	})
}
