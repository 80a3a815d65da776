// Package proc reads the process table from /proc (Linux): the deploy tool
// finds the Pulumi CLIs it started to relay interrupts to, and the local
// PostgreSQL test support finds the processes of its servers to stop.
package proc
