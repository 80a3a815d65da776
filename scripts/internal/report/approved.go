package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// approvedPrefix starts the hidden line a report carries when it has
// destructive changes: the commit it was made for and the key of each
// destructive change. A deploy reads it from the merged pull request's
// report comment, so the override a reviewer gave covers exactly the
// changes that pull request showed, and nothing a fresh preview adds.
const approvedPrefix = "<!-- pgplatform:destructive "

// Key names a destructive change the same way in every preview of it:
// the stack, the operation, the resource's type and name, and for a gated
// update the reasons it is gated.
func (f Finding) Key() string {
	k := strings.Join([]string{f.Stack, string(f.Change.Op), f.Change.Type, f.Change.Name}, " ")
	if len(f.Change.Lowers) > 0 {
		k += " (" + strings.Join(f.Change.Lowers, "; ") + ")"
	}
	return k
}

type approvedLine struct {
	Commit  string   `json:"commit"`
	Changes []string `json:"changes"`
}

// destructiveLine renders the hidden line, or "" when nothing is
// destructive.
func destructiveLine(v Verdict, commit string) string {
	if len(v.Destructive) == 0 {
		return ""
	}
	l := approvedLine{Commit: commit}
	for _, f := range v.Destructive {
		l.Changes = append(l.Changes, f.Key())
	}
	sort.Strings(l.Changes)
	b, err := json.Marshal(l)
	if err != nil {
		return ""
	}
	// json.Marshal escapes '<', '>' and '&' in strings (as \u003c, \u003e,
	// \u0026), so no resource name can end the HTML comment early.
	return approvedPrefix + string(b) + " -->\n"
}

// ParseApproved reads the destructive changes a report showed, and the
// commit it was made for, from the report's Markdown (a pull request's
// report comment). A report without destructive changes approves none.
func ParseApproved(md string) (commit string, keys map[string]bool, err error) {
	keys = map[string]bool{}
	if !strings.Contains(md, Marker) {
		return "", nil, fmt.Errorf("not a preview report: no %s marker", Marker)
	}
	i := strings.Index(md, approvedPrefix)
	if i < 0 {
		return "", keys, nil
	}
	rest := md[i+len(approvedPrefix):]
	end := strings.Index(rest, " -->")
	if end < 0 {
		return "", nil, fmt.Errorf("the report's list of destructive changes is cut off")
	}
	var l approvedLine
	if err := json.Unmarshal([]byte(rest[:end]), &l); err != nil {
		return "", nil, fmt.Errorf("the report's list of destructive changes: %w", err)
	}
	for _, k := range l.Changes {
		keys[k] = true
	}
	return l.Commit, keys, nil
}

// Approve lets through only the destructive changes whose keys are
// approved; any other destructive change is NotApproved and blocks, even
// with the override.
func (v Verdict) Approve(keys map[string]bool) Verdict {
	v.NotApproved = nil
	for _, f := range v.Destructive {
		if !keys[f.Key()] {
			v.NotApproved = append(v.NotApproved, f)
		}
	}
	return v
}
