package postgres

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/naming"
	"github.com/pgplatform/platform/shared/spec"
)

// The stack's RDS Proxy (spec.Proxy), in front of the instance or the
// cluster: its IAM role, its security group, the proxy, its default target
// group with the spec's pool, its target and, for a cluster, a read-only
// endpoint for the readers.
//
// Sources, cited where used: the Terraform AWS provider v6.0.0 that
// pulumi-aws v6 bridges (lonegunmanb/terraform-provider-aws-index, commit
// 4f930f62, index/internal/service/rds: resourceProxy,
// resourceProxyDefaultTargetGroup, resourceProxyTarget,
// resourceProxyEndpoint) and the RDS User Guide's RDS Proxy pages.
//
// Open question: whether RDS Proxy accepts the RDS-managed master secret
// (rds!db-...) as an auth's secret is not stated by the RDS Proxy pages
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-secrets-arns.html
// describe secrets one creates, with username and password keys); the
// RDS-managed secret holds those keys, and the limitations of the
// Secrets Manager integration do not list RDS Proxy among the features it
// does not support (read replicas, Blue/Green deployments, RDS Custom,
// Oracle Data Guard switchover:
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html#rds-secrets-manager-limitations).

// proxyEngineFamily is the proxy's engine family for PostgreSQL targets
// (CreateDBProxy EngineFamily; the provider validates it against
// types.EngineFamily).
const proxyEngineFamily = "POSTGRESQL"

// proxyTarget is what the proxy fronts: the master secret it logs in with
// and the instance or cluster it registers.
type proxyTarget struct {
	secretArn  pulumi.StringOutput
	instanceID pulumi.StringPtrInput
	clusterID  pulumi.StringPtrInput
	cluster    bool
}

func (b *builder) proxyTargetOf() proxyTarget {
	if b.isCluster() {
		return proxyTarget{secretArn: clusterMasterSecretArn(b.db.Cluster), clusterID: b.db.Cluster.ClusterIdentifier, cluster: true}
	}
	return proxyTarget{secretArn: masterSecretArn(b.db.Instance), instanceID: b.db.Instance.Identifier}
}

// proxySecurityGroup declares, when the spec has a proxy, the proxy's
// security group and the database group's rule that admits it:
//   - the proxy's group admits the spec's proxy sources (spec.Proxy.Ingress,
//     which the proxy-not-public guardrail checks: the application subnets,
//     one rule per CIDR) and sends only to the database's group on the
//     database port. The provider revokes the default allow-all egress rule AWS
//     gives a new group (resourceSecurityGroupCreate, Terraform AWS
//     provider v6.0.0), so that one egress rule is all it has;
//   - the database's group admits the proxy's group on its port.
//
// The database group's other sources are databaseIngress's.
//
// The rules admit clients on the database's port, which is 5432 whenever
// there is a proxy: the RDS Proxy pages do not say on which port a proxy
// for PostgreSQL listens when the database's port is another, so the
// config refuses database:proxy with any other port.
func (b *builder) proxySecurityGroup() error {
	if !b.args.Spec.Proxy.Enabled {
		return nil
	}
	port := pulumi.Int(b.args.Spec.Port)
	var err error
	b.db.ProxySecurityGroup, err = ec2.NewSecurityGroup(b.ctx, b.child("proxy-sg"), &ec2.SecurityGroupArgs{
		Description:         pulumi.Sprintf("RDS Proxy of PostgreSQL %s: database port from the application subnets, to the database only", b.name),
		VpcId:               b.args.Network.VpcID,
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                b.args.Tags.Named(b.name + "-proxy"),
	}, b.parent)
	if err != nil {
		return err
	}
	for i, in := range b.ingressOf(b.args.Spec.Proxy.Ingress) {
		args := &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: b.db.ProxySecurityGroup.ID(),
			IpProtocol:      pulumi.String("tcp"),
			FromPort:        pulumi.Int(in.port),
			ToPort:          pulumi.Int(in.port),
			Description:     pulumi.String(in.description),
			Tags:            b.args.Tags.Named(b.name + "-proxy"),
		}
		if in.cidr != "" {
			args.CidrIpv4 = pulumi.String(in.cidr)
		} else {
			args.ReferencedSecurityGroupId = pulumi.String(in.securityGroup)
		}
		if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, b.child(fmt.Sprintf("proxy-ingress-%d", i)), args, b.parent); err != nil {
			return fmt.Errorf("proxy ingress from %s%s: %w", in.cidr, in.securityGroup, err)
		}
	}
	if _, err := vpc.NewSecurityGroupEgressRule(b.ctx, b.child("proxy-egress"), &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           b.db.ProxySecurityGroup.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  port,
		ToPort:                    port,
		ReferencedSecurityGroupId: b.db.SecurityGroup.ID(),
		Description:               pulumi.String("the database's security group"),
		Tags:                      b.args.Tags.Named(b.name + "-proxy"),
	}, b.parent); err != nil {
		return fmt.Errorf("proxy egress to the database: %w", err)
	}
	if _, err := vpc.NewSecurityGroupIngressRule(b.ctx, b.child("ingress-proxy"), &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           b.db.SecurityGroup.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  port,
		ToPort:                    port,
		ReferencedSecurityGroupId: b.db.ProxySecurityGroup.ID(),
		Description:               pulumi.String("the RDS Proxy's security group"),
		Tags:                      b.args.Tags.Named(b.name),
	}, b.parent); err != nil {
		return fmt.Errorf("database ingress from the proxy: %w", err)
	}
	return nil
}

