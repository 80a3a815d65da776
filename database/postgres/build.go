package postgres

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/naming"
)

// builder declares the component's children in dependency order.
type builder struct {
	ctx    *pulumi.Context
	name   string
	args   *Args
	db     *MultiAZ
	parent pulumi.ResourceOption
}

func (b *builder) child(suffix string) string { return b.name + "-" + suffix }

// scope is what the stack's key policy binds its principals to.
func (b *builder) scope(logGroupArns []string) keyScope {
	return keyScope{
		Partition:     b.args.Partition,
		Account:       b.args.AccountID,
		Region:        b.args.Spec.Region,
		AdminRoleArns: b.args.Spec.KeyAdminRoleArns,
		LogGroupArns:  logGroupArns,
	}
}

// key declares the stack's key with the bootstrap policy (administration
// only). The policy string is rendered once: the guardrails check that
// string, and the same string is the key's policy. The full policy is the
// KeyPolicy resource's (keyPolicy); the key ignores later changes of its
// own policy input, so a refresh that reads the full policy back never
// makes an update put the bootstrap one over it.
func (b *builder) key() error {
	s := b.args.Spec
	policy, err := bootstrapKeyPolicy(b.scope(nil))
	if err != nil {
		return err
	}
	if err := guardrails.CheckKeyPolicy(policy, guardrails.PolicyScope{Account: b.args.AccountID}); err != nil {
		return err
	}
	b.db.Key, err = kms.NewKey(b.ctx, b.child("key"), &kms.KeyArgs{
		Description:          pulumi.Sprintf("PostgreSQL %s: storage, Performance Insights, master secret, logs and alarms", b.name),
		EnableKeyRotation:    pulumi.Bool(b.args.Spec.KeyRotation),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(policy),
		Tags:                 b.args.Tags.Named(b.name),
	}, b.parent, pulumi.IgnoreChanges([]string{"policy"}))
	if err != nil {
		return err
	}
	_, err = kms.NewAlias(b.ctx, b.child("key-alias"), &kms.AliasArgs{
		Name:        pulumi.String(naming.KeyAlias(s.App, s.Environment)),
		TargetKeyId: b.db.Key.KeyId,
	}, b.parent)
	return err
}

// logGroupArns are the ARNs of the log groups the instance or cluster
// exports to.
func (b *builder) logGroupArns(identifier string) []string {
	var arns []string
	for _, export := range b.args.Spec.Instance.LogExports {
		arns = append(arns, fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s",
			b.args.Partition, b.args.Spec.Region, b.args.AccountID, b.logGroupName(identifier, export)))
	}
	return arns
}

// logGroupName is the log group RDS writes an export of the instance or
// the cluster identified by identifier to.
func (b *builder) logGroupName(identifier, export string) string {
	if b.isCluster() {
		return naming.ClusterLogGroup(identifier, export)
	}
	return naming.InstanceLogGroup(identifier, export)
}

// keyPolicy puts the stack's full key policy on the key once the instance
// (or cluster) identifier, and with it the log groups' ARNs, is known. It is rendered
// once, checked by the guardrails, and that same string is the resource's
// policy; a policy that breaks a rule stops the run before it is put. The
// log groups and the instance wait for it.
func (b *builder) keyPolicy() error {
	if b.isCluster() {
		b.db.Identifier = b.clusterIdentifier()
	} else {
		b.db.Identifier = b.identifier()
	}
	policy := b.db.Identifier.ApplyT(func(id string) (string, error) {
		arns := b.logGroupArns(id)
		doc, err := keyPolicy(b.scope(arns))
		if err != nil {
			return "", err
		}
		if err := guardrails.CheckKeyPolicy(doc, guardrails.PolicyScope{Account: b.args.AccountID, LogGroupArns: arns}); err != nil {
			return "", fmt.Errorf("postgres %s: %w", b.name, err)
		}
		return doc, nil
	}).(pulumi.StringOutput)
	var err error
	b.db.KeyPolicy, err = kms.NewKeyPolicy(b.ctx, b.child("key-policy"), &kms.KeyPolicyArgs{
		KeyId:  b.db.Key.ID(),
		Policy: policy,
	}, b.parent)
	return err
}

