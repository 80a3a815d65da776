package dbstack_test

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbstack"
	"github.com/pgplatform/platform/database/postgres"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/spec"
)

// TestResolveKeepsTheIngressOrder: the security group's rules are named by
// their index in the spec's ingress (ingress-0, ingress-1, ...), so the
// resolved order must stay the application subnets first, then the
// configured CIDRs, then the configured security groups, whatever order
// the key table writes them in; another order would rename, and so
// replace, live rules.
func TestResolveKeepsTheIngressOrder(t *testing.T) {
	s := stackNamed(t, "orders-dev")
	cfg := maps.Clone(s.Config)
	cfg["database:allowedSecurityGroupIds"] = `["sg-0123456789abcdef0"]`
	cfg["database:allowedCidrs"] = `["10.9.0.0/16"]`
	cfg["database:port"] = "6432"
	got, err := dbstack.Resolve(config.MapSource("database", cfg), planned)
	require.NoError(t, err)
	assert.Equal(t, []spec.Ingress{
		{FromApps: true, Port: 6432},
		{CIDR: "10.9.0.0/16", Port: 6432},
		{SecurityGroupID: "sg-0123456789abcdef0", Port: 6432},
	}, got.Ingress)
}

// TestResolveTakesTheParametersFromTheComponent: the spec's parameters
// are the ones database/postgres declares for it, the tunable ones with
// the stack file's values, so a parameter is declared in one place.
func TestResolveTakesTheParametersFromTheComponent(t *testing.T) {
	s := stackNamed(t, "orders-prod")
	cfg := maps.Clone(s.Config)
	cfg["database:logMinDurationStatementMs"] = "250"
	cfg["database:logStatement"] = "ddl"
	got, err := dbstack.Resolve(config.MapSource("database", cfg), planned)
	require.NoError(t, err)
	assert.Equal(t, postgres.Parameters(got), got.Parameters)
	params := map[string]string{}
	for _, p := range got.Parameters {
		params[p.Name] = p.Value
	}
	assert.Equal(t, "250", params["log_min_duration_statement"])
	assert.Equal(t, "ddl", params["log_statement"])
	assert.Equal(t, "1", params["log_connections"], "staging and prod log connections")
}
