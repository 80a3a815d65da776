// Command affected lists the stacks a change must preview, from the files
// it changes. The command is package affectedcmd; see package affected for
// the rules.
package main
