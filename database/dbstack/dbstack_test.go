package dbstack_test

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbspec"
	"github.com/pgplatform/platform/database/postgres"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/tags"
	"github.com/pgplatform/platform/shared/testsupport/committed"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

const (
	tKey        = "aws:kms/key:Key"
	tKeyPolicy  = "aws:kms/keyPolicy:KeyPolicy"
	tTopicSub   = "aws:sns/topicSubscription:TopicSubscription"
	tAlias      = "aws:kms/alias:Alias"
	tSubnetGrp  = "aws:rds/subnetGroup:SubnetGroup"
	tSG         = "aws:ec2/securityGroup:SecurityGroup"
	tIngress    = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tEgress     = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	tRole       = "aws:iam/role:Role"
	tAttachment = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tParams     = "aws:rds/parameterGroup:ParameterGroup"
	tInstance   = "aws:rds/instance:Instance"
	tLogGroup   = "aws:cloudwatch/logGroup:LogGroup"
	tTopic      = "aws:sns/topic:Topic"
	tTopicPol   = "aws:sns/topicPolicy:TopicPolicy"
	tAlarm      = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tEvents     = "aws:rds/eventSubscription:EventSubscription"
	tStackRef   = "pulumi:pulumi:StackReference"
	tRolePolicy = "aws:iam/rolePolicy:RolePolicy"
	tProxy      = "aws:rds/proxy:Proxy"
	tProxyPool  = "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup"
	tProxyTgt   = "aws:rds/proxyTarget:ProxyTarget"
	tProxyEp    = "aws:rds/proxyEndpoint:ProxyEndpoint"
)

// taggable classifies every type the database program registers, by
// whether the provider's resource takes tags (terraform-provider-aws v5:
// aws_db_proxy, aws_db_proxy_endpoint, aws_rds_cluster,
// aws_rds_cluster_parameter_group and aws_vpc_security_group_egress_rule
// have tags; aws_db_proxy_default_target_group, aws_db_proxy_target and
// aws_iam_role_policy have none).
var taggable = map[string]bool{
	tKey: true, tSubnetGrp: true, tSG: true, tIngress: true, tRole: true, tParams: true, tInstance: true,
	tLogGroup: true, tTopic: true, tAlarm: true, tEvents: true,
	tEgress: true, clusterTok: true, clusterPGTok: true, tProxy: true, tProxyEp: true,
	tAlias: false, tAttachment: false, tTopicPol: false, tStackRef: false, postgres.ComponentType: false,
	tKeyPolicy: false, tTopicSub: false, tRolePolicy: false, tProxyPool: false, tProxyTgt: false,
}

func strs(v any) []string {
	items, _ := v.([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, fmt.Sprint(it))
	}
	return out
}

func decode(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(doc), &m), doc)
	return m
}

