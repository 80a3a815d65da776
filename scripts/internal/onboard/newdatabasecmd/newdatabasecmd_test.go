package newdatabasecmd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/scripts/internal/testsupport/fixture"
)

// repo is a minimal repository: go.work and the dev network stack file.
func repo(t *testing.T) string {
	t.Helper()
	root := fixture.Tree(t, map[string]string{
		"go.work": "go 1.26.6\n",
		"environments/network/Pulumi.dev.yaml": `config:
  aws:region: eu-west-1
  aws:allowedAccountIds: ["123456789012"]
  network:environment: dev
  network:tier: dev
  network:vpcCidr: 10.20.0.0/16
  network:azCount: 3
`,
	})
	require.NoError(t, os.MkdirAll(filepath.Join(root, "environments", "database"), 0o755))
	return root
}

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestWritesTheStackAndExitsZero(t *testing.T) {
	root := repo(t)
	code, stdout, stderr := runCLI("--root", root, "--app", "billing", "--env", "dev")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "wrote environments/database/Pulumi.billing-dev.yaml (dev tier)")
	assert.FileExists(t, filepath.Join(root, "environments", "database", "Pulumi.billing-dev.yaml"))

	// Again: the stack exists, refused with exit 1 and the key named.
	code, _, stderr = runCLI("--root", root, "--app", "billing", "--env", "dev")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `new-database: config database:app = "billing" is not allowed`)
}

func TestRefusalExitsOneAndWritesNothing(t *testing.T) {
	root := repo(t)
	code, stdout, stderr := runCLI("--root", root, "--app", "Billing", "--env", "dev")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `config database:app = "Billing" is not allowed`)
	entries, err := os.ReadDir(filepath.Join(root, "environments", "database"))
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestBadUsageExitsTwo(t *testing.T) {
	root := repo(t)
	code, _, stderr := runCLI("--root", root, "--app", "billing", "--env", "dev", "extra")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unexpected argument "extra"`)
	code, _, _ = runCLI("--nope")
	assert.Equal(t, 2, code)
	code, _, stderr = runCLI("-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "Usage: new-database")
}
