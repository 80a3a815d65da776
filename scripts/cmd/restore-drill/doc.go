// Command restore-drill proves that a database stack's backups restore to
// a point in time, in a temporary instance it always deletes. The command
// is package restorecmd (its doc says the exit statuses); see
// scripts/internal/restore/README.md.
package main
