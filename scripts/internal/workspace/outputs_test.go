package workspace

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStackOutputsNeedsProjectFolder(t *testing.T) {
	_, err := StackOutputs{Root: t.TempDir()}.Outputs(context.Background(), "database", "orders-dev")
	if err == nil || !strings.Contains(err.Error(), "no Pulumi.yaml") || !strings.Contains(err.Error(), "--outputs") {
		t.Errorf("error %v, want one about the missing Pulumi.yaml that suggests --outputs", err)
	}
}

func TestStackOutputsBackendURL(t *testing.T) {
	t.Setenv("PULUMI_BACKEND_URL", "")
	if got := (StackOutputs{Root: "/repo"}).BackendURL(); got != "file:///repo/.pulumi-state" {
		t.Errorf("default = %q", got)
	}
	t.Setenv("PULUMI_BACKEND_URL", "s3://state")
	if got := (StackOutputs{Root: "/repo"}).BackendURL(); got != "s3://state" {
		t.Errorf("from env = %q", got)
	}
	if got := (StackOutputs{Root: "/repo", URL: "file:///x"}).BackendURL(); got != "file:///x" {
		t.Errorf("explicit = %q", got)
	}
}

func TestStackOutputsWithoutState(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "database"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "database", "Pulumi.yaml"), []byte("name: database\nruntime: go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := StackOutputs{Root: root, URL: "file://" + filepath.Join(root, ".pulumi-state")}.Outputs(context.Background(), "database", "orders-dev")
	if err == nil || !strings.Contains(err.Error(), "no Pulumi state at "+filepath.Join(root, ".pulumi-state")) {
		t.Errorf("error %v, want one naming the missing state folder", err)
	}
}
