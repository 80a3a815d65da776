// Command pulumi-resource-aws is the end-to-end tests' stand-in for the AWS
// provider plugin (see package fakeaws). The tests build it into a bin
// folder that comes first on PATH, where the engine finds a plugin of this
// name. It keeps its "AWS" in the folder named by FAKEAWS_DIR. Never used by
// deploys.
package main

import (
	"fmt"
	"os"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func main() {
	err := provider.Main("aws", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return fakeaws.New(os.Getenv(fakeaws.DirEnv))
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-aws (test double): %v\n", err)
		os.Exit(1)
	}
}
