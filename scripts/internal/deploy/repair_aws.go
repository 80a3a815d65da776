package deploy

import (
	"context"
	"errors"
	"fmt"
	"time"

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
}

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
//
// Any other type is ErrNoLookup: the run stops with the manual step.
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
	if op.Type != rdsInstanceType && op.Type != rdsSubnetGroupType {
		return Finding{}, ErrNoLookup
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if region == "" {
		return Finding{}, errors.New("the stack sets no aws:region")
	}
	api, err := f.client(ctx, region)
	if err != nil {
		return Finding{}, err
	}
	switch op.Type {
	case rdsInstanceType:
		return f.findInstance(ctx, api, region, op)
	default:
		return f.findSubnetGroup(ctx, api, region, op)
	}
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

func (f AWSFinder) findSubnetGroup(ctx context.Context, api RDSAPI, region string, op PendingOp) (Finding, error) {
	name, _ := op.Inputs["name"].(string)
	if name == "" {
		return Finding{}, fmt.Errorf("the pending create holds no name: %w", ErrNoLookup)
	}
	asked := fmt.Sprintf("DescribeDBSubnetGroups DBSubnetGroupName=%s in %s", name, region)
	out, err := api.DescribeDBSubnetGroups(ctx, &rds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: &name})
	var notFound *rdstypes.DBSubnetGroupNotFoundFault
	if errors.As(err, &notFound) {
		return Finding{Evidence: asked + ": DBSubnetGroupNotFoundFault, so the create never reached AWS"}, nil
	}
	if err != nil {
		return Finding{}, fmt.Errorf("%s: %w", asked, err)
	}
	for _, g := range out.DBSubnetGroups {
		if g.DBSubnetGroupName != nil && *g.DBSubnetGroupName == name {
			return Finding{Found: true, ID: name, Evidence: asked + ": found"}, nil
		}
	}
	return Finding{Evidence: asked + ": no group of that name, so the create never reached AWS"}, nil
}

// checkStackTag refuses an instance whose Stack tag names another stack.
// DescribeDBInstances returns the instance's TagList; an empty list (no
// tags reported) leaves the identifier, unique per account and region and
// made from the app, environment and a digest, as the evidence.
func (f AWSFinder) checkStackTag(tags []rdstypes.Tag) error {
	for _, t := range tags {
		if t.Key != nil && *t.Key == "Stack" && t.Value != nil && *t.Value != f.Stack {
			return fmt.Errorf("the instance is tagged Stack=%s, not %s: it is not this stack's", *t.Value, f.Stack)
		}
	}
	return nil
}
