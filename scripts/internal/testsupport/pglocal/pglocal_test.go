package pglocal

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestBinDirOverrideMustHoldPgCtl(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PGLOCAL_BINDIR", dir)
	_, err := BinDir()
	if err == nil || !strings.Contains(err.Error(), "PGLOCAL_BINDIR") {
		t.Fatalf("BinDir with an empty PGLOCAL_BINDIR: err = %v, want one naming PGLOCAL_BINDIR", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pg_ctl"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := BinDir()
	if err != nil || got != dir {
		t.Fatalf("BinDir = %q, %v; want %q", got, err, dir)
	}
}

func TestChildrenAndAlive(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	found := false
	for _, c := range children(os.Getpid()) {
		found = found || c == pid
	}
	if !found {
		t.Fatalf("children(%d) does not list the sleep process %d", os.Getpid(), pid)
	}
	if !Alive(pid) {
		t.Fatalf("Alive(%d) = false for a running process", pid)
	}
	killTree(pid)
	// Not yet reaped: a zombie counts as gone.
	if !waitGone(pid, 5e9) {
		t.Fatalf("process %d still alive after killTree", pid)
	}
	_ = cmd.Wait()
}
