package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/scripts/internal/report"
)

const instanceURN = "urn:pulumi:orders-staging::database::aws:rds/instance:Instance::orders-staging-db"

// previewEvents are the events of a preview that sees one RDS instance,
// named db-running in AWS, which the program renames to db-new.
func previewEvents(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	for _, e := range []apitype.EngineEvent{
		{Sequence: 1, ResourcePreEvent: &apitype.ResourcePreEvent{Metadata: apitype.StepEventMetadata{
			Op: apitype.OpUpdate, URN: instanceURN, Type: rdsInstanceType,
			Old: &apitype.StepEventStateMetadata{URN: instanceURN, Inputs: map[string]any{"identifier": "db-new"}, Outputs: map[string]any{"identifier": "db-running"}},
			New: &apitype.StepEventStateMetadata{URN: instanceURN, Inputs: map[string]any{"identifier": "db-new"}},
		}}},
		{Sequence: 2, SummaryEvent: &apitype.SummaryEvent{IsPreview: true}},
	} {
		require.NoError(t, json.NewEncoder(&b).Encode(e))
	}
	return b.String()
}

func runPending(t *testing.T, f *fakeEngine, reader PendingReader) (string, string) {
	t.Helper()
	dir := t.TempDir()
	opts := Options{Op: Preview, Env: "staging", Stacks: []string{"orders-staging"}, JSONDir: dir}
	all := catalog()
	for i := range all {
		if all[i].Name == "orders-staging" {
			all[i].Config["aws:region"] = "eu-west-1"
		}
	}
	p, err := NewPlan(all, opts)
	require.NoError(t, err)
	f.inventory = map[string]map[string]int{"network": {"staging": 3}}
	var out bytes.Buffer
	r := Runner{Engine: f, Out: &out, Err: &out, Now: clock(), Pending: reader}
	_, err = r.Run(context.Background(), all, p, opts)
	require.NoError(t, err)
	return dir, out.String()
}

func readPending(t *testing.T, dir string) report.PendingFile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "database-orders-staging"+report.PendingSuffix))
	require.NoError(t, err)
	var pf report.PendingFile
	require.NoError(t, json.Unmarshal(data, &pf))
	return pf
}

func TestPreviewRecordsThePendingModificationsBesideItsEvents(t *testing.T) {
	var asked []string
	reader := func(_ context.Context, region, id string) (string, map[string]any, bool, error) {
		asked = append(asked, region+"/"+id)
		return "sun:04:00-sun:05:00", map[string]any{"DBInstanceClass": "db.r6g.large"}, true, nil
	}
	f := &fakeEngine{events: previewEvents(t)}
	dir, out := runPending(t, f, reader)

	assert.Equal(t, []string{"eu-west-1/db-running"}, asked, "the instance is asked for by the name it has in AWS, in the stack's region")
	pf := readPending(t, dir)
	assert.Equal(t, "database/orders-staging", pf.Stack)
	require.Len(t, pf.Instances, 1)
	assert.Equal(t, report.PendingInstance{URN: instanceURN, Identifier: "db-running", Region: "eu-west-1",
		MaintenanceWindow: "sun:04:00-sun:05:00", Pending: map[string]any{"DBInstanceClass": "db.r6g.large"}}, pf.Instances[0])
	assert.Contains(t, out, "holds modifications for its maintenance window sun:04:00-sun:05:00: DBInstanceClass=db.r6g.large")

	// The report reads the folder without taking the file for a preview.
	stacks, err := report.Load([]string{dir}, false)
	require.NoError(t, err)
	assert.Len(t, stacks, 1)
}

func TestAPendingReadFailureIsRecordedNotFatal(t *testing.T) {
	reader := func(context.Context, string, string) (string, map[string]any, bool, error) {
		return "", nil, false, errors.New("AccessDenied: not authorized to perform rds:DescribeDBInstances")
	}
	dir, out := runPending(t, &fakeEngine{events: previewEvents(t)}, reader)
	pf := readPending(t, dir)
	assert.Contains(t, pf.Error, "AccessDenied")
	assert.Empty(t, pf.Instances)
	assert.Contains(t, out, "warning: the RDS pending modifications could not be read")
}

func TestNoPendingFileWithoutAnInstanceOrAReader(t *testing.T) {
	dir, _ := runPending(t, &fakeEngine{events: `{"sequence":1,"summaryEvent":{"isPreview":true}}` + "\n"}, func(context.Context, string, string) (string, map[string]any, bool, error) {
		t.Fatal("no instance to ask about")
		return "", nil, false, nil
	})
	_, err := os.Stat(filepath.Join(dir, "database-orders-staging"+report.PendingSuffix))
	assert.True(t, os.IsNotExist(err), "no RDS instance, no file")

	dir, _ = runPending(t, &fakeEngine{events: previewEvents(t)}, nil)
	_, err = os.Stat(filepath.Join(dir, "database-orders-staging"+report.PendingSuffix))
	assert.True(t, os.IsNotExist(err), "no reader, no file")
}
