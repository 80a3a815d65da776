//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/stacks"
)

// sandbox is a copy of the repository as the deploy tool sees it: go.work
// (which marks the root), the projects' Pulumi.yaml files, the committed
// environment files (which a test may change) and bin/pulumi (a link to the
// pinned CLI). The double is a single AWS account, fakeaws.Account, and
// refuses a provider whose aws:allowedAccountIds leaves it out, as the real
// provider does: every environment file's pinned account is pointed at it
// (dev's already is).
type sandbox struct {
	w    *world
	root string
}

// steps returns the runner of t's steps, which build on each other: each
// runs as a subtest of t, with the world and a sandbox over the same tree
// reporting to the step's own test, and once one fails the rest are
// skipped.
func (s *sandbox) steps(t *testing.T) func(name string, f func(t *testing.T, w *world, sb *sandbox)) {
	ok := true
	return func(name string, f func(t *testing.T, w *world, sb *sandbox)) {
		if !ok {
			t.Run(name, func(t *testing.T) { t.Skip("an earlier step failed") })
			return
		}
		ok = t.Run(name, func(t *testing.T) {
			w := s.w.on(t)
			f(t, w, &sandbox{w: w, root: s.root})
		})
	}
}

func (w *world) sandbox() *sandbox {
	w.t.Helper()
	root := filepath.Join(w.dir, "repo")
	files := []string{"go.work", "network/Pulumi.yaml", "database/Pulumi.yaml"}
	err := filepath.WalkDir(filepath.Join(repoRoot, stacks.Dir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(repoRoot, path)
		files = append(files, rel)
		return err
	})
	if err != nil {
		w.t.Fatalf("listing the environment files: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			w.t.Fatalf("copying %s: %v", f, err)
		}
		if strings.HasPrefix(f, stacks.Dir+string(filepath.Separator)) {
			data = pinnedAccount.ReplaceAll(data, []byte(`${1}"`+fakeaws.Account+`"`))
		}
		dst := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			w.t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			w.t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repoRoot, "bin", "pulumi"), filepath.Join(root, "bin", "pulumi")); err != nil {
		w.t.Fatal(err)
	}
	return &sandbox{w: w, root: root}
}

// pinnedAccount matches an account ID in an environment file's
// aws:allowedAccountIds list: the only quoted 12-digit list items there.
var pinnedAccount = regexp.MustCompile(`(?m)^(\s+- )"[0-9]{12}"$`)

// deploy runs the deploy tool in the sandbox.
func (s *sandbox) deploy(args ...string) result {
	s.w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	return s.w.runCmd(ctx, s.root, filepath.Join(binDir, "deploy"), args...)
}

// previewReport runs the preview report and gate on preview files.
func (s *sandbox) previewReport(args ...string) result {
	s.w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return s.w.runCmd(ctx, s.root, filepath.Join(binDir, "preview-report"), args...)
}

// editEnv replaces one line of a stack's environment file.
func (s *sandbox) editEnv(project, stack, old, new string) {
	s.w.t.Helper()
	path := filepath.Join(s.root, stacks.Dir, project, "Pulumi."+stack+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		s.w.t.Fatal(err)
	}
	if n := strings.Count(string(data), old); n != 1 {
		s.w.t.Fatalf("%s holds %q %d times; the test edits exactly one", path, old, n)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o600); err != nil {
		s.w.t.Fatal(err)
	}
}

// restoreEnv puts the committed environment file back, pinned to the
// double's account as sandbox copies it.
func (s *sandbox) restoreEnv(project, stack string) {
	s.w.t.Helper()
	rel := filepath.Join(stacks.Dir, project, "Pulumi."+stack+".yaml")
	data, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		s.w.t.Fatal(err)
	}
	data = pinnedAccount.ReplaceAll(data, []byte(`${1}"`+fakeaws.Account+`"`))
	if err := os.WriteFile(filepath.Join(s.root, rel), data, 0o600); err != nil {
		s.w.t.Fatal(err)
	}
}

// stackState is a stack's latest deployment in the file:// backend.
type stackState struct {
	Resources []apitype.ResourceV3
}

// state reads a stack's state file from the backend.
func (w *world) state(project, stack string) stackState {
	w.t.Helper()
	path := filepath.Join(w.backend, ".pulumi", "stacks", project, stack+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		w.t.Fatalf("reading the state of %s/%s: %v", project, stack, err)
	}
	var versioned apitype.VersionedCheckpoint
	if err := json.Unmarshal(data, &versioned); err != nil {
		w.t.Fatalf("decoding %s: %v", path, err)
	}
	var cp apitype.CheckpointV3
	if err := json.Unmarshal(versioned.Checkpoint, &cp); err != nil {
		w.t.Fatalf("decoding the checkpoint in %s: %v", path, err)
	}
	if cp.Latest == nil {
		return stackState{}
	}
	return stackState{Resources: cp.Latest.Resources}
}

// outputs are the stack's outputs.
func (s stackState) outputs() map[string]any {
	for _, r := range s.Resources {
		if r.Type == "pulumi:pulumi:Stack" {
			return r.Outputs
		}
	}
	return nil
}

// ofType lists the stack's resources of one type.
func (s stackState) ofType(typ string) []apitype.ResourceV3 {
	var out []apitype.ResourceV3
	for _, r := range s.Resources {
		if string(r.Type) == typ {
			out = append(out, r)
		}
	}
	return out
}

// engineEvents reads an engine event log that deploy --json-dir wrote.
func (w *world) engineEvents(path string) []apitype.EngineEvent {
	w.t.Helper()
	f, err := os.Open(path)
	if err != nil {
		w.t.Fatalf("opening the engine events: %v", err)
	}
	defer f.Close()
	var events []apitype.EngineEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var e apitype.EngineEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			w.t.Fatalf("decoding an engine event in %s: %v", path, err)
		}
		events = append(events, e)
	}
	if err := sc.Err(); err != nil {
		w.t.Fatalf("reading %s: %v", path, err)
	}
	return events
}

// changedCalls filters calls that changed the double's "AWS".
func changedCalls(calls []fakeaws.Call) []fakeaws.Call {
	var out []fakeaws.Call
	for _, c := range calls {
		if !c.Preview && (c.Method == "Create" || c.Method == "Update" || c.Method == "Delete") {
			out = append(out, c)
		}
	}
	return out
}
