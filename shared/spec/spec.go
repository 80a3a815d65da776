package spec

// Tier is how strict the guardrails are for a stack. It is stated in every
// stack's config file, never guessed from its name.
type Tier string

// The tiers. dev may relax what the guardrails mark prod/staging; staging
// and prod may not.
const (
	Dev     Tier = "dev"
	Staging Tier = "staging"
	Prod    Tier = "prod"
)

// Strict reports whether the tier is staging or prod.
func (t Tier) Strict() bool { return t == Staging || t == Prod }

// rank orders the tiers from the loosest to the strictest.
func (t Tier) rank() int {
	switch t {
	case Dev:
		return 0
	case Staging:
		return 1
	case Prod:
		return 2
	}
	return -1
}

// AtLeast reports whether t is as strict as u, or stricter.
func (t Tier) AtLeast(u Tier) bool { return t.rank() >= 0 && t.rank() >= u.rank() }

// Backup retention bounds, in days: the floor of every tier but prod, the
// floor of prod, and the most RDS keeps.
const (
	MinBackupRetentionDays     = 7
	MinProdBackupRetentionDays = 14
	MaxBackupRetentionDays     = 35
)

// MinBackupRetentionDays is the tier's floor for automated backups: the
// config default and lower bound, the backups guardrail and verify's
// expectation all read it here.
func (t Tier) MinBackupRetentionDays() int {
	if t == Prod {
		return MinProdBackupRetentionDays
	}
	return MinBackupRetentionDays
}

// Alarms are the CloudWatch alarm thresholds of a database stack.
type Alarms struct {
	CPUPercent       int `json:"cpuPercent"`
	FreeStorageMb    int `json:"freeStorageMb"`
	FreeableMemoryMb int `json:"freeableMemoryMb"`
	Connections      int `json:"connections"`
	ReadLatencyMs    int `json:"readLatencyMs"`
	WriteLatencyMs   int `json:"writeLatencyMs"`
}

// Subscription is one subscriber of the alarm topic.
type Subscription struct {
	Protocol string
	Endpoint string
}

// Parameter is one entry of the database parameter group.
type Parameter struct {
	Name        string
	Value       string
	ApplyMethod string // "immediate" or "pending-reboot"
}

// Ingress is one source the database security group admits.
type Ingress struct {
	// Exactly one of CIDR and SecurityGroupID is set.
	CIDR            string
	SecurityGroupID string
	// FromApps marks the network's application subnet CIDRs, which are
	// known only once the network stack is read.
	FromApps bool
	Port     int
}

// EventSubscription is one RDS event subscription to the alarm topic: the
// source type (its source is the stack's own instance or parameter group)
// and the categories.
type EventSubscription struct {
	SourceType string
	Categories []string
}

// Deployment is the shape of a database stack's PostgreSQL.
type Deployment string

// The shapes. An instance is an RDS Multi-AZ DB instance: one writer and a
// synchronous standby that serves no reads. A cluster is an RDS Multi-AZ DB
// cluster: a writer and two readable standbys in three zones, with
// semi-synchronous replication and a reader endpoint.
const (
	DeployInstance Deployment = "instance"
	DeployCluster  Deployment = "cluster"
)

// StackKey is the key reference a Spec gives a resource's KMS key input to
// mean the stack's own customer-managed key; the component passes that
// key's ARN for it (database/postgres keyInput). A reference left empty
// leaves the input unset, so AWS uses its managed key; any other reference
// (a key ARN, id or alias) is passed to the provider as written. The rules
// read the reference, so what they check is what the resource gets.
const StackKey = "the stack's key"

