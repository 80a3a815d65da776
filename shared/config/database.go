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
	DefaultClusterInstanceClass  = "db.m6gd.large"
	DefaultDeployment            = spec.DeployInstance
	DefaultClusterStorageType    = "io2"
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

	// The RDS Proxy's defaults: AWS's own idle client timeout (30 minutes)
	// and borrow timeout (120 s); 90 % of max_connections for the pool,
	// so that the connections RDS and direct access
	// (proxyDirectAccess) need are left, and AWS's default share of idle
	// connections, half of that (spec.MaxProxy... for the ranges).
	DefaultProxyIdleClientTimeoutSeconds       = 1800
	DefaultProxyMaxConnectionsPercent          = 90
	DefaultProxyConnectionBorrowTimeoutSeconds = 120
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
	NetworkStack string
	// Deployment is the shape: a Multi-AZ DB instance or a Multi-AZ DB
	// cluster.
	Deployment    spec.Deployment
	EngineMajor   int
	InstanceClass string
	// StorageType is gp3 for an instance; io1, io2 or gp3 for a cluster.
	StorageType        string
	AllocatedStorageGb int
	// Iops is a cluster's provisioned IOPS; 0 for an instance.
	Iops int
	// MaxAllocatedStorageGb is an instance's storage autoscaling ceiling;
	// 0 for a cluster, which has none.
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
	// Proxy is the stack's RDS Proxy as config sets it.
	Proxy Proxy
	// DR is the stack's disaster recovery (database:dr, database:drOptOut).
	DR DR
}

// Proxy is the config of the stack's RDS Proxy: whether there is one,
// whether the database keeps its own ingress next to it, and its pool.
type Proxy struct {
	Enabled                        bool
	DirectAccess                   bool
	IdleClientTimeoutSeconds       int
	MaxConnectionsPercent          int
	MaxIdleConnectionsPercent      int
	ConnectionBorrowTimeoutSeconds int
}

// Cluster reports whether the config declares a Multi-AZ DB cluster.
func (d Database) Cluster() bool { return d.Deployment == spec.DeployCluster }

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
	// default is no value at all, and returning nil where a shape gives
	// the key no value (iops of an instance).
	current func(d Database) any
}

