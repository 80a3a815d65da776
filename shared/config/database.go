package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pgplatform/platform/shared/networkref"
)

// DatabaseKeys are the keys of the database namespace.
var DatabaseKeys = []string{
	"environment", "tier", "app", "networkStack", "engineVersion",
	"instanceClass", "allocatedStorageGb", "maxAllocatedStorageGb", "multiAz",
	"backupRetentionDays", "backupWindow", "maintenanceWindow",
	"masterUsername", "databaseName", "port", "monitoringIntervalSeconds",
	"performanceInsightsRetentionDays", "logRetentionDays",
	"logMinDurationStatementMs", "logStatement", "deletionProtection",
	"skipFinalSnapshot", "allowedSecurityGroupIds", "allowedCidrs",
	"caCertIdentifier", "alarms", "tags", "applyImmediately",
	"alarmSubscriptions", "keyAdminRoleArns",
}

// Defaults of the database config.
const (
	DefaultEngineVersion      = "16"
	MinEngineMajor            = 14
	DefaultInstanceClass      = "db.t4g.medium"
	DefaultAllocatedStorageGb = 20
	DefaultPort               = 5432
	DefaultMonitoringInterval = 60
	DefaultPIRetentionDays    = 7
	DefaultLogRetentionDays   = 30
	DefaultLogMinDurationMs   = 1000
	DefaultLogStatement       = "none"
	// MinLogMinDurationMs is the lowest slow-query threshold: below it the
	// log holds nearly every statement.
	MinLogMinDurationMs          = 100
	DefaultCACertIdentifier      = "rds-ca-rsa2048-g1"
	DefaultBackupWindow          = "02:00-03:00"
	DefaultMaintenanceWindow     = "sun:04:00-sun:05:00"
	MinBackupRetentionDays       = 7
	MinProdBackupRetentionDays   = 14
	MaxBackupRetentionDays       = 35
	gp3MinStorageGb              = 20
	maxStorageGb                 = 65536
	defaultMaxStorageMultiplier  = 5
	maxPerformanceInsightsMonths = 23
)

// MonitoringIntervals are the enhanced-monitoring intervals RDS accepts
// (0, off, is not offered).
var MonitoringIntervals = []int{1, 5, 10, 15, 30, 60}

// CACertIdentifiers are the current RDS certificate authorities.
var CACertIdentifiers = []string{"rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"}

// ForbiddenUsernames are master user names that scanners flag as defaults
// (Security Hub RDS.25) or that RDS reserves.
var ForbiddenUsernames = []string{"postgres", "admin", "root", "rdsadmin", "rdsrepladmin", "master", "administrator"}

// Alarms are the CloudWatch alarm thresholds of a database stack.
type Alarms struct {
	CPUPercent       int `json:"cpuPercent"`
	FreeStorageMb    int `json:"freeStorageMb"`
	FreeableMemoryMb int `json:"freeableMemoryMb"`
	Connections      int `json:"connections"`
	ReadLatencyMs    int `json:"readLatencyMs"`
	WriteLatencyMs   int `json:"writeLatencyMs"`
}

// DefaultAlarms are thresholds that suit a general-purpose instance.
var DefaultAlarms = Alarms{CPUPercent: 80, FreeStorageMb: 5120, FreeableMemoryMb: 256, Connections: 200, ReadLatencyMs: 20, WriteLatencyMs: 20}

// Database is the validated config of a database stack.
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
func MinMaxAllocatedStorageGb(allocated int) int { return (allocated*11 + 9) / 10 }

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

