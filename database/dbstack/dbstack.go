package dbstack

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/database/postgres"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/naming"
	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/tags"
)

// LocalOrganization is the organization name of stacks on a file:// or S3
// backend; Pulumi Cloud uses the real organization.
const LocalOrganization = networkref.LocalOrganization

// Run is the database program. main calls it, and so does the deploy tool
// through the Automation API.
func Run(ctx *pulumi.Context) error { return Program(ctx, ctx.Export, time.Now) }

// Program declares the database stack and exports its contract through
// export. now dates the final snapshot name of a new incarnation.
func Program(ctx *pulumi.Context, export contract.ExportFunc, now func() time.Time) error {
	s, err := Resolve(config.Source{Namespace: contract.DatabaseProject, Get: ctx.GetConfig}, now())
	if err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}
	if err := guardrails.CheckDatabase(s); err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}

	netStack, err := NetworkStackName(ctx, s)
	if err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}
	ref, err := pulumi.NewStackReference(ctx, netStack, nil)
	if err != nil {
		return fmt.Errorf("database stack %s: reference network stack %s: %w", ctx.Stack(), netStack, err)
	}
	network, values, err := contract.ReadNetwork(ref, netStack)
	if err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}
	if env := values.String("environment"); env != s.Environment {
		return &config.Error{Key: "database:networkStack", Value: netStack, Allowed: fmt.Sprintf("a network stack of environment %s (this one is %s)", s.Environment, env)}
	}
	// The network states its role: a database stack deploys into a primary
	// network of its own region, never a recovery network.
	if err := contract.CheckPrimaryNetwork(netStack, values, s.Region); err != nil {
		return &config.Error{Key: "database:networkStack", Value: netStack, Allowed: fmt.Sprintf("a primary network stack in this stack's region %s (%v)", s.Region, err)}
	}
	appCidrs := values.Strings("appSubnetCidrs")
	if err := CheckAppSubnets(netStack, values.String("vpcCidr"), appCidrs); err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}
	// The shape's placement rules (a cluster's three zones) hold the
	// network's zones, known only once its stack is read, before anything
	// is declared: RDS would otherwise refuse the cluster only at create.
	if err := guardrails.CheckPlacement(s, values.Strings("availabilityZones")); err != nil {
		return fmt.Errorf("database stack %s: network stack %s: %w", ctx.Stack(), netStack, err)
	}

	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return fmt.Errorf("database stack %s: look up the account: %w", ctx.Stack(), err)
	}
	partition, err := aws.GetPartition(ctx, nil)
	if err != nil {
		return fmt.Errorf("database stack %s: look up the partition: %w", ctx.Stack(), err)
	}
	if err := CheckKeyAdmins(s.KeyAdminRoleArns, partition.Partition, identity.AccountId); err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}

	db, err := postgres.NewMultiAZ(ctx, naming.Base(s.App, s.Environment), &postgres.Args{
		Spec:           s,
		Network:        network,
		AppSubnetCidrs: appCidrs,
		AccountID:      identity.AccountId,
		Partition:      partition.Partition,
		Tags:           tags.New(s.Environment, string(s.Tier), ctx.Project(), ctx.Stack(), s.Tags),
	})
	if err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}
	return contract.Export(db.Outputs, export)
}

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

// NetworkStackName is the fully qualified network stack to read: the
// database:networkStack key, completed with the organization and project
// when it names only a stack, or <organization>/network/<environment>.
func NetworkStackName(ctx *pulumi.Context, s spec.Database) (string, error) {
	ref, err := networkref.Parse(s.NetworkStack, s.Environment)
	if err != nil {
		return "", err
	}
	return ref.Qualify(ctx.Organization()).String(), nil
}

// ResolveConfig is the spec of a validated config: the settings each key
// of config.DatabaseKeyTable writes (config.DatabaseSpec), the parameter
// group's entries (postgres.Parameters) and the platform's fixed choices,
// which no stack file can change. The guardrails check this spec;
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
	s.Parameters = postgres.Parameters(s)
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

// CheckKeyAdmins holds the roles database:keyAdminRoleArns names to the
// account and partition the stack deploys to: the key policy may name
// only roles of its own account.
func CheckKeyAdmins(arns []string, partition, account string) error {
	for _, a := range arns {
		if p, acct, ok := config.RolePartitionAccount(a); !ok || p != partition || acct != account {
			return &config.Error{Key: "database:keyAdminRoleArns", Value: a, Allowed: fmt.Sprintf("IAM roles of the account this stack deploys to, arn:%s:iam::%s:role/<name>", partition, account)}
		}
	}
	return nil
}

// CheckAppSubnets holds the application subnet CIDRs a network stack
// exports to the least-privilege-ingress guardrail before the database
// opens its port to them: the guardrail checks config-given CIDRs before
// anything is declared, but these come from another stack's outputs, so a
// wrong or tampered output (0.0.0.0/0, a public range, a range outside the
// VPC) is caught here, still before any rule is declared.
func CheckAppSubnets(netStack, vpcCidr string, cidrs []string) error {
	vpc, err := netip.ParsePrefix(vpcCidr)
	if err != nil {
		return fmt.Errorf("guardrail least-privilege-ingress: network stack %s output vpcCidr = %q is not a CIDR", netStack, vpcCidr)
	}
	if len(cidrs) == 0 {
		return fmt.Errorf("guardrail least-privilege-ingress: network stack %s output appSubnetCidrs is empty: want the application subnets the database admits", netStack)
	}
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil || p != p.Masked() || !p.Addr().Is4() || p.Bits() < vpc.Bits() || !vpc.Contains(p.Addr()) {
			return fmt.Errorf("guardrail least-privilege-ingress: network stack %s output appSubnetCidrs holds %q: want IPv4 subnets inside the VPC %s, with no host bits set", netStack, c, vpcCidr)
		}
	}
	return nil
}
