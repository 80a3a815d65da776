package dbstack_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pgplatform/platform/shared/testsupport/committed"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

const (
	drRegion        = "eu-central-1"
	providerType    = "pulumi:providers:aws"
	replicationType = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"
	subnetGroupType = "aws:rds/subnetGroup:SubnetGroup"
)

// withDR is the committed orders-prod stack with database:dr in place of
// its opt-out.
func withDR(t *testing.T) (stacks.Stack, map[string]string) {
	t.Helper()
	s, err := stacks.Find(committed.Stacks(t), contract.DatabaseProject, "orders-prod")
	require.NoError(t, err)
	cfg := maps.Clone(s.Config)
	delete(cfg, "database:drOptOut")
	cfg["database:dr"] = fmt.Sprintf(`{"region":%q,"mode":"backups","retentionDays":21}`, drRegion)
	return s, cfg
}

// strings of v, walked through maps and lists.
func stringsIn(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		*out = append(*out, x)
	case map[string]any:
		for _, e := range x {
			stringsIn(e, out)
		}
	case []any:
		for _, e := range x {
			stringsIn(e, out)
		}
	}
}

// TestDRResourcesUseTheDRProviderOnly: with database:dr, every resource in
// the recovery region is declared through the one explicit provider for
// that region, parented to the component, and no resource declared with
// the default provider names the recovery region; the replication copies
// the instance's backups under the DR key, with the spec's retention.
func TestDRResourcesUseTheDRProviderOnly(t *testing.T) {
	s, cfg := withDR(t)
	r := runDatabase(t, s, cfg)
	require.NoError(t, r.err)

	providers := r.mocks.OfType(providerType)
	require.Len(t, providers, 1, "want one explicit AWS provider, for the recovery region")
	prov := providers[0]
	assert.Equal(t, drRegion, prov.String("region"))
	assert.Equal(t, []any{pulumimocks.Account}, prov.Input("allowedAccountIds"), "the DR provider is held to the stack's account")
	assert.Contains(t, prov.Parent, "MultiAZPostgres", "the DR provider is parented to the component")

	var inDR []string
	for _, res := range declared(r.mocks) {
		switch {
		case res.Provider != "":
			assert.True(t, strings.HasSuffix(res.Provider, "::"+prov.ID), "%s %s uses provider %s, not the DR provider", res.Type, res.Name, res.Provider)
			assert.Equal(t, drRegion, res.Region, "%s %s", res.Type, res.Name)
			assert.Contains(t, res.Parent, "MultiAZPostgres", "%s %s is parented to the component", res.Type, res.Name)
			inDR = append(inDR, res.Type)
		case res.Type == providerType:
		default:
			assert.Equal(t, pulumimocks.Region, res.Region, "%s %s", res.Type, res.Name)
			var ss []string
			for k := range res.Inputs {
				stringsIn(res.Input(string(k)), &ss)
			}
			for _, v := range ss {
				assert.NotContains(t, v, drRegion, "%s %s, declared with the default provider, names the recovery region", res.Type, res.Name)
			}
		}
	}
	assert.ElementsMatch(t, []string{"aws:kms/key:Key", "aws:kms/alias:Alias", replicationType, subnetGroupType, tParams}, inDR)

	var drKey pulumimocks.Resource
	for _, k := range r.mocks.OfType("aws:kms/key:Key") {
		if k.Provider != "" {
			drKey = k
		}
	}
	require.NotEmpty(t, drKey.Name, "no key in the recovery region")
	drKeyArn := "arn:aws:kms:" + drRegion + ":" + pulumimocks.Account + ":" + drKey.ID
	inst := r.one(t, "aws:rds/instance:Instance")
	repl := r.one(t, replicationType)
	assert.Equal(t, drKeyArn, repl.String("kmsKeyId"), "the replication uses the DR key's ARN")
	assert.Equal(t, "arn:aws:rds:"+pulumimocks.Region+":"+pulumimocks.Account+":"+inst.ID, repl.String("sourceDbInstanceArn"))
	assert.EqualValues(t, 21, repl.Input("retentionPeriod"))
	// The DR outputs name the region, the key and the replicated backups.
	assert.Equal(t, drRegion, r.export(t, "drRegion"))
	assert.Equal(t, drKeyArn, r.export(t, "drKmsKeyArn"))
	assert.Equal(t, repl.ID, r.export(t, "drBackupsArn"), "drBackupsArn is the replication's automated-backups ARN, its ID")
	// The recovery network it read, and the DB subnet group over that
	// network's database subnets, which a restore there names.
	assert.Equal(t, "organization/network/"+s.Environment+"-dr", r.export(t, "drNetworkStack"))
	var drGroup pulumimocks.Resource
	for _, g := range r.mocks.OfType(subnetGroupType) {
		if g.Provider != "" {
			drGroup = g
		} else {
			assert.Equal(t, r.network["databaseSubnetIds"], g.Input("subnetIds"), "the primary's group is over the primary network")
		}
	}
	require.NotEmpty(t, drGroup.Name, "no DB subnet group in the recovery region")
	assert.Equal(t, []any{"subnet-dr-db-a", "subnet-dr-db-b", "subnet-dr-db-c"}, drGroup.Input("subnetIds"), "the DR group is over the recovery network's database subnets")
	assert.NotEmpty(t, r.export(t, "drSubnetGroupName"))
	assert.Equal(t, pulumimocks.AutoName(drGroup.Name), r.export(t, "drSubnetGroupName"), "the group's name, as the provider names it")
	// The DB parameter group a restore there names: the primary's family
	// and parameters (rds.force_ssl among them), declared in the recovery
	// region, its name exported.
	var primaryParams, drParams pulumimocks.Resource
	for _, g := range r.mocks.OfType(tParams) {
		if g.Provider != "" {
			drParams = g
		} else {
			primaryParams = g
		}
	}
	require.NotEmpty(t, drParams.Name, "no DB parameter group in the recovery region")
	require.NotEmpty(t, primaryParams.Name, "no primary DB parameter group")
	assert.NotEqual(t, primaryParams.Name, drParams.Name)
	assert.Equal(t, primaryParams.String("family"), drParams.String("family"), "the DR group is of the primary's family")
	assert.NotEmpty(t, drParams.Input("parameters"))
	assert.Equal(t, primaryParams.Input("parameters"), drParams.Input("parameters"), "the DR group carries the primary's parameters")
	assert.Contains(t, fmt.Sprint(drParams.Input("parameters")), "rds.force_ssl", "TLS required in the recovery region too")
	assert.NotEmpty(t, r.export(t, "drParameterGroupName"))
	assert.Equal(t, pulumimocks.AutoName(drParams.Name), r.export(t, "drParameterGroupName"), "the DR parameter group's name, as the provider names it")

	// The DR key's policy holds the key-policy rules and lets RDS use it
	// only in the recovery region.
	policy := drKey.String("policy")
	require.NoError(t, guardrails.CheckKeyPolicy(policy, guardrails.PolicyScope{Account: pulumimocks.Account}))
	var doc struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(policy), &doc))
	var vias []string
	for _, st := range doc.Statement {
		cond, _ := st["Condition"].(map[string]any)
		eq, _ := cond["StringEquals"].(map[string]any)
		if v, ok := eq["kms:ViaService"].(string); ok {
			vias = append(vias, v)
		}
	}
	assert.ElementsMatch(t, []string{"rds." + drRegion + ".amazonaws.com", "rds." + drRegion + ".amazonaws.com"}, vias)
	assert.Equal(t, true, drKey.Input("enableKeyRotation"))
	alias := r.mocks.OfType("aws:kms/alias:Alias")
	var drAlias []pulumimocks.Resource
	for _, a := range alias {
		if a.Provider != "" {
			drAlias = append(drAlias, a)
		}
	}
	require.Len(t, drAlias, 1)
	assert.Equal(t, drKey.Name, strings.TrimSuffix(drAlias[0].Name, "-alias"))
}

