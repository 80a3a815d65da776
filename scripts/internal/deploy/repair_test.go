package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	pendingInstanceURN = "urn:pulumi:orders-dev::database::pgplatform:database:MultiAZPostgres$aws:rds/instance:Instance::orders-dev-db"
	pendingKeyURN      = "urn:pulumi:orders-dev::database::pgplatform:database:MultiAZPostgres$aws:kms/key:Key::orders-dev-key"
	pendingGroupURN    = "urn:pulumi:orders-dev::database::pgplatform:database:MultiAZPostgres$aws:rds/subnetGroup:SubnetGroup::orders-dev-subnets"
	// The stack's default aws provider, as the engine names it, and the
	// explicit provider database/postgres/dr.go declares for the recovery
	// region; each as a reference, <URN>::<ID>.
	defaultProviderURN = "urn:pulumi:orders-dev::database::pulumi:providers:aws::default_6_83_4"
	defaultProviderRef = defaultProviderURN + "::0b6d1f5e-6a55-4c8c-9d5e-0d2f2b0b8a11"
	drProviderURN      = "urn:pulumi:orders-dev::database::pgplatform:database:MultiAZPostgres$pulumi:providers:aws::orders-dev-dr"
	drProviderRef      = drProviderURN + "::7c1e0b52-2f3a-4b7e-8a09-1f6d3c2e4d55"
	drGroupURN         = "urn:pulumi:orders-dev::database::pgplatform:database:MultiAZPostgres$aws:rds/subnetGroup:SubnetGroup::orders-dev-dr-subnets"
)

// underDefault is what the state records of the default provider of a
// stack in eu-west-1.
var underDefault = ProviderRegion{Found: true, Region: "eu-west-1"}

// fakeFinder answers lookups from a table by URN; a URN not in it is
// ErrNoLookup.
type fakeFinder struct {
	found map[string]Finding
	err   map[string]error
	asked []string
}

func (f *fakeFinder) Find(_ context.Context, region string, op PendingOp) (Finding, error) {
	f.asked = append(f.asked, region+" "+op.URN)
	if err := f.err[op.URN]; err != nil {
		return Finding{}, err
	}
	if fd, ok := f.found[op.URN]; ok {
		return fd, nil
	}
	return Finding{}, ErrNoLookup
}

var target = RepairTarget{Env: "dev", Project: "database", Stack: "orders-dev", Region: "eu-west-1"}

func TestDecideAdoptsAFoundCreateAndClearsAMissingOne(t *testing.T) {
	f := &fakeFinder{found: map[string]Finding{
		pendingInstanceURN: {Found: true, ID: "db-ABC", Evidence: "DescribeDBInstances: found"},
		pendingGroupURN:    {Evidence: "DBSubnetGroupNotFoundFault"},
	}}
	ops := []PendingOp{
		{Kind: PendingCreating, URN: pendingInstanceURN, Type: rdsInstanceType, Inputs: map[string]any{"identifier": "orders-dev-1234abcd"},
			Provider: defaultProviderRef, ProviderRegion: underDefault},
		{Kind: PendingCreating, URN: pendingGroupURN, Type: rdsSubnetGroupType, Inputs: map[string]any{"name": "orders-dev-subnets"},
			Provider: defaultProviderRef, ProviderRegion: underDefault},
	}
	got := Decide(context.Background(), f, target, ops, Overrides{})
	require.Len(t, got, 2)
	assert.Equal(t, Adopt, got[0].Action)
	assert.Equal(t, "db-ABC", got[0].ID)
	assert.Contains(t, got[0].String(), "adopted as db-ABC")
	assert.Equal(t, Clear, got[1].Action)
	assert.Equal(t, []string{"eu-west-1 " + pendingInstanceURN, "eu-west-1 " + pendingGroupURN}, f.asked, "each create is looked up in the stack's region")
}

func TestDecideRefreshesPendingUpdatesAndDeletesWithoutALookup(t *testing.T) {
	f := &fakeFinder{}
	got := Decide(context.Background(), f, target, []PendingOp{
		{Kind: PendingUpdating, URN: pendingInstanceURN, Type: rdsInstanceType, ID: "db-ABC"},
		{Kind: PendingDeleting, URN: pendingKeyURN, Type: "aws:kms/key:Key", ID: "k-1"},
	}, Overrides{})
	assert.Equal(t, RefreshOp, got[0].Action)
	assert.Equal(t, RefreshOp, got[1].Action)
	assert.Empty(t, f.asked)
}

