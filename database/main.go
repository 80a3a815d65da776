package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/database/dbstack"
)

func main() {
	pulumi.Run(dbstack.Run)
}
