package dbstack_test

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbstack"
	"github.com/pgplatform/platform/shared/testsupport/committed"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

// TestTwoAppsInOneEnvironmentDoNotCollide runs two app stacks of the same
// environment and compares every physical name they set.
func TestTwoAppsInOneEnvironmentDoNotCollide(t *testing.T) {
	for _, pair := range [][2]string{{"orders-dev", "payments-dev"}, {"orders-prod", "payments-prod"}} {
		t.Run(pair[0]+"+"+pair[1], func(t *testing.T) {
			a := runDatabase(t, committed.Named(t, "database", pair[0]), committed.Named(t, "database", pair[0]).Config)
			b := runDatabase(t, committed.Named(t, "database", pair[1]), committed.Named(t, "database", pair[1]).Config)
			require.NoError(t, a.err)
			require.NoError(t, b.err)
			// The database's identifier and final snapshot name, whichever
			// shape each stack is, and the key alias.
			dbA, idA := a.database(t)
			dbB, idB := b.database(t)
			assert.NotEmpty(t, idA)
			assert.NotEqual(t, idA, idB, "database identifiers collide")
			finalA, finalB := dbA.String("finalSnapshotIdentifier"), dbB.String("finalSnapshotIdentifier")
			assert.NotEmpty(t, finalA)
			assert.NotEqual(t, finalA, finalB, "final snapshot identifiers collide")
			va, vb := a.one(t, tAlias).String("name"), b.one(t, tAlias).String("name")
			assert.NotEmpty(t, va)
			assert.NotEqual(t, va, vb, "key aliases collide")
			namesA := map[string]bool{}
			for _, g := range a.mocks.OfType(tLogGroup) {
				namesA[g.String("name")] = true
			}
			for _, g := range b.mocks.OfType(tLogGroup) {
				assert.False(t, namesA[g.String("name")], "log group %s collides", g.String("name"))
			}
		})
	}
}

// TestIdentifierFollowsReplacingInputs shows that a change AWS can only
// make by replacing the instance gives it a new identifier, and that an
// in-place change keeps it.
func TestIdentifierFollowsReplacingInputs(t *testing.T) {
	s := committed.Named(t, "database", "orders-dev")
	base := runDatabase(t, s, s.Config)
	require.NoError(t, base.err)
	id := base.one(t, tInstance).String("identifier")

	renamed := maps.Clone(s.Config)
	renamed["database:databaseName"] = "orders2"
	r := runDatabase(t, s, renamed)
	require.NoError(t, r.err)
	assert.NotEqual(t, id, r.one(t, tInstance).String("identifier"), "a new database name replaces the instance")

	resized := maps.Clone(s.Config)
	resized["database:instanceClass"] = "db.r6g.large"
	r = runDatabase(t, s, resized)
	require.NoError(t, r.err)
	assert.Equal(t, id, r.one(t, tInstance).String("identifier"), "a class change is in place")
}

// TestAppSubnetsFromTheNetworkAreHeldToLeastPrivilege serves network
// outputs whose application subnets would open the database too widely:
// the run stops, naming the guardrail, the output and the value, before any
// ingress rule is declared.
func TestAppSubnetsFromTheNetworkAreHeldToLeastPrivilege(t *testing.T) {
	s := committed.Named(t, "database", "orders-dev")
	for _, tc := range []struct {
		name  string
		cidrs []any
		want  string
	}{
		{"everywhere", []any{"10.20.0.0/20", "0.0.0.0/0"}, `"0.0.0.0/0"`},
		{"a public range", []any{"8.8.8.0/24"}, `"8.8.8.0/24"`},
		{"outside the VPC", []any{"10.99.0.0/20"}, `"10.99.0.0/20"`},
		{"wider than the VPC", []any{"10.0.0.0/8"}, `"10.0.0.0/8"`},
		{"host bits set", []any{"10.20.0.1/20"}, `"10.20.0.1/20"`},
		{"not a CIDR", []any{"app-subnet-a"}, `"app-subnet-a"`},
		{"none", []any{}, "is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outs := networkOutputs(t, s.Environment)
			outs["appSubnetCidrs"] = tc.cidrs
			m := newMocksWith(outs, s.Environment)
			err := runWith(m, s)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "guardrail least-privilege-ingress")
			assert.Contains(t, err.Error(), "appSubnetCidrs")
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, m.OfType(tIngress), "an ingress rule was declared")
		})
	}
}

