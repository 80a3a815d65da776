// Command pulumi-resource-aws is the end-to-end tests' stand-in for the AWS
// provider plugin (see package fakeaws). The tests build it into a bin
// folder that comes first on PATH, where the engine finds a plugin of this
// name. It keeps its "AWS" in the folder named by FAKEAWS_DIR. Never used by
// deploys.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func main() {
	// A plugin whose engine was killed (SIGKILL of the run, as a test's
	// fault does) is adopted by another process: it ends then, rather than
	// linger, as the whole process tree of a killed CI job ends.
	go func(parent int) {
		for range time.Tick(200 * time.Millisecond) {
			if os.Getppid() != parent {
				os.Exit(3)
			}
		}
	}(os.Getppid())
	err := provider.Main("aws", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		p, err := fakeaws.New(os.Getenv(fakeaws.DirEnv))
		if err != nil {
			return nil, err
		}
		// FAKEAWS_LATENCY, if set, delays the calls that reach AWS.
		return fakeaws.WithLatencyFromEnv(p)
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-aws (test double): %v\n", err)
		os.Exit(1)
	}
}
