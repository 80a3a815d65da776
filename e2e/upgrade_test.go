//go:build e2e

package e2e

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/contract"
)

// paramGroupFamilies maps the families of a stack's parameter groups in
// the double to their names.
func (w *world) paramGroupFamilies(stack string) map[string]string {
	w.t.Helper()
	out := map[string]string{}
	for _, rec := range w.records() {
		if rec.Type == "aws:rds/parameterGroup:ParameterGroup" && strings.HasPrefix(rec.URN, "urn:pulumi:"+stack+"::") {
			family, _ := rec.Inputs["family"].(string)
			name, _ := rec.Outputs["name"].(string)
			out[family] = name
		}
	}
	return out
}

func families(m map[string]string) []string {
	var out []string
	for f := range m {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// failedCalls are the calls of a stack that AWS refused.
func failedCalls(calls []fakeaws.Call, stack string) []string {
	var out []string
	for _, c := range calls {
		if c.Stack == stack && c.Error != "" {
			out = append(out, c.Method+" "+c.Type+": "+c.Error)
		}
	}
	return out
}

// TestStagingMajorUpgradeInPlaceWithoutError: a staging database goes from
// PostgreSQL 16 to 17, and then to 18, in place. The `up` that changes the
// major succeeds with no error: RDS holds the new engine version and the
// new family's parameter group for the maintenance window, and the stack
// keeps the previous family's group, which the instance still runs on, so
// nothing tries to delete a group in use. Until the window the drift check
// reports the upgrade as scheduled, not drift. After the window the instance
// runs the new major on the new group under the same identifier and
// endpoint, and a refreshed preview shows nothing to do. The next major
// upgrade deletes the group the instance left at the first one's window,
// again with no error.
func TestStagingMajorUpgradeInPlaceWithoutError(t *testing.T) {
	w := newWorld(t)
	sb := w.sandbox()
	const stack = "orders-staging"
	r := sb.deploy("up", "--env", "staging")
	require.Zero(t, r.code, "deploy up --env staging\n%s", r)
	before := w.state(contract.DatabaseProject, stack).outputs()
	require.NotEmpty(t, before["endpoint"])
	groups := w.paramGroupFamilies(stack)
	require.Equal(t, []string{"postgres15", "postgres16"}, families(groups), "the engine's family and the one before")
	require.Equal(t, groups["postgres16"], w.instanceRecord(stack).Inputs["parameterGroupName"])

	upgrade := func(from, to string) {
		t.Helper()
		sb.editEnv(contract.DatabaseProject, stack, `database:engineVersion: "`+from+`"`, `database:engineVersion: "`+to+`"`)
		r := sb.deploy("up", "--env", "staging", "--stack", stack)
		require.Zero(t, r.code, "deploy up with engine %s\n%s", to, r)
		assert.Empty(t, failedCalls(w.calls(), stack), "no call of the upgrade failed")

		rec := w.instanceRecord(stack)
		groups := w.paramGroupFamilies(stack)
		assert.Equal(t, []string{"postgres" + from, "postgres" + to}, families(groups), "the new family's group is added, the one before the old major's is gone")
		assert.Equal(t, from, rec.Inputs["engineVersion"], "the instance runs %s until the window", from)
		assert.Equal(t, groups["postgres"+from], rec.Inputs["parameterGroupName"], "on the previous family's group, which is kept")
		assert.Equal(t, map[string]any{"EngineVersion": to}, rec.PendingModifiedValues(), "the upgrade waits for the window")
		assert.Equal(t, groups["postgres"+to], rec.Pending["parameterGroupName"], "with the new family's group")

		// The drift check as the workflow runs it: the refreshed preview
		// shows the engine version and the group change again, AWS holds
		// only EngineVersion in PendingModifiedValues, and the report
		// tells the pair from drift.
		window, _ := rec.Inputs["maintenanceWindow"].(string)
		require.NotEmpty(t, window, "the program sets a maintenance window")
		dir := filepath.Join(w.dir, "drift-upgrade-"+to)
		r = sb.deploy("preview", "--env", "staging", "--stack", stack, "--refresh", "--json-dir", dir)
		require.Zero(t, r.code, "refreshed preview before the window\n%s", r)
		assert.Contains(t, r.stdout, "holds modifications for its maintenance window "+window+": EngineVersion="+to)
		report := sb.previewReport("--expect-no-changes", dir)
		assert.Zero(t, report.code, "the upgrade AWS holds for the window is not drift\n%s", report)
		assert.Contains(t, report.stdout, "scheduled for "+window)
		assert.Contains(t, report.stderr, "1 scheduled for the maintenance window")

		n, err := fakeaws.PassMaintenanceWindow(w.awsDir)
		require.NoError(t, err)
		assert.Equal(t, 1, n, "the window applies the upgrade")
		rec = w.instanceRecord(stack)
		assert.Equal(t, to, rec.Inputs["engineVersion"], "the instance runs %s", to)
		assert.Equal(t, groups["postgres"+to], rec.Inputs["parameterGroupName"])
		assert.Nil(t, rec.PendingModifiedValues())

		clean := sb.deploy("preview", "--env", "staging", "--stack", stack, "--refresh", "--expect-no-changes")
		assert.Zero(t, clean.code, "after the window a refreshed preview shows nothing to do\n%s", clean)

		after := w.state(contract.DatabaseProject, stack).outputs()
		assert.Equal(t, before["instanceIdentifier"], after["instanceIdentifier"], "in place: same identifier")
		assert.Equal(t, before["endpoint"], after["endpoint"], "in place: same endpoint")
		assert.Equal(t, before["instanceIdentifier"], rec.Outputs["identifier"], "the double's instance is the stack's")
	}
	upgrade("16", "17")
	upgrade("17", "18")
}
