package pglocal

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ownerFile, in a cluster directory, names the process that made it: its PID
// and its start time in clock ticks since boot (/proc/<pid>/stat field 22),
// so that a PID the kernel has since given to another process does not
// count as the owner.
const ownerFile = "owner"

// clusterPrefix starts the name of every cluster directory under the system
// temp directory.
const clusterPrefix = "pglocal-"

// procStart returns the start time of process pid in clock ticks since boot.
func procStart(pid int) (string, error) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", err
	}
	// The command name, in parentheses, may hold spaces; fields count from
	// the last ')'.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return "", fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	// f[0] is field 3 (state); start time is field 22.
	if len(f) < 20 {
		return "", fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	return f[19], nil
}

// writeOwner records this process as the owner of cluster directory dir.
func writeOwner(dir string) error {
	start, err := procStart(os.Getpid())
	if err != nil {
		return fmt.Errorf("record the cluster's owner: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+" "+start+"\n"), 0o644); err != nil {
		return fmt.Errorf("record the cluster's owner: %w", err)
	}
	return nil
}

// ownerAlive reports whether the process that made cluster directory dir
// still runs. A directory without a readable owner file counts as owned
// (it may be one a New elsewhere has just made), so it is never swept.
func ownerAlive(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return true
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return true
	}
	start, err := procStart(pid)
	return err == nil && start == f[1] && Alive(pid)
}

// SweepStale stops the servers of cluster directories whose owner has died
// without its Cleanup (a test binary killed by go test -timeout, say) and
// removes those directories. New calls it, so the next run of the tests
// clears what an interrupted one left. It returns the directories removed.
func SweepStale() ([]string, error) {
	return sweepStale(os.TempDir())
}

func sweepStale(tmp string) ([]string, error) {
	dirs, err := filepath.Glob(filepath.Join(tmp, clusterPrefix+"*"))
	if err != nil {
		return nil, err
	}
	var swept []string
	var errs []error
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || ownerAlive(dir) {
			continue
		}
		if err := stopStale(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("remove stale cluster %s: %w", dir, err))
			continue
		}
		swept = append(swept, dir)
	}
	return swept, errors.Join(errs...)
}

// stopStale kills the postmaster of every data directory in dir, with its
// children. A postmaster.pid names its data directory on its second line;
// a PID whose process does not serve that directory is left alone.
func stopStale(dir string) error {
	var errs []error
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "postmaster.pid" {
			return nil
		}
		pid, dataDir, ok := readPidFile(path)
		if !ok || dataDir != filepath.Dir(path) || !Alive(pid) || !servesDir(pid, dataDir) {
			return nil
		}
		kids := children(pid)
		// SIGQUIT is PostgreSQL's immediate shutdown; SIGKILL what remains.
		_ = syscall.Kill(pid, syscall.SIGQUIT)
		if !waitGone(pid, 5*time.Second) {
			killTree(pid)
		}
		for _, p := range append(kids, pid) {
			if !waitGone(p, 2*time.Second) {
				_ = syscall.Kill(p, syscall.SIGKILL)
				if !waitGone(p, 2*time.Second) {
					errs = append(errs, fmt.Errorf("stale server %d of %s is still running", p, dataDir))
				}
			}
		}
		return nil
	})
	return errors.Join(errs...)
}

// readPidFile reads the PID and data directory of a postmaster.pid.
func readPidFile(path string) (pid int, dataDir string, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if len(lines) < 2 {
		return 0, "", false
	}
	pid, err = strconv.Atoi(lines[0])
	if err != nil || pid <= 0 {
		return 0, "", false
	}
	return pid, lines[1], true
}

// servesDir reports whether process pid is a postgres whose command line
// names dataDir (pg_ctl starts it with -D <dataDir>).
func servesDir(pid int, dataDir string) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return false
	}
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if len(args) == 0 || filepath.Base(args[0]) != "postgres" {
		return false
	}
	for _, a := range args[1:] {
		if a == dataDir {
			return true
		}
	}
	return false
}
