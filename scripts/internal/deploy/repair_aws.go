package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// rdsSubnetGroupType is the pulumi-aws type token of a DB subnet group.
const rdsSubnetGroupType = "aws:rds/subnetGroup:SubnetGroup"

// RDSAPI is the part of the RDS API the finder asks.
type RDSAPI interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	DescribeDBSubnetGroups(ctx context.Context, in *rds.DescribeDBSubnetGroupsInput, opts ...func(*rds.Options)) (*rds.DescribeDBSubnetGroupsOutput, error)
	DescribeDBParameterGroups(ctx context.Context, in *rds.DescribeDBParameterGroupsInput, opts ...func(*rds.Options)) (*rds.DescribeDBParameterGroupsOutput, error)
	DescribeDBClusterParameterGroups(ctx context.Context, in *rds.DescribeDBClusterParameterGroupsInput, opts ...func(*rds.Options)) (*rds.DescribeDBClusterParameterGroupsOutput, error)
	DescribeEventSubscriptions(ctx context.Context, in *rds.DescribeEventSubscriptionsInput, opts ...func(*rds.Options)) (*rds.DescribeEventSubscriptionsOutput, error)
	DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, opts ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
	DescribeDBProxies(ctx context.Context, in *rds.DescribeDBProxiesInput, opts ...func(*rds.Options)) (*rds.DescribeDBProxiesOutput, error)
}

// The pulumi-aws type tokens of the other RDS resources the database
// program creates (database/postgres: build.go, cluster.go, proxy.go,
// alerts.go).
const (
	rdsParameterGroupType        = "aws:rds/parameterGroup:ParameterGroup"
	rdsClusterParameterGroupType = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
	rdsEventSubscriptionType     = "aws:rds/eventSubscription:EventSubscription"
	rdsClusterType               = "aws:rds/cluster:Cluster"
	rdsProxyType                 = "aws:rds/proxy:Proxy"
)

// AWSFinder looks pending creates up in AWS by the physical name their
// inputs hold. It knows the types whose name AWS keeps unique per account
// and region, so that one name is one resource, and whose provider ID it
// can read back:
//
//   - an RDS instance, by its identifier (`identifier` input; the platform
//     makes it <app>-<env>-<digest>, naming.InstanceIdentifier).
//     DescribeDBInstances with DBInstanceIdentifier answers it or
//     DBInstanceNotFound (RDS API reference, DescribeDBInstances); the
//     identifier "must be unique for all DB instances per AWS account, per
//     AWS Region" (CreateDBInstance, DBInstanceIdentifier). Its provider ID
//     is the DbiResourceId: the Terraform AWS provider v5+ that pulumi-aws
//     v6 bridges reads an ID shaped `db-…` as a DbiResourceId
//     (internal/service/rds findDBInstanceByID, v6.0.0 index commit
//     4f930f62). When AWS reports tags, the instance's Stack tag must name
//     the stack (shared/tags), or the lookup is not certain.
//   - a DB subnet group, by its name (`name` input): DescribeDBSubnetGroups
//     with DBSubnetGroupName, DBSubnetGroupNotFoundFault when absent; the
//     provider's ID is the group's name (resourceSubnetGroupCreate:
//     d.SetId(DBSubnetGroupName), same index).
//   - a DB parameter group, by its name (`name`): DescribeDBParameterGroups
//     with DBParameterGroupName, DBParameterGroupNotFound when absent; the
//     ID is the name (resourceParameterGroupCreate:
//     d.SetId(output.DBParameterGroup.DBParameterGroupName), index commit
//     02dc4b5b).
//   - a DB cluster parameter group, by its name (`name`):
//     DescribeDBClusterParameterGroups with DBClusterParameterGroupName,
//     DBParameterGroupNotFound when absent (RDS API reference,
//     DescribeDBClusterParameterGroups, Errors); the ID is the name
//     (resourceClusterParameterGroupCreate: d.SetId(name), same commit).
//   - an RDS event subscription, by its name (`name`):
//     DescribeEventSubscriptions with SubscriptionName,
//     SubscriptionNotFound when absent; the ID is the CustSubscriptionId,
//     the name (resourceEventSubscriptionCreate, same commit).
//   - a Multi-AZ DB cluster (aws:rds/cluster), by its identifier (`clusterIdentifier`; the
//     platform makes it with naming.ClusterIdentifier): DescribeDBClusters
//     with DBClusterIdentifier, DBClusterNotFoundFault when absent; the ID
//     is the identifier (resourceClusterCreate: d.SetId(identifier)); its
//     Stack tag is checked as an instance's.
//   - an RDS proxy, by its name (`name`): DescribeDBProxies with
//     DBProxyName, DBProxyNotFoundFault when absent; the ID is the name
//     (resourceProxyCreate: d.SetId(output.DBProxy.DBProxyName)).
//
// Each of those names is unique per account and region (the Create calls
// fail with ...AlreadyExists otherwise), so a name that answers is the
// resource the pending create made. Any other type is ErrNoLookup: the run
// stops with the manual step.
type AWSFinder struct {
	// Stack is the stack being repaired, checked against the Stack tag.
	Stack string
	// Client returns the RDS API of a region; the default credential chain
	// if nil (AWS_ENDPOINT_URL_RDS points it elsewhere, as the end-to-end
	// tests do).
	Client func(ctx context.Context, region string) (RDSAPI, error)
}

