package affected

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/stacks"
)

// catalog is the repository's stacks as stacks.Discover lists them.
var catalog = []stacks.Stack{
	{Project: "network", Name: "dev", Environment: "dev"},
	{Project: "network", Name: "prod", Environment: "prod"},
	{Project: "network", Name: "staging", Environment: "staging"},
	{Project: "database", Name: "orders-dev", Environment: "dev"},
	{Project: "database", Name: "orders-prod", Environment: "prod"},
	{Project: "database", Name: "orders-staging", Environment: "staging"},
	{Project: "database", Name: "payments-dev", Environment: "dev"},
	{Project: "database", Name: "payments-prod", Environment: "prod"},
}

var (
	allNetwork  = []string{"network/dev", "network/prod", "network/staging"}
	allDatabase = []string{"database/orders-dev", "database/orders-prod", "database/orders-staging", "database/payments-dev", "database/payments-prod"}
	everyStack  = append(append([]string{}, allNetwork...), allDatabase...)
)

func names(targets []Target) []string {
	var out []string
	for _, t := range targets {
		out = append(out, t.Project+"/"+t.Stack)
	}
	return out
}

func TestStacks(t *testing.T) {
	tests := []struct {
		name    string
		changed []string
		want    []string
	}{
		// shared/ means everything; so do the tools that run every program.
		{"shared code", []string{"shared/contract/contract.go"}, everyStack},
		{"the stack catalog", []string{"shared/stacks/stacks.go"}, everyStack},
		{"the deploy tool", []string{"scripts/internal/deploy/run.go"}, everyStack},
		{"the pinned CLI", []string{"tools/pulumi/go.mod"}, everyStack},
		{"the workspace", []string{"go.work"}, everyStack},
		{"the workspace sums", []string{"go.work.sum"}, everyStack},

		// network/ means every network stack, database/ every database stack.
		{"network program", []string{"network/vpc/network.go"}, allNetwork},
		{"network module", []string{"network/go.mod"}, allNetwork},
		{"network project file", []string{"network/Pulumi.yaml"}, allNetwork},
		{"database program", []string{"database/postgres/instance.go"}, allDatabase},
		{"both programs", []string{"database/dbstack/dbstack.go", "network/main.go"}, everyStack},

		// An environment file means its own stack.
		{"a database stack's file", []string{"environments/database/Pulumi.orders-dev.yaml"}, []string{"database/orders-dev"}},
		{"a network stack's file", []string{"environments/network/Pulumi.prod.yaml"}, []string{"network/prod"}},
		{"two stack files", []string{"environments/database/Pulumi.payments-prod.yaml", "environments/network/Pulumi.staging.yaml"}, []string{"network/staging", "database/payments-prod"}},
		{"a deleted stack's file", []string{"environments/database/Pulumi.inventory-dev.yaml"}, nil},
		{"a stack file of another project's name", []string{"environments/network/Pulumi.orders-dev.yaml"}, nil},
		{"another file of a project's environments", []string{"environments/database/defaults.yaml"}, allDatabase},
		{"a file of no project under environments", []string{"environments/common.yaml"}, everyStack},

		// Docs only means nothing.
		{"the README", []string{"README.md"}, nil},
		{"a package README", []string{"network/README.md"}, nil},
		{"docs", []string{"docs/runbook.md", "docs/diagram.png"}, nil},
		{"upper-case extension", []string{"database/NOTES.MD"}, nil},

		// Neither do tests, CI definitions and repository housekeeping.
		{"a Go test", []string{"database/postgres/instance_test.go"}, nil},
		{"test data", []string{"scripts/internal/report/testdata/dev.events.ndjson"}, nil},
		{"a workflow", []string{".github/workflows/preview.yml"}, nil},
		{"the CI script", []string{".ci/run"}, nil},
		{"end-to-end tests", []string{"e2e/fakeaws/provider.go"}, nil},
		{"the Makefile", []string{"Makefile"}, nil},
		{"a root dotfile", []string{".gitignore"}, nil},

		// What the rules do not know previews everything.
		{"an unknown top-level folder", []string{"policies/rds.rego"}, everyStack},
		{"an unknown root file", []string{"Dockerfile"}, everyStack},

		// Mixed changes take the union; docs add nothing.
		{"docs and one stack", []string{"README.md", "environments/database/Pulumi.orders-staging.yaml"}, []string{"database/orders-staging"}},
		{"a stack file and its program", []string{"environments/database/Pulumi.orders-dev.yaml", "database/main.go"}, allDatabase},
		{"nothing changed", nil, nil},
		{"blank lines", []string{"", "  "}, nil},

		// Paths as tools print them.
		{"leading ./", []string{"./network/main.go"}, allNetwork},
		{"Windows separators", []string{`environments\network\Pulumi.dev.yaml`}, []string{"network/dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, names(Stacks(tt.changed, catalog)))
		})
	}
}

func TestTargetsSayWhyAndCarryTheEnvironment(t *testing.T) {
	got := Stacks([]string{"docs/x.md", "environments/database/Pulumi.orders-prod.yaml", "database/main.go"}, catalog)
	require.Len(t, got, 5)
	for _, target := range got {
		if target.Stack == "orders-prod" {
			assert.Equal(t, Target{Project: "database", Stack: "orders-prod", Environment: "prod", Because: "environments/database/Pulumi.orders-prod.yaml"}, target)
		} else {
			assert.Equal(t, "database/main.go", target.Because, target.Stack)
		}
	}
}

// The rules hold for the repository's own stack files.
func TestStacksOfTheRepositoryCatalog(t *testing.T) {
	root, err := stacks.FindRoot(".")
	require.NoError(t, err)
	all, err := stacks.Discover(root)
	require.NoError(t, err)
	require.NotEmpty(t, all)
	for _, s := range all {
		rel, err := filepath.Rel(root, s.File)
		require.NoError(t, err)
		got := Stacks([]string{filepath.ToSlash(rel)}, all)
		require.Len(t, got, 1, rel)
		assert.Equal(t, s.Project, got[0].Project)
		assert.Equal(t, s.Name, got[0].Stack)
		assert.Equal(t, s.Environment, got[0].Environment)
	}
	assert.Len(t, Stacks([]string{"shared/go.mod"}, all), len(all))
}
