package deploy

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeRDS answers DescribeDBInstances and DescribeDBSubnetGroups from
// tables, as RDS does: an unknown name is its NotFound fault.
type fakeRDS struct {
	instances map[string][]rdstypes.DBInstance
	groups    map[string]bool
	// named: "<call> <name>" that exist; clusters answered with their tags.
	named    map[string]bool
	clusters map[string]rdstypes.DBCluster
	err      error
	asked    []string
}

func (f *fakeRDS) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	f.asked = append(f.asked, "instance "+aws.ToString(in.DBInstanceIdentifier))
	if f.err != nil {
		return nil, f.err
	}
	dbs, ok := f.instances[aws.ToString(in.DBInstanceIdentifier)]
	if !ok {
		return nil, &rdstypes.DBInstanceNotFoundFault{Message: aws.String("not found")}
	}
	return &rds.DescribeDBInstancesOutput{DBInstances: dbs}, nil
}

func (f *fakeRDS) DescribeDBSubnetGroups(_ context.Context, in *rds.DescribeDBSubnetGroupsInput, _ ...func(*rds.Options)) (*rds.DescribeDBSubnetGroupsOutput, error) {
	name := aws.ToString(in.DBSubnetGroupName)
	f.asked = append(f.asked, "group "+name)
	if !f.groups[name] {
		return nil, &rdstypes.DBSubnetGroupNotFoundFault{Message: aws.String("not found")}
	}
	return &rds.DescribeDBSubnetGroupsOutput{DBSubnetGroups: []rdstypes.DBSubnetGroup{{DBSubnetGroupName: aws.String(name)}}}, nil
}

// has records a call by name and says whether RDS has that name, or the
// error it answers with.
func (f *fakeRDS) has(call, name string) (bool, error) {
	f.asked = append(f.asked, call+" "+name)
	return f.named[call+" "+name], f.err
}

func (f *fakeRDS) DescribeDBParameterGroups(_ context.Context, in *rds.DescribeDBParameterGroupsInput, _ ...func(*rds.Options)) (*rds.DescribeDBParameterGroupsOutput, error) {
	name := aws.ToString(in.DBParameterGroupName)
	ok, err := f.has("params", name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, (&rdstypes.DBParameterGroupNotFoundFault{Message: aws.String("DBParameterGroup not found: " + name)})
	}
	return &rds.DescribeDBParameterGroupsOutput{DBParameterGroups: []rdstypes.DBParameterGroup{{DBParameterGroupName: &name, DBParameterGroupFamily: aws.String("postgres17")}}}, nil
}

func (f *fakeRDS) DescribeDBClusterParameterGroups(_ context.Context, in *rds.DescribeDBClusterParameterGroupsInput, _ ...func(*rds.Options)) (*rds.DescribeDBClusterParameterGroupsOutput, error) {
	name := aws.ToString(in.DBClusterParameterGroupName)
	ok, err := f.has("cluster-params", name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, (&rdstypes.DBParameterGroupNotFoundFault{Message: aws.String("DBClusterParameterGroup not found: " + name)})
	}
	return &rds.DescribeDBClusterParameterGroupsOutput{DBClusterParameterGroups: []rdstypes.DBClusterParameterGroup{{DBClusterParameterGroupName: &name}}}, nil
}

func (f *fakeRDS) DescribeEventSubscriptions(_ context.Context, in *rds.DescribeEventSubscriptionsInput, _ ...func(*rds.Options)) (*rds.DescribeEventSubscriptionsOutput, error) {
	name := aws.ToString(in.SubscriptionName)
	ok, err := f.has("subscription", name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, (&rdstypes.SubscriptionNotFoundFault{Message: aws.String("Subscription not found: " + name)})
	}
	return &rds.DescribeEventSubscriptionsOutput{EventSubscriptionsList: []rdstypes.EventSubscription{{CustSubscriptionId: &name, Status: aws.String("active")}}}, nil
}

func (f *fakeRDS) DescribeDBClusters(_ context.Context, in *rds.DescribeDBClustersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	name := aws.ToString(in.DBClusterIdentifier)
	f.asked = append(f.asked, "cluster "+name)
	c, ok := f.clusters[name]
	if f.err != nil {
		return nil, f.err
	}
	if !ok {
		return nil, (&rdstypes.DBClusterNotFoundFault{Message: aws.String("DBCluster " + name + " not found.")})
	}
	return &rds.DescribeDBClustersOutput{DBClusters: []rdstypes.DBCluster{c}}, nil
}

