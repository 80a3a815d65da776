// Package dbstack is the database program: one app team's Multi-AZ
// PostgreSQL in one environment, reading that environment's network through a
// StackReference.
package dbstack

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/database/postgres"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/naming"
	"github.com/pgplatform/platform/shared/networkref"
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
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return err
	}
	plan := Plan(cfg, now())
	if err := guardrails.CheckDatabase(plan); err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}

	netStack, err := NetworkStackName(ctx, cfg)
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
	if env := values.String("environment"); env != cfg.Environment {
		return &config.Error{Key: "database:networkStack", Value: netStack, Allowed: fmt.Sprintf("a network stack of environment %s (this one is %s)", cfg.Environment, env)}
	}
	appCidrs := values.Strings("appSubnetCidrs")
	if err := CheckAppSubnets(netStack, values.String("vpcCidr"), appCidrs); err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}

	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return fmt.Errorf("database stack %s: look up the account: %w", ctx.Stack(), err)
	}
	partition, err := aws.GetPartition(ctx, nil)
	if err != nil {
		return fmt.Errorf("database stack %s: look up the partition: %w", ctx.Stack(), err)
	}
	if err := CheckKeyAdmins(cfg.KeyAdminRoleArns, partition.Partition, identity.AccountId); err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}

	db, err := postgres.NewMultiAZ(ctx, naming.Base(cfg.App, cfg.Environment), &postgres.Args{
		Config:         cfg,
		Plan:           plan,
		Network:        network,
		AppSubnetCidrs: appCidrs,
		AccountID:      identity.AccountId,
		Partition:      partition.Partition,
		Tags:           tags.New(cfg.Environment, string(cfg.Tier), ctx.Project(), ctx.Stack(), cfg.Tags),
	})
	if err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}
	return contract.Export(db.Outputs, export)
}

// CheckGuardrails checks the plan a config gives against every guardrail,
// as the program does before it declares anything. The deploy tool calls it
// for every database stack before the first stack of a run starts.
func CheckGuardrails(cfg config.Database) error {
	return guardrails.CheckDatabase(Plan(cfg, time.Now()))
}

// LoadConfig reads and validates the stack's database config.
func LoadConfig(ctx *pulumi.Context) (config.Database, error) {
	cfg, err := config.LoadDatabase(config.Source{Namespace: contract.DatabaseProject, Get: ctx.GetConfig})
	if err != nil {
		return config.Database{}, fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}
	return cfg, nil
}

// NetworkStackName is the fully qualified network stack to read: the
// database:networkStack key, completed with the organization and project
// when it names only a stack, or <organization>/network/<environment>.
func NetworkStackName(ctx *pulumi.Context, cfg config.Database) (string, error) {
	ref, err := networkref.Parse(cfg.NetworkStack, cfg.Environment)
	if err != nil {
		return "", err
	}
	return ref.Qualify(ctx.Organization()).String(), nil
}

