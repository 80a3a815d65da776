package main

import (
	"os"

	"github.com/pgplatform/platform/scripts/internal/verify/verifycmd"
)

func main() { os.Exit(verifycmd.Main(os.Args[1:])) }
