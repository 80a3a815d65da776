package dbstack_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbspec"
	"github.com/pgplatform/platform/database/postgres"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/naming"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pgplatform/platform/shared/tags"
	"github.com/pgplatform/platform/shared/testsupport/committed"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

const (
	clusterTok   = "aws:rds/cluster:Cluster"
	clusterPGTok = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
)

// clusterSpec is orders-dev's committed config resolved as the program
// resolves it, then made a Multi-AZ DB cluster: a class, storage and IOPS
// that AWS accepts for one, and the cluster's own event subscription.
func clusterSpec(t *testing.T) spec.Database {
	t.Helper()
	s, err := stacks.Find(committed.Stacks(t), contract.DatabaseProject, "orders-dev")
	require.NoError(t, err)
	cfg, err := config.LoadDatabase(config.MapSource("database", s.Config))
	require.NoError(t, err)
	plan := dbspec.ResolveConfig(cfg, planned)
	plan.Deployment = spec.DeployCluster
	plan.Instance.InstanceClass = "db.m6gd.large"
	plan.Instance.StorageType = "io1"
	plan.Instance.AllocatedStorageGb = 100
	plan.Instance.Iops = 1000
	plan.Instance.MaxAllocatedStorageGb = 0 // no storage autoscaling for a cluster
	if !hasSubscription(plan, "db-cluster") {
		plan.EventSubscriptions = append([]spec.EventSubscription{{SourceType: "db-cluster", Categories: dbspec.ClusterEventCategories}}, plan.EventSubscriptions...)
	}
	return plan
}

func hasSubscription(plan spec.Database, sourceType string) bool {
	for _, es := range plan.EventSubscriptions {
		if es.SourceType == sourceType {
			return true
		}
	}
	return false
}

// clusterRun is one run of the component for a plan under the mocks.
type clusterRun struct {
	m   *pulumimocks.Mocks
	out map[string]any
}

func runCluster(t *testing.T, plan spec.Database) clusterRun {
	t.Helper()
	m := pulumimocks.New()
	out := map[string]any{}
	err := pulumimocks.Run(m, "database", "orders-dev", nil, func(ctx *pulumi.Context) error {
		db, err := postgres.NewMultiAZ(ctx, naming.Base(plan.App, plan.Environment), &postgres.Args{
			Spec: plan,
			Network: contract.Network{
				VpcID:             pulumi.String("vpc-1").ToStringOutput(),
				DatabaseSubnetIDs: pulumi.ToStringArray([]string{"subnet-a", "subnet-b", "subnet-c"}).ToStringArrayOutput(),
			},
			AppSubnetCidrs: []string{"10.20.32.0/20"},
			AccountID:      pulumimocks.Account,
			Partition:      "aws",
			Tags:           tags.New(plan.Environment, string(plan.Tier), "database", "orders-dev", nil),
		})
		if err != nil {
			return err
		}
		return contract.Export(db.Outputs, func(k string, v pulumi.Input) { out[k] = v })
	})
	require.NoError(t, err)
	for k, v := range out {
		got, err := pulumimocks.Await(v.(pulumi.Output))
		require.NoError(t, err, k)
		out[k] = got
	}
	return clusterRun{m: m, out: out}
}

func (r clusterRun) one(t *testing.T, token string) pulumimocks.Resource {
	t.Helper()
	res := r.m.OfType(token)
	require.Len(t, res, 1, "want exactly one %s", token)
	return res[0]
}

// arnOf is the ARN the mocks give a resource.
func arnOf(t *testing.T, r pulumimocks.Resource) string {
	t.Helper()
	svc := strings.SplitN(strings.TrimPrefix(r.Type, "aws:"), "/", 2)[0]
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", svc, pulumimocks.Region, pulumimocks.Account, r.ID)
}

