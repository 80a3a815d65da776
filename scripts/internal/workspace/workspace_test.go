package workspace

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/stacks"
)

func envOf(m map[string]string) Lookup {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestFromEnvDefaultsToALocalBackendInTheRepo(t *testing.T) {
	root := t.TempDir()
	s, err := FromEnv(root, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, StateDir)
	if s.BackendURL != "file://"+filepath.ToSlash(dir) || s.Kind != Local {
		t.Fatalf("backend = %q (%s), want file://%s (local)", s.BackendURL, s.Kind, dir)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("the state folder was not created: %v", err)
	}
	if !s.UsesPassphrase() {
		t.Fatal("the local default must use the passphrase provider")
	}
}

func TestFromEnvBackends(t *testing.T) {
	tests := []struct {
		url     string
		kind    Kind
		wantErr string
	}{
		{url: "s3://acme-pulumi-state/platform?region=eu-west-1", kind: S3},
		{url: "https://api.pulumi.com", kind: Cloud},
		{url: "file:///var/lib/pulumi", kind: Local},
		{url: "gs://bucket", kind: SelfManaged},
		{url: "ftp://host/state", wantErr: `PULUMI_BACKEND_URL="ftp://host/state": unknown scheme "ftp"`},
		{url: "my-bucket", wantErr: `PULUMI_BACKEND_URL="my-bucket" is not a backend URL`},
	}
	for _, tc := range tests {
		root := t.TempDir()
		s, err := FromEnv(root, envOf(map[string]string{EnvBackendURL: tc.url}))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: err = %v, want %q", tc.url, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if s.Kind != tc.kind || s.BackendURL != tc.url {
			t.Errorf("%s: got %q (%s), want kind %s", tc.url, s.BackendURL, s.Kind, tc.kind)
		}
		if _, err := os.Stat(filepath.Join(root, StateDir)); err == nil {
			t.Errorf("%s: the local state folder was created for another backend", tc.url)
		}
	}
}

func TestFromEnvSecretsProvider(t *testing.T) {
	tests := []struct {
		backend, provider string
		wantPassphrase    bool
		wantErr           string
	}{
		{backend: "", provider: "", wantPassphrase: true},
		{backend: "", provider: "default", wantPassphrase: true},
		{backend: "s3://b", provider: "", wantPassphrase: true},
		{backend: "s3://b", provider: "awskms://alias/pulumi-state", wantPassphrase: false},
		{backend: "https://api.pulumi.com", provider: "", wantPassphrase: false},
		{backend: "https://api.pulumi.com", provider: "passphrase", wantPassphrase: true},
		{backend: "", provider: "kms", wantErr: `PULUMI_SECRETS_PROVIDER="kms" is not a secrets provider`},
		{backend: "", provider: "awskms://", wantErr: "is not a secrets provider"},
		{backend: "", provider: "vault://x", wantErr: "allowed: passphrase, default, or a URL awskms://"},
	}
	for _, tc := range tests {
		env := map[string]string{EnvSecretsProvider: tc.provider}
		if tc.backend != "" {
			env[EnvBackendURL] = tc.backend
		}
		s, err := FromEnv(t.TempDir(), envOf(env))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err = %v, want %q", tc.provider, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q on %q: %v", tc.provider, tc.backend, err)
			continue
		}
		if got := s.UsesPassphrase(); got != tc.wantPassphrase {
			t.Errorf("%q on %q: UsesPassphrase = %t, want %t", tc.provider, tc.backend, got, tc.wantPassphrase)
		}
	}
}

func TestCheckPassphrase(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "pass")
	if err := os.WriteFile(full, []byte("correct horse\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tier    string
		env     map[string]string
		wantErr string
	}{
		{name: "dev, unset", tier: "dev", env: nil, wantErr: "set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (for dev any value will do"},
		{name: "dev, empty", tier: "dev", env: map[string]string{EnvPassphrase: ""}},
		{name: "dev, empty file", tier: "dev", env: map[string]string{EnvPassphraseFile: empty}},
		{name: "prod, unset", tier: "prod", env: nil, wantErr: "a prod stack needs the team's passphrase; the tool never picks one"},
		{name: "staging, unset", tier: "staging", env: nil, wantErr: "a staging stack needs the team's passphrase"},
		{name: "prod, empty", tier: "prod", env: map[string]string{EnvPassphrase: ""}, wantErr: "PULUMI_CONFIG_PASSPHRASE is set but empty"},
		{name: "prod, set", tier: "prod", env: map[string]string{EnvPassphrase: "s3cret"}},
		{name: "prod, file", tier: "prod", env: map[string]string{EnvPassphraseFile: full}},
		{name: "prod, empty file", tier: "prod", env: map[string]string{EnvPassphraseFile: empty}, wantErr: "PULUMI_CONFIG_PASSPHRASE_FILE=" + empty + " is empty"},
		{name: "prod, missing file", tier: "prod", env: map[string]string{EnvPassphraseFile: filepath.Join(dir, "nope")}, wantErr: "PULUMI_CONFIG_PASSPHRASE_FILE=" + filepath.Join(dir, "nope")},
		{name: "prod with KMS", tier: "prod", env: map[string]string{EnvSecretsProvider: "awskms://alias/pulumi-state"}},
		{name: "prod on Pulumi Cloud", tier: "prod", env: map[string]string{EnvBackendURL: "https://api.pulumi.com"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := FromEnv(t.TempDir(), envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			err = s.CheckPassphrase(tc.tier)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckPassphrase: %v", err)
			}
		})
	}
}

