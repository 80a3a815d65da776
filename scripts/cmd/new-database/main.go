package main

import (
	"os"

	"github.com/pgplatform/platform/scripts/internal/onboard/newdatabasecmd"
)

func main() { os.Exit(newdatabasecmd.Main(os.Args[1:])) }
