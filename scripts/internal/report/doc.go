// Package report turns the engine events of Pulumi previews into one
// Markdown report for a pull request, and decides whether the changes may go
// through: a replace or delete of a stateful resource (the database, its
// key, its network), or an update that cannot be undone or lowers a
// protection (lowering.go), blocks unless overridden.
//
// It reads both forms the engine writes a preview in: the single JSON
// document of `pulumi preview --json`, and the engine event stream (one
// apitype.EngineEvent per line) of `--event-log` and the Automation API's
// optpreview.EventStreams.
package report
