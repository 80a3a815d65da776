package fakeaws

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigureChecksAllowedAccountIds: like the real provider, Configure
// fails when allowedAccountIds is set and does not list the caller's
// account, and the failure names the account.
func TestConfigureChecksAllowedAccountIds(t *testing.T) {
	for _, tc := range []struct {
		name    string
		allowed any // nil: not set
		wantErr string
	}{
		{"not set", nil, ""},
		{"empty list pins nothing", []any{}, ""},
		{"lists the account", []any{"111122223333", Account}, ""},
		{"as the JSON string stack config produces", `["` + Account + `"]`, ""},
		{"another account", []any{"111122223333"}, "AWS account ID not allowed: " + Account},
		{"another account, as JSON", `["444455556666"]`, "AWS account ID not allowed: " + Account},
		{"not JSON", "111122223333,444455556666", "not a JSON list"},
		{"not a list", "111122223333", "not a list of account IDs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := New(t.TempDir())
			require.NoError(t, err)
			cfg := map[string]any{"region": "eu-west-1"}
			if tc.allowed != nil {
				cfg["allowedAccountIds"] = tc.allowed
			}
			_, err = p.Configure(bg, &pulumirpc.ConfigureRequest{Args: props(t, pm(cfg))})
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tc.wantErr)
			_, err = p.Create(bg, &pulumirpc.CreateRequest{Urn: urn("aws:ec2/vpc:Vpc", "v"), Type: "aws:ec2/vpc:Vpc", Properties: props(t, resource.PropertyMap{})})
			assert.ErrorContains(t, err, "before Configure", "a provider that refused its account stays unconfigured")
		})
	}
}
