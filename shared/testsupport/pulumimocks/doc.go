// Package pulumimocks runs the platform's Pulumi programs under the SDK's mocks,
// offline: it records every resource a program registers, answers the AWS
// invokes the programs use, and serves stack references from canned outputs.
// Only tests import it.
package pulumimocks
