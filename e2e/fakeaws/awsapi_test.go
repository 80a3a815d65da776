package fakeaws

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rdsClient is the real aws-sdk-go-v2 RDS client pointed at the double's
// endpoint, as the tools are through AWS_ENDPOINT_URL_RDS.
func rdsClient(t *testing.T, dir, region string) *rds.Client {
	t.Helper()
	srv, err := ServeAPI(dir)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", u.Hostname(), "the endpoint listens on loopback only")
	return rds.New(rds.Options{
		Region:       region,
		BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIAFAKE", SecretAccessKey: "fake"}, nil
		}),
		RetryMaxAttempts: 1,
	})
}

func TestDescribeDBInstancesShowsRunningAndPendingValues(t *testing.T) {
	e := newEngine(t, dbInputs(map[string]any{"maintenanceWindow": "sun:04:00-sun:05:00"}))
	e.up(dbInputs(map[string]any{"maintenanceWindow": "sun:04:00-sun:05:00", "instanceClass": "db.r6g.large"}))
	c := rdsClient(t, e.dir, "eu-west-1")

	out, err := c.DescribeDBInstances(bg, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders-staging-1")})
	require.NoError(t, err)
	require.Len(t, out.DBInstances, 1)
	db := out.DBInstances[0]
	assert.Equal(t, "db.t4g.medium", aws.ToString(db.DBInstanceClass), "the class it runs with")
	require.NotNil(t, db.PendingModifiedValues)
	assert.Equal(t, "db.r6g.large", aws.ToString(db.PendingModifiedValues.DBInstanceClass), "the class waiting for the window")
	assert.Nil(t, db.PendingModifiedValues.MultiAZ, "only what is pending")
	assert.Equal(t, "sun:04:00-sun:05:00", aws.ToString(db.PreferredMaintenanceWindow))
	assert.Equal(t, "available", aws.ToString(db.DBInstanceStatus))
	assert.True(t, aws.ToBool(db.MultiAZ))
	assert.Equal(t, int32(50), aws.ToInt32(db.AllocatedStorage))
	require.NotNil(t, db.Endpoint)
	assert.Equal(t, "orders-staging-1.c0ffee.eu-west-1.rds.amazonaws.com", aws.ToString(db.Endpoint.Address))
	assert.Equal(t, int32(5432), aws.ToInt32(db.Endpoint.Port))
	require.Len(t, db.DBParameterGroups, 1)
	assert.Equal(t, "pg16", aws.ToString(db.DBParameterGroups[0].DBParameterGroupName))
	assert.Equal(t, "in-sync", aws.ToString(db.DBParameterGroups[0].ParameterApplyStatus))
	assert.Equal(t, e.id, aws.ToString(db.DbiResourceId))

	_, err = PassMaintenanceWindow(e.dir)
	require.NoError(t, err)
	out, err = c.DescribeDBInstances(bg, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("orders-staging-1")})
	require.NoError(t, err)
	assert.Equal(t, "db.r6g.large", aws.ToString(out.DBInstances[0].DBInstanceClass), "the window applied it")
	assert.Nil(t, out.DBInstances[0].PendingModifiedValues, "nothing pending after the window")
}

func TestDescribeDBInstancesAnswersOnlyTheSignedRegionAndKnownInstances(t *testing.T) {
	e := newEngine(t, dbInputs(nil))

	_, err := rdsClient(t, e.dir, "eu-west-1").DescribeDBInstances(bg, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")})
	var nf *rdstypes.DBInstanceNotFoundFault
	require.ErrorAs(t, err, &nf, "an unknown instance is DBInstanceNotFound, as RDS answers")

	out, err := rdsClient(t, e.dir, "us-east-1").DescribeDBInstances(bg, &rds.DescribeDBInstancesInput{})
	require.NoError(t, err)
	assert.Empty(t, out.DBInstances, "the instance lives in eu-west-1, not in the region the request is signed for")
}

func TestDescribeEventsRecordsWhatTheDoubleDid(t *testing.T) {
	e := newEngine(t, dbInputs(nil))
	e.up(dbInputs(map[string]any{"instanceClass": "db.r6g.large"}))
	c := rdsClient(t, e.dir, "eu-west-1")
	events := func() []string {
		t.Helper()
		out, err := c.DescribeEvents(bg, &rds.DescribeEventsInput{
			SourceType: rdstypes.SourceTypeDbInstance, SourceIdentifier: aws.String("orders-staging-1"),
			StartTime: aws.Time(time.Now().Add(-time.Hour)), EndTime: aws.Time(time.Now().Add(time.Minute)),
		})
		require.NoError(t, err)
		var msgs []string
		for _, ev := range out.Events {
			msgs = append(msgs, aws.ToString(ev.Message))
		}
		return msgs
	}
	assert.Equal(t, []string{"DB instance created."}, events(), "a deferred change has not happened yet")

	_, err := PassMaintenanceWindow(e.dir)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"DB instance created.",
		"Applying modification to database instance class.",
		"Finished applying modification to DB instance class.",
	}, events())

	out, err := c.DescribeEvents(bg, &rds.DescribeEventsInput{StartTime: aws.Time(time.Now().Add(time.Hour)), EndTime: aws.Time(time.Now().Add(2 * time.Hour))})
	require.NoError(t, err)
	assert.Empty(t, out.Events, "the time range filters")
}

