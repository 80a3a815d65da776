// Package restore is the restore drill: it proves that a database stack's
// automated backups restore to a chosen point in time. It writes a marker
// row, picks a target time, writes a second marker, waits until RDS can
// restore past the second marker, restores the source to the target into a
// temporary instance, and checks that the first marker is there and the
// second is not. The temporary instance is always deleted, after a failure
// or an interrupt too, and the source instance is only ever described.
//
// With Drill.Recovery set, the drill runs in a disaster recovery region
// (dr.go): it restores the source's replicated automated backups there, to
// the latest restorable time once that region's restore window is past the
// second marker, into the recovery network, checks that both markers came
// back, and reports the recovery point and time.
//
// The AWS calls go through the small RDS interface and the database work
// through Markers, so the tests drive the whole drill with fakes; a pgtest
// test runs the marker logic against a real PostgreSQL point-in-time
// recovery (see pitr_pgtest_test.go).
package restore
