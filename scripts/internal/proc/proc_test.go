package proc

import (
	"os"
	"os/exec"
	"testing"
)

// TestChildrenListsAStartedChildWithItsCommand fails if a child this test
// starts is missing, or listed with another parent or command name.
func TestChildrenListsAStartedChildWithItsCommand(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ps, err := Children(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Pid == cmd.Process.Pid {
			if p.Comm != "sleep" || p.PPid != os.Getpid() {
				t.Errorf("listed as %+v", p)
			}
			return
		}
	}
	t.Errorf("children of %d %v lack the sleep %d", os.Getpid(), ps, cmd.Process.Pid)
}
