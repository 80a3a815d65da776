package spec

// DRMode is how a database stack keeps a copy in its recovery region.
type DRMode string

// The DR modes a stack file may name. Only DRBackups is deployable:
//
//   - DRBackups is RDS cross-Region automated backup replication: RDS
//     "initiates a cross-Region copy of all snapshots and transaction logs
//     as soon as they are ready on the DB instance", so the recovery region
//     can restore to a point in time (RDS User Guide, "Replicating
//     automated backups to another AWS Region",
//     https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReplicateBackups.html).
//     It is supported for Multi-AZ DB instances and not for Multi-AZ DB
//     clusters (same page: "Automated backup replication isn't supported
//     for Multi-AZ DB clusters. However, it is supported for Multi-AZ DB
//     instance deployments.").
//   - DRReplica, a cross-Region read replica, is refused: every database
//     of the platform has RDS manage its master password in Secrets Manager
//     (guardrail managed-master-password), and Secrets Manager management
//     "isn't supported" for "Creating a read replica when the source DB or
//     DB cluster manages credentials with Secrets Manager. This applies to
//     all DB engines except RDS for SQL Server." (RDS User Guide, "Password
//     management with Amazon RDS and AWS Secrets Manager", limitations,
//     https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-secrets-manager.html).
const (
	DRBackups DRMode = "backups"
	DRReplica DRMode = "replica"
)

// The retention of the replicated backups, in days. The API leaves
// BackupRetentionPeriod of StartDBInstanceAutomatedBackupsReplication
// unbounded in its reference; the bounds are those of an instance's own
// automated backups, "between 0 and 35 days", where 0 "disables automated
// backups" (RDS User Guide, "Backup retention period",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.BackupRetention.html),
// so a replication keeps at least one day.
const (
	MinDRRetentionDays = 1
	MaxDRRetentionDays = MaxBackupRetentionDays
)

// The recovery point target of a DR stack, in minutes (database:dr
// rpoMinutes). AWS documents no recovery point for automated backup
// replication, only that RDS copies snapshots and transaction logs "as soon
// as they are ready on the DB instance" (USER_ReplicateBackups.html), so
// the defaults are the platform's own: prod 60 minutes, twice the 30
// minutes verify allows the primary's own latest restorable time to lag
// (leaving as long again for the cross-Region copy), other tiers 240. The
// bounds: at least 15 minutes (a tighter target than half the primary's own
// bound cannot be held with no documented copy time), at most a day.
const (
	DefaultDRRPOMinutes     = 240
	DefaultProdDRRPOMinutes = 60
	MinDRRPOMinutes         = 15
	MaxDRRPOMinutes         = 24 * 60
)

// DR is a database stack's disaster-recovery setting (database:dr and
// database:drOptOut).
type DR struct {
	// Region is the recovery region; empty means the stack has no DR.
	Region string
	// Mode is the DR mode (DRBackups).
	Mode DRMode
	// RetentionDays is the replicated backups' retention.
	RetentionDays int
	// RPOMinutes is the recovery point target: how far the replicated
	// backups' latest restorable time may lag behind now (verify's
	// dr-backups check).
	RPOMinutes int
	// NetworkStack is the recovery network stack as the stack file names
	// it (database:dr networkStack); empty is the environment's default,
	// network/<environment>-dr (networkref.ParseRecovery resolves both).
	NetworkStack string
	// KmsKeyID is the key reference (StackKey: the stack's own DR key,
	// a customer-managed key in Region) the replicated backups are
	// encrypted with.
	KmsKeyID string
	// OptOutReason is the stated reason a prod stack has no DR: a
	// guardrail exception the program reports in every preview.
	OptOutReason string
}

// Enabled reports whether the stack keeps a copy in a recovery region.
func (d DR) Enabled() bool { return d.Region != "" }
