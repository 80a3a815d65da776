// Package pglocal runs throw-away PostgreSQL servers on loopback for tests
// that need a real server: a primary, streaming standbys made with
// pg_basebackup, promotion, hard stops and restarts.
//
// Every server of a Cluster lives under one temporary directory and listens
// on 127.0.0.1 only, on a free port, with no Unix socket. Authentication is
// trust for the superuser "postgres". The server binaries are the Debian
// ones under /usr/lib/postgresql/<major>/bin (the newest major installed), or
// the directory named by $PGLOCAL_BINDIR. PostgreSQL refuses to run as root,
// so when the caller is root every server command runs as the "postgres"
// user through runuser, on directories that user owns.
//
// Typical use in a test (build tag pgtest):
//
//	c := pglocal.ForTest(t) // fails with an install hint if PostgreSQL is missing
//	primary, err := c.StartPrimary("primary", pglocal.Settings{"synchronous_commit": "on"})
//	standby, err := c.StartStandby("standby", primary, nil)
//	err = primary.WaitStreaming(ctx, "standby")
//	err = primary.StopImmediate()
//	err = standby.Promote()
//
// For a cluster of several standbys, PromoteMostAdvanced promotes the one
// that has replayed the most WAL and points the others at it, and
// StartPgBouncer puts a pgbouncer in front of a server.
//
// Cleanup (registered by ForTest) stops every server, kills any process left
// behind and removes the directory, whatever state the test left them in.
// When a test binary dies before its Cleanup, the next New stops the servers
// it left (see SweepStale).
package pglocal