// Current is the key's value in d, and false when the key has none to show
// (a required key, or one whose default is no value, for d's shape).
func (k DatabaseKey) Current(d Database) (any, bool) {
	if k.current == nil {
		return nil, false
	}
	v := k.current(d)
	return v, v != nil
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

// set reports whether the stack file sets the key.
func (k keyReader) set() bool {
	_, ok := k.raw(k.name)
	return ok
}

// withoutProxy reports whether the stack has no proxy, so the proxy
// setting k reads has no value, and refuses the setting in such a stack:
// it would be ignored, and a stack file that sets it means to have one.
func (k keyReader) withoutProxy(d *Database) (bool, error) {
	if d.Proxy.Enabled {
		return false, nil
	}
	if v, ok := k.raw(k.name); ok {
		return true, k.fail(v, "no value unless database:proxy is true (this setting is the RDS Proxy's)")
	}
	return true, nil
}

// proxyCurrent is a proxy setting's value to show, none without a proxy.
func proxyCurrent(d Database, v int) any {
	if !d.Proxy.Enabled {
		return nil
	}
	return v
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
	{Name: "deployment", Type: "string", Default: "`" + string(DefaultDeployment) + "`", Allowed: "`instance` (a Multi-AZ DB instance: one standby that serves no reads) or `cluster` (a Multi-AZ DB cluster: a writer and two readable standbys in three zones)",
		current: func(d Database) any { return string(d.Deployment) },
		load: func(k keyReader, d *Database) error {
			switch v := spec.Deployment(k.value(string(DefaultDeployment))); v {
			case spec.DeployInstance, spec.DeployCluster:
				d.Deployment = v
				return nil
			default:
				return k.fail(string(v), "instance or cluster")
			}
		},
		toSpec: func(d Database, s *spec.Database) { s.Deployment = d.Deployment }},
	{Name: "engineVersion", Type: "string", Default: "`\"" + DefaultEngineVersion + "\"`", Allowed: fmt.Sprintf("a PostgreSQL major only, %d or later; a cluster: %s", MinEngineMajor, joinInts(spec.ClusterEngineMajors)), Rule: "supported-engine",
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
			// RDS offers Multi-AZ DB clusters of PostgreSQL only for the
			// majors of spec.ClusterEngineMajors (sourced there).
			if d.Cluster() && !slices.Contains(spec.ClusterEngineMajors, d.EngineMajor) {
				return k.breaks(ev, "a PostgreSQL major RDS offers Multi-AZ DB clusters for: "+joinInts(spec.ClusterEngineMajors)+" (with database:deployment cluster)")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) {
			s.Instance.EngineVersion = d.EngineVersion()
			s.ParameterFamily = d.ParameterGroupFamily()
			s.PreviousParameterFamily = previousFamily(d.EngineMajor)
		}},
	{Name: "instanceClass", Type: "string", Default: "`" + DefaultInstanceClass + "`; a cluster `" + DefaultClusterInstanceClass + "`", Allowed: "an RDS instance class (`db.` prefix); a cluster: db." + strings.Join(spec.ClusterInstanceFamilies(), ", db.") + " (medium only for c6gd)", Rule: "cluster-instance-class",
		current: func(d Database) any { return d.InstanceClass },
		load: func(k keyReader, d *Database) error {
			def := DefaultInstanceClass
			if d.Cluster() {
				def = DefaultClusterInstanceClass
			}
			d.InstanceClass = k.value(def)
			if !instanceClassPattern.MatchString(d.InstanceClass) {
				return k.fail(d.InstanceClass, "an RDS instance class such as db.r6g.large (it starts with db.)")
			}
			if want := spec.CheckClusterInstanceClass(d.InstanceClass); d.Cluster() && want != "" {
				return k.breaks(d.InstanceClass, want+" (with database:deployment cluster)")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.InstanceClass = d.InstanceClass }},
	{Name: "storageType", Type: "string", Default: "`" + spec.InstanceStorageType + "`; a cluster `" + DefaultClusterStorageType + "`", Allowed: "`gp3` for an instance; `io1`, `io2` or `gp3` for a cluster", Rule: "cluster-storage",
		current: func(d Database) any { return d.StorageType },
		load: func(k keyReader, d *Database) error {
			if !d.Cluster() {
				// An instance keeps gp3 and its storage autoscaling, as
				// before clusters existed.
				d.StorageType = k.value(spec.InstanceStorageType)
				if d.StorageType != spec.InstanceStorageType {
					return k.reader.breaks("storage-autoscaling", k.name, d.StorageType, "gp3 for an instance (io1, io2 and gp3 with provisioned IOPS are for database:deployment cluster)")
				}
				return nil
			}
			d.StorageType = k.value(DefaultClusterStorageType)
			if !slices.Contains(spec.ClusterStorageTypes, d.StorageType) {
				return k.breaks(d.StorageType, "one of "+strings.Join(spec.ClusterStorageTypes, ", ")+" (the storage types of a Multi-AZ DB cluster)")
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.StorageType = d.StorageType }},
	{Name: "allocatedStorageGb", Type: "integer", Default: fmt.Sprintf("%d; a cluster %d (io1, io2) or %d (gp3)", DefaultAllocatedStorageGb, spec.ClusterMinProvisionedGb, spec.ClusterMinGp3Gb), Allowed: fmt.Sprintf("%d-%d (gp3; room above it for the autoscaling ceiling); a cluster %d-%d (io1, io2) or %d-%d (gp3)", gp3MinStorageGb, maxStorageGb*10/11, spec.ClusterMinProvisionedGb, spec.ClusterMaxStorageGb, spec.ClusterMinGp3Gb, spec.ClusterMaxStorageGb), Rule: "cluster-storage",
		current: func(d Database) any { return d.AllocatedStorageGb },
		load: func(k keyReader, d *Database) (err error) {
			if d.Cluster() {
				lo := spec.ClusterMinStorageGb(d.StorageType)
				if d.AllocatedStorageGb, err = k.integer(lo); err != nil {
					return err
				}
				if d.AllocatedStorageGb < lo || d.AllocatedStorageGb > spec.ClusterMaxStorageGb {
					return k.breaks(strconv.Itoa(d.AllocatedStorageGb), fmt.Sprintf("from %d to %d GiB on %s in a Multi-AZ DB cluster", lo, spec.ClusterMaxStorageGb, d.StorageType))
				}
				return nil
			}
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
	{Name: "iops", Type: "integer", Default: "none for an instance (gp3's baseline); a cluster 3000 (io1, io2) or 12000 (gp3), raised to 0.5 per GiB", Allowed: "a cluster only: io1 1000-256000 (at most 19950 below 400 GiB), 0.5-50 per GiB; io2 1000-256000, 0.5-1000 per GiB; gp3 12000-64000, at most 500 per GiB", Rule: "cluster-storage",
		current: func(d Database) any {
			if d.Iops == 0 {
				return nil
			}
			return d.Iops
		},
		load: func(k keyReader, d *Database) (err error) {
			if !d.Cluster() {
				if v, ok := k.raw(k.name); ok {
					return k.fail(v, "no value for an instance: its gp3 storage runs at gp3's baseline (provisioned IOPS are for database:deployment cluster)")
				}
				return nil
			}
			if d.Iops, err = k.integer(spec.DefaultClusterIops(d.StorageType, d.AllocatedStorageGb)); err != nil {
				return err
			}
			if what, want := spec.CheckClusterStorage(d.StorageType, d.AllocatedStorageGb, d.Iops); what != "" {
				return k.breaks(strconv.Itoa(d.Iops), want)
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Instance.Iops = d.Iops }},
	{Name: "maxAllocatedStorageGb", Type: "integer", Default: fmt.Sprintf("%d x allocated (at most %d); none for a cluster", defaultMaxStorageMultiplier, maxStorageGb), Allowed: fmt.Sprintf("at least 10 %% above allocatedStorageGb (RDS's rule for the autoscaling ceiling: 100 needs at least 110), at most %d; not for a cluster (Multi-AZ DB clusters have no storage autoscaling)", maxStorageGb), Rule: "storage-autoscaling",
		current: func(d Database) any {
			if d.Cluster() {
				return nil
			}
			return d.MaxAllocatedStorageGb
		},
		load: func(k keyReader, d *Database) (err error) {
			if d.Cluster() {
				// "Multi-AZ DB clusters don't support the following
				// features: ... Storage autoscaling by setting the maximum
				// allocated storage. As an alternative, you can scale
				// storage manually." (RDS User Guide, "Limitations of
				// Multi-AZ DB clusters for Amazon RDS",
				// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.Limitations.html).
				// A ceiling in a cluster's stack file is refused rather
				// than ignored: it would promise growth that never comes.
				if v, ok := k.raw(k.name); ok {
					return k.reader.breaks("cluster-storage", k.name, v, "no value with database:deployment cluster: Multi-AZ DB clusters have no storage autoscaling; raise allocatedStorageGb instead")
				}
				return nil
			}
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
	{Name: "multiAz", Type: "boolean", Default: "`true`", Allowed: "`false` only in a dev-tier stack, and never with a cluster (always three zones)", Rule: "multi-az",
		current: func(d Database) any { return d.MultiAZ },
		load: func(k keyReader, d *Database) (err error) {
			if d.MultiAZ, err = k.boolean(true); err != nil {
				return err
			}
			// A Multi-AZ DB cluster is three instances in three zones by
			// construction (spec.MinClusterZones); false would say otherwise.
			if d.Cluster() && !d.MultiAZ {
				return k.breaks("false", "true (or no value) with database:deployment cluster: a Multi-AZ DB cluster always spans three zones")
			}
			return nil
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
	{Name: "allowedCidrs", Type: "list of strings", Default: "none", Allowed: "extra sources for the database port: RFC 1918 CIDRs, never `0.0.0.0/0` or `::/0`; with `proxy` the proxy admits them (and the database too only with `proxyDirectAccess`)", Rule: "least-privilege-ingress",
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
	{Name: "allowedSecurityGroupIds", Type: "list of strings", Default: "none", Allowed: "extra sources for the database port: security group ids (`sg-...`); with `proxy` the proxy admits them (and the database too only with `proxyDirectAccess`)", Rule: "least-privilege-ingress",
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
	{Name: "proxy", Type: "boolean", Default: "`false`", Allowed: "`true` puts an RDS Proxy in front of the instance or cluster: TLS and IAM authentication required, and the database then admits only the proxy (see `proxyDirectAccess`); only with the default `port`",
		current: func(d Database) any { return d.Proxy.Enabled },
		load: func(k keyReader, d *Database) (err error) {
			if d.Proxy.Enabled, err = k.boolean(false); err != nil {
				return err
			}
			// Which port a proxy for PostgreSQL listens on when the
			// database's is not 5432 is not in AWS's RDS Proxy pages
			// (rds-proxy.html states the proxy's own port only in its
			// MySQL limitations; CreateDBProxy takes no port), so the
			// platform does not guess: a proxy needs the default port.
			if d.Proxy.Enabled && d.Port != DefaultPort {
				return k.fail("true", fmt.Sprintf("`false` while database:port is %d: a stack behind an RDS Proxy keeps the default port %d (which port the proxy would listen on otherwise is not documented)", d.Port, DefaultPort))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Proxy.Enabled = d.Proxy.Enabled }},
	{Name: "proxyDirectAccess", Type: "boolean", Default: "none without `proxy`; `false` with it", Allowed: "`true` (with `proxy`) keeps the database's own ingress from the application subnets and the sources above next to the proxy's", Rule: "least-privilege-ingress",
		current: func(d Database) any {
			if !d.Proxy.Enabled {
				return nil
			}
			return d.Proxy.DirectAccess
		},
		load: func(k keyReader, d *Database) (err error) {
			if none, err := k.withoutProxy(d); none {
				return err
			}
			d.Proxy.DirectAccess, err = k.boolean(false)
			return err
		},
		toSpec: func(d Database, s *spec.Database) { s.Proxy.DirectAccess = d.Proxy.DirectAccess }},
	{Name: "proxyIdleClientTimeoutSeconds", Type: "integer", Default: "none without `proxy`; " + strconv.Itoa(DefaultProxyIdleClientTimeoutSeconds) + " with it", Allowed: fmt.Sprintf("%d-%d (with `proxy`): the proxy closes a client connection idle this long", spec.MinProxyIdleClientTimeoutSeconds, spec.MaxProxyIdleClientTimeoutSeconds),
		current: func(d Database) any { return proxyCurrent(d, d.Proxy.IdleClientTimeoutSeconds) },
		load: func(k keyReader, d *Database) (err error) {
			if none, err := k.withoutProxy(d); none {
				return err
			}
			n := &d.Proxy.IdleClientTimeoutSeconds
			if *n, err = k.integer(DefaultProxyIdleClientTimeoutSeconds); err != nil {
				return err
			}
			if *n < spec.MinProxyIdleClientTimeoutSeconds || *n > spec.MaxProxyIdleClientTimeoutSeconds {
				return k.fail(strconv.Itoa(*n), fmt.Sprintf("from %d to %d seconds (RDS Proxy's range)", spec.MinProxyIdleClientTimeoutSeconds, spec.MaxProxyIdleClientTimeoutSeconds))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) {
			s.Proxy.IdleClientTimeoutSeconds = d.Proxy.IdleClientTimeoutSeconds
		}},
	{Name: "proxyMaxConnectionsPercent", Type: "integer", Default: "none without `proxy`; " + strconv.Itoa(DefaultProxyMaxConnectionsPercent) + " with it", Allowed: fmt.Sprintf("%d-%d (with `proxy`): the share of the database's max_connections the proxy's pool may open", spec.MinProxyMaxConnectionsPercent, spec.MaxProxyMaxConnectionsPercent),
		current: func(d Database) any { return proxyCurrent(d, d.Proxy.MaxConnectionsPercent) },
		load: func(k keyReader, d *Database) (err error) {
			if none, err := k.withoutProxy(d); none {
				return err
			}
			n := &d.Proxy.MaxConnectionsPercent
			if *n, err = k.integer(DefaultProxyMaxConnectionsPercent); err != nil {
				return err
			}
			if *n < spec.MinProxyMaxConnectionsPercent || *n > spec.MaxProxyMaxConnectionsPercent {
				return k.fail(strconv.Itoa(*n), fmt.Sprintf("a percentage from %d to %d (RDS Proxy's range)", spec.MinProxyMaxConnectionsPercent, spec.MaxProxyMaxConnectionsPercent))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) { s.Proxy.MaxConnectionsPercent = d.Proxy.MaxConnectionsPercent }},
	{Name: "proxyMaxIdleConnectionsPercent", Type: "integer", Default: "none without `proxy`; half of `proxyMaxConnectionsPercent` with it", Allowed: "1 up to `proxyMaxConnectionsPercent` (with `proxy`): the share of max_connections the pool keeps open while idle",
		current: func(d Database) any { return proxyCurrent(d, d.Proxy.MaxIdleConnectionsPercent) },
		load: func(k keyReader, d *Database) (err error) {
			if none, err := k.withoutProxy(d); none {
				return err
			}
			n := &d.Proxy.MaxIdleConnectionsPercent
			if *n, err = k.integer(max(spec.MinProxyMaxIdleConnectionsPercent, d.Proxy.MaxConnectionsPercent/2)); err != nil {
				return err
			}
			if *n < spec.MinProxyMaxIdleConnectionsPercent || *n > d.Proxy.MaxConnectionsPercent {
				return k.fail(strconv.Itoa(*n), fmt.Sprintf("a percentage from %d to proxyMaxConnectionsPercent (%d): RDS Proxy allows up to it, and 0 would render as AWS's default", spec.MinProxyMaxIdleConnectionsPercent, d.Proxy.MaxConnectionsPercent))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) {
			s.Proxy.MaxIdleConnectionsPercent = d.Proxy.MaxIdleConnectionsPercent
		}},
	{Name: "proxyConnectionBorrowTimeoutSeconds", Type: "integer", Default: "none without `proxy`; " + strconv.Itoa(DefaultProxyConnectionBorrowTimeoutSeconds) + " with it", Allowed: fmt.Sprintf("%d-%d (with `proxy`): how long a client waits for a pooled connection when the pool is full", spec.MinProxyConnectionBorrowTimeoutSeconds, spec.MaxProxyConnectionBorrowTimeoutSeconds),
		current: func(d Database) any { return proxyCurrent(d, d.Proxy.ConnectionBorrowTimeoutSeconds) },
		load: func(k keyReader, d *Database) (err error) {
			if none, err := k.withoutProxy(d); none {
				return err
			}
			n := &d.Proxy.ConnectionBorrowTimeoutSeconds
			if *n, err = k.integer(DefaultProxyConnectionBorrowTimeoutSeconds); err != nil {
				return err
			}
			if *n < spec.MinProxyConnectionBorrowTimeoutSeconds || *n > spec.MaxProxyConnectionBorrowTimeoutSeconds {
				return k.fail(strconv.Itoa(*n), fmt.Sprintf("from %d to %d seconds (RDS Proxy's range; 0 would render as AWS's default)", spec.MinProxyConnectionBorrowTimeoutSeconds, spec.MaxProxyConnectionBorrowTimeoutSeconds))
			}
			return nil
		},
		toSpec: func(d Database, s *spec.Database) {
			s.Proxy.ConnectionBorrowTimeoutSeconds = d.Proxy.ConnectionBorrowTimeoutSeconds
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
	{Name: "dr", Type: "object {region, mode, retentionDays, rpoMinutes, networkStack}", Default: "none; **required in prod** unless `drOptOut`", Allowed: "`region` a recovery region other than the stack's; `mode` `backups` (the default: RDS cross-Region automated backup replication, under the stack's own key in that region); `retentionDays` 1-35 (default: `backupRetentionDays`); `rpoMinutes` 15-1440, the recovery point target verify holds the replicated backups to (default: prod 60, else 240; AWS documents no recovery point, only that RDS copies snapshots and transaction logs \"as soon as they are ready\", so the defaults are the platform's: prod's is twice the 30 minutes verify allows the primary's own restorable time to lag); `networkStack` the recovery network the program reads and checks (`<stack>`, `<project>/<stack>` or `<org>/<project>/<stack>`; default `network/<environment>-dr`), not the primary network. Refused with `deployment` `cluster` (AWS replicates no Multi-AZ DB cluster's backups) and for mode `replica` (no read replica of a source whose master password RDS manages)", Rule: DRRule,
		current: drCurrent,
		load:    func(k keyReader, d *Database) error { return k.dr(d) },
		toSpec:  drToSpec},
	{Name: "drOptOut", Type: "string", Default: "none", Allowed: "without `dr` (needed in prod): the reason the stack keeps no copy in a second region (at least 10 characters); every preview of the stack warns with it", Rule: DRRule,
		load:   func(k keyReader, d *Database) error { return k.drOptOut(d) },
		toSpec: func(Database, *spec.Database) {}},
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
// caller's to add (database/dbspec Resolve).
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
