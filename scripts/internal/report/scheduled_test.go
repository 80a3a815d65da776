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
	upgrade := []PropertyChange{{Path: "engineVersion"}, {Path: "parameterGroupName"}}
	upgradeInputs := func(group string) map[string]any {
		return map[string]any{"engineVersion": "17", "parameterGroupName": group}
	}
	// An instance on 16.4 with the groups the program declares for a
	// 16 -> 17 upgrade, and one whose name says postgres17 but whose family
	// is postgres16.
	facts := InstanceFacts{RunningEngine: "16.4", GroupFamilies: map[string]string{
		"orders-staging-db-params-postgres16-e4f5a6b": "postgres16",
		"orders-staging-db-params-postgres17-a1b2c3d": "postgres17",
		"misnamed-params-postgres17":                  "postgres16",
	}}
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
		{"a major upgrade's group of the new family waits with it: scheduled", upgrade,
			upgradeInputs("orders-staging-db-params-postgres17-a1b2c3d"), map[string]any{"EngineVersion": "17.2"}, true, ""},
		{"a group of another family is a change", upgrade,
			upgradeInputs("orders-staging-db-params-postgres16-e4f5a6b"), map[string]any{"EngineVersion": "17.2"}, false,
			"the group orders-staging-db-params-postgres16-e4f5a6b is of family postgres16, not postgres17 of the pending major upgrade to 17.2"},
		{"a group named like the new family but declared of another is a change", upgrade,
			upgradeInputs("misnamed-params-postgres17"), map[string]any{"EngineVersion": "17.2"}, false,
			"is of family postgres16, not postgres17"},
		{"a group the preview does not declare is a change", upgrade,
			upgradeInputs("default.postgres17"), map[string]any{"EngineVersion": "17.2"}, false,
			"the group default.postgres17 is not one the preview declares"},
		{"a group change without a pending engine version is a change", []PropertyChange{{Path: "parameterGroupName"}},
			upgradeInputs("orders-staging-db-params-postgres17-a1b2c3d"), map[string]any{"DBInstanceClass": "db.r6g.large"}, false,
			"parameterGroupName changes but is not pending in AWS"},
		{"a pending minor upgrade does not hold a group change", upgrade,
			map[string]any{"engineVersion": "16.6", "parameterGroupName": "orders-staging-db-params-postgres16-e4f5a6b"}, map[string]any{"EngineVersion": "16.6"}, false,
			"the pending EngineVersion 16.6 keeps the running major 16"},
		{"a secret cannot be compared", class,
			map[string]any{"instanceClass": map[string]any{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "db.r6g.large"}},
			map[string]any{"DBInstanceClass": "db.r6g.large"}, false, "cannot be compared"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := MatchPending(tt.props, tt.inputs, tt.pending, facts)
			assert.Equal(t, tt.want, ok, why)
			assert.Contains(t, why, tt.why)
		})
	}
	t.Run("without the running engine version a group change is a change", func(t *testing.T) {
		unknown := InstanceFacts{GroupFamilies: facts.GroupFamilies}
		ok, why := MatchPending(upgrade, upgradeInputs("orders-staging-db-params-postgres17-a1b2c3d"), map[string]any{"EngineVersion": "17.2"}, unknown)
		assert.False(t, ok)
		assert.Contains(t, why, "the engine version the instance runs is unknown")
	})
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

