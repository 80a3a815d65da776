package main

import (
	"os"

	"github.com/pgplatform/platform/scripts/internal/report/reportcmd"
)

func main() { os.Exit(reportcmd.Main(os.Args[1:])) }
