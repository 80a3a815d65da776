package guardrails_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
	for _, rules := range [][]guardrails.PolicyRule{guardrails.KeyPolicyRules, guardrails.TrustPolicyRules} {
		for _, r := range rules {
			pol = append(pol, r.ID)
		}
	}
	if !slices.Equal(doc["Policies"], pol) {
		t.Errorf("docs/guardrails.md Policies rules = %v\nshared/guardrails KeyPolicyRules, TrustPolicyRules = %v", doc["Policies"], pol)
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
