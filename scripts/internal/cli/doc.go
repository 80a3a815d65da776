// Package cli is the plumbing the operational commands share: stopping on
// SIGINT and SIGTERM, loading the AWS configuration, finding the repository
// root, and the flag helpers every command's parsing uses (a usage text,
// the exit status of a bad flag, list flags, positive durations, the "-"
// means stdout convention).
//
// The commands themselves live in scripts/internal/<package>/<name>cmd;
// scripts/cmd/<name>/main.go only calls their Main.
package cli
