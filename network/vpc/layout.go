package vpc

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/spec"
)

// Layout is what the network declares, in plain Go: the zones, the subnets
// of each kind in them, the route tables with their routes and subnets, the
// rules of the VPC's default security group and the flow logs.
//
// It is the one source of both the guardrails plan and the resources:
// NewNetwork derives the plan from it (Layout.Plan), checks that, and then
// renders the resources from the same Layout. A change to what is declared
// (a route on the database route table, a rule on the default security
// group, a wider flow-log policy) is therefore a change to what is checked.
type Layout struct {
	VpcCidr string
	// Zones are the availability zones; zone i gets subnet i of each kind.
	Zones []string
	// Subnets in the order they are declared.
	Subnets []Subnet
	// InternetGateway declares the VPC's internet gateway.
	InternetGateway bool
	// NatGateways are the zones (indexes into Zones) that get a NAT
	// gateway, each in the public subnet of its zone.
	NatGateways []int
	RouteTables []RouteTable
	// DefaultSecurityGroupRules are the rules put on the VPC's default
	// security group.
	DefaultSecurityGroupRules []SecurityGroupRule
	// FlowLogs is nil when the VPC has no flow logs.
	FlowLogs *FlowLogs
}

// SubnetKind is what a subnet is for; it is also the middle of its logical
// name (network-db-0) and of its Name tag (pgp-dev-db-eu-west-1a).
type SubnetKind string

// The kinds of subnet the network declares.
const (
	DatabaseSubnet SubnetKind = "db"
	AppSubnet      SubnetKind = "app"
	PublicSubnet   SubnetKind = "public"
)

// SubnetRef names a subnet by its kind and zone index.
type SubnetRef struct {
	Kind SubnetKind
	Zone int
}

// Subnet is one subnet and its CIDR.
type Subnet struct {
	SubnetRef
	Cidr string
}

// RouteTable is one route table, its routes (beyond the implicit local
// route) and the subnets associated with it.
type RouteTable struct {
	// Name follows the component's name in the logical name: "db-rt".
	Name string
	// Label follows "pgp-<environment>-" in the Name tag.
	Label   string
	Routes  []Route
	Subnets []SubnetRef
}

// Target is where a route sends its traffic.
type Target string

// The targets a route can have. Both are gateways out of the VPC.
const (
	ToInternetGateway Target = "internet-gateway"
	ToNatGateway      Target = "nat-gateway"
)

// Route is one route of a route table.
type Route struct {
	// Name follows the component's name in the logical name.
	Name        string
	Destination string
	Target      Target
	// Zone is the zone whose NAT gateway a ToNatGateway route uses.
	Zone int
}

// SecurityGroupRule is one rule of a security group.
type SecurityGroupRule struct {
	Egress     bool
	Protocol   string
	FromPort   int
	ToPort     int
	CidrBlocks []string
	// Self admits the group's own members (AWS's default ingress rule).
	Self bool
}

// LogGroupArn stands for the ARN of the flow-log group in
// FlowLogs.Resources: the ARN is known only once the group exists.
const LogGroupArn = guardrails.FlowLogGroupArn

// FlowLogs are the VPC's flow logs: the retention of their log group and
// what the policy of the role that writes them allows.
type FlowLogs struct {
	// GroupName is the log group's name. It is fixed, not auto-named, so
	// that the flow-log key's policy can bind CloudWatch Logs to the
	// group's exact ARN before the group exists.
	GroupName     string
	RetentionDays int
	// Actions and Resources are those of the role policy's one statement.
	Actions   []string
	Resources []string
}

// flowLogActions are what the flow-logs service needs to write to a log
// group it does not create.
var flowLogActions = guardrails.FlowLogActions

// FlowLogGroupName is the flow-log group of an environment's network.
func FlowLogGroupName(environment string) string { return "/pgp/" + environment + "/vpc-flow-logs" }

// LayoutInputs are what a layout is derived from: the environment (which
// names the flow-log group), the VPC's CIDR, the zones and one subnet CIDR
// of each kind per zone, in zone order.
type LayoutInputs struct {
	Environment string
	VpcCidr     netip.Prefix
	// Zones are the availability zones; zone i gets subnet i of each kind.
	Zones           []string
	DatabaseSubnets []netip.Prefix
	AppSubnets      []netip.Prefix
	// NatGateway gives each zone's application subnet a NAT gateway in the
	// zone's public subnet (PublicSubnets, one per zone).
	NatGateway           bool
	PublicSubnets        []netip.Prefix
	FlowLogRetentionDays int
}

