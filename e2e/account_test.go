//go:build e2e

package e2e

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/contract"
)

// TestWrongAccountIsRefusedByTheProvider: dev's stack files pin an account
// that the credentials do not belong to. The AWS provider refuses to
// configure itself, so the preview stops before the double answers a single
// read or sees a resource, and says which account was refused.
func TestWrongAccountIsRefusedByTheProvider(t *testing.T) {
	w := newWorld(t)
	sb := w.sandbox()
	pin, other := `- "`+fakeaws.Account+`"`, `- "111122223333"`
	sb.editEnv(contract.NetworkProject, "dev", pin, other)
	sb.editEnv(contract.DatabaseProject, "orders-dev", pin, other)
	sb.editEnv(contract.DatabaseProject, "payments-dev", pin, other)

	r := sb.deploy("preview", "--env", "dev")
	assert.NotZero(t, r.code, "preview with another account pinned\n%s", r)
	assert.Contains(t, r.stdout+r.stderr, "AWS account ID not allowed: "+fakeaws.Account, "the refusal names the credentials' account")

	// Set-up calls are fine; none that reads or touches a resource may
	// succeed.
	setup := []string{"GetPluginInfo", "Handshake", "GetSchema", "CheckConfig", "DiffConfig", "Configure", "Attach", "Cancel"}
	configured, configures := false, 0
	for _, c := range w.calls() {
		if c.Method == "Configure" {
			configures++
			assert.Contains(t, c.Error, "AWS account ID not allowed", "Configure was refused")
			configured = configured || c.Error == ""
			continue
		}
		if !slices.Contains(setup, c.Method) && c.Error == "" {
			t.Errorf("the double answered %s %s %s although the provider refused its account", c.Method, c.Type, c.URN)
		}
	}
	assert.NotZero(t, configures, "the engine configured the provider")
	assert.False(t, configured, "no provider was configured")
}
