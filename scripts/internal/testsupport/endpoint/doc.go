// Package endpoint plays the part of an RDS endpoint on loopback, for tests
// and benchmarks of the failover drill: a DNS name served by a small DNS
// server on 127.0.0.1, whose answer can be switched from one loopback
// address to another, and a TCP forwarder on each address that leads to one
// PostgreSQL server. Switching the answer is what RDS does in a Multi-AZ
// failover; a client that resolves the name on each connect follows it.
package endpoint