// TestClusterRendersTheSpec: a cluster spec declares one Multi-AZ DB
// cluster and no instance, with every setting of the spec as the input the
// provider takes for it, the stack's key wherever the spec names it, and
// the cluster parameter group of the spec's family with the same entries
// an instance's group gets.
func TestClusterRendersTheSpec(t *testing.T) {
	plan := clusterSpec(t)
	p := plan.Instance
	r := runCluster(t, plan)

	assert.Empty(t, r.m.OfType("aws:rds/instance:Instance"), "a cluster declares no DB instance")
	assert.Empty(t, r.m.OfType("aws:rds/parameterGroup:ParameterGroup"), "a cluster declares no DB parameter group")
	c := r.one(t, clusterTok)
	key := arnOf(t, r.one(t, "aws:kms/key:Key"))
	role := arnOf(t, r.one(t, "aws:iam/role:Role"))
	sg := r.one(t, "aws:ec2/securityGroup:SecurityGroup")
	subnets := r.one(t, "aws:rds/subnetGroup:SubnetGroup")

	var groups []pulumimocks.Resource
	for _, g := range r.m.OfType(clusterPGTok) {
		if g.String("family") == plan.ParameterFamily {
			groups = append(groups, g)
		}
	}
	require.Len(t, groups, 1, "one cluster parameter group of family %s", plan.ParameterFamily)
	pg := groups[0]
	var params []spec.Parameter
	for _, e := range pg.Input("parameters").([]any) {
		m := e.(map[string]any)
		params = append(params, spec.Parameter{Name: m["name"].(string), Value: m["value"].(string), ApplyMethod: m["applyMethod"].(string)})
	}
	assert.Equal(t, dbspec.Parameters(plan), params, "the cluster group's entries are the instance group's")
	assert.Contains(t, params, spec.Parameter{Name: "rds.force_ssl", Value: "1", ApplyMethod: "pending-reboot"})

	id := c.String("clusterIdentifier")
	assert.Regexp(t, `^orders-dev-[0-9a-f]{8}$`, id)
	assert.LessOrEqual(t, len(id), 52, "Multi-AZ DB cluster identifiers are at most 52 characters")
	want := map[string]any{
		"engine":                             "postgres",
		"engineVersion":                      p.EngineVersion,
		"dbClusterInstanceClass":             "db.m6gd.large",
		"storageType":                        "io1",
		"allocatedStorage":                   100.0,
		"iops":                               1000.0,
		"storageEncrypted":                   true,
		"kmsKeyId":                           key,
		"databaseName":                       plan.DatabaseName,
		"masterUsername":                     p.MasterUsername,
		"manageMasterUserPassword":           true,
		"masterUserSecretKmsKeyId":           key,
		"port":                               float64(plan.Port),
		"dbSubnetGroupName":                  pulumimocks.AutoName(subnets.Name),
		"vpcSecurityGroupIds":                []any{sg.ID},
		"dbClusterParameterGroupName":        pulumimocks.AutoName(pg.Name),
		"iamDatabaseAuthenticationEnabled":   true,
		"backupRetentionPeriod":              float64(p.BackupRetentionDays),
		"preferredBackupWindow":              p.BackupWindow,
		"preferredMaintenanceWindow":         p.MaintenanceWindow,
		"copyTagsToSnapshot":                 true,
		"deletionProtection":                 p.DeletionProtection,
		"skipFinalSnapshot":                  false,
		"finalSnapshotIdentifier":            naming.FinalSnapshotIdentifier(id, naming.FinalSnapshotSuffix(planned)),
		"applyImmediately":                   plan.ApplyImmediately,
		"caCertificateIdentifier":            p.CACertIdentifier,
		"monitoringInterval":                 float64(p.MonitoringInterval),
		"monitoringRoleArn":                  role,
		"performanceInsightsEnabled":         true,
		"performanceInsightsKmsKeyId":        key,
		"performanceInsightsRetentionPeriod": float64(p.PerformanceInsightsRetentionDays),
	}
	for k, v := range want {
		assert.Equal(t, v, c.Input(k), "cluster input %s", k)
	}
	assert.ElementsMatch(t, p.LogExports, c.Input("enabledCloudwatchLogsExports"))
	assert.Nil(t, c.Input("clusterIdentifierPrefix"))
	assert.Nil(t, c.Input("availabilityZones"), "RDS places the writer and readers in the subnet group's zones")
	assert.Equal(t, []string{"finalSnapshotIdentifier"}, c.IgnoreChanges)
	assert.Equal(t, plan.Protect, c.Protect)

	// The log groups of the exports are the cluster's, under the key, and
	// the cluster waits for them and for the key's full policy.
	policy := r.one(t, "aws:kms/keyPolicy:KeyPolicy")
	for _, export := range p.LogExports {
		name := "/aws/rds/cluster/" + id + "/" + export
		lg, ok := r.m.Named("aws:cloudwatch/logGroup:LogGroup", "orders-dev-log-"+export)
		require.True(t, ok, "log group of %s", export)
		assert.Equal(t, name, lg.String("name"))
		assert.Equal(t, key, lg.String("kmsKeyId"))
		assert.True(t, dependsOn(c, lg), "the cluster waits for its %s log group", export)
		assert.Contains(t, policy.String("policy"), fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", pulumimocks.Region, pulumimocks.Account, name),
			"the key lets CloudWatch Logs use it for the cluster's %s log group", export)
	}
	assert.NotContains(t, policy.String("policy"), "/aws/rds/instance/")
	assert.True(t, dependsOn(c, policy), "the cluster waits for the key's full policy")

	// Every child is the component's.
	for _, res := range r.m.Resources() {
		if res.Type == postgres.ComponentType || res.Type == "pulumi:pulumi:Stack" {
			continue
		}
		assert.Contains(t, res.Parent, postgres.ComponentType+"::orders-dev", "%s %s", res.Type, res.Name)
	}
}

