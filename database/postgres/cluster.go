package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/naming"
	"github.com/pgplatform/platform/shared/spec"
)

// The Multi-AZ DB cluster shape (spec.DeployCluster): a writer and two
// readable standbys in three zones, declared as one rds.Cluster with its
// cluster parameter group. The key, subnet group, security group,
// monitoring role, log groups, alarm topic and event subscriptions are the
// instance shape's, rendered for the cluster where they name it.
//
// Sources, cited where used: the Terraform AWS provider 5.x/6.0 that
// pulumi-aws v6 bridges (resourceCluster's schema and CRUD, read in
// lonegunmanb/terraform-provider-aws-index, index/internal/service/rds) and
// the RDS API reference and User Guide.

// isCluster reports whether the plan's shape is a Multi-AZ DB cluster.
func (b *builder) isCluster() bool { return b.args.Spec.Deployment == spec.DeployCluster }

// clusterIdentifier is the cluster identifier: <app>-<env>-<digest of the
// inputs that make the provider replace the cluster>. The provider does
// not name a cluster itself the way Pulumi autonames other resources:
// resourceCluster's cluster_identifier is Optional, Computed and ForceNew,
// ConflictsWith cluster_identifier_prefix, and resourceClusterCreate makes
// a "tf-" name when neither is set; pulumi-aws gives it no autoname. A
// fixed name would make every replacement fail, since Pulumi creates the
// replacement first and RDS refuses a second cluster of the same
// identifier (DBClusterAlreadyExistsFault). So the digest covers every
// ForceNew input the component sets (resourceCluster: engine,
// database_name, master_username, storage_encrypted, kms_key_id,
// db_subnet_group_name, and storage_type, which customdiff.ForceNewIf
// replaces for every engine not starting with "aurora"): a replacement gets
// a new identifier, is created before the old cluster is deleted, and its
// log groups and final snapshot get new names too. The port is digested as
// well: a Multi-AZ DB cluster's port cannot be modified (RDS User Guide,
// "Limitations of Multi-AZ DB clusters", "Modifying the port"; ModifyDBCluster
// Port is "Valid for Cluster Type: Aurora DB clusters only"), while the
// provider would plan it as an update that fails; a new identifier makes a
// port change a replacement instead.
func (b *builder) clusterIdentifier() pulumi.StringOutput {
	s := b.args.Spec
	p := s.Instance
	return pulumi.All(b.db.Key.Arn, b.db.SubnetGroup.Name).ApplyT(func(v []any) (string, error) {
		keyArn, _ := v[0].(string)
		subnetGroup, _ := v[1].(string)
		return naming.ClusterIdentifier(s.App, s.Environment,
			"cluster", p.Engine, s.DatabaseName, p.MasterUsername, fmt.Sprint(p.StorageEncrypted), keyArn, subnetGroup,
			p.StorageType, fmt.Sprint(s.Port))
	}).(pulumi.StringOutput)
}

// clusterParameterGroup declares the cluster parameter group of the
// engine's family, with the entries the instance's group gets
// (spec.Parameters, declared once in dbspec/parameters.go). It is the one
// group a Multi-AZ DB cluster is configured by: "In a Multi-AZ DB cluster,
// the settings in the DB cluster parameter group apply to all of the DB
// instances in the cluster. The default DB parameter group for the DB
// engine and DB engine version is used for each DB instance in the DB
// cluster" (RDS User Guide, "Overview of parameter groups",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/parameter-groups-overview.html),
// so the cluster sets no dbInstanceParameterGroupName. It keeps the group
// of the family before, for the reason parameterGroup gives: RDS refuses to
// delete a cluster parameter group a cluster uses
// (DeleteDBClusterParameterGroup: "Can't be associated with any DB
// clusters"), and a major upgrade waits for the window where changes do.
func (b *builder) clusterParameterGroup() error {
	var err error
	if prev := b.args.Spec.PreviousParameterFamily; prev != "" {
		b.db.PreviousClusterParameterGroup, err = b.clusterParameterGroupOf(prev)
		if err != nil {
			return fmt.Errorf("family %s: %w", prev, err)
		}
	}
	b.db.ClusterParameterGroup, err = b.clusterParameterGroupOf(b.args.Spec.ParameterFamily)
	return err
}

