// Command network is the network project's Pulumi program. The program
// itself lives in package netstack so tests and the deploy tool run the same
// code inline.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/network/netstack"
)

func main() {
	pulumi.Run(netstack.Run)
}
