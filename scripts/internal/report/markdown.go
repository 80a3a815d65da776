package report

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// Marker is the hidden HTML comment that starts every report, so a
// workflow can find the comment it posted before and edit it in place.
const Marker = "<!-- pgplatform:preview-report -->"

// DefaultMaxLen keeps a report under GitHub's limit of 65,536 characters
// for a comment or issue body, with room to spare.
const DefaultMaxLen = 60000

// Options shape the Markdown.
type Options struct {
	// Title is the heading; empty means "Pulumi preview" (or "Drift
	// check" with ExpectNoChanges).
	Title string
	// Marker starts the report; empty means Marker.
	Marker string
	// Commit and RunURL, when set, are shown in the footer.
	Commit string
	RunURL string
	// ExpectNoChanges words the report as a drift check: any change is
	// drift.
	ExpectNoChanges bool
	// MaxLen caps the report's length in characters; 0 means
	// DefaultMaxLen. A report that would be longer drops property values,
	// then the per-stack details, and says so.
	MaxLen int
}

type detail int

const (
	withValuesDetail detail = iota
	withoutValuesDetail
	summaryOnlyDetail
)

// Sort orders stacks as they deploy: network stacks first, then database
// stacks, then any other project; by stack name within a project.
func Sort(stacks []StackReport) {
	rank := func(p string) int {
		switch p {
		case "network":
			return 0
		case "database":
			return 1
		}
		return 2
	}
	sort.SliceStable(stacks, func(i, j int) bool {
		a, b := stacks[i], stacks[j]
		if rank(a.Project) != rank(b.Project) {
			return rank(a.Project) < rank(b.Project)
		}
		if a.Project != b.Project {
			return a.Project < b.Project
		}
		return a.Stack < b.Stack
	})
}

// Render writes the report: a verdict, a summary table with one row per
// stack, the destructive changes, and a collapsible section per stack with
// every changed resource and the properties it changes.
func Render(stacks []StackReport, v Verdict, o Options) string {
	maxLen := o.MaxLen
	if maxLen <= 0 {
		maxLen = DefaultMaxLen
	}
	var out string
	for _, d := range []detail{withValuesDetail, withoutValuesDetail, summaryOnlyDetail} {
		out = render(stacks, v, o, d)
		if utf8.RuneCountInString(out) <= maxLen {
			return out
		}
	}
	// Even the summary is too long: cut it, keeping the marker.
	r := []rune(out)
	note := "\n\n_The report is cut here: it is too long for a comment. The workflow run's artifacts hold the full previews._\n"
	return string(r[:maxLen-utf8.RuneCountInString(note)]) + note
}

