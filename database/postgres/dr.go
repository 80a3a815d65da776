package postgres

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/naming"
	"github.com/pgplatform/platform/shared/spec"
)

// DR holds the resources of the stack's disaster recovery (spec.DR), all
// in the recovery region and all through Provider; nil without DR.
type DR struct {
	// Provider is the explicit AWS provider for the recovery region.
	// Nothing in that region is declared with the default provider.
	Provider *aws.Provider
	Key      *kms.Key
	KeyAlias *kms.Alias
	// Backups replicates the instance's automated backups to the
	// recovery region under Key.
	Backups *rds.InstanceAutomatedBackupsReplication
	// SubnetGroup is a DB subnet group over the recovery network's
	// database subnets, where a restore in the recovery region places the
	// instance (the DR drill, the fail-over runbook).
	SubnetGroup *rds.SubnetGroup
	// ParameterGroup is a DB parameter group in the recovery region with
	// the primary's family and parameters, which a restore there names so
	// the restored instance keeps the platform's settings (rds.force_ssl).
	ParameterGroup *rds.ParameterGroup
}

// drKeyPolicy is the recovery region's key policy: the primary key's
// administration, and use by RDS, for this account, in the recovery
// region only (kms:ViaService rds.<dr region>.amazonaws.com). RDS encrypts
// the replicated backups with "the KMS encryption key in the destination
// AWS Region" (StartDBInstanceAutomatedBackupsReplication, KmsKeyId,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StartDBInstanceAutomatedBackupsReplication.html),
// so RDS there is the one service that uses it; a restore in the recovery
// region (the DR drill) uses it through RDS too. No Secrets Manager, logs
// or SNS statement: nothing else of the stack lives in that region.
func drKeyPolicy(k keyScope) (string, error) {
	rdsUse := k.rdsUse()
	return encode("the DR key policy", k.administration(), rdsUse[0], rdsUse[1])
}

// DROptOutWarning is the warning a stack that opts out of DR gets in every
// preview: the rule, the key and the stated reason.
func DROptOutWarning(reason string) string {
	return fmt.Sprintf("guardrail exception disaster-recovery: database:drOptOut = %q: this stack keeps no copy of its data or backups in a second region", reason)
}

