package deploy

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPruneLogsKeepsTheNewestRuns(t *testing.T) {
	root := t.TempDir()
	start := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	var dirs []string
	for i := 0; i < 5; i++ {
		d := DefaultLogDir(root, start.Add(time.Duration(i)*time.Hour), Up, "dev")
		require.NoError(t, os.MkdirAll(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "database-orders-dev.log"), []byte("x"), 0o644))
		dirs = append(dirs, d)
	}
	require.NoError(t, PruneLogs(root, 2))
	for i, d := range dirs {
		if i < 3 {
			assert.NoDirExists(t, d)
		} else {
			assert.DirExists(t, d)
		}
	}
	require.NoError(t, PruneLogs(t.TempDir(), 2), "no logs yet")
}