func render(stacks []StackReport, v Verdict, o Options, d detail) string {
	var b strings.Builder
	marker := o.Marker
	if marker == "" {
		marker = Marker
	}
	title := o.Title
	if title == "" {
		title = "Pulumi preview"
		if o.ExpectNoChanges {
			title = "Drift check"
		}
	}
	fmt.Fprintf(&b, "%s\n%s## %s\n\n", marker, destructiveLine(v, o.Commit), title)
	b.WriteString(verdictLine(stacks, v, o))
	b.WriteString("\n\n")

	if len(stacks) == 0 {
		b.WriteString("No stack is affected by this change.\n")
		footer(&b, stacks, o)
		return b.String()
	}

	b.WriteString("| Stack | Create | Update | Replace | Delete | Stateful at risk |\n")
	b.WriteString("|:--|--:|--:|--:|--:|:--|\n")
	for _, s := range stacks {
		if s.Failed {
			fmt.Fprintf(&b, "| %s | – | – | – | – | ❌ preview failed |\n", code(s.Name()))
			continue
		}
		risk := ""
		if n := len(s.Destructive()); n > 0 {
			risk = fmt.Sprintf("⛔ %d", n)
			if v.Overridden {
				risk = fmt.Sprintf("⚠️ %d (allowed)", n)
			}
		}
		c := s.Counts
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %s |\n", code(s.Name()), c.Create, c.Update, c.Replace, c.Delete, risk)
	}

	if len(v.Destructive) > 0 {
		heading := "Replaces and deletes of stateful resources"
		for _, f := range v.Destructive {
			if len(f.Change.Lowers) > 0 {
				heading += ", and updates that cannot be undone or lower a protection"
				break
			}
		}
		fmt.Fprintf(&b, "\n**%s**\n\n", heading)
		for _, f := range v.Destructive {
			c := f.Change
			icon := "⛔"
			if v.Overridden && !notApproved(v, f) {
				icon = "⚠️"
			}
			fmt.Fprintf(&b, "- %s %s: **%s** %s (%s)", icon, code(f.Stack), c.Op, code(c.Name), code(c.Type))
			if forced := forcedBy(c); len(forced) > 0 {
				fmt.Fprintf(&b, ", forced by %s", strings.Join(forced, ", "))
			}
			fmt.Fprintf(&b, ". %s.", capitalize(c.Reason()))
			if c.RetainOnDelete {
				b.WriteString(" The resource has retainOnDelete: AWS keeps it, but the stack stops managing it.")
			}
			if c.Protected {
				b.WriteString(" The resource is protected: the update will fail until protection is lifted.")
			}
			b.WriteString("\n")
		}
	}

	if d == summaryOnlyDetail {
		b.WriteString("\n_Per-stack details are left out: they are too long for a comment. The workflow run's artifacts hold the full previews._\n")
		footer(&b, stacks, o)
		return b.String()
	}
	for _, s := range stacks {
		stackDetails(&b, s, d)
	}
	if d == withoutValuesDetail {
		b.WriteString("\n_Property values are left out: with them the report is too long for a comment. The workflow run's artifacts hold the full previews._\n")
	}
	footer(&b, stacks, o)
	return b.String()
}

func verdictLine(stacks []StackReport, v Verdict, o Options) string {
	if len(stacks) == 0 {
		return "✅ **Nothing to preview.**"
	}
	var lines []string
	if len(v.Failed) > 0 {
		lines = append(lines, fmt.Sprintf("❌ **Preview failed** for %s: what it would change is unknown. See the errors below.", joinCode(v.Failed)))
	}
	if o.ExpectNoChanges {
		n, drift := 0, 0
		for _, s := range stacks {
			n += s.Counts.Changed()
			drift += len(s.Drift)
		}
		switch {
		case n == 0 && drift == 0 && len(v.Failed) == 0:
			lines = append(lines, "✅ **No drift.** Every stack matches its program and the cloud."+scheduledNote(stacks))
		case n > 0 || drift > 0:
			lines = append(lines, fmt.Sprintf("🔶 **Drift.** A refresh found %s changed outside Pulumi, and the program would make %s to bring the stack back.",
				plural(drift, "resource"), plural(n, "change")))
		}
		return strings.Join(lines, "\n\n")
	}
	switch {
	case len(v.NotApproved) > 0:
		lines = append(lines, fmt.Sprintf("⛔ **Blocked.** %s that the merged pull request's preview did not show: its override covers only what it showed. Open a pull request for %s.",
			capitalize(plural(len(v.NotApproved), "destructive change")), them(len(v.NotApproved), "it", "them")))
	case len(v.Destructive) > 0 && !v.Overridden:
		lines = append(lines, fmt.Sprintf("⛔ **Blocked.** %s a stateful resource. Review %s; to let %s through, add the label %s to the pull request.",
			replaceOrDelete(v.Destructive), them(len(v.Destructive), "it", "them"), them(len(v.Destructive), "it", "them"), code(OverrideLabel)))
	case len(v.Destructive) > 0:
		lines = append(lines, fmt.Sprintf("⚠️ **Allowed by override.** %s a stateful resource, let through by the label %s.",
			replaceOrDelete(v.Destructive), code(OverrideLabel)))
	case len(v.Failed) == 0:
		total := 0
		for _, s := range stacks {
			total += s.Counts.Changed()
		}
		lines = append(lines, fmt.Sprintf("✅ **No destructive changes.** %s in %s.", capitalize(plural(total, "resource change")), plural(len(stacks), "stack")))
	}
	return strings.Join(lines, "\n\n")
}

