package deploy

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

// memBackend is a shared backend held in memory, read and written through
// the same blob interface as an S3 bucket.
func memBackend(t *testing.T) *Backend {
	t.Helper()
	b := memblob.OpenBucket(nil)
	t.Cleanup(func() { _ = b.Close() })
	return &Backend{Bucket: b, URL: "s3://acme-state/platform"}
}

// putLock writes a CLI lock file into a bucket as backend/diy/lock.go does.
func putLock(t *testing.T, b *Backend, project, stack, id string, pid int, host string, at time.Time) string {
	t.Helper()
	data, err := json.Marshal(map[string]any{"pid": pid, "username": "runner", "hostname": host, "timestamp": at})
	require.NoError(t, err)
	key := lockPrefix(project, stack) + id + ".json"
	require.NoError(t, b.Bucket.WriteAll(context.Background(), key, data, nil))
	return key
}

func exists(t *testing.T, b *Backend, key string) bool {
	t.Helper()
	ok, err := b.Bucket.Exists(context.Background(), key)
	require.NoError(t, err)
	return ok
}

// holder starts the lease of a run on runner-a whose engine holds the lock
// lockKey, and beats once so that its record claims it. Its clock is fixed
// at start.
func holder(t *testing.T, b *Backend, start time.Time, lost *[]string) (*Lease, string) {
	t.Helper()
	ctx := context.Background()
	lockKey := putLock(t, b, "database", "orders-prod", "cli-1", 4242, "runner-a", start)
	l, err := StartLease(ctx, b, "database", "orders-prod", Up, LeaseOptions{
		Host: "runner-a", Now: func() time.Time { return start },
		Every: time.Hour, Claim: time.Hour, // beats only when the test says so
		Mine: func(h LockHolder) bool { return h.Hostname == "runner-a" && h.PID == 4242 },
	}, func(reason string) { *lost = append(*lost, reason) })
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Stop(ctx) })
	require.Empty(t, l.Beat(ctx))
	rec, err := readHeartbeat(ctx, b, l.Key())
	require.NoError(t, err)
	require.Equal(t, []string{lockKey}, rec.Locks, "the record claims the engine's lock")
	return l, lockKey
}

// runnerB is the host of the run that meets the lock.
var runnerB = fakeProcs{host: "runner-b"}

func TestALiveHolderOnAnotherHostIsNeverTakenOver(t *testing.T) {
	b := memBackend(t)
	start := time.Now()
	var lost []string
	l, lockKey := holder(t, b, start, &lost)

	// Nine minutes after its last heartbeat: still within the bound.
	_, err := CheckLocks(context.Background(), b, "database", "orders-prod", runnerB, start.Add(9*time.Minute))
	var le *LockedError
	require.ErrorAs(t, err, &le)
	msg := err.Error()
	assert.Contains(t, msg, "pulumi pid 4242 of runner@runner-a")
	assert.Contains(t, msg, "alive: the holder ran on host runner-a")
	assert.Contains(t, msg, "beat 9m0s ago (stale only after 10m0s)")
	assert.Contains(t, msg, "wait for it to finish", "a live holder needs no person")
	assert.True(t, exists(t, b, lockKey), "a live holder's lock is never touched")
	assert.True(t, exists(t, b, l.Key()))
	assert.Empty(t, lost)
}

func TestAHolderWhoseHeartbeatStoppedIsTakenOverWithTheEvidence(t *testing.T) {
	b := memBackend(t)
	start := time.Now()
	var lost []string
	l, lockKey := holder(t, b, start, &lost)
	other := putLock(t, b, "database", "payments-prod", "cli-9", 99, "runner-c", start)

	taken, err := CheckLocks(context.Background(), b, "database", "orders-prod", runnerB, start.Add(11*time.Minute))
	require.NoError(t, err)
	require.Len(t, taken, 1)
	assert.Contains(t, taken[0], "took over the lock s3://acme-state/platform/"+lockKey)
	assert.Contains(t, taken[0], "left by pulumi pid 4242 of runner@runner-a, started ")
	assert.Contains(t, taken[0], "stale: ")
	assert.Contains(t, taken[0], "has not beaten for 11m0s, more than 10m0s: it is gone")
	assert.Contains(t, taken[0], "deploy pid ", "the evidence names the holder's run")
	assert.Contains(t, taken[0], "last heartbeat "+start.UTC().Format(time.RFC3339))
	assert.False(t, exists(t, b, lockKey), "the stale lock is removed, so the CLI can take its own")
	assert.False(t, exists(t, b, l.Key()), "and the gone run's record")
	assert.True(t, exists(t, b, strings.TrimSuffix(l.Key(), ".json")+".takeover"), "the fence stays as evidence")
	assert.True(t, exists(t, b, other), "another stack's lock is left alone")

	// Were the holder only suspended, its next heartbeat stops it.
	assert.Contains(t, l.Beat(context.Background()), "another run took the stack over")
}

