//go:build e2e

package e2e

import (
	"context"
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
)

type clusterRes struct {
	pulumi.CustomResourceState
	Endpoint          pulumi.StringOutput   `pulumi:"endpoint"`
	ReaderEndpoint    pulumi.StringOutput   `pulumi:"readerEndpoint"`
	ClusterIdentifier pulumi.StringOutput   `pulumi:"clusterIdentifier"`
	MasterUserSecrets pulumi.MapArrayOutput `pulumi:"masterUserSecrets"`
}

type namedRes struct {
	pulumi.CustomResourceState
	Name     pulumi.StringOutput `pulumi:"name"`
	Endpoint pulumi.StringOutput `pulumi:"endpoint"`
}

// tinyCluster is a Multi-AZ DB cluster for PostgreSQL behind an RDS Proxy
// with a read-only endpoint, in one inline stack, declared with the
// pulumi-aws v6 input names the platform's programs use.
func tinyCluster(ctx *pulumi.Context) error {
	zones, err := availableZones(ctx)
	if err != nil {
		return err
	}
	_, subnets, err := tinyVPC(ctx, "10.8.0.0/16", zones, "10.8.%d.0/24")
	if err != nil {
		return err
	}
	var group subnetGroupRes
	if err := ctx.RegisterResource("aws:rds/subnetGroup:SubnetGroup", "db", pulumi.Map{"subnetIds": subnets}, &group); err != nil {
		return err
	}
	var params namedRes
	if err := ctx.RegisterResource("aws:rds/clusterParameterGroup:ClusterParameterGroup", "db", pulumi.Map{
		"family":     pulumi.String("postgres16"),
		"parameters": pulumi.MapArray{pulumi.Map{"name": pulumi.String("rds.force_ssl"), "value": pulumi.String("1")}},
	}, &params); err != nil {
		return err
	}
	var cluster clusterRes
	if err := ctx.RegisterResource("aws:rds/cluster:Cluster", "db", pulumi.Map{
		"clusterIdentifier":           pulumi.String("tiny-" + ctx.Stack()),
		"engine":                      pulumi.String("postgres"),
		"engineVersion":               pulumi.String("16.4"),
		"dbClusterInstanceClass":      pulumi.String(config.Require(ctx, "class")),
		"storageType":                 pulumi.String(config.Require(ctx, "storage")),
		"allocatedStorage":            pulumi.Int(100),
		"iops":                        pulumi.Int(3000),
		"dbSubnetGroupName":           group.Name,
		"dbClusterParameterGroupName": params.Name,
		"manageMasterUserPassword":    pulumi.Bool(true),
		"masterUsername":              pulumi.String("tiny_admin"),
		"storageEncrypted":            pulumi.Bool(true),
		"skipFinalSnapshot":           pulumi.Bool(true),
		"applyImmediately":            pulumi.Bool(true),
	}, &cluster); err != nil {
		return err
	}
	var proxy namedRes
	if err := ctx.RegisterResource("aws:rds/proxy:Proxy", "db", pulumi.Map{
		"engineFamily": pulumi.String("POSTGRESQL"),
		"roleArn":      pulumi.String("arn:aws:iam::123456789012:role/tiny-proxy"),
		"requireTls":   pulumi.Bool(true),
		"vpcSubnetIds": subnets,
		"auths": pulumi.MapArray{pulumi.Map{
			"authScheme": pulumi.String("SECRETS"), "iamAuth": pulumi.String("REQUIRED"),
			"secretArn": cluster.MasterUserSecrets.Index(pulumi.Int(0)).MapIndex(pulumi.String("secretArn")),
		}},
	}, &proxy); err != nil {
		return err
	}
	var pool namedRes
	if err := ctx.RegisterResource("aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", "db", pulumi.Map{
		"dbProxyName":          proxy.Name,
		"connectionPoolConfig": pulumi.Map{"maxConnectionsPercent": pulumi.Int(90)},
	}, &pool); err != nil {
		return err
	}
	var target namedRes
	if err := ctx.RegisterResource("aws:rds/proxyTarget:ProxyTarget", "db", pulumi.Map{
		"dbProxyName": proxy.Name, "targetGroupName": pool.Name, "dbClusterIdentifier": cluster.ClusterIdentifier,
	}, &target); err != nil {
		return err
	}
	var reader namedRes
	if err := ctx.RegisterResource("aws:rds/proxyEndpoint:ProxyEndpoint", "reader", pulumi.Map{
		"dbProxyName": proxy.Name, "dbProxyEndpointName": pulumi.String("tiny-reader"),
		"vpcSubnetIds": subnets, "targetRole": pulumi.String("READ_ONLY"),
	}, &reader, pulumi.DependsOn([]pulumi.Resource{&target})); err != nil {
		return err
	}
	ctx.Export("writer", cluster.Endpoint)
	ctx.Export("reader", cluster.ReaderEndpoint)
	ctx.Export("proxy", proxy.Endpoint)
	ctx.Export("proxyReader", reader.Endpoint)
	ctx.Export("target", target.Endpoint)
	return nil
}

