//go:build e2e

package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/contract"
)

// instanceRecord returns the double's record of a stack's RDS instance.
func (w *world) instanceRecord(stack string) fakeaws.Record {
	w.t.Helper()
	var found []fakeaws.Record
	for _, rec := range w.records() {
		if rec.Type == "aws:rds/instance:Instance" && strings.HasPrefix(rec.URN, "urn:pulumi:"+stack+"::") {
			found = append(found, rec)
		}
	}
	require.Len(w.t, found, 1, "one instance in %s", stack)
	return found[0]
}

// TestStagingDefersAClassChangeToTheMaintenanceWindow: in staging an
// instance class change is sent with applyImmediately false, so RDS holds
// it: the up succeeds, the instance runs the old class, the drift check
// still sees the change, and once the window has passed a refreshed
// preview shows nothing to do.
func TestStagingDefersAClassChangeToTheMaintenanceWindow(t *testing.T) {
	w := newWorld(t)
	sb := w.sandbox()
	const stack = "orders-staging"
	r := sb.deploy("up", "--env", "staging")
	require.Zero(t, r.code, "deploy up --env staging\n%s", r)

	sb.editEnv(contract.DatabaseProject, stack, "database:instanceClass: db.r6g.large", "database:instanceClass: db.r6g.xlarge")
	r = sb.deploy("up", "--env", "staging", "--stack", stack)
	require.Zero(t, r.code, "deploy up with the new class\n%s", r)

	rec := w.instanceRecord(stack)
	assert.Equal(t, false, rec.Inputs["applyImmediately"], "staging defers")
	assert.Equal(t, "db.r6g.large", rec.Inputs["instanceClass"], "the instance runs the old class until the window")
	assert.Equal(t, map[string]any{"DBInstanceClass": "db.r6g.xlarge"}, rec.PendingModifiedValues())

	drift := sb.deploy("preview", "--env", "staging", "--stack", stack, "--refresh", "--expect-no-changes")
	assert.NotZero(t, drift.code, "before the window the refreshed preview still shows the class change\n%s", drift)

	// The drift check as the workflow runs it: deploy preview reads the
	// pending modifications from the double's AWS API and the report
	// tells the scheduled class change from drift.
	window, _ := rec.Inputs["maintenanceWindow"].(string)
	require.NotEmpty(t, window, "the program sets a maintenance window")
	before := filepath.Join(w.dir, "drift-before-window")
	r = sb.deploy("preview", "--env", "staging", "--stack", stack, "--refresh", "--json-dir", before)
	require.Zero(t, r.code, "refreshed preview\n%s", r)
	assert.Contains(t, r.stdout, "holds modifications for its maintenance window "+window+": DBInstanceClass=db.r6g.xlarge")
	report := sb.previewReport("--expect-no-changes", before)
	assert.Zero(t, report.code, "the change AWS holds for the window is not drift\n%s", report)
	assert.Contains(t, report.stdout, "scheduled for "+window)
	assert.Contains(t, report.stderr, "1 scheduled for the maintenance window")

	n, err := fakeaws.PassMaintenanceWindow(w.awsDir)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, "db.r6g.xlarge", w.instanceRecord(stack).Inputs["instanceClass"])

	clean := sb.deploy("preview", "--env", "staging", "--stack", stack, "--refresh", "--expect-no-changes")
	assert.Zero(t, clean.code, "after the window there is nothing to do\n%s", clean)

	after := filepath.Join(w.dir, "drift-after-window")
	r = sb.deploy("preview", "--env", "staging", "--stack", stack, "--refresh", "--json-dir", after)
	require.Zero(t, r.code, "refreshed preview after the window\n%s", r)
	report = sb.previewReport("--expect-no-changes", after)
	assert.Zero(t, report.code, "no drift after the window\n%s", report)
	assert.NotContains(t, report.stdout, "scheduled for", "nothing is pending any more")
	assert.Contains(t, report.stderr, "0 to create, 0 to update, 0 to replace, 0 to delete")

	// The double's API records what RDS would: the class change finished
	// in the window.
	events, err := fakeaws.Events(w.awsDir)
	require.NoError(t, err)
	var msgs []string
	for _, e := range events {
		msgs = append(msgs, e.Message)
	}
	assert.Contains(t, msgs, "Finished applying modification to DB instance class.")
}

// TestStorageIncreaseAppliesAndAutoscalingGrowthIsNoDiff: a bigger
// allocatedStorageGb in the file is applied (dev applies at once); storage
// autoscaling growing the volume further shows no diff.
func TestStorageIncreaseAppliesAndAutoscalingGrowthIsNoDiff(t *testing.T) {
	w := newWorld(t)
	sb := w.sandbox()
	const stack = "orders-dev"
	r := sb.deploy("up", "--env", "dev")
	require.Zero(t, r.code, "deploy up --env dev\n%s", r)

	sb.editEnv(contract.DatabaseProject, stack, "database:allocatedStorageGb: 20", "database:allocatedStorageGb: 30")
	r = sb.deploy("up", "--env", "dev", "--stack", stack)
	require.Zero(t, r.code, "deploy up with more storage\n%s", r)
	rec := w.instanceRecord(stack)
	assert.EqualValues(t, 30, rec.Inputs["allocatedStorage"], "the increase was applied")
	assert.Nil(t, rec.PendingModifiedValues(), "dev applies at once")

	id, _ := rec.Outputs["identifier"].(string)
	require.NoError(t, fakeaws.GrowStorage(w.awsDir, id, 60))
	clean := sb.deploy("preview", "--env", "dev", "--stack", stack, "--refresh", "--expect-no-changes")
	assert.Zero(t, clean.code, "autoscaling growth beyond the file's size is no diff\n%s", clean)
	assert.EqualValues(t, 60, w.instanceRecord(stack).Inputs["allocatedStorage"], "and nothing shrank it")

	// Once the state knows the grown size, a stack file asking for less is
	// refused before anything runs: RDS cannot shrink storage, and with
	// autoscaling on the provider would silently ignore the smaller size.
	r = sb.deploy("refresh", "--env", "dev", "--stack", stack)
	require.Zero(t, r.code, "deploy refresh\n%s", r)
	sb.editEnv(contract.DatabaseProject, stack, "database:allocatedStorageGb: 30", "database:allocatedStorageGb: 40")
	refused := sb.deploy("up", "--env", "dev", "--stack", stack)
	assert.NotZero(t, refused.code, "a size below the running one went ahead\n%s", refused)
	assert.Contains(t, refused.stdout+refused.stderr, "database:allocatedStorageGb = 40 is below the 60 GiB the instance runs on", "%s", refused)
	assert.EqualValues(t, 60, w.instanceRecord(stack).Inputs["allocatedStorage"], "the refusal changed nothing")
}