func TestALockNoHeartbeatClaimsNeedsAPerson(t *testing.T) {
	b := memBackend(t)
	key := putLock(t, b, "network", "prod", "cli-1", 4242, "laptop", time.Now().Add(-48*time.Hour))
	_, err := CheckLocks(context.Background(), b, "network", "prod", runnerB, time.Now())
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Contains(t, err.Error(), "no deploy run's heartbeat claims that lock")
	assert.Contains(t, err.Error(), "release the lock by removing s3://acme-state/platform/.pulumi/locks/organization/network/prod")
	assert.True(t, exists(t, b, key), "an unclaimed lock is never taken over, however old")
}

func TestATakeoverBacksOffWhenTheHolderBeatsMeanwhile(t *testing.T) {
	ctx := context.Background()
	b := memBackend(t)
	start := time.Now()
	var lost []string
	l, lockKey := holder(t, b, start, &lost)
	holders, err := ReadLocks(ctx, b, "database", "orders-prod")
	require.NoError(t, err)
	read, err := readHeartbeat(ctx, b, l.Key())
	require.NoError(t, err)

	// The holder beats between the taker's read and its claim.
	l.mu.Lock()
	l.now = func() time.Time { return start.Add(11 * time.Minute) }
	l.mu.Unlock()
	require.Empty(t, l.Beat(ctx))
	err = takeOver(ctx, b, "database", "orders-prod", holders[0], read, "test")
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Contains(t, err.Error(), "alive: its run beat again while this run was taking it over")
	assert.True(t, exists(t, b, lockKey))
	assert.False(t, exists(t, b, strings.TrimSuffix(l.Key(), ".json")+".takeover"), "the claim is withdrawn")
	assert.Empty(t, l.Beat(ctx), "the holder goes on")
}

func TestOfTwoTakersOneWins(t *testing.T) {
	ctx := context.Background()
	b := memBackend(t)
	start := time.Now()
	var lost []string
	l, lockKey := holder(t, b, start, &lost)
	marker := strings.TrimSuffix(l.Key(), ".json") + ".takeover"
	require.NoError(t, b.Bucket.WriteAll(ctx, marker, []byte(`{"by":"the other run"}`), &blob.WriterOptions{IfNotExist: true}))

	_, err := CheckLocks(ctx, b, "database", "orders-prod", runnerB, start.Add(11*time.Minute))
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Contains(t, err.Error(), "another run is taking it over now")
	assert.True(t, exists(t, b, lockKey), "the loser removes nothing")

	// The holder, had it been alive, sees the winner's fence at once.
	assert.Contains(t, l.Beat(ctx), "another run took the stack over")
}

func TestAHolderThatCannotBeatStopsItself(t *testing.T) {
	b := memBackend(t)
	var lost []string
	l, _ := holder(t, b, time.Now(), &lost)
	l.mu.Lock()
	l.lastOK = time.Now().Add(-6 * time.Minute)
	l.mu.Unlock()
	assert.Contains(t, l.Beat(context.Background()), "could not be written for 6m0s (more than half of 10m0s)")
}

func TestTheLeaseLoopClaimsTheLockAndStopRemovesTheRecord(t *testing.T) {
	ctx := context.Background()
	b := memBackend(t)
	l, err := StartLease(ctx, b, "network", "dev", Up, LeaseOptions{Host: "runner-a", Every: 5 * time.Millisecond, Claim: time.Millisecond,
		Mine: func(h LockHolder) bool { return h.PID == 7 }}, func(string) {})
	require.NoError(t, err)
	key := putLock(t, b, "network", "dev", "cli", 7, "runner-a", time.Now())
	require.Eventually(t, func() bool {
		rec, err := readHeartbeat(ctx, b, l.Key())
		return err == nil && len(rec.Locks) == 1 && rec.Locks[0] == key
	}, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, l.Stop(ctx))
	assert.False(t, exists(t, b, l.Key()))
}

func TestASameHostTakeoverForgetsTheGoneRunsRecord(t *testing.T) {
	ctx := context.Background()
	b := memBackend(t)
	var lost []string
	l, lockKey := holder(t, b, time.Now(), &lost)
	// runner-a again, after a reboot: pid 4242 runs no more.
	taken, err := CheckLocks(ctx, b, "database", "orders-prod", fakeProcs{host: "runner-a"}, time.Now())
	require.NoError(t, err)
	require.Len(t, taken, 1)
	assert.Contains(t, taken[0], "no process has pid 4242 on this host")
	assert.False(t, exists(t, b, lockKey))
	assert.False(t, exists(t, b, l.Key()), "the gone run's record claiming that lock goes with it")
}
