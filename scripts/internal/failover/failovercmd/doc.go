// Package failovercmd is the failover-drill command. It fails a PostgreSQL database over and measures what
// clients see: how long writes fail, when the endpoint's DNS answer
// changes, the availability zone before and after (RDS), and whether any
// acknowledged write is missing afterwards. It prints a human report on
// stderr and a JSON report on stdout (or --json FILE).
//
// Exit status: 0 when every threshold is met, 1 when one is missed, 2 when
// the drill could not run (bad flags, a refused target, a failed trigger).
//
// See scripts/internal/failover/README.md for the runbook.
package failovercmd