func TestDecideStopsWithTheManualStepWhenItCannotBeCertain(t *testing.T) {
	f := &fakeFinder{err: map[string]error{pendingInstanceURN: errors.New("AccessDenied")}}
	ops := []PendingOp{
		// A type the finder cannot look up.
		{Kind: PendingCreating, URN: pendingKeyURN, Type: "aws:kms/key:Key", Inputs: map[string]any{"tags": map[string]any{"Stack": "orders-dev", "Name": "orders-dev-key"}},
			Provider: defaultProviderRef, ProviderRegion: underDefault},
		// A failed lookup.
		{Kind: PendingCreating, URN: pendingInstanceURN, Type: rdsInstanceType, Inputs: map[string]any{"identifier": "orders-dev-1234abcd"},
			Provider: defaultProviderRef, ProviderRegion: underDefault},
		// A kind the tool does not resolve.
		{Kind: PendingImporting, URN: pendingGroupURN, Type: rdsSubnetGroupType, ID: "orders-dev-subnets"},
	}
	got := Decide(context.Background(), f, target, ops, Overrides{})
	for _, d := range got {
		assert.Equal(t, Stop, d.Action, d.Op.URN)
		assert.NotEmpty(t, d.Manual, d.Op.URN)
	}
	assert.Contains(t, got[0].Manual, "deploy repair --env dev --stack orders-dev --adopt '"+pendingKeyURN+"=<its ID>'")
	assert.Contains(t, got[0].Manual, "--forget '"+pendingKeyURN+"'")
	assert.Contains(t, got[0].Manual, "tagged Stack=orders-dev, Name=orders-dev-key")
	assert.Contains(t, got[0].Manual, "region eu-west-1, that of its provider default_6_83_4")
	assert.Contains(t, got[0].Reason, "cannot look up a aws:kms/key:Key")
	assert.Contains(t, got[1].Reason, "AccessDenied")
	assert.Contains(t, got[1].Manual, "identifier orders-dev-1234abcd")

	err := &RepairError{Stack: "database/orders-dev", Decisions: got}
	assert.Contains(t, err.Error(), "3 pending operation(s)")
	assert.Contains(t, err.Error(), "nothing was changed")

	// Without any finder every create stops.
	none := Decide(context.Background(), nil, target, ops[:1], Overrides{})
	assert.Equal(t, Stop, none[0].Action)
}

func TestDecideFollowsAPersonsOverrides(t *testing.T) {
	f := &fakeFinder{}
	ops := []PendingOp{
		{Kind: PendingCreating, URN: pendingKeyURN, Type: "aws:kms/key:Key"},
		{Kind: PendingCreating, URN: pendingGroupURN, Type: rdsSubnetGroupType},
	}
	got := Decide(context.Background(), f, target, ops, Overrides{Adopt: map[string]string{pendingKeyURN: "k-9"}, Forget: map[string]bool{pendingGroupURN: true}})
	assert.Equal(t, Adopt, got[0].Action)
	assert.Equal(t, "k-9", got[0].ID)
	assert.Equal(t, Clear, got[1].Action)
	assert.Empty(t, f.asked, "an override is not looked up")
}

// exported is a deployment shaped like `pulumi stack export`'s.
func exported(t *testing.T, pending string) []byte {
	t.Helper()
	doc := `{"version": 3, "deployment": {"manifest": {"time": "2026-01-01T00:00:00Z", "magic": "m", "version": "v3.274.1"},
	  "secrets_providers": {"type": "passphrase", "state": {"salt": "x"}},
	  "resources": [
	    {"urn": "urn:pulumi:orders-dev::database::pulumi:pulumi:Stack::database-orders-dev", "custom": false, "type": "pulumi:pulumi:Stack"},
	    {"urn": "` + defaultProviderURN + `", "custom": true, "id": "` + defaultProviderRef[len(defaultProviderURN)+2:] + `", "type": "pulumi:providers:aws",
	     "inputs": {"region": "eu-west-1", "version": "6.83.4"}, "outputs": {"region": "eu-west-1", "version": "6.83.4"}},
	    {"urn": "` + pendingKeyURN + `", "custom": true, "id": "k-1", "type": "aws:kms/key:Key", "inputs": {"n": 12345678901234567890}, "outputs": {"arn": "arn:k-1"},
	     "provider": "` + defaultProviderRef + `"}
	  ],
	  "pending_operations": ` + pending + `}}`
	require.True(t, json.Valid([]byte(doc)), doc)
	return []byte(doc)
}