// writeUpgradePreview writes, as deploy preview --refresh --json-dir does,
// the events of a preview of a staging instance whose 16 -> 17 upgrade AWS
// holds for the window: the refresh read the running 16.4 and its group,
// the update asks again for 17 and the postgres17 group, both groups are
// declared as they are, and the pending file holds EngineVersion only, as
// PendingModifiedValues has no parameter group field. newGroup is the
// group the program names.
func writeUpgradePreview(t *testing.T, dir, newGroup string, pending map[string]any) {
	t.Helper()
	const (
		g16 = "orders-staging-db-params-postgres16-e4f5a6b"
		g17 = "orders-staging-db-params-postgres17-a1b2c3d"
	)
	group := func(family, name string) apitype.EngineEvent {
		urn := "urn:pulumi:orders-staging::database::pgplatform:database:MultiAZPostgres$aws:rds/parameterGroup:ParameterGroup::orders-staging-db-params-" + family
		st := &apitype.StepEventStateMetadata{Type: "aws:rds/parameterGroup:ParameterGroup", URN: urn,
			Inputs: map[string]any{"family": family, "name": name}, Outputs: map[string]any{"family": family, "name": name}}
		return apitype.EngineEvent{ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: apitype.StepEventMetadata{
			Op: apitype.OpSame, URN: urn, Type: "aws:rds/parameterGroup:ParameterGroup", Old: st, New: st}}}
	}
	want := map[string]any{"engineVersion": "17", "parameterGroupName": newGroup}
	running := map[string]any{"engineVersion": "16.4", "parameterGroupName": g16}
	diff := map[string]apitype.PropertyDiff{"engineVersion": {Kind: apitype.DiffUpdate}, "parameterGroupName": {Kind: apitype.DiffUpdate}}
	ref := apitype.StepEventMetadata{
		Op: apitype.OpRefresh, URN: dbURN, Type: "aws:rds/instance:Instance",
		Old:   &apitype.StepEventStateMetadata{URN: dbURN, Inputs: want, Outputs: want},
		New:   &apitype.StepEventStateMetadata{URN: dbURN, Inputs: running, Outputs: running},
		Diffs: []string{"engineVersion", "parameterGroupName"}, DetailedDiff: diff,
	}
	upd := apitype.StepEventMetadata{
		Op: apitype.OpUpdate, URN: dbURN, Type: "aws:rds/instance:Instance",
		Old:   &apitype.StepEventStateMetadata{URN: dbURN, Inputs: running, Outputs: running},
		New:   &apitype.StepEventStateMetadata{URN: dbURN, Inputs: want},
		Diffs: []string{"engineVersion", "parameterGroupName"}, DetailedDiff: diff,
	}
	events := []apitype.EngineEvent{
		{ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: ref}},
		{ResOutputsEvent: &apitype.ResOutputsEvent{Metadata: ref}},
		group("postgres16", g16),
		group("postgres17", g17),
		{ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: upd}},
		{SummaryEvent: &apitype.SummaryEvent{IsPreview: true, ResourceChanges: map[apitype.OpType]int{apitype.OpUpdate: 1, apitype.OpSame: 2}}},
	}
	var b strings.Builder
	for i, e := range events {
		e.Sequence = i
		data, err := json.Marshal(e)
		require.NoError(t, err)
		b.Write(data)
		b.WriteString("\n")
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "database-orders-staging.json"), []byte(b.String()), 0o644))
	pf := PendingFile{Stack: "database/orders-staging", ReadAt: time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC),
		Instances: []PendingInstance{{URN: dbURN, Identifier: "orders-staging-db", Region: "eu-west-1", MaintenanceWindow: "sun:04:00-sun:05:00", Pending: pending}}}
	data, err := json.Marshal(pf)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "database-orders-staging"+PendingSuffix), data, 0o644))
}

func TestAMajorUpgradeWaitingForTheWindowIsScheduledNotDrift(t *testing.T) {
	dir := t.TempDir()
	writeUpgradePreview(t, dir, "orders-staging-db-params-postgres17-a1b2c3d", map[string]any{"EngineVersion": "17.2"})
	stacks, err := Load([]string{dir}, false)
	require.NoError(t, err)
	s := stacks[0]
	assert.Equal(t, 1, s.Counts.Scheduled, "the engine version and the new family's group wait for the window together")
	assert.Equal(t, 0, s.Counts.Update)
	assert.Empty(t, s.Drift, "the refresh read the running major and its group: not drift")
	md := Render(stacks, Decide(stacks, false), Options{ExpectNoChanges: true})
	assert.Contains(t, md, "No drift.")
	assert.Contains(t, md, "<code>engineVersion</code>, <code>parameterGroupName</code>: scheduled for sun:04:00-sun:05:00")
}

func TestAGroupChangeBesideAPendingUpgradeOfAnotherFamilyIsDrift(t *testing.T) {
	dir := t.TempDir()
	// AWS holds an upgrade to 18, the program asks for 17's group.
	writeUpgradePreview(t, dir, "orders-staging-db-params-postgres17-a1b2c3d", map[string]any{"EngineVersion": "18.1"})
	stacks, err := Load([]string{dir}, false)
	require.NoError(t, err)
	s := stacks[0]
	assert.Equal(t, 0, s.Counts.Scheduled)
	assert.Equal(t, 1, s.Counts.Update)
	assert.Len(t, s.Drift, 1)
	assert.Contains(t, Render(stacks, Decide(stacks, false), Options{ExpectNoChanges: true}), "Drift.")
}
