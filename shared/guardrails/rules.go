package guardrails

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pgplatform/platform/shared/spec"
)

// Violation is a plan that breaks a rule.
type Violation struct {
	Rule    string // the rule's id, e.g. "multi-az"
	Sources string // where the rule comes from
	Key     string // the config key or resource property at fault
	Value   string // the value it has
	Want    string // what the rule requires
}

func (v *Violation) Error() string {
	return fmt.Sprintf("guardrail %s (%s): %s = %q: %s", v.Rule, v.Sources, v.Key, v.Value, v.Want)
}

// Rule is one guardrail on a database plan.
type Rule struct {
	// ID names the rule in every refusal and in its table's first column.
	ID string
	// Sources is where the rule comes from (scanner ids, Security Hub
	// controls, issues), in every refusal and in its table.
	Sources string
	// Requirement is what the rule requires, in Markdown: the requirement
	// column of its row in docs/guardrails.md, which is generated from it.
	Requirement string
	// Protects is what the rule protects against, in Markdown: its row of
	// the README's table of the database rules, which is generated from it.
	Protects string
	// check holds the spec to the rule.
	check func(spec.Database) *Violation
	// zones holds the spec to the rule on the availability zones of the
	// network's database subnets, which the program knows only once it
	// has read the network stack (CheckPlacement); nil for the rules that
	// read the spec alone.
	zones func(p spec.Database, zones []string) *Violation
}

