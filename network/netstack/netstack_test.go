package netstack_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/network/netstack"
	"github.com/pgplatform/platform/network/vpc"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pgplatform/platform/shared/tags"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

const (
	tSubnet     = "aws:ec2/subnet:Subnet"
	tRoute      = "aws:ec2/route:Route"
	tRouteTable = "aws:ec2/routeTable:RouteTable"
	tRTA        = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tVpc        = "aws:ec2/vpc:Vpc"
	tFlowLog    = "aws:ec2/flowLog:FlowLog"
	tLogGroup   = "aws:cloudwatch/logGroup:LogGroup"
	tDefaultSG  = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tRolePolicy = "aws:iam/rolePolicy:RolePolicy"
	tRole       = "aws:iam/role:Role"
	tKey        = "aws:kms/key:Key"
)

// taggable lists, for every type the network registers, whether AWS lets it
// carry tags. A type missing here fails TestEveryResourceIsTagged, so a new
// resource type is classified on purpose.
var taggable = map[string]bool{
	tVpc: true, tSubnet: true, tRouteTable: true, tFlowLog: true, tLogGroup: true, tDefaultSG: true, tRole: true, tKey: true,
	"aws:ec2/internetGateway:InternetGateway": true, "aws:ec2/natGateway:NatGateway": true, "aws:ec2/eip:Eip": true,
	tRoute: false, tRTA: false, tRolePolicy: false, vpc.ComponentType: false,
}

func root(t *testing.T) string {
	t.Helper()
	r, err := stacks.FindRoot(".")
	require.NoError(t, err)
	return r
}

func networkStacks(t *testing.T) []stacks.Stack {
	t.Helper()
	all, err := stacks.Discover(root(t))
	require.NoError(t, err)
	var out []stacks.Stack
	for _, s := range all {
		if s.Project == contract.NetworkProject {
			out = append(out, s)
		}
	}
	require.NotEmpty(t, out, "no committed network stacks")
	return out
}

type run struct {
	mocks   *pulumimocks.Mocks
	exports pulumimocks.Exports
	cfg     config.Network
}

func runStack(t *testing.T, s stacks.Stack) run {
	t.Helper()
	m := pulumimocks.New()
	exports := pulumimocks.Exports{}
	err := pulumimocks.RunStack(m, s, func(ctx *pulumi.Context) error {
		return netstack.Program(ctx, exports.Export)
	})
	require.NoError(t, err)
	cfg, err := config.LoadNetwork(config.MapSource("network", s.Config))
	require.NoError(t, err)
	return run{mocks: m, exports: exports, cfg: cfg}
}

