package workspace

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"

	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pworkspace "github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ErrNotFound is returned by Open when the stack does not exist on the
// backend and was not to be created.
var ErrNotFound = errors.New("stack not found on the backend")

// CLIPath is where the pinned Pulumi CLI lives: <root>/bin/pulumi, built by
// tools/install.sh (make tools).
func (s Settings) CLIPath() string {
	return filepath.Join(s.Root, "bin", "pulumi")
}

// Command returns the pinned Pulumi CLI, checking that it exists and reports
// a version the Automation API accepts.
func (s Settings) Command() (auto.PulumiCommand, error) {
	cli := s.CLIPath()
	if _, err := os.Stat(cli); err != nil {
		return nil, fmt.Errorf("the pinned Pulumi CLI %s is missing: run `make tools` (%w)", cli, err)
	}
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: s.Root})
	if err != nil {
		return nil, fmt.Errorf("the pinned Pulumi CLI %s is unusable (rebuild it with `make tools`, which stamps its version): %w", cli, err)
	}
	return cmd, nil
}

// Stack is a stack opened on the backend, in a working folder of its own
// that Close removes.
type Stack struct {
	auto.Stack
	dir    string
	record string
}

// Dir is the stack's per-run working folder.
func (s *Stack) Dir() string { return s.dir }

// Close removes the working folder and the record the CLI keeps of the
// stack selected in it (<PULUMI_HOME>/workspaces/<project>-<sha1 of the
// Pulumi.yaml path>-workspace.json), which would otherwise pile up, one per
// run and stack.
func (s *Stack) Close() error {
	var errs []error
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove working folder %s: %w", s.dir, err))
	}
	if s.record != "" {
		if err := os.Remove(s.record); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove the CLI's workspace record: %w", err))
		}
	}
	return errors.Join(errs...)
}

// workspaceRecord is the file in which the CLI remembers the stack selected
// in a project folder.
func workspaceRecord(lookup Lookup, dir, project string) string {
	home, ok := lookup("PULUMI_HOME")
	if !ok || home == "" {
		userHome, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		home = filepath.Join(userHome, ".pulumi")
	}
	sum := sha1.Sum([]byte(filepath.Join(dir, "Pulumi.yaml")))
	return filepath.Join(home, "workspaces", project+"-"+hex.EncodeToString(sum[:])+"-workspace.json")
}

// Open opens a committed stack on the backend with its program inlined.
// With create it is created when missing (the secrets provider from
// PULUMI_SECRETS_PROVIDER is recorded then); without, a missing stack is
// ErrNotFound.
//
// The workspace is a fresh temporary folder holding the project's
// Pulumi.yaml (read from <root>/<project>, its stackConfigDir dropped) and a
// copy of the committed environments/<project>/Pulumi.<stack>.yaml. The CLI
// writes backend-specific settings (encryptionsalt, encryptedkey) into that
// copy, never into the repository.
func (s Settings) Open(ctx context.Context, cmd auto.PulumiCommand, st stacks.Stack, program pulumi.RunFunc, create bool) (*Stack, error) {
	if program == nil {
		return nil, fmt.Errorf("no program for project %s", st.Project)
	}
	dir, err := os.MkdirTemp("", "deploy-"+st.Project+"-"+st.Name+"-")
	if err != nil {
		return nil, fmt.Errorf("create a working folder for %s/%s: %w", st.Project, st.Name, err)
	}
	proj, err := Stage(s.Root, dir, st)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	opts := []auto.LocalWorkspaceOption{
		auto.WorkDir(dir),
		auto.Project(*proj),
		auto.Pulumi(cmd),
		auto.EnvVars(s.env()),
	}
	if s.SecretsProvider != "" {
		opts = append(opts, auto.SecretsProvider(s.SecretsProvider))
	}
	record := workspaceRecord(s.lookup, dir, st.Project)
	cleanup := func() error {
		return (&Stack{dir: dir, record: record}).Close()
	}
	var as auto.Stack
	if create {
		as, err = auto.UpsertStackInlineSource(ctx, st.Name, st.Project, program, opts...)
	} else {
		as, err = auto.SelectStackInlineSource(ctx, st.Name, st.Project, program, opts...)
		if err != nil && auto.IsSelectStack404Error(err) {
			return nil, errors.Join(fmt.Errorf("%w %s", ErrNotFound, s.BackendURL), cleanup())
		}
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open %s/%s: %w", st.Project, st.Name, err), cleanup())
	}
	return &Stack{Stack: as, dir: dir, record: record}, nil
}

