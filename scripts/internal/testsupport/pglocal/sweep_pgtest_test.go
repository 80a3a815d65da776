//go:build pgtest

package pglocal_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// TestSweepStopsTheServersOfADeadRun plays a test binary killed before its
// Cleanup: its cluster's owner is dead and its server still runs. The next
// sweep must stop the server and remove the directory.
func TestSweepStopsTheServersOfADeadRun(t *testing.T) {
	// A private temp directory: a parallel test binary's New must not
	// sweep this test's cluster before the test does.
	privateTmp(t)
	c := pglocal.ForTest(t) // its Cleanup is the safety net if the sweep fails
	primary, err := c.StartPrimary("primary", nil)
	if err != nil {
		t.Fatal(err)
	}
	pid := primary.PID()
	if pid == 0 || !pglocal.Alive(pid) {
		t.Fatalf("primary PID %d is not running", pid)
	}
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.Dir, "owner"), []byte(strconv.Itoa(gone.Process.Pid)+" 1 "+ns+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	swept, err := pglocal.SweepStale()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(swept, c.Dir) {
		t.Errorf("SweepStale swept %v, not the dead run's %s", swept, c.Dir)
	}
	if pglocal.Alive(pid) {
		t.Errorf("the dead run's server (PID %d) still runs after the sweep", pid)
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("the dead run's directory %s is still there (err %v)", c.Dir, err)
	}
}

// A cluster whose owner runs (this test binary's own) is never swept.
func TestSweepLeavesLiveRunsAlone(t *testing.T) {
	c := pglocal.ForTest(t)
	primary, err := c.StartPrimary("primary", nil)
	if err != nil {
		t.Fatal(err)
	}
	swept, err := pglocal.SweepStale()
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(swept, c.Dir) {
		t.Fatalf("SweepStale swept the live cluster %s", c.Dir)
	}
	if !pglocal.Alive(primary.PID()) {
		t.Fatal("the live cluster's server was stopped")
	}
}

// privateTmp points TMPDIR at a fresh directory the postgres user can
// traverse, for the rest of the test.
func privateTmp(t *testing.T) {
	t.Helper()
	dir, err := os.MkdirTemp("", "pglocal-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	t.Setenv("TMPDIR", dir)
}