func (f AWSFinder) client(ctx context.Context, region string) (RDSAPI, error) {
	if f.Client != nil {
		return f.Client(ctx, region)
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	return rds.NewFromConfig(cfg), nil
}

// Find implements Finder.
func (f AWSFinder) Find(ctx context.Context, region string, op PendingOp) (Finding, error) {
	lookup, ok := byName[op.Type]
	if op.Type != rdsInstanceType && !ok {
		return Finding{}, ErrNoLookup
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if region == "" {
		return Finding{}, errors.New("no region to look it up in")
	}
	api, err := f.client(ctx, region)
	if err != nil {
		return Finding{}, err
	}
	if op.Type == rdsInstanceType {
		return f.findInstance(ctx, api, region, op)
	}
	name, _ := op.Inputs[lookup.input].(string)
	if name == "" {
		return Finding{}, fmt.Errorf("the pending create holds no %s: %w", lookup.input, ErrNoLookup)
	}
	asked := fmt.Sprintf("%s %s=%s in %s", lookup.call, lookup.param, name, region)
	found, detail, err := lookup.find(ctx, api, name)
	switch {
	case err != nil && lookup.notFound(err):
		return Finding{Evidence: fmt.Sprintf("%s: %s, so the create never reached AWS", asked, lookup.fault)}, nil
	case err != nil:
		return Finding{}, fmt.Errorf("%s: %w", asked, err)
	case !found:
		return Finding{Evidence: asked + ": nothing of that name, so the create never reached AWS"}, nil
	}
	if lookup.tagged {
		if err := f.checkStackTag(detail.tags); err != nil {
			return Finding{}, fmt.Errorf("%s: %w", asked, err)
		}
	}
	ev := asked + ": found"
	if detail.status != "" {
		ev += fmt.Sprintf(", status %q", detail.status)
	}
	return Finding{Found: true, ID: name, Evidence: ev}, nil
}

// answer is what a lookup by name read of the resource.
type answer struct {
	status string
	tags   []rdstypes.Tag
}

// nameLookup finds a resource whose provider ID is its name.
type nameLookup struct {
	input, call, param, fault string
	notFound                  func(error) bool
	find                      func(ctx context.Context, api RDSAPI, name string) (bool, answer, error)
	// tagged: the answer carries the resource's tags, checked against the
	// stack.
	tagged bool
}

func faultIs[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

var byName = map[string]nameLookup{
	rdsSubnetGroupType: {input: "name", call: "DescribeDBSubnetGroups", param: "DBSubnetGroupName", fault: "DBSubnetGroupNotFoundFault",
		notFound: faultIs[*rdstypes.DBSubnetGroupNotFoundFault],
		find: func(ctx context.Context, api RDSAPI, name string) (bool, answer, error) {
			out, err := api.DescribeDBSubnetGroups(ctx, &rds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: &name})
			if err != nil {
				return false, answer{}, err
			}
			for _, g := range out.DBSubnetGroups {
				if aws.ToString(g.DBSubnetGroupName) == name {
					return true, answer{status: aws.ToString(g.SubnetGroupStatus)}, nil
				}
			}
			return false, answer{}, nil
		}},
	rdsParameterGroupType: {input: "name", call: "DescribeDBParameterGroups", param: "DBParameterGroupName", fault: "DBParameterGroupNotFound",
		notFound: faultIs[*rdstypes.DBParameterGroupNotFoundFault],
		find: func(ctx context.Context, api RDSAPI, name string) (bool, answer, error) {
			out, err := api.DescribeDBParameterGroups(ctx, &rds.DescribeDBParameterGroupsInput{DBParameterGroupName: &name})
			if err != nil {
				return false, answer{}, err
			}
			for _, g := range out.DBParameterGroups {
				if aws.ToString(g.DBParameterGroupName) == name {
					return true, answer{}, nil
				}
			}
			return false, answer{}, nil
		}},
	rdsClusterParameterGroupType: {input: "name", call: "DescribeDBClusterParameterGroups", param: "DBClusterParameterGroupName", fault: "DBParameterGroupNotFound",
		notFound: faultIs[*rdstypes.DBParameterGroupNotFoundFault],
		find: func(ctx context.Context, api RDSAPI, name string) (bool, answer, error) {
			out, err := api.DescribeDBClusterParameterGroups(ctx, &rds.DescribeDBClusterParameterGroupsInput{DBClusterParameterGroupName: &name})
			if err != nil {
				return false, answer{}, err
			}
			for _, g := range out.DBClusterParameterGroups {
				if aws.ToString(g.DBClusterParameterGroupName) == name {
					return true, answer{}, nil
				}
			}
			return false, answer{}, nil
		}},
	rdsEventSubscriptionType: {input: "name", call: "DescribeEventSubscriptions", param: "SubscriptionName", fault: "SubscriptionNotFound",
		notFound: faultIs[*rdstypes.SubscriptionNotFoundFault],
		find: func(ctx context.Context, api RDSAPI, name string) (bool, answer, error) {
			out, err := api.DescribeEventSubscriptions(ctx, &rds.DescribeEventSubscriptionsInput{SubscriptionName: &name})
			if err != nil {
				return false, answer{}, err
			}
			for _, e := range out.EventSubscriptionsList {
				if aws.ToString(e.CustSubscriptionId) == name {
					return true, answer{status: aws.ToString(e.Status)}, nil
				}
			}
			return false, answer{}, nil
		}},
	rdsClusterType: {input: "clusterIdentifier", call: "DescribeDBClusters", param: "DBClusterIdentifier", fault: "DBClusterNotFoundFault",
		notFound: faultIs[*rdstypes.DBClusterNotFoundFault], tagged: true,
		find: func(ctx context.Context, api RDSAPI, name string) (bool, answer, error) {
			out, err := api.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &name})
			if err != nil {
				return false, answer{}, err
			}
			for _, c := range out.DBClusters {
				if aws.ToString(c.DBClusterIdentifier) == name {
					return true, answer{status: aws.ToString(c.Status), tags: c.TagList}, nil
				}
			}
			return false, answer{}, nil
		}},
	rdsProxyType: {input: "name", call: "DescribeDBProxies", param: "DBProxyName", fault: "DBProxyNotFoundFault",
		notFound: faultIs[*rdstypes.DBProxyNotFoundFault],
		find: func(ctx context.Context, api RDSAPI, name string) (bool, answer, error) {
			out, err := api.DescribeDBProxies(ctx, &rds.DescribeDBProxiesInput{DBProxyName: &name})
			if err != nil {
				return false, answer{}, err
			}
			for _, p := range out.DBProxies {
				if aws.ToString(p.DBProxyName) == name {
					return true, answer{status: string(p.Status)}, nil
				}
			}
			return false, answer{}, nil
		}},
}