func (b *builder) subnetGroup() error {
	var err error
	b.db.SubnetGroup, err = rds.NewSubnetGroup(b.ctx, b.child("subnets"), &rds.SubnetGroupArgs{
		Description: pulumi.Sprintf("Isolated database subnets for %s", b.name),
		SubnetIds:   b.args.Network.DatabaseSubnetIDs,
		Tags:        b.args.Tags.Named(b.name),
	}, b.parent)
	return err
}

// securityGroup admits the database port from the network's application
// subnets and the sources config names, nothing else. Rules are separate
// resources (none inline), so they never fight each other; the group has
// no egress rule, since the database starts no connections.
func (b *builder) securityGroup() error {
	var err error
	b.db.SecurityGroup, err = ec2.NewSecurityGroup(b.ctx, b.child("sg"), &ec2.SecurityGroupArgs{
		Description:         pulumi.Sprintf("PostgreSQL %s: database port from the application subnets only", b.name),
		VpcId:               b.args.Network.VpcID,
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                b.args.Tags.Named(b.name),
	}, b.parent)
	if err != nil {
		return err
	}
	// With a proxy, the proxy's group, and the database group's rule that
	// admits it, come first; databaseIngress is then the other sources.
	if err := b.proxySecurityGroup(); err != nil {
		return err
	}
	for i, in := range b.databaseIngress() {
		args := &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: b.db.SecurityGroup.ID(),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(in.port),
			ToPort:          pulumi.Int(in.port),
			Description:     pulumi.String(in.description),
			Tags:            b.args.Tags.Named(b.name),
		}
		if in.cidr != "" {
			args.CidrIpv4 = pulumi.String(in.cidr)
		} else {
			args.ReferencedSecurityGroupId = pulumi.String(in.securityGroup)
		}
		name := b.child(fmt.Sprintf("ingress-%d", i))
		if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, name, args, b.parent); err != nil {
			return fmt.Errorf("ingress from %s%s: %w", in.cidr, in.securityGroup, err)
		}
		b.db.ingressRuleName = append(b.db.ingressRuleName, name)
	}
	return nil
}

type ingressRule struct {
	cidr, securityGroup, description string
	port                             int
}

// ingress renders the plan's ingress sources, expanding the application
// subnets into one rule per CIDR.
func (b *builder) ingress() []ingressRule { return b.ingressOf(b.args.Spec.Ingress) }

// monitoringRole declares the enhanced-monitoring role. Its trust policy
// is rendered once, checked by the guardrails against the one service and
// the instances that may assume it, and that same string is the role's
// assumeRolePolicy; a trust that breaks a rule stops the run before the
// role is declared.
func (b *builder) monitoringRole() error {
	s := b.args.Spec
	source := monitoringSourceArn(b.args.Partition, s.Region, b.args.AccountID, s.App, s.Environment)
	if b.isCluster() {
		source = clusterMonitoringSourceArn(b.args.Partition, s.Region, b.args.AccountID, s.App, s.Environment)
	}
	trust, err := monitoringTrust(b.args.Spec.MonitoringTrustService, b.args.AccountID, source)
	if err != nil {
		return err
	}
	if err := guardrails.CheckTrustPolicy(trust, guardrails.PolicyScope{Account: b.args.AccountID, TrustService: guardrails.MonitoringService, TrustSourceArn: source}); err != nil {
		return err
	}
	b.db.MonitoringRole, err = iam.NewRole(b.ctx, b.child("monitoring"), &iam.RoleArgs{
		Description:      pulumi.Sprintf("RDS enhanced monitoring for %s", b.name),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             b.args.Tags.Named(b.name),
	}, b.parent)
	if err != nil {
		return err
	}
	_, err = iam.NewRolePolicyAttachment(b.ctx, b.child("monitoring"), &iam.RolePolicyAttachmentArgs{
		Role:      b.db.MonitoringRole.Name,
		PolicyArn: pulumi.String(fmt.Sprintf("arn:%s:iam::aws:policy/%s", b.args.Partition, b.args.Spec.MonitoringPolicy)),
	}, b.parent)
	return err
}