// TestCommittedStacks runs the program for every committed database file
// and checks every property the stack promises on the inputs it registers,
// for the stack's shape: the Multi-AZ DB instance or the Multi-AZ DB
// cluster (database:deployment), with or without an RDS Proxy in front
// (database:proxy).
func TestCommittedStacks(t *testing.T) {
	for _, s := range committed.Of(t, contract.DatabaseProject) {
		t.Run(s.Name, func(t *testing.T) {
			require.NoError(t, config.CheckKeys("database", s.Config, config.DatabaseKeys), "unknown key in %s", s.File)
			r := runDatabase(t, s, s.Config)
			require.NoError(t, r.err)
			cfg := r.cfg
			strict := cfg.Tier.Strict()
			// db is the instance or the cluster, as the stack file's shape.
			db, id := r.database(t)
			cluster := cfg.Cluster()
			proxied := cfg.Proxy.Enabled
			base := r.base()
			key := r.one(t, tKey)
			keyArn := key.ID

			t.Run("kms key", func(t *testing.T) {
				assert.Equal(t, true, key.Input("enableKeyRotation"))
				// The exact documents are TestKeyPolicies'; here every
				// stack's full policy names each service it serves.
				kp := r.one(t, tKeyPolicy)
				assert.Equal(t, key.ID, kp.String("keyId"))
				policy := kp.String("policy")
				for _, svc := range []string{"rds.eu-west-1.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com", "logs.eu-west-1.amazonaws.com", "cloudwatch.amazonaws.com", "events.rds.amazonaws.com"} {
					assert.Contains(t, policy, svc)
				}
				assert.NotContains(t, policy, `"*"}`, "no wildcard principal")
				alias := r.one(t, tAlias)
				assert.Equal(t, "alias/pgp/"+cfg.App+"-"+cfg.Environment, alias.String("name"))
			})

			t.Run("subnet group over the isolated subnets", func(t *testing.T) {
				sg := r.one(t, tSubnetGrp)
				assert.Equal(t, strs(r.network["databaseSubnetIds"]), strs(sg.Input("subnetIds")))
				assert.Nil(t, sg.Input("name"), "the subnet group is auto-named")
			})

			t.Run("security group admits the port from named sources only", func(t *testing.T) {
				sg := r.named(t, tSG, base+"-sg")
				groupsWant := 1
				if proxied {
					groupsWant = 2
				}
				assert.Len(t, r.mocks.OfType(tSG), groupsWant, "the database's group, and the proxy's when there is a proxy")
				var proxySG pulumimocks.Resource
				if proxied {
					proxySG = r.named(t, tSG, base+"-proxy-sg")
				}
				for _, g := range r.mocks.OfType(tSG) {
					assert.Equal(t, r.network["vpcId"], g.String("vpcId"), g.Name)
					assert.Nil(t, g.Input("ingress"), "no inline rules on %s", g.Name)
					assert.Nil(t, g.Input("egress"), "no inline rules on %s", g.Name)
					assert.Nil(t, g.Input("name"), "%s is auto-named", g.Name)
				}
				// sources lists the CIDRs and groups the rules on one group
				// admit, each for TCP on the database port only.
				sources := func(groupID string) (cidrs, groups []string) {
					for _, rule := range r.mocks.OfType(tIngress) {
						if rule.String("securityGroupId") != groupID {
							continue
						}
						assert.Equal(t, "tcp", rule.String("ipProtocol"))
						assert.EqualValues(t, cfg.Port, rule.Input("fromPort"))
						assert.EqualValues(t, cfg.Port, rule.Input("toPort"))
						if c := rule.String("cidrIpv4"); c != "" {
							assert.NotEqual(t, "0.0.0.0/0", c)
							cidrs = append(cidrs, c)
						} else {
							groups = append(groups, rule.String("referencedSecurityGroupId"))
						}
						assert.Nil(t, rule.Input("cidrIpv6"))
					}
					return cidrs, groups
				}
				direct := strs(r.network["appSubnetCidrs"])
				for _, c := range cfg.AllowedCidrs {
					direct = append(direct, c.String())
				}
				var wantCidrs, wantGroups []string
				if !proxied || cfg.Proxy.DirectAccess {
					wantCidrs = direct
					wantGroups = append(wantGroups, cfg.AllowedSecurityGroups...)
				}
				if proxied {
					// The database admits the proxy's group, and nothing
					// else unless the stack keeps direct access.
					wantGroups = append(wantGroups, proxySG.ID)
				}
				cidrs, groups := sources(sg.ID)
				assert.ElementsMatch(t, wantCidrs, cidrs, "the database group's CIDR sources")
				assert.ElementsMatch(t, wantGroups, groups, "the database group's group sources")
				ingress := len(cidrs) + len(groups)
				var egressTargets []string
				for _, rule := range r.mocks.OfType(tEgress) {
					assert.NotEqual(t, sg.ID, rule.String("securityGroupId"), "the database starts no connections")
					assert.Equal(t, "tcp", rule.String("ipProtocol"))
					assert.EqualValues(t, cfg.Port, rule.Input("fromPort"))
					assert.EqualValues(t, cfg.Port, rule.Input("toPort"))
					assert.Empty(t, rule.String("cidrIpv4"), "the proxy sends to a group, not a network")
					egressTargets = append(egressTargets, rule.String("securityGroupId")+" -> "+rule.String("referencedSecurityGroupId"))
				}
				if proxied {
					// The proxy admits the application subnets and sends to
					// the database's group only.
					pcidrs, pgroups := sources(proxySG.ID)
					assert.ElementsMatch(t, strs(r.network["appSubnetCidrs"]), pcidrs, "the proxy admits the application subnets")
					assert.Empty(t, pgroups)
					ingress += len(pcidrs)
					assert.Equal(t, []string{proxySG.ID + " -> " + sg.ID}, egressTargets)
				} else {
					assert.Empty(t, egressTargets, "no proxy, no egress rule")
				}
				assert.Len(t, r.mocks.OfType(tIngress), ingress, "no rule on another group")
			})

			t.Run("monitoring role", func(t *testing.T) {
				role := r.named(t, tRole, base+"-monitoring")
				trust := role.String("assumeRolePolicy")
				assert.Contains(t, trust, `"Service":"monitoring.rds.amazonaws.com"`)
				assert.Contains(t, trust, `"aws:SourceAccount":"`+pulumimocks.Account+`"`)
				// Bound to this stack's instances, the one declared among
				// them, or a cluster's DB instances, which RDS names after
				// the cluster (IAM StringLike matches as path.Match does
				// here).
				source := "arn:aws:rds:eu-west-1:" + pulumimocks.Account + ":db:" + base + "-????????"
				member := id
				if cluster {
					source += "*"
					member = id + "-instance-1"
				}
				assert.Contains(t, trust, `"StringLike":{"aws:SourceArn":"`+source+`"}`)
				matches, err := path.Match(source, "arn:aws:rds:eu-west-1:"+pulumimocks.Account+":db:"+member)
				assert.NoError(t, err)
				assert.True(t, matches, "the trust's aws:SourceArn %s does not match the DB instance %s", source, member)
				assert.NoError(t, guardrails.CheckTrustPolicy(trust, guardrails.PolicyScope{Account: pulumimocks.Account, TrustService: "monitoring.rds.amazonaws.com", TrustSourceArn: source}))
				att := r.one(t, tAttachment)
				assert.Equal(t, "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole", att.String("policyArn"))
				assert.Equal(t, pulumimocks.AutoName(role.Name), att.String("role"))
				assert.Contains(t, db.String("monitoringRoleArn"), role.Name)
			})

			t.Run("parameter group", func(t *testing.T) {
				pg := r.currentParams(t)
				assert.Equal(t, fmt.Sprintf("postgres%d", cfg.EngineMajor), pg.String("family"))
				assert.Nil(t, pg.Input("name"), "auto-named so a family change can create before delete")
				params := map[string]map[string]any{}
				for _, p := range pg.Input("parameters").([]any) {
					m := p.(map[string]any)
					params[m["name"].(string)] = m
				}
				assert.Equal(t, "1", params["rds.force_ssl"]["value"])
				assert.Equal(t, "pending-reboot", params["rds.force_ssl"]["applyMethod"])
				assert.Contains(t, params["shared_preload_libraries"]["value"], "pg_stat_statements")
				assert.Equal(t, "pending-reboot", params["shared_preload_libraries"]["applyMethod"])
				assert.Equal(t, fmt.Sprint(cfg.LogMinDurationMs), params["log_min_duration_statement"]["value"])
				assert.Equal(t, cfg.LogStatement, params["log_statement"]["value"])
				assert.Equal(t, "none", params["log_statement"]["value"], "no committed stack logs DDL: it would log clear-text role passwords")
				if strict {
					assert.Equal(t, "1", params["log_connections"]["value"])
					assert.Equal(t, "1", params["log_disconnections"]["value"])
				} else {
					assert.NotContains(t, params, "log_connections")
				}
				_, input := r.paramsOf()
				assert.Equal(t, pulumimocks.AutoName(pg.Name), db.String(input))
			})

			if !cluster {
				t.Run("instance", func(t *testing.T) {
					inst := db
					assert.Equal(t, "postgres", inst.String("engine"))
					assert.Equal(t, fmt.Sprint(cfg.EngineMajor), inst.String("engineVersion"), "major only")
					assert.Regexp(t, `^`+cfg.App+`-`+cfg.Environment+`-[0-9a-f]{8}$`, id)
					assert.Equal(t, cfg.MultiAZ, inst.Input("multiAz"))
					if strict {
						assert.Equal(t, true, inst.Input("multiAz"))
					}
					assert.Nil(t, inst.Input("availabilityZone"), "never set on a Multi-AZ instance")
					assert.Equal(t, "gp3", inst.String("storageType"))
					assert.EqualValues(t, cfg.AllocatedStorageGb, inst.Input("allocatedStorage"))
					assert.EqualValues(t, cfg.MaxAllocatedStorageGb, inst.Input("maxAllocatedStorage"))
					assert.Greater(t, cfg.MaxAllocatedStorageGb, cfg.AllocatedStorageGb)
					assert.Equal(t, true, inst.Input("storageEncrypted"))
					assert.Contains(t, inst.String("kmsKeyId"), keyArn)
					assert.Equal(t, true, inst.Input("manageMasterUserPassword"))
					assert.Contains(t, inst.String("masterUserSecretKmsKeyId"), keyArn)
					assert.Nil(t, inst.Input("password"))
					assert.NotContains(t, []string{"postgres", "admin", "root"}, inst.String("username"))
					assert.Equal(t, cfg.MasterUsername, inst.String("username"))
					assert.Equal(t, false, inst.Input("publiclyAccessible"))
					assert.Equal(t, true, inst.Input("iamDatabaseAuthenticationEnabled"))
					assert.EqualValues(t, cfg.BackupRetentionDays, inst.Input("backupRetentionPeriod"))
					assert.GreaterOrEqual(t, cfg.BackupRetentionDays, 7)
					if cfg.Tier == config.Prod {
						assert.GreaterOrEqual(t, cfg.BackupRetentionDays, 14)
					}
					assert.Equal(t, cfg.BackupWindow, inst.String("backupWindow"))
					assert.Equal(t, cfg.MaintenanceWindow, inst.String("maintenanceWindow"))
					assert.Equal(t, true, inst.Input("autoMinorVersionUpgrade"))
					assert.Equal(t, true, inst.Input("allowMajorVersionUpgrade"), "a major bump in the stack file must be able to apply")
					// The rendered input: dev applies modifications at once,
					// staging and prod leave them to the maintenance window
					// (the committed files do not ask otherwise).
					assert.Equal(t, cfg.Tier == config.Dev, inst.Input("applyImmediately"), "applyImmediately in %s", cfg.Tier)
					assert.Equal(t, true, inst.Input("copyTagsToSnapshot"))
					assert.Contains(t, config.CACertIdentifiers, inst.String("caCertIdentifier"))
					assert.Equal(t, true, inst.Input("performanceInsightsEnabled"))
					assert.Contains(t, inst.String("performanceInsightsKmsKeyId"), keyArn)
					assert.GreaterOrEqual(t, inst.Input("performanceInsightsRetentionPeriod"), float64(7))
					assert.EqualValues(t, cfg.MonitoringInterval, inst.Input("monitoringInterval"))
					assert.ElementsMatch(t, []string{"postgresql", "upgrade"}, strs(inst.Input("enabledCloudwatchLogsExports")))
					assert.Equal(t, pulumimocks.AutoName(r.one(t, tSubnetGrp).Name), inst.String("dbSubnetGroupName"))
					assert.Equal(t, []string{r.named(t, tSG, base+"-sg").ID}, strs(inst.Input("vpcSecurityGroupIds")))
					assert.Equal(t, strict || cfg.DeletionProtection, inst.Input("deletionProtection"))
					assert.Equal(t, cfg.Tier == config.Prod, inst.Protect, "Pulumi protect only and always in prod")
					assert.Equal(t, cfg.SkipFinalSnapshot, inst.Input("skipFinalSnapshot"))
					if cfg.Tier != config.Dev {
						assert.Equal(t, false, inst.Input("skipFinalSnapshot"))
					}
					if !cfg.SkipFinalSnapshot {
						assert.Equal(t, id+"-final-20261125-210000", inst.String("finalSnapshotIdentifier"))
						assert.Contains(t, inst.IgnoreChanges, "finalSnapshotIdentifier", "the first incarnation's name must stay stable across runs")
					}
					assert.NotContains(t, inst.IgnoreChanges, "allocatedStorage",
						"a storage increase in the stack file must be applied; the provider suppresses autoscaling growth itself")
				})
			} else {
				t.Run("cluster", func(t *testing.T) {
					c := db
					assert.Equal(t, "postgres", c.String("engine"))
					assert.Equal(t, fmt.Sprint(cfg.EngineMajor), c.String("engineVersion"), "major only")
					assert.Regexp(t, `^`+base+`-[0-9a-f]{8}$`, id)
					assert.LessOrEqual(t, len(id), 52, "Multi-AZ DB cluster identifiers are at most 52 characters")
					assert.Nil(t, c.Input("clusterIdentifierPrefix"))
					assert.Nil(t, c.Input("availabilityZones"), "RDS places the writer and readers in the subnet group's zones")
					assert.Equal(t, cfg.InstanceClass, c.String("dbClusterInstanceClass"))
					assert.Regexp(t, `^db\.[a-z0-9]+d\.`, c.String("dbClusterInstanceClass"), "Multi-AZ DB clusters run on classes with local NVMe storage")
					assert.Equal(t, cfg.StorageType, c.String("storageType"))
					assert.Contains(t, []string{"io1", "io2", "gp3"}, c.String("storageType"))
					assert.EqualValues(t, cfg.AllocatedStorageGb, c.Input("allocatedStorage"))
					assert.EqualValues(t, cfg.Iops, c.Input("iops"))
					assert.Positive(t, cfg.Iops, "provisioned IOPS storage names its IOPS")
					assert.Nil(t, c.Input("maxAllocatedStorage"), "no storage autoscaling for a cluster")
					assert.Equal(t, true, c.Input("storageEncrypted"))
					assert.Contains(t, c.String("kmsKeyId"), keyArn)
					assert.Equal(t, true, c.Input("manageMasterUserPassword"))
					assert.Contains(t, c.String("masterUserSecretKmsKeyId"), keyArn)
					assert.Nil(t, c.Input("masterPassword"))
					assert.Equal(t, cfg.MasterUsername, c.String("masterUsername"))
					assert.NotContains(t, []string{"postgres", "admin", "root"}, c.String("masterUsername"))
					assert.NotEqual(t, true, c.Input("publiclyAccessible"))
					assert.Equal(t, true, c.Input("iamDatabaseAuthenticationEnabled"))
					assert.EqualValues(t, cfg.BackupRetentionDays, c.Input("backupRetentionPeriod"))
					if cfg.Tier == config.Prod {
						assert.GreaterOrEqual(t, cfg.BackupRetentionDays, 14)
					}
					assert.Equal(t, cfg.BackupWindow, c.String("preferredBackupWindow"))
					assert.Equal(t, cfg.MaintenanceWindow, c.String("preferredMaintenanceWindow"))
					assert.Equal(t, true, c.Input("allowMajorVersionUpgrade"), "a major bump in the stack file must be able to apply")
					assert.Equal(t, cfg.Tier == config.Dev, c.Input("applyImmediately"), "applyImmediately in %s", cfg.Tier)
					assert.Equal(t, true, c.Input("copyTagsToSnapshot"))
					assert.Contains(t, config.CACertIdentifiers, c.String("caCertificateIdentifier"))
					assert.Equal(t, true, c.Input("performanceInsightsEnabled"))
					assert.Contains(t, c.String("performanceInsightsKmsKeyId"), keyArn)
					assert.GreaterOrEqual(t, c.Input("performanceInsightsRetentionPeriod"), float64(7))
					assert.EqualValues(t, cfg.MonitoringInterval, c.Input("monitoringInterval"))
					assert.ElementsMatch(t, []string{"postgresql", "upgrade"}, strs(c.Input("enabledCloudwatchLogsExports")))
					assert.Equal(t, pulumimocks.AutoName(r.one(t, tSubnetGrp).Name), c.String("dbSubnetGroupName"))
					assert.Equal(t, []string{r.named(t, tSG, base+"-sg").ID}, strs(c.Input("vpcSecurityGroupIds")))
					assert.Equal(t, strict || cfg.DeletionProtection, c.Input("deletionProtection"))
					assert.Equal(t, cfg.Tier == config.Prod, c.Protect, "Pulumi protect only and always in prod")
					assert.Equal(t, false, c.Input("skipFinalSnapshot"))
					assert.Equal(t, id+"-final-20261125-210000", c.String("finalSnapshotIdentifier"))
					assert.Equal(t, []string{"finalSnapshotIdentifier"}, c.IgnoreChanges, "the first incarnation's name must stay stable across runs")
					assert.True(t, dependsOn(c, r.one(t, tKeyPolicy)), "the cluster waits for the key's full policy")
				})
			}

			t.Run("log groups declared first with retention and key", func(t *testing.T) {
				groups := r.mocks.OfType(tLogGroup)
				require.Len(t, groups, 2)
				var names []string
				for _, g := range groups {
					names = append(names, g.String("name"))
					assert.EqualValues(t, cfg.LogRetentionDays, g.Input("retentionInDays"))
					assert.Contains(t, g.String("kmsKeyId"), keyArn)
					found := false
					for _, d := range db.Dependencies {
						found = found || strings.HasSuffix(d, "::"+g.Name)
					}
					assert.True(t, found, "the %s must depend on log group %s", cfg.Deployment, g.Name)
				}
				// RDS writes to /aws/rds/instance/<id>/ for an instance and
				// /aws/rds/cluster/<id>/ for a cluster.
				kind := "instance"
				if cluster {
					kind = "cluster"
				}
				assert.ElementsMatch(t, []string{"/aws/rds/" + kind + "/" + id + "/postgresql", "/aws/rds/" + kind + "/" + id + "/upgrade"}, names)
			})

			t.Run("alarms, topic and events", func(t *testing.T) {
				topic := r.one(t, tTopic)
				assert.Contains(t, topic.String("kmsMasterKeyId"), keyArn)
				pol := r.one(t, tTopicPol)
				assert.Contains(t, pol.String("policy"), "events.rds.amazonaws.com")
				alarms := map[string]pulumimocks.Resource{}
				for _, a := range r.mocks.OfType(tAlarm) {
					alarms[a.String("metricName")] = a
					assert.Equal(t, "AWS/RDS", a.String("namespace"))
					dimension := "DBInstanceIdentifier"
					if cluster {
						dimension = "DBClusterIdentifier"
					}
					assert.Equal(t, map[string]any{dimension: id}, a.Input("dimensions"), a.Name)
					actions := strs(a.Input("alarmActions"))
					if assert.Len(t, actions, 1) {
						assert.True(t, strings.HasSuffix(actions[0], ":"+topic.ID), "alarm %s notifies %v, not the stack's topic", a.Name, actions)
					}
				}
				want := map[string]float64{
					"CPUUtilization":      float64(cfg.Alarms.CPUPercent),
					"FreeStorageSpace":    float64(cfg.Alarms.FreeStorageMb) * 1024 * 1024,
					"FreeableMemory":      float64(cfg.Alarms.FreeableMemoryMb) * 1024 * 1024,
					"DatabaseConnections": float64(cfg.Alarms.Connections),
					"ReadLatency":         float64(cfg.Alarms.ReadLatencyMs) / 1000,
					"WriteLatency":        float64(cfg.Alarms.WriteLatencyMs) / 1000,
				}
				if cluster {
					want["ReplicaLag"] = float64(postgres.ReplicaLagAlarmSeconds)
				}
				require.Len(t, alarms, len(want))
				for metric, threshold := range want {
					assert.InDelta(t, threshold, alarms[metric].Input("threshold"), 1e-9, metric)
				}
				// Running low on storage or memory is the alarm, not
				// having much of it.
				direction := map[string]string{
					"CPUUtilization":      "GreaterThanThreshold",
					"FreeStorageSpace":    "LessThanThreshold",
					"FreeableMemory":      "LessThanThreshold",
					"DatabaseConnections": "GreaterThanThreshold",
					"ReadLatency":         "GreaterThanThreshold",
					"WriteLatency":        "GreaterThanThreshold",
				}
				if cluster {
					direction["ReplicaLag"] = "GreaterThanThreshold"
				}
				for metric, op := range direction {
					assert.Equal(t, op, alarms[metric].String("comparisonOperator"), metric)
				}
				events := map[string]pulumimocks.Resource{}
				for _, ev := range r.mocks.OfType(tEvents) {
					events[ev.String("sourceType")] = ev
					assert.True(t, strings.HasSuffix(ev.String("snsTopic"), ":"+topic.ID))
				}
				assert.ElementsMatch(t, []string{"failover", "failure", "maintenance", "low storage", "configuration change"}, strs(events["db-instance"].Input("eventCategories")))
				if cluster {
					require.Len(t, events, 4)
					assert.Equal(t, []string{id}, strs(events["db-cluster"].Input("sourceIds")))
					assert.ElementsMatch(t, dbspec.ClusterEventCategories, strs(events["db-cluster"].Input("eventCategories")))
					assert.Equal(t, []string{id + "-instance-1", id + "-instance-2", id + "-instance-3"}, strs(events["db-instance"].Input("sourceIds")),
						"db-instance events come from the cluster's DB instances")
					assert.Nil(t, events["db-parameter-group"].Input("sourceIds"), "RDS.21: a cluster has no DB parameter group of its own")
				} else {
					require.Len(t, events, 3)
					assert.Equal(t, []string{id}, strs(events["db-instance"].Input("sourceIds")))
					assert.Equal(t, []string{pulumimocks.AutoName(r.currentParams(t).Name)}, strs(events["db-parameter-group"].Input("sourceIds")), "RDS.21: the stack's parameter group")
				}
				assert.Equal(t, []string{"configuration change"}, strs(events["db-parameter-group"].Input("eventCategories")))
				assert.Nil(t, events["db-security-group"].Input("sourceIds"), "RDS.22: DB security groups are not the instance's VPC security group")
				assert.ElementsMatch(t, []string{"configuration change", "failure"}, strs(events["db-security-group"].Input("eventCategories")))
				var subs []config.AlarmSubscription
				for _, sub := range r.mocks.OfType(tTopicSub) {
					assert.True(t, strings.HasSuffix(sub.String("topic"), ":"+topic.ID))
					subs = append(subs, config.AlarmSubscription{Protocol: sub.String("protocol"), Endpoint: sub.String("endpoint")})
				}
				assert.ElementsMatch(t, cfg.AlarmSubscriptions, subs)
				if cfg.Tier == config.Prod {
					assert.NotEmpty(t, subs, "prod alarms reach someone")
				}
			})

			t.Run("contract complete", func(t *testing.T) {
				assert.ElementsMatch(t, contract.Names(contract.Database{}), sortedExportNames(r.exports))
				for _, f := range contract.Fields(contract.Database{}) {
					v := r.export(t, f.Name)
					switch f.Kind {
					case contract.KindString:
						if !f.Optional {
							assert.NotEmpty(t, v, f.Name)
						}
					case contract.KindInt:
						assert.Equal(t, cfg.Port, v, f.Name)
					}
				}
				assert.Equal(t, string(cfg.Deployment), r.export(t, "deployment"))
				assert.Contains(t, r.export(t, "endpoint"), id)
				assert.Equal(t, fmt.Sprintf("%v:%v", r.export(t, "address"), r.export(t, "port")), r.export(t, "endpoint"))
				if cluster {
					assert.Equal(t, id, r.export(t, "clusterIdentifier"))
					assert.Empty(t, r.export(t, "instanceIdentifier"), "a cluster has no instance identifier")
					assert.Equal(t, id+".cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com", r.export(t, "address"), "the writer endpoint")
					assert.Equal(t, id+".cluster-ro-abcdefghijkl.eu-west-1.rds.amazonaws.com", r.export(t, "readerEndpoint"))
					assert.Regexp(t, `^cluster-`, r.export(t, "resourceId"))
					assert.Equal(t, "arn:aws:secretsmanager:eu-west-1:"+pulumimocks.Account+":secret:rds!cluster-"+id+"-AbCdEf", r.export(t, "masterSecretArn"))
				} else {
					assert.Equal(t, id, r.export(t, "instanceIdentifier"))
					for _, absent := range []string{"clusterIdentifier", "readerEndpoint"} {
						assert.Empty(t, r.export(t, absent), "an instance has no %s", absent)
					}
					assert.Equal(t, "arn:aws:secretsmanager:eu-west-1:"+pulumimocks.Account+":secret:rds!db-"+id+"-AbCdEf", r.export(t, "masterSecretArn"))
				}
				if !proxied {
					assert.Equal(t, r.export(t, "address"), r.export(t, "applicationEndpoint"), "without a proxy applications connect to the writer")
					for _, absent := range []string{"proxyEndpoint", "proxyReadOnlyEndpoint"} {
						assert.Empty(t, r.export(t, absent), "a stack without a proxy has no %s", absent)
					}
					return
				}
				proxyName := r.named(t, tProxy, base+"-proxy").String("name")
				host := proxyName + ".proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com"
				assert.Equal(t, host, r.export(t, "proxyEndpoint"))
				assert.Equal(t, host, r.export(t, "applicationEndpoint"), "behind a proxy applications connect to the proxy")
				if cluster {
					ro := r.named(t, tProxyEp, base+"-proxy-read-only").String("dbProxyEndpointName")
					assert.Equal(t, ro+".endpoint.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com", r.export(t, "proxyReadOnlyEndpoint"))
				} else {
					assert.Empty(t, r.export(t, "proxyReadOnlyEndpoint"), "an instance has no readers to serve")
				}
			})

			t.Run("proxy", func(t *testing.T) {
				if !proxied {
					for _, tok := range []string{tProxy, tProxyPool, tProxyTgt, tProxyEp, tRolePolicy} {
						assert.Empty(t, r.mocks.OfType(tok), "no proxy, no %s", tok)
					}
					return
				}
				secret := fmt.Sprint(r.export(t, "masterSecretArn"))
				proxy := r.named(t, tProxy, base+"-proxy")
				assert.Equal(t, "POSTGRESQL", proxy.String("engineFamily"))
				assert.Equal(t, true, proxy.Input("requireTls"))
				assert.Equal(t, false, proxy.Input("debugLogging"), "statement text is never logged")
				assert.EqualValues(t, cfg.Proxy.IdleClientTimeoutSeconds, proxy.Input("idleClientTimeout"))
				assert.Equal(t, strs(r.network["databaseSubnetIds"]), strs(proxy.Input("vpcSubnetIds")))
				assert.Equal(t, []string{r.named(t, tSG, base+"-proxy-sg").ID}, strs(proxy.Input("vpcSecurityGroupIds")))
				assert.Equal(t, []any{map[string]any{
					"authScheme": "SECRETS", "iamAuth": "REQUIRED", "secretArn": secret,
					"description": "the master user, through its RDS-managed secret",
				}}, proxy.Input("auths"), "clients authenticate with IAM; the proxy logs in with the database's managed secret")

				role := r.named(t, tRole, base+"-proxy")
				proxySource := "arn:aws:rds:eu-west-1:" + pulumimocks.Account + ":db-proxy:*"
				assert.NoError(t, guardrails.CheckTrustPolicy(role.String("assumeRolePolicy"), guardrails.PolicyScope{
					Account: pulumimocks.Account, TrustService: "rds.amazonaws.com", TrustSourceArn: proxySource}))
				assert.Equal(t, "arn:aws:iam:eu-west-1:"+pulumimocks.Account+":"+role.ID, proxy.String("roleArn"))
				pol := r.one(t, tRolePolicy)
				assert.Equal(t, role.ID, pol.String("role"))
				assert.NoError(t, guardrails.CheckProxyPolicy(pol.String("policy"), guardrails.ProxyPolicyScope{SecretArn: secret, KeyArn: arnOf(t, key), Region: "eu-west-1"}),
					"the proxy reads this stack's master secret only")

				pool := r.one(t, tProxyPool)
				assert.Equal(t, proxy.String("name"), pool.String("dbProxyName"))
				assert.Equal(t, map[string]any{
					"maxConnectionsPercent":     float64(cfg.Proxy.MaxConnectionsPercent),
					"maxIdleConnectionsPercent": float64(cfg.Proxy.MaxIdleConnectionsPercent),
					"connectionBorrowTimeout":   float64(cfg.Proxy.ConnectionBorrowTimeoutSeconds),
				}, pool.Input("connectionPoolConfig"))

				target := r.one(t, tProxyTgt)
				assert.Equal(t, proxy.String("name"), target.String("dbProxyName"))
				if cluster {
					assert.Equal(t, id, target.String("dbClusterIdentifier"), "the proxy's target is the cluster")
					assert.Nil(t, target.Input("dbInstanceIdentifier"))
					ro := r.one(t, tProxyEp)
					assert.Equal(t, "READ_ONLY", ro.String("targetRole"))
					assert.Equal(t, proxy.String("name"), ro.String("dbProxyName"))
					assert.Equal(t, strs(r.network["databaseSubnetIds"]), strs(ro.Input("vpcSubnetIds")))
					assert.Equal(t, strs(proxy.Input("vpcSecurityGroupIds")), strs(ro.Input("vpcSecurityGroupIds")))
				} else {
					assert.Equal(t, id, target.String("dbInstanceIdentifier"), "the proxy's target is the instance")
					assert.Nil(t, target.Input("dbClusterIdentifier"))
					assert.Empty(t, r.mocks.OfType(tProxyEp), "an instance has no read-only proxy endpoint")
				}
			})

			t.Run("every taggable resource is tagged", func(t *testing.T) {
				for _, res := range r.mocks.Resources() {
					tg, known := taggable[res.Type]
					if !assert.True(t, known, "type %s is not classified", res.Type) || !tg {
						continue
					}
					got := res.Tags()
					assert.Empty(t, tags.Missing(got), "%s %s lacks tags", res.Type, res.Name)
					assert.Equal(t, s.Name, got["Stack"])
					assert.Equal(t, cfg.App, got["Service"])
				}
			})

			t.Run("every child is parented", func(t *testing.T) {
				for _, res := range r.mocks.Resources() {
					if res.Type == postgres.ComponentType || res.Type == tStackRef {
						continue
					}
					assert.Contains(t, res.Parent, postgres.ComponentType+"::"+cfg.App+"-"+cfg.Environment, "%s %s", res.Type, res.Name)
				}
			})

			t.Run("no password in any input", func(t *testing.T) {
				for _, res := range r.mocks.Resources() {
					for k := range res.Inputs {
						assert.NotEqual(t, "password", string(k), "%s %s sets a password", res.Type, res.Name)
					}
				}
			})
		})
	}
}

func sortedExportNames(e pulumimocks.Exports) []string {
	var out []string
	for k := range e {
		out = append(out, k)
	}
	return out
}

// TestApplyImmediatelyIsVisibleOnTheInstance: a staging stack that asks
// for its next change to apply now renders applyImmediately true on the
// instance, so the preview shows it as a change.
func TestApplyImmediatelyIsVisibleOnTheInstance(t *testing.T) {
	for _, s := range committed.Of(t, contract.DatabaseProject) {
		if s.Tier == string(config.Dev) {
			continue
		}
		cfg := map[string]string{}
		for k, v := range s.Config {
			cfg[k] = v
		}
		cfg["database:applyImmediately"] = "true"
		r := runDatabase(t, s, cfg)
		require.NoError(t, r.err, s.Name)
		assert.Equal(t, true, r.one(t, tInstance).Input("applyImmediately"), s.Name)
		return
	}
	t.Fatal("no committed staging or prod database stack")
}
