package affectedcmd

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/scripts/internal/testsupport/fixture"
)

// repo writes a minimal repository: go.work and three stack files.
func repo(t *testing.T) string {
	t.Helper()
	return fixture.Tree(t, map[string]string{
		"go.work":                                       "go 1.26.6\n",
		"environments/network/Pulumi.dev.yaml":          "config:\n  network:environment: dev\n  network:tier: dev\n",
		"environments/database/Pulumi.orders-dev.yaml":  "config:\n  database:environment: dev\n  database:tier: dev\n",
		"environments/database/Pulumi.orders-prod.yaml": "config:\n  database:environment: prod\n  database:tier: prod\n",
	})
}

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestMatrixFromArguments(t *testing.T) {
	root := repo(t)
	code, stdout, stderr := runCLI(t, "", "--root", root, "database/main.go", "README.md")
	require.Equal(t, 0, code, stderr)
	var m struct {
		Include []map[string]string `json:"include"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &m))
	assert.Equal(t, []map[string]string{
		{"project": "database", "stack": "orders-dev", "environment": "dev", "because": "database/main.go"},
		{"project": "database", "stack": "orders-prod", "environment": "prod", "because": "database/main.go"},
	}, m.Include)
	assert.Contains(t, stderr, "2 changed paths select 2 of 3 stacks")
}

func TestPathsFromStdin(t *testing.T) {
	root := repo(t)
	code, stdout, _ := runCLI(t, "environments/network/Pulumi.dev.yaml\r\n\ndocs/a.md\n", "--root", root, "--format", "text")
	require.Equal(t, 0, code)
	assert.Equal(t, "network/dev\tenvironments/network/Pulumi.dev.yaml\n", stdout)
}

func TestNothingAffectedIsAnEmptyMatrix(t *testing.T) {
	root := repo(t)
	code, stdout, _ := runCLI(t, "", "--root", root, "README.md")
	require.Equal(t, 0, code)
	assert.Equal(t, `{"include":[]}`+"\n", stdout)

	code, stdout, _ = runCLI(t, "", "--root", root, "--format", "json", ".github/workflows/ci.yml")
	require.Equal(t, 0, code)
	assert.Equal(t, "[]\n", stdout)
}

func TestBadUse(t *testing.T) {
	root := repo(t)
	code, _, stderr := runCLI(t, "", "--root", root, "--format", "yaml", "x")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--format "yaml": want matrix, json or text`)

	code, _, stderr = runCLI(t, "", "--root", t.TempDir(), "network/main.go")
	assert.Equal(t, 0, code, "a root without stack files has nothing to preview")
	assert.Contains(t, stderr, "select 0 of 0 stacks")
}

func TestAllListsEveryStack(t *testing.T) {
	root := repo(t)
	code, stdout, stderr := runCLI(t, "", "--root", root, "--all", "--format", "text")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "network/dev\tevery stack\ndatabase/orders-dev\tevery stack\ndatabase/orders-prod\tevery stack\n", stdout)

	code, _, stderr = runCLI(t, "", "--root", root, "--all", "README.md")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--all lists every stack")
}
