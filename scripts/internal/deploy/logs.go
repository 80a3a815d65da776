package deploy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// KeepLogRuns is how many runs' engine logs .deploy-logs keeps.
const KeepLogRuns = 30

// PruneLogs removes the oldest run folders of <root>/.deploy-logs beyond
// keep (their names start with the run's UTC time, so they sort by age).
// Only the default log folder is pruned, never a --log-dir.
func PruneLogs(root string, keep int) error {
	dir := filepath.Join(root, ".deploy-logs")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("prune the engine logs in %s: %w", dir, err)
	}
	var runs []string
	for _, e := range entries {
		if e.IsDir() {
			runs = append(runs, e.Name())
		}
	}
	sort.Strings(runs)
	for len(runs) > keep {
		if err := os.RemoveAll(filepath.Join(dir, runs[0])); err != nil {
			return fmt.Errorf("prune the engine logs %s: %w", filepath.Join(dir, runs[0]), err)
		}
		runs = runs[1:]
	}
	return nil
}
