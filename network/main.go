package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/network/netstack"
)

func main() {
	pulumi.Run(netstack.Run)
}
