package fakeaws

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writerOf(c *rds.DescribeDBClustersOutput) string {
	for _, m := range c.DBClusters[0].DBClusterMembers {
		if aws.ToBool(m.IsClusterWriter) {
			return aws.ToString(m.DBInstanceIdentifier)
		}
	}
	return ""
}

// TestDescribeDBClustersAndFailover reads a Multi-AZ DB cluster through the
// real aws-sdk-go-v2 client, fails it over to a named standby and then to
// the next one, and refuses a failover to an instance outside it.
func TestDescribeDBClustersAndFailover(t *testing.T) {
	p, dir := newConfigured(t)
	w := newRDSWorld(t, p, "w")
	create(t, p, clusterTok, "orders", w.clusterInputs("orders"))
	client := rdsClient(t, dir, "eu-west-1")

	got, err := client.DescribeDBClusters(bg, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("orders")})
	require.NoError(t, err)
	require.Len(t, got.DBClusters, 1)
	c := got.DBClusters[0]
	assert.Equal(t, "orders.cluster-c0ffee.eu-west-1.rds.amazonaws.com", aws.ToString(c.Endpoint))
	assert.Equal(t, "orders.cluster-ro-c0ffee.eu-west-1.rds.amazonaws.com", aws.ToString(c.ReaderEndpoint))
	assert.True(t, aws.ToBool(c.MultiAZ))
	assert.Equal(t, "db.m6gd.large", aws.ToString(c.DBClusterInstanceClass))
	assert.Equal(t, "io1", aws.ToString(c.StorageType))
	assert.Equal(t, int32(3000), aws.ToInt32(c.Iops))
	assert.Equal(t, []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, c.AvailabilityZones)
	assert.Len(t, c.DBClusterMembers, 3)
	assert.Equal(t, "orders-instance-1", writerOf(got))
	require.NotNil(t, c.MasterUserSecret)
	assert.Contains(t, aws.ToString(c.MasterUserSecret.SecretArn), "secret:rds!cluster-")

	_, err = client.FailoverDBCluster(bg, &rds.FailoverDBClusterInput{DBClusterIdentifier: aws.String("ORDERS"),
		TargetDBInstanceIdentifier: aws.String("orders-instance-3")})
	require.NoError(t, err, "the identifier isn't case-sensitive")
	got, err = client.DescribeDBClusters(bg, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("orders")})
	require.NoError(t, err)
	assert.Equal(t, "orders-instance-3", writerOf(got), "the named standby is the writer")

	out, err := client.FailoverDBCluster(bg, &rds.FailoverDBClusterInput{DBClusterIdentifier: aws.String("orders")})
	require.NoError(t, err)
	for _, m := range out.DBCluster.DBClusterMembers {
		assert.Equal(t, aws.ToString(m.DBInstanceIdentifier) == "orders-instance-1", aws.ToBool(m.IsClusterWriter))
	}

	var ae smithy.APIError
	_, err = client.FailoverDBCluster(bg, &rds.FailoverDBClusterInput{DBClusterIdentifier: aws.String("orders"),
		TargetDBInstanceIdentifier: aws.String("other-instance-2")})
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, "InvalidParameterValue", ae.ErrorCode())
	_, err = client.FailoverDBCluster(bg, &rds.FailoverDBClusterInput{DBClusterIdentifier: aws.String("nope")})
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, "DBClusterNotFoundFault", ae.ErrorCode())
	_, err = client.DescribeDBClusters(bg, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("nope")})
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, "DBClusterNotFoundFault", ae.ErrorCode())
}

// TestDescribeDBProxyTargetsFollowsTheWriter: the cluster's tracked row
// and one row per member, READ_WRITE on the writer, which moves with a
// failover.
func TestDescribeDBProxyTargetsFollowsTheWriter(t *testing.T) {
	p, dir := newConfigured(t)
	_, proxy := proxyWorld(t, p)
	create(t, p, proxyTargetTok, "target", map[string]any{"dbProxyName": proxy, "targetGroupName": "default", "dbClusterIdentifier": "orders"})
	client := rdsClient(t, dir, "eu-west-1")

	roles := func() map[string]string {
		t.Helper()
		out, err := client.DescribeDBProxyTargets(bg, &rds.DescribeDBProxyTargetsInput{DBProxyName: aws.String(proxy)})
		require.NoError(t, err)
		got := map[string]string{}
		for _, tg := range out.Targets {
			got[string(tg.Type)+" "+aws.ToString(tg.RdsResourceId)] = string(tg.Role)
			assert.Equal(t, "AVAILABLE", string(tg.TargetHealth.State))
			assert.Equal(t, "orders", aws.ToString(tg.TrackedClusterId))
		}
		return got
	}
	assert.Equal(t, map[string]string{
		"TRACKED_CLUSTER orders": "", "RDS_INSTANCE orders-instance-1": "READ_WRITE",
		"RDS_INSTANCE orders-instance-2": "READ_ONLY", "RDS_INSTANCE orders-instance-3": "READ_ONLY",
	}, roles())
	_, err := client.FailoverDBCluster(bg, &rds.FailoverDBClusterInput{DBClusterIdentifier: aws.String("orders")})
	require.NoError(t, err)
	assert.Equal(t, "READ_WRITE", roles()["RDS_INSTANCE orders-instance-2"])
	assert.Equal(t, "READ_ONLY", roles()["RDS_INSTANCE orders-instance-1"])

	var ae smithy.APIError
	_, err = client.DescribeDBProxyTargets(bg, &rds.DescribeDBProxyTargetsInput{DBProxyName: aws.String("nope")})
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, "DBProxyNotFoundFault", ae.ErrorCode())
}

// TestDescribeDBInstancesListsTheClusterMembersInThreeZones: the writer
// and the two readers, each in its own zone, with the writer's zone
// changing on a failover.
func TestDescribeDBInstancesListsTheClusterMembersInThreeZones(t *testing.T) {
	p, dir := newConfigured(t)
	w := newRDSWorld(t, p, "w")
	create(t, p, clusterTok, "orders", w.clusterInputs("orders"))
	client := rdsClient(t, dir, "eu-west-1")

	all, err := client.DescribeDBInstances(bg, &rds.DescribeDBInstancesInput{})
	require.NoError(t, err)
	zones := map[string]string{}
	for _, i := range all.DBInstances {
		assert.Equal(t, "orders", aws.ToString(i.DBClusterIdentifier))
		assert.Equal(t, "db.m6gd.large", aws.ToString(i.DBInstanceClass))
		zones[aws.ToString(i.DBInstanceIdentifier)] = aws.ToString(i.AvailabilityZone)
	}
	assert.Equal(t, map[string]string{"orders-instance-1": "eu-west-1a", "orders-instance-2": "eu-west-1b",
		"orders-instance-3": "eu-west-1c"}, zones)

	_, err = client.FailoverDBCluster(bg, &rds.FailoverDBClusterInput{DBClusterIdentifier: aws.String("orders"),
		TargetDBInstanceIdentifier: aws.String("orders-instance-3")})
	require.NoError(t, err)
	got, err := client.DescribeDBClusters(bg, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("orders")})
	require.NoError(t, err)
	one, err := client.DescribeDBInstances(bg, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(writerOf(got))})
	require.NoError(t, err)
	require.Len(t, one.DBInstances, 1)
	assert.Equal(t, "eu-west-1c", aws.ToString(one.DBInstances[0].AvailabilityZone), "the writer is now in the third zone")
}
