package dbstack

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/database/dbspec"
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
	s, err := dbspec.Resolve(config.Source{Namespace: contract.DatabaseProject, Get: ctx.GetConfig}, now())
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
	if err := dbspec.CheckAppSubnets(netStack, values.String("vpcCidr"), appCidrs); err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}
	// The shape's placement rules (a cluster's three zones) hold the
	// network's zones, known only once its stack is read, before anything
	// is declared: RDS would otherwise refuse the cluster only at create.
	if err := guardrails.CheckPlacement(s, values.Strings("availabilityZones")); err != nil {
		return fmt.Errorf("database stack %s: network stack %s: %w", ctx.Stack(), netStack, err)
	}
	// With DR, the recovery network is read through the same contract and
	// its role checked, before anything is declared.
	recovery, recoveryStack, err := readRecoveryNetwork(ctx, s)
	if err != nil {
		return err
	}

	identity, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return fmt.Errorf("database stack %s: look up the account: %w", ctx.Stack(), err)
	}
	partition, err := aws.GetPartition(ctx, nil)
	if err != nil {
		return fmt.Errorf("database stack %s: look up the partition: %w", ctx.Stack(), err)
	}
	if err := dbspec.CheckKeyAdmins(s.KeyAdminRoleArns, partition.Partition, identity.AccountId); err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}

	db, err := postgres.NewMultiAZ(ctx, naming.Base(s.App, s.Environment), &postgres.Args{
		Spec:                 s,
		Network:              network,
		AppSubnetCidrs:       appCidrs,
		RecoveryNetwork:      recovery,
		RecoveryNetworkStack: recoveryStack,
		AccountID:            identity.AccountId,
		Partition:            partition.Partition,
		Tags:                 tags.New(s.Environment, string(s.Tier), ctx.Project(), ctx.Stack(), s.Tags),
	})
	if err != nil {
		return fmt.Errorf("database stack %s: %w", ctx.Stack(), err)
	}
	return contract.Export(db.Outputs, export)
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