// TestCommittedStacks runs the program once for every committed network
// file and checks what it declares.
func TestCommittedStacks(t *testing.T) {
	for _, s := range networkStacks(t) {
		t.Run(s.Name, func(t *testing.T) {
			require.NoError(t, config.CheckKeys("network", s.Config, config.NetworkKeys), "unknown key in %s", s.File)
			r := runStack(t, s)
			m := r.mocks

			vpcs := m.OfType(tVpc)
			require.Len(t, vpcs, 1)
			vpc := vpcs[0]
			assert.Equal(t, true, vpc.Input("enableDnsSupport"))
			assert.Equal(t, true, vpc.Input("enableDnsHostnames"))
			vpcCidr := netip.MustParsePrefix(vpc.String("cidrBlock"))

			t.Run("one subnet of each kind per zone", func(t *testing.T) {
				db, app, _ := subnetsByKind(m)
				assert.Len(t, db, r.cfg.AZCount)
				assert.Len(t, app, r.cfg.AZCount)
				zones := map[string]bool{}
				for _, s := range db {
					zones[s.String("availabilityZone")] = true
					assert.Equal(t, false, s.Input("mapPublicIpOnLaunch"))
				}
				assert.Len(t, zones, r.cfg.AZCount, "database subnets must be in distinct zones")
			})

			t.Run("subnets inside the VPC and disjoint", func(t *testing.T) {
				var seen []netip.Prefix
				for _, s := range m.OfType(tSubnet) {
					p := netip.MustParsePrefix(s.String("cidrBlock"))
					assert.True(t, vpcCidr.Contains(p.Addr()) && p.Bits() >= vpcCidr.Bits(), "%s outside %s", p, vpcCidr)
					for _, o := range seen {
						assert.False(t, o.Overlaps(p), "%s overlaps %s", p, o)
					}
					seen = append(seen, p)
				}
			})

			t.Run("no database route reaches a gateway", func(t *testing.T) {
				dbRT, ok := m.Named(tRouteTable, "network-db-rt")
				require.True(t, ok)
				assert.Nil(t, dbRT.Input("routes"), "the database route table must have no inline routes")
				for _, route := range m.OfType(tRoute) {
					assert.NotEqual(t, dbRT.ID, route.String("routeTableId"), "route %s is on the database route table", route.Name)
				}
				db, _, _ := subnetsByKind(m)
				dbIDs := map[string]bool{}
				for _, s := range db {
					dbIDs[s.ID] = true
				}
				associated := 0
				for _, a := range m.OfType(tRTA) {
					if dbIDs[a.String("subnetId")] {
						associated++
						assert.Equal(t, dbRT.ID, a.String("routeTableId"), "database subnet %s associated with another route table", a.String("subnetId"))
					}
				}
				assert.Equal(t, len(db), associated, "every database subnet is associated with the isolated route table")
			})

			t.Run("NAT gateway only when asked", func(t *testing.T) {
				nats := m.OfType("aws:ec2/natGateway:NatGateway")
				if r.cfg.NatGateway {
					assert.Len(t, nats, r.cfg.AZCount)
				} else {
					assert.Empty(t, nats)
					assert.Empty(t, m.OfType("aws:ec2/internetGateway:InternetGateway"))
				}
			})

			t.Run("flow logs on", func(t *testing.T) {
				logs := m.OfType(tFlowLog)
				require.Len(t, logs, 1)
				fl := logs[0]
				assert.Equal(t, vpc.ID, fl.String("vpcId"))
				assert.Equal(t, "ALL", fl.String("trafficType"))
				assert.Equal(t, "cloud-watch-logs", fl.String("logDestinationType"))
				group, ok := m.Named(tLogGroup, "network-flow-logs")
				require.True(t, ok)
				assert.EqualValues(t, r.cfg.FlowLogRetentionDays, group.Input("retentionInDays"))
				assert.Equal(t, "/pgp/"+r.cfg.Environment+"/vpc-flow-logs", group.String("name"))
				key, ok := m.Named(tKey, "network-flow-logs")
				require.True(t, ok)
				assert.Equal(t, "arn:aws:kms:eu-west-1:"+pulumimocks.Account+":"+key.ID, group.String("kmsKeyId"), "the group is encrypted with the flow-log key")
				assert.Equal(t, true, key.Input("enableKeyRotation"))
				assert.Contains(t, fl.String("logDestination"), group.ID)

				groupArn := fl.String("logDestination")

				role, ok := m.Named(tRole, "network-flow-logs")
				require.True(t, ok)
				assert.True(t, strings.HasPrefix(fl.String("iamRoleArn"), "arn:aws:iam:") && strings.HasSuffix(fl.String("iamRoleArn"), ":"+role.ID),
					"the flow log writes through the flow-log role, not %s", fl.String("iamRoleArn"))
				policies := m.OfType(tRolePolicy)
				require.Len(t, policies, 1)
				assert.Equal(t, role.ID, policies[0].String("role"), "the policy is on the flow-log role")
				doc := decodePolicy(t, policies[0].String("policy"))
				assert.Equal(t, "2012-10-17", doc.Version)
				require.Len(t, doc.Statement, 1)
				st := doc.Statement[0]
				assert.Equal(t, "Allow", st.Effect)
				assert.ElementsMatch(t, []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"}, []string(st.Action))
				assert.ElementsMatch(t, []string{groupArn, groupArn + ":*"}, []string(st.Resource), "the policy names the log group and its streams only")
				assert.Empty(t, st.Principal)
				assert.Empty(t, st.Condition)
			})

			t.Run("flow-log role trusted only by the flow-logs service of this account", func(t *testing.T) {
				role, ok := m.Named(tRole, "network-flow-logs")
				require.True(t, ok)
				trust := decodePolicy(t, role.String("assumeRolePolicy"))
				assert.Equal(t, "2012-10-17", trust.Version)
				require.Len(t, trust.Statement, 1)
				st := trust.Statement[0]
				assert.Equal(t, "Allow", st.Effect)
				assert.Equal(t, []string{"sts:AssumeRole"}, []string(st.Action))
				assert.Equal(t, map[string]stringList{"Service": {"vpc-flow-logs.amazonaws.com"}}, st.Principal)
				assert.Equal(t, map[string]map[string]stringList{
					"StringEquals": {"aws:SourceAccount": {pulumimocks.Account}},
					"ArnLike":      {"aws:SourceArn": {"arn:aws:ec2:eu-west-1:" + pulumimocks.Account + ":vpc-flow-log/*"}},
				}, st.Condition,
					"the confused-deputy guard: only flow logs of this account and region may assume the role")
				assert.Empty(t, st.Resource)
			})

			t.Run("default security group has no rules", func(t *testing.T) {
				sgs := m.OfType(tDefaultSG)
				require.Len(t, sgs, 1)
				assert.Equal(t, vpc.ID, sgs[0].String("vpcId"))
				assert.Empty(t, sgs[0].Input("ingress"))
				assert.Empty(t, sgs[0].Input("egress"))
			})

			t.Run("contract complete", func(t *testing.T) {
				assertContract(t, r)
			})
		})
	}
}

// stringList is an IAM policy field that holds one string or a list.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

type policyStatement struct {
	Sid       string
	Effect    string
	Action    stringList
	Resource  stringList
	Principal map[string]stringList
	Condition map[string]map[string]stringList
}

type policyDocument struct {
	Version   string
	Statement []policyStatement
}

// decodePolicy decodes an IAM policy document and fails on any key it does
// not know, so a NotAction or NotResource cannot slip past the checks.
func decodePolicy(t *testing.T, doc string) policyDocument {
	t.Helper()
	var p policyDocument
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&p), "policy %s", doc)
	return p
}

