package postgres

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/tags"
)

// ComponentType is the Pulumi type token of the component.
const ComponentType = "pgplatform:database:MultiAZPostgres"

// Args are the inputs of the component.
type Args struct {
	// Spec is the database's resolved spec, which the guardrails check
	// and every child is rendered from.
	Spec spec.Database
	// Network is the environment's network, read from its stack.
	Network contract.Network
	// AppSubnetCidrs are the network's application subnet CIDRs as plain
	// values: one ingress rule is declared per CIDR.
	AppSubnetCidrs []string
	// RecoveryNetwork is the recovery network the stack's DR restores
	// into, read from RecoveryNetworkStack (its fully qualified name) and
	// checked by the caller (contract.CheckRecoveryNetwork); required with
	// spec.DR, nil without.
	RecoveryNetwork      *contract.Network
	RecoveryNetworkStack string
	AccountID            string
	Partition            string
	Tags                 tags.Set
}

// MultiAZ is one app's PostgreSQL and everything it needs.
type MultiAZ struct {
	pulumi.ResourceState

	Key            *kms.Key
	KeyPolicy      *kms.KeyPolicy
	SubnetGroup    *rds.SubnetGroup
	SecurityGroup  *ec2.SecurityGroup
	MonitoringRole *iam.Role
	ParameterGroup *rds.ParameterGroup
	LogGroups      []*cloudwatch.LogGroup
	Instance       *rds.Instance
	AlarmTopic     *sns.Topic
	TopicPolicy    *sns.TopicPolicy
	Subscriptions  []*sns.TopicSubscription
	Alarms         []*cloudwatch.MetricAlarm
	// Events are the RDS event subscriptions, one per source type of the
	// plan (the instance first).
	Events          []*rds.EventSubscription
	Identifier      pulumi.StringOutput
	SnapshotName    pulumi.StringOutput
	Outputs         contract.Database
	ingressRuleName []string

	// The RDS Proxy's resources (spec.Proxy), nil without a proxy;
	// ProxyReadOnly is a cluster's read-only proxy endpoint.
	ProxySecurityGroup *ec2.SecurityGroup
	ProxyRole          *iam.Role
	ProxyRolePolicy    *iam.RolePolicy
	Proxy              *rds.Proxy
	ProxyTargetGroup   *rds.ProxyDefaultTargetGroup
	ProxyTarget        *rds.ProxyTarget
	ProxyReadOnly      *rds.ProxyEndpoint

	// PreviousParameterGroup is the group of the major before, kept for an
	// instance that still runs it (nil when the plan has no such family).
	PreviousParameterGroup *rds.ParameterGroup
	// PreviousClusterParameterGroup is the same for a cluster.
	PreviousClusterParameterGroup *rds.ClusterParameterGroup

	// Cluster and its ClusterParameterGroup are the database of the
	// cluster shape (spec.DeployCluster), where Instance and
	// ParameterGroup are nil; the instance shape leaves these nil.
	Cluster               *rds.Cluster
	ClusterParameterGroup *rds.ClusterParameterGroup

	// DR is the stack's disaster recovery in its recovery region
	// (spec.DR), nil without one.
	DR *DR
}

// NewMultiAZ declares the component. Every child is parented to it and
// named from name.
func NewMultiAZ(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*MultiAZ, error) {
	if args == nil {
		return nil, errors.New("postgres: args are required")
	}
	if err := guardrails.CheckDatabase(args.Spec); err != nil {
		return nil, fmt.Errorf("postgres %s: %w", name, err)
	}
	if len(args.AppSubnetCidrs) == 0 {
		return nil, fmt.Errorf("postgres %s: the network has no application subnets to admit", name)
	}
	db := &MultiAZ{}
	if err := ctx.RegisterComponentResource(ComponentType, name, db, opts...); err != nil {
		return nil, fmt.Errorf("postgres %s: register component: %w", name, err)
	}
	b := &builder{ctx: ctx, name: name, args: args, db: db, parent: pulumi.Parent(db)}
	steps := []struct {
		what string
		fn   func() error
	}{
		{"KMS key", b.key},
		{"subnet group", b.subnetGroup},
		{"key policy", b.keyPolicy},
		{"security group", b.securityGroup},
		{"monitoring role", b.monitoringRole},
		{"parameter group", b.parameterGroup},
		{"database and its log groups", b.database},
		{"RDS Proxy", b.proxy},
		{"alarm topic", b.topic},
		{"alarms", b.alarms},
		{"alarm topic policy", b.topicPolicy},
		{"event subscriptions", b.events},
		{"disaster recovery", b.dr},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("postgres %s: %s: %w", name, s.what, err)
		}
	}

	s := args.Spec
	w := b.writer()
	db.Outputs = contract.Database{
		Endpoint:              w.Endpoint,
		Address:               w.Address,
		Port:                  w.Port,
		DatabaseName:          pulumi.String(s.DatabaseName).ToStringOutput(),
		MasterUsername:        pulumi.String(s.Instance.MasterUsername).ToStringOutput(),
		MasterSecretArn:       w.MasterSecretArn,
		SecurityGroupID:       db.SecurityGroup.ID().ToStringOutput(),
		InstanceIdentifier:    w.InstanceIdentifier,
		ResourceID:            w.ResourceID,
		KmsKeyArn:             db.Key.Arn,
		AlarmTopicArn:         db.AlarmTopic.Arn,
		Environment:           pulumi.String(s.Environment).ToStringOutput(),
		Tier:                  pulumi.String(string(s.Tier)).ToStringOutput(),
		Deployment:            w.Deployment,
		ClusterIdentifier:     w.ClusterIdentifier,
		ReaderEndpoint:        w.ReaderEndpoint,
		ProxyEndpoint:         b.proxyEndpoint(),
		ProxyReadOnlyEndpoint: b.proxyReadOnlyEndpoint(),
		ApplicationEndpoint:   b.applicationEndpoint(w.Address),
	}
	db.Outputs.DRRegion, db.Outputs.DRKmsKeyArn, db.Outputs.DRBackupsArn, db.Outputs.DRNetworkStack, db.Outputs.DRSubnetGroupName, db.Outputs.DRParameterGroupName = b.drOutputs()
	outs := pulumi.Map{}
	if err := contract.Export(db.Outputs, func(k string, v pulumi.Input) { outs[k] = v }); err != nil {
		return nil, fmt.Errorf("postgres %s: %w", name, err)
	}
	if err := ctx.RegisterResourceOutputs(db, outs); err != nil {
		return nil, fmt.Errorf("postgres %s: register outputs: %w", name, err)
	}
	return db, nil
}

// masterSecretArn is the ARN of the Secrets Manager secret RDS keeps the
// master password in. The password itself never passes through Pulumi.
func masterSecretArn(inst *rds.Instance) pulumi.StringOutput {
	return inst.MasterUserSecrets.ApplyT(func(secrets []rds.InstanceMasterUserSecret) (string, error) {
		for _, s := range secrets {
			if s.SecretArn != nil && *s.SecretArn != "" {
				return *s.SecretArn, nil
			}
		}
		return "", errors.New("RDS reported no master user secret; is manageMasterUserPassword on?")
	}).(pulumi.StringOutput)
}