// Stage fills dir with what a workspace for st needs: the project's
// Pulumi.yaml settings (returned, with stackConfigDir and backend dropped so
// that the stack file is read from dir and the backend from the
// environment) and a copy of st's committed config file, if it has one.
func Stage(root, dir string, st stacks.Stack) (*pworkspace.Project, error) {
	proj, err := ProjectSettings(root, st.Project)
	if err != nil {
		return nil, err
	}
	if st.File == "" {
		return proj, nil
	}
	data, err := os.ReadFile(st.File)
	if err != nil {
		return nil, fmt.Errorf("read the stack file of %s/%s: %w", st.Project, st.Name, err)
	}
	dst := filepath.Join(dir, "Pulumi."+st.Name+".yaml")
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		return nil, fmt.Errorf("copy %s to the working folder: %w", st.File, err)
	}
	return proj, nil
}

// ProjectSettings reads <root>/<project>/Pulumi.yaml and checks it names the
// project.
func ProjectSettings(root, project string) (*pworkspace.Project, error) {
	file := filepath.Join(root, project, "Pulumi.yaml")
	proj, err := pworkspace.LoadProject(file)
	if err != nil {
		return nil, fmt.Errorf("read the %s project settings: %w", project, err)
	}
	if proj.Name != tokens.PackageName(project) {
		return nil, fmt.Errorf("%s: name is %q, want %q", file, proj.Name, project)
	}
	proj.StackConfigDir = ""
	proj.Backend = nil
	return proj, nil
}

// inProject runs fn in a temporary working folder that holds the
// project's settings, with a workspace on the backend opened there (the
// CLI needs the project to list or select its stacks), and removes the
// folder afterwards.
func (s Settings) inProject(ctx context.Context, cmd auto.PulumiCommand, project, purpose string, fn func(dir string, ws auto.Workspace) error) (err error) {
	dir, err := os.MkdirTemp("", "deploy-"+project+"-"+purpose+"-")
	if err != nil {
		return fmt.Errorf("create a working folder for the %s %s: %w", project, purpose, err)
	}
	defer func() {
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("remove working folder %s: %w", dir, rmErr))
		}
	}()
	proj, err := Stage(s.Root, dir, stacks.Stack{Project: project})
	if err != nil {
		return err
	}
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(dir), auto.Project(*proj), auto.Pulumi(cmd), auto.EnvVars(s.env()))
	if err != nil {
		return fmt.Errorf("open a %s workspace on %s: %w", project, s.BackendURL, err)
	}
	return fn(dir, ws)
}

// Inventory lists a project's stacks on the backend with the number of
// resources each holds in its state.
func (s Settings) Inventory(ctx context.Context, cmd auto.PulumiCommand, project string) (map[string]int, error) {
	var out map[string]int
	err := s.inProject(ctx, cmd, project, "inventory", func(dir string, ws auto.Workspace) error {
		list, err := ws.ListStacks(ctx)
		if err != nil {
			return fmt.Errorf("list %s stacks on %s: %w", project, s.BackendURL, err)
		}
		out = make(map[string]int, len(list))
		for _, sum := range list {
			// Names may come qualified (organization/<project>/<stack>).
			name := path.Base(sum.Name)
			if sum.ResourceCount != nil {
				out[name] = *sum.ResourceCount
				continue
			}
			dep, err := s.export(ctx, cmd, dir, project, sum.Name)
			if err != nil {
				return err
			}
			n, err := CountResources(dep)
			if err != nil {
				return fmt.Errorf("%s/%s: %w", project, name, err)
			}
			out[name] = n
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// export reads a stack's deployment from the backend, secrets encrypted:
// not ws.ExportStack, which asks for the secrets in plain text.
func (s Settings) export(ctx context.Context, cmd auto.PulumiCommand, dir, project, stack string) (json.RawMessage, error) {
	name := path.Base(stack)
	exported, stderr, _, err := cmd.Run(ctx, dir, nil, nil, nil, s.envList(), "stack", "export", "--stack", stack)
	if err != nil {
		return nil, fmt.Errorf("export %s/%s from %s: %w", project, name, s.BackendURL, cliError(err, stderr))
	}
	var dep apitype.UntypedDeployment
	if err := json.Unmarshal([]byte(exported), &dep); err != nil {
		return nil, fmt.Errorf("export %s/%s from %s: read the deployment: %w", project, name, s.BackendURL, err)
	}
	return dep.Deployment, nil
}

// Export reads one stack's deployment (its resources' inputs and outputs,
// secrets encrypted) from the backend; nothing is written.
func (s Settings) Export(ctx context.Context, cmd auto.PulumiCommand, project, stack string) (json.RawMessage, error) {
	var dep json.RawMessage
	err := s.inProject(ctx, cmd, project, "export", func(dir string, _ auto.Workspace) error {
		var err error
		dep, err = s.export(ctx, cmd, dir, project, stack)
		return err
	})
	return dep, err
}

// CountResources counts the resources in an exported deployment.
func CountResources(deployment json.RawMessage) (int, error) {
	if len(deployment) == 0 {
		return 0, nil
	}
	var d struct {
		Resources []json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(deployment, &d); err != nil {
		return 0, fmt.Errorf("read the exported deployment: %w", err)
	}
	return len(d.Resources), nil
}
