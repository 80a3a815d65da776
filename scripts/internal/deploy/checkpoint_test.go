package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSaveCheckpointKeepsWholeFilesAndPrunes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "database", "orders-dev")
	state := exported(t, `[]`)
	start := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	var files []string
	for i := 0; i < KeepCheckpoints+3; i++ {
		f, err := SaveCheckpoint(dir, start.Add(time.Duration(i)*time.Second), Up, state)
		require.NoError(t, err)
		files = append(files, f)
	}
	list, err := Checkpoints(dir)
	require.NoError(t, err)
	assert.Equal(t, files[3:], list, "the newest are kept, oldest first")
	latest, err := LatestCheckpoint(dir)
	require.NoError(t, err)
	assert.Equal(t, files[len(files)-1], latest)
	assert.Contains(t, filepath.Base(latest), "-before-up.json")
	data, err := os.ReadFile(latest)
	require.NoError(t, err)
	assert.Equal(t, state, data)
	info, err := os.Stat(latest)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "a checkpoint holds encrypted secrets: owner only")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, KeepCheckpoints, "no temporary file is left behind")
}

func TestSaveCheckpointRefusesAPartialState(t *testing.T) {
	dir := t.TempDir()
	whole := exported(t, `[]`)
	for _, bad := range [][]byte{whole[:len(whole)/2], []byte(`{}`), []byte(`{"version": 3, "deployment": {}}`)} {
		_, err := SaveCheckpoint(dir, time.Now(), Up, bad)
		require.Error(t, err, string(bad))
	}
	list, err := Checkpoints(dir)
	require.NoError(t, err)
	assert.Empty(t, list)
}

func TestCheckpointRoot(t *testing.T) {
	assert.Equal(t, "/srv/state/deploy-checkpoints", CheckpointRoot("/repo", "file:///srv/state", ""))
	assert.Empty(t, CheckpointRoot("/repo", "s3://bucket/x?region=eu-west-1", ""), "an S3 backend keeps them in its bucket")
	cloud := CheckpointRoot("/repo", "https://api.pulumi.com", "")
	assert.Regexp(t, `^/repo/\.deploy-checkpoints/[0-9a-f]{12}$`, cloud)
	assert.NotEqual(t, cloud, CheckpointRoot("/repo", "https://pulumi.example.com", ""), "each backend has its own")
	assert.Equal(t, "/o", CheckpointRoot("/repo", "s3://bucket/x", "/o"))
}

func TestStateUnreadableErrorPointsToTheRestore(t *testing.T) {
	err := &StateUnreadableError{Project: "database", Stack: "orders-dev", Cause: fmt.Errorf("unexpected end of JSON input"),
		Latest: "/cp/x.json", Restore: "deploy restore-state --env dev --stack orders-dev"}
	assert.Contains(t, err.Error(), "cannot be read, so nothing was run")
	assert.Contains(t, err.Error(), "restore the newest checkpoint (/cp/x.json) with `deploy restore-state --env dev --stack orders-dev`")
	none := &StateUnreadableError{Project: "database", Stack: "orders-dev", Cause: fmt.Errorf("x")}
	assert.Contains(t, none.Error(), "no checkpoint of it exists")
	assert.True(t, unreadableState(fmt.Errorf("a: unexpected end of JSON input")))
	assert.False(t, unreadableState(fmt.Errorf("incorrect passphrase")))
}
