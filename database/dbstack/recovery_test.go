package dbstack_test

import (
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbstack"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

// TestDRRecoveryNetworkRefusedBeforeAnythingIsDeclared: a stack with DR
// reads its recovery network (database:dr networkStack, default
// network/<environment>-dr) through the network contract, and refuses,
// before any resource is declared, a primary network named as the
// recovery network, another environment's recovery network, one in
// another region than database:dr's, and a recovery network stack with no
// outputs (never deployed, or destroyed), each with one config error naming
// database:dr, the stack and what is allowed. A stack the backend does not
// hold at all is TestDRRecoveryNetworkThatDoesNotExist.
func TestDRRecoveryNetworkRefusedBeforeAnythingIsDeclared(t *testing.T) {
	s, cfg := withDR(t)
	primary := networkOutputs(t, s.Environment)
	const org = dbstack.LocalOrganization + "/network/"
	for _, tc := range []struct {
		name    string
		set     string // database:dr networkStack, "" for the default
		stack   string // the stack the program reads
		outputs map[string]any
		says    []string
	}{
		{"a primary network named as the recovery network", "prod-blue", org + "prod-blue",
			withOutputs(primary, map[string]any{"region": drRegion}),
			[]string{"is a primary network (its output recoveryOf is empty)", "network:recoveryOf: prod"}},
		{"another environment's recovery network", "", org + "prod-dr",
			withOutputs(recoveryOutputs(primary, "staging", drRegion), map[string]any{"environment": "staging"}),
			[]string{`is the recovery network of environment "staging"`, `not of "prod"`}},
		{"a recovery network in another region", "", org + "prod-dr",
			recoveryOutputs(primary, s.Environment, "us-east-1"),
			[]string{`is in region "us-east-1" (output region), not in the recovery region "eu-central-1"`}},
		{"a recovery network stack with no outputs (never deployed, or destroyed)", "prod-frankfurt", org + "prod-frankfurt", map[string]any{},
			[]string{"a deployed recovery network stack of environment prod in eu-central-1 (default network/prod-dr): read it", "deploy or update that stack first"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := maps.Clone(cfg)
			c["database:dr"] = fmt.Sprintf(`{"region":%q,"networkStack":%q}`, drRegion, tc.set)
			m := newMocksWith(primary, s.Environment)
			if tc.outputs != nil {
				m.StackOutputs[tc.stack] = tc.outputs
			}
			err := runWithConfig(m, s, c)
			require.Error(t, err)
			var ce *config.Error
			require.True(t, errors.As(err, &ce), "want a config error, got %v", err)
			assert.Equal(t, "database:dr", ce.Key)
			assert.Equal(t, tc.stack, ce.Value)
			for _, w := range tc.says {
				assert.Contains(t, ce.Allowed, w)
			}
			assert.Empty(t, declared(m), "nothing is declared before the recovery network is checked")
		})
	}
}

// TestDRPrimaryNetworkNamedAsRecoveryNetwork: database:dr networkStack
// naming the environment's own primary network is refused when the config
// loads, naming database:dr, before any stack is referenced.
func TestDRPrimaryNetworkNamedAsRecoveryNetwork(t *testing.T) {
	s, cfg := withDR(t)
	for _, name := range []string{"prod", "network/prod"} {
		cfg["database:dr"] = fmt.Sprintf(`{"region":%q,"networkStack":%q}`, drRegion, name)
		m := newMocksWith(networkOutputs(t, s.Environment), s.Environment)
		err := runWithConfig(m, s, cfg)
		var ce *config.Error
		require.True(t, errors.As(err, &ce), "networkStack %s: want a config error, got %v", name, err)
		assert.Equal(t, "database:dr", ce.Key)
		assert.Contains(t, ce.Allowed, "not the environment's primary network prod")
		assert.Empty(t, m.Resources(), "networkStack %s: nothing is registered", name)
	}
}

// TestDRRecoveryNetworkThatDoesNotExist: a recovery network stack that
// does not exist fails the run at its StackReference, naming the stack,
// before anything is declared (the engine's "unknown stack", which the
// program cannot catch; the deploy tool refuses a missing file earlier).
func TestDRRecoveryNetworkThatDoesNotExist(t *testing.T) {
	s, cfg := withDR(t)
	m := newMocksWith(networkOutputs(t, s.Environment), s.Environment)
	err := runWithConfig(m, s, cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"`+dbstack.LocalOrganization+`/network/prod-dr"`)
	assert.Empty(t, declared(m), "nothing is declared")
}

// TestDRReadsANamedRecoveryNetwork: database:dr networkStack names the
// recovery network the program reads, in place of the default, and the
// stack exports its qualified name.
func TestDRReadsANamedRecoveryNetwork(t *testing.T) {
	s, cfg := withDR(t)
	cfg["database:dr"] = fmt.Sprintf(`{"region":%q,"networkStack":"network/prod-frankfurt"}`, drRegion)
	primary := networkOutputs(t, s.Environment)
	m := newMocksWith(primary, s.Environment)
	m.StackOutputs[dbstack.LocalOrganization+"/network/prod-frankfurt"] = recoveryOutputs(primary, s.Environment, drRegion)
	exports := pulumimocks.Exports{}
	require.NoError(t, pulumimocks.Run(m, s.Project, s.Name, cfg, func(ctx *pulumi.Context) error {
		return dbstack.Program(ctx, exports.Export, fixedNow)
	}))
	got, err := pulumimocks.Await(exports["drNetworkStack"].(pulumi.Output))
	require.NoError(t, err)
	assert.Equal(t, dbstack.LocalOrganization+"/network/prod-frankfurt", got)
}

// withOutputs is a copy of outs with set applied.
func withOutputs(outs, set map[string]any) map[string]any {
	c := maps.Clone(outs)
	maps.Copy(c, set)
	return c
}
