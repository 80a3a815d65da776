package committed

import (
	"testing"

	"github.com/pgplatform/platform/shared/stacks"
)

// Stacks is every committed stack file of the repository the test runs in.
func Stacks(t testing.TB) []stacks.Stack {
	t.Helper()
	root, err := stacks.FindRoot(".")
	if err != nil {
		t.Fatalf("find the repository: %v", err)
	}
	all, err := stacks.Discover(root)
	if err != nil {
		t.Fatalf("discover the committed stacks: %v", err)
	}
	if len(all) == 0 {
		t.Fatalf("no committed stacks under %s", root)
	}
	return all
}

// Of is the committed stacks of project; it fails the test when there are
// none.
func Of(t testing.TB, project string) []stacks.Stack {
	t.Helper()
	var out []stacks.Stack
	for _, s := range Stacks(t) {
		if s.Project == project {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no committed stacks of project %s", project)
	}
	return out
}

// Named is the committed stack project/name.
func Named(t testing.TB, project, name string) stacks.Stack {
	t.Helper()
	s, err := stacks.Find(Stacks(t), project, name)
	if err != nil {
		t.Fatalf("committed stack %s/%s: %v", project, name, err)
	}
	return s
}
