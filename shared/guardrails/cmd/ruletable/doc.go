// Command ruletable writes the rule tables of docs/guardrails.md (Database,
// Network, Policies) from guardrails.DatabaseRules, NetworkRules,
// KeyPolicyRules and TrustPolicyRules, between their markers; the prose
// around them is left as it is:
//
//	go generate ./shared/guardrails
//	go run ./shared/guardrails/cmd/ruletable docs/guardrails.md
package main
