// Command network is the network project's Pulumi program. The program
// itself lives in package netstack so tests and the deploy tool run the same
// code inline.
package main