// Plan turns the config into the settings the stack gives its resources.
// The guardrails check this plan; postgres.NewMultiAZ renders it.
func Plan(cfg config.Database, now time.Time) guardrails.Database {
	strict := cfg.Tier.Strict()
	params := []guardrails.Parameter{
		{Name: "rds.force_ssl", Value: "1", ApplyMethod: "pending-reboot"},
		{Name: "shared_preload_libraries", Value: "pg_stat_statements", ApplyMethod: "pending-reboot"},
		{Name: "log_min_duration_statement", Value: strconv.Itoa(cfg.LogMinDurationMs), ApplyMethod: "immediate"},
		{Name: "log_statement", Value: cfg.LogStatement, ApplyMethod: "immediate"},
	}
	if strict {
		params = append(params,
			guardrails.Parameter{Name: "log_connections", Value: "1", ApplyMethod: "immediate"},
			guardrails.Parameter{Name: "log_disconnections", Value: "1", ApplyMethod: "immediate"},
		)
	}
	var ingress []guardrails.Ingress
	ingress = append(ingress, guardrails.Ingress{FromApps: true, Port: cfg.Port})
	for _, c := range cfg.AllowedCidrs {
		ingress = append(ingress, guardrails.Ingress{CIDR: c.String(), Port: cfg.Port})
	}
	for _, sg := range cfg.AllowedSecurityGroups {
		ingress = append(ingress, guardrails.Ingress{SecurityGroupID: sg, Port: cfg.Port})
	}
	snapshot := ""
	if !cfg.SkipFinalSnapshot {
		snapshot = naming.FinalSnapshotSuffix(now)
	}
	return guardrails.Database{
		Tier:        cfg.Tier,
		KeyRotation: true,
		Protect:     cfg.Tier == config.Prod,
		Instance: guardrails.Instance{
			Engine:                           "postgres",
			EngineVersion:                    cfg.EngineVersion(),
			InstanceClass:                    cfg.InstanceClass,
			StorageType:                      "gp3",
			AllocatedStorageGb:               cfg.AllocatedStorageGb,
			MaxAllocatedStorageGb:            cfg.MaxAllocatedStorageGb,
			PubliclyAccessible:               false,
			StorageEncrypted:                 true,
			KmsKeyID:                         guardrails.StackKey,
			MultiAZ:                          cfg.MultiAZ,
			BackupRetentionDays:              cfg.BackupRetentionDays,
			BackupWindow:                     cfg.BackupWindow,
			MaintenanceWindow:                cfg.MaintenanceWindow,
			DeletionProtection:               cfg.DeletionProtection,
			SkipFinalSnapshot:                cfg.SkipFinalSnapshot,
			FinalSnapshotIdentifier:          snapshot,
			ManageMasterUserPassword:         true,
			MasterUserSecretKmsKeyID:         guardrails.StackKey,
			MasterUsername:                   cfg.MasterUsername,
			IAMAuth:                          true,
			MonitoringInterval:               cfg.MonitoringInterval,
			PerformanceInsights:              true,
			PerformanceInsightsKmsKeyID:      guardrails.StackKey,
			PerformanceInsightsRetentionDays: cfg.PIRetentionDays,
			LogExports:                       []string{"postgresql", "upgrade"},
			AutoMinorVersionUpgrade:          true,
			CACertIdentifier:                 cfg.CACertIdentifier,
			CopyTagsToSnapshot:               true,
		},
		ParameterFamily:         cfg.ParameterGroupFamily(),
		PreviousParameterFamily: previousFamily(cfg.EngineMajor),
		Parameters:              params,
		MonitoringTrustService:  guardrails.MonitoringService,
		MonitoringPolicy:        "service-role/AmazonRDSEnhancedMonitoringRole",
		LogGroupRetentionDays:   cfg.LogRetentionDays,
		LogGroupKmsKeyID:        guardrails.StackKey,
		Ingress:                 ingress,
		TopicKmsMasterKeyID:     guardrails.StackKey,
		EventSubscriptions:      eventSubscriptions(),
		AlarmSubscriptions:      alarmSubscriptions(cfg.AlarmSubscriptions),
	}
}

// previousFamily is the parameter group family of the major before major,
// whose group the stack keeps for an instance that still runs that major
// (database/postgres parameterGroup), or "" when that major is older than
// the platform allows, so no instance of it can run one.
func previousFamily(major int) string {
	if major-1 < config.MinEngineMajor {
		return ""
	}
	return fmt.Sprintf("postgres%d", major-1)
}

// eventSubscriptions are the RDS event subscriptions the stack declares:
// one per source type the guardrails require, with their categories.
func eventSubscriptions() []guardrails.EventSubscription {
	var out []guardrails.EventSubscription
	for _, s := range guardrails.RequiredEventSubscriptions {
		out = append(out, guardrails.EventSubscription{SourceType: s.SourceType, Categories: append([]string(nil), s.Categories...)})
	}
	return out
}

func alarmSubscriptions(subs []config.AlarmSubscription) []guardrails.Subscription {
	var out []guardrails.Subscription
	for _, s := range subs {
		out = append(out, guardrails.Subscription{Protocol: s.Protocol, Endpoint: s.Endpoint})
	}
	return out
}

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
