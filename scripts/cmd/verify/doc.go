// Command verify checks the deployed database stacks of an environment
// against the platform's guardrails through the AWS API and with a
// connection. The command is package verifycmd (its doc says the exit
// statuses); see scripts/internal/verify/README.md.
package main