func replaceOrDelete(findings []Finding) string {
	n, lowers := len(findings), 0
	for _, f := range findings {
		if len(f.Change.Lowers) > 0 {
			lowers++
		}
	}
	switch {
	case lowers == 0 && n == 1:
		return "1 change replaces or deletes"
	case lowers == 0:
		return fmt.Sprintf("%d changes replace or delete", n)
	case n == 1:
		return "1 change cannot be undone or lowers a protection of"
	}
	return fmt.Sprintf("%d changes replace, delete, irreversibly change or lower a protection of", n)
}

func them(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func stackDetails(b *strings.Builder, s StackReport, d detail) {
	fmt.Fprintf(b, "\n<details>\n<summary><b>%s</b>: %s</summary>\n\n", cellEscaper.Replace(s.Name()), stackSummary(s))
	if len(s.Changes) > 0 {
		b.WriteString("| Action | Resource | Type | Changes |\n|:--|:--|:--|:--|\n")
		for _, c := range s.Changes {
			action := opLabel(c.Op)
			if c.Scheduled != nil {
				action = "⏰ scheduled"
			}
			if c.Destructive() {
				action = "⛔ " + action
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", action, code(c.Name), code(c.Type), propertyCell(c.Properties, d))
		}
	} else if !s.Failed {
		b.WriteString("No resource changes.\n")
	}
	scheduledList(b, s.Changes)
	landingList(b, s.Changes)
	if len(s.Drift) > 0 {
		b.WriteString("\nA refresh found these resources changed outside Pulumi:\n\n| Drift | Resource | Type | Changes |\n|:--|:--|:--|:--|\n")
		for _, c := range s.Drift {
			what := "changed"
			if c.Op == apitype.OpDelete {
				what = "gone"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", what, code(c.Name), code(c.Type), propertyCell(c.Properties, d))
		}
	}
	diagnostics(b, s.Diagnostics)
	if s.Source != "" {
		fmt.Fprintf(b, "\n<sub>From %s.</sub>\n", code(s.Source))
	}
	b.WriteString("\n</details>\n")
}

func stackSummary(s StackReport) string {
	if s.Failed {
		return "❌ preview failed"
	}
	c := s.Counts
	var parts []string
	if n := len(s.Destructive()); n > 0 {
		parts = append(parts, fmt.Sprintf("⛔ %d destructive", n))
	}
	for _, x := range []struct {
		n    int
		verb string
	}{{c.Create, "create"}, {c.Update, "update"}, {c.Replace, "replace"}, {c.Delete, "delete"}} {
		if x.n > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", x.n, x.verb))
		}
	}
	for _, op := range sortedKeys(stringKeys(c.Other)) {
		parts = append(parts, fmt.Sprintf("%d to %s", c.Other[apitype.OpType(op)], op))
	}
	if c.Scheduled > 0 {
		parts = append(parts, fmt.Sprintf("%d scheduled for the maintenance window", c.Scheduled))
	}
	if len(s.Drift) > 0 {
		parts = append(parts, fmt.Sprintf("%d drifted", len(s.Drift)))
	}
	if len(parts) == 0 {
		return "no changes"
	}
	return strings.Join(parts, " · ")
}

func stringKeys(m map[apitype.OpType]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

func opLabel(op apitype.OpType) string {
	switch op {
	case apitype.OpCreate:
		return "+ create"
	case apitype.OpUpdate:
		return "~ update"
	case apitype.OpReplace:
		return "+- replace"
	case apitype.OpDelete:
		return "- delete"
	}
	return string(op)
}

func propertyCell(props []PropertyChange, d detail) string {
	var lines []string
	for _, p := range props {
		line := code(p.Path)
		if d == withValuesDetail {
			switch {
			case p.Old != "" && p.New != "":
				line += ": " + code(p.Old) + " → " + code(p.New)
			case p.New != "":
				line += ": → " + code(p.New)
			case p.Old != "":
				line += ": " + code(p.Old) + " →"
			}
		}
		switch p.Kind {
		case apitype.DiffAdd, apitype.DiffAddReplace:
			line += " (added)"
		case apitype.DiffDelete, apitype.DiffDeleteReplace:
			line += " (removed)"
		}
		if p.ForcesReplace() {
			line += " **forces replacement**"
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "<br>")
}

// forcedBy lists the properties that force a replacement, as code.
func forcedBy(c Change) []string {
	var out []string
	for _, p := range c.Properties {
		if p.ForcesReplace() {
			out = append(out, code(p.Path))
		}
	}
	return out
}

const maxDiagnostics = 10

func diagnostics(b *strings.Builder, diags []Diagnostic) {
	var shown []Diagnostic
	seen := map[Diagnostic]bool{}
	for _, d := range diags {
		if (d.Severity == "error" || d.Severity == "warning") && !seen[d] {
			seen[d] = true
			shown = append(shown, d)
		}
	}
	if len(shown) == 0 {
		return
	}
	sort.SliceStable(shown, func(i, j int) bool { return shown[i].Severity == "error" && shown[j].Severity != "error" })
	b.WriteString("\n")
	for i, d := range shown {
		if i == maxDiagnostics {
			fmt.Fprintf(b, "- … and %d more\n", len(shown)-maxDiagnostics)
			break
		}
		on := ""
		if d.URN != "" {
			on = " on " + code(nameOf(d.URN))
		}
		msg := strings.TrimPrefix(d.Message, d.Severity+": ")
		msg = strings.ReplaceAll(cut(msg, 1000), "```", "'''")
		fmt.Fprintf(b, "- **%s**%s:\n  ```text\n  %s\n  ```\n", d.Severity, on, strings.ReplaceAll(msg, "\n", "\n  "))
	}
}

func footer(b *strings.Builder, stacks []StackReport, o Options) {
	var parts []string
	if o.Commit != "" {
		c := o.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		parts = append(parts, "commit "+code(c))
	}
	if o.RunURL != "" {
		parts = append(parts, fmt.Sprintf("[workflow run](%s)", o.RunURL))
	}
	parts = append(parts, plural(len(stacks), "stack"))
	fmt.Fprintf(b, "\n<sub>%s</sub>\n", strings.Join(parts, " · "))
}

// cellEscaper makes text safe as HTML element content inside a Markdown
// table cell.
var cellEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", "&#124;", "\n", " ")

// code renders text as inline code that is safe inside a table cell.
func code(s string) string {
	return "<code>" + cellEscaper.Replace(s) + "</code>"
}

func joinCode(items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = code(s)
	}
	return strings.Join(out, ", ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// landingList says how each database change reaches the running database,
// and its downtime.
func landingList(b *strings.Builder, changes []Change) {
	first := true
	for _, c := range changes {
		for _, l := range c.Landings {
			if first {
				b.WriteString("\n**How these changes reach the database**\n\n")
				first = false
			}
			what := code(c.Name)
			if len(l.Properties) > 0 {
				what += " " + joinCode(l.Properties)
			}
			fmt.Fprintf(b, "- %s: **%s**: %s. Downtime: %s.\n", what, l.Path, l.When, l.Downtime)
		}
	}
}

func notApproved(v Verdict, f Finding) bool {
	for _, n := range v.NotApproved {
		if n.Key() == f.Key() {
			return true
		}
	}
	return false
}
