// Package failover runs a failover drill against a PostgreSQL endpoint and
// measures what clients see: how long writes fail, when the endpoint's DNS
// answer changes, where the instance runs before and after, and whether any
// write the database acknowledged is missing afterwards.
//
// The drill writes sequenced rows into its own table at a steady rate while
// a read probe and a DNS probe run alongside. A write counts as acknowledged
// only when its commit returned without error. After the trigger (an RDS
// forced failover or any command) it waits until writes have recovered and
// stayed up, reads every sequence number back, and compares. All times are
// taken from Go's monotonic clock and reported relative to the trigger.
package failover