// TestMissingNetworkOutputFailsClearly serves a network stack without one
// of the contract's outputs.
func TestMissingNetworkOutputFailsClearly(t *testing.T) {
	s := committed.Named(t, "database", "orders-dev")
	for _, drop := range []string{"databaseSubnetIds", "vpcId", "appSubnetCidrs"} {
		t.Run(drop, func(t *testing.T) {
			outs := networkOutputs(t, s.Environment)
			delete(outs, drop)
			m2 := newMocksWith(outs, s.Environment)
			err := runWith(m2, s)
			require.Error(t, err)
			assert.Contains(t, err.Error(), `"`+drop+`"`)
			assert.Contains(t, err.Error(), "organization/network/dev")
			assert.Empty(t, declared(m2), "nothing may be declared without the network")
		})
	}
	t.Run("wrong type", func(t *testing.T) {
		outs := networkOutputs(t, s.Environment)
		outs["databaseSubnetIds"] = "subnet-1,subnet-2"
		m := newMocksWith(outs, s.Environment)
		err := runWith(m, s)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `output "databaseSubnetIds" must be a non-empty []string`)
	})
	t.Run("network of another environment", func(t *testing.T) {
		outs := networkOutputs(t, "staging")
		m := newMocksWith(outs, s.Environment)
		err := runWith(m, s)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "database:networkStack")
	})
}

// TestBadInputFailsBeforeAnythingIsDeclared takes the bad-input cases of
// the guardrails and shows each one stopping the run with the rule or key
// named, before any resource (even the stack reference) is registered.
func TestBadInputFailsBeforeAnythingIsDeclared(t *testing.T) {
	cases := []struct {
		stack string
		name  string
		set   map[string]string
		want  []string
	}{
		{"orders-prod", "multi-az off in prod", map[string]string{"database:multiAz": "false"}, []string{"guardrail multi-az", "database:multiAz"}},
		{"orders-staging", "multi-az off in staging", map[string]string{"database:multiAz": "false"}, []string{"guardrail multi-az"}},
		{"orders-prod", "prod backups below 14 days", map[string]string{"database:backupRetentionDays": "7"}, []string{"guardrail backups", "database:backupRetentionDays", "7"}},
		{"orders-dev", "backups above 35 days", map[string]string{"database:backupRetentionDays": "36"}, []string{"guardrail backups", "database:backupRetentionDays", "36", "7 to 35 days in dev"}},
		{"orders-dev", "backups below the floor", map[string]string{"database:backupRetentionDays": "3"}, []string{"guardrail backups", "3"}},
		{"orders-staging", "deletion protection off in staging", map[string]string{"database:deletionProtection": "false"}, []string{"guardrail deletion-protection", "database:deletionProtection"}},
		{"orders-prod", "skip final snapshot in prod", map[string]string{"database:skipFinalSnapshot": "true"}, []string{"guardrail final-snapshot", "database:skipFinalSnapshot"}},
		{"orders-dev", "admin user postgres", map[string]string{"database:masterUsername": "postgres"}, []string{"guardrail admin-user-not-default", "database:masterUsername", "postgres"}},
		{"orders-dev", "admin user admin", map[string]string{"database:masterUsername": "admin"}, []string{"guardrail admin-user-not-default", "database:masterUsername", "admin"}},
		{"orders-dev", "log_statement all", map[string]string{"database:logStatement": "all"}, []string{"guardrail safe-query-logging", "database:logStatement", "all"}},
		{"orders-dev", "monitoring off", map[string]string{"database:monitoringIntervalSeconds": "0"}, []string{"guardrail enhanced-monitoring", "database:monitoringIntervalSeconds", "0"}},
		{"orders-dev", "engine 13", map[string]string{"database:engineVersion": "13"}, []string{"guardrail supported-engine", "database:engineVersion", "13"}},
		{"orders-dev", "pinned minor", map[string]string{"database:engineVersion": "16.3"}, []string{"guardrail supported-engine", "database:engineVersion", "16.3", "major"}},
		{"orders-dev", "instance class without db.", map[string]string{"database:instanceClass": "r6g.large"}, []string{"database:instanceClass", "r6g.large"}},
		{"orders-dev", "ingress from everywhere", map[string]string{"database:allowedCidrs": `["0.0.0.0/0"]`}, []string{"guardrail least-privilege-ingress", "database:allowedCidrs", "0.0.0.0/0"}},
		{"orders-dev", "ingress from everywhere v6", map[string]string{"database:allowedCidrs": `["::/0"]`}, []string{"guardrail least-privilege-ingress", "database:allowedCidrs", "::/0"}},
		{"orders-dev", "old CA", map[string]string{"database:caCertIdentifier": "rds-ca-2019"}, []string{"guardrail current-ca", "database:caCertIdentifier", "rds-ca-2019"}},
		{"orders-dev", "no storage autoscaling", map[string]string{"database:maxAllocatedStorageGb": "20"}, []string{"guardrail storage-autoscaling", "database:maxAllocatedStorageGb", "20"}},
		{"orders-dev", "overlapping windows", map[string]string{"database:backupWindow": "04:00-05:00", "database:maintenanceWindow": "sun:04:30-sun:05:30"}, []string{"database:maintenanceWindow", "sun:04:30-sun:05:30"}},
		{"orders-dev", "performance insights too short", map[string]string{"database:performanceInsightsRetentionDays": "3"}, []string{"guardrail performance-insights", "database:performanceInsightsRetentionDays", "3"}},
		{"orders-dev", "unknown tier", map[string]string{"database:tier": "qa"}, []string{"database:tier", "qa"}},
		{"orders-dev", "log retention forever", map[string]string{"database:logRetentionDays": "0"}, []string{"database:logRetentionDays", "0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := committed.Named(t, "database", tc.stack)
			cfg := maps.Clone(s.Config)
			maps.Copy(cfg, tc.set)
			m := newMocksWith(networkOutputs(t, s.Environment), s.Environment)
			err := runWithConfig(m, s, cfg)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Empty(t, m.Resources(), "resources were registered despite bad input")
		})
	}
}