func TestEnvForTheCLI(t *testing.T) {
	s, err := FromEnv(t.TempDir(), envOf(map[string]string{EnvBackendURL: "s3://b", EnvPassphrase: "p"}))
	if err != nil {
		t.Fatal(err)
	}
	env := s.env()
	want := map[string]string{
		EnvBackendURL: "s3://b",
		EnvPassphrase: "p",
		"PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER": "true",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env[%s] = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env[EnvPassphraseFile]; ok {
		t.Error("an unset passphrase file was passed on")
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{EnvBackendURL: "s3://b", EnvSecretsProvider: "awskms://alias/k"}, "state s3://b (s3), secrets awskms://alias/k"},
		{map[string]string{EnvBackendURL: "https://api.pulumi.com"}, "state https://api.pulumi.com (cloud), secrets Pulumi Cloud"},
		{map[string]string{EnvBackendURL: "file:///x"}, "state file:///x (local), secrets passphrase"},
	}
	for _, tc := range tests {
		s, err := FromEnv(t.TempDir(), envOf(tc.env))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Describe(); got != tc.want {
			t.Errorf("Describe = %q, want %q", got, tc.want)
		}
	}
}

// project writes <root>/<name>/Pulumi.yaml pointing at the environments.
func project(t *testing.T, root, name, body string) {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStageCopiesTheStackFileAndNeverTouchesTheCommittedOne(t *testing.T) {
	root := t.TempDir()
	project(t, root, "network", "name: network\nruntime: go\nstackConfigDir: ../environments/network\nbackend:\n  url: file://elsewhere\n")
	file := filepath.Join(root, "environments", "network", "Pulumi.dev.yaml")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	committed := []byte("# comment kept\nconfig:\n  network:environment: dev\n  network:tier: dev\n")
	if err := os.WriteFile(file, committed, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := stacks.Load("network", file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	proj, err := Stage(root, dir, st)
	if err != nil {
		t.Fatalf("Stage: %v", err)
	}
	if proj.StackConfigDir != "" || proj.Backend != nil {
		t.Fatalf("project settings keep stackConfigDir %q / backend %v: the CLI would write to the repository or another backend", proj.StackConfigDir, proj.Backend)
	}
	if string(proj.Name) != "network" || proj.Runtime.Name() != "go" {
		t.Fatalf("project = %s (%s)", proj.Name, proj.Runtime.Name())
	}
	copied, err := os.ReadFile(filepath.Join(dir, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatalf("the stack file was not copied: %v", err)
	}
	if !bytes.Equal(copied, committed) {
		t.Fatalf("copy = %q, want %q", copied, committed)
	}
	// What the CLI does the first time a backend sees the stack.
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), append(copied, "encryptionsalt: v1:abc\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, committed) {
		t.Fatal("the committed stack file changed")
	}
}

func TestProjectSettingsErrors(t *testing.T) {
	root := t.TempDir()
	if _, err := ProjectSettings(root, "network"); err == nil || !strings.Contains(err.Error(), "read the network project settings") {
		t.Fatalf("missing Pulumi.yaml: err = %v", err)
	}
	project(t, root, "database", "name: db\nruntime: go\n")
	if _, err := ProjectSettings(root, "database"); err == nil || !strings.Contains(err.Error(), `name is "db", want "database"`) {
		t.Fatalf("misnamed project: err = %v", err)
	}
}

// The committed project files load and point at the environments folder.
func TestCommittedProjectSettings(t *testing.T) {
	root, err := stacks.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"network", "database"} {
		proj, err := ProjectSettings(root, p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if string(proj.Name) != p {
			t.Fatalf("%s: name %q", p, proj.Name)
		}
	}
}

func TestCommandNeedsThePinnedCLI(t *testing.T) {
	s, err := FromEnv(t.TempDir(), envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Command()
	if err == nil || !strings.Contains(err.Error(), "the pinned Pulumi CLI "+filepath.Join(s.Root, "bin", "pulumi")+" is missing: run `make tools`") {
		t.Fatalf("err = %v", err)
	}
}

func TestCountResources(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{``, 0},
		{`{"manifest":{}}`, 0},
		{`{"resources":[{"urn":"a"},{"urn":"b"}]}`, 2},
	}
	for _, tc := range tests {
		got, err := CountResources(json.RawMessage(tc.in))
		if err != nil || got != tc.want {
			t.Errorf("CountResources(%s) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	if _, err := CountResources(json.RawMessage(`[`)); err == nil {
		t.Error("a broken deployment was counted")
	}
}

func TestWorkspaceRecord(t *testing.T) {
	// The CLI names it after the sha1 of the project file's path.
	got := workspaceRecord(envOf(map[string]string{"PULUMI_HOME": "/home/ci/.pulumi"}), "/tmp/wsx.OY3V", "network")
	want := "/home/ci/.pulumi/workspaces/network-04d1f2f84ec1a756d273a62bdbf13db58cc771ce-workspace.json"
	if got != want {
		t.Fatalf("workspaceRecord = %q, want %q", got, want)
	}
	dir := t.TempDir()
	record := filepath.Join(dir, "record.json")
	if err := os.WriteFile(record, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := (&Stack{dir: work, record: record}).Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, p := range []string{record, work} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s survived Close: %v", p, err)
		}
	}
	if err := (&Stack{dir: work, record: record}).Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
}
