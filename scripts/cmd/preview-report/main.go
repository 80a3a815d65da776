// Command preview-report turns the engine events of Pulumi previews into
// one Markdown report and gates the change. The command is package
// reportcmd (its doc says the usage and exit statuses); package report
// holds the analysis.
package main

import (
	"os"

	"github.com/pgplatform/platform/scripts/internal/report/reportcmd"
)

func main() { os.Exit(reportcmd.Main(os.Args[1:])) }