func (f AWSFinder) findInstance(ctx context.Context, api RDSAPI, region string, op PendingOp) (Finding, error) {
	name, _ := op.Inputs["identifier"].(string)
	if name == "" {
		return Finding{}, fmt.Errorf("the pending create holds no identifier: %w", ErrNoLookup)
	}
	asked := fmt.Sprintf("DescribeDBInstances DBInstanceIdentifier=%s in %s", name, region)
	out, err := api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &name})
	var notFound *rdstypes.DBInstanceNotFoundFault
	if errors.As(err, &notFound) {
		return Finding{Evidence: asked + ": DBInstanceNotFound, so the create never reached AWS"}, nil
	}
	if err != nil {
		return Finding{}, fmt.Errorf("%s: %w", asked, err)
	}
	var hits []rdstypes.DBInstance
	for _, db := range out.DBInstances {
		if db.DBInstanceIdentifier != nil && *db.DBInstanceIdentifier == name {
			hits = append(hits, db)
		}
	}
	switch {
	case len(hits) == 0:
		return Finding{Evidence: asked + ": no instance of that identifier, so the create never reached AWS"}, nil
	case len(hits) > 1:
		return Finding{}, fmt.Errorf("%s: %d instances answered; the identifier is unique per account and region, so the answer is not trusted", asked, len(hits))
	}
	db := hits[0]
	if err := f.checkStackTag(db.TagList); err != nil {
		return Finding{}, fmt.Errorf("%s: %w", asked, err)
	}
	id := ""
	if db.DbiResourceId != nil {
		id = *db.DbiResourceId
	}
	status := ""
	if db.DBInstanceStatus != nil {
		status = *db.DBInstanceStatus
	}
	return Finding{Found: true, ID: id, Evidence: fmt.Sprintf("%s: found, DbiResourceId %s, status %q", asked, id, status)}, nil
}

// checkStackTag refuses an instance whose Stack tag names another stack.
// DescribeDBInstances returns the instance's TagList; an empty list (no
// tags reported) leaves the identifier, unique per account and region and
// made from the app, environment and a digest, as the evidence.
func (f AWSFinder) checkStackTag(tags []rdstypes.Tag) error {
	for _, t := range tags {
		if t.Key != nil && *t.Key == "Stack" && t.Value != nil && *t.Value != f.Stack {
			return fmt.Errorf("the resource is tagged Stack=%s, not %s: it is not this stack's", *t.Value, f.Stack)
		}
	}
	return nil
}
