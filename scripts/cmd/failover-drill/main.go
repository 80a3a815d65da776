package main

import (
	"os"

	"github.com/pgplatform/platform/scripts/internal/failover/failovercmd"
)

func main() { os.Exit(failovercmd.Main(os.Args[1:])) }
