package dbspec_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbspec"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/testsupport/committed"
)

// TestResolveKeepsTheIngressOrder: the security group's rules are named by
// their index in the spec's ingress (ingress-0, ingress-1, ...), so the
// resolved order must stay the application subnets first, then the
// configured CIDRs, then the configured security groups, whatever order
// the key table writes them in; another order would rename, and so
// replace, live rules.
func TestResolveKeepsTheIngressOrder(t *testing.T) {
	s := committed.Named(t, "database", "orders-dev")
	cfg := maps.Clone(s.Config)
	cfg["database:allowedSecurityGroupIds"] = `["sg-0123456789abcdef0"]`
	cfg["database:allowedCidrs"] = `["10.9.0.0/16"]`
	cfg["database:port"] = "6432"
	got, err := dbspec.Resolve(config.MapSource("database", cfg), planned)
	require.NoError(t, err)
	assert.Equal(t, []spec.Ingress{
		{FromApps: true, Port: 6432},
		{CIDR: "10.9.0.0/16", Port: 6432},
		{SecurityGroupID: "sg-0123456789abcdef0", Port: 6432},
	}, got.Ingress)
}

// TestResolveTakesTheParametersFromTheTable: the spec's parameters are
// the ones the parameter table (parameters.go) declares for it, the
// tunable ones with the stack file's values, so a parameter is declared
// in one place.
func TestResolveTakesTheParametersFromTheTable(t *testing.T) {
	s := committed.Named(t, "database", "orders-prod")
	cfg := maps.Clone(s.Config)
	cfg["database:logMinDurationStatementMs"] = "250"
	cfg["database:logStatement"] = "ddl"
	got, err := dbspec.Resolve(config.MapSource("database", cfg), planned)
	require.NoError(t, err)
	assert.Equal(t, dbspec.Parameters(got), got.Parameters)
	params := map[string]string{}
	for _, p := range got.Parameters {
		params[p.Name] = p.Value
	}
	assert.Equal(t, "250", params["log_min_duration_statement"])
	assert.Equal(t, "ddl", params["log_statement"])
	assert.Equal(t, "1", params["log_connections"], "staging and prod log connections")
}

// TestResolveShapes: the shape and its storage come from the stack file,
// the instance's unchanged (gp3, autoscaling, no IOPS); a cluster's spec
// holds every guardrail, as the instance's does.
func TestResolveShapes(t *testing.T) {
	base := asInstanceWithoutProxy(t, "orders-prod")
	cases := []struct {
		name      string
		set       map[string]string
		shape     spec.Deployment
		storage   string
		iops, max int
	}{
		{"instance", nil, spec.DeployInstance, "gp3", 0, -1},
		{"cluster", map[string]string{"database:deployment": "cluster", "database:instanceClass": "db.r6gd.xlarge", "database:allocatedStorageGb": unsetKey, "database:maxAllocatedStorageGb": unsetKey},
			spec.DeployCluster, "io2", 3000, 0},
		{"gp3 cluster", map[string]string{"database:deployment": "cluster", "database:instanceClass": "db.m6gd.large", "database:storageType": "gp3", "database:allocatedStorageGb": "500", "database:iops": "15000", "database:maxAllocatedStorageGb": unsetKey},
			spec.DeployCluster, "gp3", 15000, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := maps.Clone(base)
			for k, v := range c.set {
				if v == unsetKey {
					delete(cfg, k)
					continue
				}
				cfg[k] = v
			}
			got, err := dbspec.Resolve(config.MapSource("database", cfg), planned)
			require.NoError(t, err)
			assert.Equal(t, c.shape, got.Deployment)
			assert.Equal(t, c.storage, got.Instance.StorageType)
			assert.Equal(t, c.iops, got.Instance.Iops)
			if c.max >= 0 {
				assert.Equal(t, c.max, got.Instance.MaxAllocatedStorageGb)
			} else {
				assert.Greater(t, got.Instance.MaxAllocatedStorageGb, got.Instance.AllocatedStorageGb, "an instance keeps storage autoscaling")
			}
			assert.True(t, got.Instance.MultiAZ)
			require.NoError(t, guardrails.CheckDatabase(got))
		})
	}
}