func (b *builder) clusterParameterGroupOf(family string) (*rds.ClusterParameterGroup, error) {
	params := rds.ClusterParameterGroupParameterArray{}
	for _, p := range b.args.Spec.Parameters {
		params = append(params, rds.ClusterParameterGroupParameterArgs{
			Name:        pulumi.String(p.Name),
			Value:       pulumi.String(p.Value),
			ApplyMethod: pulumi.String(p.ApplyMethod),
		})
	}
	return rds.NewClusterParameterGroup(b.ctx, b.child("cluster-params-"+family), &rds.ClusterParameterGroupArgs{
		Family:      pulumi.String(family),
		Description: pulumi.Sprintf("PostgreSQL %s cluster: TLS required, safe logging, pg_stat_statements", b.name),
		Parameters:  params,
		Tags:        b.args.Tags.Named(b.name),
	}, b.parent)
}

// cluster declares the log groups of the cluster's exports first (so they
// carry a retention and the key), then the Multi-AZ DB cluster.
func (b *builder) cluster() error {
	s := b.args.Spec
	p := s.Instance
	deps, snapshot, err := b.beforeDatabase()
	if err != nil {
		return err
	}

	args := &rds.ClusterArgs{
		ClusterIdentifier: b.db.Identifier,
		Engine:            pulumi.String(p.Engine),
		EngineVersion:     pulumi.String(p.EngineVersion),
		// CreateDBCluster: AllocatedStorage, DBClusterInstanceClass,
		// DBSubnetGroupName and Iops are "required to create a Multi-AZ DB
		// cluster".
		DbClusterInstanceClass:   pulumi.String(p.InstanceClass),
		StorageType:              pulumi.String(p.StorageType),
		AllocatedStorage:         pulumi.Int(p.AllocatedStorageGb),
		StorageEncrypted:         pulumi.Bool(p.StorageEncrypted),
		KmsKeyId:                 b.keyInput(p.KmsKeyID),
		DatabaseName:             pulumi.String(s.DatabaseName),
		MasterUsername:           pulumi.String(p.MasterUsername),
		ManageMasterUserPassword: pulumi.Bool(p.ManageMasterUserPassword),
		MasterUserSecretKmsKeyId: b.keyInput(p.MasterUserSecretKmsKeyID),
		Port:                     pulumi.Int(s.Port),
		// publiclyAccessible is not rendered: pulumi-aws v6.83.4's
		// ClusterArgs has no such input (only ClusterInstance has). RDS
		// then applies CreateDBCluster's default: "If DBSubnetGroup is
		// specified, PubliclyAccessible defaults to false unless the value
		// of DBSubnetGroup is default" (RDS API reference,
		// CreateDBCluster PubliclyAccessible). The stack's own subnet group
		// of isolated subnets is always named here, and verify's
		// not-public check reads the live cluster's PubliclyAccessible.
		DbSubnetGroupName:           b.db.SubnetGroup.Name,
		VpcSecurityGroupIds:         pulumi.StringArray{b.db.SecurityGroup.ID()},
		DbClusterParameterGroupName: b.db.ClusterParameterGroup.Name,
		// A major upgrade happens only when engineVersion in the stack's
		// file changes, as for the instance.
		AllowMajorVersionUpgrade:         pulumi.Bool(true),
		IamDatabaseAuthenticationEnabled: pulumi.Bool(p.IAMAuth),
		BackupRetentionPeriod:            pulumi.Int(p.BackupRetentionDays),
		PreferredBackupWindow:            pulumi.String(p.BackupWindow),
		PreferredMaintenanceWindow:       pulumi.String(p.MaintenanceWindow),
		CopyTagsToSnapshot:               pulumi.Bool(p.CopyTagsToSnapshot),
		DeletionProtection:               pulumi.Bool(p.DeletionProtection),
		SkipFinalSnapshot:                pulumi.Bool(p.SkipFinalSnapshot),
		FinalSnapshotIdentifier:          snapshot,
		DeleteAutomatedBackups:           pulumi.Bool(false),
		// ModifyDBCluster ApplyImmediately: without it, changes wait for
		// the next maintenance window (dev applies at once, as for the
		// instance).
		ApplyImmediately: pulumi.Bool(s.ApplyImmediately),
		// caCertificateIdentifier: "Valid for Cluster Type: Multi-AZ DB
		// clusters" (CreateDBCluster CACertificateIdentifier).
		CaCertificateIdentifier: pulumi.String(p.CACertIdentifier),
		// Enhanced monitoring and Performance Insights are "Valid for
		// Cluster Type: Multi-AZ DB clusters" (CreateDBCluster
		// MonitoringInterval, MonitoringRoleArn,
		// EnablePerformanceInsights, PerformanceInsightsKMSKeyId,
		// PerformanceInsightsRetentionPeriod). Database Insights' mode is
		// left to its default (standard), as for the instance.
		MonitoringInterval:                 pulumi.Int(p.MonitoringInterval),
		MonitoringRoleArn:                  b.db.MonitoringRole.Arn,
		PerformanceInsightsEnabled:         pulumi.Bool(p.PerformanceInsights),
		PerformanceInsightsKmsKeyId:        b.keyInput(p.PerformanceInsightsKmsKeyID),
		PerformanceInsightsRetentionPeriod: pulumi.Int(p.PerformanceInsightsRetentionDays),
		EnabledCloudwatchLogsExports:       pulumi.ToStringArray(p.LogExports),
		Tags:                               b.args.Tags.Named(b.name),
	}
	if p.Iops > 0 {
		args.Iops = pulumi.Int(p.Iops)
	}
	opts := []pulumi.ResourceOption{
		b.parent,
		pulumi.DependsOn(deps),
		pulumi.Protect(s.Protect),
		// As for the instance: the final snapshot name dates the
		// incarnation; a replacement is created from the program's new
		// inputs, so it gets its own.
		pulumi.IgnoreChanges([]string{"finalSnapshotIdentifier"}),
	}
	b.db.Cluster, err = rds.NewCluster(b.ctx, b.child("cluster"), args, opts...)
	return err
}

