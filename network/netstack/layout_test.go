package netstack_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/network/netstack"
	"github.com/pgplatform/platform/network/vpc"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

// runLayout runs the network component for a stack the way Program does,
// with change applied to the layout between NewLayout and NewNetwork.
func runLayout(t *testing.T, s stacks.Stack, change func(*vpc.Layout)) (*pulumimocks.Mocks, vpc.Layout, error) {
	t.Helper()
	m := pulumimocks.New()
	var layout vpc.Layout
	err := pulumimocks.RunStack(m, s, func(ctx *pulumi.Context) error {
		cfg, err := netstack.LoadConfig(ctx)
		if err != nil {
			return err
		}
		zones, err := netstack.ResolveZones(ctx, cfg)
		if err != nil {
			return err
		}
		args, err := netstack.Inputs(cfg, zones)
		if err != nil {
			return err
		}
		if change != nil {
			change(&args.Layout)
		}
		layout = args.Layout
		_, err = vpc.NewNetwork(ctx, "network", args)
		return err
	})
	return m, layout, err
}

func routeTable(t *testing.T, l *vpc.Layout, name string) *vpc.RouteTable {
	t.Helper()
	for i := range l.RouteTables {
		if l.RouteTables[i].Name == name {
			return &l.RouteTables[i]
		}
	}
	t.Fatalf("the layout has no route table %s", name)
	return nil
}

// TestLayoutChangesFireTheGuardrails changes what the network would
// declare, one thing at a time, and checks that the guardrail the change
// breaks stops the run, by name, before any resource is declared.
func TestLayoutChangesFireTheGuardrails(t *testing.T) {
	cases := []struct {
		name     string
		rule     string
		key      string // the key the violation names
		needsNAT bool   // the change needs a stack with NAT gateways
		change   func(t *testing.T, l *vpc.Layout)
	}{
		{name: "NAT route on the database route table", rule: "isolation", key: "databaseRouteTable.routes", needsNAT: true, change: func(t *testing.T, l *vpc.Layout) {
			db := routeTable(t, l, "db-rt")
			db.Routes = append(db.Routes, vpc.Route{Name: "db-default", Destination: "0.0.0.0/0", Target: vpc.ToNatGateway, Zone: 0})
		}},
		{name: "internet route on the database route table", rule: "isolation", key: "databaseRouteTable.routes", change: func(t *testing.T, l *vpc.Layout) {
			l.InternetGateway = true
			db := routeTable(t, l, "db-rt")
			db.Routes = append(db.Routes, vpc.Route{Name: "db-default", Destination: "0.0.0.0/0", Target: vpc.ToInternetGateway})
		}},
		{name: "database subnet associated with the public route table", rule: "isolation", key: "databaseRouteTable.routes", needsNAT: true, change: func(t *testing.T, l *vpc.Layout) {
			db := routeTable(t, l, "db-rt")
			moved := db.Subnets[0]
			db.Subnets = db.Subnets[1:]
			pub := routeTable(t, l, "public-rt")
			pub.Subnets = append(pub.Subnets, moved)
		}},
		{name: "default security group keeps the AWS ingress rule", rule: "default-security-group", key: "defaultSecurityGroup.rules", change: func(t *testing.T, l *vpc.Layout) {
			l.DefaultSecurityGroupRules = append(l.DefaultSecurityGroupRules, vpc.SecurityGroupRule{Protocol: "-1", Self: true})
		}},
		{name: "default security group with an egress rule", rule: "default-security-group", key: "defaultSecurityGroup.rules", change: func(t *testing.T, l *vpc.Layout) {
			l.DefaultSecurityGroupRules = append(l.DefaultSecurityGroupRules, vpc.SecurityGroupRule{Egress: true, Protocol: "-1", CidrBlocks: []string{"0.0.0.0/0"}})
		}},
		{name: "flow logs off", rule: "flow-logs", key: "flowLog", change: func(t *testing.T, l *vpc.Layout) { l.FlowLogs = nil }},
		{name: "flow-log group kept forever", rule: "flow-logs", key: "network:flowLogRetentionDays", change: func(t *testing.T, l *vpc.Layout) { l.FlowLogs.RetentionDays = 0 }},
		{name: "flow-log policy on every resource", rule: "flow-logs", key: "flowLogRole.policy", change: func(t *testing.T, l *vpc.Layout) {
			l.FlowLogs.Resources = append(l.FlowLogs.Resources, "*")
		}},
		{name: "flow-log policy on every log group", rule: "flow-logs", key: "flowLogRole.policy", change: func(t *testing.T, l *vpc.Layout) {
			l.FlowLogs.Resources = []string{"arn:aws:logs:eu-west-1:" + pulumimocks.Account + ":log-group:*"}
		}},
		{name: "flow-log policy with a wildcard action", rule: "flow-logs", key: "flowLogRole.policy", change: func(t *testing.T, l *vpc.Layout) {
			l.FlowLogs.Actions = append(l.FlowLogs.Actions, "logs:*")
		}},
		{name: "flow-log policy with an action the service does not need", rule: "flow-logs", key: "flowLogRole.policy", change: func(t *testing.T, l *vpc.Layout) {
			l.FlowLogs.Actions = append(l.FlowLogs.Actions, "logs:DeleteLogGroup")
		}},
		{name: "flow-log policy with no resource", rule: "flow-logs", key: "flowLogRole.policy", change: func(t *testing.T, l *vpc.Layout) { l.FlowLogs.Resources = nil }},
	}
	for _, s := range networkStacks(t) {
		cfg, err := config.LoadNetwork(config.MapSource("network", s.Config))
		require.NoError(t, err, s.File)
		t.Run(s.Name+"/unchanged layout declares the network", func(t *testing.T) {
			m, _, err := runLayout(t, s, nil)
			require.NoError(t, err)
			assert.NotEmpty(t, m.Resources())
		})
		for _, tc := range cases {
			t.Run(s.Name+"/"+tc.name, func(t *testing.T) {
				if tc.needsNAT && !cfg.NatGateway {
					t.Skipf("%s has no NAT gateway", s.Name)
				}
				m, _, err := runLayout(t, s, func(l *vpc.Layout) { tc.change(t, l) })
				require.Error(t, err)
				assert.Contains(t, err.Error(), "guardrail "+tc.rule+" ")
				var v *guardrails.Violation
				if assert.True(t, errors.As(err, &v), "%v is not a guardrail violation", err) {
					assert.Equal(t, tc.rule, v.Rule)
					assert.Equal(t, tc.key, v.Key, "the rule fires for another reason: %v", err)
				}
				assert.Empty(t, m.Resources(), "resources were declared despite the violation")
			})
		}
	}
}

