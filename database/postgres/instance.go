package postgres

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/naming"
)

// identifier is the instance identifier: <app>-<env>-<digest of the inputs
// that make AWS replace the instance (engine, database name, user,
// encryption and key) and of the subnet group>. A replacement therefore
// gets a new identifier, Pulumi can create it before deleting the old one,
// and its log groups and final snapshot get new names too. The subnet
// group does not force a replacement (the provider moves the instance in
// place); a change of it renames the instance in place, which RDS does with
// ModifyDBInstance NewDBInstanceIdentifier.
func (b *builder) identifier() pulumi.StringOutput {
	s := b.args.Spec
	p := b.args.Spec.Instance
	return pulumi.All(b.db.Key.Arn, b.db.SubnetGroup.Name).ApplyT(func(v []any) (string, error) {
		keyArn, _ := v[0].(string)
		subnetGroup, _ := v[1].(string)
		return naming.InstanceIdentifier(s.App, s.Environment,
			p.Engine, s.DatabaseName, s.Instance.MasterUsername, fmt.Sprint(p.StorageEncrypted), keyArn, subnetGroup)
	}).(pulumi.StringOutput)
}

// beforeDatabase declares the log groups RDS will export to (first, so
// they carry a retention and the key instead of being created by RDS
// without either) and returns what the instance or cluster waits for, the
// key's full policy and those groups (RDS may use the key only then), and
// its final snapshot's name (nil when the spec skips it).
func (b *builder) beforeDatabase() ([]pulumi.Resource, pulumi.StringPtrInput, error) {
	if err := b.logGroups(); err != nil {
		return nil, nil, err
	}
	deps := []pulumi.Resource{b.db.KeyPolicy}
	for _, lg := range b.db.LogGroups {
		deps = append(deps, lg)
	}
	suffix := b.args.Spec.Instance.FinalSnapshotIdentifier
	if suffix == "" {
		return deps, nil, nil
	}
	b.db.SnapshotName = b.db.Identifier.ApplyT(func(id string) string {
		return naming.FinalSnapshotIdentifier(id, suffix)
	}).(pulumi.StringOutput)
	return deps, b.db.SnapshotName, nil
}

