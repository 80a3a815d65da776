// Package restorecmd is the restore-drill command. It proves that a database stack's backups restore to a
// point in time: it writes a marker row, waits past a target time, writes a
// second marker, restores the instance to the target into a temporary
// instance next to it, and checks that the first marker is there and the
// second is not. The temporary instance is always deleted, after a failure
// or Ctrl-C too; the source instance is only described. With --region it
// restores the stack's replicated automated backups in that disaster
// recovery region instead, into the recovery network given by
// --subnet-group and --security-group, and checks them against --kms-key.
//
// One line per check on stdout, progress on stderr, a JSON report with
// --report. Exit status: 0 the drill passed, 1 a check failed, 2 the drill
// could not start (bad flags or input, no AWS configuration), 3 nothing
// failed but a check could not tell.
//
// See scripts/internal/restore/README.md.
package restorecmd