// TestCommittedLayoutsHoldEveryRule derives the plan of each committed
// stack's layout and checks the facts the three layout-derived rules read.
func TestCommittedLayoutsHoldEveryRule(t *testing.T) {
	for _, s := range networkStacks(t) {
		t.Run(s.Name, func(t *testing.T) {
			_, l, err := runLayout(t, s, nil)
			require.NoError(t, err)
			cfg, err := config.LoadNetwork(config.MapSource("network", s.Config))
			require.NoError(t, err)
			p := l.Plan(cfg.Tier)
			for _, r := range guardrails.NetworkRules {
				assert.NoError(t, r.Check(p), r.ID)
			}
			assert.Zero(t, p.DatabaseRoutesToGateway)
			assert.Zero(t, p.DefaultSecurityGroupRules)
			assert.True(t, p.FlowLogs)
			assert.Equal(t, l.FlowLogs.Actions, p.FlowLogRoleActions)
			assert.Equal(t, l.FlowLogs.Resources, p.FlowLogRoleResources)
			assert.Equal(t, cfg.FlowLogRetentionDays, p.FlowLogRetentionDays)
		})
	}
}

// TestResourcesFollowTheLayout checks that every subnet, route table, route,
// association, default security group rule and flow-log policy the
// program declares is the layout's, and nothing else: what the guardrails
// check (the layout's plan) is what is declared.
func TestResourcesFollowTheLayout(t *testing.T) {
	for _, s := range networkStacks(t) {
		t.Run(s.Name, func(t *testing.T) {
			m, l, err := runLayout(t, s, nil)
			require.NoError(t, err)
			assertFollows(t, m, l)
		})
	}
}

// TestLayoutChangesReachTheResources makes changes the guardrails allow and
// checks that they are declared: the resources are rendered from the
// layout, not from a copy of the config.
func TestLayoutChangesReachTheResources(t *testing.T) {
	dev := stackNamedT(t, "dev")
	m, l, err := runLayout(t, dev, func(l *vpc.Layout) {
		l.InternetGateway = true
		app := routeTable(t, l, "app-rt")
		app.Routes = append(app.Routes, vpc.Route{Name: "app-default", Destination: "0.0.0.0/0", Target: vpc.ToInternetGateway})
		l.FlowLogs.Actions = []string{"logs:PutLogEvents"}
		l.FlowLogs.Resources = []string{vpc.LogGroupArn + ":*"}
	})
	require.NoError(t, err)
	route, ok := m.Named(tRoute, "network-app-default")
	require.True(t, ok, "the added route is not declared")
	assert.Equal(t, "network-app-rt-id", route.String("routeTableId"))
	assert.Equal(t, "network-igw-id", route.String("gatewayId"))
	assertFollows(t, m, l)
}

