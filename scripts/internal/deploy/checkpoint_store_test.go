package deploy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestABucketKeepsTheNewestCheckpointsBesideTheState(t *testing.T) {
	ctx := context.Background()
	b := memBackend(t)
	s := bucketStore{b: b}
	state := exported(t, `[]`)
	start := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	var saved []string
	for i := 0; i < KeepCheckpoints+3; i++ {
		where, err := s.Save(ctx, "database", "orders-prod", start.Add(time.Duration(i)*time.Second), Up, state)
		require.NoError(t, err)
		saved = append(saved, where)
	}
	assert.Equal(t, "s3://acme-state/platform/deploy-checkpoints/database/orders-prod/20261202T080000.000000000Z-before-up.json", saved[0])
	_, err := s.Save(ctx, "database", "payments-prod", start, Destroy, state)
	require.NoError(t, err)

	list, err := s.List(ctx, "database", "orders-prod")
	require.NoError(t, err)
	assert.Equal(t, saved[3:], list, "the newest are kept, oldest first; another stack's are not counted")
	objs, err := listKeys(ctx, b.Bucket, checkpointPrefix)
	require.NoError(t, err)
	assert.Len(t, objs, KeepCheckpoints+1, "the pruned ones are deleted from the bucket")

	newest, err := latest(ctx, s, "database", "orders-prod")
	require.NoError(t, err)
	for _, loc := range []string{newest, newest[strings.LastIndex(newest, "/")+1:]} {
		data, err := s.Read(ctx, "database", "orders-prod", loc)
		require.NoError(t, err, loc)
		assert.Equal(t, state, data)
	}
	_, err = s.Read(ctx, "database", "orders-prod", "s3://acme-state/platform/deploy-checkpoints/database/payments-prod/x.json")
	assert.ErrorContains(t, err, "neither a file here nor a checkpoint of database/orders-prod")

	_, err = s.Save(ctx, "database", "orders-prod", start.Add(time.Hour), Up, state[:len(state)/2])
	assert.ErrorContains(t, err, "not a whole exported state", "a partial state is never written")
}

// A run on one runner writes its checkpoint and heartbeat to the shared
// bucket; a run on another runner, with nothing on its disk, restores it.
func TestACheckpointOutlivesTheRunnerThatWroteIt(t *testing.T) {
	b := memBackend(t)
	eng := &stateEngine{fakeEngine: &fakeEngine{inventory: map[string]map[string]int{"network": {"dev": 3}}},
		state: map[string][]byte{"database/orders-dev": exported(t, `[]`)}, backend: "s3://acme-state/platform"}
	out, err := guardedRun(t, eng, &Guard{Env: "dev", Backend: b, Processes: runnerB}, "up", "--env", "dev", "--stack", "orders-dev")
	require.NoError(t, err, out)
	assert.Contains(t, out, "checkpoint of the state before up: s3://acme-state/platform/deploy-checkpoints/database/orders-dev/20261202T080000.000000000Z-before-up.json")
	beats, err := readHeartbeats(context.Background(), b, "database", "orders-dev")
	require.NoError(t, err)
	assert.Empty(t, beats, "the run's heartbeat is removed when it ends")

	eng.state["database/orders-dev"] = pendingCreateState(t) // later, a state gone wrong
	other := &stateEngine{fakeEngine: &fakeEngine{}, state: map[string][]byte{}, backend: "s3://acme-state/platform"}
	out, err = guardedRun(t, other, &Guard{Env: "dev", Backend: b, Processes: runnerB}, "restore-state", "--env", "dev", "--stack", "orders-dev")
	require.NoError(t, err, out)
	assert.Contains(t, out, "restored the state from s3://acme-state/platform/deploy-checkpoints/database/orders-dev/")
	assert.Equal(t, exported(t, `[]`), other.imported["database/orders-dev"])
}