// clusterMasterSecretArn is the ARN of the secret RDS keeps the cluster's
// master password in.
func clusterMasterSecretArn(c *rds.Cluster) pulumi.StringOutput {
	return c.MasterUserSecrets.ApplyT(func(secrets []rds.ClusterMasterUserSecret) (string, error) {
		for _, s := range secrets {
			if s.SecretArn != nil && *s.SecretArn != "" {
				return *s.SecretArn, nil
			}
		}
		return "", errors.New("RDS reported no master user secret for the cluster; is manageMasterUserPassword on?")
	}).(pulumi.StringOutput)
}

// clusterMemberArns are the ARNs of the cluster's DB instances (the writer
// and the readers), which the RDS event subscription on db-instance names.
func (b *builder) clusterMemberArns() pulumi.StringArrayOutput {
	return b.db.Cluster.ClusterMembers.ApplyT(func(ids []string) []string {
		out := make([]string, 0, len(ids))
		for _, id := range ids {
			out = append(out, fmt.Sprintf("arn:%s:rds:%s:%s:db:%s", b.args.Partition, b.args.Spec.Region, b.args.AccountID, id))
		}
		return out
	}).(pulumi.StringArrayOutput)
}

// clusterMonitoringSourceArn is what the monitoring role's trust binds
// aws:SourceArn to for a cluster: enhanced monitoring runs on the cluster's
// DB instances, whose identifiers RDS chooses. The pattern takes every DB
// instance whose identifier starts with one of this stack's cluster
// identifiers (<app>-<environment>-<digest>, naming.ClusterIdentifier).
// That RDS names a Multi-AZ DB cluster's instances after the cluster is
// what the console shows, not a documented rule (an open question in
// e2e/README.md for the double too).
func clusterMonitoringSourceArn(partition, region, account, app, environment string) string {
	return fmt.Sprintf("arn:%s:rds:%s:%s:db:%s-%s*", partition, region, account,
		naming.Base(app, environment), strings.Repeat("?", len(naming.Digest())))
}

