// Command preview-report turns the engine events of Pulumi previews into
// one Markdown report and gates the change. The command is package
// reportcmd (its doc says the usage and exit statuses); package report
// holds the analysis.
package main
