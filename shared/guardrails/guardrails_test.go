package guardrails_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/spec"
)

// goodDatabase is a plan that satisfies every rule, written out by hand the
// way dbspec.ResolveConfig builds it for a committed stack of the tier (orders-prod
// for prod): the tests must not trust the code whose output they judge.
func goodDatabase(tier config.Tier) spec.Database {
	params := []spec.Parameter{
		{Name: "rds.force_ssl", Value: "1", ApplyMethod: "pending-reboot"},
		{Name: "shared_preload_libraries", Value: "pg_stat_statements", ApplyMethod: "pending-reboot"},
		{Name: "log_min_duration_statement", Value: "500", ApplyMethod: "immediate"},
		{Name: "log_statement", Value: "ddl", ApplyMethod: "immediate"},
	}
	if tier != config.Dev {
		params = append(params,
			spec.Parameter{Name: "log_connections", Value: "1", ApplyMethod: "immediate"},
			spec.Parameter{Name: "log_disconnections", Value: "1", ApplyMethod: "immediate"},
		)
	}
	retention := 7
	if tier == config.Prod {
		retention = 14
	}
	var dr spec.DR
	if tier == config.Prod {
		dr.OptOutReason = "prod has no recovery network yet; add network/prod-dr and set database:dr"
	}
	return spec.Database{
		Tier:        tier,
		Port:        5432,
		KeyRotation: true,
		Protect:     tier == config.Prod,
		Deployment:  spec.DeployInstance,
		Instance: spec.Instance{
			Engine:                           "postgres",
			EngineVersion:                    "16",
			InstanceClass:                    "db.r6g.xlarge",
			StorageType:                      "gp3",
			AllocatedStorageGb:               100,
			MaxAllocatedStorageGb:            1000,
			StorageEncrypted:                 true,
			KmsKeyID:                         "the stack's key",
			MultiAZ:                          true,
			BackupRetentionDays:              retention,
			BackupWindow:                     "02:00-03:00",
			MaintenanceWindow:                "sun:04:00-sun:05:00",
			DeletionProtection:               true,
			FinalSnapshotIdentifier:          "final-20250101-120000",
			ManageMasterUserPassword:         true,
			MasterUserSecretKmsKeyID:         "the stack's key",
			MasterUsername:                   "orders_admin",
			IAMAuth:                          true,
			MonitoringInterval:               60,
			PerformanceInsights:              true,
			PerformanceInsightsKmsKeyID:      "the stack's key",
			PerformanceInsightsRetentionDays: 31,
			LogExports:                       []string{"postgresql", "upgrade"},
			AutoMinorVersionUpgrade:          true,
			CACertIdentifier:                 "rds-ca-rsa2048-g1",
			CopyTagsToSnapshot:               true,
		},
		ParameterFamily:        "postgres16",
		Parameters:             params,
		MonitoringTrustService: "monitoring.rds.amazonaws.com",
		MonitoringPolicy:       "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
		LogGroupRetentionDays:  365,
		LogGroupKmsKeyID:       "the stack's key",
		Ingress:                []spec.Ingress{{FromApps: true, Port: 5432}},
		TopicKmsMasterKeyID:    "the stack's key",
		EventSubscriptions: []spec.EventSubscription{
			{SourceType: "db-instance", Categories: []string{"failover", "failure", "maintenance", "low storage", "configuration change"}},
			{SourceType: "db-parameter-group", Categories: []string{"configuration change"}},
			{SourceType: "db-security-group", Categories: []string{"configuration change", "failure"}},
		},
		AlarmSubscriptions: []spec.Subscription{{Protocol: "email", Endpoint: "orders-oncall@example.com"}},
		DR:                 dr,
	}
}

// cluster turns a good plan into the good plan of the same stack as a
// Multi-AZ DB cluster, written out by hand the way dbspec.ResolveConfig
// builds it with database:deployment cluster and the defaults: a class
// clusters run on, io2 at its 100 GiB floor with 3000 IOPS, no storage
// autoscaling ceiling.
func cluster(p *spec.Database) {
	p.Deployment = spec.DeployCluster
	p.Instance.InstanceClass = "db.m6gd.large"
	p.Instance.StorageType = "io2"
	p.Instance.AllocatedStorageGb = 100
	p.Instance.Iops = 3000
	p.Instance.MaxAllocatedStorageGb = 0
	if p.DR.Enabled() {
		// AWS replicates no Multi-AZ DB cluster's backups: a prod cluster
		// states why it has no DR.
		p.DR = spec.DR{OptOutReason: "no cross-Region backups for a Multi-AZ DB cluster"}
	}
}

// drBackups gives a plan the DR dbspec.ResolveConfig resolves for
// database:dr {region: eu-central-1, mode: backups, retentionDays: 14}.
func drBackups(p *spec.Database) {
	p.DR = spec.DR{Region: "eu-central-1", Mode: spec.DRBackups, RetentionDays: 14, KmsKeyID: "the stack's key"}
}

// proxied puts the RDS Proxy dbspec.ResolveConfig resolves for
// database:proxy true in front of a good plan.
func proxied(p *spec.Database) {
	p.Proxy = spec.Proxy{
		Enabled: true, RequireTLS: true, IAMAuth: "REQUIRED",
		IdleClientTimeoutSeconds: 1800, MaxConnectionsPercent: 90, MaxIdleConnectionsPercent: 45, ConnectionBorrowTimeoutSeconds: 120,
		Ingress: []spec.Ingress{{FromApps: true, Port: 5432}},
	}
}

// then applies the mutations in order.
func then(fs ...func(p *spec.Database)) func(p *spec.Database) {
	return func(p *spec.Database) {
		for _, f := range fs {
			f(p)
		}
	}
}

// eventSub returns the plan's subscription of a source type.
func eventSub(p *spec.Database, sourceType string) *spec.EventSubscription {
	for i := range p.EventSubscriptions {
		if p.EventSubscriptions[i].SourceType == sourceType {
			return &p.EventSubscriptions[i]
		}
	}
	panic("no " + sourceType + " subscription in the plan")
}

// goodNetwork is the plan netstack builds for the committed prod network:
// three zones, /20 app subnets, /24 database subnets and the /26 public
// subnets of the NAT gateways (which netstack lists with the app subnets).
func goodNetwork(tier config.Tier) guardrails.Network {
	return guardrails.Network{
		Tier:                 tier,
		VpcCidr:              "10.40.0.0/16",
		AZs:                  []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
		AppSubnets:           []string{"10.40.0.0/20", "10.40.16.0/20", "10.40.32.0/20", "10.40.51.0/26", "10.40.51.64/26", "10.40.51.128/26"},
		DatabaseSubnets:      []string{"10.40.48.0/24", "10.40.49.0/24", "10.40.50.0/24"},
		FlowLogs:             true,
		FlowLogRetentionDays: 365,
		FlowLogRoleActions:   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"},
		FlowLogRoleResources: []string{"${flowLogGroup.arn}", "${flowLogGroup.arn}:*"},
	}
}

func setParam(p *spec.Database, name, value, method string) {
	for i := range p.Parameters {
		if p.Parameters[i].Name == name {
			p.Parameters[i].Value, p.Parameters[i].ApplyMethod = value, method
			return
		}
	}
	p.Parameters = append(p.Parameters, spec.Parameter{Name: name, Value: value, ApplyMethod: method})
}

func dropParam(p *spec.Database, name string) {
	p.Parameters = slices.DeleteFunc(p.Parameters, func(prm spec.Parameter) bool { return prm.Name == name })
}

// dbCase is one plan. rule "" means every rule must hold; otherwise rule
// (and the rules in also, when a mutation necessarily breaks several) must
// fire and no other.
type dbCase struct {
	name   string
	tier   config.Tier
	mutate func(p *spec.Database)
	rule   string
	key    string
	also   []string
}

