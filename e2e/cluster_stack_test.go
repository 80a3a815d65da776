//go:build e2e

package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/contract"
)

// TestClusterStack deploys dev's orders database as a Multi-AZ DB cluster
// (database:deployment: cluster) through the deploy tool, the real network
// and database programs, the engine and the double: dev's committed
// network spans three zones (network:azCount: 3), which a cluster needs.
// The stack is created, previewed after a refresh with no changes, and
// destroyed, leaving nothing and no failed call.
func TestClusterStack(t *testing.T) {
	w := newWorld(t)
	sb := w.sandbox()
	const stack = "orders-dev"
	// The stack file an app team writes for a cluster: the shape, a class
	// Multi-AZ DB clusters take, the smallest storage of the default
	// storage type, and no autoscaling ceiling (clusters have none).
	sb.editEnv(contract.DatabaseProject, stack, "database:instanceClass: db.t4g.medium",
		"database:deployment: cluster\n  database:instanceClass: db.m6gd.large")
	sb.editEnv(contract.DatabaseProject, stack, "database:allocatedStorageGb: 20", "database:allocatedStorageGb: 100")
	sb.editEnv(contract.DatabaseProject, stack, "  database:maxAllocatedStorageGb: 100\n", "")

	net := sb.deploy("up", "--env", "dev", "--stack", "dev")
	require.Zero(t, net.code, "deploy up of network/dev\n%s", net)
	zones, _ := w.state(contract.NetworkProject, "dev").outputs()["availabilityZones"].([]any)
	require.Len(t, zones, 3, "dev's network spans three zones")

	jsonDir := filepath.Join(w.dir, "events-up")
	up := sb.deploy("up", "--env", "dev", "--stack", stack, "--json-dir", jsonDir)
	require.Zero(t, up.code, "deploy up of %s as a cluster\n%s", stack, up)

	out := w.state(contract.DatabaseProject, stack).outputs()
	for _, name := range contract.Names(contract.Database{}) {
		assert.Contains(t, out, name, "%s exports %s", stack, name)
	}
	assert.Empty(t, databaseRecords(w, "aws:rds/instance:Instance"), "a cluster stack has no DB instance of its own")
	assert.Empty(t, databaseRecords(w, "aws:rds/parameterGroup:ParameterGroup"))
	cluster := oneDatabaseRecord(t, w, "aws:rds/cluster:Cluster")
	id, _ := cluster.Outputs["clusterIdentifier"].(string)
	assert.Regexp(t, `^orders-dev-[0-9a-f]{8}$`, id)

	// The contract of a cluster, from what the double's RDS reports.
	assert.Equal(t, "cluster", out["deployment"])
	assert.Equal(t, id, out["clusterIdentifier"])
	assert.Equal(t, "", out["instanceIdentifier"])
	assert.Equal(t, cluster.Outputs["endpoint"], out["address"], "address is the writer (cluster) endpoint")
	assert.Equal(t, cluster.Outputs["endpoint"].(string)+":5432", out["endpoint"])
	assert.Equal(t, cluster.Outputs["readerEndpoint"], out["readerEndpoint"])
	assert.Regexp(t, `\.cluster-ro-`, out["readerEndpoint"])
	assert.Equal(t, cluster.Outputs["clusterResourceId"], out["resourceId"], "resourceId is the cluster's, which the IAM connect ARN names")
	assert.Equal(t, out["address"], out["applicationEndpoint"], "without a proxy applications are told the writer")
	assert.Empty(t, out["proxyEndpoint"])
	for _, name := range []string{"drRegion", "drKmsKeyArn", "drBackupsArn", "drNetworkStack", "drSubnetGroupName", "drParameterGroupName"} {
		assert.Equal(t, "", out[name], "a stack without database:dr exports an empty %s", name)
	}
	secrets, _ := fakeaws.Unsecret(cluster.Outputs["masterUserSecrets"]).([]any)
	require.Len(t, secrets, 1)
	secret, _ := secrets[0].(map[string]any)
	assert.Equal(t, secret["secretArn"], out["masterSecretArn"])

	// The cluster as declared: encrypted, its secret and Performance
	// Insights under the stack's key, its cluster parameter group.
	key := out["kmsKeyArn"]
	in := func(k string) any { return fakeaws.Unsecret(cluster.Inputs[k]) }
	assert.Equal(t, "postgres", in("engine"))
	assert.Equal(t, "db.m6gd.large", in("dbClusterInstanceClass"))
	assert.Equal(t, true, in("storageEncrypted"))
	assert.Equal(t, key, in("kmsKeyId"))
	assert.Equal(t, true, in("manageMasterUserPassword"))
	assert.Equal(t, key, in("masterUserSecretKmsKeyId"))
	assert.Equal(t, key, in("performanceInsightsKmsKeyId"))
	assert.Equal(t, true, in("iamDatabaseAuthenticationEnabled"))
	// The cluster runs on its family's group; the group of the family
	// before is kept, as for an instance, for a major upgrade.
	families := map[string]fakeaws.Record{}
	for _, rec := range databaseRecords(w, "aws:rds/clusterParameterGroup:ClusterParameterGroup") {
		families[asString(rec.Inputs["family"])] = rec
	}
	require.Contains(t, families, "postgres16")
	assert.Contains(t, families, "postgres15")
	params := families["postgres16"]
	assert.Equal(t, params.ID, in("dbClusterParameterGroupName"))
	assert.Contains(t, fakeaws.Unsecret(params.Inputs["parameters"]), map[string]any{"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"})

	// The exports' log groups are the cluster's, under the stack's key.
	var logGroups []string
	for _, rec := range databaseRecords(w, "aws:cloudwatch/logGroup:LogGroup") {
		logGroups = append(logGroups, rec.ID)
		assert.Equal(t, key, fakeaws.Unsecret(rec.Inputs["kmsKeyId"]), rec.ID)
	}
	assert.ElementsMatch(t, []string{"/aws/rds/cluster/" + id + "/postgresql", "/aws/rds/cluster/" + id + "/upgrade"}, logGroups)

	// The cluster's own events, and its replica lag alarm.
	var clusterEvents []any
	for _, rec := range databaseRecords(w, "aws:rds/eventSubscription:EventSubscription") {
		if rec.Inputs["sourceType"] == "db-cluster" {
			clusterEvents = append(clusterEvents, fakeaws.Unsecret(rec.Inputs["sourceIds"]))
		}
	}
	assert.Equal(t, []any{[]any{id}}, clusterEvents, "one db-cluster subscription, on the cluster")
	var lag []any
	for _, rec := range databaseRecords(w, "aws:cloudwatch/metricAlarm:MetricAlarm") {
		assert.Equal(t, map[string]any{"DBClusterIdentifier": id}, fakeaws.Unsecret(rec.Inputs["dimensions"]), rec.URN)
		if rec.Inputs["metricName"] == "ReplicaLag" {
			lag = append(lag, rec.Inputs["statistic"])
		}
	}
	assert.Equal(t, []any{"Maximum"}, lag, "one replica lag alarm")

	// A second look changes nothing: the refreshed preview has no changes
	// and no call changed the double.
	before := len(w.calls())
	pre := sb.deploy("preview", "--env", "dev", "--stack", stack, "--refresh", "--expect-no-changes")
	require.Zero(t, pre.code, "a refreshed preview of %s has no changes\n%s", stack, pre)
	assert.Empty(t, changedCalls(w.calls()[before:]), "the preview changed nothing in AWS")
	summary := w.summary(filepath.Join(jsonDir, contract.DatabaseProject+"-"+stack+".json"))
	assert.Positive(t, summary.ResourceChanges[apitype.OpCreate], "the up created the stack")

	sb.destroyDev(stack)
}

