// Package iamdoc renders IAM policy documents and the statements the
// platform's roles share: a role's trust that lets one AWS service assume
// it only for this account and for named source ARNs. The programs render
// each document once, check that string with the guardrails (shared/guardrails
// CheckTrustPolicy, CheckKeyPolicy) and give the same string to the resource.
package iamdoc
