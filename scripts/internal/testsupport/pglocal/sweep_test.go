package pglocal

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// deadPID returns the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func mkCluster(t *testing.T, tmp, name, owner string) string {
	t.Helper()
	dir := filepath.Join(tmp, clusterPrefix+name)
	if err := os.MkdirAll(filepath.Join(dir, "primary"), 0o755); err != nil {
		t.Fatal(err)
	}
	if owner != "" {
		if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSweepStaleRemovesOnlyClustersOfDeadOwners(t *testing.T) {
	tmp := t.TempDir()
	self := strconv.Itoa(os.Getpid())
	start, err := procStart(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ns := " " + pidNamespace() + "\n"
	dead := mkCluster(t, tmp, "dead", strconv.Itoa(deadPID(t))+" 1"+ns)
	// Our PID with another start time: the PID was reused, the owner died.
	reused := mkCluster(t, tmp, "reused", self+" 1"+ns)
	live := mkCluster(t, tmp, "live", self+" "+start+ns)
	noOwner := mkCluster(t, tmp, "new", "")
	garbled := mkCluster(t, tmp, "garbled", "not a pid\n")
	// A two-field owner file of an older version, or a cut-off one.
	short := mkCluster(t, tmp, "short", strconv.Itoa(deadPID(t))+" 1\n")
	// Written in another PID namespace (a container sharing /tmp): its PID
	// means nothing here.
	foreign := mkCluster(t, tmp, "foreign", strconv.Itoa(deadPID(t))+" 1 pid:[1]\n")
	other := filepath.Join(tmp, "other-dir")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}

	swept, err := sweepStale(tmp)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(swept)
	if want := []string{dead, reused}; !slices.Equal(swept, want) {
		t.Errorf("swept %v, want %v", swept, want)
	}
	for _, d := range []string{dead, reused} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s still exists (err %v)", d, err)
		}
	}
	for _, d := range []string{live, noOwner, garbled, short, foreign, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s was removed: %v", d, err)
		}
	}
}

// A postmaster.pid of a stale cluster may name a PID that now belongs to
// some other process; that process must survive the sweep.
func TestSweepStaleNeverKillsWhatIsNotItsServer(t *testing.T) {
	tmp := t.TempDir()
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })

	dir := mkCluster(t, tmp, "stale", strconv.Itoa(deadPID(t))+" 1 "+pidNamespace()+"\n")
	data := filepath.Join(dir, "primary")
	pidFile := strconv.Itoa(sleeper.Process.Pid) + "\n" + data + "\n1700000000\n5432\n"
	if err := os.WriteFile(filepath.Join(data, "postmaster.pid"), []byte(pidFile), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sweepStale(tmp); err != nil {
		t.Fatal(err)
	}
	if !Alive(sleeper.Process.Pid) {
		t.Fatal("the sweep killed a process that was not a postgres of the stale cluster")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("stale cluster %s not removed (err %v)", dir, err)
	}
}

func TestReadPidFile(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content string
		pid           int
		data          string
		ok            bool
	}{
		{"postgres layout", "4242\n/tmp/pglocal-1/primary\n1700000000\n5432\n\n127.0.0.1\n", 4242, "/tmp/pglocal-1/primary", true},
		{"one line", "4242\n", 0, "", false},
		{"not a pid", "abc\n/tmp/x\n", 0, "", false},
		{"zero", "0\n/tmp/x\n", 0, "", false},
		{"empty", "", 0, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			if err := os.WriteFile(p, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			pid, data, ok := readPidFile(p)
			if pid != c.pid || data != c.data || ok != c.ok {
				t.Errorf("readPidFile = %d, %q, %v; want %d, %q, %v", pid, data, ok, c.pid, c.data, c.ok)
			}
		})
	}
}
