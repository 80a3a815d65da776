// Package verifycmd is the verify command. It checks the deployed database stacks of an environment
// against the platform's guardrails through the AWS API, then connects to
// each with TLS verify-full as the pgplatform_verify role with an IAM
// authentication token (never as the master user) and runs select 1. It prints one line per
// check, writes a JSON report with --report, and exits 0 when every check
// passed, 1 when one failed, 2 on bad usage, 3 when nothing failed but some
// check could not tell.
//
// See scripts/internal/verify/README.md.
package verifycmd
