//go:build e2e

package e2e

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/contract"
)

// exitBlocked is preview-report's exit status when the gate blocks.
const exitBlocked = 2

// TestGateBlocksAMajorUpgradeAndABackupRetentionCutWithoutTheOverride: on
// a deployed staging stack, a stack-file change of the engine major and,
// separately, a cut of the backup retention are previewed as the pull
// request workflow previews them; the preview report blocks each (exit 2)
// naming why, and lets each through with --allow-destructive. Neither is
// a replacement or a delete: the gate reads them from the update's
// properties.
func TestGateBlocksAMajorUpgradeAndABackupRetentionCutWithoutTheOverride(t *testing.T) {
	w := newWorld(t)
	sb := w.sandbox()
	const stack = "orders-staging"
	// 14 days, so that the cut below to staging's floor of 7 is one the
	// configuration accepts.
	sb.editEnv(contract.DatabaseProject, stack, "database:backupRetentionDays: 7", "database:backupRetentionDays: 14")
	r := sb.deploy("up", "--env", "staging")
	require.Zero(t, r.code, "deploy up --env staging\n%s", r)

	gate := func(name, why string) {
		t.Helper()
		dir := filepath.Join(w.dir, name)
		r := sb.deploy("preview", "--env", "staging", "--stack", stack, "--json-dir", dir)
		require.Zero(t, r.code, "deploy preview of the %s\n%s", name, r)
		blocked := sb.previewReport(dir)
		assert.Equal(t, exitBlocked, blocked.code, "the %s is held without the override\n%s", name, blocked)
		assert.Contains(t, blocked.stdout, why, "the report says why the %s is held", name)
		assert.Contains(t, blocked.stdout, "orders-staging-db", "and names the instance")
		allowed := sb.previewReport("--allow-destructive", dir)
		assert.Zero(t, allowed.code, "the override lets the %s through\n%s", name, allowed)
		assert.Contains(t, allowed.stdout+allowed.stderr, "allowed by override")
	}

	sb.editEnv(contract.DatabaseProject, stack, `database:engineVersion: "16"`, `database:engineVersion: "17"`)
	gate("major-upgrade", "A major version upgrade cannot be undone")
	sb.editEnv(contract.DatabaseProject, stack, `database:engineVersion: "17"`, `database:engineVersion: "16"`)

	sb.editEnv(contract.DatabaseProject, stack, "database:backupRetentionDays: 14", "database:backupRetentionDays: 7")
	gate("retention-cut", "Backup retention is lowered")
}