// TestDROptOutDeclaresNothingInAnotherRegion: the committed prod stack,
// which opts out, has no explicit provider and no replication.
func TestDROptOutDeclaresNothingInAnotherRegion(t *testing.T) {
	s, err := stacks.Find(committed.Stacks(t), contract.DatabaseProject, "orders-prod")
	require.NoError(t, err)
	require.NotEmpty(t, s.Config["database:drOptOut"], "the committed prod stack states why it has no DR")
	r := runDatabase(t, s, s.Config)
	require.NoError(t, r.err)
	assert.Empty(t, r.mocks.OfType(providerType))
	assert.Empty(t, r.mocks.OfType(replicationType))
	for _, ref := range r.mocks.OfType("pulumi:pulumi:StackReference") {
		assert.NotEqual(t, "organization/network/prod-dr", ref.Name, "a stack without DR reads no recovery network")
	}
	assert.Equal(t, "", r.export(t, "drNetworkStack"))
	assert.Equal(t, "", r.export(t, "drSubnetGroupName"))
	assert.Equal(t, "", r.export(t, "drParameterGroupName"))
	for _, res := range declared(r.mocks) {
		assert.Empty(t, res.Provider, "%s %s", res.Type, res.Name)
	}
}

// TestDRRefusedBeforeAnythingIsDeclared: a cluster with DR, and DR by read
// replica, are refused by the program with the key and the AWS limitation,
// before any resource is registered.
func TestDRRefusedBeforeAnythingIsDeclared(t *testing.T) {
	for name, set := range map[string]map[string]string{
		"cluster": {"database:deployment": "cluster", "database:instanceClass": "db.m6gd.large", "database:maxAllocatedStorageGb": ""},
		"replica": {"database:dr": fmt.Sprintf(`{"region":%q,"mode":"replica"}`, drRegion)},
	} {
		t.Run(name, func(t *testing.T) {
			s, cfg := withDR(t)
			for k, v := range set {
				if v == "" {
					delete(cfg, k)
					continue
				}
				cfg[k] = v
			}
			m := pulumimocks.New()
			err := runWithConfig(m, s, cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "database:dr")
			assert.Contains(t, err.Error(), "guardrail disaster-recovery")
			assert.Empty(t, declared(m))
		})
	}
}
