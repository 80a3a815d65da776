package failover

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// RDSAPI is the part of the RDS client the drill uses; *rds.Client
// satisfies it. The drill needs rds:DescribeDBInstances and
// rds:RebootDBInstance on the instance.
type RDSAPI interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	RebootDBInstance(ctx context.Context, in *rds.RebootDBInstanceInput, optFns ...func(*rds.Options)) (*rds.RebootDBInstanceOutput, error)
}

// RDSTrigger fails a Multi-AZ DB instance over with RebootDBInstance and
// ForceFailover.
type RDSTrigger struct {
	API        RDSAPI
	InstanceID string
}

// Name describes the API call.
func (r RDSTrigger) Name() string {
	return fmt.Sprintf("rds:RebootDBInstance ForceFailover=true on %s", r.InstanceID)
}

// ErrNotMultiAZ is returned by RDSTrigger.Check for a Single-AZ instance.
var ErrNotMultiAZ = errors.New("not a Multi-AZ DB instance")

// Check refuses an instance that is not a Multi-AZ DB instance in state
// "available": a Single-AZ instance has no standby to fail over to, so a
// forced failover is impossible and a plain reboot would just be an outage.
func (r RDSTrigger) Check(ctx context.Context) error {
	inst, err := r.describe(ctx)
	if err != nil {
		return err
	}
	if c := aws.ToString(inst.DBClusterIdentifier); c != "" {
		return fmt.Errorf("refusing to fail over: DB instance %q is a member of DB cluster %q; fail the cluster over instead (--target cluster, rds:FailoverDBCluster)", r.InstanceID, c)
	}
	if !aws.ToBool(inst.MultiAZ) {
		return fmt.Errorf("refusing to fail over: DB instance %q is %w (MultiAZ=false, availability zone %s): it has no standby, so RebootDBInstance with ForceFailover is impossible and a reboot would only be an outage. Drill a Multi-AZ tier (staging, prod), or enable Multi-AZ first",
			r.InstanceID, ErrNotMultiAZ, aws.ToString(inst.AvailabilityZone))
	}
	if s := aws.ToString(inst.DBInstanceStatus); s != "available" {
		return fmt.Errorf("refusing to fail over: DB instance %q is in status %q; wait until it is \"available\"", r.InstanceID, s)
	}
	return nil
}

// Fire calls RebootDBInstance with ForceFailover. RDS returns at once; the
// failover follows within seconds.
func (r RDSTrigger) Fire(ctx context.Context) error {
	_, err := r.API.RebootDBInstance(ctx, &rds.RebootDBInstanceInput{
		DBInstanceIdentifier: aws.String(r.InstanceID),
		ForceFailover:        aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("rds:RebootDBInstance with ForceFailover on %q: %w", r.InstanceID, err)
	}
	return nil
}

// Placement reports the instance's status and availability zones.
func (r RDSTrigger) Placement(ctx context.Context) (Placement, error) {
	inst, err := r.describe(ctx)
	if err != nil {
		return Placement{}, err
	}
	return Placement{
		Instance:         r.InstanceID,
		Status:           aws.ToString(inst.DBInstanceStatus),
		AvailabilityZone: aws.ToString(inst.AvailabilityZone),
		SecondaryZone:    aws.ToString(inst.SecondaryAvailabilityZone),
		MultiAZ:          aws.ToBool(inst.MultiAZ),
	}, nil
}

func (r RDSTrigger) describe(ctx context.Context) (types.DBInstance, error) {
	if r.InstanceID == "" {
		return types.DBInstance{}, errors.New("no DB instance identifier given (--instance-id, or instanceIdentifier in the stack outputs)")
	}
	out, err := r.API.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(r.InstanceID)})
	if err != nil {
		return types.DBInstance{}, fmt.Errorf("rds:DescribeDBInstances %q: %w", r.InstanceID, err)
	}
	if out == nil || len(out.DBInstances) != 1 {
		n := 0
		if out != nil {
			n = len(out.DBInstances)
		}
		return types.DBInstance{}, fmt.Errorf("rds:DescribeDBInstances %q returned %d instances, want 1", r.InstanceID, n)
	}
	return out.DBInstances[0], nil
}