// NewLayout derives the layout from its inputs.
func NewLayout(in LayoutInputs) (Layout, error) {
	zones, azs := in.Zones, len(in.Zones)
	if len(in.DatabaseSubnets) != azs || len(in.AppSubnets) != azs {
		return Layout{}, fmt.Errorf("network: %d zones for %d database and %d application subnets (want %d of each)", azs, len(in.DatabaseSubnets), len(in.AppSubnets), azs)
	}
	if in.NatGateway && len(in.PublicSubnets) != azs {
		return Layout{}, fmt.Errorf("network: %d public subnets for the NAT gateways of %d zones", len(in.PublicSubnets), azs)
	}
	l := Layout{
		VpcCidr: in.VpcCidr.String(),
		Zones:   zones,
		FlowLogs: &FlowLogs{
			GroupName:     FlowLogGroupName(in.Environment),
			RetentionDays: in.FlowLogRetentionDays,
			Actions:       slices.Clone(flowLogActions),
			Resources:     []string{LogGroupArn, LogGroupArn + ":*"},
		},
	}
	// Database subnets share one route table with the VPC's local route
	// only: no internet or NAT gateway is reachable from them.
	dbRT := RouteTable{Name: "db-rt", Label: "db-isolated"}
	sharedAppRT := RouteTable{Name: "app-rt", Label: "app"}
	publicRT := RouteTable{Name: "public-rt", Label: "public", Routes: []Route{
		{Name: "public-default", Destination: "0.0.0.0/0", Target: ToInternetGateway},
	}}
	var appRTs []RouteTable
	for i := range zones {
		db := SubnetRef{DatabaseSubnet, i}
		app := SubnetRef{AppSubnet, i}
		l.Subnets = append(l.Subnets,
			Subnet{db, in.DatabaseSubnets[i].String()},
			Subnet{app, in.AppSubnets[i].String()})
		dbRT.Subnets = append(dbRT.Subnets, db)
		if !in.NatGateway {
			sharedAppRT.Subnets = append(sharedAppRT.Subnets, app)
			continue
		}
		pub := SubnetRef{PublicSubnet, i}
		l.Subnets = append(l.Subnets, Subnet{pub, in.PublicSubnets[i].String()})
		publicRT.Subnets = append(publicRT.Subnets, pub)
		l.NatGateways = append(l.NatGateways, i)
		appRTs = append(appRTs, RouteTable{
			Name:    fmt.Sprintf("app-rt-%d", i),
			Label:   "app-" + zones[i],
			Routes:  []Route{{Name: fmt.Sprintf("app-default-%d", i), Destination: "0.0.0.0/0", Target: ToNatGateway, Zone: i}},
			Subnets: []SubnetRef{app},
		})
	}
	l.RouteTables = append(l.RouteTables, dbRT)
	if in.NatGateway {
		l.InternetGateway = true
		l.RouteTables = append(l.RouteTables, publicRT)
		l.RouteTables = append(l.RouteTables, appRTs...)
	} else {
		l.RouteTables = append(l.RouteTables, sharedAppRT)
	}
	return l, nil
}

// Plan is what the network guardrails check, derived from the layout the
// resources are rendered from.
func (l Layout) Plan(tier spec.Tier) guardrails.Network {
	p := guardrails.Network{
		Tier:                      tier,
		VpcCidr:                   l.VpcCidr,
		AZs:                       l.Zones,
		DefaultSecurityGroupRules: len(l.DefaultSecurityGroupRules),
	}
	for _, s := range l.Subnets {
		if s.Kind == DatabaseSubnet {
			p.DatabaseSubnets = append(p.DatabaseSubnets, s.Cidr)
		} else {
			p.AppSubnets = append(p.AppSubnets, s.Cidr)
		}
	}
	for _, rt := range l.RouteTables {
		if !rt.hasDatabaseSubnet() {
			continue
		}
		for _, r := range rt.Routes {
			if r.Target == ToInternetGateway || r.Target == ToNatGateway {
				p.DatabaseRoutesToGateway++
			}
		}
	}
	if fl := l.FlowLogs; fl != nil {
		p.FlowLogs = true
		p.FlowLogRetentionDays = fl.RetentionDays
		p.FlowLogRoleActions = slices.Clone(fl.Actions)
		p.FlowLogRoleResources = slices.Clone(fl.Resources)
	}
	return p
}

func (rt RouteTable) hasDatabaseSubnet() bool {
	for _, s := range rt.Subnets {
		if s.Kind == DatabaseSubnet {
			return true
		}
	}
	return false
}

// policyResources returns Resources with LogGroupArn replaced by arn.
func (fl FlowLogs) policyResources(arn string) []string {
	out := make([]string, len(fl.Resources))
	for i, r := range fl.Resources {
		out[i] = strings.ReplaceAll(r, LogGroupArn, arn)
	}
	return out
}