// instance declares the log groups RDS will export to (first, so they carry
// a retention and the key instead of being created by RDS without either),
// then the instance itself.
func (b *builder) instance() error {
	s := b.args.Spec
	p := b.args.Spec.Instance
	deps, snapshot, err := b.beforeDatabase()
	if err != nil {
		return err
	}

	args := &rds.InstanceArgs{
		Identifier:                       b.db.Identifier,
		Engine:                           pulumi.String(p.Engine),
		EngineVersion:                    pulumi.String(p.EngineVersion),
		InstanceClass:                    pulumi.String(p.InstanceClass),
		StorageType:                      pulumi.String(p.StorageType),
		AllocatedStorage:                 pulumi.Int(p.AllocatedStorageGb),
		MaxAllocatedStorage:              pulumi.Int(p.MaxAllocatedStorageGb),
		StorageEncrypted:                 pulumi.Bool(p.StorageEncrypted),
		KmsKeyId:                         b.keyInput(p.KmsKeyID),
		DbName:                           pulumi.String(s.DatabaseName),
		Username:                         pulumi.String(p.MasterUsername),
		ManageMasterUserPassword:         pulumi.Bool(p.ManageMasterUserPassword),
		MasterUserSecretKmsKeyId:         b.keyInput(p.MasterUserSecretKmsKeyID),
		Port:                             pulumi.Int(s.Port),
		MultiAz:                          pulumi.Bool(p.MultiAZ),
		DbSubnetGroupName:                b.db.SubnetGroup.Name,
		VpcSecurityGroupIds:              pulumi.StringArray{b.db.SecurityGroup.ID()},
		ParameterGroupName:               b.db.ParameterGroup.Name,
		PubliclyAccessible:               pulumi.Bool(p.PubliclyAccessible),
		IamDatabaseAuthenticationEnabled: pulumi.Bool(p.IAMAuth),
		BackupRetentionPeriod:            pulumi.Int(p.BackupRetentionDays),
		BackupWindow:                     pulumi.String(p.BackupWindow),
		MaintenanceWindow:                pulumi.String(p.MaintenanceWindow),
		CopyTagsToSnapshot:               pulumi.Bool(p.CopyTagsToSnapshot),
		DeletionProtection:               pulumi.Bool(p.DeletionProtection),
		SkipFinalSnapshot:                pulumi.Bool(p.SkipFinalSnapshot),
		FinalSnapshotIdentifier:          snapshot,
		DeleteAutomatedBackups:           pulumi.Bool(false),
		AutoMinorVersionUpgrade:          pulumi.Bool(p.AutoMinorVersionUpgrade),
		// A major upgrade happens only when engineVersion in the stack's
		// file changes, a reviewed change whose preview shows it; without
		// this flag RDS refuses it and the auto-named parameter group of the
		// new family could never be used.
		AllowMajorVersionUpgrade: pulumi.Bool(true),
		// RDS holds most modifications (class, engine version, Multi-AZ,
		// storage, identifier, subnet group, CA) for the maintenance window
		// unless ApplyImmediately (ModifyDBInstance). dev applies at once;
		// staging and prod wait unless the stack file sets
		// database:applyImmediately, which the preview shows as a change
		// of this input.
		ApplyImmediately:                   pulumi.Bool(s.ApplyImmediately),
		CaCertIdentifier:                   pulumi.String(p.CACertIdentifier),
		MonitoringInterval:                 pulumi.Int(p.MonitoringInterval),
		MonitoringRoleArn:                  b.db.MonitoringRole.Arn,
		PerformanceInsightsEnabled:         pulumi.Bool(p.PerformanceInsights),
		PerformanceInsightsKmsKeyId:        b.keyInput(p.PerformanceInsightsKmsKeyID),
		PerformanceInsightsRetentionPeriod: pulumi.Int(p.PerformanceInsightsRetentionDays),
		EnabledCloudwatchLogsExports:       pulumi.ToStringArray(p.LogExports),
		Tags:                               b.args.Tags.Named(b.name),
	}
	if p.AvailabilityZone != "" {
		args.AvailabilityZone = pulumi.String(p.AvailabilityZone)
	}
	opts := []pulumi.ResourceOption{
		b.parent,
		pulumi.DependsOn(deps),
		pulumi.Protect(b.args.Spec.Protect),
		// The final snapshot name dates the incarnation; ignoring changes
		// keeps the first value from run to run, while a replacement is
		// created from the program's new inputs (the engine hands
		// ignoreChanges to the provider's Diff and Update, not to Create),
		// so each incarnation gets its own name. e2e's TestDevEnvironment
		// replaces an instance and reverts it to hold the engine to that.
		// allocatedStorage is not ignored: an increase in the stack file is
		// applied, and once storage autoscaling has grown the volume past
		// the configured size the provider itself suppresses the diff
		// (allocated_storage's DiffSuppressFunc in the Terraform provider's
		// aws_db_instance schema: running > configured and
		// max_allocated_storage > configured).
		pulumi.IgnoreChanges([]string{"finalSnapshotIdentifier"}),
	}
	b.db.Instance, err = rds.NewInstance(b.ctx, b.child("db"), args, opts...)
	return err
}

// logGroups declares the log groups of the instance's exports with the
// plan's retention and its key reference as their kmsKeyId. They wait for
// the key's full policy: CloudWatch Logs may use the key only then.
func (b *builder) logGroups() error {
	for _, export := range b.args.Spec.Instance.LogExports {
		export := export
		lg, err := cloudwatch.NewLogGroup(b.ctx, b.child("log-"+export), &cloudwatch.LogGroupArgs{
			Name: b.db.Identifier.ApplyT(func(id string) string {
				return b.logGroupName(id, export)
			}).(pulumi.StringOutput),
			RetentionInDays: pulumi.Int(b.args.Spec.LogGroupRetentionDays),
			KmsKeyId:        b.keyInput(b.args.Spec.LogGroupKmsKeyID),
			Tags:            b.args.Tags.Named(b.name),
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.db.KeyPolicy}))
		if err != nil {
			return fmt.Errorf("log group %s: %w", export, err)
		}
		b.db.LogGroups = append(b.db.LogGroups, lg)
	}
	return nil
}

