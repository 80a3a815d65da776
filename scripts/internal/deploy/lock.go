package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Locks: a self-managed (diy) backend takes a lock per stack for every
// `up`, `refresh`, `destroy` and `import`: a file
// .pulumi/locks/<organization>/<project>/<stack>/<lock ID>.json holding the
// holder's pid, username, hostname and start time, deleted when the
// operation ends (pulumi pkg v3.274.1, backend/diy/lock.go: lockContent,
// stackLockDir, lockPath; the organization of a diy backend is
// "organization"). A run killed before it ends leaves the file, and every
// later run of the stack fails on it ("the stack is currently locked by 1
// lock(s)") until `pulumi cancel` deletes every lock file of the stack
// (backend/diy/backend.go, CancelCurrentUpdate).

// LockHolder is one lock file of a stack and what it says of its holder.
type LockHolder struct {
	// File is the lock file's path (or URL) on the backend; Key its key in
	// the backend's bucket.
	File, Key string
	PID       int       `json:"pid"`
	Username  string    `json:"username"`
	Hostname  string    `json:"hostname"`
	Timestamp time.Time `json:"timestamp"`
}

func (h LockHolder) String() string {
	return fmt.Sprintf("pulumi pid %d of %s@%s, started %s", h.PID, h.Username, h.Hostname, h.Timestamp.UTC().Format(time.RFC3339))
}

// diyOrganization is the one organization of a self-managed backend.
const diyOrganization = "organization"

// fileBackendDir is the folder of a file:// backend URL, or "" for any other
// backend.
func fileBackendDir(backendURL string) string {
	u, err := url.Parse(backendURL)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	p := u.Path
	if u.Host != "" && u.Host != "localhost" {
		p = u.Host + p
	}
	if p == "" {
		return ""
	}
	return filepath.FromSlash(p)
}

// LockDir is the folder of a stack's lock files on a file:// backend.
func LockDir(backendDir, project, stack string) string {
	return filepath.Join(backendDir, filepath.FromSlash(lockPrefix(project, stack)))
}

// lockPrefix is the key prefix of a stack's lock files in the backend's
// bucket (backend/diy/lock.go, stackLockDir: .pulumi/locks/<org>/<project>/<stack>).
func lockPrefix(project, stack string) string {
	return path.Join(".pulumi", "locks", diyOrganization, project, stack) + "/"
}

// ReadLocks reads the lock files of a stack in the backend's bucket. A lock
// file that cannot be read or decoded is returned with only File and Key
// set: its holder is unknown.
func ReadLocks(ctx context.Context, b *Backend, project, stack string) ([]LockHolder, error) {
	objs, err := listKeys(ctx, b.Bucket, lockPrefix(project, stack))
	if err != nil {
		return nil, fmt.Errorf("read the lock folder %s: %w", b.Where(lockPrefix(project, stack)), err)
	}
	var out []LockHolder
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, ".json") {
			continue
		}
		h := LockHolder{}
		data, err := b.Bucket.ReadAll(ctx, o.Key)
		if isNotFound(err) {
			continue // released meanwhile
		}
		if err == nil {
			err = json.Unmarshal(data, &h)
		}
		if err != nil {
			h = LockHolder{}
		}
		h.File, h.Key = b.Where(o.Key), o.Key
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Liveness says whether a lock's holder still runs.
type Liveness string

// The answers.
const (
	// HolderAlive: the holder's process runs on this host and started
	// before the lock was taken.
	HolderAlive Liveness = "alive"
	// HolderGone: the holder ran on this host and its process is gone (or
	// the pid now belongs to a process started after the lock).
	HolderGone Liveness = "gone"
	// HolderUnknown: the holder ran on another host (or the lock file
	// cannot be read); this host cannot tell.
	HolderUnknown Liveness = "unknown"
	// HolderStale: the holder ran on another host and the heartbeat of
	// its run stopped more than StaleAfter ago (lease.go).
	HolderStale Liveness = "stale"
)

// Processes answers about processes of this host.
type Processes interface {
	// Hostname is this host's name, as the CLI records it (os.Hostname).
	Hostname() (string, error)
	// Started returns when a process started; running is false when no
	// process has that pid.
	Started(pid int) (started time.Time, running bool, err error)
}

// startSlack absorbs the clock ticks between a process starting and the
// lock it takes: a process that started more than this after the lock's
// time cannot be its holder.
const startSlack = 2 * time.Second

// Check says whether a lock's holder still runs, with the evidence.
func (h LockHolder) Check(p Processes) (Liveness, string) {
	if h.PID == 0 || h.Hostname == "" {
		return HolderUnknown, "the lock file names no holder"
	}
	host, err := p.Hostname()
	if err != nil {
		return HolderUnknown, fmt.Sprintf("this host's name is unknown: %v", err)
	}
	if host != h.Hostname {
		return HolderUnknown, fmt.Sprintf("the holder ran on host %s, not this one (%s), so whether it still runs cannot be checked here", h.Hostname, host)
	}
	started, running, err := p.Started(h.PID)
	switch {
	case err != nil:
		return HolderUnknown, fmt.Sprintf("checking pid %d on this host failed: %v", h.PID, err)
	case !running:
		return HolderGone, fmt.Sprintf("no process has pid %d on this host (%s)", h.PID, host)
	case started.After(h.Timestamp.Add(startSlack)):
		return HolderGone, fmt.Sprintf("pid %d on this host belongs to a process started %s, after the lock was taken: the holder is gone and its pid was reused",
			h.PID, started.UTC().Format(time.RFC3339))
	default:
		return HolderAlive, fmt.Sprintf("pid %d still runs on this host (%s), started %s", h.PID, host, started.UTC().Format(time.RFC3339))
	}
}

