// Command failover-drill fails a PostgreSQL database over and measures
// what clients see. The command is package failovercmd (its doc says the
// exit statuses); see scripts/internal/failover/README.md for the runbook.
package main
