package main

import (
	"os"

	"github.com/pgplatform/platform/scripts/internal/restore/restorecmd"
)

func main() { os.Exit(restorecmd.Main(os.Args[1:])) }
