// Package networkref holds the one reference to a network stack: how a
// database stack names the network it reads (database:networkStack), parsed,
// defaulted from the environment, qualified with the organization, compared
// and printed the same way by the database program, the deploy tool and the
// operational tools. It imports nothing of Pulumi, so config can validate
// with it.
package networkref
