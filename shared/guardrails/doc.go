// Package guardrails enforces the platform's security and reliability rules
// (docs/guardrails.md) in code. Each program first turns its validated
// config into a plan: the plain-Go settings it is about to give its
// resources (for a database stack, its spec.Database). The rules are
// checked on that plan before any resource is declared, and the program
// then renders the plan into resource inputs mechanically, so what is
// checked is what is deployed.
//
// A rule is written once, here: its ID, Sources and Requirement (and, for a
// database rule, what it Protects against) are the rows of the tables in
// docs/guardrails.md and the README, which `go generate ./shared/guardrails`
// writes (cmd/ruletable) and TestGuardrailsDocIsCurrent and
// TestReadmeRuleTableIsCurrent hold to the code. Adding a rule is an entry
// in DatabaseRules, NetworkRules or the policy rules, its firing and holding
// test cases, and a go generate.
package guardrails
