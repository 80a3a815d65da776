package netstack

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/guardrails"
)

// ComponentType is the Pulumi type token of the network component.
const ComponentType = "pgplatform:network:Network"

// NetworkArgs are the inputs of the network component.
type NetworkArgs struct {
	Config config.Network
	// Zones are the availability zones, one subnet of each kind per zone,
	// in this order.
	Zones []string
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
	FlowLogGroup         *cloudwatch.LogGroup
	FlowLogRole          *iam.Role
	FlowLog              *ec2.FlowLog

	// Outputs is the layer contract the stack exports.
	Outputs contract.Network
}

// NewNetwork declares the network. The guardrails are checked on the plan
// before any child is declared.
func NewNetwork(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	if args == nil {
		return nil, errors.New("network: args are required")
	}
	cfg := args.Config
	if len(args.Zones) != cfg.AZCount || len(cfg.DatabaseSubnets) != cfg.AZCount || len(cfg.AppSubnets) != cfg.AZCount {
		return nil, fmt.Errorf("network: %d zones for %d database and %d application subnets (want %d of each)", len(args.Zones), len(cfg.DatabaseSubnets), len(cfg.AppSubnets), cfg.AZCount)
	}
	if err := guardrails.CheckNetwork(Plan(cfg, args.Zones)); err != nil {
		return nil, fmt.Errorf("network stack %s: %w", ctx.Stack(), err)
	}
	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("network: look up the account id: %w", err)
	}

	n := &Network{}
	if err := ctx.RegisterComponentResource(ComponentType, name, n, opts...); err != nil {
		return nil, fmt.Errorf("network: register component: %w", err)
	}
	parent := pulumi.Parent(n)
	t := stackTags(ctx, cfg)
	env := cfg.Environment

	n.Vpc, err = ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock:          pulumi.String(cfg.VpcCidr.String()),
		EnableDnsSupport:   pulumi.Bool(true),
		EnableDnsHostnames: pulumi.Bool(true),
		Tags:               t.Named("pgp-" + env),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network: create VPC: %w", err)
	}
	// Managing the default security group without rules strips the rules
	// AWS puts on it, so nothing can use it by accident (Security Hub EC2.2).
	n.DefaultSecurityGroup, err = ec2.NewDefaultSecurityGroup(ctx, name+"-default-sg", &ec2.DefaultSecurityGroupArgs{
		VpcId: n.Vpc.ID(),
		Tags:  t.Named("pgp-" + env + "-default-unused"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network: manage the default security group: %w", err)
	}

	// Database subnets share one route table with the VPC's local route
	// only: no internet or NAT gateway is reachable from them.
	n.DatabaseRouteTable, err = ec2.NewRouteTable(ctx, name+"-db-rt", &ec2.RouteTableArgs{
		VpcId: n.Vpc.ID(),
		Tags:  t.Named("pgp-" + env + "-db-isolated"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network: create the database route table: %w", err)
	}

	var igw *ec2.InternetGateway
	var publicRT *ec2.RouteTable
	if cfg.NatGateway {
		igw, err = ec2.NewInternetGateway(ctx, name+"-igw", &ec2.InternetGatewayArgs{
			VpcId: n.Vpc.ID(),
			Tags:  t.Named("pgp-" + env),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("network: create the internet gateway: %w", err)
		}
		publicRT, err = ec2.NewRouteTable(ctx, name+"-public-rt", &ec2.RouteTableArgs{
			VpcId: n.Vpc.ID(),
			Tags:  t.Named("pgp-" + env + "-public"),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("network: create the public route table: %w", err)
		}
		if _, err := ec2.NewRoute(ctx, name+"-public-default", &ec2.RouteArgs{
			RouteTableId:         publicRT.ID(),
			DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
			GatewayId:            igw.ID(),
		}, parent); err != nil {
			return nil, fmt.Errorf("network: route the public subnets to the internet gateway: %w", err)
		}
	}

	var sharedAppRT *ec2.RouteTable
	if !cfg.NatGateway {
		sharedAppRT, err = ec2.NewRouteTable(ctx, name+"-app-rt", &ec2.RouteTableArgs{
			VpcId: n.Vpc.ID(),
			Tags:  t.Named("pgp-" + env + "-app"),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("network: create the application route table: %w", err)
		}
		n.AppRouteTables = append(n.AppRouteTables, sharedAppRT)
	}

	for i, az := range args.Zones {
		suffix := fmt.Sprintf("%d", i)
		db, err := ec2.NewSubnet(ctx, name+"-db-"+suffix, &ec2.SubnetArgs{
			VpcId:               n.Vpc.ID(),
			CidrBlock:           pulumi.String(cfg.DatabaseSubnets[i].String()),
			AvailabilityZone:    pulumi.String(az),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                t.Named(fmt.Sprintf("pgp-%s-db-%s", env, az)),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("network: create database subnet in %s: %w", az, err)
		}
		n.DatabaseSubnets = append(n.DatabaseSubnets, db)
		if _, err := ec2.NewRouteTableAssociation(ctx, name+"-db-rta-"+suffix, &ec2.RouteTableAssociationArgs{
			SubnetId:     db.ID(),
			RouteTableId: n.DatabaseRouteTable.ID(),
		}, parent); err != nil {
			return nil, fmt.Errorf("network: associate database subnet in %s: %w", az, err)
		}

		app, err := ec2.NewSubnet(ctx, name+"-app-"+suffix, &ec2.SubnetArgs{
			VpcId:               n.Vpc.ID(),
			CidrBlock:           pulumi.String(cfg.AppSubnets[i].String()),
			AvailabilityZone:    pulumi.String(az),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                t.Named(fmt.Sprintf("pgp-%s-app-%s", env, az)),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("network: create application subnet in %s: %w", az, err)
		}
		n.AppSubnets = append(n.AppSubnets, app)

		appRT := sharedAppRT
		if cfg.NatGateway {
			if appRT, err = n.natForZone(ctx, name, suffix, az, cfg, igw, publicRT, parent); err != nil {
				return nil, err
			}
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, name+"-app-rta-"+suffix, &ec2.RouteTableAssociationArgs{
			SubnetId:     app.ID(),
			RouteTableId: appRT.ID(),
		}, parent); err != nil {
			return nil, fmt.Errorf("network: associate application subnet in %s: %w", az, err)
		}
	}

	if err := n.flowLogs(ctx, name, cfg, identity.AccountId, parent); err != nil {
		return nil, err
	}

	n.Outputs = contract.Network{
		VpcID:             n.Vpc.ID().ToStringOutput(),
		VpcCidr:           n.Vpc.CidrBlock,
		DatabaseSubnetIDs: subnetIDs(n.DatabaseSubnets),
		AppSubnetIDs:      subnetIDs(n.AppSubnets),
		AppSubnetCidrs:    subnetCidrs(n.AppSubnets),
		AvailabilityZones: pulumi.ToStringArray(args.Zones).ToStringArrayOutput(),
		Environment:       pulumi.String(cfg.Environment).ToStringOutput(),
		Tier:              pulumi.String(string(cfg.Tier)).ToStringOutput(),
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

// natForZone declares a zone's public subnet, NAT gateway and the
// application route table that sends outbound traffic through it.
func (n *Network) natForZone(ctx *pulumi.Context, name, suffix, az string, cfg config.Network, igw *ec2.InternetGateway, publicRT *ec2.RouteTable, parent pulumi.ResourceOption) (*ec2.RouteTable, error) {
	t := stackTags(ctx, cfg)
	env := cfg.Environment
	i := len(n.PublicSubnets)
	pub, err := ec2.NewSubnet(ctx, name+"-public-"+suffix, &ec2.SubnetArgs{
		VpcId:               n.Vpc.ID(),
		CidrBlock:           pulumi.String(cfg.PublicSubnets[i].String()),
		AvailabilityZone:    pulumi.String(az),
		MapPublicIpOnLaunch: pulumi.Bool(false),
		Tags:                t.Named(fmt.Sprintf("pgp-%s-public-%s", env, az)),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network: create public subnet in %s: %w", az, err)
	}
	n.PublicSubnets = append(n.PublicSubnets, pub)
	if _, err := ec2.NewRouteTableAssociation(ctx, name+"-public-rta-"+suffix, &ec2.RouteTableAssociationArgs{
		SubnetId:     pub.ID(),
		RouteTableId: publicRT.ID(),
	}, parent); err != nil {
		return nil, fmt.Errorf("network: associate public subnet in %s: %w", az, err)
	}
	eip, err := ec2.NewEip(ctx, name+"-nat-eip-"+suffix, &ec2.EipArgs{
		Domain: pulumi.String("vpc"),
		Tags:   t.Named(fmt.Sprintf("pgp-%s-nat-%s", env, az)),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network: allocate the NAT address in %s: %w", az, err)
	}
	nat, err := ec2.NewNatGateway(ctx, name+"-nat-"+suffix, &ec2.NatGatewayArgs{
		AllocationId: eip.ID(),
		SubnetId:     pub.ID(),
		Tags:         t.Named(fmt.Sprintf("pgp-%s-nat-%s", env, az)),
	}, parent, pulumi.DependsOn([]pulumi.Resource{igw}))
	if err != nil {
		return nil, fmt.Errorf("network: create the NAT gateway in %s: %w", az, err)
	}
	rt, err := ec2.NewRouteTable(ctx, name+"-app-rt-"+suffix, &ec2.RouteTableArgs{
		VpcId: n.Vpc.ID(),
		Tags:  t.Named(fmt.Sprintf("pgp-%s-app-%s", env, az)),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("network: create the application route table in %s: %w", az, err)
	}
	n.AppRouteTables = append(n.AppRouteTables, rt)
	if _, err := ec2.NewRoute(ctx, name+"-app-default-"+suffix, &ec2.RouteArgs{
		RouteTableId:         rt.ID(),
		DestinationCidrBlock: pulumi.String("0.0.0.0/0"),
		NatGatewayId:         nat.ID(),
	}, parent); err != nil {
		return nil, fmt.Errorf("network: route application subnets in %s through the NAT gateway: %w", az, err)
	}
	return rt, nil
}

// flowLogs sends the VPC's flow logs to a log group with a retention,
// through a role that may write only to that group.
func (n *Network) flowLogs(ctx *pulumi.Context, name string, cfg config.Network, accountID string, parent pulumi.ResourceOption) error {
	t := stackTags(ctx, cfg)
	var err error
	n.FlowLogGroup, err = cloudwatch.NewLogGroup(ctx, name+"-flow-logs", &cloudwatch.LogGroupArgs{
		RetentionInDays: pulumi.Int(cfg.FlowLogRetentionDays),
		Tags:            t.Named("pgp-" + cfg.Environment + "-flow-logs"),
	}, parent)
	if err != nil {
		return fmt.Errorf("network: create the flow-log group: %w", err)
	}
	trust, err := flowLogTrust(accountID)
	if err != nil {
		return err
	}
	n.FlowLogRole, err = iam.NewRole(ctx, name+"-flow-logs", &iam.RoleArgs{
		Description:      pulumi.String("Writes the " + cfg.Environment + " VPC flow logs to their log group"),
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             t.Named("pgp-" + cfg.Environment + "-flow-logs"),
	}, parent)
	if err != nil {
		return fmt.Errorf("network: create the flow-log role: %w", err)
	}
	policy := n.FlowLogGroup.Arn.ApplyT(flowLogPolicy).(pulumi.StringOutput)
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
		Tags:                   t.Named("pgp-" + cfg.Environment + "-flow-log"),
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
