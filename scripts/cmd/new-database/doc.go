// Command new-database writes an app's database stack file from the key
// table. The command is package newdatabasecmd (its doc says the exit
// statuses); see package onboard.
package main