var databaseCases = []dbCase{
	// Plans that hold, including what each tier may relax.
	{name: "good prod plan", tier: config.Prod},
	{name: "good staging plan", tier: config.Staging},
	{name: "good dev plan", tier: config.Dev},
	{name: "dev may turn Multi-AZ off", tier: config.Dev, mutate: func(p *spec.Database) { p.Instance.MultiAZ = false }},
	{name: "dev may turn deletion protection off", tier: config.Dev, mutate: func(p *spec.Database) { p.Instance.DeletionProtection = false }},
	{name: "dev may skip the final snapshot", tier: config.Dev, mutate: func(p *spec.Database) {
		p.Instance.SkipFinalSnapshot, p.Instance.FinalSnapshotIdentifier = true, ""
	}},
	{name: "staging needs no protect option", tier: config.Staging, mutate: func(p *spec.Database) { p.Protect = false }},
	{name: "dev needs no protect option", tier: config.Dev, mutate: func(p *spec.Database) { p.Protect = false }},
	{name: "prod backups 14 days", tier: config.Prod, mutate: func(p *spec.Database) { p.Instance.BackupRetentionDays = 14 }},
	{name: "staging backups 7 days", tier: config.Staging, mutate: func(p *spec.Database) { p.Instance.BackupRetentionDays = 7 }},
	{name: "dev backups 7 days", tier: config.Dev, mutate: func(p *spec.Database) { p.Instance.BackupRetentionDays = 7 }},
	{name: "backups 35 days", tier: config.Prod, mutate: func(p *spec.Database) { p.Instance.BackupRetentionDays = 35 }},
	{name: "log_statement none", tier: config.Prod, mutate: func(p *spec.Database) { setParam(p, "log_statement", "none", "immediate") }},
	{name: "slow-query log at the 100 ms floor", tier: config.Prod, mutate: func(p *spec.Database) { setParam(p, "log_min_duration_statement", "100", "immediate") }},
	{name: "dynamic parameter applied immediately", tier: config.Prod, mutate: func(p *spec.Database) { setParam(p, "work_mem", "65536", "immediate") }},
	{name: "static parameter applied at reboot", tier: config.Prod, mutate: func(p *spec.Database) { setParam(p, "max_connections", "500", "pending-reboot") }},
	{name: "engine 14", tier: config.Prod, mutate: func(p *spec.Database) { p.Instance.EngineVersion, p.ParameterFamily = "14", "postgres14" }},
	{name: "every current CA", tier: config.Prod, mutate: func(p *spec.Database) { p.Instance.CACertIdentifier = "rds-ca-ecc384-g1" }},
	{name: "other admin names", tier: config.Prod, mutate: func(p *spec.Database) { p.Instance.MasterUsername = "dba" }},
	{name: "named private sources", tier: config.Prod, mutate: func(p *spec.Database) {
		p.Ingress = append(p.Ingress,
			spec.Ingress{CIDR: "10.1.0.0/16", Port: 5432},
			spec.Ingress{CIDR: "192.168.7.0/24", Port: 5432},
			spec.Ingress{SecurityGroupID: "sg-0123456789abcdef0", Port: 5432})
	}},
	{name: "extra event categories", tier: config.Prod, mutate: func(p *spec.Database) {
		s := eventSub(p, "db-instance")
		s.Categories = append(s.Categories, "backup")
	}},
	{name: "dev without alarm subscribers", tier: config.Dev, mutate: func(p *spec.Database) { p.AlarmSubscriptions = nil }},
	{name: "staging without alarm subscribers", tier: config.Staging, mutate: func(p *spec.Database) { p.AlarmSubscriptions = nil }},
	{name: "every subscriber protocol", tier: config.Prod, mutate: func(p *spec.Database) {
		p.AlarmSubscriptions = []spec.Subscription{
			{Protocol: "email", Endpoint: "dba@example.com"},
			{Protocol: "https", Endpoint: "https://events.pagerduty.com/integration/abc/enqueue"},
			{Protocol: "sqs", Endpoint: "arn:aws:sqs:eu-west-1:123456789012:orders-alarms"},
			{Protocol: "lambda", Endpoint: "arn:aws:lambda:eu-west-1:123456789012:function:notify"},
		}
	}},
	{name: "extra log exports", tier: config.Prod, mutate: func(p *spec.Database) {
		p.Instance.LogExports = append(p.Instance.LogExports, "iam-db-auth-error")
	}},
	// Clusters that hold.
	{name: "good prod cluster", tier: config.Prod, mutate: cluster},
	{name: "good dev cluster", tier: config.Dev, mutate: cluster},
	{name: "cluster on c6gd medium", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) { p.Instance.InstanceClass = "db.c6gd.medium" })},
	{name: "cluster on the largest x2iedn", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) { p.Instance.InstanceClass = "db.x2iedn.32xlarge" })},
	{name: "cluster on r6idn xlarge", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) { p.Instance.InstanceClass = "db.r6idn.xlarge" })},
	{name: "cluster on io1 at 19950 IOPS below 400 GiB", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) {
		p.Instance.StorageType, p.Instance.AllocatedStorageGb, p.Instance.Iops = "io1", 399, 19950
	})},
	{name: "cluster on io1 at 50 IOPS per GiB", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) {
		p.Instance.StorageType, p.Instance.AllocatedStorageGb, p.Instance.Iops = "io1", 1000, 50000
	})},
	{name: "cluster on io2 at 1000 IOPS per GiB", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) {
		p.Instance.AllocatedStorageGb, p.Instance.Iops = 256, 256000
	})},
	{name: "cluster on io2 at 0.5 IOPS per GiB", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) {
		p.Instance.AllocatedStorageGb, p.Instance.Iops = 65536, 32768
	})},
	{name: "cluster on gp3 at 400 GiB", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) {
		p.Instance.StorageType, p.Instance.AllocatedStorageGb, p.Instance.Iops = "gp3", 400, 12000
	})},
	{name: "cluster on gp3 at 64000 IOPS", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) {
		p.Instance.StorageType, p.Instance.AllocatedStorageGb, p.Instance.Iops = "gp3", 2000, 64000
	})},
	{name: "cluster on engine 14", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) { p.Instance.EngineVersion, p.ParameterFamily = "14", "postgres14" })},
	{name: "cluster on engine 18", tier: config.Prod, mutate: then(cluster, func(p *spec.Database) { p.Instance.EngineVersion, p.ParameterFamily = "18", "postgres18" })},
	{name: "instance on engine 19", tier: config.Prod, mutate: func(p *spec.Database) { p.Instance.EngineVersion, p.ParameterFamily = "19", "postgres19" }},
	// Proxies that hold.
	{name: "prod instance behind a proxy", tier: config.Prod, mutate: proxied},
	{name: "prod cluster behind a proxy", tier: config.Prod, mutate: then(cluster, proxied)},
	{name: "proxy with direct access", tier: config.Prod, mutate: then(proxied, func(p *spec.Database) { p.Proxy.DirectAccess = true })},
	{name: "dev proxy with debug logging", tier: config.Dev, mutate: then(proxied, func(p *spec.Database) { p.Proxy.DebugLogging = true })},
	{name: "proxy from named private sources", tier: config.Prod, mutate: then(proxied, func(p *spec.Database) {
		p.Proxy.Ingress = append(p.Proxy.Ingress, spec.Ingress{CIDR: "10.9.0.0/16", Port: 5432}, spec.Ingress{SecurityGroupID: "sg-0123456789abcdef0", Port: 5432})
	})},
	{name: "no proxy, whatever its settings say", tier: config.Prod, mutate: func(p *spec.Database) {
		p.Proxy = spec.Proxy{DebugLogging: true, IAMAuth: "DISABLED", Ingress: []spec.Ingress{{CIDR: "0.0.0.0/0", Port: 22}}}
	}},

	// not-public
	{name: "publicly accessible", tier: config.Prod, rule: "not-public", key: "publiclyAccessible", mutate: func(p *spec.Database) { p.Instance.PubliclyAccessible = true }},
	{name: "publicly accessible in dev", tier: config.Dev, rule: "not-public", key: "publiclyAccessible", mutate: func(p *spec.Database) { p.Instance.PubliclyAccessible = true }},
	// encrypted-customer-key
	{name: "storage not encrypted", tier: config.Prod, rule: "encrypted-customer-key", key: "storageEncrypted", mutate: func(p *spec.Database) { p.Instance.StorageEncrypted = false }},
	{name: "storage on the AWS-managed key", tier: config.Prod, rule: "encrypted-customer-key", key: "kmsKeyId", mutate: func(p *spec.Database) { p.Instance.KmsKeyID = "" }},
	{name: "storage on the AWS-managed key by alias", tier: config.Dev, rule: "encrypted-customer-key", key: "kmsKeyId", mutate: func(p *spec.Database) { p.Instance.KmsKeyID = "alias/aws/rds" }},
	{name: "key not rotated", tier: config.Dev, rule: "encrypted-customer-key", key: "enableKeyRotation", mutate: func(p *spec.Database) { p.KeyRotation = false }},
	// multi-az
	{name: "Multi-AZ off in staging", tier: config.Staging, rule: "multi-az", key: "database:multiAz", mutate: func(p *spec.Database) { p.Instance.MultiAZ = false }},
	{name: "Multi-AZ off in prod", tier: config.Prod, rule: "multi-az", key: "database:multiAz", mutate: func(p *spec.Database) { p.Instance.MultiAZ = false }},
	{name: "availability zone pinned", tier: config.Prod, rule: "multi-az", key: "availabilityZone", mutate: func(p *spec.Database) { p.Instance.AvailabilityZone = "eu-west-1a" }},
	{name: "cluster with Multi-AZ off in dev", tier: config.Dev, rule: "multi-az", key: "database:multiAz", mutate: then(cluster, func(p *spec.Database) { p.Instance.MultiAZ = false })},
	{name: "unknown shape", tier: config.Prod, rule: "multi-az", key: "database:deployment", mutate: func(p *spec.Database) { p.Deployment = "aurora" }},
	{name: "no shape", tier: config.Dev, rule: "multi-az", key: "database:deployment", mutate: func(p *spec.Database) { p.Deployment = "" }},
	// backups
	{name: "prod backups 13 days", tier: config.Prod, rule: "backups", key: "database:backupRetentionDays", mutate: func(p *spec.Database) { p.Instance.BackupRetentionDays = 13 }},
	{name: "prod backups 7 days", tier: config.Prod, rule: "backups", key: "database:backupRetentionDays", mutate: func(p *spec.Database) { p.Instance.BackupRetentionDays = 7 }},
	{name: "staging backups 6 days", tier: config.Staging, rule: "backups", key: "database:backupRetentionDays", mutate: func(p *spec.Database) { p.Instance.BackupRetentionDays = 6 }},
	{name: "dev backups 1 day", tier: config.Dev, rule: "backups", key: "database:backupRetentionDays", mutate: func(p *spec.Database) { p.Instance.BackupRetentionDays = 1 }},
	{name: "backups off", tier: config.Dev, rule: "backups", key: "database:backupRetentionDays", mutate: func(p *spec.Database) { p.Instance.BackupRetentionDays = 0 }},
	{name: "backups 36 days", tier: config.Prod, rule: "backups", key: "database:backupRetentionDays", mutate: func(p *spec.Database) { p.Instance.BackupRetentionDays = 36 }},
	{name: "no backup window", tier: config.Prod, rule: "backups", key: "database:backupWindow", mutate: func(p *spec.Database) { p.Instance.BackupWindow = "" }},
	{name: "no maintenance window", tier: config.Prod, rule: "backups", key: "database:backupWindow", mutate: func(p *spec.Database) { p.Instance.MaintenanceWindow = "" }},
	// deletion-protection
	{name: "deletion protection off in staging", tier: config.Staging, rule: "deletion-protection", key: "database:deletionProtection", mutate: func(p *spec.Database) { p.Instance.DeletionProtection = false }},
	{name: "deletion protection off in prod", tier: config.Prod, rule: "deletion-protection", key: "database:deletionProtection", mutate: func(p *spec.Database) { p.Instance.DeletionProtection = false }},
	{name: "prod without protect", tier: config.Prod, rule: "deletion-protection", key: "protect", mutate: func(p *spec.Database) { p.Protect = false }},
	// final-snapshot
	{name: "skip final snapshot in staging", tier: config.Staging, rule: "final-snapshot", key: "database:skipFinalSnapshot", mutate: func(p *spec.Database) {
		p.Instance.SkipFinalSnapshot, p.Instance.FinalSnapshotIdentifier = true, ""
	}},
	{name: "skip final snapshot in prod", tier: config.Prod, rule: "final-snapshot", key: "database:skipFinalSnapshot", mutate: func(p *spec.Database) { p.Instance.SkipFinalSnapshot = true }},
	{name: "final snapshot without a name", tier: config.Prod, rule: "final-snapshot", key: "finalSnapshotIdentifier", mutate: func(p *spec.Database) { p.Instance.FinalSnapshotIdentifier = "" }},
	{name: "final snapshot without a name in dev", tier: config.Dev, rule: "final-snapshot", key: "finalSnapshotIdentifier", mutate: func(p *spec.Database) { p.Instance.FinalSnapshotIdentifier = "" }},
	// managed-master-password
	{name: "password set", tier: config.Prod, rule: "managed-master-password", key: "password", mutate: func(p *spec.Database) { p.Instance.Password = "hunter22" }},
	{name: "password set even when managed is off", tier: config.Dev, rule: "managed-master-password", key: "password", mutate: func(p *spec.Database) {
		p.Instance.Password, p.Instance.ManageMasterUserPassword = "hunter22", false
	}},
	{name: "password not managed", tier: config.Prod, rule: "managed-master-password", key: "manageMasterUserPassword", mutate: func(p *spec.Database) { p.Instance.ManageMasterUserPassword = false }},
	{name: "master secret on the AWS-managed key", tier: config.Prod, rule: "managed-master-password", key: "masterUserSecretKmsKeyId", mutate: func(p *spec.Database) { p.Instance.MasterUserSecretKmsKeyID = "" }},
	{name: "master secret on another key", tier: config.Dev, rule: "managed-master-password", key: "masterUserSecretKmsKeyId", mutate: func(p *spec.Database) {
		p.Instance.MasterUserSecretKmsKeyID = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	}},
	// admin-user-not-default
	{name: "master user postgres", tier: config.Prod, rule: "admin-user-not-default", key: "database:masterUsername", mutate: func(p *spec.Database) { p.Instance.MasterUsername = "postgres" }},
	{name: "master user admin", tier: config.Dev, rule: "admin-user-not-default", key: "database:masterUsername", mutate: func(p *spec.Database) { p.Instance.MasterUsername = "admin" }},
	{name: "master user root", tier: config.Staging, rule: "admin-user-not-default", key: "database:masterUsername", mutate: func(p *spec.Database) { p.Instance.MasterUsername = "root" }},
	// iam-auth
	{name: "IAM auth off", tier: config.Prod, rule: "iam-auth", key: "iamDatabaseAuthenticationEnabled", mutate: func(p *spec.Database) { p.Instance.IAMAuth = false }},
	// enhanced-monitoring
	{name: "enhanced monitoring off", tier: config.Prod, rule: "enhanced-monitoring", key: "database:monitoringIntervalSeconds", mutate: func(p *spec.Database) { p.Instance.MonitoringInterval = 0 }},
	{name: "monitoring interval 2", tier: config.Dev, rule: "enhanced-monitoring", key: "database:monitoringIntervalSeconds", mutate: func(p *spec.Database) { p.Instance.MonitoringInterval = 2 }},
	{name: "monitoring role trusted by EC2", tier: config.Prod, rule: "enhanced-monitoring", key: "monitoringRole.assumeRolePolicy", mutate: func(p *spec.Database) { p.MonitoringTrustService = "ec2.amazonaws.com" }},
	{name: "monitoring role trusted by no service", tier: config.Dev, rule: "enhanced-monitoring", key: "monitoringRole.assumeRolePolicy", mutate: func(p *spec.Database) { p.MonitoringTrustService = "" }},
	{name: "monitoring role without its policy", tier: config.Prod, rule: "enhanced-monitoring", key: "monitoringRole.policy", mutate: func(p *spec.Database) { p.MonitoringPolicy = "" }},
	{name: "monitoring role with admin policy", tier: config.Prod, rule: "enhanced-monitoring", key: "monitoringRole.policy", mutate: func(p *spec.Database) { p.MonitoringPolicy = "arn:aws:iam::aws:policy/AdministratorAccess" }},
	// performance-insights
	{name: "Performance Insights off", tier: config.Prod, rule: "performance-insights", key: "performanceInsightsEnabled", mutate: func(p *spec.Database) { p.Instance.PerformanceInsights = false }},
	{name: "Performance Insights on the AWS key", tier: config.Prod, rule: "performance-insights", key: "performanceInsightsKmsKeyId", mutate: func(p *spec.Database) { p.Instance.PerformanceInsightsKmsKeyID = "" }},
	{name: "Performance Insights on the AWS key by alias", tier: config.Dev, rule: "performance-insights", key: "performanceInsightsKmsKeyId", mutate: func(p *spec.Database) { p.Instance.PerformanceInsightsKmsKeyID = "alias/aws/rds" }},
	{name: "Performance Insights kept 3 days", tier: config.Prod, rule: "performance-insights", key: "database:performanceInsightsRetentionDays", mutate: func(p *spec.Database) { p.Instance.PerformanceInsightsRetentionDays = 3 }},
	// logs-to-cloudwatch
	{name: "upgrade log not exported", tier: config.Prod, rule: "logs-to-cloudwatch", key: "enabledCloudwatchLogsExports", mutate: func(p *spec.Database) { p.Instance.LogExports = []string{"postgresql"} }},
	{name: "no log exports", tier: config.Dev, rule: "logs-to-cloudwatch", key: "enabledCloudwatchLogsExports", mutate: func(p *spec.Database) { p.Instance.LogExports = nil }},
	{name: "log groups without retention", tier: config.Prod, rule: "logs-to-cloudwatch", key: "database:logRetentionDays", mutate: func(p *spec.Database) { p.LogGroupRetentionDays = 0 }},
	{name: "log groups without a KMS key", tier: config.Prod, rule: "logs-to-cloudwatch", key: "logGroup.kmsKeyId", mutate: func(p *spec.Database) { p.LogGroupKmsKeyID = "" }},
	{name: "log groups on another key", tier: config.Dev, rule: "logs-to-cloudwatch", key: "logGroup.kmsKeyId", mutate: func(p *spec.Database) {
		p.LogGroupKmsKeyID = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	}},
	// tls-required
	{name: "force_ssl 0", tier: config.Prod, rule: "tls-required", key: "parameter rds.force_ssl", mutate: func(p *spec.Database) { setParam(p, "rds.force_ssl", "0", "pending-reboot") }},
	{name: "force_ssl missing", tier: config.Dev, rule: "tls-required", key: "parameter rds.force_ssl", mutate: func(p *spec.Database) { dropParam(p, "rds.force_ssl") }},
	// safe-query-logging
	{name: "log_statement all", tier: config.Prod, rule: "safe-query-logging", key: "database:logStatement", mutate: func(p *spec.Database) { setParam(p, "log_statement", "all", "immediate") }},
	{name: "log_statement mod", tier: config.Dev, rule: "safe-query-logging", key: "database:logStatement", mutate: func(p *spec.Database) { setParam(p, "log_statement", "mod", "immediate") }},
	{name: "log_statement missing", tier: config.Prod, rule: "safe-query-logging", key: "database:logStatement", mutate: func(p *spec.Database) { dropParam(p, "log_statement") }},
	{name: "slow-query log off", tier: config.Prod, rule: "safe-query-logging", key: "database:logMinDurationStatementMs", mutate: func(p *spec.Database) { setParam(p, "log_min_duration_statement", "-1", "immediate") }},
	{name: "slow-query log missing", tier: config.Prod, rule: "safe-query-logging", key: "database:logMinDurationStatementMs", mutate: func(p *spec.Database) { dropParam(p, "log_min_duration_statement") }},
	{name: "slow-query log at 0 ms logs every statement", tier: config.Dev, rule: "safe-query-logging", key: "database:logMinDurationStatementMs", mutate: func(p *spec.Database) { setParam(p, "log_min_duration_statement", "0", "immediate") }},
	{name: "slow-query log below the floor", tier: config.Prod, rule: "safe-query-logging", key: "database:logMinDurationStatementMs", mutate: func(p *spec.Database) { setParam(p, "log_min_duration_statement", "99", "immediate") }},
	// static-parameters
	{name: "static parameter applied immediately", tier: config.Prod, rule: "static-parameters", key: "parameter shared_preload_libraries applyMethod", mutate: func(p *spec.Database) {
		setParam(p, "shared_preload_libraries", "pg_stat_statements", "immediate")
	}},
	{name: "force_ssl applied immediately", tier: config.Prod, rule: "static-parameters", key: "parameter rds.force_ssl applyMethod", mutate: func(p *spec.Database) { setParam(p, "rds.force_ssl", "1", "immediate") }},
	{name: "added static parameter without apply method", tier: config.Dev, rule: "static-parameters", key: "parameter max_connections applyMethod", mutate: func(p *spec.Database) { setParam(p, "max_connections", "500", "") }},
	// parameter-group-replaceable
	{name: "fixed parameter group name", tier: config.Prod, rule: "parameter-group-replaceable", key: "parameterGroup.name", mutate: func(p *spec.Database) { p.ParameterGroupName = "orders-prod-pg16" }},
	{name: "wrong parameter group family", tier: config.Prod, rule: "parameter-group-replaceable", key: "parameterGroup.family", mutate: func(p *spec.Database) { p.ParameterFamily = "postgres15" }},
	{name: "no parameter group family", tier: config.Dev, rule: "parameter-group-replaceable", key: "parameterGroup.family", mutate: func(p *spec.Database) { p.ParameterFamily = "" }},
	// minor-upgrades
	{name: "minor upgrades off", tier: config.Prod, rule: "minor-upgrades", key: "autoMinorVersionUpgrade", mutate: func(p *spec.Database) { p.Instance.AutoMinorVersionUpgrade = false }},
	{name: "minor version pinned", tier: config.Prod, rule: "minor-upgrades", key: "database:engineVersion", also: []string{"supported-engine"}, mutate: func(p *spec.Database) {
		p.Instance.EngineVersion, p.ParameterFamily = "16.3", "postgres16.3"
	}},
	// supported-engine
	{name: "engine 13", tier: config.Prod, rule: "supported-engine", key: "database:engineVersion", mutate: func(p *spec.Database) { p.Instance.EngineVersion, p.ParameterFamily = "13", "postgres13" }},
	{name: "engine not postgres", tier: config.Prod, rule: "supported-engine", key: "database:engineVersion", mutate: func(p *spec.Database) { p.Instance.Engine = "aurora-postgresql" }},
	// current-ca
	{name: "retired CA", tier: config.Prod, rule: "current-ca", key: "database:caCertIdentifier", mutate: func(p *spec.Database) { p.Instance.CACertIdentifier = "rds-ca-2019" }},
	{name: "no CA", tier: config.Dev, rule: "current-ca", key: "database:caCertIdentifier", mutate: func(p *spec.Database) { p.Instance.CACertIdentifier = "" }},
	// tags-on-snapshots
	{name: "tags not copied to snapshots", tier: config.Prod, rule: "tags-on-snapshots", key: "copyTagsToSnapshot", mutate: func(p *spec.Database) { p.Instance.CopyTagsToSnapshot = false }},
	// event-subscriptions
	{name: "failover events not subscribed", tier: config.Prod, rule: "event-subscriptions", key: "eventSubscription[db-instance].eventCategories", mutate: func(p *spec.Database) {
		s := eventSub(p, "db-instance")
		s.Categories = slices.DeleteFunc(s.Categories, func(c string) bool { return c == "failover" })
	}},
	{name: "no event subscription", tier: config.Dev, rule: "event-subscriptions", key: "eventSubscription[db-instance].eventCategories", mutate: func(p *spec.Database) { p.EventSubscriptions = nil }},
	{name: "no parameter-group events (RDS.21)", tier: config.Prod, rule: "event-subscriptions", key: "eventSubscription[db-parameter-group].eventCategories", mutate: func(p *spec.Database) {
		p.EventSubscriptions = slices.DeleteFunc(p.EventSubscriptions, func(s spec.EventSubscription) bool { return s.SourceType == "db-parameter-group" })
	}},
	{name: "security-group events without failure (RDS.22)", tier: config.Staging, rule: "event-subscriptions", key: "eventSubscription[db-security-group].eventCategories", mutate: func(p *spec.Database) {
		eventSub(p, "db-security-group").Categories = []string{"configuration change"}
	}},
	{name: "parameter-group categories on the instance subscription only", tier: config.Prod, rule: "event-subscriptions", key: "eventSubscription[db-security-group].eventCategories", mutate: func(p *spec.Database) {
		p.EventSubscriptions = p.EventSubscriptions[:2]
	}},
	{name: "alarm topic not encrypted", tier: config.Prod, rule: "event-subscriptions", key: "alarmTopic.kmsMasterKeyId", mutate: func(p *spec.Database) { p.TopicKmsMasterKeyID = "" }},
	{name: "alarm topic on the AWS-managed SNS key", tier: config.Dev, rule: "event-subscriptions", key: "alarmTopic.kmsMasterKeyId", mutate: func(p *spec.Database) { p.TopicKmsMasterKeyID = "alias/aws/sns" }},
	// alarm-subscribers
	{name: "prod without alarm subscribers", tier: config.Prod, rule: "alarm-subscribers", key: "database:alarmSubscriptions", mutate: func(p *spec.Database) { p.AlarmSubscriptions = nil }},
	{name: "subscriber with an unknown protocol", tier: config.Dev, rule: "alarm-subscribers", key: "database:alarmSubscriptions", mutate: func(p *spec.Database) {
		p.AlarmSubscriptions = []spec.Subscription{{Protocol: "sms", Endpoint: "+15555550100"}}
	}},
	{name: "email subscriber that is not an address", tier: config.Prod, rule: "alarm-subscribers", key: "database:alarmSubscriptions", mutate: func(p *spec.Database) {
		p.AlarmSubscriptions = []spec.Subscription{{Protocol: "email", Endpoint: "orders on-call"}}
	}},
	{name: "plain http subscriber", tier: config.Prod, rule: "alarm-subscribers", key: "database:alarmSubscriptions", mutate: func(p *spec.Database) {
		p.AlarmSubscriptions = append(p.AlarmSubscriptions, spec.Subscription{Protocol: "https", Endpoint: "http://hooks.example.com/alarms"})
	}},
	// storage-autoscaling
	{name: "no storage autoscaling", tier: config.Prod, rule: "storage-autoscaling", key: "database:maxAllocatedStorageGb", mutate: func(p *spec.Database) { p.Instance.MaxAllocatedStorageGb = p.Instance.AllocatedStorageGb }},
	{name: "max storage below allocated", tier: config.Prod, rule: "storage-autoscaling", key: "database:maxAllocatedStorageGb", mutate: func(p *spec.Database) { p.Instance.MaxAllocatedStorageGb = 50 }},
	{name: "max storage under 10% above allocated", tier: config.Prod, rule: "storage-autoscaling", key: "database:maxAllocatedStorageGb", mutate: func(p *spec.Database) {
		p.Instance.AllocatedStorageGb, p.Instance.MaxAllocatedStorageGb = 100, 109
	}},
	{name: "gp2 storage", tier: config.Prod, rule: "storage-autoscaling", key: "storageType", mutate: func(p *spec.Database) { p.Instance.StorageType = "gp2" }},
	// least-privilege-ingress
	{name: "ingress from 0.0.0.0/0", tier: config.Prod, rule: "least-privilege-ingress", key: "database:allowedCidrs", mutate: func(p *spec.Database) {
		p.Ingress = append(p.Ingress, spec.Ingress{CIDR: "0.0.0.0/0", Port: 5432})
	}},
	{name: "ingress from ::/0", tier: config.Dev, rule: "least-privilege-ingress", key: "database:allowedCidrs", mutate: func(p *spec.Database) {
		p.Ingress = append(p.Ingress, spec.Ingress{CIDR: "::/0", Port: 5432})
	}},
	{name: "ingress from a public range", tier: config.Prod, rule: "least-privilege-ingress", key: "database:allowedCidrs", mutate: func(p *spec.Database) {
		p.Ingress = append(p.Ingress, spec.Ingress{CIDR: "203.0.113.0/24", Port: 5432})
	}},
	{name: "ingress CIDR that does not parse", tier: config.Prod, rule: "least-privilege-ingress", key: "database:allowedCidrs", mutate: func(p *spec.Database) {
		p.Ingress = append(p.Ingress, spec.Ingress{CIDR: "office", Port: 5432})
	}},
	{name: "ingress on the SSH port", tier: config.Prod, rule: "least-privilege-ingress", key: "ingress.port", mutate: func(p *spec.Database) {
		p.Ingress = append(p.Ingress, spec.Ingress{SecurityGroupID: "sg-0123456789abcdef0", Port: 22})
	}},
	// supported-engine, for a cluster
	{name: "cluster on engine 19", tier: config.Prod, rule: "supported-engine", key: "database:engineVersion", mutate: then(cluster, func(p *spec.Database) {
		p.Instance.EngineVersion, p.ParameterFamily = "19", "postgres19"
	})},
	// cluster-instance-class
	{name: "cluster on a burstable class", tier: config.Dev, rule: "cluster-instance-class", key: "database:instanceClass", mutate: then(cluster, func(p *spec.Database) { p.Instance.InstanceClass = "db.t4g.medium" })},
	{name: "cluster on a family without local storage", tier: config.Prod, rule: "cluster-instance-class", key: "database:instanceClass", mutate: then(cluster, func(p *spec.Database) { p.Instance.InstanceClass = "db.r6g.xlarge" })},
	{name: "cluster on m6gd medium", tier: config.Prod, rule: "cluster-instance-class", key: "database:instanceClass", mutate: then(cluster, func(p *spec.Database) { p.Instance.InstanceClass = "db.m6gd.medium" })},
	{name: "cluster on r6idn large", tier: config.Prod, rule: "cluster-instance-class", key: "database:instanceClass", mutate: then(cluster, func(p *spec.Database) { p.Instance.InstanceClass = "db.r6idn.large" })},
	{name: "cluster on a metal size", tier: config.Prod, rule: "cluster-instance-class", key: "database:instanceClass", mutate: then(cluster, func(p *spec.Database) { p.Instance.InstanceClass = "db.m6id.metal" })},
	{name: "cluster on a class without db.", tier: config.Prod, rule: "cluster-instance-class", key: "database:instanceClass", mutate: then(cluster, func(p *spec.Database) { p.Instance.InstanceClass = "m6gd.large" })},
	// cluster-storage
	{name: "cluster on gp2", tier: config.Prod, rule: "cluster-storage", key: "database:storageType", mutate: then(cluster, func(p *spec.Database) { p.Instance.StorageType = "gp2" })},
	{name: "cluster on io1 below 100 GiB", tier: config.Prod, rule: "cluster-storage", key: "database:allocatedStorageGb", mutate: then(cluster, func(p *spec.Database) {
		p.Instance.StorageType, p.Instance.AllocatedStorageGb = "io1", 99
	})},
	{name: "cluster on gp3 below 400 GiB", tier: config.Prod, rule: "cluster-storage", key: "database:allocatedStorageGb", mutate: then(cluster, func(p *spec.Database) {
		p.Instance.StorageType, p.Instance.AllocatedStorageGb, p.Instance.Iops = "gp3", 399, 12000
	})},
	{name: "cluster above 64 TiB", tier: config.Prod, rule: "cluster-storage", key: "database:allocatedStorageGb", mutate: then(cluster, func(p *spec.Database) {
		p.Instance.AllocatedStorageGb, p.Instance.Iops = 65537, 40000
	})},
	{name: "cluster without IOPS", tier: config.Prod, rule: "cluster-storage", key: "database:iops", mutate: then(cluster, func(p *spec.Database) { p.Instance.Iops = 0 })},
	{name: "cluster on io1 above 50 IOPS per GiB", tier: config.Prod, rule: "cluster-storage", key: "database:iops", mutate: then(cluster, func(p *spec.Database) {
		p.Instance.StorageType, p.Instance.Iops = "io1", 5001
	})},
	{name: "cluster on io1 above 19950 IOPS below 400 GiB", tier: config.Prod, rule: "cluster-storage", key: "database:iops", mutate: then(cluster, func(p *spec.Database) {
		p.Instance.StorageType, p.Instance.AllocatedStorageGb, p.Instance.Iops = "io1", 399, 19951
	})},
	{name: "cluster on io2 below 0.5 IOPS per GiB", tier: config.Prod, rule: "cluster-storage", key: "database:iops", mutate: then(cluster, func(p *spec.Database) {
		p.Instance.AllocatedStorageGb, p.Instance.Iops = 10000, 4999
	})},
	{name: "cluster on io2 above 256000 IOPS", tier: config.Prod, rule: "cluster-storage", key: "database:iops", mutate: then(cluster, func(p *spec.Database) {
		p.Instance.AllocatedStorageGb, p.Instance.Iops = 1000, 256001
	})},
	{name: "cluster on gp3 below its provisioned floor", tier: config.Prod, rule: "cluster-storage", key: "database:iops", mutate: then(cluster, func(p *spec.Database) {
		p.Instance.StorageType, p.Instance.AllocatedStorageGb, p.Instance.Iops = "gp3", 400, 3000
	})},
	{name: "cluster on gp3 above 64000 IOPS", tier: config.Prod, rule: "cluster-storage", key: "database:iops", mutate: then(cluster, func(p *spec.Database) {
		p.Instance.StorageType, p.Instance.AllocatedStorageGb, p.Instance.Iops = "gp3", 2000, 64001
	})},
	{name: "cluster with an autoscaling ceiling", tier: config.Prod, rule: "cluster-storage", key: "database:maxAllocatedStorageGb", mutate: then(cluster, func(p *spec.Database) { p.Instance.MaxAllocatedStorageGb = 1000 })},
	// proxy-tls-required
	{name: "proxy without TLS", tier: config.Dev, rule: "proxy-tls-required", key: "proxy.requireTls", mutate: then(proxied, func(p *spec.Database) { p.Proxy.RequireTLS = false })},
	// proxy-iam-auth
	{name: "proxy with IAM auth optional", tier: config.Prod, rule: "proxy-iam-auth", key: "proxy.auth.iamAuth", mutate: then(proxied, func(p *spec.Database) { p.Proxy.IAMAuth = "ENABLED" })},
	{name: "proxy with IAM auth off", tier: config.Dev, rule: "proxy-iam-auth", key: "proxy.auth.iamAuth", mutate: then(proxied, func(p *spec.Database) { p.Proxy.IAMAuth = "DISABLED" })},
	{name: "proxy with no auth mode", tier: config.Prod, rule: "proxy-iam-auth", key: "proxy.auth.iamAuth", mutate: then(cluster, proxied, func(p *spec.Database) { p.Proxy.IAMAuth = "" })},
	// proxy-no-debug-logging
	{name: "proxy debug logging in prod", tier: config.Prod, rule: "proxy-no-debug-logging", key: "proxy.debugLogging", mutate: then(proxied, func(p *spec.Database) { p.Proxy.DebugLogging = true })},
	{name: "proxy debug logging in staging", tier: config.Staging, rule: "proxy-no-debug-logging", key: "proxy.debugLogging", mutate: then(cluster, proxied, func(p *spec.Database) { p.Proxy.DebugLogging = true })},
	// proxy-not-public
	{name: "proxy open to everyone", tier: config.Prod, rule: "proxy-not-public", key: "proxy.ingress", mutate: then(proxied, func(p *spec.Database) {
		p.Proxy.Ingress = append(p.Proxy.Ingress, spec.Ingress{CIDR: "0.0.0.0/0", Port: 5432})
	})},
	{name: "proxy open to a public range", tier: config.Dev, rule: "proxy-not-public", key: "proxy.ingress", mutate: then(proxied, func(p *spec.Database) {
		p.Proxy.Ingress = []spec.Ingress{{CIDR: "8.8.8.0/24", Port: 5432}}
	})},
	{name: "proxy on the SSH port", tier: config.Prod, rule: "proxy-not-public", key: "proxy.ingress.port", mutate: then(proxied, func(p *spec.Database) {
		p.Proxy.Ingress = append(p.Proxy.Ingress, spec.Ingress{FromApps: true, Port: 22})
	})},
	{name: "proxy nothing may reach", tier: config.Prod, rule: "proxy-not-public", key: "proxy.ingress", mutate: then(proxied, func(p *spec.Database) { p.Proxy.Ingress = nil })},
	// disaster-recovery
	{name: "prod opting out of DR with a reason", tier: config.Prod, mutate: func(p *spec.Database) { p.DR = spec.DR{OptOutReason: "a reason"} }},
	{name: "staging without DR", tier: config.Staging, mutate: func(p *spec.Database) { p.DR = spec.DR{} }},
	{name: "staging with DR", tier: config.Staging, mutate: drBackups},
	{name: "prod with DR", tier: config.Prod, mutate: drBackups},
	{name: "prod without DR or a reason", tier: config.Prod, rule: "disaster-recovery", key: "database:dr", mutate: func(p *spec.Database) { p.DR = spec.DR{} }},
	{name: "prod with a blank reason", tier: config.Prod, rule: "disaster-recovery", key: "database:dr", mutate: func(p *spec.Database) { p.DR = spec.DR{OptOutReason: "  "} }},
	{name: "DR and an opt-out", tier: config.Prod, rule: "disaster-recovery", key: "database:drOptOut", mutate: then(drBackups, func(p *spec.Database) { p.DR.OptOutReason = "both" })},
	{name: "DR in the stack's own region", tier: config.Prod, rule: "disaster-recovery", key: "database:dr.region", mutate: then(drBackups, func(p *spec.Database) { p.Region, p.DR.Region = "eu-west-1", "eu-west-1" })},
	{name: "DR on a cluster", tier: config.Staging, rule: "disaster-recovery", key: "database:dr", mutate: then(cluster, drBackups)},
	{name: "DR by read replica", tier: config.Prod, rule: "disaster-recovery", key: "database:dr.mode", mutate: then(drBackups, func(p *spec.Database) { p.DR.Mode = spec.DRReplica })},
	{name: "DR in an unknown mode", tier: config.Prod, rule: "disaster-recovery", key: "database:dr.mode", mutate: then(drBackups, func(p *spec.Database) { p.DR.Mode = "snapshots" })},
	{name: "DR retention of 0 days", tier: config.Prod, rule: "disaster-recovery", key: "database:dr.retentionDays", mutate: then(drBackups, func(p *spec.Database) { p.DR.RetentionDays = 0 })},
	{name: "DR retention of 36 days", tier: config.Prod, rule: "disaster-recovery", key: "database:dr.retentionDays", mutate: then(drBackups, func(p *spec.Database) { p.DR.RetentionDays = 36 })},
	{name: "DR under AWS's managed key", tier: config.Prod, rule: "disaster-recovery", key: "database:dr.kmsKeyId", mutate: then(drBackups, func(p *spec.Database) { p.DR.KmsKeyID = "" })},
}

