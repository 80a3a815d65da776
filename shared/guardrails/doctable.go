package guardrails

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/pgplatform/platform/shared/internal/docgen"
)

//go:generate go run ./cmd/ruletable ../../docs/guardrails.md ../../README.md

// The markers around the rule tables of docs/guardrails.md, which
// WithRuleTables fills from DatabaseRules, NetworkRules and the policy rules.
const (
	DatabaseRulesBegin = "<!-- database rules: generated from guardrails.DatabaseRules by `go generate ./shared/guardrails`; do not edit by hand -->"
	DatabaseRulesEnd   = "<!-- end of database rules -->"
	NetworkRulesBegin  = "<!-- network rules: generated from guardrails.NetworkRules by `go generate ./shared/guardrails`; do not edit by hand -->"
	NetworkRulesEnd    = "<!-- end of network rules -->"
	PolicyRulesBegin   = "<!-- policy rules: generated from guardrails.KeyPolicyRules, guardrails.TrustPolicyRules and guardrails.ProxyPolicyRules by `go generate ./shared/guardrails`; do not edit by hand -->"
	PolicyRulesEnd     = "<!-- end of policy rules -->"
)

// The markers around the README's table of what each database rule
// protects against, which WithReadmeRuleTable fills from DatabaseRules.
const (
	ReadmeRulesBegin = "<!-- database rule summary: generated from guardrails.DatabaseRules (ID, Protects) by `go generate ./shared/guardrails`; do not edit by hand -->"
	ReadmeRulesEnd   = "<!-- end of database rule summary -->"
)

// ruleRow is one row of a rule table: what Rule, NetworkRule and
// PolicyRule have in common.
type ruleRow struct{ id, sources, requirement string }

// conditionKey matches the IAM and KMS condition keys a rule's sources
// name (kms:ViaService, aws:SourceArn, ...), which the table sets as code.
var conditionKey = regexp.MustCompile(`\b(?:aws|kms):[A-Za-z][A-Za-z:]*[A-Za-z]`)

func rulesMarkdown(rows []ruleRow) string {
	var b strings.Builder
	b.WriteString("| id | sources | requirement |\n|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.id, conditionKey.ReplaceAllString(r.sources, "`$0`"), r.requirement)
	}
	return b.String()
}

// DatabaseRulesMarkdown is the Database table of docs/guardrails.md,
// generated from DatabaseRules.
func DatabaseRulesMarkdown() string {
	var rows []ruleRow
	for _, r := range DatabaseRules {
		rows = append(rows, ruleRow{r.ID, r.Sources, r.Requirement})
	}
	return rulesMarkdown(rows)
}

// NetworkRulesMarkdown is the Network table of docs/guardrails.md,
// generated from NetworkRules.
func NetworkRulesMarkdown() string {
	var rows []ruleRow
	for _, r := range NetworkRules {
		rows = append(rows, ruleRow{r.ID, r.Sources, r.Requirement})
	}
	return rulesMarkdown(rows)
}

// PolicyRulesMarkdown is the Policies table of docs/guardrails.md,
// generated from KeyPolicyRules, then TrustPolicyRules, then
// ProxyPolicyRules.
func PolicyRulesMarkdown() string {
	var rows []ruleRow
	for _, r := range slices.Concat(KeyPolicyRules, TrustPolicyRules, ProxyPolicyRules) {
		rows = append(rows, ruleRow{r.ID, r.Sources, r.Requirement})
	}
	return rulesMarkdown(rows)
}

// WithRuleTables returns doc (docs/guardrails.md) with the text between
// each pair of rule-table markers replaced by the table it names; the
// prose around them is the document's own.
func WithRuleTables(doc string) (string, error) {
	return docgen.Fill(doc,
		docgen.Section{Begin: DatabaseRulesBegin, End: DatabaseRulesEnd, Text: DatabaseRulesMarkdown()},
		docgen.Section{Begin: NetworkRulesBegin, End: NetworkRulesEnd, Text: NetworkRulesMarkdown()},
		docgen.Section{Begin: PolicyRulesBegin, End: PolicyRulesEnd, Text: PolicyRulesMarkdown()},
	)
}

// ReadmeRulesMarkdown is the README's table of what each database rule
// protects against, generated from DatabaseRules.
func ReadmeRulesMarkdown() string {
	var b strings.Builder
	b.WriteString("| rule | protects against |\n|---|---|\n")
	for _, r := range DatabaseRules {
		fmt.Fprintf(&b, "| %s | %s |\n", r.ID, r.Protects)
	}
	return b.String()
}

// WithReadmeRuleTable returns doc (the README) with the text between the
// rule-table markers replaced by ReadmeRulesMarkdown.
func WithReadmeRuleTable(doc string) (string, error) {
	return docgen.Fill(doc, docgen.Section{Begin: ReadmeRulesBegin, End: ReadmeRulesEnd, Text: ReadmeRulesMarkdown()})
}
