package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatchPending(t *testing.T) {
	class := []PropertyChange{{Path: "instanceClass", Kind: apitype.DiffUpdate}}
	tests := []struct {
		name    string
		props   []PropertyChange
		inputs  map[string]any
		pending map[string]any
		want    bool
		why     string
	}{
		{"the change equals what is pending: scheduled", class,
			map[string]any{"instanceClass": "db.r6g.large"}, map[string]any{"DBInstanceClass": "db.r6g.large"}, true, ""},
		{"a different value is a change", class,
			map[string]any{"instanceClass": "db.r6g.xlarge"}, map[string]any{"DBInstanceClass": "db.r6g.large"}, false,
			"instanceClass is pending as db.r6g.large but the program asks for db.r6g.xlarge"},
		{"an extra property in the diff is a change",
			[]PropertyChange{{Path: "instanceClass"}, {Path: "deletionProtection"}},
			map[string]any{"instanceClass": "db.r6g.large", "deletionProtection": false}, map[string]any{"DBInstanceClass": "db.r6g.large"}, false,
			"deletionProtection changes but is not pending in AWS"},
		{"a nested path counts by its top-level property",
			[]PropertyChange{{Path: "instanceClass"}, {Path: "tags.Tier"}},
			map[string]any{"instanceClass": "db.r6g.large"}, map[string]any{"DBInstanceClass": "db.r6g.large"}, false,
			"tags changes but is not pending in AWS"},
		{"something pending that the program does not ask for is not scheduled", class,
			map[string]any{"instanceClass": "db.r6g.large"}, map[string]any{"DBInstanceClass": "db.r6g.large", "MultiAZ": false}, false,
			"AWS also holds multiAz (false) for the window, which the program does not ask for"},
		{"a pending field the report cannot map is not scheduled", class,
			map[string]any{"instanceClass": "db.r6g.large"}, map[string]any{"DBInstanceClass": "db.r6g.large", "ProcessorFeatures": []any{}}, false,
			"AWS holds ProcessorFeatures for the window"},
		{"nothing pending is not scheduled", class, map[string]any{"instanceClass": "db.r6g.large"}, nil, false, "nothing is pending"},
		{"numbers and booleans compare by value",
			[]PropertyChange{{Path: "allocatedStorage"}, {Path: "multiAz"}},
			map[string]any{"allocatedStorage": float64(200), "multiAz": true}, map[string]any{"AllocatedStorage": float64(200), "MultiAZ": true}, true, ""},
		{"an engine major names the pending minor", []PropertyChange{{Path: "engineVersion"}},
			map[string]any{"engineVersion": "17"}, map[string]any{"EngineVersion": "17.2"}, true, ""},
		{"another major is not the pending one", []PropertyChange{{Path: "engineVersion"}},
			map[string]any{"engineVersion": "1"}, map[string]any{"EngineVersion": "17.2"}, false, "engineVersion is pending as 17.2"},
		{"a secret cannot be compared", class,
			map[string]any{"instanceClass": map[string]any{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "db.r6g.large"}},
			map[string]any{"DBInstanceClass": "db.r6g.large"}, false, "cannot be compared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := MatchPending(tt.props, tt.inputs, tt.pending)
			assert.Equal(t, tt.want, ok, why)
			assert.Contains(t, why, tt.why)
		})
	}
}

const dbURN = "urn:pulumi:orders-staging::database::pgplatform:database:MultiAZPostgres$aws:rds/instance:Instance::orders-staging-db"

// writeClassChangePreview writes, as deploy preview --json-dir does, the
// events of a preview that updates the instance's class to class, and the
// pending modifications file beside it.
func writeClassChangePreview(t *testing.T, dir, class, refreshed string, pending map[string]any) string {
	t.Helper()
	meta := apitype.StepEventMetadata{
		Op: apitype.OpUpdate, URN: dbURN, Type: "aws:rds/instance:Instance",
		Old:          &apitype.StepEventStateMetadata{Type: "aws:rds/instance:Instance", URN: dbURN, Inputs: map[string]any{"instanceClass": class}, Outputs: map[string]any{"instanceClass": "db.t4g.medium"}},
		New:          &apitype.StepEventStateMetadata{Type: "aws:rds/instance:Instance", URN: dbURN, Inputs: map[string]any{"instanceClass": class, "maintenanceWindow": "sun:04:00-sun:05:00"}},
		Diffs:        []string{"instanceClass"},
		DetailedDiff: map[string]apitype.PropertyDiff{"instanceClass": {Kind: apitype.DiffUpdate}},
	}
	events := []apitype.EngineEvent{
		{Sequence: 1, ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: meta}},
		{Sequence: 2, SummaryEvent: &apitype.SummaryEvent{IsPreview: true, ResourceChanges: map[apitype.OpType]int{apitype.OpUpdate: 1}}},
	}
	if refreshed != "" {
		// The refresh before it read refreshed from AWS where the state
		// held class.
		ref := apitype.StepEventMetadata{
			Op: apitype.OpRefresh, URN: dbURN, Type: "aws:rds/instance:Instance",
			Old:          &apitype.StepEventStateMetadata{URN: dbURN, Inputs: map[string]any{"instanceClass": class}},
			New:          &apitype.StepEventStateMetadata{URN: dbURN, Inputs: map[string]any{"instanceClass": refreshed}},
			Diffs:        []string{"instanceClass"},
			DetailedDiff: map[string]apitype.PropertyDiff{"instanceClass": {Kind: apitype.DiffUpdate}},
		}
		events = append([]apitype.EngineEvent{
			{Sequence: -1, ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: ref}},
			{Sequence: 0, ResOutputsEvent: &apitype.ResOutputsEvent{Metadata: ref}},
		}, events...)
	}
	var b strings.Builder
	for _, e := range events {
		data, err := json.Marshal(e)
		require.NoError(t, err)
		b.Write(data)
		b.WriteString("\n")
	}
	file := filepath.Join(dir, "database-orders-staging.json")
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o644))
	pf := PendingFile{Stack: "database/orders-staging", ReadAt: time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC),
		Instances: []PendingInstance{{URN: dbURN, Identifier: "orders-staging-db", Region: "eu-west-1", MaintenanceWindow: "sun:04:00-sun:05:00", Pending: pending}}}
	data, err := json.Marshal(pf)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "database-orders-staging"+PendingSuffix), data, 0o644))
	return file
}