// TestClusterOutputs: the contract of a cluster names the cluster: its
// writer endpoint (host:port, as an instance's), address and port, its
// reader endpoint, its resource ID (which the IAM connect ARN names), its
// managed secret, and no instance identifier; applications are told the
// writer.
func TestClusterOutputs(t *testing.T) {
	r := runCluster(t, clusterSpec(t))
	id := r.one(t, clusterTok).String("clusterIdentifier")
	host := id + ".cluster-abcdefghijkl." + pulumimocks.Region + ".rds.amazonaws.com"
	want := map[string]any{
		"deployment":            "cluster",
		"clusterIdentifier":     id,
		"instanceIdentifier":    "",
		"endpoint":              host + ":5432",
		"address":               host,
		"port":                  5432,
		"readerEndpoint":        id + ".cluster-ro-abcdefghijkl." + pulumimocks.Region + ".rds.amazonaws.com",
		"resourceId":            "cluster-" + strings.ToUpper(strings.ReplaceAll(id, "-", "")),
		"masterSecretArn":       "arn:aws:secretsmanager:" + pulumimocks.Region + ":" + pulumimocks.Account + ":secret:rds!cluster-" + id + "-AbCdEf",
		"applicationEndpoint":   host,
		"proxyEndpoint":         "",
		"proxyReadOnlyEndpoint": "",
		"drRegion":              "",
		"drKmsKeyArn":           "",
		"drBackupsArn":          "",
	}
	for k, v := range want {
		assert.EqualValues(t, v, r.out[k], "output %s", k)
	}
}

// TestClusterAlarmsAndEvents: the alarms select the cluster's metrics and
// add replica lag; the event subscriptions cover the cluster, its DB
// instances and the account's DB parameter and security groups, and the
// topic policy lets exactly those sources publish.
func TestClusterAlarmsAndEvents(t *testing.T) {
	plan := clusterSpec(t)
	r := runCluster(t, plan)
	id := r.one(t, clusterTok).String("clusterIdentifier")
	members := []any{id + "-instance-1", id + "-instance-2", id + "-instance-3"}

	alarms := r.m.OfType("aws:cloudwatch/metricAlarm:MetricAlarm")
	var metrics []string
	for _, a := range alarms {
		metrics = append(metrics, a.String("metricName"))
		assert.Equal(t, map[string]any{"DBClusterIdentifier": id}, a.Input("dimensions"), a.Name)
		assert.Equal(t, "AWS/RDS", a.String("namespace"), a.Name)
	}
	assert.ElementsMatch(t, []string{"CPUUtilization", "FreeStorageSpace", "FreeableMemory", "DatabaseConnections", "ReadLatency", "WriteLatency", "ReplicaLag"}, metrics)
	lag, ok := r.m.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "orders-dev-alarm-replica-lag")
	require.True(t, ok)
	assert.Equal(t, "Maximum", lag.String("statistic"))
	assert.Equal(t, float64(postgres.ReplicaLagAlarmSeconds), lag.Input("threshold"))
	assert.Equal(t, "GreaterThanThreshold", lag.String("comparisonOperator"))

	events := map[string]pulumimocks.Resource{}
	for _, e := range r.m.OfType("aws:rds/eventSubscription:EventSubscription") {
		events[e.String("sourceType")] = e
	}
	require.Contains(t, events, "db-cluster")
	assert.Equal(t, []any{id}, events["db-cluster"].Input("sourceIds"))
	assert.ElementsMatch(t, dbspec.ClusterEventCategories, events["db-cluster"].Input("eventCategories"))
	assert.Equal(t, members, events["db-instance"].Input("sourceIds"), "db-instance events come from the cluster's DB instances")
	assert.Nil(t, events["db-parameter-group"].Input("sourceIds"), "a cluster has no DB parameter group of its own")
	for _, sourceType := range []string{"db-cluster", "db-instance", "db-parameter-group", "db-security-group"} {
		assert.Contains(t, events, sourceType)
	}

	var doc struct {
		Statement []struct {
			Sid       string
			Condition map[string]map[string]any
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.one(t, "aws:sns/topicPolicy:TopicPolicy").String("policy")), &doc))
	var rdsSources any
	for _, s := range doc.Statement {
		if s.Sid == "ThisStacksRdsEvents" {
			rdsSources = s.Condition["ArnLike"]["aws:SourceArn"]
		}
	}
	prefix := "arn:aws:rds:" + pulumimocks.Region + ":" + pulumimocks.Account + ":"
	assert.ElementsMatch(t, []any{
		"arn:aws:rds:" + pulumimocks.Region + ":" + pulumimocks.Account + ":" + id, // the mocks' ARN of the cluster
		prefix + "db:" + id + "-instance-1", prefix + "db:" + id + "-instance-2", prefix + "db:" + id + "-instance-3",
		prefix + "pg:*", prefix + "secgrp:*",
	}, rdsSources)
}

