package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/stacks"
)

// Every scenario's edits apply to the committed stack files as they are
// now, so a change to a stack file that breaks a scenario shows here, not
// minutes into a recording.
func TestEveryScenarioAppliesToTheCommittedFiles(t *testing.T) {
	root, err := stacks.FindRoot(".")
	require.NoError(t, err)
	sb, err := newSandbox(root, t.TempDir())
	require.NoError(t, err)
	all, err := stacks.Discover(sb.root)
	require.NoError(t, err, "the sandbox's copies of the stack files form a valid catalog")
	for _, sc := range scenarios() {
		t.Run(sc.stack, func(t *testing.T) {
			_, err := stacks.Find(all, sc.project, sc.stack)
			require.NoError(t, err)
			before, err := os.ReadFile(sb.file(sc.project, sc.stack))
			require.NoError(t, err)
			restore, err := sb.apply(sc.project, sc.stack, sc.edits)
			require.NoError(t, err)
			if len(sc.edits) > 0 {
				edited, err := os.ReadFile(sb.file(sc.project, sc.stack))
				require.NoError(t, err)
				assert.NotEqual(t, string(before), string(edited))
			}
			require.NoError(t, restore())
			after, err := os.ReadFile(sb.file(sc.project, sc.stack))
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "restore puts the file back")
		})
	}
}

func TestTheSandboxPinsTheDoublesAccount(t *testing.T) {
	root, err := stacks.FindRoot(".")
	require.NoError(t, err)
	sb, err := newSandbox(root, t.TempDir())
	require.NoError(t, err)
	data, err := os.ReadFile(sb.file("network", "prod"))
	require.NoError(t, err)
	assert.Contains(t, string(data), `- "`+doubleAccount+`"`)
	orig, err := os.ReadFile(filepath.Join(root, stacks.Dir, "network", "Pulumi.prod.yaml"))
	require.NoError(t, err)
	assert.NotContains(t, string(orig), `- "`+doubleAccount+`"`, "prod's committed file pins another account, which the sandbox replaced")
}

func TestAnEditMustOccurExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	sb := &sandbox{root: dir}
	path := sb.file("network", "dev")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte("a: 1\nb: 1\n"), 0o600))
	_, err := sb.apply("network", "dev", []edit{{": 1\n", ": 2\n"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `holds ": 1\n" 2 times`)
	_, err = sb.apply("network", "dev", []edit{{"c: 1\n", "c: 2\n"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "0 times")
}

func TestADriftChangesOneResourceInTheDoublesRecords(t *testing.T) {
	w := &world{awsDir: t.TempDir()}
	recs := map[string]any{
		"generations": map[string]any{},
		"resources": []any{
			map[string]any{"type": "aws:rds/instance:Instance", "id": "db-1", "urn": "urn:pulumi:orders-staging::database::x$aws:rds/instance:Instance::orders-staging-db",
				"inputs":  map[string]any{"backupRetentionPeriod": 7, "tags": map[string]any{"ManagedBy": "pulumi", "App": "orders"}},
				"outputs": map[string]any{"backupRetentionPeriod": 7, "tags": map[string]any{"ManagedBy": "pulumi", "App": "orders"}, "tagsAll": map[string]any{"ManagedBy": "pulumi", "App": "orders"}, "allocatedStorage": 12345678901234567}},
			map[string]any{"type": "aws:rds/instance:Instance", "id": "db-2", "urn": "urn:pulumi:orders-prod::database::x$aws:rds/instance:Instance::orders-prod-db",
				"inputs":  map[string]any{"backupRetentionPeriod": 14},
				"outputs": map[string]any{"backupRetentionPeriod": 14}},
		},
	}
	data, err := json.Marshal(recs)
	require.NoError(t, err)
	path := filepath.Join(w.awsDir, "records.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))

	d := drift{typ: "aws:rds/instance:Instance", set: map[string]any{"backupRetentionPeriod": 1}, removeTags: []string{"ManagedBy"}}
	require.NoError(t, w.changeAWS("orders-staging", d))
	out, err := os.ReadFile(path)
	require.NoError(t, err)
	text := string(out)
	var got struct {
		Resources []struct {
			ID      string
			Inputs  map[string]any
			Outputs map[string]any
		}
	}
	require.NoError(t, json.Unmarshal(out, &got))
	require.Len(t, got.Resources, 2)
	staging, prod := got.Resources[0], got.Resources[1]
	for _, side := range []map[string]any{staging.Inputs, staging.Outputs} {
		assert.EqualValues(t, 1, side["backupRetentionPeriod"])
		assert.Equal(t, map[string]any{"App": "orders"}, side["tags"])
	}
	assert.Equal(t, map[string]any{"App": "orders"}, staging.Outputs["tagsAll"])
	assert.EqualValues(t, 14, prod.Outputs["backupRetentionPeriod"], "another stack's instance is left alone")
	assert.True(t, strings.Contains(text, "12345678901234567"), "large numbers survive the rewrite")

	err = w.changeAWS("payments-dev", d)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "0 resources of type aws:rds/instance:Instance in stack payments-dev")
}
