package reportcmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/scripts/internal/report"
)

// classChange writes, as deploy preview --json-dir does, a preview that
// changes the RDS instance's class to class, and the pending
// modifications DescribeDBInstances reported beside it.
func classChange(t *testing.T, class, pendingClass string) string {
	t.Helper()
	dir := t.TempDir()
	urn := "urn:pulumi:orders-staging::database::aws:rds/instance:Instance::orders-staging-db"
	meta := apitype.StepEventMetadata{
		Op: apitype.OpUpdate, URN: urn, Type: "aws:rds/instance:Instance",
		Old:          &apitype.StepEventStateMetadata{URN: urn, Inputs: map[string]any{"instanceClass": class}, Outputs: map[string]any{"instanceClass": "db.t4g.medium"}},
		New:          &apitype.StepEventStateMetadata{URN: urn, Inputs: map[string]any{"instanceClass": class}},
		Diffs:        []string{"instanceClass"},
		DetailedDiff: map[string]apitype.PropertyDiff{"instanceClass": {Kind: apitype.DiffUpdate}},
	}
	var lines []byte
	for _, e := range []apitype.EngineEvent{
		{Sequence: 1, ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: meta}},
		{Sequence: 2, SummaryEvent: &apitype.SummaryEvent{IsPreview: true, ResourceChanges: map[apitype.OpType]int{apitype.OpUpdate: 1}}},
	} {
		data, err := json.Marshal(e)
		require.NoError(t, err)
		lines = append(append(lines, data...), '\n')
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "database-orders-staging.json"), lines, 0o644))
	data, err := json.Marshal(report.PendingFile{Stack: "database/orders-staging", ReadAt: time.Now(), Instances: []report.PendingInstance{{
		URN: urn, Identifier: "orders-staging-db", Region: "eu-west-1", MaintenanceWindow: "sun:04:00-sun:05:00",
		Pending: map[string]any{"DBInstanceClass": pendingClass},
	}}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "database-orders-staging"+report.PendingSuffix), data, 0o644))
	return dir
}

func TestTheDriftCheckPassesOnAChangeScheduledForTheWindow(t *testing.T) {
	code, stdout, stderr := runCLI("--expect-no-changes", classChange(t, "db.r6g.large", "db.r6g.large"))
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "1 scheduled for the maintenance window")
	assert.Contains(t, stdout, "scheduled for sun:04:00-sun:05:00")
}

func TestTheDriftCheckFailsOnAChangeThatIsNotThePendingOne(t *testing.T) {
	code, _, stderr := runCLI("--expect-no-changes", classChange(t, "db.r6g.xlarge", "db.r6g.large"))
	assert.Equal(t, exitDrift, code, stderr)
	assert.Contains(t, stderr, "DRIFT")
}