// Database is the resolved spec of one database stack.
type Database struct {
	// Who and where: the owning app, its environment and the stack's tier
	// and region.
	App         string
	Environment string
	Tier        Tier
	Region      string
	// NetworkStack is the network stack reference as the stack file
	// states it; empty means <organization>/network/<environment>.
	NetworkStack string
	// DatabaseName and Port are the initial database and the port the
	// instance listens on (and the security group admits).
	DatabaseName string
	Port         int
	// ApplyImmediately makes RDS apply the instance's modifications now
	// instead of in the next maintenance window.
	ApplyImmediately bool
	// Tags are the stack file's own tags, added to the platform's.
	Tags map[string]string
	// Alarms are the thresholds of the instance's CloudWatch alarms.
	Alarms Alarms
	// KeyAdminRoleArns are IAM roles of the account that administer the
	// stack's KMS key besides the account root.
	KeyAdminRoleArns []string
	// LogMinDurationMs and LogStatement are the slow-query threshold and
	// the statement logging the parameter group renders
	// (log_min_duration_statement, log_statement).
	LogMinDurationMs int
	LogStatement     string

	// KeyRotation is the customer-managed KMS key's automatic rotation.
	KeyRotation bool
	// Protect is Pulumi's protect option on the instance or cluster.
	Protect bool
	// Deployment is the shape: DeployInstance or DeployCluster.
	Deployment Deployment
	// Instance holds the database's settings. A cluster renders them too:
	// InstanceClass is its members' class (dbClusterInstanceClass), and the
	// storage, backup, window, secret, monitoring and logging settings are
	// the cluster's.
	Instance Instance
	// Proxy is the stack's RDS Proxy; Proxy.Enabled false means none.
	Proxy Proxy
	// DR is the stack's disaster recovery in a second region; DR.Region
	// empty means none.
	DR DR
	// ParameterGroupName is a fixed physical name; empty means auto-named.
	ParameterGroupName string
	ParameterFamily    string
	// PreviousParameterFamily is the family of the engine major before
	// ParameterFamily, whose group the stack keeps next to the current one
	// (database/postgres parameterGroup): an instance still running, or
	// waiting for its window on, the previous major keeps using it, so a
	// major upgrade never has to delete a group in use. Empty when that
	// major is older than the oldest the platform allows.
	PreviousParameterFamily string
	// Parameters are the parameter group's entries, as the component
	// renders them (database/postgres declares them).
	Parameters []Parameter
	// Monitoring role: the service its trust policy names and the managed
	// policy attached to it. The trust policy itself names the account and
	// instance too, known only once the program runs: the component renders
	// it, checks that string with guardrails.CheckTrustPolicy and gives the
	// role that same string (database/postgres monitoringRole).
	MonitoringTrustService string
	MonitoringPolicy       string
	// Log groups declared for the instance's exports, and the kmsKeyId
	// input each gets (a key reference, see StackKey).
	LogGroupRetentionDays int
	LogGroupKmsKeyID      string
	// Ingress are the sources the security group admits.
	Ingress []Ingress
	// Alarm topic's kmsMasterKeyId input (a key reference, see StackKey)
	// and the RDS event subscriptions.
	TopicKmsMasterKeyID string
	EventSubscriptions  []EventSubscription
	// AlarmSubscriptions are the alarm topic's subscriptions, one
	// sns.TopicSubscription each, rendered from this list.
	AlarmSubscriptions []Subscription
}

// Instance holds the RDS instance's settings (a cluster's too, see
// Database.Instance). StorageType is InstanceStorageType for an instance
// and one of ClusterStorageTypes for a cluster; Iops is set for a cluster
// only (a cluster needs one), and MaxAllocatedStorageGb for an instance
// only (a Multi-AZ DB cluster has no storage autoscaling).
type Instance struct {
	Engine             string
	EngineVersion      string
	InstanceClass      string
	StorageType        string
	AllocatedStorageGb int
	// Iops is the provisioned IOPS of io1/io2 storage (and gp3 above its
	// baseline); 0 leaves it to AWS.
	Iops                             int
	MaxAllocatedStorageGb            int
	PubliclyAccessible               bool
	StorageEncrypted                 bool
	KmsKeyID                         string // key reference (StackKey) of the storage
	MultiAZ                          bool
	AvailabilityZone                 string
	BackupRetentionDays              int
	BackupWindow                     string
	MaintenanceWindow                string
	DeletionProtection               bool
	SkipFinalSnapshot                bool
	FinalSnapshotIdentifier          string
	ManageMasterUserPassword         bool
	MasterUserSecretKmsKeyID         string // key reference (StackKey) of the master secret
	Password                         string
	MasterUsername                   string
	IAMAuth                          bool
	MonitoringInterval               int
	PerformanceInsights              bool
	PerformanceInsightsKmsKeyID      string // key reference (StackKey) of Performance Insights
	PerformanceInsightsRetentionDays int
	LogExports                       []string
	AutoMinorVersionUpgrade          bool
	CACertIdentifier                 string
	CopyTagsToSnapshot               bool
}

// Proxy holds the settings of the stack's RDS Proxy, in front of the
// instance or the cluster.
type Proxy struct {
	Enabled bool
	// RequireTLS is the proxy's requireTls: clients must connect over TLS.
	RequireTLS bool
	// IAMAuth is the iamAuth of the proxy's auth entry for the master
	// secret: ProxyIAMAuthRequired makes clients authenticate with IAM.
	IAMAuth string
	// IdleClientTimeoutSeconds closes client connections idle this long
	// (database:proxyIdleClientTimeoutSeconds).
	IdleClientTimeoutSeconds int
	// The default target group's connection pool: the share of the
	// database's max_connections the proxy may open, the share it keeps
	// idle, and how long a client waits for a pooled connection
	// (database:proxyMaxConnectionsPercent, proxyMaxIdleConnectionsPercent,
	// proxyConnectionBorrowTimeoutSeconds). With a proxy every value is
	// at least 1 (spec.MinProxy...): none is left to AWS's default.
	MaxConnectionsPercent          int
	MaxIdleConnectionsPercent      int
	ConnectionBorrowTimeoutSeconds int
	// DirectAccess keeps the database security group's ingress from the
	// application subnets (and allowedCidrs/allowedSecurityGroupIds) next
	// to the proxy's; false admits only the proxy's security group
	// (database:proxyDirectAccess).
	DirectAccess bool
	// DebugLogging is the proxy's debugLogging (it logs SQL text; the
	// guardrails allow it only in dev).
	DebugLogging bool
	// Ingress are the sources the proxy's security group admits, on the
	// database port: the network's application subnets (FromApps). The
	// proxy sits in the network's database subnets, and RDS Proxy is never
	// publicly accessible ("The proxy can't be publicly accessible",
	// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html#rds-proxy.limitations),
	// so these are all that reach it (guardrail proxy-not-public).
	Ingress []Ingress
}
