// Package newdatabasecmd is the new-database command: it writes an app's
// database stack file, environments/database/Pulumi.<app>-<env>.yaml, from
// the key table (package onboard), validated before it takes its name. It
// exits 0 when the file was written, 1 when it was refused (nothing is
// written), 2 on bad usage.
package newdatabasecmd
