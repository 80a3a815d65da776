// Package onboard writes a new app's database stack file from the key
// table: the keys a stack must set, its region and pinned AWS accounts
// taken from its environment's network stack file, and every other key of
// config.DatabaseKeyTable commented out at the value the tier gets without
// it, under what the table says of it. The file is validated as the
// program and the deploy tool validate a stack (unknown keys, the loader,
// Resolve and the guardrails) before it takes its name; a refusal writes
// nothing. `make new-database` runs it through package newdatabasecmd.
package onboard