// TestClusterIdentifierFollowsReplacingInputs: the cluster identifier is
// new exactly when an input the provider replaces the cluster for changes
// (storage type, engine, database name, master user, port), so the
// replacement can be created before the old cluster is deleted, and stays
// when an in-place input (class, IOPS, backups) changes.
func TestClusterIdentifierFollowsReplacingInputs(t *testing.T) {
	base := clusterSpec(t)
	idOf := func(plan spec.Database) string {
		return runCluster(t, plan).one(t, clusterTok).String("clusterIdentifier")
	}
	id := idOf(base)
	identifier := regexp.MustCompile(`^[a-z](-?[a-z0-9])*$`)
	require.True(t, identifier.MatchString(id), id)
	assert.Equal(t, id, idOf(base), "the same spec gives the same identifier")

	replacing := map[string]func(*spec.Database){
		"storage type":  func(s *spec.Database) { s.Instance.StorageType = "io2" },
		"database name": func(s *spec.Database) { s.DatabaseName = "orders2" },
		"master user":   func(s *spec.Database) { s.Instance.MasterUsername = "orders_owner" },
		"port":          func(s *spec.Database) { s.Port = 5433; setIngressPort(s, 5433) },
	}
	for name, change := range replacing {
		plan := clusterSpec(t)
		change(&plan)
		assert.NotEqual(t, id, idOf(plan), "%s replaces the cluster: it needs a new identifier", name)
	}
	inPlace := map[string]func(*spec.Database){
		"class":   func(s *spec.Database) { s.Instance.InstanceClass = "db.r6gd.xlarge" },
		"iops":    func(s *spec.Database) { s.Instance.Iops = 2000 },
		"backups": func(s *spec.Database) { s.Instance.BackupRetentionDays = 14 },
	}
	for name, change := range inPlace {
		plan := clusterSpec(t)
		change(&plan)
		assert.Equal(t, id, idOf(plan), "%s updates the cluster in place: the identifier stays", name)
	}
}

// dependsOn reports whether r names dep in its dependsOn option.
func dependsOn(r, dep pulumimocks.Resource) bool {
	for _, u := range r.Dependencies {
		if strings.HasSuffix(u, "$"+dep.URN) {
			return true
		}
	}
	return false
}

func setIngressPort(s *spec.Database, port int) {
	for i := range s.Ingress {
		s.Ingress[i].Port = port
	}
}

