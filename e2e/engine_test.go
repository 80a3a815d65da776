//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
)

// TestDoubleUnderTheRealEngine drives the aws test double with the real
// engine and two tiny inline programs that mirror the platform's layering (a
// network stack whose subnet IDs a database stack reads through a
// StackReference), so that a protocol problem of the double shows here, apart
// from the platform's own programs.

type vpcRes struct {
	pulumi.CustomResourceState
	CidrBlock pulumi.StringOutput `pulumi:"cidrBlock"`
}

type subnetRes struct {
	pulumi.CustomResourceState
	Arn pulumi.StringOutput `pulumi:"arn"`
}

type subnetGroupRes struct {
	pulumi.CustomResourceState
	Name  pulumi.StringOutput `pulumi:"name"`
	VpcID pulumi.StringOutput `pulumi:"vpcId"`
}

type instanceRes struct {
	pulumi.CustomResourceState
	Endpoint          pulumi.StringOutput   `pulumi:"endpoint"`
	MasterUserSecrets pulumi.MapArrayOutput `pulumi:"masterUserSecrets"`
}

// availableZones is what getAvailabilityZones answers for the available
// zones of the stack's region.
func availableZones(ctx *pulumi.Context) ([]string, error) {
	var zones struct {
		Names []string `pulumi:"names"`
	}
	err := ctx.Invoke("aws:index/getAvailabilityZones:getAvailabilityZones",
		map[string]any{"state": "available"}, &zones)
	return zones.Names, err
}

// tinyVPC declares a VPC of cidr and a subnet "db-<zone>" in each of
// zones, the i-th at subnetCidr formatted with i, and returns the VPC and
// the subnets' IDs.
func tinyVPC(ctx *pulumi.Context, cidr string, zones []string, subnetCidr string) (*vpcRes, pulumi.StringArray, error) {
	var vpc vpcRes
	if err := ctx.RegisterResource("aws:ec2/vpc:Vpc", "vpc", pulumi.Map{"cidrBlock": pulumi.String(cidr)}, &vpc); err != nil {
		return nil, nil, err
	}
	var ids pulumi.StringArray
	for i, zone := range zones {
		var subnet subnetRes
		if err := ctx.RegisterResource("aws:ec2/subnet:Subnet", "db-"+zone, pulumi.Map{
			"vpcId":            vpc.ID(),
			"availabilityZone": pulumi.String(zone),
			"cidrBlock":        pulumi.Sprintf(subnetCidr, i),
		}, &subnet); err != nil {
			return nil, nil, err
		}
		ids = append(ids, subnet.ID().ToStringOutput())
	}
	return &vpc, ids, nil
}

func tinyNetwork(ctx *pulumi.Context) error {
	zones, err := availableZones(ctx)
	if err != nil {
		return err
	}
	vpc, ids, err := tinyVPC(ctx, config.Require(ctx, "cidr"), zones[:2], "10.9.%d.0/24")
	if err != nil {
		return err
	}
	ctx.Export("vpcId", vpc.ID())
	ctx.Export("subnetIds", ids)
	return nil
}

func tinyDatabase(ctx *pulumi.Context) error {
	net, err := pulumi.NewStackReference(ctx, "organization/tinynet/"+ctx.Stack(), nil)
	if err != nil {
		return err
	}
	var group subnetGroupRes
	if err := ctx.RegisterResource("aws:rds/subnetGroup:SubnetGroup", "db", pulumi.Map{
		"subnetIds": net.GetOutput(pulumi.String("subnetIds")).AsStringArrayOutput(),
	}, &group); err != nil {
		return err
	}
	identifier := config.Get(ctx, "identifier")
	if identifier == "" {
		identifier = "tiny-" + ctx.Stack()
	}
	var db instanceRes
	if err := ctx.RegisterResource("aws:rds/instance:Instance", "db", pulumi.Map{
		"identifier":               pulumi.String(identifier),
		"applyImmediately":         pulumi.Bool(true),
		"engine":                   pulumi.String(config.Require(ctx, "engine")),
		"instanceClass":            pulumi.String("db.t4g.micro"),
		"dbSubnetGroupName":        group.Name,
		"storageEncrypted":         pulumi.Bool(true),
		"manageMasterUserPassword": pulumi.Bool(true),
		"username":                 pulumi.String("tiny_admin"),
		"skipFinalSnapshot":        pulumi.Bool(true),
	}, &db); err != nil {
		return err
	}
	ctx.Export("endpoint", db.Endpoint)
	ctx.Export("vpcId", group.VpcID)
	ctx.Export("secretArn", db.MasterUserSecrets.Index(pulumi.Int(0)).MapIndex(pulumi.String("secretArn")))
	return nil
}

