package dbspec_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/stacks"
)

// planned is the fixed time the tests' specs are resolved at.
var planned = time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC)

func catalog(t *testing.T) []stacks.Stack {
	t.Helper()
	root, err := stacks.FindRoot(".")
	require.NoError(t, err)
	all, err := stacks.Discover(root)
	require.NoError(t, err)
	return all
}

func databaseStacks(t *testing.T) []stacks.Stack {
	t.Helper()
	var out []stacks.Stack
	for _, s := range catalog(t) {
		if s.Project == "database" {
			out = append(out, s)
		}
	}
	require.NotEmpty(t, out)
	return out
}

func stackNamed(t *testing.T, name string) stacks.Stack {
	t.Helper()
	s, err := stacks.Find(catalog(t), "database", name)
	require.NoError(t, err)
	return s
}