// LockedError is a stack held by another run.
type LockedError struct {
	Project, Stack string
	Holders        []LockHolder
	Evidence       []string
	// Manual is the step that releases the lock once a person knows the
	// holder is gone; empty while it runs.
	Manual string
}

func (e *LockedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s/%s is locked by another run; nothing was changed", e.Project, e.Stack)
	for i, h := range e.Holders {
		fmt.Fprintf(&b, "\n  - %s (lock %s): %s", h, h.File, e.Evidence[i])
	}
	if e.Manual != "" {
		b.WriteString("\n  " + e.Manual)
	} else {
		b.WriteString("\n  wait for it to finish, then run again")
	}
	return b.String()
}

// CheckLocks decides about a stack's locks in the backend's bucket before
// a run that writes state: no lock, go on; every holder gone (a run of this
// host killed without releasing its lock, or a run of another host whose
// heartbeat stopped more than StaleAfter ago), take the locks over and say
// so with the evidence; a holder alive, or one that cannot be checked (of
// another host, with no heartbeat record claiming its lock), is a
// *LockedError naming it, at once, before anything runs.
func CheckLocks(ctx context.Context, b *Backend, project, stack string, p Processes, now time.Time) (takenOver []string, err error) {
	holders, err := ReadLocks(ctx, b, project, stack)
	if err != nil || len(holders) == 0 {
		return nil, err
	}
	var records []beatRecord
	evidence := make([]string, len(holders))
	claims := make([]*beatRecord, len(holders))
	blocked, unknown := false, false
	for i, h := range holders {
		live, why := h.Check(p)
		if live == HolderUnknown && h.PID != 0 && h.Hostname != "" {
			if records == nil {
				if records, err = readHeartbeats(ctx, b, project, stack); err != nil {
					return nil, fmt.Errorf("read the heartbeats of %s/%s: %w", project, stack, err)
				}
			}
			if rec := covering(records, h.Key); rec != nil {
				claims[i] = rec
				var beat string
				live, beat = rec.judge(now)
				why += "; " + beat
			} else {
				why += "; and no deploy run's heartbeat claims that lock (a run of the pulumi CLI by hand, or one killed before its heartbeat claimed the lock)"
			}
		}
		evidence[i] = string(live) + ": " + why
		blocked = blocked || (live != HolderGone && live != HolderStale)
		unknown = unknown || live == HolderUnknown
	}
	if blocked {
		le := &LockedError{Project: project, Stack: stack, Holders: holders, Evidence: evidence}
		if unknown {
			le.Manual = fmt.Sprintf("if that run is over (its job cancelled, its runner lost), release the lock by removing %s "+
				"(what `pulumi cancel` does on this backend), then run again", b.Where(lockPrefix(project, stack)))
		}
		return nil, le
	}
	host, _ := p.Hostname()
	taker := fmt.Sprintf("deploy pid %d on %s at %s", os.Getpid(), host, now.UTC().Format(time.RFC3339))
	for i, h := range holders {
		if claims[i] != nil {
			if err := takeOver(ctx, b, project, stack, h, *claims[i], taker); err != nil {
				return takenOver, err
			}
		} else {
			if err := b.Bucket.Delete(ctx, h.Key); err != nil && !isNotFound(err) {
				return takenOver, fmt.Errorf("take over the stale lock %s: %w", h.File, err)
			}
			forgetClaims(ctx, b, project, stack, h.Key)
		}
		takenOver = append(takenOver, fmt.Sprintf("took over the lock %s left by %s: %s", h.File, h, evidence[i]))
	}
	return takenOver, nil
}

// hostProcesses is Processes of this host, read from /proc (Linux).
type hostProcesses struct{}

func (hostProcesses) Hostname() (string, error) { return os.Hostname() }

// Started reads a process's start time: field 22 of /proc/<pid>/stat,
// clock ticks since boot (proc(5); /proc reports them in USER_HZ, 100 per
// second), plus the boot time (btime in /proc/stat). Without /proc it
// answers only whether the pid runs (kill(pid, 0)) and reports the start
// as unknown (zero time: never after the lock).
func (hostProcesses) Started(pid int) (time.Time, bool, error) {
	if pid <= 0 {
		return time.Time{}, false, nil
	}
	data, err := os.ReadFile(path.Join("/proc", strconv.Itoa(pid), "stat"))
	if errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Stat("/proc/self/stat"); statErr == nil {
			return time.Time{}, false, nil
		}
		err := syscall.Kill(pid, 0)
		switch {
		case errors.Is(err, syscall.ESRCH):
			return time.Time{}, false, nil
		case err == nil || errors.Is(err, syscall.EPERM):
			return time.Time{}, true, nil
		default:
			return time.Time{}, false, err
		}
	}
	if err != nil {
		return time.Time{}, false, err
	}
	s := string(data)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return time.Time{}, false, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := strings.Fields(s[end+1:])
	// After "pid (comm)" the fields start at 3 (state); starttime is 22.
	if len(fields) < 20 {
		return time.Time{}, false, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	if fields[0] == "Z" || fields[0] == "X" {
		// A zombie or dead process holds nothing.
		return time.Time{}, false, nil
	}
	ticks, err := strconv.ParseInt(fields[19], 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("/proc/%d/stat starttime: %w", pid, err)
	}
	boot, err := bootTime()
	if err != nil {
		return time.Time{}, false, err
	}
	const userHZ = 100
	return boot.Add(time.Duration(ticks) * time.Second / userHZ), true, nil
}

func bootTime() (time.Time, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			sec, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("/proc/stat btime: %w", err)
			}
			return time.Unix(sec, 0), nil
		}
	}
	return time.Time{}, errors.New("/proc/stat has no btime")
}