// ingressOf renders a list of sources, expanding the application subnets
// into one rule per CIDR.
func (b *builder) ingressOf(sources []spec.Ingress) []ingressRule {
	var out []ingressRule
	for _, in := range sources {
		switch {
		case in.FromApps:
			for _, c := range b.args.AppSubnetCidrs {
				out = append(out, ingressRule{cidr: c, port: in.Port, description: "application subnet " + c})
			}
		case in.CIDR != "":
			out = append(out, ingressRule{cidr: in.CIDR, port: in.Port, description: "allowed CIDR " + in.CIDR})
		case in.SecurityGroupID != "":
			out = append(out, ingressRule{securityGroup: in.SecurityGroupID, port: in.Port, description: "allowed security group " + in.SecurityGroupID})
		}
	}
	return out
}

// databaseIngress are the database group's sources besides the proxy: the
// application subnets and the sources config names, unless a proxy is on
// without database:proxyDirectAccess, when the proxy is the only one.
func (b *builder) databaseIngress() []ingressRule {
	if p := b.args.Spec.Proxy; p.Enabled && !p.DirectAccess {
		return nil
	}
	return b.ingress()
}

// proxy declares the proxy and everything it needs, once the instance (or
// cluster) and its master secret exist.
func (b *builder) proxy() error {
	p := b.args.Spec.Proxy
	if !p.Enabled {
		return nil
	}
	s := b.args.Spec
	t := b.proxyTargetOf()
	if err := b.proxyRole(t); err != nil {
		return fmt.Errorf("role: %w", err)
	}

	subnets := b.args.Network.DatabaseSubnetIDs
	name := subnets.ApplyT(func(ids []string) (string, error) {
		return naming.ProxyName(s.App, s.Environment, ids)
	}).(pulumi.StringOutput)
	args := &rds.ProxyArgs{
		// [TF] resourceProxy: name is Required and not ForceNew (a rename
		// is in place); engine_family and vpc_subnet_ids are ForceNew.
		// naming.ProxyName digests the subnets, so a replacement gets a new
		// name and is created before the old proxy is deleted.
		Name:         name,
		EngineFamily: pulumi.String(proxyEngineFamily),
		RequireTls:   pulumi.Bool(p.RequireTLS),
		DebugLogging: pulumi.Bool(p.DebugLogging),
		RoleArn:      b.db.ProxyRole.Arn,
		VpcSubnetIds: subnets,
		// Without vpc_security_group_ids a proxy gets the VPC's default
		// group (CreateDBProxy VpcSecurityGroupIds is optional); it gets
		// its own.
		VpcSecurityGroupIds: pulumi.StringArray{b.db.ProxySecurityGroup.ID()},
		Auths: rds.ProxyAuthArray{rds.ProxyAuthArgs{
			AuthScheme:  pulumi.String("SECRETS"),
			IamAuth:     pulumi.String(p.IAMAuth),
			SecretArn:   t.secretArn,
			Description: pulumi.String("the master user, through its RDS-managed secret"),
		}},
		Tags: b.args.Tags.Named(b.name),
	}
	if p.IdleClientTimeoutSeconds > 0 {
		args.IdleClientTimeout = pulumi.Int(p.IdleClientTimeoutSeconds)
	}
	// The proxy reads the secret as soon as it exists: the role's policy
	// comes first.
	var err error
	b.db.Proxy, err = rds.NewProxy(b.ctx, b.child("proxy"), args, b.parent,
		pulumi.DependsOn([]pulumi.Resource{b.db.ProxyRolePolicy}))
	if err != nil {
		return fmt.Errorf("proxy: %w", err)
	}

	pool := &rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs{}
	if p.MaxConnectionsPercent > 0 {
		pool.MaxConnectionsPercent = pulumi.Int(p.MaxConnectionsPercent)
	}
	if p.MaxIdleConnectionsPercent > 0 {
		pool.MaxIdleConnectionsPercent = pulumi.Int(p.MaxIdleConnectionsPercent)
	}
	if p.ConnectionBorrowTimeoutSeconds > 0 {
		pool.ConnectionBorrowTimeout = pulumi.Int(p.ConnectionBorrowTimeoutSeconds)
	}
	b.db.ProxyTargetGroup, err = rds.NewProxyDefaultTargetGroup(b.ctx, b.child("proxy-pool"), &rds.ProxyDefaultTargetGroupArgs{
		DbProxyName:          b.db.Proxy.Name,
		ConnectionPoolConfig: pool,
	}, b.parent)
	if err != nil {
		return fmt.Errorf("default target group: %w", err)
	}

	targetArgs := &rds.ProxyTargetArgs{DbProxyName: b.db.Proxy.Name, TargetGroupName: b.db.ProxyTargetGroup.Name}
	if t.cluster {
		targetArgs.DbClusterIdentifier = t.clusterID
	} else {
		targetArgs.DbInstanceIdentifier = t.instanceID
	}
	// [TF] resourceProxyTarget has no Update: every argument is ForceNew,
	// so a new instance or cluster identifier replaces the target. A proxy
	// "can be associated with a single target DB instance or cluster" (RDS
	// User Guide, RDS Proxy limitations,
	// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html#rds-proxy.limitations),
	// so the old target is deregistered before the new one is registered.
	b.db.ProxyTarget, err = rds.NewProxyTarget(b.ctx, b.child("proxy-target"), targetArgs, b.parent,
		pulumi.DeleteBeforeReplace(true))
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}

	if !t.cluster {
		return nil
	}
	// A read-only endpoint serves the cluster's readers: reader endpoints
	// "only work for proxies associated with Multi-AZ DB clusters" (RDS
	// User Guide, "Working with Amazon RDS Proxy endpoints",
	// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-endpoints.html).
	// [TF] resourceProxyEndpoint: db_proxy_endpoint_name is Required and
	// ForceNew and pulumi-aws does not autoname it; so are db_proxy_name,
	// target_role and vpc_subnet_ids. naming.ProxyEndpointName digests
	// them, so a replacement gets a new name and is created first.
	const role = "READ_ONLY"
	endpointName := pulumi.All(b.db.Proxy.Name, subnets).ApplyT(func(v []any) (string, error) {
		proxyName, _ := v[0].(string)
		ids, _ := v[1].([]string)
		return naming.ProxyEndpointName(s.App, s.Environment, proxyName, role, ids)
	}).(pulumi.StringOutput)
	b.db.ProxyReadOnly, err = rds.NewProxyEndpoint(b.ctx, b.child("proxy-read-only"), &rds.ProxyEndpointArgs{
		DbProxyEndpointName: endpointName,
		DbProxyName:         b.db.Proxy.Name,
		TargetRole:          pulumi.String(role),
		VpcSubnetIds:        subnets,
		VpcSecurityGroupIds: pulumi.StringArray{b.db.ProxySecurityGroup.ID()},
		Tags:                b.args.Tags.Named(b.name),
	}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.db.ProxyTarget}))
	if err != nil {
		return fmt.Errorf("read-only endpoint: %w", err)
	}
	return nil
}

