// Command database is the database project's Pulumi program. The program
// itself lives in package dbstack so tests and the deploy tool run the same
// code inline.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/database/dbstack"
)

func main() {
	pulumi.Run(dbstack.Run)
}