func TestDoubleUnderTheRealEngine(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: repoRoot})
	require.NoError(t, err, "the pinned CLI")
	progress := testWriter{t}
	netStack := w.inlineStack(ctx, cli, "tinynet", tinyNetwork, map[string]string{"aws:region": "eu-west-1", "cidr": "10.9.0.0/16"})
	dbStack := w.inlineStack(ctx, cli, "tinydb", tinyDatabase, map[string]string{"aws:region": "eu-west-1", "engine": "postgres"})

	// Create: the network, then the database reading it.
	netUp, err := netStack.Up(ctx, optup.ProgressStreams(progress))
	require.NoError(t, err, "up tinynet")
	dbUp, err := dbStack.Up(ctx, optup.ProgressStreams(progress))
	require.NoError(t, err, "up tinydb")

	subnetIDs := netUp.Outputs["subnetIds"].Value.([]any)
	require.Len(t, subnetIDs, 2)
	assert.Equal(t, "tiny-t.c0ffee.eu-west-1.rds.amazonaws.com:5432", dbUp.Outputs["endpoint"].Value)
	assert.Equal(t, netUp.Outputs["vpcId"].Value, dbUp.Outputs["vpcId"].Value, "the subnet group's VPC is looked up from the subnets")
	assert.Regexp(t, `^arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-`, dbUp.Outputs["secretArn"].Value)

	var groupCreate *fakeaws.Call
	for _, c := range w.calls() {
		if c.Method == "Create" && !c.Preview && c.Type == "aws:rds/subnetGroup:SubnetGroup" {
			groupCreate = &c
		}
	}
	require.NotNil(t, groupCreate, "the subnet group's create is in the call log")
	assert.Equal(t, subnetIDs, fakeaws.Unsecret(groupCreate.Inputs["subnetIds"]), "the subnet IDs came through the StackReference")
	assert.Regexp(t, `^db-[0-9a-f]{7}$`, groupCreate.Inputs["name"], "the subnet group is auto-named")
	assert.Len(t, w.records(), 5, "vpc, two subnets, subnet group, instance")

	// Idempotence: nothing changes the second time.
	for _, s := range []auto.Stack{netStack, dbStack} {
		up, err := s.Up(ctx, optup.ProgressStreams(progress))
		require.NoError(t, err)
		changes := *up.Summary.ResourceChanges
		assert.Equal(t, map[string]int{"same": changes["same"]}, changes,
			"second up of %s", s.Name())
		_, err = s.Refresh(ctx)
		require.NoError(t, err, "refresh of %s", s.Name())
		pre, err := s.Preview(ctx, optpreview.ExpectNoChanges())
		require.NoError(t, err, "preview after refresh of %s", s.Name())
		assert.Zero(t, pre.ChangeSummary[apitype.OpUpdate]+pre.ChangeSummary[apitype.OpReplace]+pre.ChangeSummary[apitype.OpCreate])
	}

	// A replace-forcing change shows as a replacement in the preview.
	require.NoError(t, dbStack.SetConfig(ctx, "engine", auto.ConfigValue{Value: "mysql"}))
	pre, err := dbStack.Preview(ctx, optpreview.ProgressStreams(progress))
	require.NoError(t, err)
	assert.Equal(t, 1, pre.ChangeSummary[apitype.OpReplace], "the instance is replaced: %v", pre.ChangeSummary)
	require.NoError(t, dbStack.SetConfig(ctx, "engine", auto.ConfigValue{Value: "postgres"}))

	// A new identifier renames the instance in place (ModifyDBInstance
	// NewDBInstanceIdentifier): an update of the same instance, whose
	// endpoint follows the new name.
	require.NoError(t, dbStack.SetConfig(ctx, "identifier", auto.ConfigValue{Value: "tiny-renamed"}))
	renamed, err := dbStack.Up(ctx, optup.ProgressStreams(progress))
	require.NoError(t, err, "up with a new identifier")
	changes := *renamed.Summary.ResourceChanges
	assert.Equal(t, 1, changes["update"], "the rename is an update: %v", changes)
	assert.Zero(t, changes["replace"], "and no replacement: %v", changes)
	assert.Equal(t, "tiny-renamed.c0ffee.eu-west-1.rds.amazonaws.com:5432", renamed.Outputs["endpoint"].Value)
	assert.Len(t, w.records(), 5, "still one instance")

	// Destroy in order leaves nothing behind.
	_, err = dbStack.Destroy(ctx, optdestroy.ProgressStreams(progress))
	require.NoError(t, err)
	_, err = netStack.Destroy(ctx, optdestroy.ProgressStreams(progress))
	require.NoError(t, err)
	assert.Empty(t, w.records(), "records after destroy")

	for _, c := range w.calls() {
		assert.Empty(t, c.Error, "%s %s %s failed in the double", c.Method, c.Type, c.URN)
	}
}

// inlineStack is stack "t" of project, with program run inline by cli in
// the project's own folder of the world, and cfg set.
func (w *world) inlineStack(ctx context.Context, cli auto.PulumiCommand, project string, program pulumi.RunFunc, cfg map[string]string) auto.Stack {
	w.t.Helper()
	work := filepath.Join(w.dir, project)
	require.NoError(w.t, os.MkdirAll(work, 0o700))
	s, err := auto.UpsertStackInlineSource(ctx, "t", project, program,
		auto.Pulumi(cli), auto.WorkDir(work), auto.EnvVars(w.env()),
		auto.SecretsProvider("passphrase"))
	require.NoError(w.t, err, "creating stack %s", project)
	for k, v := range cfg {
		require.NoError(w.t, s.SetConfig(ctx, k, auto.ConfigValue{Value: v}))
	}
	return s
}

// testWriter sends engine progress to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
