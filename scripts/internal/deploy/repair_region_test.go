package deploy

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// defaultsAppProviderURN is the explicit DR provider of an app named
// "defaults": a name that starts as a default provider's does.
const defaultsAppProviderURN = "urn:pulumi:defaults-dev::database::pgplatform:database:MultiAZPostgres$pulumi:providers:aws::defaults-dev-dr"

// drProviderJSON is the explicit aws provider of the recovery region as a
// resource of the state, with the given inputs (JSON).
func drProviderJSON(inputs string) string {
	return `{"urn": "` + drProviderURN + `", "custom": true, "id": "` + drProviderRef[len(drProviderURN)+2:] + `",
	  "type": "pulumi:providers:aws", "parent": "x", "inputs": ` + inputs + `}`
}

// stateWithPendingCreate is a state (as `pulumi stack export` writes it)
// with the stack's default provider (eu-west-1), the extra resources
// given, and one pending create of a DB subnet group under the provider
// reference given.
func stateWithPendingCreate(t *testing.T, extra, provider string) []byte {
	t.Helper()
	ref := ""
	if provider != "" {
		ref = `, "provider": "` + provider + `"`
	}
	raw := exported(t, `[{"type": "creating", "resource": {"urn": "`+drGroupURN+`", "custom": true,
	  "type": "aws:rds/subnetGroup:SubnetGroup", "inputs": {"name": "orders-dev-dr-subnets"}`+ref+`}}]`)
	if extra == "" {
		return raw
	}
	// The extra resources go after the stack's first resource.
	const anchor = `"type": "pulumi:pulumi:Stack"},`
	s := string(raw)
	i := strings.Index(s, anchor)
	require.GreaterOrEqual(t, i, 0, s)
	i += len(anchor)
	return []byte(s[:i] + "\n" + extra + "," + s[i:])
}

// A pending create is looked up in the region of the provider that owns
// it, read from the state; the stack's aws:region (eu-west-1 in target)
// answers only for the default provider, and a region the state does not
// tell with certainty stops the run with the manual step.
func TestDecideLooksUpInTheRegionOfTheResourcesProvider(t *testing.T) {
	cases := []struct {
		name     string
		extra    string // resources added to the state
		provider string // the pending create's provider reference
		finding  *Finding
		stack    string // the stack's aws:region; target's if empty
		// want: the action; asked: the region the finder is asked in ("" = not asked)
		want   Action
		asked  string
		reason []string
		manual []string
	}{
		{name: "default provider: the stack's region", provider: defaultProviderRef,
			finding: &Finding{Evidence: "DBSubnetGroupNotFoundFault"}, want: Clear, asked: "eu-west-1",
			reason: []string{"looked up in region eu-west-1, that of its provider default_6_83_4"}},
		{name: "DR provider, absent there: cleared", extra: drProviderJSON(`{"region": "us-west-2", "version": "6.83.4"}`), provider: drProviderRef,
			finding: &Finding{Evidence: "DBSubnetGroupNotFoundFault"}, want: Clear, asked: "us-west-2",
			reason: []string{"looked up in region us-west-2, that of its provider orders-dev-dr"}},
		{name: "DR provider, found there: adopted", extra: drProviderJSON(`{"region": "us-west-2"}`), provider: drProviderRef,
			finding: &Finding{Found: true, ID: "orders-dev-dr-subnets", Evidence: "found"}, want: Adopt, asked: "us-west-2",
			reason: []string{"region us-west-2"}},
		{name: "DR provider, a type without a lookup: the manual step names the DR region", extra: drProviderJSON(`{"region": "us-west-2"}`), provider: drProviderRef,
			want: Stop, asked: "us-west-2", reason: []string{"cannot look up"},
			manual: []string{"check in AWS (region us-west-2, that of its provider orders-dev-dr"}},
		{name: "explicit provider whose name starts with default: its own region",
			extra:    `{"urn": "` + defaultsAppProviderURN + `", "custom": true, "id": "p1", "type": "pulumi:providers:aws", "parent": "x", "inputs": {"region": "us-west-2"}}`,
			provider: defaultsAppProviderURN + "::p1",
			finding:  &Finding{Evidence: "DBSubnetGroupNotFoundFault"}, want: Clear, asked: "us-west-2",
			reason: []string{"looked up in region us-west-2, that of its provider defaults-dev-dr"}},
		{name: "provider missing from the state", provider: drProviderRef, want: Stop,
			reason: []string{"region to look it up in is not certain", "holds no provider orders-dev-dr"},
			manual: []string{"which the state does not tell", "--forget '" + drGroupURN + "'"}},
		{name: "provider of another ID in the state", extra: drProviderJSON(`{"region": "us-west-2"}`), provider: drProviderURN + "::another-id", want: Stop,
			reason: []string{"holds no provider orders-dev-dr", "with ID another-id"}, manual: []string{"which the state does not tell"}},
		{name: "provider without a region", extra: drProviderJSON(`{"version": "6.83.4"}`), provider: drProviderRef, want: Stop,
			reason: []string{"provider orders-dev-dr", "records no region"}, manual: []string{"--adopt '" + drGroupURN + "=<its ID>'"}},
		{name: "provider whose region is a secret",
			extra:    drProviderJSON(`{"region": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}}`),
			provider: drProviderRef, want: Stop, reason: []string{"is a secret in the state"}},
		{name: "no provider reference", want: Stop, reason: []string{"the state records no provider for it"}},
		{name: "default provider of another region than the stack's", provider: defaultProviderRef, stack: "us-east-1", want: Stop,
			reason: []string{"records region eu-west-1 but the stack's aws:region is \"us-east-1\""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ops, err := PendingOps(stateWithPendingCreate(t, c.extra, c.provider))
			require.NoError(t, err)
			require.Len(t, ops, 1)
			f := &fakeFinder{found: map[string]Finding{}}
			if c.finding != nil {
				f.found[drGroupURN] = *c.finding
			}
			tg := target
			if c.stack != "" {
				tg.Region = c.stack
			}
			got := Decide(context.Background(), f, tg, ops, Overrides{})
			require.Len(t, got, 1)
			d := got[0]
			assert.Equal(t, c.want, d.Action, d.String())
			if c.asked == "" {
				assert.Empty(t, f.asked, "a region that is not certain is not looked up")
			} else {
				assert.Equal(t, []string{c.asked + " " + drGroupURN}, f.asked)
			}
			for _, s := range c.reason {
				assert.Contains(t, d.Reason, s)
			}
			for _, s := range c.manual {
				assert.Contains(t, d.Manual, s)
			}
			if c.want == Stop {
				assert.NotEmpty(t, d.Manual)
			}
			if c.want == Adopt {
				assert.Equal(t, c.finding.ID, d.ID)
			}
		})
	}
}

