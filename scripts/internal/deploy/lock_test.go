package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeProcs is a host with a name and a table of running pids.
type fakeProcs struct {
	host    string
	started map[int]time.Time
	err     error
}

func (f fakeProcs) Hostname() (string, error) { return f.host, nil }
func (f fakeProcs) Started(pid int) (time.Time, bool, error) {
	if f.err != nil {
		return time.Time{}, false, f.err
	}
	t, ok := f.started[pid]
	return t, ok, nil
}

var lockTime = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

// writeLock writes a lock file the way the CLI does (backend/diy/lock.go).
func writeLock(t *testing.T, backend, project, stack, id string, pid int, host string) string {
	t.Helper()
	dir := LockDir(backend, project, stack)
	require.NoError(t, os.MkdirAll(dir, 0o700))
	data, err := json.Marshal(map[string]any{"pid": pid, "username": "runner", "hostname": host, "timestamp": lockTime})
	require.NoError(t, err)
	file := filepath.Join(dir, id+".json")
	require.NoError(t, os.WriteFile(file, data, 0o600))
	return file
}

func TestCheckLocksWithoutALockGoesOn(t *testing.T) {
	taken, err := checkLocksIn(t, t.TempDir(), "database", "orders-dev", fakeProcs{host: "h"})
	require.NoError(t, err)
	assert.Empty(t, taken)
}

func TestCheckLocksFailsFastNamingALiveHolder(t *testing.T) {
	backend := t.TempDir()
	file := writeLock(t, backend, "database", "orders-dev", "abc", 4242, "runner-1")
	_, err := checkLocksIn(t, backend, "database", "orders-dev", fakeProcs{host: "runner-1", started: map[int]time.Time{4242: lockTime.Add(-time.Second)}})
	var locked *LockedError
	require.ErrorAs(t, err, &locked)
	msg := err.Error()
	assert.Contains(t, msg, "database/orders-dev is locked by another run; nothing was changed")
	assert.Contains(t, msg, "pulumi pid 4242 of runner@runner-1, started 2026-12-02T08:00:00Z")
	assert.Contains(t, msg, "alive: pid 4242 still runs on this host")
	assert.Contains(t, msg, "wait for it to finish")
	assert.FileExists(t, file, "a live holder's lock is never touched")
}

func TestCheckLocksTakesOverTheLockOfAHolderThatIsGone(t *testing.T) {
	backend := t.TempDir()
	dead := writeLock(t, backend, "database", "orders-dev", "abc", 4242, "runner-1")
	reused := writeLock(t, backend, "database", "orders-dev", "def", 77, "runner-1")
	other := writeLock(t, backend, "database", "payments-dev", "ghi", 4242, "runner-1")
	procs := fakeProcs{host: "runner-1", started: map[int]time.Time{77: lockTime.Add(time.Minute)}}
	taken, err := checkLocksIn(t, backend, "database", "orders-dev", procs)
	require.NoError(t, err)
	require.Len(t, taken, 2)
	assert.Contains(t, taken[0], "took over the lock "+dead)
	assert.Contains(t, taken[0], "no process has pid 4242 on this host")
	assert.Contains(t, taken[1], "belongs to a process started 2026-12-02T08:01:00Z, after the lock was taken")
	assert.NoFileExists(t, dead)
	assert.NoFileExists(t, reused)
	assert.FileExists(t, other, "another stack's lock is left alone")
}

func TestCheckLocksStopsOnAHolderItCannotCheck(t *testing.T) {
	backend := t.TempDir()
	file := writeLock(t, backend, "network", "dev", "abc", 4242, "runner-9")
	for name, procs := range map[string]fakeProcs{
		"another host":     {host: "runner-1"},
		"the check failed": {host: "runner-9", err: errors.New("permission denied")},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := checkLocksIn(t, backend, "network", "dev", procs)
			var locked *LockedError
			require.ErrorAs(t, err, &locked)
			assert.Contains(t, err.Error(), "unknown: ")
			assert.Contains(t, err.Error(), "release the lock by removing "+LockDir(backend, "network", "dev"))
			assert.FileExists(t, file)
		})
	}
	// A dead holder beside one that cannot be checked: nothing is taken.
	dead := writeLock(t, backend, "network", "dev", "def", 5, "runner-1")
	_, err := checkLocksIn(t, backend, "network", "dev", fakeProcs{host: "runner-1"})
	require.Error(t, err)
	assert.FileExists(t, dead)
}

func TestHostProcessesKnowsThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	started, running, err := hostProcesses{}.Started(os.Getpid())
	require.NoError(t, err)
	assert.True(t, running)
	assert.WithinDuration(t, time.Now(), started, 10*time.Minute, "this test process started minutes ago at most")
	_, running, err = hostProcesses{}.Started(1 << 30)
	require.NoError(t, err)
	assert.False(t, running, "no process has that pid")
}

func TestFileBackendDir(t *testing.T) {
	assert.Equal(t, "/var/state", fileBackendDir("file:///var/state"))
	assert.Equal(t, "", fileBackendDir("s3://bucket/prefix"))
	assert.Equal(t, "", fileBackendDir("https://api.pulumi.com"))
}

// checkLocksIn runs CheckLocks on a file:// backend in dir, at lockTime
// plus an hour.
func checkLocksIn(t *testing.T, dir, project, stack string, procs Processes) ([]string, error) {
	t.Helper()
	b, err := OpenBackend(context.Background(), "file://"+dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	return CheckLocks(context.Background(), b, project, stack, procs, lockTime.Add(time.Hour))
}