// TestClusterMonitoringTrustCoversItsInstances: the monitoring role's trust
// binds aws:SourceArn to DB instances named after this stack's clusters,
// which an instance identifier pattern would not match.
func TestClusterMonitoringTrustCoversItsInstances(t *testing.T) {
	r := runCluster(t, clusterSpec(t))
	id := r.one(t, clusterTok).String("clusterIdentifier")
	trust := r.one(t, "aws:iam/role:Role").String("assumeRolePolicy")
	want := fmt.Sprintf("arn:aws:rds:%s:%s:db:orders-dev-????????*", pulumimocks.Region, pulumimocks.Account)
	assert.Contains(t, trust, want)
	pattern := regexp.MustCompile("^" + strings.ReplaceAll(strings.ReplaceAll(regexp.QuoteMeta(want), `\?`, "."), `\*`, ".*") + "$")
	assert.True(t, pattern.MatchString(fmt.Sprintf("arn:aws:rds:%s:%s:db:%s-instance-1", pulumimocks.Region, pulumimocks.Account, id)))
	assert.False(t, pattern.MatchString(fmt.Sprintf("arn:aws:rds:%s:%s:db:payments-dev-0123abcd-instance-1", pulumimocks.Region, pulumimocks.Account)))
}

// clusterConfig is orders-dev's committed stack file made a cluster, as an
// app team would write it: the shape, a class Multi-AZ DB clusters take,
// the smallest storage its default storage type takes, and no storage
// autoscaling ceiling (the storage type and IOPS are the cluster
// defaults).
func clusterConfig(t *testing.T) (stacks.Stack, map[string]string) {
	t.Helper()
	s, err := stacks.Find(committed.Stacks(t), contract.DatabaseProject, "orders-dev")
	require.NoError(t, err)
	cfg := map[string]string{}
	for k, v := range s.Config {
		cfg[k] = v
	}
	cfg["database:deployment"] = "cluster"
	cfg["database:instanceClass"] = "db.m6gd.large"
	cfg["database:allocatedStorageGb"] = "100"
	delete(cfg, "database:maxAllocatedStorageGb")
	return s, cfg
}

// TestProgramDeploysACluster: the database program, given a stack file
// with database:deployment cluster and the dev network (three zones),
// declares the cluster and exports the contract of a cluster.
func TestProgramDeploysACluster(t *testing.T) {
	s, cfg := clusterConfig(t)
	r := runDatabase(t, s, cfg)
	require.NoError(t, r.err)
	assert.Empty(t, r.mocks.OfType("aws:rds/instance:Instance"))
	c := r.one(t, clusterTok)
	id := c.String("clusterIdentifier")
	plan := dbspec.ResolveConfig(r.cfg, planned)
	assert.Equal(t, spec.DeployCluster, plan.Deployment)
	assert.Equal(t, plan.Instance.StorageType, c.String("storageType"))
	assert.Equal(t, float64(plan.Instance.Iops), c.Input("iops"))
	assert.Equal(t, "db.m6gd.large", c.String("dbClusterInstanceClass"))
	assert.Nil(t, c.Input("maxAllocatedStorage"))

	assert.Equal(t, "cluster", r.export(t, "deployment"))
	assert.Equal(t, id, r.export(t, "clusterIdentifier"))
	assert.Equal(t, "", r.export(t, "instanceIdentifier"))
	assert.Equal(t, id+".cluster-ro-abcdefghijkl."+pulumimocks.Region+".rds.amazonaws.com", r.export(t, "readerEndpoint"))
	assert.Equal(t, r.export(t, "address"), r.export(t, "applicationEndpoint"), "applications are told the writer")
	assert.Equal(t, fmt.Sprintf("%v:%v", r.export(t, "address"), r.export(t, "port")), r.export(t, "endpoint"))
	assert.Regexp(t, `^cluster-`, r.export(t, "resourceId"))
}

// TestProgramRefusesAClusterOnTwoZones: a cluster on a network with two
// zones is refused by the three-zones rule before anything is declared;
// an instance on the same network is not.
func TestProgramRefusesAClusterOnTwoZones(t *testing.T) {
	s, cfg := clusterConfig(t)
	netOut := networkOutputs(t, s.Environment)
	zones := netOut["availabilityZones"].([]any)
	require.GreaterOrEqual(t, len(zones), 3, "dev's network spans three zones")
	netOut["availabilityZones"] = zones[:2]

	m := newMocksWith(netOut, s.Environment)
	err := runWithConfig(m, s, cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "three-zones")
	assert.Contains(t, err.Error(), fmt.Sprint(zones[0])+","+fmt.Sprint(zones[1]))
	assert.Empty(t, declared(m), "nothing is declared")

	m = newMocksWith(netOut, s.Environment)
	require.NoError(t, runWith(m, s), "an instance needs no third zone")
}
