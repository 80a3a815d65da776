// Package dbconn builds pgx connection configurations for the platform's
// operational tools (failover-drill, verify, restore-drill), against RDS and
// against local test servers.
//
// Against RDS a connection uses TLS with sslmode=verify-full and the RDS CA
// bundle, and its password comes from the secret RDS manages in Secrets
// Manager (JSON with "username" and "password") or from an IAM
// authentication token. Every connection has a short connect timeout and
// aggressive TCP keepalives (plus TCP_USER_TIMEOUT on Linux), so that a dead
// primary is noticed in seconds rather than after the kernel's default of
// about two hours.
//
// Local tests use sslmode=disable or prefer on loopback with Static
// credentials (or none, for trust authentication).
package dbconn
