package vpc

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/spec"
)

// ComponentType is the Pulumi type token of the network component.
const ComponentType = "pgplatform:network:Network"

// NetworkArgs are the inputs of the network component.
type NetworkArgs struct {
	// Environment names the resources (pgp-<environment>-...) and is
	// exported; Tier sets how strict the guardrails are and is exported.
	Environment string
	Tier        spec.Tier
	// Region is where the stack deploys; the flow-log key lets CloudWatch
	// Logs of this region use it. It is exported.
	Region string
	// RecoveryOf is set on a recovery network: the environment whose
	// primary network it stands in for. It is exported (empty on a primary
	// network) so a database stack can check the network's role.
	RecoveryOf string
	// Tags are the stack file's own tags, added to the platform's.
	Tags map[string]string
	// Layout is what the component declares, from NewLayout. The guardrails
	// are checked on its plan and the resources are rendered from it.
	Layout Layout
}

// Network is an environment's VPC with everything the database stacks rely
// on: isolated database subnets, application subnets and flow logs.
type Network struct {
	pulumi.ResourceState

	Vpc                  *ec2.Vpc
	DefaultSecurityGroup *ec2.DefaultSecurityGroup
	AppSubnets           []*ec2.Subnet
	DatabaseSubnets      []*ec2.Subnet
	PublicSubnets        []*ec2.Subnet
	DatabaseRouteTable   *ec2.RouteTable
	AppRouteTables       []*ec2.RouteTable
	FlowLogKey           *kms.Key
	FlowLogGroup         *cloudwatch.LogGroup
	FlowLogRole          *iam.Role
	FlowLog              *ec2.FlowLog

	// Outputs is the layer contract the stack exports.
	Outputs contract.Network
}

// kindText is how messages name a kind of subnet.
var kindText = map[SubnetKind]string{DatabaseSubnet: "database", AppSubnet: "application", PublicSubnet: "public"}