// dr declares the stack's disaster recovery when the spec has one: an
// AWS provider for the recovery region, parented to the component, and
// through it the DR key, its alias, the replication of the instance's
// automated backups, a DB subnet group over the recovery network and a
// DB parameter group with the primary's parameters. The replication is made in the recovery region:
// "This resource has to be created in the destination region."
// (pulumi-aws rds.InstanceAutomatedBackupsReplication,
// https://www.pulumi.com/registry/packages/aws/api-docs/rds/instanceautomatedbackupsreplication/).
func (b *builder) dr() error {
	s := b.args.Spec
	if !s.DR.Enabled() {
		if s.DR.OptOutReason != "" {
			// The opt-out is a guardrail exception: every preview and
			// update of the stack shows it as a warning on the component,
			// which the PR comment lists with the plan's diagnostics
			// (scripts/internal/report).
			return b.ctx.Log.Warn(DROptOutWarning(s.DR.OptOutReason), &pulumi.LogArgs{Resource: b.db})
		}
		return nil
	}
	// The guardrails refuse these before anything is declared; the
	// component does not rely on its caller having checked.
	if b.isCluster() || b.db.Instance == nil {
		return errors.New("database:dr: automated backup replication isn't supported for Multi-AZ DB clusters (RDS User Guide, USER_ReplicateBackups)")
	}
	if s.DR.Mode != spec.DRBackups || s.DR.KmsKeyID != spec.StackKey {
		return fmt.Errorf("database:dr: mode %q under key %q: want mode backups under the stack's own key", s.DR.Mode, s.DR.KmsKeyID)
	}
	if b.args.RecoveryNetwork == nil || b.args.RecoveryNetworkStack == "" {
		return errors.New("database:dr: the recovery network is required: the program reads and checks it before declaring the stack")
	}
	dr := &DR{}
	var err error
	dr.Provider, err = aws.NewProvider(b.ctx, b.child("dr"), &aws.ProviderArgs{
		Region: pulumi.String(s.DR.Region),
		// The same account as the default provider, which the stack's
		// aws:allowedAccountIds already holds to its account: an explicit
		// provider reads no stack config of its own.
		AllowedAccountIds: pulumi.ToStringArray([]string{b.args.AccountID}),
	}, b.parent)
	if err != nil {
		return fmt.Errorf("provider for %s: %w", s.DR.Region, err)
	}
	in := []pulumi.ResourceOption{b.parent, pulumi.Provider(dr.Provider)}

	scope := b.scope(nil)
	scope.Region = s.DR.Region
	policy, err := drKeyPolicy(scope)
	if err != nil {
		return err
	}
	if err := guardrails.CheckKeyPolicy(policy, guardrails.PolicyScope{Account: b.args.AccountID}); err != nil {
		return fmt.Errorf("DR key: %w", err)
	}
	dr.Key, err = kms.NewKey(b.ctx, b.child("dr-key"), &kms.KeyArgs{
		Description:          pulumi.Sprintf("PostgreSQL %s: automated backups replicated from %s", b.name, s.Region),
		EnableKeyRotation:    pulumi.Bool(s.KeyRotation),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(policy),
		Tags:                 b.args.Tags.Named(b.name),
	}, in...)
	if err != nil {
		return fmt.Errorf("DR key: %w", err)
	}
	dr.KeyAlias, err = kms.NewAlias(b.ctx, b.child("dr-key-alias"), &kms.AliasArgs{
		Name:        pulumi.String(naming.KeyAlias(s.App, s.Environment)),
		TargetKeyId: dr.Key.KeyId,
	}, in...)
	if err != nil {
		return fmt.Errorf("DR key alias: %w", err)
	}
	// Every input of the replication replaces it (the provider's schema
	// has no Update: source_db_instance_arn, kms_key_id, retention_period
	// and pre_signed_url are ForceNew, resourceInstanceAutomatedBackupsReplication,
	// lonegunmanb/terraform-provider-aws-index
	// index/internal/service/rds/func.resourceInstanceAutomatedBackupsReplication.goindex).
	// kms_key_id must be an ARN (ValidateFunc verify.ValidARN, same
	// schema); retention is set explicitly rather than left to the
	// schema's default of 7.
	dr.Backups, err = rds.NewInstanceAutomatedBackupsReplication(b.ctx, b.child("dr-backups"), &rds.InstanceAutomatedBackupsReplicationArgs{
		SourceDbInstanceArn: b.db.Instance.Arn,
		KmsKeyId:            dr.Key.Arn,
		RetentionPeriod:     pulumi.Int(s.DR.RetentionDays),
	}, in...)
	if err != nil {
		return fmt.Errorf("backup replication to %s: %w", s.DR.Region, err)
	}
	// A restore in the recovery region names a DB subnet group there:
	// without DBSubnetGroupName the restored instance gets "the default
	// subnet group" (RDS API reference, RestoreDBInstanceToPointInTime,
	// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html),
	// and a group holds subnets of its own Region ("DB subnet groups must
	// contain at least one subnet in at least two AZs in the Amazon Web
	// Services Region", CreateDBSubnetGroup). So it is declared there,
	// through the DR provider, over the recovery network's isolated
	// database subnets, as the primary's is over the primary network's.
	dr.SubnetGroup, err = rds.NewSubnetGroup(b.ctx, b.child("dr-subnets"), &rds.SubnetGroupArgs{
		Description: pulumi.Sprintf("Isolated database subnets of %s for restores of %s", b.args.RecoveryNetworkStack, b.name),
		SubnetIds:   b.args.RecoveryNetwork.DatabaseSubnetIDs,
		Tags:        b.args.Tags.Named(b.name),
	}, in...)
	if err != nil {
		return fmt.Errorf("DB subnet group in %s: %w", s.DR.Region, err)
	}
	// A restore names a DB parameter group (DBParameterGroupName) the
	// same way: without one "The target database is created ... with the
	// default security group, the default subnet group, and the default
	// DB parameter group" (RDS API reference, RestoreDBInstanceToPointInTime,
	// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html),
	// which drops the platform's settings (rds.force_ssl among them). A
	// parameter group is a resource of the region it is created in, as
	// the subnet group is, so the primary's cannot be named there: the
	// same entries, rendered by the same function in the primary's
	// family, are declared through the DR provider.
	dr.ParameterGroup, err = b.renderParameterGroup(b.child("dr-params-"+s.ParameterFamily), s.ParameterFamily, in...)
	if err != nil {
		return fmt.Errorf("DB parameter group in %s: %w", s.DR.Region, err)
	}
	b.db.DR = dr
	return nil
}

// drOutputs are the stack's DR outputs (contract.Database): the recovery
// region, the DR key's ARN, the replication's automated-backups ARN (the
// resource's ID, DBInstanceAutomatedBackupsArn, per
// resourceInstanceAutomatedBackupsReplicationCreate in the provider index),
// the recovery network stack, and the DB subnet group's and DB parameter
// group's names there; empty strings without DR.
func (b *builder) drOutputs() (region, keyArn, backupsArn, networkStack, subnetGroup, parameterGroup pulumi.StringOutput) {
	dr := b.db.DR
	if dr == nil {
		empty := pulumi.String("").ToStringOutput()
		return empty, empty, empty, empty, empty, empty
	}
	return pulumi.String(b.args.Spec.DR.Region).ToStringOutput(), dr.Key.Arn, dr.Backups.ID().ToStringOutput(),
		pulumi.String(b.args.RecoveryNetworkStack).ToStringOutput(), dr.SubnetGroup.Name, dr.ParameterGroup.Name
}
