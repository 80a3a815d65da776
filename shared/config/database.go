package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/spec"
)

// DatabaseKeys are the keys of the database namespace, in the order of
// DatabaseKeyTable.
var DatabaseKeys = databaseKeyNames()

// Defaults of the database config.
const (
	DefaultEngineVersion         = "16"
	MinEngineMajor               = spec.MinEngineMajor
	DefaultInstanceClass         = "db.t4g.medium"
	DefaultAllocatedStorageGb    = 20
	DefaultPort                  = 5432
	DefaultMonitoringInterval    = 60
	DefaultPIRetentionDays       = 7
	DefaultLogRetentionDays      = 30
	DefaultLogMinDurationMs      = 1000
	DefaultLogStatement          = "none"
	MinLogMinDurationMs          = spec.MinLogMinDurationMs
	DefaultCACertIdentifier      = "rds-ca-rsa2048-g1"
	DefaultBackupWindow          = "02:00-03:00"
	DefaultMaintenanceWindow     = "sun:04:00-sun:05:00"
	MaxBackupRetentionDays       = spec.MaxBackupRetentionDays
	gp3MinStorageGb              = 20
	maxStorageGb                 = 65536
	defaultMaxStorageMultiplier  = 5
	maxPerformanceInsightsMonths = 23
)

// MonitoringIntervals are the enhanced-monitoring intervals RDS accepts.
var MonitoringIntervals = spec.MonitoringIntervals

// CACertIdentifiers are the current RDS certificate authorities.
var CACertIdentifiers = spec.CACertIdentifiers

// ForbiddenUsernames are master user names that scanners flag as defaults
// (Security Hub RDS.25) or that RDS reserves.
var ForbiddenUsernames = spec.ForbiddenUsernames

// Alarms are the CloudWatch alarm thresholds of a database stack.
type Alarms = spec.Alarms

// DefaultAlarms are thresholds that suit a general-purpose instance.
var DefaultAlarms = Alarms{CPUPercent: 80, FreeStorageMb: 5120, FreeableMemoryMb: 256, Connections: 200, ReadLatencyMs: 20, WriteLatencyMs: 20}

// Database is the validated config of a database stack: the value of each
// key of DatabaseKeyTable after its default. Each key's entry in the table
// also writes its value into the stack's spec.Database (DatabaseSpec).
type Database struct {
	Environment string
	Tier        Tier
	Region      string
	// AllowedAccountIDs pins the AWS accounts the stack may deploy to
	// (aws:allowedAccountIds, read by the AWS provider too); required in
	// staging and prod tiers.
	AllowedAccountIDs []string
	// App names the service that owns the database; it makes physical
	// names unique among the app stacks of one environment.
	App string
	// NetworkStack is the fully qualified network stack to read; empty
	// means <organization>/network/<environment>.
	NetworkStack          string
	EngineMajor           int
	InstanceClass         string
	AllocatedStorageGb    int
	MaxAllocatedStorageGb int
	// ApplyImmediately makes RDS apply the instance's modifications now
	// instead of in the next maintenance window: always in dev, in
	// staging and prod only when the stack file asks for it.
	ApplyImmediately      bool
	MultiAZ               bool
	BackupRetentionDays   int
	BackupWindow          string
	MaintenanceWindow     string
	MasterUsername        string
	DatabaseName          string
	Port                  int
	MonitoringInterval    int
	PIRetentionDays       int
	LogRetentionDays      int
	LogMinDurationMs      int
	LogStatement          string
	DeletionProtection    bool
	SkipFinalSnapshot     bool
	AllowedSecurityGroups []string
	AllowedCidrs          []netip.Prefix
	CACertIdentifier      string
	Alarms                Alarms
	Tags                  map[string]string
	// AlarmSubscriptions are the alarm topic's subscribers.
	AlarmSubscriptions []AlarmSubscription
	// KeyAdminRoleArns are IAM roles of the account that administer the
	// stack's KMS key besides the account root.
	KeyAdminRoleArns []string
}

// MinMaxAllocatedStorageGb is the smallest storage autoscaling ceiling RDS
// accepts for an allocated size: 10% above it, rounded up.
func MinMaxAllocatedStorageGb(allocated int) int { return spec.MinMaxAllocatedStorageGb(allocated) }

