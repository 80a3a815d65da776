package onboard

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/config"
)

// A file that fails its own validation never takes its name, and its
// temporary copy is removed: the generator's bug leaves nothing behind.
func TestWriteCheckedLeavesNothingWhenTheFileDoesNotValidate(t *testing.T) {
	dir := t.TempDir()
	final := filepath.Join(dir, "Pulumi.billing-dev.yaml")
	body := "config:\n  aws:region: eu-west-1\n  aws:allowedAccountIds: [\"123456789012\"]\n  database:environment: dev\n  database:tier: dev\n  database:app: billing\n  database:port: 80\n"
	err := writeChecked(final, []byte(body), Request{App: "billing", Env: "dev"})
	var ce *config.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "database:port", ce.Key)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "left behind")

	// The same file with a valid port is written, and only it.
	require.NoError(t, writeChecked(final, []byte(strings.Replace(body, "port: 80", "port: 5433", 1)), Request{}))
	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "Pulumi.billing-dev.yaml", entries[0].Name())

	// A file that appeared under the name meanwhile is not replaced.
	require.Error(t, writeChecked(final, []byte(body), Request{}))
}

// A key added to the table with a default but no line here stops the
// generator with an error naming it, rather than a file that leaves the key
// out.
func TestRenderRefusesAKeyItCannotWrite(t *testing.T) {
	d, err := config.LoadDatabase(config.MapSource("database", map[string]string{
		"aws:region": "eu-west-1", "database:environment": "dev", "database:tier": "dev", "database:app": "billing",
	}))
	require.NoError(t, err)
	_, err = Render(d, "environments/network/Pulumi.dev.yaml")
	require.NoError(t, err)

	orig := config.DatabaseKeyTable
	t.Cleanup(func() { config.DatabaseKeyTable = orig })
	for _, k := range []config.DatabaseKey{
		{Name: "proxyEnabled", Type: "boolean", Default: "`false`", Allowed: "`true` or `false`"},
		{Name: "owner", Type: "string", Default: "required", Allowed: "a team"},
	} {
		config.DatabaseKeyTable = append(slices.Clip(orig), k)
		_, err = Render(d, "environments/network/Pulumi.dev.yaml")
		require.Error(t, err, k.Name)
		assert.Contains(t, err.Error(), "database:"+k.Name)
	}
}

func TestScalarReadsBackAsTheString(t *testing.T) {
	for in, want := range map[string]string{
		"db.t4g.medium": "db.t4g.medium", "16": `"16"`, "02:00-03:00": `"02:00-03:00"`,
		"true": `"true"`, "no": `"no"`, "": `""`, "a b": `"a b"`, "x\ny": `"x\ny"`, "network/dev": "network/dev",
	} {
		assert.Equal(t, want, scalar(in), "scalar(%q)", in)
	}
}