func TestLoadReportsAChangeEqualToThePendingOnesAsScheduled(t *testing.T) {
	dir := t.TempDir()
	writeClassChangePreview(t, dir, "db.r6g.large", "", map[string]any{"DBInstanceClass": "db.r6g.large"})
	stacks, err := Load([]string{dir}, false)
	require.NoError(t, err, "the pending file beside the preview is not read as a preview")
	require.Len(t, stacks, 1)
	s := stacks[0]
	assert.Equal(t, 0, s.Counts.Update, "not counted as an update")
	assert.Equal(t, 1, s.Counts.Scheduled)
	assert.Equal(t, 0, s.Counts.Changed(), "the drift check sees no change")
	require.Len(t, s.Changes, 1)
	require.NotNil(t, s.Changes[0].Scheduled)

	md := Render(stacks, Decide(stacks, false), Options{ExpectNoChanges: true})
	assert.Contains(t, md, "No drift.")
	assert.Contains(t, md, "scheduled for sun:04:00-sun:05:00 (next: Sun 2026-12-06 04:00 UTC)")
}

func TestLoadKeepsAChangeThatDiffersFromThePendingOnes(t *testing.T) {
	dir := t.TempDir()
	writeClassChangePreview(t, dir, "db.r6g.xlarge", "", map[string]any{"DBInstanceClass": "db.r6g.large"})
	stacks, err := Load([]string{dir}, false)
	require.NoError(t, err)
	s := stacks[0]
	assert.Equal(t, 1, s.Counts.Update, "a new change")
	assert.Equal(t, 0, s.Counts.Scheduled)
	assert.Nil(t, s.Changes[0].Scheduled)
	md := Render(stacks, Decide(stacks, false), Options{ExpectNoChanges: true})
	assert.Contains(t, md, "Drift.")
	assert.Contains(t, md, "instanceClass is pending as db.r6g.large but the program asks for db.r6g.xlarge", "the warning says why it is not the scheduled change")
}

func TestUnreadablePendingModificationsLeaveTheChangeAndWarn(t *testing.T) {
	dir := t.TempDir()
	writeClassChangePreview(t, dir, "db.r6g.large", "", nil)
	data, err := json.Marshal(PendingFile{Stack: "database/orders-staging", Error: "AccessDenied: rds:DescribeDBInstances"})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "database-orders-staging"+PendingSuffix), data, 0o644))
	stacks, err := Load([]string{dir}, false)
	require.NoError(t, err)
	assert.Equal(t, 1, stacks[0].Counts.Update)
	assert.Contains(t, Render(stacks, Decide(stacks, false), Options{}), "AccessDenied: rds:DescribeDBInstances")
}

func TestARefreshReadingTheRunningValueOfAScheduledChangeIsNotDrift(t *testing.T) {
	dir := t.TempDir()
	writeClassChangePreview(t, dir, "db.r6g.large", "db.t4g.medium", map[string]any{"DBInstanceClass": "db.r6g.large"})
	stacks, err := Load([]string{dir}, false)
	require.NoError(t, err)
	s := stacks[0]
	assert.Empty(t, s.Drift, "the refresh read the running class of a change AWS holds for the window")
	assert.Equal(t, 1, s.Counts.Scheduled)
	assert.Contains(t, Render(stacks, Decide(stacks, false), Options{ExpectNoChanges: true}), "Until then a refresh reads the values the instance runs with")
}

func TestARefreshDifferenceThatIsNotThePendingChangeStaysDrift(t *testing.T) {
	dir := t.TempDir()
	// The state held db.r6g.large, AWS holds db.r6g.xlarge: someone
	// changed the pending modification outside Pulumi.
	writeClassChangePreview(t, dir, "db.r6g.large", "db.t4g.medium", map[string]any{"DBInstanceClass": "db.r6g.xlarge"})
	stacks, err := Load([]string{dir}, false)
	require.NoError(t, err)
	assert.Len(t, stacks[0].Drift, 1)
	assert.Equal(t, 0, stacks[0].Counts.Scheduled)
}

func TestAnUnreadablePendingFileIsSilentWithoutAnInstanceUpdate(t *testing.T) {
	r := StackReport{Project: "database", Stack: "orders-staging"}
	ApplyPending(&r, Preview{}, &PendingFile{Error: "AccessDenied"})
	assert.Empty(t, r.Diagnostics, "no RDS update, nothing the error could hide")
}