// LoadDatabase reads and validates the database config. Tier-independent
// shape checks live here; the tier rules of docs/guardrails.md are checked by the
// guardrails package on the plan built from this config.
func LoadDatabase(src Source) (Database, error) {
	r := reader{src: src}
	var d Database
	var err error
	if d.Tier, err = r.tier(); err != nil {
		return Database{}, err
	}
	if d.Environment, err = r.environment(); err != nil {
		return Database{}, err
	}
	if d.Region, err = region(src); err != nil {
		return Database{}, err
	}
	if err = r.checkTierFloor(d.Tier, d.Environment); err != nil {
		return Database{}, err
	}
	if d.AllowedAccountIDs, err = allowedAccountIDs(src, d.Tier); err != nil {
		return Database{}, err
	}
	d.App = r.str("app", "")
	if !appPattern.MatchString(d.App) {
		return Database{}, r.fail("app", d.App, "a lowercase service name of 1-20 letters and digits starting with a letter")
	}
	// The master user's and the database's default names are made from app;
	// these would make them names PostgreSQL or RDS keep for themselves.
	if d.App == "pg" || d.App == "postgres" || strings.HasPrefix(d.App, "rds") || strings.HasPrefix(d.App, "template") {
		return Database{}, r.fail("app", d.App, "a service name other than pg, postgres, rds* or template* (they would make the default master user or database name a reserved one)")
	}
	d.NetworkStack = r.str("networkStack", "")
	if _, err := networkref.Parse(d.NetworkStack, d.Environment); err != nil {
		return Database{}, r.fail("networkStack", d.NetworkStack, "a stack name: "+networkref.Forms)
	}

	ev := r.str("engineVersion", DefaultEngineVersion)
	if !majorPattern.MatchString(ev) {
		return Database{}, r.breaks("supported-engine", "engineVersion", ev, "a PostgreSQL major version only, e.g. \"16\" (a pinned minor turns into a planned downgrade after AWS upgrades it)")
	}
	d.EngineMajor, _ = strconv.Atoi(ev)
	if d.EngineMajor < MinEngineMajor || d.EngineMajor > 99 {
		return Database{}, r.breaks("supported-engine", "engineVersion", ev, fmt.Sprintf("a supported PostgreSQL major, %d or later", MinEngineMajor))
	}
	d.InstanceClass = r.str("instanceClass", DefaultInstanceClass)
	if !instanceClassPattern.MatchString(d.InstanceClass) {
		return Database{}, r.fail("instanceClass", d.InstanceClass, "an RDS instance class such as db.r6g.large (it starts with db.)")
	}

	if d.AllocatedStorageGb, err = r.integer("allocatedStorageGb", DefaultAllocatedStorageGb); err != nil {
		return Database{}, err
	}
	maxAllocated := maxStorageGb * 10 / 11 // the largest size whose ceiling still fits in gp3
	if d.AllocatedStorageGb < gp3MinStorageGb || d.AllocatedStorageGb > maxAllocated {
		return Database{}, r.fail("allocatedStorageGb", strconv.Itoa(d.AllocatedStorageGb), fmt.Sprintf("from %d to %d GiB (gp3 holds at most %d, and storage autoscaling needs room above the start: a ceiling at least 10%% higher)", gp3MinStorageGb, maxAllocated, maxStorageGb))
	}
	if d.MaxAllocatedStorageGb, err = r.integer("maxAllocatedStorageGb", min(d.AllocatedStorageGb*defaultMaxStorageMultiplier, maxStorageGb)); err != nil {
		return Database{}, err
	}
	// RDS: "the maximum storage threshold must be at least 10% greater than
	// the current allocated storage" (RDS User Guide, "Managing capacity
	// automatically with Amazon RDS storage autoscaling",
	// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PIOPS.Autoscaling.html).
	if ceiling := MinMaxAllocatedStorageGb(d.AllocatedStorageGb); d.MaxAllocatedStorageGb < ceiling || d.MaxAllocatedStorageGb > maxStorageGb {
		return Database{}, r.breaks("storage-autoscaling", "maxAllocatedStorageGb", strconv.Itoa(d.MaxAllocatedStorageGb), fmt.Sprintf("from %d to %d GiB: at least 10%% more than allocatedStorageGb (%d), as RDS requires of the storage autoscaling ceiling, and at most %d", ceiling, maxStorageGb, d.AllocatedStorageGb, maxStorageGb))
	}
	// RDS holds most instance modifications for the maintenance window
	// unless ApplyImmediately is set (ModifyDBInstance). dev applies them
	// at once; staging and prod wait, unless the stack file asks, in
	// words the preview shows as a change of the instance's
	// applyImmediately, for the next change to apply now.
	if d.ApplyImmediately, _, err = r.boolean("applyImmediately", d.Tier == Dev); err != nil {
		return Database{}, err
	}

	if d.MultiAZ, _, err = r.boolean("multiAz", true); err != nil {
		return Database{}, err
	}

	defRetention := MinBackupRetentionDays
	if d.Tier == Prod {
		defRetention = MinProdBackupRetentionDays
	}
	if d.BackupRetentionDays, err = r.integer("backupRetentionDays", defRetention); err != nil {
		return Database{}, err
	}
	// The tier's floor is the guardrail's (which also checks the plan); it
	// is stated here so that one refusal says all that is allowed.
	if d.BackupRetentionDays < defRetention || d.BackupRetentionDays > MaxBackupRetentionDays {
		return Database{}, r.breaks("backups", "backupRetentionDays", strconv.Itoa(d.BackupRetentionDays), fmt.Sprintf("from %d to %d days in %s", defRetention, MaxBackupRetentionDays, d.Tier))
	}
	d.BackupWindow = r.str("backupWindow", DefaultBackupWindow)
	backup, err := parseDailyWindow(d.BackupWindow)
	if err != nil {
		return Database{}, r.fail("backupWindow", d.BackupWindow, "a daily UTC window hh:mm-hh:mm of at least 30 minutes ("+err.Error()+")")
	}
	d.MaintenanceWindow = r.str("maintenanceWindow", DefaultMaintenanceWindow)
	maint, err := parseWeeklyWindow(d.MaintenanceWindow)
	if err != nil {
		return Database{}, r.fail("maintenanceWindow", d.MaintenanceWindow, "a weekly UTC window ddd:hh:mm-ddd:hh:mm of at least 30 minutes ("+err.Error()+")")
	}
	if windowsOverlap(backup, maint) {
		return Database{}, r.fail("maintenanceWindow", d.MaintenanceWindow, "a window that does not overlap the daily backup window "+d.BackupWindow)
	}

	d.MasterUsername = r.str("masterUsername", d.App+"_admin")
	if !pgIdentifier.MatchString(d.MasterUsername) {
		return Database{}, r.fail("masterUsername", d.MasterUsername, "a lowercase identifier of 1-63 letters, digits and _ starting with a letter")
	}
	if slices.Contains(ForbiddenUsernames, d.MasterUsername) || strings.HasPrefix(d.MasterUsername, "pg_") || strings.HasPrefix(d.MasterUsername, "rds") {
		return Database{}, r.breaks("admin-user-not-default", "masterUsername", d.MasterUsername, "a name other than "+strings.Join(ForbiddenUsernames, ", ")+" and not starting with pg_ or rds (well-known admin names are the first ones guessed)")
	}
	d.DatabaseName = r.str("databaseName", d.App)
	if !pgIdentifier.MatchString(d.DatabaseName) || d.DatabaseName == "postgres" || strings.HasPrefix(d.DatabaseName, "template") || strings.HasPrefix(d.DatabaseName, "rdsadmin") {
		return Database{}, r.fail("databaseName", d.DatabaseName, "a lowercase identifier of 1-63 letters, digits and _ starting with a letter, not postgres, rdsadmin or template*")
	}
	if d.Port, err = r.integer("port", DefaultPort); err != nil {
		return Database{}, err
	}
	if d.Port < 1150 || d.Port > 65535 {
		return Database{}, r.fail("port", strconv.Itoa(d.Port), "a port from 1150 to 65535 (RDS's range)")
	}
	if d.MonitoringInterval, err = r.integer("monitoringIntervalSeconds", DefaultMonitoringInterval); err != nil {
		return Database{}, err
	}
	if !slices.Contains(MonitoringIntervals, d.MonitoringInterval) {
		return Database{}, r.breaks("enhanced-monitoring", "monitoringIntervalSeconds", strconv.Itoa(d.MonitoringInterval), "one of "+joinInts(MonitoringIntervals)+" (enhanced monitoring stays on)")
	}
	if d.PIRetentionDays, err = r.integer("performanceInsightsRetentionDays", DefaultPIRetentionDays); err != nil {
		return Database{}, err
	}
	if !validPIRetention(d.PIRetentionDays) {
		return Database{}, r.breaks("performance-insights", "performanceInsightsRetentionDays", strconv.Itoa(d.PIRetentionDays), "7, a multiple of 31 up to 713, or 731")
	}
	if d.LogRetentionDays, err = r.logRetention("logRetentionDays", DefaultLogRetentionDays); err != nil {
		return Database{}, err
	}
	if d.LogMinDurationMs, err = r.integer("logMinDurationStatementMs", DefaultLogMinDurationMs); err != nil {
		return Database{}, err
	}
	if d.LogMinDurationMs < MinLogMinDurationMs || d.LogMinDurationMs > 3600000 {
		return Database{}, r.breaks("safe-query-logging", "logMinDurationStatementMs", strconv.Itoa(d.LogMinDurationMs), fmt.Sprintf("from %d to 3600000 milliseconds: slow-query logging stays on, and below %d ms it logs nearly every statement's text, passwords in CREATE/ALTER ROLE included", MinLogMinDurationMs, MinLogMinDurationMs))
	}
	d.LogStatement = r.str("logStatement", DefaultLogStatement)
	if d.LogStatement != "ddl" && d.LogStatement != "none" {
		return Database{}, r.breaks("safe-query-logging", "logStatement", d.LogStatement, "none (the default) or ddl: mod and all log the text of writes, and all three log CREATE/ALTER ROLE statements with any clear-text password in them (set passwords with psql's \\password, which sends a hash)")
	}

	// On by default where the guardrails require it; a dev environment
	// must stay destroyable without editing its files first.
	if d.DeletionProtection, _, err = r.boolean("deletionProtection", d.Tier.Strict()); err != nil {
		return Database{}, err
	}
	if d.SkipFinalSnapshot, _, err = r.boolean("skipFinalSnapshot", false); err != nil {
		return Database{}, err
	}

	if d.AllowedSecurityGroups, err = r.list("allowedSecurityGroupIds"); err != nil {
		return Database{}, err
	}
	for _, sg := range d.AllowedSecurityGroups {
		if !sgPattern.MatchString(sg) {
			return Database{}, r.breaks("least-privilege-ingress", "allowedSecurityGroupIds", sg, "security group ids such as sg-0123456789abcdef0")
		}
	}
	cidrs, err := r.list("allowedCidrs")
	if err != nil {
		return Database{}, err
	}
	for _, c := range cidrs {
		p, perr := netip.ParsePrefix(c)
		if perr == nil && p.Bits() == 0 {
			return Database{}, r.breaks("least-privilege-ingress", "allowedCidrs", c, "a private source range; 0.0.0.0/0 and ::/0 open the database to everyone")
		}
		q, err := parsePrivateCIDR(c)
		if err != nil {
			return Database{}, r.breaks("least-privilege-ingress", "allowedCidrs", c, "IPv4 CIDRs in RFC 1918 space ("+privateRangesText+") with no host bits set ("+err.Error()+")")
		}
		d.AllowedCidrs = append(d.AllowedCidrs, q)
	}
	d.CACertIdentifier = r.str("caCertIdentifier", DefaultCACertIdentifier)
	if !slices.Contains(CACertIdentifiers, d.CACertIdentifier) {
		return Database{}, r.breaks("current-ca", "caCertIdentifier", d.CACertIdentifier, "one of "+strings.Join(CACertIdentifiers, ", "))
	}
	if d.Alarms, err = r.alarms(); err != nil {
		return Database{}, err
	}
	if d.AlarmSubscriptions, err = r.alarmSubscriptions(); err != nil {
		return Database{}, err
	}
	if d.KeyAdminRoleArns, err = r.keyAdminRoleArns(d.Region, d.AllowedAccountIDs); err != nil {
		return Database{}, err
	}
	if d.Tags, err = r.stringMap("tags"); err != nil {
		return Database{}, err
	}
	if err := r.validateTags("tags", d.Tags); err != nil {
		return Database{}, err
	}
	return d, nil
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