// proxyRole declares the role the proxy reads the master secret with. Its
// trust is rendered once, checked with the trust rules, and that string is
// the role's assumeRolePolicy. Its policy names the secret, known only
// once RDS has created it: it is rendered then, checked with the proxy
// role rules (guardrails.CheckProxyPolicy), and that same string is the
// role's policy; a policy that breaks a rule stops the run before it is
// put.
func (b *builder) proxyRole(t proxyTarget) error {
	s := b.args.Spec
	source := proxySourceArn(b.args.Partition, s.Region, b.args.AccountID)
	trust, err := proxyTrust(b.args.AccountID, source)
	if err != nil {
		return err
	}
	if err := guardrails.CheckTrustPolicy(trust, guardrails.PolicyScope{Account: b.args.AccountID, TrustService: ProxyService, TrustSourceArn: source}); err != nil {
		return err
	}
	b.db.ProxyRole, err = iam.NewRole(b.ctx, b.child("proxy"), &iam.RoleArgs{
		Description:      pulumi.Sprintf("RDS Proxy of PostgreSQL %s: reads the master secret", b.name),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             b.args.Tags.Named(b.name),
	}, b.parent)
	if err != nil {
		return err
	}
	policy := pulumi.All(t.secretArn, b.db.Key.Arn).ApplyT(func(v []any) (string, error) {
		secret, _ := v[0].(string)
		key, _ := v[1].(string)
		doc, err := proxyPolicy(s.Region, secret, key)
		if err != nil {
			return "", err
		}
		if err := guardrails.CheckProxyPolicy(doc, guardrails.ProxyPolicyScope{SecretArn: secret, KeyArn: key, Region: s.Region}); err != nil {
			return "", fmt.Errorf("postgres %s: %w", b.name, err)
		}
		return doc, nil
	}).(pulumi.StringOutput)
	b.db.ProxyRolePolicy, err = iam.NewRolePolicy(b.ctx, b.child("proxy"), &iam.RolePolicyArgs{
		Role:   b.db.ProxyRole.ID(),
		Policy: policy,
	}, b.parent)
	return err
}

// proxyEndpoint is the proxy's default (read/write) endpoint, "" without a
// proxy.
func (b *builder) proxyEndpoint() pulumi.StringOutput {
	if b.db.Proxy == nil {
		return pulumi.String("").ToStringOutput()
	}
	return b.db.Proxy.Endpoint
}

// proxyReadOnlyEndpoint is the proxy's read-only endpoint (a cluster's),
// "" without one.
func (b *builder) proxyReadOnlyEndpoint() pulumi.StringOutput {
	if b.db.ProxyReadOnly == nil {
		return pulumi.String("").ToStringOutput()
	}
	return b.db.ProxyReadOnly.Endpoint
}

// applicationEndpoint is the host applications connect to: the proxy's
// endpoint when there is a proxy, otherwise writer.
func (b *builder) applicationEndpoint(writer pulumi.StringOutput) pulumi.StringOutput {
	if b.db.Proxy == nil {
		return writer
	}
	return b.db.Proxy.Endpoint
}
