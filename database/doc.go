// Command database is the database project's Pulumi program. The program
// itself lives in package dbstack so tests and the deploy tool run the same
// code inline.
package main
