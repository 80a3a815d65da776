package main

import (
	"os"

	"github.com/pgplatform/platform/scripts/internal/deploy/deploycmd"
)

func main() { os.Exit(deploycmd.Main(os.Args[1:])) }
