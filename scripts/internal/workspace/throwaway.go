package workspace

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/stacks"
)

// LocalOrganization is the only organization a self-managed backend (file://,
// s3://, ...) knows: the CLI refuses any other name on them.
const LocalOrganization = networkref.LocalOrganization

// Ref names a stack that a program reads through a StackReference; String
// gives it as the CLI takes it.
type Ref = networkref.Ref

// Throwaway is a local file:// backend in a temporary folder, for the
// preview of a stack the shared backend does not have: the stack is created
// there, not on the shared backend, next to read-only copies of the stacks
// its program references. Close removes it.
type Throwaway struct {
	// Settings open stacks on the throwaway backend: its file:// URL and
	// the passphrase secrets provider.
	Settings Settings
	dir      string
}

// Dir is the throwaway backend's folder.
func (t *Throwaway) Dir() string { return t.dir }

// Close removes the throwaway backend.
func (t *Throwaway) Close() error {
	if err := os.RemoveAll(t.dir); err != nil {
		return fmt.Errorf("remove the throwaway backend %s: %w", t.dir, err)
	}
	return nil
}

// NewThrowaway creates a throwaway backend and copies into it, from s's
// backend, the stacks in copies, each under the same name (same project and
// stack), so that a StackReference to them resolves as on the shared
// backend.
//
// Nothing is written to s's backend: a copy is `pulumi stack export` (no
// --show-secrets: the secrets in it stay encrypted by the stack's own secrets
// provider, recorded in the copy, and the copy is read with the same
// passphrase or a KMS decrypt, as the stack itself is), then `pulumi stack
// init` and `pulumi stack import` on the throwaway backend. Stacks created
// there use the passphrase provider, so creating one needs no KMS key
// (encrypting a data key would need more than decrypt): its passphrase is
// the run's own PULUMI_CONFIG_PASSPHRASE(_FILE) when one is set (the CLI
// reads one passphrase per process, and a copy encrypted with the shared
// passphrase needs it), else a random one made for this backend and never
// shown, which dies with it.
func (s Settings) NewThrowaway(ctx context.Context, cmd auto.PulumiCommand, copies []Ref) (_ *Throwaway, err error) {
	dir, err := os.MkdirTemp("", "deploy-throwaway-backend-")
	if err != nil {
		return nil, fmt.Errorf("create a throwaway backend: %w", err)
	}
	t := &Throwaway{dir: dir}
	defer func() {
		if err != nil {
			err = errors.Join(err, t.Close())
		}
	}()
	lookup, err := throwawayLookup(s.lookup)
	if err != nil {
		return nil, err
	}
	t.Settings = Settings{
		Root:            s.Root,
		BackendURL:      "file://" + filepath.ToSlash(dir),
		Kind:            Local,
		SecretsProvider: "passphrase",
		lookup:          lookup,
	}
	for _, ref := range copies {
		if err := s.copyStack(ctx, cmd, t.Settings, ref); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// throwawayLookup is the environment of a throwaway backend: the run's own,
// with a random passphrase when the run has none.
func throwawayLookup(base Lookup) (Lookup, error) {
	if _, ok := base(EnvPassphrase); ok {
		return base, nil
	}
	if f, ok := base(EnvPassphraseFile); ok && f != "" {
		return base, nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("make a passphrase for the throwaway backend: %w", err)
	}
	pass := hex.EncodeToString(b)
	return func(k string) (string, bool) {
		if k == EnvPassphrase {
			return pass, true
		}
		return base(k)
	}, nil
}

// copyStack exports ref from s's backend and imports it into the throwaway
// backend to.
func (s Settings) copyStack(ctx context.Context, cmd auto.PulumiCommand, to Settings, ref Ref) (err error) {
	if ref.Org != "" && ref.Org != LocalOrganization {
		return fmt.Errorf("copy %s to the throwaway backend: a local backend has only the organization %q, and the program would read %s there: name the stack without its organization", ref, LocalOrganization, ref)
	}
	dir, err := os.MkdirTemp("", "deploy-"+ref.Project+"-copy-")
	if err != nil {
		return fmt.Errorf("create a working folder to copy %s: %w", ref, err)
	}
	defer func() {
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("remove working folder %s: %w", dir, rmErr))
		}
	}()
	proj, err := Stage(s.Root, dir, stacks.Stack{Project: ref.Project})
	if err != nil {
		return err
	}
	if err := proj.Save(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		return fmt.Errorf("write the %s project settings to %s: %w", ref.Project, dir, err)
	}
	name := ref.Stack
	if ref.Org != "" {
		name = ref.String()
	}
	// Without --show-secrets: the Automation API's ExportStack asks for the
	// secrets in plain text, which must not pass through this process.
	deployment, stderr, _, err := cmd.Run(ctx, dir, nil, nil, nil, s.envList(), "stack", "export", "--stack", name)
	if err != nil {
		return fmt.Errorf("export %s from %s: %w", ref, s.BackendURL, cliError(err, stderr))
	}
	if _, stderr, _, err := cmd.Run(ctx, dir, nil, nil, nil, to.envList(), "stack", "init", ref.Stack, "--secrets-provider", to.SecretsProvider, "--no-select"); err != nil {
		return fmt.Errorf("create %s on the throwaway backend: %w", ref, cliError(err, stderr))
	}
	if _, stderr, _, err := cmd.Run(ctx, dir, strings.NewReader(deployment), nil, nil, to.envList(), "stack", "import", "--stack", ref.Stack); err != nil {
		return fmt.Errorf("import %s into the throwaway backend: %w", ref, cliError(err, stderr))
	}
	return nil
}

// cliError adds the CLI's error lines to err.
func cliError(err error, stderr string) error {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return err
	}
	return fmt.Errorf("%w: %s", err, strings.Join(lines, "; "))
}

// envList is env() as KEY=VALUE pairs, in a stable order.
func (s Settings) envList() []string {
	env := s.env()
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