func stackNamedT(t *testing.T, name string) stacks.Stack {
	t.Helper()
	for _, s := range networkStacks(t) {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no committed network stack %s", name)
	return stacks.Stack{}
}

func assertFollows(t *testing.T, m *pulumimocks.Mocks, l vpc.Layout) {
	t.Helper()
	for _, s := range l.Subnets {
		name := fmt.Sprintf("network-%s-%d", s.Kind, s.Zone)
		if sub, ok := m.Named(tSubnet, name); assert.True(t, ok, "subnet %s not declared", name) {
			assert.Equal(t, s.Cidr, sub.String("cidrBlock"), name)
			assert.Equal(t, l.Zones[s.Zone], sub.String("availabilityZone"), name)
		}
	}
	assert.Len(t, m.OfType(tSubnet), len(l.Subnets))

	wantRoutes, wantRTAs := map[string]bool{}, map[string]bool{}
	for _, rt := range l.RouteTables {
		res, ok := m.Named(tRouteTable, "network-"+rt.Name)
		if !assert.True(t, ok, "route table %s not declared", rt.Name) {
			continue
		}
		assert.Nil(t, res.Input("routes"), "route table %s has inline routes the layout does not have", rt.Name)
		for _, r := range rt.Routes {
			wantRoutes["network-"+r.Name] = true
			route, ok := m.Named(tRoute, "network-"+r.Name)
			if !assert.True(t, ok, "route %s not declared", r.Name) {
				continue
			}
			assert.Equal(t, res.ID, route.String("routeTableId"), "route %s", r.Name)
			assert.Equal(t, r.Destination, route.String("destinationCidrBlock"), "route %s", r.Name)
			switch r.Target {
			case vpc.ToInternetGateway:
				assert.Equal(t, "network-igw-id", route.String("gatewayId"), "route %s", r.Name)
			case vpc.ToNatGateway:
				assert.Equal(t, fmt.Sprintf("network-nat-%d-id", r.Zone), route.String("natGatewayId"), "route %s", r.Name)
			default:
				t.Errorf("route %s: target %q", r.Name, r.Target)
			}
		}
		for _, sub := range rt.Subnets {
			name := fmt.Sprintf("network-%s-rta-%d", sub.Kind, sub.Zone)
			wantRTAs[name] = true
			a, ok := m.Named(tRTA, name)
			if !assert.True(t, ok, "association %s not declared", name) {
				continue
			}
			assert.Equal(t, res.ID, a.String("routeTableId"), name)
			assert.Equal(t, fmt.Sprintf("network-%s-%d-id", sub.Kind, sub.Zone), a.String("subnetId"), name)
		}
	}
	assert.ElementsMatch(t, slices.Sorted(maps.Keys(wantRoutes)), names(m.OfType(tRoute)), "routes the layout does not have")
	assert.ElementsMatch(t, slices.Sorted(maps.Keys(wantRTAs)), names(m.OfType(tRTA)), "associations the layout does not have")
	assert.Len(t, m.OfType(tRouteTable), len(l.RouteTables))
	assert.Len(t, m.OfType("aws:ec2/internetGateway:InternetGateway"), map[bool]int{true: 1}[l.InternetGateway])
	assert.Len(t, m.OfType("aws:ec2/natGateway:NatGateway"), len(l.NatGateways))

	sgs := m.OfType(tDefaultSG)
	if assert.Len(t, sgs, 1) {
		rules := 0
		for _, k := range []string{"ingress", "egress"} {
			list, _ := sgs[0].Input(k).([]any)
			rules += len(list)
		}
		assert.Equal(t, len(l.DefaultSecurityGroupRules), rules, "default security group rules")
	}

	if l.FlowLogs == nil {
		assert.Empty(t, m.OfType(tFlowLog))
		return
	}
	fl := m.OfType(tFlowLog)
	require.Len(t, fl, 1)
	arn := fl[0].String("logDestination")
	var want []string
	for _, r := range l.FlowLogs.Resources {
		want = append(want, strings.ReplaceAll(r, vpc.LogGroupArn, arn))
	}
	policies := m.OfType(tRolePolicy)
	require.Len(t, policies, 1)
	doc := decodePolicy(t, policies[0].String("policy"))
	require.Len(t, doc.Statement, 1)
	assert.ElementsMatch(t, l.FlowLogs.Actions, []string(doc.Statement[0].Action))
	assert.ElementsMatch(t, want, []string(doc.Statement[0].Resource))
}

func names(rs []pulumimocks.Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}
