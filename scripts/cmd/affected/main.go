package main

import (
	"os"

	"github.com/pgplatform/platform/scripts/internal/affected/affectedcmd"
)

func main() { os.Exit(affectedcmd.Main(os.Args[1:])) }
