// Package deploycmd is the deploy command: it wires the deploy tool
// (scripts/internal/deploy) to the real programs (network/netstack,
// database/dbstack), the Pulumi Automation API engine, the guardrails, AWS
// and the process's signals, streams and exit status. scripts/cmd/deploy
// is a thin main over Main.
//
// See scripts/internal/deploy/README.md.
package deploycmd