type netCase struct {
	name   string
	tier   config.Tier
	mutate func(p *guardrails.Network)
	rule   string
	key    string
}

var networkCases = []netCase{
	{name: "good prod network", tier: config.Prod},
	{name: "good staging network", tier: config.Staging},
	{name: "good dev network", tier: config.Dev},
	{name: "two zones", tier: config.Prod, mutate: func(p *guardrails.Network) {
		p.AZs, p.DatabaseSubnets = p.AZs[:2], p.DatabaseSubnets[:2]
	}},
	{name: "no app subnets", tier: config.Dev, mutate: func(p *guardrails.Network) { p.AppSubnets = nil }},

	{name: "database route to a gateway", tier: config.Prod, rule: "isolation", key: "databaseRouteTable.routes", mutate: func(p *guardrails.Network) { p.DatabaseRoutesToGateway = 1 }},
	{name: "database routes in dev", tier: config.Dev, rule: "isolation", key: "databaseRouteTable.routes", mutate: func(p *guardrails.Network) { p.DatabaseRoutesToGateway = 3 }},
	{name: "one zone", tier: config.Prod, rule: "spread", key: "network:azCount", mutate: func(p *guardrails.Network) {
		p.AZs, p.DatabaseSubnets = p.AZs[:1], p.DatabaseSubnets[:1]
	}},
	{name: "one zone in dev", tier: config.Dev, rule: "spread", key: "network:azCount", mutate: func(p *guardrails.Network) {
		p.AZs, p.DatabaseSubnets = p.AZs[:1], p.DatabaseSubnets[:1]
	}},
	{name: "zone without a database subnet", tier: config.Prod, rule: "spread", key: "network:databaseSubnetCidrs", mutate: func(p *guardrails.Network) { p.DatabaseSubnets = p.DatabaseSubnets[:2] }},
	{name: "VPC CIDR does not parse", tier: config.Prod, rule: "spread", key: "network:vpcCidr", mutate: func(p *guardrails.Network) { p.VpcCidr = "10.40.0.0" }},
	{name: "database subnet outside the VPC", tier: config.Prod, rule: "spread", key: "subnet.cidrBlock", mutate: func(p *guardrails.Network) { p.DatabaseSubnets[1] = "10.41.49.0/24" }},
	{name: "app subnet larger than the VPC", tier: config.Prod, rule: "spread", key: "subnet.cidrBlock", mutate: func(p *guardrails.Network) { p.AppSubnets[0] = "10.40.0.0/15" }},
	{name: "subnet does not parse", tier: config.Prod, rule: "spread", key: "subnet.cidrBlock", mutate: func(p *guardrails.Network) { p.AppSubnets[2] = "ten" }},
	{name: "database subnets overlap", tier: config.Prod, rule: "spread", key: "subnet.cidrBlock", mutate: func(p *guardrails.Network) { p.DatabaseSubnets[2] = "10.40.49.128/25" }},
	{name: "database subnet overlaps an app subnet", tier: config.Prod, rule: "spread", key: "subnet.cidrBlock", mutate: func(p *guardrails.Network) { p.DatabaseSubnets[0] = "10.40.1.0/24" }},
	{name: "default security group with rules", tier: config.Prod, rule: "default-security-group", key: "defaultSecurityGroup.rules", mutate: func(p *guardrails.Network) { p.DefaultSecurityGroupRules = 2 }},
	{name: "flow logs off", tier: config.Prod, rule: "flow-logs", key: "flowLog", mutate: func(p *guardrails.Network) { p.FlowLogs = false }},
	{name: "flow logs kept forever", tier: config.Dev, rule: "flow-logs", key: "network:flowLogRetentionDays", mutate: func(p *guardrails.Network) { p.FlowLogRetentionDays = 0 }},
	{name: "flow-log role writes anywhere", tier: config.Prod, rule: "flow-logs", key: "flowLogRole.policy", mutate: func(p *guardrails.Network) { p.FlowLogRoleResources = []string{"*"} }},
	{name: "flow-log role writes to every log group", tier: config.Dev, rule: "flow-logs", key: "flowLogRole.policy", mutate: func(p *guardrails.Network) {
		p.FlowLogRoleResources = append(p.FlowLogRoleResources, "arn:aws:logs:eu-west-1:123456789012:log-group:*")
	}},
	{name: "flow-log role may delete log groups", tier: config.Prod, rule: "flow-logs", key: "flowLogRole.policy", mutate: func(p *guardrails.Network) {
		p.FlowLogRoleActions = append(p.FlowLogRoleActions, "logs:DeleteLogGroup")
	}},
	{name: "flow-log role with logs:*", tier: config.Prod, rule: "flow-logs", key: "flowLogRole.policy", mutate: func(p *guardrails.Network) { p.FlowLogRoleActions = []string{"logs:*"} }},
	{name: "flow-log role with no statement", tier: config.Staging, rule: "flow-logs", key: "flowLogRole.policy", mutate: func(p *guardrails.Network) {
		p.FlowLogRoleActions, p.FlowLogRoleResources = nil, nil
	}},
}