// EngineVersion is the version given to RDS: the major only, so that AWS's
// minor upgrades never show up as a planned downgrade.
func (d Database) EngineVersion() string { return strconv.Itoa(d.EngineMajor) }

// ParameterGroupFamily is the parameter group family of the engine major.
func (d Database) ParameterGroupFamily() string { return fmt.Sprintf("postgres%d", d.EngineMajor) }

var (
	appPattern           = regexp.MustCompile(`^[a-z][a-z0-9]{0,19}$`)
	instanceClassPattern = regexp.MustCompile(`^db\.[a-z0-9]+\.[a-z0-9]+$`)
	pgIdentifier         = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	sgPattern            = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)
	majorPattern         = regexp.MustCompile(`^[0-9]+$`)
)

// DatabaseKey is one key of the database namespace: its name, the form of
// its value, its default and what it allows (as the README's key table
// shows them, generated from this table), the guardrail its validation
// enforces, how it is read and checked, and where its value goes in the
// stack's spec.
type DatabaseKey struct {
	Name string
	// Type is the form of the value in the stack file.
	Type string
	// Default is the value a stack gets when it leaves the key out;
	// "required" when it may not.
	Default string
	// Allowed is what the key accepts.
	Allowed string
	// Rule is the guardrail (its guardrails.Rule id) that the key's
	// validation enforces, "" when none: a refusal of the value names it.
	Rule string
	// load reads the key into d, with its default, and validates it; it
	// may read keys loaded before it (the table's order).
	load func(k keyReader, d *Database) error
	// toSpec writes the key's value into the stack's spec.
	toSpec func(d Database, s *spec.Database)
	// current is the key's value in a loaded config (its default when the
	// file leaves it out), as a new stack file shows it commented out
	// (make new-database); nil for a required key and for a key whose
	// default is no value at all.
	current func(d Database) any
}

// Current is the key's value in d, and false when the key has none to show
// (a required key, or one whose default is no value).
func (k DatabaseKey) Current(d Database) (any, bool) {
	if k.current == nil {
		return nil, false
	}
	return k.current(d), true
}

// keyReader reads the one key of a table entry (name): its errors name
// the key, and a refusal that enforces the key's guardrail (rule) names
// the rule too.
type keyReader struct {
	reader
	name, rule string
}

func (k keyReader) value(def string) string { return k.str(k.name, def) }

func (k keyReader) integer(def int) (int, error) { return k.reader.integer(k.name, def) }

func (k keyReader) boolean(def bool) (bool, error) {
	b, _, err := k.reader.boolean(k.name, def)
	return b, err
}

func (k keyReader) list() ([]string, error) { return k.reader.list(k.name) }

func (k keyReader) fail(value, allowed string) error {
	return k.reader.fail(k.name, value, allowed)
}

func (k keyReader) breaks(value, allowed string) error {
	return k.reader.breaks(k.rule, k.name, value, allowed)
}

