// Package reportcmd is the preview-report command. It turns the engine events of one or more Pulumi
// previews into one Markdown report, and gates the change: it exits non-zero
// when a preview would replace or delete a stateful resource (the RDS
// instance, its KMS key, its subnet group, the VPC or its subnets, a log
// group) or update one in a way that cannot be undone or lowers a
// protection (an engine major, deletion protection or Multi-AZ off, backup
// retention lowered, the tier, environment or storage type changed), unless
// --allow-destructive is given, and when a preview failed.
//
// Usage:
//
//	preview-report [flags] PATH...
//
// Each PATH is a preview file, either `pulumi preview --json` output or an
// engine event log (one apitype.EngineEvent per line, as `deploy preview
// --json-dir` writes), or a folder searched for *.json, *.ndjson and
// *.jsonl files.
//
// Beside a preview file <name>.json, the file <name>.pending that deploy
// preview --json-dir writes holds the modifications RDS holds for each
// instance's maintenance window; an instance update equal to them is
// reported as scheduled for the window, not as a change or drift.
//
// Exit status: 0 the change may go through; 1 bad flags or input; 2 blocked
// (a destructive change without override, or a failed preview); 3 with
// --expect-no-changes, a stack has changes (drift).
package reportcmd