// TestDevMayRelax shows what a dev-tier stack may turn off, explicitly.
func TestDevMayRelax(t *testing.T) {
	s := committed.Named(t, "database", "orders-dev")
	cfg := maps.Clone(s.Config)
	cfg["database:multiAz"] = "false"
	cfg["database:deletionProtection"] = "false"
	cfg["database:skipFinalSnapshot"] = "true"
	r := runDatabase(t, s, cfg)
	require.NoError(t, r.err)
	inst := r.one(t, tInstance)
	assert.Equal(t, false, inst.Input("multiAz"))
	assert.Equal(t, false, inst.Input("deletionProtection"))
	assert.Equal(t, true, inst.Input("skipFinalSnapshot"))
	assert.Nil(t, inst.Input("finalSnapshotIdentifier"))
}

// orders-dev states no database:multiAz: Multi-AZ is the default in every
// tier, and off only when a dev stack says so (as payments-dev does).
func TestMultiAZIsTheDefaultEvenInDev(t *testing.T) {
	s := committed.Named(t, "database", "orders-dev")
	_, set := s.Config["database:multiAz"]
	require.False(t, set, "orders-dev must leave multiAz unset for this test")
	r := runDatabase(t, s, s.Config)
	require.NoError(t, r.err)
	assert.Equal(t, true, r.one(t, tInstance).Input("multiAz"))

	p := committed.Named(t, "database", "payments-dev")
	require.Equal(t, "false", p.Config["database:multiAz"])
	r = runDatabase(t, p, p.Config)
	require.NoError(t, r.err)
	assert.Equal(t, false, r.one(t, tInstance).Input("multiAz"))
}

// database:networkStack picks the network to read: a bare stack name is
// completed with the organization and the network project, a project/stack
// with the organization, and a full name is taken as it is.
func TestNetworkStackOverride(t *testing.T) {
	s := committed.Named(t, "database", "orders-dev")
	outs := networkOutputs(t, s.Environment)
	for _, tc := range []struct{ value, reads string }{
		{"dev2", dbstack.LocalOrganization + "/network/dev2"},
		{"network/dev2", dbstack.LocalOrganization + "/network/dev2"},
		{"platform/shared-net", dbstack.LocalOrganization + "/platform/shared-net"},
		{"acme/network/dev2", "acme/network/dev2"},
	} {
		t.Run(tc.value, func(t *testing.T) {
			cfg := maps.Clone(s.Config)
			cfg["database:networkStack"] = tc.value
			m := pulumimocks.New()
			m.StackOutputs[tc.reads] = outs
			require.NoError(t, runWithConfig(m, s, cfg), "reading %s", tc.reads)
			var names []string
			for _, r := range m.OfType("pulumi:pulumi:StackReference") {
				names = append(names, r.Name)
			}
			assert.Equal(t, []string{tc.reads}, names)
		})
	}
	// A network of another environment is refused, naming the key.
	cfg := maps.Clone(s.Config)
	cfg["database:networkStack"] = "prod"
	m := pulumimocks.New()
	m.StackOutputs[dbstack.LocalOrganization+"/network/prod"] = networkOutputs(t, "prod")
	err := runWithConfig(m, s, cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "database:networkStack")
	assert.Contains(t, err.Error(), "a network stack of environment dev (this one is prod)")

	// A recovery network, or a network of another region, is refused by
	// the role its outputs state, naming the key.
	for _, tc := range []struct {
		name, key, value, want string
	}{
		{"a recovery network", "recoveryOf", "dev", `is the recovery network of environment "dev" (output recoveryOf), not a primary network`},
		{"a network of another region", "region", "us-east-1", `is in region "us-east-1" (output region), but this stack deploys to "eu-west-1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := maps.Clone(s.Config)
			cfg["database:networkStack"] = "dev-dr"
			other := maps.Clone(outs)
			other[tc.key] = tc.value
			m := pulumimocks.New()
			m.StackOutputs[dbstack.LocalOrganization+"/network/dev-dr"] = other
			err := runWithConfig(m, s, cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "database:networkStack")
			assert.Contains(t, err.Error(), "a primary network stack in this stack's region eu-west-1")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