// destroyDev destroys the database stack, then dev's network, and checks
// that the double holds nothing after them and that no call to it failed.
func (s *sandbox) destroyDev(stack string) {
	t := s.w.t
	t.Helper()
	down := s.deploy("destroy", "--env", "dev", "--stack", stack)
	require.Zero(t, down.code, "deploy destroy of %s\n%s", stack, down)
	netDown := s.deploy("destroy", "--env", "dev", "--stack", "dev")
	require.Zero(t, netDown.code, "deploy destroy of network/dev\n%s", netDown)
	var left []string
	for _, rec := range s.w.records() {
		left = append(left, rec.Type+" "+rec.URN)
	}
	assert.Empty(t, left, "records after destroy")
	for _, c := range s.w.calls() {
		assert.Empty(t, c.Error, "%s %s %s failed in the double", c.Method, c.Type, c.URN)
	}
}

// databaseRecords are the live records of a type that database stacks
// made.
func databaseRecords(w *world, typ string) []fakeaws.Record {
	var found []fakeaws.Record
	for _, rec := range w.records() {
		if rec.Type == typ && strings.Contains(rec.URN, "::"+contract.DatabaseProject+"::") {
			found = append(found, rec)
		}
	}
	return found
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func oneDatabaseRecord(t *testing.T, w *world, typ string) fakeaws.Record {
	t.Helper()
	found := databaseRecords(w, typ)
	require.Len(t, found, 1, "records of %s", typ)
	return found[0]
}
