// Command ruletable writes the rule tables of docs/guardrails.md (Database,
// Network, Policies) from guardrails.DatabaseRules, NetworkRules,
// KeyPolicyRules, TrustPolicyRules and ProxyPolicyRules, and the README's table of what each
// database rule protects against from DatabaseRules, each between its
// markers; the prose around them is left as it is:
//
//	go generate ./shared/guardrails
//	go run ./shared/guardrails/cmd/ruletable docs/guardrails.md README.md
package main