// firedDatabase returns the ids of the rules a plan breaks, in rule order.
func firedDatabase(t *testing.T, p spec.Database) []string {
	t.Helper()
	var ids []string
	for _, r := range guardrails.DatabaseRules {
		if err := r.Check(p); err != nil {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func firedNetwork(t *testing.T, p guardrails.Network) []string {
	t.Helper()
	var ids []string
	for _, r := range guardrails.NetworkRules {
		if err := r.Check(p); err != nil {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// assertViolation checks that err is a *Violation of rule naming key.
func assertViolation(t *testing.T, err error, rule, key string) {
	t.Helper()
	var v *guardrails.Violation
	if !errors.As(err, &v) {
		t.Fatalf("error %v (%T) is not a *guardrails.Violation", err, err)
	}
	if v.Rule != rule {
		t.Errorf("violation of %q, want %q: %v", v.Rule, rule, err)
	}
	if v.Key != key {
		t.Errorf("violation names key %q, want %q: %v", v.Key, key, err)
	}
	if v.Sources == "" || v.Want == "" {
		t.Errorf("violation without sources or requirement: %+v", v)
	}
	for _, part := range []string{v.Rule, v.Sources, v.Key, v.Want} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("message %q does not contain %q", err.Error(), part)
		}
	}
}

func ruleByID(id string) (guardrails.Rule, bool) {
	for _, r := range guardrails.DatabaseRules {
		if r.ID == id {
			return r, true
		}
	}
	return guardrails.Rule{}, false
}

func networkRuleByID(id string) (guardrails.NetworkRule, bool) {
	for _, r := range guardrails.NetworkRules {
		if r.ID == id {
			return r, true
		}
	}
	return guardrails.NetworkRule{}, false
}

func TestDatabaseRules(t *testing.T) {
	names := map[string]bool{}
	for _, tc := range databaseCases {
		if names[tc.name] {
			t.Fatalf("two cases are named %q", tc.name)
		}
		names[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			p := goodDatabase(tc.tier)
			if tc.mutate != nil {
				tc.mutate(&p)
			}
			fired := firedDatabase(t, p)
			if tc.rule == "" {
				if len(fired) > 0 {
					t.Fatalf("rules %v fire on a %s plan that should hold", fired, tc.tier)
				}
				if err := guardrails.CheckDatabase(p); err != nil {
					t.Fatalf("CheckDatabase: %v", err)
				}
				return
			}
			want := append([]string{tc.rule}, tc.also...)
			if !sameSet(fired, want) {
				t.Fatalf("rules %v fire, want exactly %v", fired, want)
			}
			r, ok := ruleByID(tc.rule)
			if !ok {
				t.Fatalf("no rule %q in DatabaseRules", tc.rule)
			}
			assertViolation(t, r.Check(p), tc.rule, tc.key)
			// CheckDatabase stops at the first broken rule in document order.
			err := guardrails.CheckDatabase(p)
			var v *guardrails.Violation
			if !errors.As(err, &v) || v.Rule != fired[0] {
				t.Errorf("CheckDatabase = %v, want the violation of %s", err, fired[0])
			}
		})
	}
}

func TestNetworkRules(t *testing.T) {
	for _, tc := range networkCases {
		t.Run(tc.name, func(t *testing.T) {
			p := goodNetwork(tc.tier)
			p.AZs = slices.Clone(p.AZs)
			if tc.mutate != nil {
				tc.mutate(&p)
			}
			fired := firedNetwork(t, p)
			if tc.rule == "" {
				if len(fired) > 0 || guardrails.CheckNetwork(p) != nil {
					t.Fatalf("rules %v fire on a network that should hold", fired)
				}
				return
			}
			if !slices.Equal(fired, []string{tc.rule}) {
				t.Fatalf("rules %v fire, want exactly %s", fired, tc.rule)
			}
			r, ok := networkRuleByID(tc.rule)
			if !ok {
				t.Fatalf("no rule %q in NetworkRules", tc.rule)
			}
			assertViolation(t, r.Check(p), tc.rule, tc.key)
			assertViolation(t, guardrails.CheckNetwork(p), tc.rule, tc.key)
		})
	}
}

// TestEveryRuleHasCases fails when a rule has no case that makes it, and
// only it, fire: a new rule cannot go untested.
func TestEveryRuleHasCases(t *testing.T) {
	alone := map[string]bool{}
	for _, tc := range databaseCases {
		if tc.rule != "" && len(tc.also) == 0 {
			alone[tc.rule] = true
		}
	}
	// A rule on the network's zones fires on the zones, never on the plan
	// alone: its cases are zoneCases.
	for _, tc := range zoneCases {
		if tc.rule != "" {
			alone[tc.rule] = true
		}
	}
	seen := map[string]bool{}
	for _, r := range guardrails.DatabaseRules {
		if seen[r.ID] {
			t.Errorf("database rule id %q is used twice", r.ID)
		}
		seen[r.ID] = true
		if r.Sources == "" {
			t.Errorf("database rule %s names no source", r.ID)
		}
		if !alone[r.ID] {
			t.Errorf("database rule %s has no case that makes it fire alone", r.ID)
		}
	}
	for _, tc := range databaseCases {
		for _, id := range append([]string{tc.rule}, tc.also...) {
			if id != "" && !seen[id] {
				t.Errorf("case %q names unknown rule %q", tc.name, id)
			}
		}
	}

	netAlone := map[string]bool{}
	for _, tc := range networkCases {
		if tc.rule != "" {
			netAlone[tc.rule] = true
		}
	}
	seen = map[string]bool{}
	for _, r := range guardrails.NetworkRules {
		if seen[r.ID] {
			t.Errorf("network rule id %q is used twice", r.ID)
		}
		seen[r.ID] = true
		if r.Sources == "" {
			t.Errorf("network rule %s names no source", r.ID)
		}
		if !netAlone[r.ID] {
			t.Errorf("network rule %s has no case that makes it fire", r.ID)
		}
	}
	for _, tc := range networkCases {
		if tc.rule != "" && !seen[tc.rule] {
			t.Errorf("case %q names unknown rule %q", tc.name, tc.rule)
		}
	}
	policyRulesWithCases(t)
}

// TestRequiredEventCategories pins the list the event-subscription rule and
// the stack share to what docs/guardrails.md asks for.
func TestRequiredEventCategories(t *testing.T) {
	want := []string{"configuration change", "failover", "failure", "low storage", "maintenance"}
	got := slices.Sorted(slices.Values(guardrails.RequiredEventCategories))
	if !slices.Equal(got, want) {
		t.Errorf("RequiredEventCategories = %v, want %v", got, want)
	}
}

func TestViolationMessage(t *testing.T) {
	v := &guardrails.Violation{Rule: "multi-az", Sources: "RDS.5", Key: "database:multiAz", Value: "false", Want: "true in prod"}
	if got, want := v.Error(), `guardrail multi-az (RDS.5): database:multiAz = "false": true in prod`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestPasswordIsNotInTheMessage: the violation for a password in the plan
// must not print the password.
func TestPasswordIsNotInTheMessage(t *testing.T) {
	p := goodDatabase(config.Prod)
	p.Instance.Password = "s3cret-Pa55"
	err := guardrails.CheckDatabase(p)
	if err == nil || strings.Contains(err.Error(), "s3cret-Pa55") {
		t.Errorf("CheckDatabase = %v; want a violation that does not show the password", err)
	}
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

// zoneCase is a plan placed in the zones of a network's database subnets.
type zoneCase struct {
	name   string
	mutate func(p *spec.Database)
	zones  []string
	rule   string
}

var zoneCases = []zoneCase{
	{name: "cluster in three zones", mutate: cluster, zones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
	{name: "cluster in four zones", mutate: cluster, zones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"}},
	{name: "instance in two zones", zones: []string{"eu-west-1a", "eu-west-1b"}},
	{name: "cluster in two zones", mutate: cluster, zones: []string{"eu-west-1a", "eu-west-1b"}, rule: "three-zones"},
	{name: "cluster in one zone named thrice", mutate: cluster, zones: []string{"eu-west-1a", "eu-west-1a", "eu-west-1a"}, rule: "three-zones"},
	{name: "cluster in two zones and a blank", mutate: cluster, zones: []string{"eu-west-1a", " ", "eu-west-1b"}, rule: "three-zones"},
	{name: "cluster in no zone", mutate: cluster, rule: "three-zones"},
}

// TestZoneRules: the rules on the zones of the network's database subnets
// fire through CheckPlacement, for a cluster only, and hold through
// CheckDatabase, which cannot know the zones.
func TestZoneRules(t *testing.T) {
	for _, tc := range zoneCases {
		t.Run(tc.name, func(t *testing.T) {
			p := goodDatabase(config.Prod)
			if tc.mutate != nil {
				tc.mutate(&p)
			}
			require := func(ok bool, format string, args ...any) {
				t.Helper()
				if !ok {
					t.Fatalf(format, args...)
				}
			}
			require(guardrails.CheckDatabase(p) == nil, "CheckDatabase fails on the good plan: %v", guardrails.CheckDatabase(p))
			var fired []string
			for _, r := range guardrails.DatabaseRules {
				if r.CheckZones(p, tc.zones) != nil {
					fired = append(fired, r.ID)
				}
				if !r.OnZones() && r.CheckZones(p, tc.zones) != nil {
					t.Errorf("rule %s reads the plan alone but fires on the zones", r.ID)
				}
			}
			err := guardrails.CheckPlacement(p, tc.zones)
			if tc.rule == "" {
				require(len(fired) == 0 && err == nil, "rules %v fire (%v) on zones %v that should hold", fired, err, tc.zones)
				return
			}
			require(slices.Equal(fired, []string{tc.rule}), "rules %v fire, want exactly %s", fired, tc.rule)
			assertViolation(t, err, tc.rule, "network availabilityZones")
			if p.Deployment == spec.DeployCluster {
				assertViolation(t, guardrails.CheckClusterZones(tc.zones), tc.rule, "network availabilityZones")
			}
		})
	}
	if err := guardrails.CheckClusterZones([]string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}); err != nil {
		t.Errorf("CheckClusterZones(three zones) = %v", err)
	}
	if err := guardrails.CheckClusterZones([]string{"eu-west-1a", "eu-west-1b"}); err == nil {
		t.Error("CheckClusterZones(two zones) holds")
	}
}
