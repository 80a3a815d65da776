package affected

import (
	"path"
	"strings"

	"github.com/pgplatform/platform/shared/stacks"
)

// Target is one stack to preview.
type Target struct {
	Project     string `json:"project"`
	Stack       string `json:"stack"`
	Environment string `json:"environment"`
	// Because is the first changed path that selected the stack.
	Because string `json:"because"`
}

// scope is what one changed path selects.
type scope struct {
	all     bool   // every stack
	project string // every stack of a project
	stack   string // one stack of project
}

// Stacks lists the stacks to preview for the changed paths (relative to
// the repository root), in catalog order: network stacks first.
func Stacks(changed []string, all []stacks.Stack) []Target {
	because := map[int]string{}
	for _, p := range changed {
		p = normalize(p)
		if p == "" {
			continue
		}
		sc, ok := classify(p)
		if !ok {
			continue
		}
		for i, s := range all {
			if _, done := because[i]; done {
				continue
			}
			if sc.all || (s.Project == sc.project && (sc.stack == "" || s.Name == sc.stack)) {
				because[i] = p
			}
		}
	}
	var out []Target
	for i, s := range all {
		if p, ok := because[i]; ok {
			out = append(out, Target{Project: s.Project, Stack: s.Name, Environment: s.Environment, Because: p})
		}
	}
	return out
}

func normalize(p string) string {
	p = strings.TrimSpace(strings.ReplaceAll(p, `\`, "/"))
	if p == "" {
		return ""
	}
	p = path.Clean(p)
	p = strings.TrimPrefix(p, "./")
	if p == "." {
		return ""
	}
	return p
}

// nothing lists top-level paths that never change what deploys.
var nothing = map[string]bool{
	".github": true, ".ci": true, "docs": true, "e2e": true,
	"Makefile": true, "LICENSE": true,
}

// everything lists top-level paths that change every program.
var everything = map[string]bool{
	"shared": true, "scripts": true, "tools": true, "go.work": true, "go.work.sum": true,
}

// classify says what a changed path selects; false means nothing.
func classify(p string) (scope, bool) {
	top, rest, _ := strings.Cut(p, "/")
	base := path.Base(p)
	switch {
	case strings.EqualFold(path.Ext(p), ".md"),
		strings.HasSuffix(base, "_test.go"),
		strings.Contains("/"+p+"/", "/testdata/"),
		nothing[top],
		rest == "" && strings.HasPrefix(top, "."):
		return scope{}, false
	case everything[top]:
		return scope{all: true}, true
	case top == "network" || top == "database":
		return scope{project: top}, true
	case top == stacks.Dir:
		project, file, nested := strings.Cut(rest, "/")
		if !nested || (project != "network" && project != "database") {
			return scope{all: true}, true
		}
		name, isStack := stackFile(file)
		if !isStack {
			return scope{project: project}, true
		}
		// A deleted stack file selects nothing: the stack is no longer
		// in the catalog, so no target matches it.
		return scope{project: project, stack: name}, true
	default:
		return scope{all: true}, true
	}
}

// stackFile returns the stack a Pulumi.<stack>.yaml file name configures.
func stackFile(file string) (string, bool) {
	if strings.Contains(file, "/") {
		return "", false
	}
	name, ok := strings.CutPrefix(file, "Pulumi.")
	if !ok {
		return "", false
	}
	for _, ext := range []string{".yaml", ".yml"} {
		if n, ok := strings.CutSuffix(name, ext); ok && n != "" {
			return n, true
		}
	}
	return "", false
}

// All lists every stack of the catalog as a target.
func All(all []stacks.Stack) []Target {
	out := make([]Target, 0, len(all))
	for _, s := range all {
		out = append(out, Target{Project: s.Project, Stack: s.Name, Environment: s.Environment, Because: "every stack"})
	}
	return out
}
