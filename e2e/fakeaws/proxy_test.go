package fakeaws

import (
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// proxyWorld is a network, a Multi-AZ DB cluster and a proxy.
func proxyWorld(t *testing.T, p *Provider) (rdsWorld, string) {
	t.Helper()
	w := newRDSWorld(t, p, "w")
	create(t, p, clusterTok, "orders", w.clusterInputs("orders"))
	in := w.proxyInputs()
	in["name"] = "orders-proxy"
	create(t, p, proxyTok, "proxy", in)
	return w, "orders-proxy"
}

// TestProxyReplacesAndUpdatesAsTheProviderSchemaSays: the engine family
// and subnets replace the proxy; its name (NewDBProxyName), role, TLS and
// auth update in place.
func TestProxyReplacesAndUpdatesAsTheProviderSchemaSays(t *testing.T) {
	p, _ := newConfigured(t)
	base := rdsWorld{subnets: []any{"subnet-1"}}.proxyInputs()
	base["name"] = "orders-proxy"
	for key, value := range map[string]any{"engineFamily": "MYSQL", "vpcSubnetIds": []any{"subnet-2"}} {
		assert.Equal(t, []string{key}, diffOne(t, p, proxyTok, base, key, value).GetReplaces(), key)
	}
	for key, value := range map[string]any{
		"name": "orders-proxy-2", "roleArn": "arn:aws:iam::123456789012:role/other", "requireTls": false,
		"idleClientTimeout": 900.0, "vpcSecurityGroupIds": []any{"sg-1"},
		"auths": []any{map[string]any{"authScheme": "SECRETS", "iamAuth": "DISABLED"}},
	} {
		assert.Empty(t, diffOne(t, p, proxyTok, base, key, value).GetReplaces(), key)
	}
}

func TestProxyValidatorsAndAWSRefusals(t *testing.T) {
	p, _ := newConfigured(t)
	w := rdsWorld{subnets: []any{"subnet-1"}}
	ok := w.proxyInputs()
	assert.Empty(t, checkFailures(t, p, proxyTok, ok))
	checked := decode(t, check(t, p, proxyTok, "orders", pm(ok), nil, "a").GetInputs())
	assert.Regexp(t, `^orders-[0-9a-f]{7}$`, str(checked, "name"), "pulumi-aws autonames the proxy's name")
	for name, tc := range map[string]struct {
		key   string
		value any
		want  string
	}{
		"engine family": {"engineFamily", "postgres", "engineFamily: expected engineFamily to be one of [MYSQL POSTGRESQL SQLSERVER], got postgres"},
		"role ARN":      {"roleArn", "proxy-role", `roleArn: roleArn "proxy-role" is an invalid ARN`},
		"name":          {"name", "orders--proxy", "cannot contain two consecutive hyphens"},
		"iam auth":      {"auths", []any{map[string]any{"iamAuth": "ON"}}, "auths[].iamAuth: expected auths[].iamAuth to be one of [DISABLED REQUIRED ENABLED], got ON"},
		"auth scheme":   {"auths", []any{map[string]any{"authScheme": "IAM"}}, "expected auths[].authScheme to be one of [SECRETS], got IAM"},
		"password auth": {"auths", []any{map[string]any{"clientPasswordAuthType": "SCRAM"}}, "auths[].clientPasswordAuthType"},
		"secret ARN":    {"auths", []any{map[string]any{"secretArn": "secret"}}, `auths[].secretArn "secret" is an invalid ARN`},
	} {
		t.Run(name, func(t *testing.T) {
			in := w.proxyInputs()
			in[tc.key] = tc.value
			got := checkFailures(t, p, proxyTok, in)
			require.Len(t, got, 1, "%v", got)
			assert.Contains(t, got[0], tc.want)
		})
	}
	// IAM auth ENABLED passes the provider's enum but AWS takes it for SQL
	// Server only.
	in := w.proxyInputs()
	in["auths"] = []any{map[string]any{"authScheme": "SECRETS", "iamAuth": "ENABLED"}}
	assert.ErrorContains(t, createErr(t, p, proxyTok, "p", in), "auths[].iamAuth ENABLED is valid only for proxies with RDS for Microsoft SQL Server")
	in["engineFamily"] = "SQLSERVER"
	assert.NoError(t, createErr(t, p, proxyTok, "p", in))
}

func TestProxyOutputsAndRenameInPlace(t *testing.T) {
	p, _ := newConfigured(t)
	w := rdsWorld{subnets: []any{"subnet-1"}}
	in := w.proxyInputs()
	in["name"] = "orders-proxy"
	id, out := create(t, p, proxyTok, "proxy", in)
	assert.Equal(t, "orders-proxy", id)
	assert.Regexp(t, `^arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-[0-9a-f]{17}$`, str(out, "arn"))
	assert.Equal(t, "orders-proxy.proxy-c0ffee.eu-west-1.rds.amazonaws.com", str(out, "endpoint"))
	assert.ErrorContains(t, createErr(t, p, proxyTok, "proxy2", in), `name "orders-proxy" already exists`)

	news := out.Copy()
	news["name"] = resource.NewStringProperty("orders-proxy-2")
	upd, err := p.Update(bg, &pulumirpc.UpdateRequest{Urn: urn(proxyTok, "proxy"), Type: proxyTok, Id: id, News: props(t, news)})
	require.NoError(t, err)
	assert.Equal(t, "orders-proxy-2.proxy-c0ffee.eu-west-1.rds.amazonaws.com", str(decode(t, upd.GetProperties()), "endpoint"))
}

// TestDefaultTargetGroupPoolSettings: the provider's ranges fire at
// Check; AWS's narrower ones (borrow timeout up to 300, idle up to max)
// at create; the defaults fill what is left out; delete sends nothing.
func TestDefaultTargetGroupPoolSettings(t *testing.T) {
	p, dir := newConfigured(t)
	_, proxy := proxyWorld(t, p)
	assert.Equal(t, []string{"dbProxyName"}, diffOne(t, p, proxyTargetGrTok, map[string]any{"dbProxyName": proxy},
		"dbProxyName", "other").GetReplaces())
	assert.Empty(t, diffOne(t, p, proxyTargetGrTok, map[string]any{"dbProxyName": proxy},
		"connectionPoolConfig", map[string]any{"maxConnectionsPercent": 90.0}).GetReplaces())

	pool := func(m map[string]any) map[string]any {
		return map[string]any{"dbProxyName": proxy, "connectionPoolConfig": m}
	}
	for name, tc := range map[string]struct {
		pool map[string]any
		want string
	}{
		"borrow above 3600": {map[string]any{"connectionBorrowTimeout": 3601.0}, "expected connectionPoolConfig.connectionBorrowTimeout to be in the range (0 - 3600), got 3601"},
		"max 0":             {map[string]any{"maxConnectionsPercent": 0.0}, "connectionPoolConfig.maxConnectionsPercent to be in the range (1 - 100)"},
		"idle 101":          {map[string]any{"maxIdleConnectionsPercent": 101.0}, "connectionPoolConfig.maxIdleConnectionsPercent to be in the range (0 - 100)"},
		"pinning filter":    {map[string]any{"sessionPinningFilters": []any{"EXCLUDE_ALL"}}, "to be one of [EXCLUDE_VARIABLE_SETS], got EXCLUDE_ALL"},
	} {
		got := checkFailures(t, p, proxyTargetGrTok, pool(tc.pool))
		require.Len(t, got, 1, name)
		assert.Contains(t, got[0], tc.want, name)
	}
	assert.ErrorContains(t, createErr(t, p, proxyTargetGrTok, "tg", pool(map[string]any{"connectionBorrowTimeout": 301.0})),
		"connectionPoolConfig.connectionBorrowTimeout 301: must be between 0 and 300 seconds")
	assert.ErrorContains(t, createErr(t, p, proxyTargetGrTok, "tg", pool(map[string]any{"maxConnectionsPercent": 40.0})),
		"connectionPoolConfig.maxIdleConnectionsPercent 50: must be between 0 and maxConnectionsPercent (40)")
	assert.ErrorContains(t, createErr(t, p, proxyTargetGrTok, "tg", map[string]any{"dbProxyName": "nope"}),
		`DBProxyNotFoundFault: the proxy name "nope"`)

	id, out := create(t, p, proxyTargetGrTok, "tg", pool(map[string]any{"maxConnectionsPercent": 90.0}))
	assert.Equal(t, proxy, id)
	assert.Equal(t, "default", str(out, "name"))
	assert.Equal(t, map[string]any{"connectionBorrowTimeout": 120.0, "maxConnectionsPercent": 90.0, "maxIdleConnectionsPercent": 50.0},
		out["connectionPoolConfig"].Mappable())
	require.NoError(t, del(t, p, proxyTargetGrTok, "tg", id))
	calls, err := Calls(dir)
	require.NoError(t, err)
	assert.Contains(t, calls[len(calls)-1].Note, "no call to AWS")
}

// TestProxyTargetRegistersTheClusterOrTheInstance: every argument
// replaces; exactly one of cluster and instance; the target must exist,
// and a proxy takes one target.
func TestProxyTargetRegistersTheClusterOrTheInstance(t *testing.T) {
	p, _ := newConfigured(t)
	w, proxy := proxyWorld(t, p)
	base := map[string]any{"dbProxyName": proxy, "targetGroupName": "default", "dbClusterIdentifier": "orders"}
	for key, value := range map[string]any{"dbProxyName": "p2", "targetGroupName": "other", "dbClusterIdentifier": "c2"} {
		assert.Equal(t, []string{key}, diffOne(t, p, proxyTargetTok, base, key, value).GetReplaces(), key)
	}
	neither := map[string]any{"dbProxyName": proxy, "targetGroupName": "default"}
	assert.Equal(t, []string{"dbClusterIdentifier: exactly one of dbClusterIdentifier, dbInstanceIdentifier must be set, 0 are"},
		checkFailures(t, p, proxyTargetTok, neither))
	both := map[string]any{"dbProxyName": proxy, "targetGroupName": "default", "dbClusterIdentifier": "orders", "dbInstanceIdentifier": "i"}
	assert.Equal(t, []string{"dbClusterIdentifier: exactly one of dbClusterIdentifier, dbInstanceIdentifier must be set, 2 are"},
		checkFailures(t, p, proxyTargetTok, both))
	arn := map[string]any{"dbProxyName": proxy, "targetGroupName": "default", "dbClusterIdentifier": "arn:aws:rds:eu-west-1:123456789012:cluster:orders"}
	assert.Contains(t, checkFailures(t, p, proxyTargetTok, arn)[0], "only lowercase alphanumeric characters and hyphens allowed")

	missing := map[string]any{"dbProxyName": proxy, "targetGroupName": "default", "dbClusterIdentifier": "nope"}
	assert.ErrorContains(t, createErr(t, p, proxyTargetTok, "t", missing), "DBClusterNotFoundFault: DBClusterIdentifier nope")

	id, out := create(t, p, proxyTargetTok, "t", base)
	assert.Equal(t, "orders-proxy/default/TRACKED_CLUSTER/orders", id)
	assert.Equal(t, "orders.cluster-c0ffee.eu-west-1.rds.amazonaws.com", str(out, "endpoint"))
	assert.Equal(t, 5432.0, out["port"].NumberValue())
	assert.Equal(t, "orders", str(out, "trackedClusterId"))
	assert.Equal(t, "arn:aws:rds:eu-west-1:123456789012:cluster:orders", str(out, "targetArn"))
	assert.ErrorContains(t, createErr(t, p, proxyTargetTok, "t2", base), "DBProxyTargetAlreadyRegisteredFault")

	create(t, p, "aws:rds/instance:Instance", "i", map[string]any{"identifier": "i", "engine": "postgres"})
	other := map[string]any{"dbProxyName": proxy, "targetGroupName": "default", "dbInstanceIdentifier": "i"}
	assert.ErrorContains(t, createErr(t, p, proxyTargetTok, "t3", other), "each proxy can be associated with a single target")

	in := w.proxyInputs()
	in["name"] = "instance-proxy"
	create(t, p, proxyTok, "p2", in)
	other["dbProxyName"] = "instance-proxy"
	id, out = create(t, p, proxyTargetTok, "t4", other)
	assert.Equal(t, "instance-proxy/default/RDS_INSTANCE/i", id)
	assert.Equal(t, "i.c0ffee.eu-west-1.rds.amazonaws.com", str(out, "endpoint"))
	assert.Equal(t, "", str(out, "trackedClusterId"))

	create(t, p, "aws:rds/instance:Instance", "replica", map[string]any{"identifier": "replica", "replicateSourceDb": "i"})
	in["name"] = "replica-proxy"
	create(t, p, proxyTok, "p3", in)
	replica := map[string]any{"dbProxyName": "replica-proxy", "targetGroupName": "default", "dbInstanceIdentifier": "replica"}
	assert.ErrorContains(t, createErr(t, p, proxyTargetTok, "t5", replica), "it is a read replica")
}

func TestProxyEndpoint(t *testing.T) {
	p, _ := newConfigured(t)
	w, proxy := proxyWorld(t, p)
	base := map[string]any{"dbProxyName": proxy, "dbProxyEndpointName": "reader", "vpcSubnetIds": w.subnets, "targetRole": "READ_ONLY"}
	for key, value := range map[string]any{"dbProxyEndpointName": "ro", "dbProxyName": "p2", "targetRole": "READ_WRITE", "vpcSubnetIds": []any{"subnet-9"}} {
		assert.Equal(t, []string{key}, diffOne(t, p, proxyEndpointTok, base, key, value).GetReplaces(), key)
	}
	assert.Empty(t, diffOne(t, p, proxyEndpointTok, base, "vpcSecurityGroupIds", []any{"sg-1"}).GetReplaces())

	checked := decode(t, check(t, p, proxyEndpointTok, "reader", pm(map[string]any{"dbProxyName": proxy}), nil, "a").GetInputs())
	_, named := checked["dbProxyEndpointName"]
	assert.False(t, named, "db_proxy_endpoint_name is not autonamed")
	bad := map[string]any{"dbProxyName": proxy, "dbProxyEndpointName": "reader", "targetRole": "READ"}
	assert.Equal(t, []string{"targetRole: expected targetRole to be one of [READ_WRITE READ_ONLY], got READ"}, checkFailures(t, p, proxyEndpointTok, bad))
	bad = map[string]any{"dbProxyName": proxy, "dbProxyEndpointName": "Reader"}
	assert.Contains(t, checkFailures(t, p, proxyEndpointTok, bad)[0], "only lowercase alphanumeric characters")
	assert.ErrorContains(t, createErr(t, p, proxyEndpointTok, "e", map[string]any{"dbProxyName": "nope", "dbProxyEndpointName": "x"}),
		"DBProxyNotFoundFault")

	id, out := create(t, p, proxyEndpointTok, "reader", base)
	assert.Equal(t, "orders-proxy/reader", id)
	assert.Equal(t, "reader.endpoint.proxy-c0ffee.eu-west-1.rds.amazonaws.com", str(out, "endpoint"))
	assert.Equal(t, w.vpc, str(out, "vpcId"))
	assert.False(t, out["isDefault"].BoolValue())
	_, def := create(t, p, proxyEndpointTok, "rw", map[string]any{"dbProxyName": proxy, "dbProxyEndpointName": "rw", "vpcSubnetIds": w.subnets})
	assert.Equal(t, "READ_WRITE", str(def, "targetRole"), "the provider's default")
	assert.ErrorContains(t, createErr(t, p, proxyEndpointTok, "reader2", base), `dbProxyEndpointName "reader" already exists`)
}

// TestAPartPoolSettingEqualsTheStateWithTheDefaults: the provider plans
// connection_pool_config with its nested Defaults, so a program giving
// only maxConnectionsPercent has no diff against the state that holds all
// three, while a real change still diffs.
func TestAPartPoolSettingEqualsTheStateWithTheDefaults(t *testing.T) {
	p, _ := newConfigured(t)
	state := pm(map[string]any{"dbProxyName": "p", "connectionPoolConfig": map[string]any{
		"connectionBorrowTimeout": 120.0, "maxConnectionsPercent": 90.0, "maxIdleConnectionsPercent": 50.0}})
	diff := func(pool map[string]any) *pulumirpc.DiffResponse {
		news := pm(map[string]any{"dbProxyName": "p", "connectionPoolConfig": pool})
		resp, err := p.Diff(bg, &pulumirpc.DiffRequest{Urn: urn(proxyTargetGrTok, "tg"), Type: proxyTargetGrTok, Id: "p",
			Olds: props(t, state), OldInputs: props(t, news), News: props(t, news)})
		require.NoError(t, err)
		return resp
	}
	assert.Equal(t, pulumirpc.DiffResponse_DIFF_NONE, diff(map[string]any{"maxConnectionsPercent": 90.0}).GetChanges())
	assert.Equal(t, []string{"connectionPoolConfig"}, diff(map[string]any{"maxConnectionsPercent": 80.0}).GetDiffs())
}

// TestAProxyTakesTwentyUserDefinedEndpoints, and a READ_ONLY one on a
// proxy whose target is an instance (it works once the target is a
// cluster).
func TestAProxyTakesTwentyUserDefinedEndpoints(t *testing.T) {
	p, _ := newConfigured(t)
	w, proxy := proxyWorld(t, p)
	for i := range 20 {
		name := fmt.Sprintf("e%d", i)
		create(t, p, proxyEndpointTok, name, map[string]any{"dbProxyName": proxy, "dbProxyEndpointName": name, "vpcSubnetIds": w.subnets})
	}
	assert.ErrorContains(t, createErr(t, p, proxyEndpointTok, "e20",
		map[string]any{"dbProxyName": proxy, "dbProxyEndpointName": "e20", "vpcSubnetIds": w.subnets}),
		"the proxy has 20 user-defined endpoints")

	create(t, p, "aws:rds/instance:Instance", "i", map[string]any{"identifier": "i", "engine": "postgres"})
	in := w.proxyInputs()
	in["name"] = "instance-proxy"
	create(t, p, proxyTok, "p2", in)
	create(t, p, proxyTargetTok, "t", map[string]any{"dbProxyName": "instance-proxy", "targetGroupName": "default", "dbInstanceIdentifier": "i"})
	assert.NoError(t, createErr(t, p, proxyEndpointTok, "ro", map[string]any{"dbProxyName": "instance-proxy",
		"dbProxyEndpointName": "ro", "vpcSubnetIds": w.subnets, "targetRole": "READ_ONLY"}))
}