// A stop on an unknown region reaches the person as a RepairError before
// anything is written; a DR resource found in its own region is adopted.
func TestRepairOfADRResourceLooksInTheDRRegion(t *testing.T) {
	state := stateWithPendingCreate(t, drProviderJSON(`{"region": "us-west-2"}`), drProviderRef)
	eng := &stateEngine{fakeEngine: &fakeEngine{}, state: map[string][]byte{"database/orders-dev": state}}
	f := &fakeFinder{found: map[string]Finding{drGroupURN: {Found: true, ID: "orders-dev-dr-subnets", Evidence: "found"}}}
	out, err := guardedRun(t, eng, &Guard{Env: "dev", Finder: f, CheckpointRoot: t.TempDir()}, "repair", "--env", "dev", "--stack", "orders-dev")
	require.NoError(t, err, out)
	assert.Equal(t, []string{"us-west-2 " + drGroupURN}, f.asked, "looked up in the DR provider's region, not the stack's eu-west-1")
	assert.Contains(t, out, "adopt "+drGroupURN)
	assert.Contains(t, out, "region us-west-2, that of its provider orders-dev-dr")

	missing := stateWithPendingCreate(t, "", drProviderRef)
	eng = &stateEngine{fakeEngine: &fakeEngine{}, state: map[string][]byte{"database/orders-dev": missing}}
	f = &fakeFinder{found: map[string]Finding{drGroupURN: {Evidence: "DBSubnetGroupNotFoundFault"}}}
	out, err = guardedRun(t, eng, &Guard{Env: "dev", Finder: f, CheckpointRoot: t.TempDir()}, "repair", "--env", "dev", "--stack", "orders-dev")
	var re *RepairError
	require.ErrorAs(t, err, &re, out)
	assert.Contains(t, err.Error(), "holds no provider orders-dev-dr")
	assert.Empty(t, f.asked, "nothing is looked up in a region that is not certain")
	assert.Empty(t, eng.imported, "nothing is written")
}
