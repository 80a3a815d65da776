package stackout

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
)

// Select picks the database stacks of an environment that the operational
// tools act on: all of them, or those named (which must belong to env).
func Select(all []stacks.Stack, env string, names []string) ([]stacks.Stack, error) {
	envs := stacks.Environments(all)
	if !slices.Contains(envs, env) {
		return nil, fmt.Errorf("--env %q is not an environment of this repository: want one of %s", env, strings.Join(envs, ", "))
	}
	dbs := stacks.Filter(all, contract.DatabaseProject, env)
	var known []string
	for _, s := range dbs {
		known = append(known, s.Name)
	}
	if len(names) == 0 {
		if len(dbs) == 0 {
			return nil, fmt.Errorf("environment %s has no database stacks under %s/%s", env, stacks.Dir, contract.DatabaseProject)
		}
		return dbs, nil
	}
	var out []stacks.Stack
	for _, n := range names {
		i := slices.IndexFunc(dbs, func(s stacks.Stack) bool { return s.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("--stack %q is not a database stack of environment %s: want one of %s", n, env, strings.Join(known, ", "))
		}
		if !slices.ContainsFunc(out, func(s stacks.Stack) bool { return s.Name == n }) {
			out = append(out, dbs[i])
		}
	}
	return out, nil
}

// Layered reads a stack's outputs from Files when a file was given for
// it, else from Fallback (nil: no other source).
type Layered struct {
	Files    Files
	Fallback Source
}

// Outputs reads the stack's outputs.
func (l Layered) Outputs(ctx context.Context, project, stack string) (map[string]any, error) {
	if _, ok := l.Files[Key(project, stack)]; ok || l.Fallback == nil {
		return l.Files.Outputs(ctx, project, stack)
	}
	return l.Fallback.Outputs(ctx, project, stack)
}
