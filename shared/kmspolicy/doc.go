// Package kmspolicy renders the statements the platform's KMS key policies
// share: administration by named principals, and CloudWatch Logs bound to
// named log groups. The programs render each policy once, check that
// string with the guardrails (shared/guardrails CheckKeyPolicy) and give
// the same string to the resource.
package kmspolicy