// NewNetwork declares the network. The guardrails are checked on the plan
// of the layout before any child is declared; the children are then
// rendered from that same layout.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		return nil, errors.New("network: args are required")
	}
	in, l := *args, args.Layout
	if len(l.Zones) == 0 {
		return nil, errors.New("network: the layout has no zones (build it with NewLayout)")
	}
	if err := guardrails.CheckNetwork(l.Plan(in.Tier)); err != nil {
		return nil, fmt.Errorf("network stack %s: %w", ctx.Stack(), err)
	}
	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("network: look up the account id: %w", err)
	}
	partition, err := aws.GetPartition(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("network: look up the partition: %w", err)
	}
	var flow *flowLogPolicies
	if l.FlowLogs != nil {
		// Rendered once, before anything is declared: the guardrails check
		// these strings and the same strings go to the resources.
		if flow, err = renderFlowLogPolicies(partition.Partition, in.Region, identity.AccountId, *l.FlowLogs); err != nil {
			return nil, fmt.Errorf("network stack %s: %w", ctx.Stack(), err)
		}
	}

	n := &Network{}
	if err := ctx.RegisterComponentResource(ComponentType, name, n, opts...); err != nil {
		return nil, fmt.Errorf("network: register component: %w", err)
	}
	parent := pulumi.Parent(n)
	t := stackTags(ctx, in)
	env := in.Environment

	n.Vpc, err = ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(l.VpcCidr),
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true),
		Tags:               t.Named("pgp-" + env),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network: create VPC: %w", err)
	}
	// Managing the default security group without rules strips the rules
	// AWS puts on it, so nothing can use it by accident (Security Hub EC2.2).
	sgArgs := &ec2.DefaultSecurityGroupArgs{
		VpcId: n.Vpc.ID(),
		Tags:  t.Named("pgp-" + env + "-default-unused"),
	}
	var ingress ec2.DefaultSecurityGroupIngressArray
	var egress ec2.DefaultSecurityGroupEgressArray
	for _, r := range l.DefaultSecurityGroupRules {
		if r.Egress {
			egress = append(egress, ec2.DefaultSecurityGroupEgressArgs{
				Protocol: pulumi.String(r.Protocol), FromPort: pulumi.Int(r.FromPort), ToPort: pulumi.Int(r.ToPort),
				CidrBlocks: pulumi.ToStringArray(r.CidrBlocks), Self: pulumi.Bool(r.Self),
			})
		} else {
			ingress = append(ingress, ec2.DefaultSecurityGroupIngressArgs{
				Protocol: pulumi.String(r.Protocol), FromPort: pulumi.Int(r.FromPort), ToPort: pulumi.Int(r.ToPort),
				CidrBlocks: pulumi.ToStringArray(r.CidrBlocks), Self: pulumi.Bool(r.Self),
			})
		}
	}
	if len(ingress) > 0 {
		sgArgs.Ingress = ingress
	}
	if len(egress) > 0 {
		sgArgs.Egress = egress
	}
	n.DefaultSecurityGroup, err = ec2.NewDefaultSecurityGroup(ctx, name+"-default-sg", sgArgs, parent)
	if err != nil {
		return nil, fmt.Errorf("network: manage the default security group: %w", err)
	}

	var igw *ec2.InternetGateway
	if l.InternetGateway {
		igw, err = ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{
			VpcId: n.Vpc.ID(),
			Tags:  t.Named("pgp-" + env),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("network: create the internet gateway: %w", err)
		}
	}

	subnets := map[SubnetRef]*ec2.Subnet{}
	for _, s := range l.Subnets {
		if _, known := kindText[s.Kind]; !known || s.Zone < 0 || s.Zone >= len(l.Zones) {
			return nil, fmt.Errorf("network: subnet %s of kind %q in zone %d of %d", s.Cidr, s.Kind, s.Zone, len(l.Zones))
		}
		az := l.Zones[s.Zone]
		sub, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-%s-%d", name, s.Kind, s.Zone), &ec2.SubnetArgs{
			VpcId:               n.Vpc.ID(),
			CidrBlock:           pulumi.String(s.Cidr),
			AvailabilityZone:    pulumi.String(az),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                t.Named(fmt.Sprintf("pgp-%s-%s-%s", env, s.Kind, az)),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("network: create %s subnet in %s: %w", kindText[s.Kind], az, err)
		}
		subnets[s.SubnetRef] = sub
		switch s.Kind {
		case DatabaseSubnet:
			n.DatabaseSubnets = append(n.DatabaseSubnets, sub)
		case AppSubnet:
			n.AppSubnets = append(n.AppSubnets, sub)
		case PublicSubnet:
			n.PublicSubnets = append(n.PublicSubnets, sub)
		}
	}

	nats := map[int]*ec2.NatGateway{}
	for _, zone := range l.NatGateways {
		if nats[zone], err = n.natGateway(ctx, name, in, l, zone, subnets, igw, parent); err != nil {
			return nil, err
		}
	}

	for _, rt := range l.RouteTables {
		if err := n.routeTable(ctx, name, in, rt, subnets, igw, nats, parent); err != nil {
			return nil, err
		}
	}

	if l.FlowLogs != nil {
		if err := n.flowLogs(ctx, name, in, *l.FlowLogs, flow, parent); err != nil {
			return nil, err
		}
	}

	n.Outputs = contract.Network{
		VpcID:             n.Vpc.ID().ToStringOutput(),
		VpcCidr:           n.Vpc.CidrBlock,
		DatabaseSubnetIDs: subnetIDs(n.DatabaseSubnets),
		AppSubnetIDs:      subnetIDs(n.AppSubnets),
		AppSubnetCidrs:    subnetCidrs(n.AppSubnets),
		AvailabilityZones: pulumi.ToStringArray(l.Zones).ToStringArrayOutput(),
		Environment:       pulumi.String(in.Environment).ToStringOutput(),
		Tier:              pulumi.String(string(in.Tier)).ToStringOutput(),
		Region:            pulumi.String(in.Region).ToStringOutput(),
		RecoveryOf:        pulumi.String(in.RecoveryOf).ToStringOutput(),
	}
	outs := pulumi.Map{}
	if err := contract.Export(n.Outputs, func(k string, v pulumi.Input) { outs[k] = v }); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	if err := ctx.RegisterResourceOutputs(n, outs); err != nil {
		return nil, fmt.Errorf("network: register outputs: %w", err)
	}
	return n, nil
}

