// Package stackout reads the outputs of the platform's deployed stacks for
// the operational tools (verify, restore-drill). Outputs come from a Source:
// the Pulumi state backend through the Automation API (workspace.StackOutputs,
// kept there so that what only maps outputs does not link the Automation
// API), or JSON files written by `pulumi stack output --json`, so the tools
// also run without a backend.
// Raw outputs are mapped to plain structs with the names of the layer
// contract (contract.Database, contract.Network); a missing or mistyped
// output is one clear error naming the stack and the output.
package stackout