// TestClusterBehindAProxyUnderTheRealEngine: the cluster and proxy types
// of the double under the real engine: up, a second up and a refreshed
// preview with no changes, a class change planned in place and a storage
// type change planned as a replacement (the provider's ForceNewIf), then a
// destroy that leaves nothing and no failed call.
func TestClusterBehindAProxyUnderTheRealEngine(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: repoRoot})
	require.NoError(t, err, "the pinned CLI")
	s := w.inlineStack(ctx, cli, "tinycluster", tinyCluster, map[string]string{"aws:region": "eu-west-1", "class": "db.m6gd.large", "storage": "io1"})
	progress := testWriter{t}

	up, err := s.Up(ctx, optup.ProgressStreams(progress))
	require.NoError(t, err, "up")
	assert.Equal(t, "tiny-t.cluster-c0ffee.eu-west-1.rds.amazonaws.com", up.Outputs["writer"].Value)
	assert.Equal(t, "tiny-t.cluster-ro-c0ffee.eu-west-1.rds.amazonaws.com", up.Outputs["reader"].Value)
	assert.Regexp(t, `^db-[0-9a-f]{7}\.proxy-c0ffee\.eu-west-1\.rds\.amazonaws\.com$`, up.Outputs["proxy"].Value, "the proxy is autonamed")
	assert.Equal(t, "tiny-reader.endpoint.proxy-c0ffee.eu-west-1.rds.amazonaws.com", up.Outputs["proxyReader"].Value)
	assert.Equal(t, up.Outputs["writer"].Value, up.Outputs["target"].Value, "the target is the cluster's writer endpoint")
	assert.Len(t, w.records(), 11, "vpc, three subnets, subnet group, cluster parameter group, cluster, proxy, target group, target, endpoint")

	again, err := s.Up(ctx, optup.ProgressStreams(progress))
	require.NoError(t, err)
	changes := *again.Summary.ResourceChanges
	assert.Equal(t, map[string]int{"same": changes["same"]}, changes, "second up")
	_, err = s.Refresh(ctx)
	require.NoError(t, err)
	_, err = s.Preview(ctx, optpreview.ExpectNoChanges())
	require.NoError(t, err, "a refreshed preview has no changes")

	require.NoError(t, s.SetConfig(ctx, "class", auto.ConfigValue{Value: "db.r6gd.xlarge"}))
	pre, err := s.Preview(ctx, optpreview.ProgressStreams(progress))
	require.NoError(t, err)
	assert.Equal(t, 1, pre.ChangeSummary[apitype.OpUpdate], "the class changes in place: %v", pre.ChangeSummary)
	assert.Zero(t, pre.ChangeSummary[apitype.OpReplace], "%v", pre.ChangeSummary)
	require.NoError(t, s.SetConfig(ctx, "class", auto.ConfigValue{Value: "db.m6gd.large"}))
	require.NoError(t, s.SetConfig(ctx, "storage", auto.ConfigValue{Value: "io2"}))
	pre, err = s.Preview(ctx, optpreview.ProgressStreams(progress))
	require.NoError(t, err)
	assert.Equal(t, 1, pre.ChangeSummary[apitype.OpReplace], "a Multi-AZ cluster's storage type replaces it: %v", pre.ChangeSummary)
	require.NoError(t, s.SetConfig(ctx, "storage", auto.ConfigValue{Value: "io1"}))

	_, err = s.Destroy(ctx, optdestroy.ProgressStreams(progress))
	require.NoError(t, err)
	assert.Empty(t, w.records(), "records after destroy")
	for _, c := range w.calls() {
		assert.Empty(t, c.Error, "%s %s %s failed in the double", c.Method, c.Type, c.URN)
	}
}