func (f *fakeRDS) DescribeDBProxies(_ context.Context, in *rds.DescribeDBProxiesInput, _ ...func(*rds.Options)) (*rds.DescribeDBProxiesOutput, error) {
	name := aws.ToString(in.DBProxyName)
	ok, err := f.has("proxy", name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, (&rdstypes.DBProxyNotFoundFault{Message: aws.String("DB proxy " + name + " not found")})
	}
	return &rds.DescribeDBProxiesOutput{DBProxies: []rdstypes.DBProxy{{DBProxyName: &name, Status: rdstypes.DBProxyStatusCreating}}}, nil
}

func finderOver(api *fakeRDS) AWSFinder {
	return AWSFinder{Stack: "orders-dev", Client: func(context.Context, string) (RDSAPI, error) { return api, nil }}
}

func instanceOp(identifier string) PendingOp {
	return PendingOp{Kind: PendingCreating, URN: pendingInstanceURN, Type: rdsInstanceType, Inputs: map[string]any{"identifier": identifier}}
}

func TestAWSFinderFindsAnInstanceByItsIdentifier(t *testing.T) {
	api := &fakeRDS{instances: map[string][]rdstypes.DBInstance{"orders-dev-1234abcd": {{
		DBInstanceIdentifier: aws.String("orders-dev-1234abcd"), DbiResourceId: aws.String("db-ABCDEF"), DBInstanceStatus: aws.String("creating"),
		TagList: []rdstypes.Tag{{Key: aws.String("Stack"), Value: aws.String("orders-dev")}},
	}}}}
	f, err := finderOver(api).Find(context.Background(), "eu-west-1", instanceOp("orders-dev-1234abcd"))
	require.NoError(t, err)
	assert.True(t, f.Found)
	assert.Equal(t, "db-ABCDEF", f.ID, "the provider's ID of an instance is its DbiResourceId")
	assert.Contains(t, f.Evidence, `status "creating"`)

	f, err = finderOver(api).Find(context.Background(), "eu-west-1", instanceOp("orders-dev-99999999"))
	require.NoError(t, err)
	assert.False(t, f.Found)
	assert.Contains(t, f.Evidence, "DBInstanceNotFound")
}

func TestAWSFinderIsNotCertainOfAnotherStacksInstanceOrAFailedCall(t *testing.T) {
	api := &fakeRDS{instances: map[string][]rdstypes.DBInstance{"orders-dev-1234abcd": {{
		DBInstanceIdentifier: aws.String("orders-dev-1234abcd"), DbiResourceId: aws.String("db-ABCDEF"),
		TagList: []rdstypes.Tag{{Key: aws.String("Stack"), Value: aws.String("orders-staging")}},
	}}}}
	_, err := finderOver(api).Find(context.Background(), "eu-west-1", instanceOp("orders-dev-1234abcd"))
	require.ErrorContains(t, err, "tagged Stack=orders-staging, not orders-dev")

	_, err = finderOver(&fakeRDS{err: errors.New("AccessDenied")}).Find(context.Background(), "eu-west-1", instanceOp("orders-dev-1234abcd"))
	require.ErrorContains(t, err, "AccessDenied")

	_, err = finderOver(&fakeRDS{}).Find(context.Background(), "eu-west-1", instanceOp(""))
	require.ErrorIs(t, err, ErrNoLookup, "no identifier: nothing to look up by")

	_, err = finderOver(&fakeRDS{}).Find(context.Background(), "", instanceOp("orders-dev-1234abcd"))
	require.Error(t, err, "no region")
}

func TestAWSFinderFindsASubnetGroupByNameAndNothingElse(t *testing.T) {
	api := &fakeRDS{groups: map[string]bool{"orders-dev-subnets-1a2b3c4": true}}
	op := PendingOp{Kind: PendingCreating, URN: pendingGroupURN, Type: rdsSubnetGroupType, Inputs: map[string]any{"name": "orders-dev-subnets-1a2b3c4"}}
	f, err := finderOver(api).Find(context.Background(), "eu-west-1", op)
	require.NoError(t, err)
	assert.Equal(t, Finding{Found: true, ID: "orders-dev-subnets-1a2b3c4", Evidence: f.Evidence}, f)
	op.Inputs["name"] = "other"
	f, err = finderOver(api).Find(context.Background(), "eu-west-1", op)
	require.NoError(t, err)
	assert.False(t, f.Found)

	_, err = finderOver(api).Find(context.Background(), "eu-west-1", PendingOp{Kind: PendingCreating, URN: pendingKeyURN, Type: "aws:kms/key:Key"})
	require.ErrorIs(t, err, ErrNoLookup)
	assert.Equal(t, []string{"group orders-dev-subnets-1a2b3c4", "group other"}, api.asked, "a type without a lookup asks AWS nothing")
}

