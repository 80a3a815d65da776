package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRootPrefersTheGivenFolder(t *testing.T) {
	got, err := Root("/given")
	if err != nil || got != "/given" {
		t.Fatalf("Root(/given) = %q, %v", got, err)
	}
}

func TestRootFindsGoWorkAboveTheWorkingDirectory(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.work"), []byte("go 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	got, err := Root("")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(root)
	if g, _ := filepath.EvalSymlinks(got); g != want {
		t.Errorf("root %q, want %q", got, root)
	}
}

func TestRootOutsideARepositoryIsAnError(t *testing.T) {
	t.Chdir(t.TempDir())
	if _, err := Root(""); err == nil || !strings.Contains(err.Error(), "go.work") {
		t.Fatalf("err = %v, want one naming go.work", err)
	}
}