// TestResolveProxy: a proxy's TLS, IAM authentication, debug logging and
// ingress are the platform's, whatever else the stack file sets; its pool
// and direct access are the file's; a stack without a proxy resolves none.
func TestResolveProxy(t *testing.T) {
	base := asInstanceWithoutProxy(t, "orders-prod")
	cfg := maps.Clone(base)
	cfg["database:proxy"] = "true"
	cfg["database:proxyMaxConnectionsPercent"] = "80"
	cfg["database:proxyDirectAccess"] = "true"
	got, err := dbspec.Resolve(config.MapSource("database", cfg), planned)
	require.NoError(t, err)
	assert.Equal(t, spec.Proxy{
		Enabled: true, RequireTLS: true, IAMAuth: "REQUIRED", DebugLogging: false, DirectAccess: true,
		IdleClientTimeoutSeconds: 1800, MaxConnectionsPercent: 80, MaxIdleConnectionsPercent: 40, ConnectionBorrowTimeoutSeconds: 120,
		Ingress: []spec.Ingress{{FromApps: true, Port: got.Port}},
	}, got.Proxy)
	require.NoError(t, guardrails.CheckDatabase(got))

	// The stack file's own sources reach the database through the proxy
	// too: without direct access the database admits only the proxy, so
	// a source the proxy did not admit would reach nothing.
	named := maps.Clone(cfg)
	delete(named, "database:proxyDirectAccess")
	named["database:allowedCidrs"] = `["10.99.0.0/24"]`
	named["database:allowedSecurityGroupIds"] = `["sg-0123456789abcdef0"]`
	viaProxy, err := dbspec.Resolve(config.MapSource("database", named), planned)
	require.NoError(t, err)
	assert.Equal(t, []spec.Ingress{
		{FromApps: true, Port: viaProxy.Port},
		{CIDR: "10.99.0.0/24", Port: viaProxy.Port},
		{SecurityGroupID: "sg-0123456789abcdef0", Port: viaProxy.Port},
	}, viaProxy.Proxy.Ingress)
	require.NoError(t, guardrails.CheckDatabase(viaProxy))

	without, err := dbspec.Resolve(config.MapSource("database", base), planned)
	require.NoError(t, err)
	assert.False(t, without.Proxy.Enabled)
	assert.Empty(t, without.Proxy.Ingress, "a stack without a proxy admits nothing to one")
}

// unsetKey, as a value in a case's changes, removes the key.
const unsetKey = "\x00unset"

// asInstanceWithoutProxy is the config of a committed stack as an
// instance without a proxy, whatever shape its file gives it.
func asInstanceWithoutProxy(t *testing.T, name string) map[string]string {
	t.Helper()
	cfg := maps.Clone(committed.Named(t, "database", name).Config)
	for k := range cfg {
		if strings.HasPrefix(k, "database:proxy") {
			delete(cfg, k)
		}
	}
	for _, k := range []string{"database:deployment", "database:storageType", "database:iops", "database:instanceClass"} {
		delete(cfg, k)
	}
	return cfg
}

// TestCommittedStacksShowEveryShape holds the committed stack files to
// what the README promises app teams as examples: a prod stack that is a
// Multi-AZ DB cluster behind an RDS Proxy, and a staging stack that is an
// instance behind one. TestCommittedStacks checks each file for its own
// shape, so without this a file could change shape and every test pass.
func TestCommittedStacksShowEveryShape(t *testing.T) {
	var prodClusterProxy, stagingInstanceProxy []string
	for _, s := range committed.Of(t, "database") {
		got, err := dbspec.Resolve(config.MapSource("database", s.Config), planned)
		require.NoError(t, err, s.File)
		switch {
		case got.Tier == spec.Prod && got.Deployment == spec.DeployCluster && got.Proxy.Enabled:
			prodClusterProxy = append(prodClusterProxy, s.Name)
		case got.Tier == spec.Staging && got.Deployment == spec.DeployInstance && got.Proxy.Enabled:
			stagingInstanceProxy = append(stagingInstanceProxy, s.Name)
		}
	}
	assert.NotEmpty(t, prodClusterProxy, "no committed prod stack is a cluster behind a proxy")
	assert.NotEmpty(t, stagingInstanceProxy, "no committed staging stack is an instance behind a proxy")
}