func TestPendingOpsAndApplyDecisions(t *testing.T) {
	raw := exported(t, `[
	  {"type": "creating", "resource": {"urn": "`+pendingInstanceURN+`", "custom": true, "type": "aws:rds/instance:Instance",
	     "inputs": {"identifier": "orders-dev-1234abcd", "__defaults": [], "port": 5432}, "parent": "x", "provider": "`+defaultProviderRef+`"}},
	  {"type": "creating", "resource": {"urn": "`+pendingGroupURN+`", "custom": true, "type": "aws:rds/subnetGroup:SubnetGroup", "inputs": {"name": "g"}}},
	  {"type": "updating", "resource": {"urn": "`+pendingKeyURN+`", "custom": true, "id": "k-1", "type": "aws:kms/key:Key"}}
	]`)
	ops, err := PendingOps(raw)
	require.NoError(t, err)
	require.Len(t, ops, 3)
	assert.Equal(t, PendingOp{Kind: PendingCreating, URN: pendingInstanceURN, Type: rdsInstanceType,
		Inputs:   map[string]any{"identifier": "orders-dev-1234abcd", "__defaults": []any{}, "port": float64(5432)},
		Provider: defaultProviderRef, ProviderRegion: underDefault}, ops[0])
	assert.Equal(t, ProviderRegion{}, ops[1].ProviderRegion, "a resource without a provider reference has no provider region")
	assert.Equal(t, "orders-dev-db", ops[0].Name())
	assert.Equal(t, "k-1", ops[2].ID)

	decisions := []Decision{
		{Op: ops[0], Action: Adopt, ID: "db-ABC"},
		{Op: ops[1], Action: Clear},
		{Op: ops[2], Action: RefreshOp},
	}
	edited, err := ApplyDecisions(raw, decisions)
	require.NoError(t, err)
	require.NoError(t, ValidateState(edited))
	left, err := PendingOps(edited)
	require.NoError(t, err)
	assert.Empty(t, left, "every pending operation is resolved")

	var doc struct {
		Version    int `json:"version"`
		Deployment struct {
			Resources []map[string]any `json:"resources"`
			Secrets   map[string]any   `json:"secrets_providers"`
		} `json:"deployment"`
	}
	require.NoError(t, json.Unmarshal(edited, &doc))
	assert.Equal(t, 3, doc.Version)
	assert.NotEmpty(t, doc.Deployment.Secrets, "the rest of the deployment is kept")
	require.Len(t, doc.Deployment.Resources, 4, "the adopted instance joins the stack, the provider and the key; the cleared group does not")
	adopted := doc.Deployment.Resources[3]
	assert.Equal(t, pendingInstanceURN, adopted["urn"])
	assert.Equal(t, "db-ABC", adopted["id"])
	assert.Equal(t, "x", adopted["parent"])
	assert.Equal(t, map[string]any{"identifier": "orders-dev-1234abcd", "port": float64(5432)}, adopted["outputs"], "inputs stand in for the outputs until the refresh")
	assert.Contains(t, string(edited), "12345678901234567890", "numbers are written back exactly")

	// A decision that stops is never applied.
	_, err = ApplyDecisions(raw, []Decision{{Op: ops[0], Action: Stop, Reason: "unsure"}})
	require.ErrorContains(t, err, "unsure")
	// An adoption of a URN that is not pending is an error.
	_, err = ApplyDecisions(raw, []Decision{{Op: PendingOp{Kind: PendingCreating, URN: "urn:pulumi:x::y::z::w"}, Action: Adopt, ID: "i"}})
	require.ErrorContains(t, err, "no pending create")
}

func TestPendingOpsOfAStateWithoutAny(t *testing.T) {
	ops, err := PendingOps(exported(t, `[]`))
	require.NoError(t, err)
	assert.Empty(t, ops)
	_, err = PendingOps([]byte(`{"version": 3, "deployment": {"pending_operations": [`))
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "read the exported state"))
}