// ReplicaLagAlarmSeconds is the platform's threshold of the cluster's
// replica lag alarm, on the Maximum over each period. A Multi-AZ DB cluster
// commits once one of its two readers has the change, but a failover
// promotes a reader only after it has applied what it received, so the
// lag of the readers is time added to a failover ("Replica lag and
// Multi-AZ DB clusters" in the RDS User Guide,
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.html);
// a minute of lag, sustained, is worth a page.
const ReplicaLagAlarmSeconds = 60

// clusterReplicaLagAlarm is the alarm on ReplicaLag, the RDS CloudWatch
// metric of a reader's lag behind the writer, in seconds (RDS User Guide,
// "Amazon CloudWatch metrics for Amazon RDS",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html).
func clusterReplicaLagAlarm() alarm {
	return alarm{"replica-lag", "ReplicaLag", "GreaterThanThreshold", "replica lag above %v s", ReplicaLagAlarmSeconds, "Maximum"}
}

// clusterAlarmDimensions select the cluster's metrics: the DBClusterIdentifier
// dimension ("Amazon CloudWatch dimensions for Amazon RDS",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/dimensions.html).
// The cluster's DB instances are chosen by RDS and may change with a
// failover, so no alarm names one of them.
func clusterAlarmDimensions(c *rds.Cluster) pulumi.StringMap {
	return pulumi.StringMap{"DBClusterIdentifier": c.ClusterIdentifier}
}

// database declares the stack's database in its shape: the instance, or
// the Multi-AZ DB cluster, each after its log groups.
func (b *builder) database() error {
	if b.isCluster() {
		return b.cluster()
	}
	return b.instance()
}

// writer is the part of the contract that depends on the shape: the
// writer's endpoint (host:port), address and port, the master secret, the
// identifiers, the resource ID (which the IAM connect ARN names) and the
// reader endpoint. An instance's cluster fields are empty, and a cluster's
// instance identifier is: its DB instances are RDS's to choose and change.
func (b *builder) writer() contract.Database {
	empty := pulumi.String("").ToStringOutput()
	if !b.isCluster() {
		inst := b.db.Instance
		return contract.Database{
			Endpoint:           inst.Endpoint,
			Address:            inst.Address,
			Port:               inst.Port,
			MasterSecretArn:    masterSecretArn(inst),
			InstanceIdentifier: inst.Identifier,
			ResourceID:         inst.ResourceId,
			Deployment:         pulumi.String(string(spec.DeployInstance)).ToStringOutput(),
			ClusterIdentifier:  empty,
			ReaderEndpoint:     empty,
		}
	}
	c := b.db.Cluster
	// The provider's endpoint and reader_endpoint are host names, without
	// the port (resourceClusterRead sets them from the DBCluster's
	// Endpoint and ReaderEndpoint); the contract's endpoint is host:port,
	// as an instance's is.
	return contract.Database{
		Endpoint:           pulumi.Sprintf("%s:%d", c.Endpoint, c.Port),
		Address:            c.Endpoint,
		Port:               c.Port,
		MasterSecretArn:    clusterMasterSecretArn(c),
		InstanceIdentifier: empty,
		ResourceID:         c.ClusterResourceId,
		Deployment:         pulumi.String(string(spec.DeployCluster)).ToStringOutput(),
		ClusterIdentifier:  c.ClusterIdentifier,
		ReaderEndpoint:     c.ReaderEndpoint,
	}
}
