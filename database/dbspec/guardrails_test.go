package dbspec_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbspec"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/testsupport/committed"
)

// TestGuardrailsHoldOnCommittedConfigs checks every rule, one by one, on
// the plan of every committed database file.
func TestGuardrailsHoldOnCommittedConfigs(t *testing.T) {
	for _, s := range committed.Of(t, "database") {
		cfg, err := config.LoadDatabase(config.MapSource("database", s.Config))
		require.NoError(t, err, s.File)
		plan := dbspec.ResolveConfig(cfg, planned)
		for _, rule := range guardrails.DatabaseRules {
			t.Run(s.Name+"/"+rule.ID, func(t *testing.T) {
				assert.NoError(t, rule.Check(plan))
			})
		}
	}
}

// CheckGuardrails, which the deploy tool runs before any stack, refuses what
// the program would: the tier's rules, not only the value ranges.
func TestCheckGuardrailsAppliesTheTier(t *testing.T) {
	s := committed.Named(t, "database", "orders-staging")
	cfg, err := config.LoadDatabase(config.MapSource("database", s.Config))
	require.NoError(t, err)
	require.NoError(t, dbspec.CheckGuardrails(cfg), "the committed staging stack passes")
	cfg.DeletionProtection = false
	err = dbspec.CheckGuardrails(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "guardrail deletion-protection")
	assert.Contains(t, err.Error(), "database:deletionProtection")
}
