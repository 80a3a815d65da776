// Package workspace opens the platform's stacks on a Pulumi state backend
// through the Automation API: which backend and secrets provider to use
// (from the environment), the passphrase rule, the pinned Pulumi CLI, and a
// per-run working folder that holds a copy of the committed stack file so
// that the files under environments/ are never written to. StackOutputs
// reads a deployed stack's outputs for the operational tools (a
// stackout.Source).
package workspace