// TestZoneIGetsSubnetI checks the zone-to-subnet mapping of every committed
// stack: network-<kind>-<i> is in zone i and has subnet i of its kind, and
// the exported zones and subnet ids keep that order. Zones come from config
// when it names them, else in the order the region reports them, so each
// stack also runs against a region that reports its zones out of order.
func TestZoneIGetsSubnetI(t *testing.T) {
	regions := []struct {
		name  string
		zones []string
	}{
		{"region reports a,b,c", []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		{"region reports c,a,b", []string{"eu-west-1c", "eu-west-1a", "eu-west-1b"}},
	}
	for _, s := range networkStacks(t) {
		for _, region := range regions {
			t.Run(s.Name+"/"+region.name, func(t *testing.T) {
				assertZoneMapping(t, s.Name, s.Config, region.zones, nil)
			})
		}
	}
	t.Run("config names c,a,b", func(t *testing.T) {
		cfg := maps.Clone(stackNamedT(t, "dev").Config)
		cfg["network:availabilityZones"] = `["eu-west-1c","eu-west-1a","eu-west-1b"]`
		assertZoneMapping(t, "dev", cfg, []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, []string{"eu-west-1c", "eu-west-1a", "eu-west-1b"})
	})
}

// assertZoneMapping runs the program as stack on raw config in a region reporting
// regionZones and checks the mapping against want (nil: what config names,
// else the region's first zones).
func assertZoneMapping(t *testing.T, stack string, raw map[string]string, regionZones, want []string) {
	t.Helper()
	m := pulumimocks.New()
	m.Zones = regionZones
	exports := pulumimocks.Exports{}
	require.NoError(t, pulumimocks.Run(m, "network", stack, raw, func(ctx *pulumi.Context) error {
		return netstack.Program(ctx, exports.Export)
	}))
	cfg, err := config.LoadNetwork(config.MapSource("network", raw))
	require.NoError(t, err)
	if want == nil {
		want = cfg.AvailabilityZones
	}
	if want == nil {
		want = regionZones[:cfg.AZCount]
	}
	require.Len(t, want, cfg.AZCount)

	kinds := []struct {
		kind  string
		cidrs []netip.Prefix
	}{{"db", cfg.DatabaseSubnets}, {"app", cfg.AppSubnets}}
	if cfg.NatGateway {
		kinds = append(kinds, struct {
			kind  string
			cidrs []netip.Prefix
		}{"public", cfg.PublicSubnets})
	}
	ids := map[string][]string{}
	for _, k := range kinds {
		require.Len(t, k.cidrs, len(want), "%s subnets in config", k.kind)
		for i, zone := range want {
			name := fmt.Sprintf("network-%s-%d", k.kind, i)
			sub, ok := m.Named(tSubnet, name)
			if !assert.True(t, ok, "%s not declared", name) {
				continue
			}
			assert.Equal(t, zone, sub.String("availabilityZone"), "%s must be in zone %d", name, i)
			assert.Equal(t, k.cidrs[i].String(), sub.String("cidrBlock"), "%s must have subnet %d of its kind", name, i)
			ids[k.kind] = append(ids[k.kind], sub.ID)
		}
	}
	assert.Len(t, m.OfType(tSubnet), len(kinds)*len(want), "subnets other than network-<kind>-<i>")

	var appCidrs []string
	for _, p := range cfg.AppSubnets {
		appCidrs = append(appCidrs, p.String())
	}
	for key, expected := range map[string][]string{
		"availabilityZones": want,
		"databaseSubnetIds": ids["db"],
		"appSubnetIds":      ids["app"],
		"appSubnetCidrs":    appCidrs,
	} {
		out, ok := exports[key].(pulumi.Output)
		if !assert.True(t, ok, "%s not exported as an output", key) {
			continue
		}
		got, err := pulumimocks.Await(out)
		require.NoError(t, err, key)
		assert.Equal(t, expected, got, "export %s must keep the zone order", key)
	}
}

func subnetsByKind(m *pulumimocks.Mocks) (db, app, public []pulumimocks.Resource) {
	for _, s := range m.OfType(tSubnet) {
		switch {
		case hasPrefix(s.Name, "network-db-"):
			db = append(db, s)
		case hasPrefix(s.Name, "network-app-"):
			app = append(app, s)
		case hasPrefix(s.Name, "network-public-"):
			public = append(public, s)
		}
	}
	return db, app, public
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// assertContract checks that every field of the network contract is
// exported, resolves, and has the type the database stacks read.
func assertContract(t *testing.T, r run) {
	t.Helper()
	names := contract.Names(contract.Network{})
	assert.ElementsMatch(t, names, keys(r.exports))
	for _, f := range contract.Fields(contract.Network{}) {
		in, ok := r.exports[f.Name]
		if !assert.True(t, ok, "output %s not exported", f.Name) {
			continue
		}
		out, ok := in.(pulumi.Output)
		require.True(t, ok, "%s is not an output", f.Name)
		v, err := pulumimocks.Await(out)
		require.NoError(t, err, f.Name)
		switch f.Kind {
		case contract.KindString:
			s, ok := v.(string)
			assert.True(t, ok && (s != "" || f.Optional), "%s = %#v, want a string, non-empty unless optional", f.Name, v)
		case contract.KindStringArray:
			ss, ok := v.([]string)
			assert.True(t, ok && len(ss) == r.cfg.AZCount, "%s = %#v, want %d strings", f.Name, v, r.cfg.AZCount)
		default:
			t.Errorf("%s: the network contract has no %s fields", f.Name, f.Kind)
		}
	}
	if v, err := pulumimocks.Await(r.exports["tier"].(pulumi.Output)); assert.NoError(t, err) {
		assert.Equal(t, string(r.cfg.Tier), v)
	}
	// The network states its role: its region and, on a recovery network,
	// the environment it recovers (empty on a primary network).
	if v, err := pulumimocks.Await(r.exports["region"].(pulumi.Output)); assert.NoError(t, err) {
		assert.Equal(t, r.cfg.Region, v)
	}
	if v, err := pulumimocks.Await(r.exports["recoveryOf"].(pulumi.Output)); assert.NoError(t, err) {
		assert.Equal(t, r.cfg.RecoveryOf, v)
	}
	if v, err := pulumimocks.Await(r.exports["appSubnetCidrs"].(pulumi.Output)); assert.NoError(t, err) {
		var want []string
		for _, p := range r.cfg.AppSubnets {
			want = append(want, p.String())
		}
		assert.Equal(t, want, v)
	}
}

func keys(m pulumimocks.Exports) []string {
	return sortedKeys(maps.Keys(m))
}

// TestEveryResourceIsTagged walks every resource each committed stack
// registers and fails on a taggable one without the platform's tags.
func TestEveryResourceIsTagged(t *testing.T) {
	for _, s := range networkStacks(t) {
		t.Run(s.Name, func(t *testing.T) {
			r := runStack(t, s)
			for _, res := range r.mocks.Resources() {
				tg, known := taggable[res.Type]
				if !assert.True(t, known, "type %s is not classified as taggable or not in this test", res.Type) || !tg {
					continue
				}
				got := res.Tags()
				assert.Empty(t, tags.Missing(got), "%s %s lacks tags", res.Type, res.Name)
				assert.Equal(t, "pulumi", got["ManagedBy"])
				assert.Equal(t, s.Name, got["Stack"])
				assert.Equal(t, "network", got["Project"])
				assert.Equal(t, s.Tier, got["Tier"])
				assert.Equal(t, s.Environment, got["Environment"])
				for k, v := range r.cfg.Tags {
					assert.Equal(t, v, got[k], "%s %s: config tag %s", res.Type, res.Name, k)
				}
			}
		})
	}
}

// TestEveryChildIsParented checks that every resource but the component is
// parented to the component.
func TestEveryChildIsParented(t *testing.T) {
	s := networkStacks(t)[0]
	r := runStack(t, s)
	var component string
	for _, res := range r.mocks.Resources() {
		if res.Type == vpc.ComponentType {
			component = res.Name
		}
	}
	require.Equal(t, "network", component)
	for _, res := range r.mocks.Resources() {
		if res.Type == vpc.ComponentType {
			continue
		}
		assert.Contains(t, res.Parent, vpc.ComponentType+"::network", "%s %s is not parented to the component", res.Type, res.Name)
	}
}

// TestRecoveryNetworkStatesItsRole runs the committed dev network as its
// environment's recovery network (network:recoveryOf: dev): it declares
// the same network and exports its role, which a primary network leaves
// empty, so a database stack can tell the two apart through the contract.
func TestRecoveryNetworkStatesItsRole(t *testing.T) {
	dev := stackNamedT(t, "dev")
	primary := runStack(t, dev)
	recovery := dev
	recovery.Name = "dev-dr"
	recovery.Config = maps.Clone(dev.Config)
	recovery.Config["network:"+config.RecoveryOfKey] = "dev"
	r := runStack(t, recovery)
	assertContract(t, r)
	role := func(r run) string {
		v, err := pulumimocks.Await(r.exports["recoveryOf"].(pulumi.Output))
		require.NoError(t, err)
		return v.(string)
	}
	assert.Equal(t, "", role(primary), "a primary network states no recoveryOf")
	assert.Equal(t, "dev", role(r), "a recovery network states the environment it recovers")
	assert.Len(t, r.mocks.OfType(tVpc), 1)
	assert.Equal(t, len(primary.mocks.OfType(tSubnet)), len(r.mocks.OfType(tSubnet)), "a recovery network has the same layout rules as a primary one")
}
