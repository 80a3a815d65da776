package guardrails_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/guardrails"
)

// guardrailsDoc is the project's guardrails document, relative to this
// package's directory.
var guardrailsDoc = filepath.Join("..", "..", "docs", "guardrails.md")

// docRuleIDs returns the ids in the first column of the document's tables,
// section by section ("Database", "Network").
func docRuleIDs(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(guardrailsDoc)
	if err != nil {
		t.Fatalf("the guardrails document: %v", err)
	}
	section := ""
	ids := map[string][]string{}
	heading := regexp.MustCompile(`^## (.+)$`)
	row := regexp.MustCompile("^\\| `([a-z0-9-]+)` \\|")
	for _, line := range regexp.MustCompile(`\r?\n`).Split(string(b), -1) {
		if m := heading.FindStringSubmatch(line); m != nil {
			section = m[1]
		} else if m := row.FindStringSubmatch(line); m != nil {
			ids[section] = append(ids[section], m[1])
		}
	}
	return ids
}

// TestGuardrailsDocNamesEveryRule: docs/guardrails.md lists exactly the
// rules the code enforces, in the code's order, so a rule cannot be added,
// renamed or dropped in one place only.
func TestGuardrailsDocNamesEveryRule(t *testing.T) {
	doc := docRuleIDs(t)
	var db, nw, pol []string
	for _, rules := range [][]guardrails.PolicyRule{guardrails.KeyPolicyRules, guardrails.TrustPolicyRules, guardrails.ProxyPolicyRules} {
		for _, r := range rules {
			pol = append(pol, r.ID)
		}
	}
	if !slices.Equal(doc["Policies"], pol) {
		t.Errorf("docs/guardrails.md Policies rules = %v\nshared/guardrails KeyPolicyRules, TrustPolicyRules, ProxyPolicyRules = %v", doc["Policies"], pol)
	}
	for _, r := range guardrails.DatabaseRules {
		db = append(db, r.ID)
	}
	for _, r := range guardrails.NetworkRules {
		nw = append(nw, r.ID)
	}
	if !slices.Equal(doc["Database"], db) {
		t.Errorf("docs/guardrails.md Database rules = %v\nshared/guardrails DatabaseRules = %v", doc["Database"], db)
	}
	if !slices.Equal(doc["Network"], nw) {
		t.Errorf("docs/guardrails.md Network rules = %v\nshared/guardrails NetworkRules = %v", doc["Network"], nw)
	}
}

// checkCurrent fails the test when the document at path is not what fill
// makes of it, showing the first line that differs.
func checkCurrent(t *testing.T, path string, fill func(string) (string, error)) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	want, err := fill(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want == string(doc) {
		return
	}
	got, wantLines := strings.Split(string(doc), "\n"), strings.Split(want, "\n")
	for i := range min(len(got), len(wantLines)) {
		if got[i] != wantLines[i] {
			t.Fatalf("%s is stale: run go generate ./shared/guardrails\nline %d is\n%s\nthe rules generate\n%s", path, i+1, got[i], wantLines[i])
		}
	}
	t.Fatalf("%s is stale: run go generate ./shared/guardrails (it has %d lines, the rules generate %d)", path, len(got), len(wantLines))
}

// TestGuardrailsDocIsCurrent fails when a rule table of docs/guardrails.md
// is not what the rules generate: a rule added, removed, reordered or
// reworded (its sources or requirement) in the code without
// `go generate ./shared/guardrails`, or a row edited by hand.
func TestGuardrailsDocIsCurrent(t *testing.T) {
	checkCurrent(t, guardrailsDoc, guardrails.WithRuleTables)
}

// TestReadmeRuleTableIsCurrent fails when the README's table of what each
// database rule protects against is not what DatabaseRules generate: a
// rule added, removed or reordered, or its Protects reworded, without
// `go generate ./shared/guardrails`, or a row edited by hand.
func TestReadmeRuleTableIsCurrent(t *testing.T) {
	checkCurrent(t, filepath.Join("..", "..", "README.md"), guardrails.WithReadmeRuleTable)
}

// TestEveryRuleHasARequirement: every rule states what it requires (and a
// database rule what it protects against), on one line and without a bare
// |, so each is one well-formed row of its table.
func TestEveryRuleHasARequirement(t *testing.T) {
	type field struct{ rule, name, text string }
	var all []field
	for _, r := range guardrails.DatabaseRules {
		all = append(all, field{r.ID, "Sources", r.Sources}, field{r.ID, "Requirement", r.Requirement}, field{r.ID, "Protects", r.Protects})
	}
	for _, r := range guardrails.NetworkRules {
		all = append(all, field{r.ID, "Sources", r.Sources}, field{r.ID, "Requirement", r.Requirement})
	}
	for _, rules := range [][]guardrails.PolicyRule{guardrails.KeyPolicyRules, guardrails.TrustPolicyRules, guardrails.ProxyPolicyRules} {
		for _, r := range rules {
			all = append(all, field{r.ID, "Sources", r.Sources}, field{r.ID, "Requirement", r.Requirement})
		}
	}
	for _, f := range all {
		if strings.TrimSpace(f.text) == "" || strings.ContainsAny(f.text, "|\n") {
			t.Errorf("rule %s: %s = %q, want text on one line without |", f.rule, f.name, f.text)
		}
	}
}
