package dbstack_test

import (
	"maps"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbstack"
	"github.com/pgplatform/platform/network/netstack"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pgplatform/platform/shared/testsupport/committed"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

// planned is the fixed time the tests' runs happen at.
var planned = time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return planned }

// networkOutputs runs the real network program for an environment's
// committed file under mocks and returns its exports as a stack reference
// would serve them (JSON-shaped values).
func networkOutputs(t *testing.T, env string) map[string]any {
	t.Helper()
	ns, err := stacks.Find(committed.Stacks(t), contract.NetworkProject, env)
	require.NoError(t, err)
	exports := pulumimocks.Exports{}
	require.NoError(t, pulumimocks.RunStack(pulumimocks.New(), ns, func(ctx *pulumi.Context) error {
		return netstack.Program(ctx, exports.Export)
	}))
	out := map[string]any{}
	for k, in := range exports {
		v, err := pulumimocks.Await(in.(pulumi.Output))
		require.NoError(t, err, k)
		if ss, ok := v.([]string); ok {
			items := make([]any, len(ss))
			for i, s := range ss {
				items[i] = s
			}
			v = items
		}
		out[k] = v
	}
	return out
}

// recoveryOutputs are the outputs of env's recovery network in region,
// made from its primary network's: the same shape, its own VPC and
// subnets, and the role a recovery network states (recoveryOf).
func recoveryOutputs(primary map[string]any, env, region string) map[string]any {
	out := maps.Clone(primary)
	out["region"] = region
	out["recoveryOf"] = env
	out["vpcId"] = "vpc-" + env + "-dr"
	out["vpcCidr"] = "10.99.0.0/16"
	out["databaseSubnetIds"] = []any{"subnet-dr-db-a", "subnet-dr-db-b", "subnet-dr-db-c"}
	out["appSubnetIds"] = []any{"subnet-dr-app-a", "subnet-dr-app-b", "subnet-dr-app-c"}
	out["appSubnetCidrs"] = []any{"10.99.0.0/20", "10.99.16.0/20", "10.99.32.0/20"}
	out["availabilityZones"] = []any{region + "a", region + "b", region + "c"}
	return out
}

type dbRun struct {
	stack   stacks.Stack
	cfg     config.Database
	mocks   *pulumimocks.Mocks
	exports pulumimocks.Exports
	network map[string]any
	err     error
}

// runDatabase runs the database program for a stack's config, with the
// environment's network served at the default stack reference name.
func runDatabase(t *testing.T, s stacks.Stack, cfg map[string]string) dbRun {
	t.Helper()
	m := pulumimocks.New()
	netOut := networkOutputs(t, s.Environment)
	m.StackOutputs[dbstack.LocalOrganization+"/network/"+s.Environment] = netOut
	// The environment's recovery network, at its default name, which a
	// stack with database:dr reads.
	m.StackOutputs[dbstack.LocalOrganization+"/network/"+s.Environment+"-dr"] = recoveryOutputs(netOut, s.Environment, drRegion)
	exports := pulumimocks.Exports{}
	err := pulumimocks.Run(m, s.Project, s.Name, cfg, func(ctx *pulumi.Context) error {
		return dbstack.Program(ctx, exports.Export, fixedNow)
	})
	r := dbRun{stack: s, mocks: m, exports: exports, network: netOut, err: err}
	if err == nil {
		r.cfg, err = config.LoadDatabase(config.MapSource("database", cfg))
		require.NoError(t, err)
	}
	return r
}

func (r dbRun) one(t *testing.T, token string) pulumimocks.Resource {
	t.Helper()
	res := r.mocks.OfType(token)
	require.Len(t, res, 1, "want exactly one %s", token)
	return res[0]
}

func (r dbRun) export(t *testing.T, name string) any {
	t.Helper()
	in, ok := r.exports[name]
	require.True(t, ok, "output %s not exported", name)
	v, err := pulumimocks.Await(in.(pulumi.Output))
	require.NoError(t, err, name)
	return v
}

// newMocksWith serves outs as the environment's network stack.
func newMocksWith(outs map[string]any, env string) *pulumimocks.Mocks {
	m := pulumimocks.New()
	m.StackOutputs[dbstack.LocalOrganization+"/network/"+env] = outs
	return m
}

func runWith(m *pulumimocks.Mocks, s stacks.Stack) error { return runWithConfig(m, s, s.Config) }

func runWithConfig(m *pulumimocks.Mocks, s stacks.Stack, cfg map[string]string) error {
	return pulumimocks.Run(m, s.Project, s.Name, cfg, func(ctx *pulumi.Context) error {
		return dbstack.Program(ctx, pulumimocks.Exports{}.Export, fixedNow)
	})
}

// declared returns the registered resources other than stack references.
func declared(m *pulumimocks.Mocks) []pulumimocks.Resource {
	var out []pulumimocks.Resource
	for _, r := range m.Resources() {
		if r.Type != "pulumi:pulumi:StackReference" {
			out = append(out, r)
		}
	}
	return out
}

// database is the run's database resource and its identifier: the
// Multi-AZ DB cluster of a cluster stack, the Multi-AZ DB instance of an
// instance stack, and never both.
func (r dbRun) database(t *testing.T) (pulumimocks.Resource, string) {
	t.Helper()
	if r.cfg.Cluster() {
		require.Empty(t, r.mocks.OfType(tInstance), "a cluster stack declares no DB instance")
		c := r.one(t, clusterTok)
		return c, c.String("clusterIdentifier")
	}
	require.Empty(t, r.mocks.OfType(clusterTok), "an instance stack declares no DB cluster")
	inst := r.one(t, tInstance)
	return inst, inst.String("identifier")
}

// named is the run's resource of a type and Pulumi name.
func (r dbRun) named(t *testing.T, token, name string) pulumimocks.Resource {
	t.Helper()
	res, ok := r.mocks.Named(token, name)
	require.True(t, ok, "no %s %s", token, name)
	return res
}

// base is the stack's base name, <app>-<environment>.
func (r dbRun) base() string { return r.cfg.App + "-" + r.cfg.Environment }