// DatabaseKeyTable is every key of the database namespace, in the order
// the loader reads them. It generates DatabaseKeys (the unknown-key check)
// and the README's key table (go generate ./shared/config).
var DatabaseKeyTable = []DatabaseKey{
	{Name: "tier", Type: "string", Default: "required", Allowed: "`dev`, `staging` or `prod`, no looser than the environment's",
		load: func(k keyReader, d *Database) (err error) {
			d.Tier, err = k.tier()
			return err
		},
		toSpec: func(d Database, s *spec.Database) { s.Tier = d.Tier }},
	{Name: "environment", Type: "string", Default: "required", Allowed: "a lowercase name of 1-12 letters and digits; it binds the tier (see above) and the pinned AWS accounts",
		// The environment binds the stack: its region, its tier floor and
		// the accounts it may deploy to (aws:region, aws:allowedAccountIds).
		load: func(k keyReader, d *Database) (err error) {
			d.Environment, d.Region, d.AllowedAccountIDs, err = k.bind(d.Tier)
			return err
		},
		toSpec: func(d Database, s *spec.Database) { s.Environment, s.Region = d.Environment, d.Region }},
	{Name: "app", Type: "string", Default: "required", Allowed: "the owning service: 1-20 lowercase letters and digits, not pg, postgres, rds* or template*; one stack per app and environment",
		load: func(k keyReader, d *Database) error {
			d.App = k.value("")
			if !appPattern.MatchString(d.App) {
				return k.fail(d.App, "a lowercase service name of 1-20 letters and digits starting with a letter")
			}
			// The master user's and the database's default names are made
			// from app; these would make them names PostgreSQL or RDS keep
			// for themselves.
			if d.App == "pg" || d.App == "postgres" || strings.HasPrefix(d.App, "rds") || strings.HasPrefix(d.App, "template") {
				return k.fail(d.App, "a service name other than pg, postgres, rds* or template* (they would make the default master user or database name a reserved one)")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.App = d.App }},
	{Name: "networkStack", Type: "string", Default: "`<organization>/network/<environment>`", Allowed: "`<stack>`, `<project>/<stack>` or `<org>/<project>/<stack>`",
		current: func(d Database) any { return "network/" + d.Environment },
		load: func(k keyReader, d *Database) error {
			d.NetworkStack = k.value("")
			if _, err := networkref.Parse(d.NetworkStack, d.Environment); err != nil {
				return k.fail(d.NetworkStack, "a stack name: "+networkref.Forms)
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.NetworkStack = d.NetworkStack }},
	{Name: "engineVersion", Type: "string", Default: "`\"" + DefaultEngineVersion + "\"`", Allowed: fmt.Sprintf("a PostgreSQL major only, %d or later", MinEngineMajor), Rule: "supported-engine",
		current: func(d Database) any { return d.EngineVersion() },
		load: func(k keyReader, d *Database) error {
			ev := k.value(DefaultEngineVersion)
			if !majorPattern.MatchString(ev) {
				return k.breaks(ev, "a PostgreSQL major version only, e.g. \"16\" (a pinned minor turns into a planned downgrade after AWS upgrades it)")
			}
			d.EngineMajor, _ = strconv.Atoi(ev)
			if d.EngineMajor < MinEngineMajor || d.EngineMajor > 99 {
				return k.breaks(ev, fmt.Sprintf("a supported PostgreSQL major, %d or later", MinEngineMajor))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) {
			s.Instance.EngineVersion = d.EngineVersion()
			s.ParameterFamily = d.ParameterGroupFamily()
			s.PreviousParameterFamily = previousFamily(d.EngineMajor)
		}},
	{Name: "instanceClass", Type: "string", Default: "`" + DefaultInstanceClass + "`", Allowed: "an RDS instance class (`db.` prefix)",
		current: func(d Database) any { return d.InstanceClass },
		load: func(k keyReader, d *Database) error {
			d.InstanceClass = k.value(DefaultInstanceClass)
			if !instanceClassPattern.MatchString(d.InstanceClass) {
				return k.fail(d.InstanceClass, "an RDS instance class such as db.r6g.large (it starts with db.)")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.InstanceClass = d.InstanceClass }},
	{Name: "allocatedStorageGb", Type: "integer", Default: strconv.Itoa(DefaultAllocatedStorageGb), Allowed: fmt.Sprintf("%d-%d (gp3; room above it for the autoscaling ceiling)", gp3MinStorageGb, maxStorageGb*10/11),
		current: func(d Database) any { return d.AllocatedStorageGb },
		load: func(k keyReader, d *Database) (err error) {
			if d.AllocatedStorageGb, err = k.integer(DefaultAllocatedStorageGb); err != nil {
				return err
			}
			maxAllocated := maxStorageGb * 10 / 11 // the largest size whose ceiling still fits in gp3
			if d.AllocatedStorageGb < gp3MinStorageGb || d.AllocatedStorageGb > maxAllocated {
				return k.fail(strconv.Itoa(d.AllocatedStorageGb), fmt.Sprintf("from %d to %d GiB (gp3 holds at most %d, and storage autoscaling needs room above the start: a ceiling at least 10%% higher)", gp3MinStorageGb, maxAllocated, maxStorageGb))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.AllocatedStorageGb = d.AllocatedStorageGb }},
	{Name: "maxAllocatedStorageGb", Type: "integer", Default: fmt.Sprintf("%d x allocated (at most %d)", defaultMaxStorageMultiplier, maxStorageGb), Allowed: fmt.Sprintf("at least 10 %% above allocatedStorageGb (RDS's rule for the autoscaling ceiling: 100 needs at least 110), at most %d", maxStorageGb), Rule: "storage-autoscaling",
		current: func(d Database) any { return d.MaxAllocatedStorageGb },
		load: func(k keyReader, d *Database) (err error) {
			if d.MaxAllocatedStorageGb, err = k.integer(min(d.AllocatedStorageGb*defaultMaxStorageMultiplier, maxStorageGb)); err != nil {
				return err
			}
			// RDS: "the maximum storage threshold must be at least 10%
			// greater than the current allocated storage" (RDS User Guide,
			// "Managing capacity automatically with Amazon RDS storage
			// autoscaling",
			// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html).
			if ceiling := MinMaxAllocatedStorageGb(d.AllocatedStorageGb); d.MaxAllocatedStorageGb < ceiling || d.MaxAllocatedStorageGb > maxStorageGb {
				return k.breaks(strconv.Itoa(d.MaxAllocatedStorageGb), fmt.Sprintf("from %d to %d GiB: at least 10%% more than allocatedStorageGb (%d), as RDS requires of the storage autoscaling ceiling, and at most %d", ceiling, maxStorageGb, d.AllocatedStorageGb, maxStorageGb))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.MaxAllocatedStorageGb = d.MaxAllocatedStorageGb }},
	{Name: "applyImmediately", Type: "boolean", Default: "`true` in dev, `false` in staging and prod", Allowed: "`true` makes RDS apply the instance's changes at once instead of in the next maintenance window (see *How a change is applied*)",
		// RDS holds most instance modifications for the maintenance window
		// unless ApplyImmediately is set (ModifyDBInstance). dev applies
		// them at once; staging and prod wait, unless the stack file asks,
		// in words the preview shows as a change of the instance's
		// applyImmediately, for the next change to apply now.
		current: func(d Database) any { return d.ApplyImmediately },
		load: func(k keyReader, d *Database) (err error) {
			d.ApplyImmediately, err = k.boolean(d.Tier == Dev)
			return err
		},
		toSpec: func(d Database, s *spec.Database) { s.ApplyImmediately = d.ApplyImmediately }},
	{Name: "multiAz", Type: "boolean", Default: "`true`", Allowed: "`false` only in a dev-tier stack", Rule: "multi-az",
		current: func(d Database) any { return d.MultiAZ },
		load: func(k keyReader, d *Database) (err error) {
			d.MultiAZ, err = k.boolean(true)
			return err
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.MultiAZ = d.MultiAZ }},
	{Name: "backupRetentionDays", Type: "integer", Default: fmt.Sprintf("%d (prod %d)", spec.MinBackupRetentionDays, spec.MinProdBackupRetentionDays), Allowed: fmt.Sprintf("%d-%d (prod %d-%d)", spec.MinBackupRetentionDays, MaxBackupRetentionDays, spec.MinProdBackupRetentionDays, MaxBackupRetentionDays), Rule: "backups",
		current: func(d Database) any { return d.BackupRetentionDays },
		load: func(k keyReader, d *Database) (err error) {
			floor := d.Tier.MinBackupRetentionDays()
			if d.BackupRetentionDays, err = k.integer(floor); err != nil {
				return err
			}
			// The tier's floor is the guardrail's (which also checks the
			// spec); it is stated here so that one refusal says all that is
			// allowed.
			if d.BackupRetentionDays < floor || d.BackupRetentionDays > MaxBackupRetentionDays {
				return k.breaks(strconv.Itoa(d.BackupRetentionDays), fmt.Sprintf("from %d to %d days in %s", floor, MaxBackupRetentionDays, d.Tier))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.BackupRetentionDays = d.BackupRetentionDays }},
	{Name: "backupWindow", Type: "string", Default: "`" + DefaultBackupWindow + "`", Allowed: "a daily UTC window `hh:mm-hh:mm` of at least 30 minutes",
		current: func(d Database) any { return d.BackupWindow },
		load: func(k keyReader, d *Database) error {
			d.BackupWindow = k.value(DefaultBackupWindow)
			if _, err := parseDailyWindow(d.BackupWindow); err != nil {
				return k.fail(d.BackupWindow, "a daily UTC window hh:mm-hh:mm of at least 30 minutes ("+err.Error()+")")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.BackupWindow = d.BackupWindow }},
	{Name: "maintenanceWindow", Type: "string", Default: "`" + DefaultMaintenanceWindow + "`", Allowed: "a weekly UTC window `ddd:hh:mm-ddd:hh:mm` of at least 30 minutes, not overlapping the backup window",
		current: func(d Database) any { return d.MaintenanceWindow },
		load: func(k keyReader, d *Database) error {
			d.MaintenanceWindow = k.value(DefaultMaintenanceWindow)
			maint, err := parseWeeklyWindow(d.MaintenanceWindow)
			if err != nil {
				return k.fail(d.MaintenanceWindow, "a weekly UTC window ddd:hh:mm-ddd:hh:mm of at least 30 minutes ("+err.Error()+")")
			}
			backup, _ := parseDailyWindow(d.BackupWindow) // checked by its own key
			if windowsOverlap(backup, maint) {
				return k.fail(d.MaintenanceWindow, "a window that does not overlap the daily backup window "+d.BackupWindow)
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.MaintenanceWindow = d.MaintenanceWindow }},
	{Name: "masterUsername", Type: "string", Default: "`<app>_admin`", Allowed: "a PostgreSQL identifier, not " + strings.Join(ForbiddenUsernames, ", ") + ", pg_* or rds*", Rule: "admin-user-not-default",
		current: func(d Database) any { return d.MasterUsername },
		load: func(k keyReader, d *Database) error {
			d.MasterUsername = k.value(d.App + "_admin")
			if !pgIdentifier.MatchString(d.MasterUsername) {
				return k.fail(d.MasterUsername, "a lowercase identifier of 1-63 letters, digits and _ starting with a letter")
			}
			if slices.Contains(ForbiddenUsernames, d.MasterUsername) || strings.HasPrefix(d.MasterUsername, "pg_") || strings.HasPrefix(d.MasterUsername, "rds") {
				return k.breaks(d.MasterUsername, "a name other than "+strings.Join(ForbiddenUsernames, ", ")+" and not starting with pg_ or rds (well-known admin names are the first ones guessed)")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.MasterUsername = d.MasterUsername }},
	{Name: "databaseName", Type: "string", Default: "`<app>`", Allowed: "a PostgreSQL identifier, not postgres, rdsadmin or template*",
		current: func(d Database) any { return d.DatabaseName },
		load: func(k keyReader, d *Database) error {
			d.DatabaseName = k.value(d.App)
			if !pgIdentifier.MatchString(d.DatabaseName) || d.DatabaseName == "postgres" || strings.HasPrefix(d.DatabaseName, "template") || strings.HasPrefix(d.DatabaseName, "rdsadmin") {
				return k.fail(d.DatabaseName, "a lowercase identifier of 1-63 letters, digits and _ starting with a letter, not postgres, rdsadmin or template*")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.DatabaseName = d.DatabaseName }},
	{Name: "port", Type: "integer", Default: strconv.Itoa(DefaultPort), Allowed: "1150-65535",
		current: func(d Database) any { return d.Port },
		load: func(k keyReader, d *Database) (err error) {
			if d.Port, err = k.integer(DefaultPort); err != nil {
				return err
			}
			if d.Port < 1150 || d.Port > 65535 {
				return k.fail(strconv.Itoa(d.Port), "a port from 1150 to 65535 (RDS's range)")
			}
			return nil
		},
		// The security group admits the port from the network's
		// application subnets first (ingress-0...), then from the sources
		// the stack file names (allowedCidrs, allowedSecurityGroupIds).
		toSpec: func(d Database, s *spec.Database) {
			s.Port = d.Port
			s.Ingress = append(s.Ingress, spec.Ingress{FromApps: true, Port: d.Port})
		}},
	{Name: "monitoringIntervalSeconds", Type: "integer", Default: strconv.Itoa(DefaultMonitoringInterval), Allowed: joinInts(MonitoringIntervals), Rule: "enhanced-monitoring",
		current: func(d Database) any { return d.MonitoringInterval },
		load: func(k keyReader, d *Database) (err error) {
			if d.MonitoringInterval, err = k.integer(DefaultMonitoringInterval); err != nil {
				return err
			}
			if !slices.Contains(MonitoringIntervals, d.MonitoringInterval) {
				return k.breaks(strconv.Itoa(d.MonitoringInterval), "one of "+joinInts(MonitoringIntervals)+" (enhanced monitoring stays on)")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.MonitoringInterval = d.MonitoringInterval }},
	{Name: "performanceInsightsRetentionDays", Type: "integer", Default: strconv.Itoa(DefaultPIRetentionDays), Allowed: "7, multiples of 31 up to 713, 731", Rule: "performance-insights",
		current: func(d Database) any { return d.PIRetentionDays },
		load: func(k keyReader, d *Database) (err error) {
			if d.PIRetentionDays, err = k.integer(DefaultPIRetentionDays); err != nil {
				return err
			}
			if !validPIRetention(d.PIRetentionDays) {
				return k.breaks(strconv.Itoa(d.PIRetentionDays), "7, a multiple of 31 up to 713, or 731")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.PerformanceInsightsRetentionDays = d.PIRetentionDays }},
	{Name: "logRetentionDays", Type: "integer", Default: strconv.Itoa(DefaultLogRetentionDays), Allowed: "a CloudWatch Logs retention in days",
		current: func(d Database) any { return d.LogRetentionDays },
		load: func(k keyReader, d *Database) (err error) {
			d.LogRetentionDays, err = k.logRetention(k.name, DefaultLogRetentionDays)
			return err
		},
		toSpec: func(d Database, s *spec.Database) { s.LogGroupRetentionDays = d.LogRetentionDays }},
	{Name: "logMinDurationStatementMs", Type: "integer", Default: strconv.Itoa(DefaultLogMinDurationMs), Allowed: fmt.Sprintf("%d-3600000 (below %d ms nearly every statement is logged)", MinLogMinDurationMs, MinLogMinDurationMs), Rule: "safe-query-logging",
		current: func(d Database) any { return d.LogMinDurationMs },
		load: func(k keyReader, d *Database) (err error) {
			if d.LogMinDurationMs, err = k.integer(DefaultLogMinDurationMs); err != nil {
				return err
			}
			if d.LogMinDurationMs < MinLogMinDurationMs || d.LogMinDurationMs > 3600000 {
				return k.breaks(strconv.Itoa(d.LogMinDurationMs), fmt.Sprintf("from %d to 3600000 milliseconds: slow-query logging stays on, and below %d ms it logs nearly every statement's text, passwords in CREATE/ALTER ROLE included", MinLogMinDurationMs, MinLogMinDurationMs))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.LogMinDurationMs = d.LogMinDurationMs }},
	{Name: "logStatement", Type: "string", Default: "`" + DefaultLogStatement + "`", Allowed: "`none` or `ddl` (see below)", Rule: "safe-query-logging",
		current: func(d Database) any { return d.LogStatement },
		load: func(k keyReader, d *Database) error {
			d.LogStatement = k.value(DefaultLogStatement)
			if d.LogStatement != "ddl" && d.LogStatement != "none" {
				return k.breaks(d.LogStatement, "none (the default) or ddl: mod and all log the text of writes, and all three log CREATE/ALTER ROLE statements with any clear-text password in them (set passwords with psql's \\password, which sends a hash)")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.LogStatement = d.LogStatement }},
	{Name: "deletionProtection", Type: "boolean", Default: "`true` in staging and prod, `false` in dev", Allowed: "`false` only in dev", Rule: "deletion-protection",
		// On by default where the guardrails require it; a dev environment
		// must stay destroyable without editing its files first.
		current: func(d Database) any { return d.DeletionProtection },
		load: func(k keyReader, d *Database) (err error) {
			d.DeletionProtection, err = k.boolean(d.Tier.Strict())
			return err
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.DeletionProtection = d.DeletionProtection }},
	{Name: "skipFinalSnapshot", Type: "boolean", Default: "`false`", Allowed: "`true` only in dev", Rule: "final-snapshot",
		current: func(d Database) any { return d.SkipFinalSnapshot },
		load: func(k keyReader, d *Database) (err error) {
			d.SkipFinalSnapshot, err = k.boolean(false)
			return err
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.SkipFinalSnapshot = d.SkipFinalSnapshot }},
	{Name: "allowedCidrs", Type: "list of strings", Default: "none", Allowed: "extra sources for the database port: RFC 1918 CIDRs, never `0.0.0.0/0` or `::/0`", Rule: "least-privilege-ingress",
		load: func(k keyReader, d *Database) error {
			cidrs, err := k.list()
			if err != nil {
				return err
			}
			for _, c := range cidrs {
				p, perr := netip.ParsePrefix(c)
				if perr == nil && p.Bits() == 0 {
					return k.breaks(c, "a private source range; 0.0.0.0/0 and ::/0 open the database to everyone")
				}
				q, err := parsePrivateCIDR(c)
				if err != nil {
					return k.breaks(c, "IPv4 CIDRs in RFC 1918 space ("+privateRangesText+") with no host bits set ("+err.Error()+")")
				}
				d.AllowedCidrs = append(d.AllowedCidrs, q)
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) {
			for _, c := range d.AllowedCidrs {
				s.Ingress = append(s.Ingress, spec.Ingress{CIDR: c.String(), Port: d.Port})
			}
		}},
	{Name: "allowedSecurityGroupIds", Type: "list of strings", Default: "none", Allowed: "extra sources for the database port: security group ids (`sg-...`)", Rule: "least-privilege-ingress",
		load: func(k keyReader, d *Database) (err error) {
			if d.AllowedSecurityGroups, err = k.list(); err != nil {
				return err
			}
			for _, sg := range d.AllowedSecurityGroups {
				if !sgPattern.MatchString(sg) {
					return k.breaks(sg, "security group ids such as sg-0123456789abcdef0")
				}
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) {
			for _, sg := range d.AllowedSecurityGroups {
				s.Ingress = append(s.Ingress, spec.Ingress{SecurityGroupID: sg, Port: d.Port})
			}
		}},
	{Name: "caCertIdentifier", Type: "string", Default: "`" + DefaultCACertIdentifier + "`", Allowed: "`" + strings.Join(CACertIdentifiers, "`, `") + "`", Rule: "current-ca",
		current: func(d Database) any { return d.CACertIdentifier },
		load: func(k keyReader, d *Database) error {
			d.CACertIdentifier = k.value(DefaultCACertIdentifier)
			if !slices.Contains(CACertIdentifiers, d.CACertIdentifier) {
				return k.breaks(d.CACertIdentifier, "one of "+strings.Join(CACertIdentifiers, ", "))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.CACertIdentifier = d.CACertIdentifier }},
	{Name: "alarms", Type: "map of integers", Default: alarmsText(DefaultAlarms), Allowed: "positive whole numbers (cpuPercent at most 100)",
		current: func(d Database) any { return d.Alarms },
		load: func(k keyReader, d *Database) (err error) {
			d.Alarms, err = k.alarms()
			return err
		},
		toSpec: func(d Database, s *spec.Database) { s.Alarms = d.Alarms }},
	{Name: "alarmSubscriptions", Type: "list of {protocol, endpoint}", Default: "none; **required in prod**", Allowed: "who hears the alarms and RDS events: protocol `email` (an address), `https` (an `https://` URL), `sqs` (a standard queue's ARN) or `lambda` (a function's ARN)", Rule: "alarm-subscribers",
		load: func(k keyReader, d *Database) (err error) {
			d.AlarmSubscriptions, err = k.alarmSubscriptions()
			return err
		},
		toSpec: func(d Database, s *spec.Database) {
			s.AlarmSubscriptions = append([]spec.Subscription(nil), d.AlarmSubscriptions...)
		}},
	{Name: "keyAdminRoleArns", Type: "list of strings", Default: "none", Allowed: "IAM roles of the stack's account (`arn:<partition>:iam::<account>:role/<name>`) that administer the stack's KMS key besides the account root; they cannot use it",
		load: func(k keyReader, d *Database) (err error) {
			d.KeyAdminRoleArns, err = k.keyAdminRoleArns(d.Region, d.AllowedAccountIDs)
			return err
		},
		toSpec: func(d Database, s *spec.Database) { s.KeyAdminRoleArns = d.KeyAdminRoleArns }},
	{Name: "tags", Type: "map of strings", Default: "none", Allowed: "AWS tag rules; not the platform's own keys",
		load: func(k keyReader, d *Database) (err error) {
			if d.Tags, err = k.stringMap(k.name); err != nil {
				return err
			}
			return k.validateTags(k.name, d.Tags)
		},
		toSpec: func(d Database, s *spec.Database) { s.Tags = d.Tags }},
}

func databaseKeyNames() []string {
	names := make([]string, len(DatabaseKeyTable))
	for i, k := range DatabaseKeyTable {
		names[i] = k.Name
	}
	return names
}

// LoadDatabase reads and validates the database config, key by key in the
// order of DatabaseKeyTable. Tier-independent shape checks live here; the
// tier rules of docs/guardrails.md are checked by the guardrails package on
// the spec built from this config.
func LoadDatabase(src Source) (Database, error) {
	r := reader{src: src}
	var d Database
	for _, k := range DatabaseKeyTable {
		if err := k.load(keyReader{reader: r, name: k.Name, rule: k.Rule}, &d); err != nil {
			return Database{}, err
		}
	}
	return d, nil
}

// DatabaseSpec writes every key's value into a spec, in the table's order:
// the settings a stack file decides. The platform's fixed choices are the
// caller's to add (database/dbstack Resolve).
func DatabaseSpec(d Database) spec.Database {
	var s spec.Database
	for _, k := range DatabaseKeyTable {
		k.toSpec(d, &s)
	}
	return s
}

// previousFamily is the parameter group family of the major before major,
// whose group the stack keeps for an instance that still runs that major
// (database/postgres parameterGroup), or "" when that major is older than
// the platform allows, so no instance of it can run one.
func previousFamily(major int) string {
	if major-1 < MinEngineMajor {
		return ""
	}
	return fmt.Sprintf("postgres%d", major-1)
}

func alarmsText(a Alarms) string {
	return fmt.Sprintf("cpuPercent %d, freeStorageMb %d, freeableMemoryMb %d, connections %d, readLatencyMs %d, writeLatencyMs %d",
		a.CPUPercent, a.FreeStorageMb, a.FreeableMemoryMb, a.Connections, a.ReadLatencyMs, a.WriteLatencyMs)
}

func validPIRetention(n int) bool {
	if n == 7 || n == 731 {
		return true
	}
	return n%31 == 0 && n/31 >= 1 && n/31 <= maxPerformanceInsightsMonths
}

func (r reader) alarms() (Alarms, error) {
	a := DefaultAlarms
	v, ok := r.raw("alarms")
	if !ok {
		return a, nil
	}
	var m map[string]any
	if err := jsonUnmarshal(v, &m); err != nil {
		return Alarms{}, r.fail("alarms", v, "a map of alarm thresholds")
	}
	fields := map[string]*int{
		"cpuPercent": &a.CPUPercent, "freeStorageMb": &a.FreeStorageMb,
		"freeableMemoryMb": &a.FreeableMemoryMb, "connections": &a.Connections,
		"readLatencyMs": &a.ReadLatencyMs, "writeLatencyMs": &a.WriteLatencyMs,
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		dst, known := fields[k]
		if !known {
			return Alarms{}, r.fail("alarms."+k, fmt.Sprint(m[k]), "a threshold named one of "+strings.Join(names, ", "))
		}
		f, isNum := m[k].(float64)
		if !isNum || f != float64(int(f)) || f <= 0 {
			return Alarms{}, r.fail("alarms."+k, fmt.Sprint(m[k]), "a positive whole number")
		}
		*dst = int(f)
	}
	if a.CPUPercent > 100 {
		return Alarms{}, r.fail("alarms.cpuPercent", strconv.Itoa(a.CPUPercent), "a percentage from 1 to 100")
	}
	return a, nil
}