// parameterGroup declares the group of the engine's family, which the
// instance uses, and keeps the group of the family before it. Each is
// auto-named (no Name) and named in Pulumi by its family, so a major
// upgrade adds the new family's group and never deletes one that an
// instance may still use:
//
//   - RDS refuses to delete a parameter group associated with an instance
//     (DeleteDBParameterGroup, InvalidDBParameterGroupState:
//     https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBParameterGroup.html),
//     and the provider retries that for 3 minutes, then fails the run
//     (resourceParameterGroupDelete, terraform-provider-aws v6.0.0,
//     lonegunmanb/terraform-provider-aws-index commit 4f930f62).
//   - Where changes wait for the maintenance window (staging, prod), the
//     upgrade's `up` only schedules the new engine version and group
//     (ModifyDBInstance, EngineVersion: "applied during the next
//     maintenance window unless the ApplyImmediately parameter is
//     enabled"): the instance runs the previous major on the previous
//     group until the window.
//
// So one group per family replaced on a family change would be deleted
// while still in use. Here the upgrade from N to N+1 creates N+1's group,
// keeps N's, and deletes N-1's, which no instance has used since the last
// upgrade's window. RDS Blue/Green Deployments, which would switch over in
// the same run, are not used: they do not support an RDS-managed master
// password, which every instance of the platform has (RDS User Guide,
// "Limitations and considerations for Amazon RDS blue/green deployments":
// "Blue/green deployments don't support managing master user passwords
// with AWS Secrets Manager",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-considerations.html).
func (b *builder) parameterGroup() error {
	if b.isCluster() {
		return b.clusterParameterGroup()
	}
	var err error
	if prev := b.args.Spec.PreviousParameterFamily; prev != "" {
		b.db.PreviousParameterGroup, err = b.parameterGroupOf(prev)
		if err != nil {
			return fmt.Errorf("family %s: %w", prev, err)
		}
	}
	b.db.ParameterGroup, err = b.parameterGroupOf(b.args.Spec.ParameterFamily)
	return err
}

// parameterGroupOf declares the plan's parameters as a group of family.
func (b *builder) parameterGroupOf(family string) (*rds.ParameterGroup, error) {
	return b.renderParameterGroup(b.child("params-"+family), family, b.parent)
}

// renderParameterGroup declares the plan's parameters (spec.Parameters) as
// a DB parameter group of family named name, with opts: the primary's
// group and the DR region's (dr.go) are rendered by this one function, so
// a restore in the recovery region gets the same settings.
func (b *builder) renderParameterGroup(name, family string, opts ...pulumi.ResourceOption) (*rds.ParameterGroup, error) {
	params := rds.ParameterGroupParameterArray{}
	for _, p := range b.args.Spec.Parameters {
		params = append(params, rds.ParameterGroupParameterArgs{
			Name:        pulumi.String(p.Name),
			Value:       pulumi.String(p.Value),
			ApplyMethod: pulumi.String(p.ApplyMethod),
		})
	}
	return rds.NewParameterGroup(b.ctx, name, &rds.ParameterGroupArgs{
		Family:      pulumi.String(family),
		Description: pulumi.Sprintf("PostgreSQL %s: TLS required, safe logging, pg_stat_statements", b.name),
		Parameters:  params,
		Tags:        b.args.Tags.Named(b.name),
	}, opts...)
}
