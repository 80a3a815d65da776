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

// pidNamespace names this process's PID namespace: a PID recorded in
// another one (a container sharing /tmp) means nothing here.
func pidNamespace() string {
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return "unknown"
	}
	return ns
}

// writeOwner records this process as the owner of cluster directory dir,
// atomically, so that a reader never sees half an owner.
func writeOwner(dir string) error {
	start, err := procStart(os.Getpid())
	if err != nil {
		return fmt.Errorf("record the cluster's owner: %w", err)
	}
	tmp := filepath.Join(dir, ownerFile+".tmp")
	body := strconv.Itoa(os.Getpid()) + " " + start + " " + pidNamespace() + "\n"
	if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
		return fmt.Errorf("record the cluster's owner: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, ownerFile)); err != nil {
		return fmt.Errorf("record the cluster's owner: %w", err)
	}
	return nil
}

// ownerAlive reports whether the process that made cluster directory dir
// may still run. Only a directory whose owner file is whole, written in
// this PID namespace, and whose PID now runs another process (or none)
// counts as dead; anything else, including a directory without an owner
// file (one a New elsewhere has just made), is left alone. Liveness comes
// from /proc, which any user can read, never from kill(pid, 0), which fails
// for another user's live process.
func ownerAlive(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		return true
	}
	f := strings.Fields(string(b))
	if len(f) != 3 || f[2] != pidNamespace() {
		return true
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return true
	}
	start, err := procStart(pid)
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist) // gone: dead; unreadable: unsure
	}
	return start == f[1]
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
// the process it names is signalled only if it is a postgres started on
// that directory (its command line) and working in it (its cwd). A live
// postgres that fails those checks is an error, and dir is then kept.
// Every signal goes to a process whose start time is checked just before.
func stopStale(dir string) error {
	var errs []error
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "postmaster.pid" {
			return nil
		}
		pid, dataDir, ok := readPidFile(path)
		if !ok || !Alive(pid) || !isPostgres(pid) {
			return nil // no server, or the PID now belongs to something else
		}
		if dataDir != filepath.Dir(path) || !servesDir(pid, dataDir) {
			errs = append(errs, fmt.Errorf("stale cluster %s: postgres %d does not look like the server of %s; left alone", dir, pid, filepath.Dir(path)))
			return nil
		}
		procs := []proc{{pid, startOf(pid)}}
		for _, k := range children(pid) {
			procs = append(procs, proc{k, startOf(k)})
		}
		// SIGQUIT is PostgreSQL's immediate shutdown; SIGKILL what remains.
		procs[0].signal(syscall.SIGQUIT)
		for _, p := range procs {
			if !waitGone(p.pid, 5*time.Second) {
				p.signal(syscall.SIGKILL)
				if !waitGone(p.pid, 2*time.Second) && p.same() {
					errs = append(errs, fmt.Errorf("stale server %d of %s is still running", p.pid, dataDir))
				}
			}
		}
		return nil
	})
	return errors.Join(errs...)
}

// proc is a process as first seen: its PID and start time.
type proc struct {
	pid   int
	start string
}

func startOf(pid int) string {
	s, _ := procStart(pid)
	return s
}

// same reports whether p's PID still names the process first seen.
func (p proc) same() bool {
	s, err := procStart(p.pid)
	return err == nil && p.start != "" && s == p.start
}

// signal sends sig to p only if its PID still names the same process.
func (p proc) signal(sig syscall.Signal) {
	if p.same() {
		_ = syscall.Kill(p.pid, sig)
	}
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

// isPostgres reports whether process pid runs the postgres binary.
func isPostgres(pid int) bool {
	args := cmdline(pid)
	return len(args) > 0 && filepath.Base(args[0]) == "postgres"
}

func cmdline(pid int) []string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
}

// servesDir reports whether process pid was started on dataDir (pg_ctl
// passes -D <dataDir>) and works in it (the postmaster changes into its
// data directory).
func servesDir(pid int, dataDir string) bool {
	args := cmdline(pid)
	named := false
	for _, a := range args[min(1, len(args)):] {
		named = named || a == dataDir
	}
	if !named {
		return false
	}
	cwd, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid), "cwd"))
	if err != nil {
		return false
	}
	dd, err := os.Stat(dataDir)
	return err == nil && os.SameFile(cwd, dd)
}
