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
	err       error
	asked     []string
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