func TestAWSFinderFindsEachNamedRDSResourceByItsName(t *testing.T) {
	for _, c := range []struct {
		typ, input, name, call, fault, status string
	}{
		{rdsParameterGroupType, "name", "orders-dev-params-17-1a2b3c4", "params", "DBParameterGroupNotFound", ""},
		{rdsClusterParameterGroupType, "name", "orders-dev-cluster-params-17-5d6e7f8", "cluster-params", "DBParameterGroupNotFound", ""},
		{rdsEventSubscriptionType, "name", "orders-dev-events-9a8b7c6", "subscription", "SubscriptionNotFound", `status "active"`},
		{rdsProxyType, "name", "orders-dev-proxy", "proxy", "DBProxyNotFoundFault", `status "creating"`},
	} {
		t.Run(c.typ, func(t *testing.T) {
			api := &fakeRDS{named: map[string]bool{c.call + " " + c.name: true}}
			op := PendingOp{Kind: PendingCreating, URN: "urn:pulumi:orders-dev::database::" + c.typ + "::x", Type: c.typ, Inputs: map[string]any{c.input: c.name}}
			f, err := finderOver(api).Find(context.Background(), "eu-west-1", op)
			require.NoError(t, err)
			assert.True(t, f.Found)
			assert.Equal(t, c.name, f.ID, "the provider's ID is the name")
			assert.Contains(t, f.Evidence, "="+c.name+" in eu-west-1: found")
			assert.Contains(t, f.Evidence, c.status)

			op.Inputs[c.input] = "orders-dev-gone"
			f, err = finderOver(api).Find(context.Background(), "eu-west-1", op)
			require.NoError(t, err)
			assert.False(t, f.Found)
			assert.Contains(t, f.Evidence, c.fault+", so the create never reached AWS")

			_, err = finderOver(&fakeRDS{err: errors.New("AccessDenied: not authorized")}).Find(context.Background(), "eu-west-1", op)
			require.ErrorContains(t, err, "AccessDenied", "a failed call is not an absence")

			delete(op.Inputs, c.input)
			_, err = finderOver(api).Find(context.Background(), "eu-west-1", op)
			require.ErrorIs(t, err, ErrNoLookup)
		})
	}
}

func TestAWSFinderFindsAClusterByItsIdentifierAndChecksItsStack(t *testing.T) {
	api := &fakeRDS{clusters: map[string]rdstypes.DBCluster{
		"orders-dev-c-1234abcd": {DBClusterIdentifier: aws.String("orders-dev-c-1234abcd"), Status: aws.String("creating"),
			TagList: []rdstypes.Tag{{Key: aws.String("Stack"), Value: aws.String("orders-dev")}}},
		"orders-dev-c-5678efgh": {DBClusterIdentifier: aws.String("orders-dev-c-5678efgh"),
			TagList: []rdstypes.Tag{{Key: aws.String("Stack"), Value: aws.String("orders-qa")}}},
	}}
	op := func(id string) PendingOp {
		return PendingOp{Kind: PendingCreating, URN: "urn:x", Type: rdsClusterType, Inputs: map[string]any{"clusterIdentifier": id}}
	}
	f, err := finderOver(api).Find(context.Background(), "eu-west-1", op("orders-dev-c-1234abcd"))
	require.NoError(t, err)
	assert.Equal(t, Finding{Found: true, ID: "orders-dev-c-1234abcd", Evidence: `DescribeDBClusters DBClusterIdentifier=orders-dev-c-1234abcd in eu-west-1: found, status "creating"`}, f)

	_, err = finderOver(api).Find(context.Background(), "eu-west-1", op("orders-dev-c-5678efgh"))
	require.ErrorContains(t, err, "tagged Stack=orders-qa, not orders-dev")

	f, err = finderOver(api).Find(context.Background(), "eu-west-1", op("orders-dev-c-00000000"))
	require.NoError(t, err)
	assert.False(t, f.Found)
	assert.Contains(t, f.Evidence, "DBClusterNotFoundFault")
}
