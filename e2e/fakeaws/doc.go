// Package fakeaws is a test double of the Pulumi AWS provider: a resource
// provider plugin that the real engine drives over gRPC like the real one, but
// that keeps its "AWS" in a folder of JSON files. It is used only by the
// end-to-end tests, never by deploys.
//
// It knows the resource types and invokes of the platform's programs (one
// table each, types.go and invokes.go) and fails loudly, naming the token, on
// any other. Check returns the inputs (with auto-names filled in the way the
// real provider does); Create returns the inputs plus deterministic computed
// outputs (IDs, ARNs, the RDS endpoint and master-user secret); Read, Update
// and Delete work on its records; Diff reports a replacement for the
// properties that force one in AWS. Every call goes to a JSON-lines log.
package fakeaws