// keyInput renders a plan's key reference as a KMS key input: the stack
// key's ARN for guardrails.StackKey, unset for "" (the AWS-managed key),
// and any other reference as written. The guardrails read the reference,
// so the input is the one they checked.
func (b *builder) keyInput(ref string) pulumi.StringPtrInput {
	switch ref {
	case "":
		return nil
	case guardrails.StackKey:
		return b.db.Key.Arn
	}
	return pulumi.String(ref)
}

// alarm is one CloudWatch alarm on an instance or cluster metric.
type alarm struct {
	suffix, metric, comparison, description string
	threshold                               float64
	// statistic is the alarm's statistic; "" means Average.
	statistic string
}

func (b *builder) alarmSpecs() []alarm {
	a := b.args.Spec.Alarms
	const mib = 1024 * 1024
	alarms := []alarm{
		{"cpu", "CPUUtilization", "GreaterThanThreshold", "CPU above %v%%", float64(a.CPUPercent), ""},
		{"free-storage", "FreeStorageSpace", "LessThanThreshold", "free storage below %v bytes", float64(a.FreeStorageMb) * mib, ""},
		{"freeable-memory", "FreeableMemory", "LessThanThreshold", "freeable memory below %v bytes", float64(a.FreeableMemoryMb) * mib, ""},
		{"connections", "DatabaseConnections", "GreaterThanThreshold", "more than %v connections", float64(a.Connections), ""},
		{"read-latency", "ReadLatency", "GreaterThanThreshold", "read latency above %v s", float64(a.ReadLatencyMs) / 1000, ""},
		{"write-latency", "WriteLatency", "GreaterThanThreshold", "write latency above %v s", float64(a.WriteLatencyMs) / 1000, ""},
	}
	if b.isCluster() {
		alarms = append(alarms, clusterReplicaLagAlarm())
	}
	return alarms
}

func (b *builder) alarms() error {
	actions := pulumi.Array{b.db.AlarmTopic.Arn}
	var dimensions pulumi.StringMap
	if b.isCluster() {
		dimensions = clusterAlarmDimensions(b.db.Cluster)
	} else {
		dimensions = pulumi.StringMap{"DBInstanceIdentifier": b.db.Instance.Identifier}
	}
	for _, spec := range b.alarmSpecs() {
		statistic := spec.statistic
		if statistic == "" {
			statistic = "Average"
		}
		al, err := cloudwatch.NewMetricAlarm(b.ctx, b.child("alarm-"+spec.suffix), &cloudwatch.MetricAlarmArgs{
			AlarmDescription:   pulumi.Sprintf("PostgreSQL %s: "+spec.description, b.name, spec.threshold),
			Namespace:          pulumi.String("AWS/RDS"),
			MetricName:         pulumi.String(spec.metric),
			Dimensions:         dimensions,
			Statistic:          pulumi.String(statistic),
			Period:             pulumi.Int(300),
			EvaluationPeriods:  pulumi.Int(3),
			DatapointsToAlarm:  pulumi.Int(2),
			Threshold:          pulumi.Float64(spec.threshold),
			ComparisonOperator: pulumi.String(spec.comparison),
			TreatMissingData:   pulumi.String("missing"),
			AlarmActions:       actions,
			OkActions:          actions,
			Tags:               b.args.Tags.Named(b.name),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("%s: %w", spec.metric, err)
		}
		b.db.Alarms = append(b.db.Alarms, al)
	}
	return nil
}