func TestDescribeDBParametersAndSubnetGroups(t *testing.T) {
	p, dir := newConfigured(t)
	create(t, p, paramGroupTyp, "params", map[string]any{"name": "pg16", "family": "postgres16", "parameters": []any{
		map[string]any{"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"},
		map[string]any{"name": "log_min_duration_statement", "value": "500"},
	}})
	vpc, _ := create(t, p, "aws:ec2/vpc:Vpc", "vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	a, _ := create(t, p, "aws:ec2/subnet:Subnet", "a", map[string]any{"vpcId": vpc, "cidrBlock": "10.0.1.0/24", "availabilityZone": "eu-west-1a"})
	b, _ := create(t, p, "aws:ec2/subnet:Subnet", "b", map[string]any{"vpcId": vpc, "cidrBlock": "10.0.2.0/24", "availabilityZone": "eu-west-1b"})
	create(t, p, subnetGrpType, "subnets", map[string]any{"name": "g1", "subnetIds": []any{a, b}})
	c := rdsClient(t, dir, "eu-west-1")

	params, err := c.DescribeDBParameters(bg, &rds.DescribeDBParametersInput{DBParameterGroupName: aws.String("pg16")})
	require.NoError(t, err)
	got := map[string]string{}
	for _, prm := range params.Parameters {
		got[aws.ToString(prm.ParameterName)] = aws.ToString(prm.ParameterValue) + " " + string(prm.ApplyMethod) + " " + aws.ToString(prm.Source)
	}
	assert.Equal(t, map[string]string{
		"rds.force_ssl":              "1 pending-reboot user",
		"log_min_duration_statement": "500 immediate user",
	}, got)
	_, err = c.DescribeDBParameters(bg, &rds.DescribeDBParametersInput{DBParameterGroupName: aws.String("nope")})
	var nf *rdstypes.DBParameterGroupNotFoundFault
	require.ErrorAs(t, err, &nf)

	groups, err := c.DescribeDBSubnetGroups(bg, &rds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: aws.String("g1")})
	require.NoError(t, err)
	require.Len(t, groups.DBSubnetGroups, 1)
	g := groups.DBSubnetGroups[0]
	assert.Equal(t, vpc, aws.ToString(g.VpcId))
	require.Len(t, g.Subnets, 2)
	assert.Equal(t, "eu-west-1a", aws.ToString(g.Subnets[0].SubnetAvailabilityZone.Name))
}

func TestTheAPIFailsLoudlyOnWhatItDoesNotAnswer(t *testing.T) {
	_, dir := newConfigured(t)
	c := rdsClient(t, dir, "eu-west-1")

	_, err := c.DescribeDBClusterSnapshots(bg, &rds.DescribeDBClusterSnapshotsInput{})
	var api smithy.APIError
	require.True(t, errors.As(err, &api), "an API error: %v", err)
	assert.Equal(t, "InvalidAction", api.ErrorCode())
	assert.Contains(t, api.ErrorMessage(), "DescribeDBClusterSnapshots", "the error names the action")

	_, err = c.DescribeDBInstances(bg, &rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("engine"), Values: []string{"postgres"}}}})
	require.True(t, errors.As(err, &api), "an API error: %v", err)
	assert.Equal(t, "InvalidParameterValue", api.ErrorCode())
	assert.Contains(t, api.ErrorMessage(), "Filters", "a filter the double would ignore is refused, not dropped")

	calls, err := Calls(dir)
	require.NoError(t, err)
	var logged []string
	for _, c := range calls {
		if strings.HasPrefix(c.Method, "AWSAPI") {
			logged = append(logged, c.Method)
		}
	}
	assert.Equal(t, []string{"AWSAPI DescribeDBClusterSnapshots", "AWSAPI DescribeDBInstances"}, logged, "the call log shows what could not be answered")
}

func TestTheAPIWantsASignedQueryRequest(t *testing.T) {
	_, dir := newConfigured(t)
	srv, err := ServeAPI(dir)
	require.NoError(t, err)
	defer srv.Close()
	resp, err := http.PostForm(srv.URL, url.Values{"Action": {"DescribeDBInstances"}, "Version": {"2014-10-31"}})
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "an unsigned request names no region")
}