// DatabaseRules are the rules that apply to a database stack; the Database
// table of docs/guardrails.md is generated from them, in this order.
var DatabaseRules = []Rule{
	{
		ID:          "not-public",
		Sources:     "CKV_AWS_17; AWS-0180; RDS.2",
		Requirement: "`publiclyAccessible` false; the subnet group spans only isolated subnets (no internet route)",
		Protects:    "a database reachable from the internet",
		check: func(p spec.Database) *Violation {
			if p.Instance.PubliclyAccessible {
				return &Violation{Key: "publiclyAccessible", Value: "true", Want: "false: the database is reachable only inside the VPC"}
			}
			return nil
		},
	},
	{
		ID:          "encrypted-customer-key",
		Sources:     "CKV_AWS_16; AWS-0080; RDS.3",
		Requirement: "`storageEncrypted` true, `kmsKeyId` the stack's customer-managed KMS key, with rotation on",
		Protects:    "data readable from stolen snapshots or volumes; a key you cannot rotate, audit or revoke",
		check: func(p spec.Database) *Violation {
			switch {
			case !p.Instance.StorageEncrypted:
				return &Violation{Key: "storageEncrypted", Value: "false", Want: "true"}
			case p.Instance.KmsKeyID != StackKey:
				return &Violation{Key: "kmsKeyId", Value: p.Instance.KmsKeyID, Want: StackKey + ": the stack's customer-managed KMS key"}
			case !p.KeyRotation:
				return &Violation{Key: "enableKeyRotation", Value: "false", Want: "true on the customer-managed key"}
			}
			return nil
		},
	},
	{
		ID:          "multi-az",
		Sources:     "CKV_AWS_157; RDS.5",
		Requirement: "a known shape (`deployment` `instance` or `cluster`); `multiAz` true in staging/prod, and always on a cluster (three zones by construction); `availabilityZone` never set on a Multi-AZ instance (it drifts after every failover)",
		Protects:    "losing the database with one availability zone; drift of a pinned AZ after failover",
		check: func(p spec.Database) *Violation {
			switch {
			case p.Deployment != spec.DeployInstance && p.Deployment != spec.DeployCluster:
				return &Violation{Key: "database:deployment", Value: string(p.Deployment), Want: "instance or cluster"}
			case p.Deployment == spec.DeployCluster && !p.Instance.MultiAZ:
				return &Violation{Key: "database:multiAz", Value: "false", Want: "true: a Multi-AZ DB cluster always spans three zones"}
			case p.Instance.AvailabilityZone != "":
				return &Violation{Key: "availabilityZone", Value: p.Instance.AvailabilityZone, Want: "unset on a Multi-AZ instance (it drifts after every failover)"}
			case !p.Instance.MultiAZ && p.Tier.Strict():
				return &Violation{Key: "database:multiAz", Value: "false", Want: "true in " + string(p.Tier) + "; only a dev-tier stack may turn Multi-AZ off"}
			}
			return nil
		},
	},
	{
		ID:          "backups",
		Sources:     "CKV_AWS_133; AWS-0077; RDS.11",
		Requirement: "`backupRetentionPeriod` at least 7 days (prod 14), at most 35, set explicitly; explicit backup and maintenance windows that do not overlap",
		Protects:    "no point-in-time recovery window, or one too short to notice a problem in prod",
		check: func(p spec.Database) *Violation {
			floor := p.Tier.MinBackupRetentionDays()
			if n := p.Instance.BackupRetentionDays; n < floor || n > spec.MaxBackupRetentionDays {
				return &Violation{Key: "database:backupRetentionDays", Value: strconv.Itoa(n), Want: fmt.Sprintf("from %d to %d days in %s", floor, spec.MaxBackupRetentionDays, p.Tier)}
			}
			if p.Instance.BackupWindow == "" || p.Instance.MaintenanceWindow == "" {
				return &Violation{Key: "database:backupWindow", Value: p.Instance.BackupWindow, Want: "explicit backup and maintenance windows"}
			}
			return nil
		},
	},
	{
		ID:          "deletion-protection",
		Sources:     "CKV_AWS_293; AWS-0177; RDS.8",
		Requirement: "true in staging/prod; in prod also Pulumi's `protect` option on the instance",
		Protects:    "a stray `destroy` or console click deleting staging or prod",
		check: func(p spec.Database) *Violation {
			switch {
			case p.Tier.Strict() && !p.Instance.DeletionProtection:
				return &Violation{Key: "database:deletionProtection", Value: "false", Want: "true in " + string(p.Tier)}
			case p.Tier == spec.Prod && !p.Protect:
				return &Violation{Key: "protect", Value: "false", Want: "Pulumi's protect option on the prod instance"}
			}
			return nil
		},
	},
	{
		ID:          "final-snapshot",
		Sources:     "pulumi-aws #2196; terraform-aws-rds #445",
		Requirement: "`skipFinalSnapshot` false outside dev, with a `finalSnapshotIdentifier` unique to each incarnation of the instance (a fixed name fails the second time with DBSnapshotAlreadyExists)",
		Protects:    "deleting an instance without a last copy; `DBSnapshotAlreadyExists` on the second incarnation",
		check: func(p spec.Database) *Violation {
			switch {
			case p.Instance.SkipFinalSnapshot && p.Tier != spec.Dev:
				return &Violation{Key: "database:skipFinalSnapshot", Value: "true", Want: "false outside dev"}
			case !p.Instance.SkipFinalSnapshot && p.Instance.FinalSnapshotIdentifier == "":
				return &Violation{Key: "finalSnapshotIdentifier", Value: "", Want: "a name unique to this incarnation of the instance"}
			}
			return nil
		},
	},
	{
		ID:          "managed-master-password",
		Sources:     "terraform-aws-rds #488; provider #28538",
		Requirement: "`manageMasterUserPassword` true with the secret under the stack's key; no `password` anywhere",
		Protects:    "a password in config, in Pulumi state or in CI logs",
		check: func(p spec.Database) *Violation {
			switch {
			case p.Instance.Password != "":
				return &Violation{Key: "password", Value: "(redacted)", Want: "no password: RDS manages the master password in Secrets Manager"}
			case !p.Instance.ManageMasterUserPassword:
				return &Violation{Key: "manageMasterUserPassword", Value: "false", Want: "true"}
			case p.Instance.MasterUserSecretKmsKeyID != StackKey:
				return &Violation{Key: "masterUserSecretKmsKeyId", Value: p.Instance.MasterUserSecretKmsKeyID, Want: StackKey + ": the stack's customer-managed KMS key"}
			}
			return nil
		},
	},
	{
		ID:          "admin-user-not-default",
		Sources:     "RDS.25",
		Requirement: "the master username is not `postgres`, `admin` or `root`",
		Protects:    "the first user names an attacker tries",
		check: func(p spec.Database) *Violation {
			if slices.Contains(spec.ForbiddenUsernames, p.Instance.MasterUsername) {
				return &Violation{Key: "database:masterUsername", Value: p.Instance.MasterUsername, Want: "a name other than " + strings.Join(spec.ForbiddenUsernames, ", ")}
			}
			return nil
		},
	},
	{
		ID:          "iam-auth",
		Sources:     "CKV_AWS_161; AWS-0176; RDS.10",
		Requirement: "`iamDatabaseAuthenticationEnabled` true",
		Protects:    "long-lived database passwords in applications",
		check: func(p spec.Database) *Violation {
			if !p.Instance.IAMAuth {
				return &Violation{Key: "iamDatabaseAuthenticationEnabled", Value: "false", Want: "true"}
			}
			return nil
		},
	},
	{
		ID:          "enhanced-monitoring",
		Sources:     "CKV_AWS_118; RDS.6",
		Requirement: "`monitoringInterval` one of 1, 5, 10, 15, 30, 60, through a role trusted only by `monitoring.rds.amazonaws.com` with `AmazonRDSEnhancedMonitoringRole` attached; the role's rendered trust policy must hold `trust-named-service` and `trust-source-bound` below",
		Protects:    "blind spots at the OS level; a role others could assume",
		check: func(p spec.Database) *Violation {
			switch {
			case !slices.Contains(spec.MonitoringIntervals, p.Instance.MonitoringInterval):
				return &Violation{Key: "database:monitoringIntervalSeconds", Value: strconv.Itoa(p.Instance.MonitoringInterval), Want: "one of 1, 5, 10, 15, 30, 60"}
			case p.MonitoringTrustService != MonitoringService:
				// The rendered trust policy, which binds this service to the
				// account and the instance, is checked by CheckTrustPolicy
				// where the component renders it.
				return &Violation{Key: "monitoringRole.assumeRolePolicy", Value: p.MonitoringTrustService, Want: "trusted only by " + MonitoringService}
			case !strings.HasSuffix(p.MonitoringPolicy, "service-role/AmazonRDSEnhancedMonitoringRole"):
				return &Violation{Key: "monitoringRole.policy", Value: p.MonitoringPolicy, Want: "AmazonRDSEnhancedMonitoringRole attached"}
			}
			return nil
		},
	},
	{
		ID:          "performance-insights",
		Sources:     "CKV_AWS_353/354; AWS-0133/0078",
		Requirement: "enabled, encrypted with the stack's key, retention at least 7 days",
		Protects:    "no query-level history when an incident starts",
		check: func(p spec.Database) *Violation {
			switch {
			case !p.Instance.PerformanceInsights:
				return &Violation{Key: "performanceInsightsEnabled", Value: "false", Want: "true"}
			case p.Instance.PerformanceInsightsKmsKeyID != StackKey:
				return &Violation{Key: "performanceInsightsKmsKeyId", Value: p.Instance.PerformanceInsightsKmsKeyID, Want: StackKey + ": the stack's customer-managed KMS key"}
			case p.Instance.PerformanceInsightsRetentionDays < MinPerformanceInsightsRetentionDays:
				return &Violation{Key: "database:performanceInsightsRetentionDays", Value: strconv.Itoa(p.Instance.PerformanceInsightsRetentionDays), Want: fmt.Sprintf("at least %d days", MinPerformanceInsightsRetentionDays)}
			}
			return nil
		},
	},
	{
		ID:          "logs-to-cloudwatch",
		Sources:     "CKV_AWS_129; RDS.9/RDS.36",
		Requirement: "`enabledCloudwatchLogsExports` includes `postgresql` and `upgrade`; the log groups are declared by the stack, with a retention and `kmsKeyId` the stack's customer-managed key",
		Protects:    "logs lost with the instance, or kept forever unencrypted",
		check: func(p spec.Database) *Violation {
			for _, want := range RequiredLogExports {
				if !slices.Contains(p.Instance.LogExports, want) {
					return &Violation{Key: "enabledCloudwatchLogsExports", Value: strings.Join(p.Instance.LogExports, ","), Want: "postgresql and upgrade exported"}
				}
			}
			if p.LogGroupRetentionDays <= 0 {
				return &Violation{Key: "database:logRetentionDays", Value: strconv.Itoa(p.LogGroupRetentionDays), Want: "log groups declared by the stack with a retention"}
			}
			if p.LogGroupKmsKeyID != StackKey {
				return &Violation{Key: "logGroup.kmsKeyId", Value: p.LogGroupKmsKeyID, Want: StackKey + ": the log groups encrypted with the stack's customer-managed key"}
			}
			return nil
		},
	},
	{
		ID:          "tls-required",
		Sources:     "CKV2_AWS_69; RDS.38",
		Requirement: "the stack's parameter group sets `rds.force_ssl` = 1",
		Protects:    "clear-text connections",
		check: func(p spec.Database) *Violation {
			if v, _ := param(p, "rds.force_ssl"); v != "1" {
				return &Violation{Key: "parameter rds.force_ssl", Value: v, Want: "1 in the stack's parameter group"}
			}
			return nil
		},
	},
	{
		ID:          "safe-query-logging",
		Sources:     "CKV2_AWS_30",
		Requirement: "`log_min_duration_statement` set, at least 100 ms; `log_statement` `none` (the default) or `ddl`, never `all` or `mod`. `ddl` also writes the passwords of CREATE/ALTER ROLE to the log: set role passwords as the README describes",
		Protects:    "passwords of `CREATE/ALTER ROLE` written to the log (`log_statement=all` or `mod`, a slow-query threshold near 0)",
		check: func(p spec.Database) *Violation {
			if v, ok := param(p, "log_min_duration_statement"); !ok || v == "-1" {
				return &Violation{Key: "database:logMinDurationStatementMs", Value: v, Want: "set, so slow statements are logged"}
			} else if ms, err := strconv.Atoi(v); err != nil || ms < spec.MinLogMinDurationMs {
				return &Violation{Key: "database:logMinDurationStatementMs", Value: v, Want: fmt.Sprintf("at least %d ms: below that nearly every statement's text, role passwords included, is logged", spec.MinLogMinDurationMs)}
			}
			if v, _ := param(p, "log_statement"); v != "ddl" && v != "none" {
				return &Violation{Key: "database:logStatement", Value: v, Want: "none or ddl: all and mod write the text of writes, role passwords included, to the log"}
			}
			return nil
		},
	},
	{
		ID:          "static-parameters",
		Sources:     "terraform-aws-rds #349/#582; provider #216",
		Requirement: "static parameters (`shared_preload_libraries`, `rds.force_ssl`, ...) use apply method `pending-reboot`; `immediate` fails with InvalidParameterCombination",
		Protects:    "`InvalidParameterCombination` on a static parameter applied `immediate`",
		check: func(p spec.Database) *Violation {
			for _, prm := range p.Parameters {
				if staticParameters[prm.Name] && prm.ApplyMethod != "pending-reboot" {
					return &Violation{Key: "parameter " + prm.Name + " applyMethod", Value: prm.ApplyMethod, Want: "pending-reboot for a static parameter (immediate fails with InvalidParameterCombination)"}
				}
			}
			return nil
		},
	},
	{
		ID:          "parameter-group-replaceable",
		Sources:     "provider #6448, #41020",
		Requirement: "no fixed parameter-group `name`, and the family of the engine major, so a major upgrade creates the new group before deleting the old",
		Protects:    "a major upgrade blocked by a fixed parameter group name",
		check: func(p spec.Database) *Violation {
			if p.ParameterGroupName != "" {
				return &Violation{Key: "parameterGroup.name", Value: p.ParameterGroupName, Want: "no fixed name, so a family change can create the new group before deleting the old"}
			}
			if want := "postgres" + p.Instance.EngineVersion; p.ParameterFamily != want {
				return &Violation{Key: "parameterGroup.family", Value: p.ParameterFamily, Want: want + ", the family of the engine major"}
			}
			return nil
		},
	},
	{
		ID:          "minor-upgrades",
		Sources:     "CKV_AWS_226; RDS.13; terraform-aws-rds #436",
		Requirement: "`autoMinorVersionUpgrade` true and `engineVersion` the major only: a pinned minor turns into a planned downgrade after AWS upgrades it",
		Protects:    "missing security patches; a planned downgrade after AWS upgrades a pinned minor",
		check: func(p spec.Database) *Violation {
			if !p.Instance.AutoMinorVersionUpgrade {
				return &Violation{Key: "autoMinorVersionUpgrade", Value: "false", Want: "true"}
			}
			if strings.Contains(p.Instance.EngineVersion, ".") {
				return &Violation{Key: "database:engineVersion", Value: p.Instance.EngineVersion, Want: "the major version only"}
			}
			return nil
		},
	},
	{
		ID:          "supported-engine",
		Sources:     "CKV_AWS_250",
		Requirement: "PostgreSQL major 14 or later; a cluster: a major RDS offers Multi-AZ DB clusters for (14 to 18; 14 from 14.5)",
		Protects:    "an engine out of community support; a cluster on a version RDS cannot run as one",
		check: func(p spec.Database) *Violation {
			n, err := strconv.Atoi(p.Instance.EngineVersion)
			if p.Instance.Engine != "postgres" || err != nil || n < spec.MinEngineMajor {
				return &Violation{Key: "database:engineVersion", Value: p.Instance.Engine + " " + p.Instance.EngineVersion, Want: fmt.Sprintf("postgres %d or later", spec.MinEngineMajor)}
			}
			if p.Deployment == spec.DeployCluster && !slices.Contains(spec.ClusterEngineMajors, n) {
				return &Violation{Key: "database:engineVersion", Value: p.Instance.EngineVersion, Want: "a major RDS offers Multi-AZ DB clusters of PostgreSQL for: " + joinInts(spec.ClusterEngineMajors)}
			}
			return nil
		},
	},
	{
		ID:          "current-ca",
		Sources:     "CKV_AWS_211",
		Requirement: "`caCertIdentifier` one of rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1",
		Protects:    "certificates from an expiring CA",
		check: func(p spec.Database) *Violation {
			if !slices.Contains(spec.CACertIdentifiers, p.Instance.CACertIdentifier) {
				return &Violation{Key: "database:caCertIdentifier", Value: p.Instance.CACertIdentifier, Want: "one of " + strings.Join(spec.CACertIdentifiers, ", ")}
			}
			return nil
		},
	},
	{
		ID:          "tags-on-snapshots",
		Sources:     "CKV2_AWS_60; RDS.17",
		Requirement: "`copyTagsToSnapshot` true",
		Protects:    "snapshots nobody can attribute",
		check: func(p spec.Database) *Violation {
			if !p.Instance.CopyTagsToSnapshot {
				return &Violation{Key: "copyTagsToSnapshot", Value: "false", Want: "true"}
			}
			return nil
		},
	},
	{
		ID:          "event-subscriptions",
		Sources:     "RDS.20/21/22",
		Requirement: "RDS event subscriptions to an alarm topic whose `kmsMasterKeyId` is the stack's customer-managed key: the instance (failover, failure, maintenance, low storage, configuration change; RDS.20), its parameter group (configuration change; RDS.21) and DB security groups (configuration change, failure; RDS.22)",
		Protects:    "failovers, failures and parameter or security-group changes nobody hears about",
		check: func(p spec.Database) *Violation {
			// https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html
			for _, want := range RequiredEventSubscriptions {
				if !subscribed(p.EventSubscriptions, want) {
					return &Violation{Key: "eventSubscription[" + want.SourceType + "].eventCategories", Value: strings.Join(categories(p.EventSubscriptions, want.SourceType), ","), Want: "a " + want.SourceType + " subscription with all of " + strings.Join(want.Categories, ", ")}
				}
			}
			if p.TopicKmsMasterKeyID != StackKey {
				return &Violation{Key: "alarmTopic.kmsMasterKeyId", Value: p.TopicKmsMasterKeyID, Want: StackKey + ": the topic encrypted with the stack's customer-managed key"}
			}
			return nil
		},
	},
	{
		ID:          "alarm-subscribers",
		Sources:     "this project: alarms that reach someone",
		Requirement: "in prod, at least one subscriber of the alarm topic (`database:alarmSubscriptions`); every subscriber an email address, an `https://` URL, an SQS queue ARN or a Lambda function ARN",
		Protects:    "a prod alarm topic nobody is subscribed to",
		check: func(p spec.Database) *Violation {
			if p.Tier == spec.Prod && len(p.AlarmSubscriptions) == 0 {
				return &Violation{Key: "database:alarmSubscriptions", Value: "", Want: "at least one subscriber of the alarm topic in prod"}
			}
			for _, s := range p.AlarmSubscriptions {
				if err := spec.CheckSubscription(s.Protocol, s.Endpoint); err != "" {
					return &Violation{Key: "database:alarmSubscriptions", Value: s.Protocol + ":" + s.Endpoint, Want: err}
				}
			}
			return nil
		},
	},
	{
		ID:          "storage-autoscaling",
		Sources:     "provider #9076",
		Requirement: "on an instance: `maxAllocatedStorageGb` above `allocatedStorageGb`; gp3 storage (a cluster has no storage autoscaling: `cluster-storage`)",
		Protects:    "a full disk; a perpetual diff after autoscaling grew it",
		check: func(p spec.Database) *Violation {
			if p.Deployment == spec.DeployCluster {
				return nil // cluster-storage
			}
			// RDS wants the autoscaling ceiling at least 10% above the
			// allocated storage (spec.MinMaxAllocatedStorageGb).
			if ceiling := spec.MinMaxAllocatedStorageGb(p.Instance.AllocatedStorageGb); p.Instance.MaxAllocatedStorageGb < ceiling {
				return &Violation{Key: "database:maxAllocatedStorageGb", Value: strconv.Itoa(p.Instance.MaxAllocatedStorageGb), Want: fmt.Sprintf("at least %d, 10%% more than allocatedStorageGb (%d)", ceiling, p.Instance.AllocatedStorageGb)}
			}
			if p.Instance.StorageType != "gp3" {
				return &Violation{Key: "storageType", Value: p.Instance.StorageType, Want: "gp3"}
			}
			return nil
		},
	},
	{
		ID:          "cluster-instance-class",
		Sources:     "RDS User Guide: instance class availability for Multi-AZ DB clusters",
		Requirement: "a cluster's instance class is one RDS runs Multi-AZ DB clusters of PostgreSQL on: db.c6gd, m5d, m6gd, m6id, m6idn, r5d, r6gd, r6id, r6idn or x2iedn, in a size the family offers for PostgreSQL (medium only for c6gd)",
		Protects:    "a cluster that CreateDBCluster refuses halfway through a deploy",
		check: func(p spec.Database) *Violation {
			if p.Deployment != spec.DeployCluster {
				return nil
			}
			if want := spec.CheckClusterInstanceClass(p.Instance.InstanceClass); want != "" {
				return &Violation{Key: "database:instanceClass", Value: p.Instance.InstanceClass, Want: want}
			}
			return nil
		},
	},
	{
		ID:          "cluster-storage",
		Sources:     "RDS User Guide: DB instance storage; Multi-AZ DB cluster limitations",
		Requirement: "a cluster's storage is io1, io2 or gp3 with provisioned IOPS in AWS's ranges (io1/io2 100-65536 GiB, 1000-256000 IOPS, 0.5-50 (io1) or 0.5-1000 (io2) IOPS per GiB, io1 at most 19950 below 400 GiB; gp3 400-65536 GiB, 12000-64000 IOPS, at most 500 per GiB), and no `maxAllocatedStorageGb` (Multi-AZ DB clusters have no storage autoscaling)",
		Protects:    "a cluster RDS refuses for its storage; an autoscaling ceiling that promises growth a cluster never gets",
		check: func(p spec.Database) *Violation {
			if p.Deployment != spec.DeployCluster {
				return nil
			}
			in := p.Instance
			if what, want := spec.CheckClusterStorage(in.StorageType, in.AllocatedStorageGb, in.Iops); what != "" {
				value := map[string]string{"storageType": in.StorageType, "allocatedStorageGb": strconv.Itoa(in.AllocatedStorageGb), "iops": strconv.Itoa(in.Iops)}[what]
				return &Violation{Key: "database:" + what, Value: value, Want: want}
			}
			if in.MaxAllocatedStorageGb != 0 {
				return &Violation{Key: "database:maxAllocatedStorageGb", Value: strconv.Itoa(in.MaxAllocatedStorageGb), Want: "no storage autoscaling ceiling: Multi-AZ DB clusters do not support storage autoscaling (raise allocatedStorageGb instead)"}
			}
			return nil
		},
	},
	{
		ID:          "three-zones",
		Sources:     "RDS User Guide: Multi-AZ DB cluster deployments",
		Requirement: "a cluster's database subnets, as the network stack exports them, span at least three availability zones (a writer and two readers, each in its own zone); checked on the network's zones once the program reads them",
		Protects:    "a cluster that cannot place its three instances, or places two in one zone",
		zones: func(p spec.Database, zones []string) *Violation {
			if p.Deployment != spec.DeployCluster {
				return nil
			}
			return clusterZones(zones)
		},
	},
	{
		ID:          "least-privilege-ingress",
		Sources:     "this project: least-privilege database access",
		Requirement: "the database security group admits only the database port, only from the network's application subnets and the private sources config names; never 0.0.0.0/0 or ::/0",
		Protects:    "the database port open to everyone (`0.0.0.0/0`, `::/0`)",
		check: func(p spec.Database) *Violation {
			for _, in := range p.Ingress {
				if in.Port != 0 && in.Port < 1150 {
					return &Violation{Key: "ingress.port", Value: strconv.Itoa(in.Port), Want: "the database port only"}
				}
				if in.CIDR == "" {
					continue
				}
				pfx, err := netip.ParsePrefix(in.CIDR)
				if err != nil || pfx.Bits() == 0 || !private(pfx) {
					return &Violation{Key: "database:allowedCidrs", Value: in.CIDR, Want: "named private sources; never 0.0.0.0/0 or ::/0"}
				}
			}
			return nil
		},
	},
	{
		ID:          "proxy-tls-required",
		Sources:     "CreateDBProxy RequireTLS; issue 13",
		Requirement: "with `proxy`, the proxy's `requireTls` is true",
		Protects:    "clear-text connections to the proxy",
		check: func(p spec.Database) *Violation {
			if p.Proxy.Enabled && !p.Proxy.RequireTLS {
				return &Violation{Key: "proxy.requireTls", Value: "false", Want: "true: clients reach the proxy over TLS only"}
			}
			return nil
		},
	},
	{
		ID:          "proxy-iam-auth",
		Sources:     "CreateDBProxy UserAuthConfig IAMAuth; issue 13",
		Requirement: "with `proxy`, the proxy's auth for the master secret has `iamAuth` REQUIRED: clients authenticate with IAM; the proxy alone reads the secret",
		Protects:    "long-lived database passwords in applications that go through the proxy",
		check: func(p spec.Database) *Violation {
			if p.Proxy.Enabled && p.Proxy.IAMAuth != spec.ProxyIAMAuthRequired {
				return &Violation{Key: "proxy.auth.iamAuth", Value: p.Proxy.IAMAuth, Want: spec.ProxyIAMAuthRequired}
			}
			return nil
		},
	},
	{
		ID:          "proxy-no-debug-logging",
		Sources:     "CreateDBProxy DebugLogging",
		Requirement: "with `proxy`, `debugLogging` false in staging/prod (it writes the text of SQL statements to the proxy's logs)",
		Protects:    "statement text, role passwords included, in the proxy's logs",
		check: func(p spec.Database) *Violation {
			if p.Proxy.Enabled && p.Proxy.DebugLogging && p.Tier.Strict() {
				return &Violation{Key: "proxy.debugLogging", Value: "true", Want: "false in " + string(p.Tier)}
			}
			return nil
		},
	},
	{
		ID:          "disaster-recovery",
		Sources:     "issue 14; RDS.26 (backup plans); RDS User Guide: USER_ReplicateBackups, rds-secrets-manager limitations",
		Requirement: "prod: `dr` with a recovery region other than the stack's, mode `backups` (RDS cross-Region automated backup replication), retention 1-35 days, under the stack's own key in that region; or `drOptOut` with the reason, which every preview shows. Never on a Multi-AZ DB cluster (AWS replicates no cluster's automated backups, and AWS Backup copies no cluster snapshot), never mode `replica` (no read replica of a source whose master password RDS manages)",
		Protects:    "losing prod's data and its backups with its region or its account's copies in that region; a DR setting AWS would refuse at deploy",
		check: func(p spec.Database) *Violation {
			dr := p.DR
			if !dr.Enabled() {
				if p.Tier == spec.Prod && strings.TrimSpace(dr.OptOutReason) == "" {
					return &Violation{Key: "database:dr", Value: "", Want: "a recovery region in prod, or database:drOptOut with the reason the stack has none"}
				}
				return nil
			}
			switch {
			case dr.OptOutReason != "":
				return &Violation{Key: "database:drOptOut", Value: dr.OptOutReason, Want: "no opt-out in a stack with database:dr"}
			case dr.Region == p.Region:
				return &Violation{Key: "database:dr.region", Value: dr.Region, Want: "a recovery region other than the stack's own " + p.Region}
			case p.Deployment != spec.DeployInstance:
				return &Violation{Key: "database:dr", Value: string(p.Deployment), Want: "deployment instance: \"Automated backup replication isn't supported for Multi-AZ DB clusters\" (RDS User Guide, USER_ReplicateBackups)"}
			case dr.Mode == spec.DRReplica:
				return &Violation{Key: "database:dr.mode", Value: string(dr.Mode), Want: "backups: no read replica of a source whose master password RDS manages in Secrets Manager (RDS User Guide, rds-secrets-manager limitations)"}
			case dr.Mode != spec.DRBackups:
				return &Violation{Key: "database:dr.mode", Value: string(dr.Mode), Want: "backups"}
			case dr.RetentionDays < spec.MinDRRetentionDays || dr.RetentionDays > spec.MaxDRRetentionDays:
				return &Violation{Key: "database:dr.retentionDays", Value: strconv.Itoa(dr.RetentionDays), Want: fmt.Sprintf("from %d to %d days", spec.MinDRRetentionDays, spec.MaxDRRetentionDays)}
			case dr.KmsKeyID != StackKey:
				return &Violation{Key: "database:dr.kmsKeyId", Value: dr.KmsKeyID, Want: StackKey + ": the stack's customer-managed key in the recovery region"}
			}
			return nil
		},
	},
	{
		ID:          "proxy-not-public",
		Sources:     "RDS Proxy limitations (never publicly accessible); this project: least-privilege database access",
		Requirement: "with `proxy`, the proxy's security group admits only the database port, only from the network's application subnets (or named private sources); never 0.0.0.0/0 or ::/0. The proxy sits in the database subnets (`isolation`), and AWS never makes a proxy publicly accessible",
		Protects:    "a proxy, and through it the database, open to more than the applications",
		check: func(p spec.Database) *Violation {
			if !p.Proxy.Enabled {
				return nil
			}
			if len(p.Proxy.Ingress) == 0 {
				return &Violation{Key: "proxy.ingress", Value: "", Want: "the application subnets: a proxy nothing may reach serves nobody"}
			}
			for _, in := range p.Proxy.Ingress {
				if in.Port != p.Port {
					return &Violation{Key: "proxy.ingress.port", Value: strconv.Itoa(in.Port), Want: fmt.Sprintf("the database port %d only", p.Port)}
				}
				if in.CIDR == "" {
					continue
				}
				pfx, err := netip.ParsePrefix(in.CIDR)
				if err != nil || pfx.Bits() == 0 || !private(pfx) {
					return &Violation{Key: "proxy.ingress", Value: in.CIDR, Want: "the application subnets or named private sources; never 0.0.0.0/0 or ::/0"}
				}
			}
			return nil
		},
	},
}

