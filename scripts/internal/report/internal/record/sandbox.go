package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	"github.com/pgplatform/platform/shared/stacks"
)

// doubleAccount is the one AWS account the double is (fakeaws.Account in
// e2e/fakeaws/accounts.go); it refuses a provider whose
// aws:allowedAccountIds leaves it out, as the real provider does.
const doubleAccount = "123456789012"

// sandbox is a copy of the repository as the workspace package reads it,
// as the e2e suite makes one (e2e/sandbox_test.go): go.work (which marks
// the root), the projects' Pulumi.yaml files and the committed stack
// files, every pinned account pointed at the double's. The scenarios edit
// the copies, never the committed files.
type sandbox struct{ root string }

// pinnedAccount matches an account ID in a stack file's
// aws:allowedAccountIds list: the only quoted 12-digit list items there.
var pinnedAccount = regexp.MustCompile(`(?m)^(\s+- )"[0-9]{12}"$`)

func newSandbox(repo, root string) (*sandbox, error) {
	files := []string{"go.work", "network/Pulumi.yaml", "database/Pulumi.yaml"}
	err := filepath.WalkDir(filepath.Join(repo, stacks.Dir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(repo, path)
		files = append(files, rel)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list the stack files: %w", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(repo, f))
		if err != nil {
			return nil, fmt.Errorf("copy %s: %w", f, err)
		}
		if strings.HasPrefix(f, stacks.Dir+string(filepath.Separator)) {
			data = pinnedAccount.ReplaceAll(data, []byte(`${1}"`+doubleAccount+`"`))
		}
		dst := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return nil, fmt.Errorf("copy %s: %w", f, err)
		}
		if err := os.WriteFile(dst, data, 0o600); err != nil {
			return nil, fmt.Errorf("copy %s: %w", f, err)
		}
	}
	return &sandbox{root: root}, nil
}

// file is the sandbox's stack file of project/stack.
func (s *sandbox) file(project, stack string) string {
	return filepath.Join(s.root, stacks.Dir, project, "Pulumi."+stack+".yaml")
}

// apply makes the edits to a stack file and returns a function that puts
// the file back.
func (s *sandbox) apply(project, stack string, edits []edit) (restore func() error, err error) {
	path := s.file(project, stack)
	orig, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	text := string(orig)
	for _, e := range edits {
		if n := strings.Count(text, e.old); n != 1 {
			return nil, fmt.Errorf("%s holds %q %d times; a scenario edits text that occurs exactly once", path, e.old, n)
		}
		text = strings.Replace(text, e.old, e.new, 1)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return func() error {
		if err := os.WriteFile(path, orig, 0o600); err != nil {
			return fmt.Errorf("restore %s: %w", path, err)
		}
		return nil
	}, nil
}

// world is one environment's private "AWS" (the double's folder), backend
// and Pulumi home. newWorld points the process environment, which the
// CLI, the engine and the double inherit, at it.
type world struct {
	awsDir, backend, home string
}

func newWorld(repo, dir string) (*world, error) {
	w := &world{
		awsDir:  filepath.Join(dir, "aws"),
		backend: filepath.Join(dir, "state"),
		home:    filepath.Join(dir, "pulumi-home"),
	}
	for _, d := range []string{w.awsDir, w.backend, w.home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", d, err)
		}
	}
	env := map[string]string{
		"PATH":                     pluginDir + string(os.PathListSeparator) + filepath.Join(repo, "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"PULUMI_HOME":              w.home,
		"PULUMI_BACKEND_URL":       "file://" + w.backend,
		"PULUMI_CONFIG_PASSPHRASE": "record",
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		// The double's folder (fakeaws.DirEnv).
		"FAKEAWS_DIR": w.awsDir,
		// A dummy identity: the double ignores it, and it can open no
		// real account.
		"AWS_ACCESS_KEY_ID":     "AKIAFAKEAWSTESTDOUBLE",
		"AWS_SECRET_ACCESS_KEY": "fake-secret-key-for-the-test-double",
		"NO_COLOR":              "1",
	}
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return nil, fmt.Errorf("set %s: %w", k, err)
		}
	}
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "PULUMI_SECRETS_PROVIDER", "PULUMI_CONFIG_PASSPHRASE_FILE"} {
		if err := os.Unsetenv(k); err != nil {
			return nil, fmt.Errorf("unset %s: %w", k, err)
		}
	}
	return w, nil
}

// drift is a change made to a resource in AWS outside Pulumi (the
// console): the properties set, and tags removed.
type drift struct {
	typ        string
	set        map[string]any
	removeTags []string
}

// changeAWS makes a drift to the one resource of d.typ that stack holds in
// the double's records.json (format in e2e/README.md: type, id, urn,
// inputs, outputs), under the lock the double takes around every change.
// Inputs change with outputs: the bridged provider's Read returns the
// inputs it extracts from the state it read.
func (w *world) changeAWS(stack string, d drift) error {
	lock, err := os.OpenFile(filepath.Join(w.awsDir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("open the double's lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("take the double's lock: %w", err)
	}
	path := filepath.Join(w.awsDir, "records.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read the double's records: %w", err)
	}
	var recs map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&recs); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	resources, _ := recs["resources"].([]any)
	found := 0
	for _, r := range resources {
		rec, _ := r.(map[string]any)
		urn, _ := rec["urn"].(string)
		if rec["type"] != d.typ || !strings.HasPrefix(urn, "urn:pulumi:"+stack+"::") {
			continue
		}
		found++
		for _, side := range []string{"inputs", "outputs"} {
			props, _ := rec[side].(map[string]any)
			if props == nil {
				return fmt.Errorf("%s %s has no %s in %s", d.typ, urn, side, path)
			}
			for k, v := range d.set {
				props[k] = v
			}
			for _, tagsKey := range []string{"tags", "tagsAll"} {
				tags, _ := props[tagsKey].(map[string]any)
				for _, t := range d.removeTags {
					delete(tags, t)
				}
			}
		}
	}
	if found != 1 {
		return fmt.Errorf("%s holds %d resources of type %s in stack %s; a drift changes exactly one", path, found, d.typ, stack)
	}
	out, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
