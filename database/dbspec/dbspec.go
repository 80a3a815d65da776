package dbspec

import (
	"time"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/naming"
	"github.com/pgplatform/platform/shared/spec"
)

// CheckGuardrails checks the spec a config resolves to against every
// guardrail, as the program does before it declares anything. The deploy
// tool calls it for every database stack before the first stack of a run
// starts.
func CheckGuardrails(cfg config.Database) error {
	return guardrails.CheckDatabase(ResolveConfig(cfg, time.Now()))
}

// Resolve reads and validates a database stack's config and resolves it
// into the stack's spec: what the program checks and deploys, and what
// verify expects of the live instance. now dates the final snapshot name
// of a new incarnation.
func Resolve(src config.Source, now time.Time) (spec.Database, error) {
	cfg, err := config.LoadDatabase(src)
	if err != nil {
		return spec.Database{}, err
	}
	return ResolveConfig(cfg, now), nil
}

// ResolveConfig is the spec of a validated config: the settings each key
// of config.DatabaseKeyTable writes (config.DatabaseSpec), the parameter
// group's entries (Parameters) and the platform's fixed choices, which no
// stack file can change. The guardrails check this spec;
// postgres.NewMultiAZ renders it.
func ResolveConfig(cfg config.Database, now time.Time) spec.Database {
	s := config.DatabaseSpec(cfg)
	s.KeyRotation = true
	s.Protect = s.Tier == config.Prod
	in := &s.Instance
	in.Engine = "postgres"
	// The storage type, its IOPS and the deployment are the stack file's
	// (config.DatabaseKeyTable): gp3 for an instance, io1, io2 or gp3 with
	// provisioned IOPS for a cluster.
	in.PubliclyAccessible = false
	in.StorageEncrypted = true
	in.KmsKeyID = spec.StackKey
	if !in.SkipFinalSnapshot {
		in.FinalSnapshotIdentifier = naming.FinalSnapshotSuffix(now)
	}
	in.ManageMasterUserPassword = true
	in.MasterUserSecretKmsKeyID = spec.StackKey
	in.IAMAuth = true
	in.PerformanceInsights = true
	in.PerformanceInsightsKmsKeyID = spec.StackKey
	in.LogExports = append([]string(nil), guardrails.RequiredLogExports...)
	in.AutoMinorVersionUpgrade = true
	in.CopyTagsToSnapshot = true
	s.Parameters = Parameters(s)
	s.MonitoringTrustService = guardrails.MonitoringService
	s.MonitoringPolicy = "service-role/AmazonRDSEnhancedMonitoringRole"
	s.LogGroupKmsKeyID = spec.StackKey
	s.TopicKmsMasterKeyID = spec.StackKey
	s.EventSubscriptions = eventSubscriptions(s.Deployment)
	// The RDS Proxy's fixed choices, whatever the stack file says: clients
	// connect over TLS and authenticate with IAM, and statement text is
	// never logged. Whether there is a proxy, direct access and the pool
	// are the stack file's. The proxy admits the sources the database
	// would: the application subnets and the stack file's own
	// (allowedCidrs, allowedSecurityGroupIds), so those reach the database
	// through the proxy when it admits only the proxy.
	s.Proxy.RequireTLS = true
	s.Proxy.IAMAuth = spec.ProxyIAMAuthRequired
	s.Proxy.DebugLogging = false
	s.Proxy.Ingress = nil
	if s.Proxy.Enabled {
		s.Proxy.Ingress = append([]spec.Ingress(nil), s.Ingress...)
	}
	return s
}

// eventSubscriptions are the RDS event subscriptions the stack declares:
// one per source type the guardrails require, with their categories, and
// for a cluster one on the cluster itself (ClusterEventCategories).
func eventSubscriptions(shape spec.Deployment) []spec.EventSubscription {
	var out []spec.EventSubscription
	if shape == spec.DeployCluster {
		out = append(out, spec.EventSubscription{SourceType: "db-cluster", Categories: append([]string(nil), ClusterEventCategories...)})
	}
	for _, s := range guardrails.RequiredEventSubscriptions {
		out = append(out, spec.EventSubscription{SourceType: s.SourceType, Categories: append([]string(nil), s.Categories...)})
	}
	return out
}

// ClusterEventCategories are the categories of a cluster's db-cluster
// event subscription: those of the DB cluster events the RDS User Guide
// lists for Multi-AZ DB clusters, "configuration change" (RDS-EVENT-0016,
// master credentials reset), "creation" (RDS-EVENT-0170), "failover"
// (RDS-EVENT-0069 to 0073: a failover started, completed or failed) and
// "failure" (RDS-EVENT-0354: the cluster cannot be created for an
// incompatible resource) ("Amazon RDS event categories and event messages",
// DB cluster events,
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html#USER_Events.Messages.cluster).
var ClusterEventCategories = []string{"configuration change", "creation", "failover", "failure"}
