package report

import (
	"fmt"
	"strings"
)

// OverrideLabel is the pull-request label that lets destructive changes
// through; CI passes --allow-destructive when the PR carries it.
const OverrideLabel = "allow-destructive-change"

// Finding is a destructive change in one stack.
type Finding struct {
	Stack  string
	Change Change
}

// Verdict is the gate's decision over every stack of a report.
type Verdict struct {
	// Destructive lists the replaces and deletes of stateful resources.
	Destructive []Finding
	// Failed lists the stacks whose preview did not complete: what they
	// would change is unknown.
	Failed []string
	// Overridden is true when destructive changes were allowed.
	Overridden bool
	// NotApproved lists destructive changes the override does not cover:
	// with an approved list (Approve), those the pull request did not show.
	NotApproved []Finding
}

// Decide applies the gate: a failed preview always blocks; a destructive
// change blocks unless allowDestructive is set.
func Decide(stacks []StackReport, allowDestructive bool) Verdict {
	v := Verdict{Overridden: allowDestructive}
	for _, s := range stacks {
		if s.Failed {
			v.Failed = append(v.Failed, s.Name())
		}
		for _, c := range s.Destructive() {
			v.Destructive = append(v.Destructive, Finding{Stack: s.Name(), Change: c})
		}
	}
	return v
}

// Blocked reports whether the changes must not go through.
func (v Verdict) Blocked() bool {
	return len(v.Failed) > 0 || len(v.NotApproved) > 0 || (len(v.Destructive) > 0 && !v.Overridden)
}

// String explains the verdict in one paragraph, for a log.
func (v Verdict) String() string {
	var parts []string
	if len(v.Failed) > 0 {
		parts = append(parts, fmt.Sprintf("the preview of %s failed, so what it would change is unknown", strings.Join(v.Failed, ", ")))
	}
	if len(v.Destructive) > 0 {
		var list []string
		for _, f := range v.Destructive {
			list = append(list, fmt.Sprintf("%s: %s %s %s", f.Stack, f.Change.Op, f.Change.Type, f.Change.Name))
		}
		what := fmt.Sprintf("%s to stateful resources (%s)", plural(len(v.Destructive), "destructive change"), strings.Join(list, "; "))
		if v.Overridden {
			parts = append(parts, what+", allowed by override")
		} else {
			parts = append(parts, what+fmt.Sprintf(": after review, add the pull-request label %s (or pass --allow-destructive) to let %s through",
				OverrideLabel, them(len(v.Destructive), "it", "them")))
		}
	}
	if len(v.NotApproved) > 0 {
		var list []string
		for _, f := range v.NotApproved {
			list = append(list, f.Key())
		}
		parts = append(parts, fmt.Sprintf("%s that the pull request did not show, so its override does not cover %s: %s",
			plural(len(v.NotApproved), "destructive change"), them(len(v.NotApproved), "it", "them"), strings.Join(list, "; ")))
	}
	if len(parts) == 0 {
		return "no destructive changes"
	}
	verdict := "PASS"
	if v.Blocked() {
		verdict = "BLOCKED"
	}
	return verdict + ": " + strings.Join(parts, "; ")
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
