// Package check is the outcome format shared by the operational tools
// (verify, restore-drill): one result per check, printed as one line each,
// written as a JSON report, and turned into the process exit code.
package check
