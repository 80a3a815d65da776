package guardrails

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// NetworkRule is one guardrail on a network plan.
type NetworkRule struct {
	// ID names the rule in every refusal and in its table's first column.
	ID string
	// Sources is where the rule comes from (scanner ids, Security Hub
	// controls, issues), in every refusal and in its table.
	Sources string
	// Requirement is what the rule requires, in Markdown: the requirement
	// column of its row in docs/guardrails.md, which is generated from it.
	Requirement string
	check       func(Network) *Violation
}

// NetworkRules are the rules that apply to a network stack; the Network
// table of docs/guardrails.md is generated from them, in this order.
var NetworkRules = []NetworkRule{
	{
		ID:          "isolation",
		Sources:     "this project: database isolation",
		Requirement: "database subnets have no route to an internet or NAT gateway",
		check: func(p Network) *Violation {
			if p.DatabaseRoutesToGateway != 0 {
				return &Violation{Key: "databaseRouteTable.routes", Value: strconv.Itoa(p.DatabaseRoutesToGateway), Want: "no route from a database subnet to an internet or NAT gateway"}
			}
			return nil
		},
	},
	{
		ID:          "spread",
		Sources:     "this project: zone spread",
		Requirement: "one database subnet per zone, at least 2 zones (3 by default), subnets inside the VPC and not overlapping",
		check: func(p Network) *Violation {
			if len(p.AZs) < 2 {
				return &Violation{Key: "network:azCount", Value: strconv.Itoa(len(p.AZs)), Want: "at least 2 availability zones"}
			}
			if len(p.DatabaseSubnets) != len(p.AZs) {
				return &Violation{Key: "network:databaseSubnetCidrs", Value: strings.Join(p.DatabaseSubnets, ","), Want: "one database subnet per zone"}
			}
			vpc, err := netip.ParsePrefix(p.VpcCidr)
			if err != nil {
				return &Violation{Key: "network:vpcCidr", Value: p.VpcCidr, Want: "a CIDR"}
			}
			var seen []netip.Prefix
			for _, s := range append(append([]string(nil), p.AppSubnets...), p.DatabaseSubnets...) {
				sub, err := netip.ParsePrefix(s)
				if err != nil || sub.Bits() < vpc.Bits() || !vpc.Contains(sub.Addr()) {
					return &Violation{Key: "subnet.cidrBlock", Value: s, Want: "a subnet inside the VPC " + p.VpcCidr}
				}
				for _, o := range seen {
					if o.Overlaps(sub) {
						return &Violation{Key: "subnet.cidrBlock", Value: s, Want: "subnets that do not overlap (it overlaps " + o.String() + ")"}
					}
				}
				seen = append(seen, sub)
			}
			return nil
		},
	},
	{
		ID:          "default-security-group",
		Sources:     "Security Hub EC2.2",
		Requirement: "the VPC's default security group has no rules",
		check: func(p Network) *Violation {
			if p.DefaultSecurityGroupRules != 0 {
				return &Violation{Key: "defaultSecurityGroup.rules", Value: strconv.Itoa(p.DefaultSecurityGroupRules), Want: "no rules on the VPC's default security group"}
			}
			return nil
		},
	},
	{
		ID:          "flow-logs",
		Sources:     "Security Hub EC2.6",
		Requirement: "VPC flow logs on, to a CloudWatch log group with a retention, through a role whose policy, as rendered, allows only `logs:CreateLogStream`, `logs:PutLogEvents` and `logs:DescribeLogStreams` on that group and its streams",
		check: func(p Network) *Violation {
			switch {
			case !p.FlowLogs:
				return &Violation{Key: "flowLog", Value: "off", Want: "VPC flow logs on"}
			case p.FlowLogRetentionDays <= 0:
				return &Violation{Key: "network:flowLogRetentionDays", Value: strconv.Itoa(p.FlowLogRetentionDays), Want: "a retention on the flow-log group"}
			case !flowLogScoped(p.FlowLogRoleActions, p.FlowLogRoleResources):
				return &Violation{Key: "flowLogRole.policy", Value: "Action " + strings.Join(p.FlowLogRoleActions, ",") + " Resource " + strings.Join(p.FlowLogRoleResources, ","),
					Want: "a role that may only " + strings.Join(FlowLogActions, ", ") + " on the flow-log group and its streams"}
			}
			return nil
		},
	},
}

// FlowLogGroupArn stands for the ARN of the flow-log group in a plan's
// FlowLogRoleResources: the ARN is known only once the group exists, and
// the program puts it in place of this when it renders the role policy.
const FlowLogGroupArn = "${flowLogGroup.arn}"

// FlowLogActions are what the flow-logs service needs to write to a log
// group it does not create.
var FlowLogActions = []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}

// flowLogScoped reports whether a role policy statement names only the
// flow-log group (and its streams) and only actions of FlowLogActions.
func flowLogScoped(actions, resources []string) bool {
	if len(actions) == 0 || len(resources) == 0 {
		return false
	}
	for _, r := range resources {
		if r != FlowLogGroupArn && r != FlowLogGroupArn+":*" {
			return false
		}
	}
	for _, a := range actions {
		if !slices.Contains(FlowLogActions, a) {
			return false
		}
	}
	return true
}

// Check applies this one rule to a plan.
func (r NetworkRule) Check(p Network) error {
	if v := r.check(p); v != nil {
		v.Rule, v.Sources = r.ID, r.Sources
		return v
	}
	return nil
}

// CheckNetwork returns the first rule the plan breaks, as a *Violation.
func CheckNetwork(p Network) error {
	for _, r := range NetworkRules {
		if err := r.Check(p); err != nil {
			return err
		}
	}
	return nil
}
