package dbstack_test

import (
	"fmt"
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/testsupport/committed"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

// paramsOf is the parameter group type of the run's shape and the
// database input that names the group it uses: a DB parameter group for an
// instance, a DB cluster parameter group for a cluster.
func (r dbRun) paramsOf() (token, input string) {
	if r.cfg.Cluster() {
		return clusterPGTok, "dbClusterParameterGroupName"
	}
	return tParams, "parameterGroupName"
}

// paramGroups returns the run's parameter groups of its shape by family;
// a cluster declares no DB parameter group and an instance no cluster one.
func (r dbRun) paramGroups(t *testing.T) map[string]pulumimocks.Resource {
	t.Helper()
	token, _ := r.paramsOf()
	other := clusterPGTok
	if token == clusterPGTok {
		other = tParams
	}
	require.Empty(t, r.mocks.OfType(other), "a %s stack declares no %s", r.cfg.Deployment, other)
	out := map[string]pulumimocks.Resource{}
	for _, pg := range r.mocks.OfType(token) {
		family := pg.String("family")
		_, dup := out[family]
		require.False(t, dup, "two parameter groups of family %s", family)
		out[family] = pg
	}
	return out
}

// currentParams is the parameter group the instance or cluster uses.
func (r dbRun) currentParams(t *testing.T) pulumimocks.Resource {
	t.Helper()
	token, input := r.paramsOf()
	db, _ := r.database(t)
	used := db.String(input)
	for _, pg := range r.mocks.OfType(token) {
		if pulumimocks.AutoName(pg.Name) == used {
			return pg
		}
	}
	require.Failf(t, "no parameter group", "the %s uses %q, which the stack does not declare", r.cfg.Deployment, used)
	return pulumimocks.Resource{}
}

// TestMajorUpgradeKeepsThePreviousFamilysGroup holds every committed
// database stack to the parameter groups a major upgrade needs: the
// instance uses the group of its engine's family, and the group of the
// major before is declared too, with the same parameters, so the `up` that
// moves the instance to a new major never deletes a group the instance may
// still run on (it waits for its maintenance window in staging and prod).
// It fails when the previous group is dropped, when the instance points at
// another family's group, or when the groups' parameters differ.
func TestMajorUpgradeKeepsThePreviousFamilysGroup(t *testing.T) {
	for _, s := range committed.Of(t, "database") {
		t.Run(s.Name, func(t *testing.T) {
			r := runDatabase(t, s, s.Config)
			require.NoError(t, r.err)
			major := r.cfg.EngineMajor
			cur, prev := fmt.Sprintf("postgres%d", major), fmt.Sprintf("postgres%d", major-1)
			groups := r.paramGroups(t)
			require.Contains(t, groups, cur)
			assert.Equal(t, groups[cur].Name, r.currentParams(t).Name, "the %s uses its engine's family", r.cfg.Deployment)
			require.Contains(t, groups, prev, "the previous major's group is kept")
			assert.Len(t, groups, 2, "the group before the previous one is deleted by the upgrade after it")
			assert.Equal(t, groups[cur].Input("parameters"), groups[prev].Input("parameters"), "one set of parameters, whichever major runs")
			prefix := s.Name + "-params-"
			if r.cfg.Cluster() {
				prefix = s.Name + "-cluster-params-"
			}
			for _, pg := range groups {
				assert.Nil(t, pg.Input("name"), "auto-named: a family never reuses another's physical name")
				assert.Equal(t, prefix+pg.String("family"), pg.Name, "named in Pulumi by its family, so a family change adds a group instead of replacing one")
			}
		})
	}
}

// TestMajorUpgradeOfAStack runs one committed stack at its major and at
// the next one and checks what the engine would do between the two: the
// group the instance uses before the upgrade is still declared after it,
// under the same Pulumi name, so the engine neither replaces nor deletes
// it. It fails when the upgrade would remove the group the instance ran on.
func TestMajorUpgradeOfAStack(t *testing.T) {
	for _, name := range []string{"orders-dev", "orders-staging", "orders-prod"} {
		t.Run(name, func(t *testing.T) {
			s := committed.Named(t, "database", name)
			before := runDatabase(t, s, s.Config)
			require.NoError(t, before.err)
			used := before.currentParams(t)

			next := maps.Clone(s.Config)
			next["database:engineVersion"] = fmt.Sprint(before.cfg.EngineMajor + 1)
			after := runDatabase(t, s, next)
			require.NoError(t, after.err)
			var kept *pulumimocks.Resource
			for _, pg := range after.mocks.OfType(tParams) {
				if pg.Name == used.Name {
					kept = &pg
				}
			}
			require.NotNil(t, kept, "the group %s the instance runs on until its window is still declared", used.Name)
			assert.Equal(t, used.String("family"), kept.String("family"), "same family, so no replacement")
			assert.Equal(t, used.Input("parameters"), kept.Input("parameters"))
			assert.Equal(t, fmt.Sprintf("postgres%d", before.cfg.EngineMajor+1), after.currentParams(t).String("family"))
		})
	}
}

// TestNoBlueGreenUpdate holds every committed stack's instance to an
// in-place upgrade: the provider's blueGreenUpdate would send every
// modification, not only a major upgrade, through CreateBlueGreenDeployment
// (resourceInstanceUpdate, terraform-provider-aws v6.0.0), and RDS does
// not support blue/green deployments for an instance whose master password
// it manages in Secrets Manager, which every instance here does (RDS User
// Guide, "Limitations and considerations for Amazon RDS blue/green
// deployments"). It fails when a stack turns blueGreenUpdate on while the
// master password is RDS-managed.
func TestNoBlueGreenUpdate(t *testing.T) {
	for _, s := range committed.Of(t, "database") {
		t.Run(s.Name, func(t *testing.T) {
			r := runDatabase(t, s, s.Config)
			require.NoError(t, r.err)
			// A cluster has no blueGreenUpdate argument (aws_rds_cluster,
			// terraform-provider-aws v5); it is held to the RDS-managed
			// password and to being the stack's only database.
			inst, _ := r.database(t)
			require.Equal(t, true, inst.Input("manageMasterUserPassword"))
			bg, _ := inst.Input("blueGreenUpdate").(map[string]any)
			assert.NotEqual(t, true, bg["enabled"], "blue/green with an RDS-managed master password fails in AWS")
		})
	}
}

// TestOldestMajorHasNoPreviousGroup: a stack on the oldest major the
// platform allows declares one group, since no instance of the platform
// can run the major before it.
func TestOldestMajorHasNoPreviousGroup(t *testing.T) {
	s := committed.Named(t, "database", "orders-dev")
	cfg := maps.Clone(s.Config)
	cfg["database:engineVersion"] = fmt.Sprint(config.MinEngineMajor)
	r := runDatabase(t, s, cfg)
	require.NoError(t, r.err)
	groups := r.paramGroups(t)
	assert.Len(t, groups, 1)
	assert.Contains(t, groups, fmt.Sprintf("postgres%d", config.MinEngineMajor))
}