// natGateway declares a zone's NAT gateway, with its address, in the
// zone's public subnet.
func (n *Network) natGateway(ctx *pulumi.Context, name string, in NetworkArgs, l Layout, zone int, subnets map[SubnetRef]*ec2.Subnet, igw *ec2.InternetGateway, parent pulumi.ResourceOption) (*ec2.NatGateway, error) {
	pub, ok := subnets[SubnetRef{PublicSubnet, zone}]
	if !ok || igw == nil {
		return nil, fmt.Errorf("network: a NAT gateway in zone %d needs a public subnet there and the internet gateway", zone)
	}
	t := stackTags(ctx, in)
	az := l.Zones[zone]
	eip, err := ec2.NewEip(ctx, fmt.Sprintf("%s-nat-eip-%d", name, zone), &ec2.EipArgs{
		Domain: pulumi.String("vpc"),
		Tags:   t.Named(fmt.Sprintf("pgp-%s-nat-%s", in.Environment, az)),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network: allocate the NAT address in %s: %w", az, err)
	}
	nat, err := ec2.NewNatGateway(ctx, fmt.Sprintf("%s-nat-%d", name, zone), &ec2.NatGatewayArgs{
		AllocationId: eip.ID(),
		SubnetId:     pub.ID(),
		Tags:         t.Named(fmt.Sprintf("pgp-%s-nat-%s", in.Environment, az)),
	}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
	if err != nil {
		return nil, fmt.Errorf("network: create the NAT gateway in %s: %w", az, err)
	}
	return nat, nil
}

// routeTable declares a route table, its routes and its subnet
// associations.
func (n *Network) routeTable(ctx *pulumi.Context, name string, in NetworkArgs, spec RouteTable, subnets map[SubnetRef]*ec2.Subnet, igw *ec2.InternetGateway, nats map[int]*ec2.NatGateway, parent pulumi.ResourceOption) error {
	t := stackTags(ctx, in)
	rt, err := ec2.NewRouteTable(ctx, name+"-"+spec.Name, &ec2.RouteTableArgs{
		VpcId: n.Vpc.ID(),
		Tags:  t.Named("pgp-" + in.Environment + "-" + spec.Label),
	}, parent)
	if err != nil {
		return fmt.Errorf("network: create route table %s: %w", spec.Name, err)
	}
	if spec.hasDatabaseSubnet() && n.DatabaseRouteTable == nil {
		n.DatabaseRouteTable = rt
	}
	for _, s := range spec.Subnets {
		if s.Kind == AppSubnet {
			n.AppRouteTables = append(n.AppRouteTables, rt)
			break
		}
	}
	for _, r := range spec.Routes {
		args := &ec2.RouteArgs{RouteTableId: rt.ID(), DestinationCidrBlock: pulumi.String(r.Destination)}
		switch r.Target {
		case ToInternetGateway:
			if igw == nil {
				return fmt.Errorf("network: route %s goes to an internet gateway the layout does not declare", r.Name)
			}
			args.GatewayId = igw.ID()
		case ToNatGateway:
			nat, ok := nats[r.Zone]
			if !ok {
				return fmt.Errorf("network: route %s goes to a NAT gateway in zone %d the layout does not declare", r.Name, r.Zone)
			}
			args.NatGatewayId = nat.ID()
		default:
			return fmt.Errorf("network: route %s has unknown target %q", r.Name, r.Target)
		}
		if _, err := ec2.NewRoute(ctx, name+"-"+r.Name, args, parent); err != nil {
			return fmt.Errorf("network: create route %s in %s: %w", r.Name, spec.Name, err)
		}
	}
	for _, s := range spec.Subnets {
		sub, ok := subnets[s]
		if !ok {
			return fmt.Errorf("network: route table %s names %s subnet %d the layout does not declare", spec.Name, kindText[s.Kind], s.Zone)
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-%s-rta-%d", name, s.Kind, s.Zone), &ec2.RouteTableAssociationArgs{
			SubnetId:     sub.ID(),
			RouteTableId: rt.ID(),
		}, parent); err != nil {
			return fmt.Errorf("network: associate %s subnet %d with %s: %w", kindText[s.Kind], s.Zone, spec.Name, err)
		}
	}
	return nil
}

// flowLogPolicies are the flow logs' rendered, checked policy documents.
type flowLogPolicies struct {
	keyPolicy, trust string
}

// renderFlowLogPolicies renders the flow-log key's policy and the flow-log
// role's trust policy and checks each with the guardrails.
func renderFlowLogPolicies(partition, region, accountID string, spec FlowLogs) (*flowLogPolicies, error) {
	groupArn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", partition, region, accountID, spec.GroupName)
	key, err := flowLogKeyPolicy(partition, region, accountID, groupArn)
	if err != nil {
		return nil, err
	}
	if err := guardrails.CheckKeyPolicy(key, guardrails.PolicyScope{Account: accountID, LogGroupArns: []string{groupArn}}); err != nil {
		return nil, fmt.Errorf("flow-log key: %w", err)
	}
	source := flowLogSourceArn(partition, region, accountID)
	trust, err := flowLogTrust(accountID, source)
	if err != nil {
		return nil, err
	}
	if err := guardrails.CheckTrustPolicy(trust, guardrails.PolicyScope{Account: accountID, TrustService: flowLogService, TrustSourceArn: source}); err != nil {
		return nil, fmt.Errorf("flow-log role: %w", err)
	}
	return &flowLogPolicies{keyPolicy: key, trust: trust}, nil
}

// flowLogs sends the VPC's flow logs to a log group with a retention,
// encrypted with its own customer-managed key, through a role whose policy
// is the layout's.
func (n *Network) flowLogs(ctx *pulumi.Context, name string, in NetworkArgs, spec FlowLogs, policies *flowLogPolicies, parent pulumi.ResourceOption) error {
	t := stackTags(ctx, in)
	var err error
	n.FlowLogKey, err = kms.NewKey(ctx, name+"-flow-logs", &kms.KeyArgs{
		Description:          pulumi.String("The " + in.Environment + " VPC flow logs"),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(policies.keyPolicy),
		Tags:                 t.Named("pgp-" + in.Environment + "-flow-logs"),
	}, parent)
	if err != nil {
		return fmt.Errorf("network: create the flow-log key: %w", err)
	}
	n.FlowLogGroup, err = cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(spec.GroupName),
		RetentionInDays: pulumi.Int(spec.RetentionDays),
		KmsKeyId:        n.FlowLogKey.Arn,
		Tags:            t.Named("pgp-" + in.Environment + "-flow-logs"),
	}, parent)
	if err != nil {
		return fmt.Errorf("network: create the flow-log group: %w", err)
	}
	n.FlowLogRole, err = iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		Description:      pulumi.String("Writes the " + in.Environment + " VPC flow logs to their log group"),
		AssumeRolePolicy: pulumi.String(policies.trust),
		Tags:             t.Named("pgp-" + in.Environment + "-flow-logs"),
	}, parent)
	if err != nil {
		return fmt.Errorf("network: create the flow-log role: %w", err)
	}
	policy := n.FlowLogGroup.Arn.ApplyT(func(arn string) (string, error) {
		return flowLogPolicy(spec.Actions, spec.policyResources(arn))
	}).(pulumi.StringOutput)
	rp, err := iam.NewRolePolicy(ctx, name+"-flow-logs", &iam.RolePolicyArgs{
		Role:   n.FlowLogRole.ID(),
		Policy: policy,
	}, parent)
	if err != nil {
		return fmt.Errorf("network: attach the flow-log policy: %w", err)
	}
	n.FlowLog, err = ec2.NewFlowLog(ctx, name+"-flow-log", &ec2.FlowLogArgs{
		VpcId:                  n.Vpc.ID(),
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         n.FlowLogGroup.Arn,
		IamRoleArn:             n.FlowLogRole.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   t.Named("pgp-" + in.Environment + "-flow-log"),
	}, parent, pulumi.DependsOn([]pulumi.Resource{rp}))
	if err != nil {
		return fmt.Errorf("network: create the flow log: %w", err)
	}
	return nil
}

func subnetIDs(subnets []*ec2.Subnet) pulumi.StringArrayOutput {
	ids := pulumi.StringArray{}
	for _, s := range subnets {
		ids = append(ids, s.ID().ToStringOutput())
	}
	return ids.ToStringArrayOutput()
}

func subnetCidrs(subnets []*ec2.Subnet) pulumi.StringArrayOutput {
	cidrs := pulumi.StringArray{}
	for _, s := range subnets {
		cidrs = append(cidrs, s.CidrBlock.Elem())
	}
	return cidrs.ToStringArrayOutput()
}