// privateRanges is RFC 1918 space, the only space a CIDR source may come from.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

func private(p netip.Prefix) bool {
	for _, r := range privateRanges {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// RequiredEventCategories are the RDS event categories the stack subscribes
// its alarm topic to for its instance: the three Security Hub RDS.20 wants
// (maintenance, configuration change, failure), plus failover and low
// storage.
var RequiredEventCategories = []string{"failover", "failure", "maintenance", "low storage", "configuration change"}

// RequiredEventSubscriptions are the RDS event subscriptions a stack needs,
// by source type, with the categories Security Hub RDS.20 (db-instance),
// RDS.21 (db-parameter-group) and RDS.22 (db-security-group) check
// (https://docs.aws.amazon.com/securityhub/latest/userguide/rds-controls.html).
var RequiredEventSubscriptions = []spec.EventSubscription{
	{SourceType: "db-instance", Categories: RequiredEventCategories},
	{SourceType: "db-parameter-group", Categories: []string{"configuration change"}},
	{SourceType: "db-security-group", Categories: []string{"configuration change", "failure"}},
}

// subscribed reports whether one of subs covers want's source type with
// all of its categories.
func subscribed(subs []spec.EventSubscription, want spec.EventSubscription) bool {
	for _, s := range subs {
		if s.SourceType != want.SourceType {
			continue
		}
		all := true
		for _, c := range want.Categories {
			all = all && slices.Contains(s.Categories, c)
		}
		if all {
			return true
		}
	}
	return false
}

func categories(subs []spec.EventSubscription, sourceType string) []string {
	var out []string
	for _, s := range subs {
		if s.SourceType == sourceType {
			out = append(out, s.Categories...)
		}
	}
	return out
}

// staticParameters need a reboot to apply; RDS refuses apply method
// "immediate" for them.
var staticParameters = map[string]bool{
	"shared_preload_libraries": true,
	"rds.force_ssl":            true,
	"max_connections":          true,
	"wal_buffers":              true,
	"shared_buffers":           true,
	"max_wal_senders":          true,
	"rds.logical_replication":  true,
}

func param(p spec.Database, name string) (string, bool) {
	for _, prm := range p.Parameters {
		if prm.Name == name {
			return prm.Value, true
		}
	}
	return "", false
}

// Check applies this one rule to a plan. A rule on the network's zones
// (CheckZones) holds here: the plan does not know them.
func (r Rule) Check(p spec.Database) error {
	if r.check == nil {
		return nil
	}
	if v := r.check(p); v != nil {
		v.Rule, v.Sources = r.ID, r.Sources
		return v
	}
	return nil
}

// CheckZones applies this one rule to a plan placed in the availability
// zones of the network's database subnets. A rule on the plan alone
// (Check) holds here.
func (r Rule) CheckZones(p spec.Database, zones []string) error {
	if r.zones == nil {
		return nil
	}
	if v := r.zones(p, zones); v != nil {
		v.Rule, v.Sources = r.ID, r.Sources
		return v
	}
	return nil
}

// OnZones reports whether the rule reads the network's zones (CheckZones)
// rather than the plan alone (Check).
func (r Rule) OnZones() bool { return r.zones != nil }

// CheckPlacement returns the first rule the plan breaks in the
// availability zones of the network's database subnets, as a *Violation:
// for a cluster, three-zones. The database program calls it with the
// network stack's availabilityZones output once it has read the network,
// before it declares anything (as it calls dbspec.CheckAppSubnets).
func CheckPlacement(p spec.Database, zones []string) error {
	for _, r := range DatabaseRules {
		if err := r.CheckZones(p, zones); err != nil {
			return err
		}
	}
	return nil
}

// CheckClusterZones holds the availability zones of a cluster's database
// subnets to three-zones: at least spec.MinClusterZones distinct zones. It
// is CheckPlacement for a plan known to be a cluster.
func CheckClusterZones(zones []string) error {
	return CheckPlacement(spec.Database{Deployment: spec.DeployCluster}, zones)
}

// clusterZones is three-zones' check of the zones of a cluster's
// database subnets.
func clusterZones(zones []string) *Violation {
	distinct := map[string]bool{}
	for _, z := range zones {
		if z = strings.TrimSpace(z); z != "" {
			distinct[z] = true
		}
	}
	if len(distinct) < spec.MinClusterZones {
		return &Violation{Key: "network availabilityZones", Value: strings.Join(zones, ","),
			Want: fmt.Sprintf("database subnets in at least %d availability zones for a Multi-AZ DB cluster (a writer and two readers, each in its own zone); use a network stack with azCount 3 or more", spec.MinClusterZones)}
	}
	return nil
}

func joinInts(ns []int) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.Itoa(n)
	}
	return strings.Join(out, ", ")
}

// CheckDatabase returns the first rule the plan breaks, as a *Violation.
func CheckDatabase(p spec.Database) error {
	for _, r := range DatabaseRules {
		if err := r.Check(p); err != nil {
			return err
		}
	}
	return nil
}
