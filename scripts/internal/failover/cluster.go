package failover

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// ClusterAPI is the part of the RDS client the drill uses on a Multi-AZ
// DB cluster; *rds.Client satisfies it. The drill needs
// rds:DescribeDBClusters and rds:FailoverDBCluster on the cluster and
// rds:DescribeDBInstances on its members (for their zones).
type ClusterAPI interface {
	DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, optFns ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, optFns ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	FailoverDBCluster(ctx context.Context, in *rds.FailoverDBClusterInput, optFns ...func(*rds.Options)) (*rds.FailoverDBClusterOutput, error)
}

// ClusterTrigger fails a Multi-AZ DB cluster over with FailoverDBCluster.
//
// What AWS documents of it (FailoverDBCluster, RDS API reference:
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverDBCluster.html):
// for a Multi-AZ DB cluster, RDS terminates the primary (writer) DB
// instance, its monitoring detects the unhealthy primary and promotes a
// readable standby to be the cluster's writer; failover typically takes
// less than 35 seconds. The call returns the cluster at once; the cluster
// shows status failing-over and returns to available when the roles have
// changed ("Failing over a Multi-AZ DB cluster", as for Aurora:
// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-failover.html).
// The cluster (writer) endpoint then leads to the new writer and the
// reader endpoint to the readers ("Connecting to a Multi-AZ DB cluster":
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-connection-management.html);
// each instance keeps its own endpoint, so clients must drop connections
// made before the failover and connect again, which the drill's probes do
// after any failure. Without TargetDBInstanceIdentifier RDS picks the
// standby; the drill leaves the choice to RDS, as a real failure would.
type ClusterTrigger struct {
	API       ClusterAPI
	ClusterID string
}

// Name describes the API call.
func (c ClusterTrigger) Name() string {
	return "rds:FailoverDBCluster on " + c.ClusterID
}

// ErrNotMultiAZCluster is returned by ClusterTrigger.Check for a cluster
// that is not a Multi-AZ DB cluster with a standby.
var ErrNotMultiAZCluster = errors.New("not a Multi-AZ DB cluster with a readable standby")

// Check refuses a cluster that is not a Multi-AZ DB cluster in state
// "available" with one writer and at least one reader to promote.
func (c ClusterTrigger) Check(ctx context.Context) error {
	cl, err := c.describe(ctx)
	if err != nil {
		return err
	}
	writer, readers := roles(cl)
	switch {
	case !aws.ToBool(cl.MultiAZ) || len(readers) == 0:
		return fmt.Errorf("refusing to fail over: DB cluster %q is %w (MultiAZ=%t, %d reader(s)): there is no standby to promote", c.ClusterID, ErrNotMultiAZCluster, aws.ToBool(cl.MultiAZ), len(readers))
	case writer == "":
		return fmt.Errorf("refusing to fail over: DB cluster %q reports no writer; wait until it has one", c.ClusterID)
	}
	if s := aws.ToString(cl.Status); s != "available" {
		return fmt.Errorf("refusing to fail over: DB cluster %q is in status %q; wait until it is \"available\"", c.ClusterID, s)
	}
	return nil
}

// Fire calls FailoverDBCluster. RDS returns at once; the failover follows.
func (c ClusterTrigger) Fire(ctx context.Context) error {
	if _, err := c.API.FailoverDBCluster(ctx, &rds.FailoverDBClusterInput{DBClusterIdentifier: aws.String(c.ClusterID)}); err != nil {
		return fmt.Errorf("rds:FailoverDBCluster on %q: %w", c.ClusterID, err)
	}
	return nil
}

// Placement reports the cluster's status, its writer and the writer's
// zone, and the readers' zones as the secondary zone. A DBClusterMember
// names an instance, not its zone
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBClusterMember.html),
// so each member is described by its identifier, which the drill's
// policy grants on the environment's instances.
func (c ClusterTrigger) Placement(ctx context.Context) (Placement, error) {
	cl, err := c.describe(ctx)
	if err != nil {
		return Placement{}, err
	}
	zone := map[string]string{}
	for _, m := range cl.DBClusterMembers {
		id := aws.ToString(m.DBInstanceIdentifier)
		out, err := c.API.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(id)})
		if err != nil {
			return Placement{}, fmt.Errorf("rds:DescribeDBInstances %q (a member of DB cluster %q): %w", id, c.ClusterID, err)
		}
		for _, i := range out.DBInstances {
			zone[aws.ToString(i.DBInstanceIdentifier)] = aws.ToString(i.AvailabilityZone)
		}
	}
	writer, readers := roles(cl)
	var rz []string
	for _, r := range readers {
		rz = append(rz, zone[r])
	}
	return Placement{
		Instance:         writer,
		Status:           aws.ToString(cl.Status),
		AvailabilityZone: zone[writer],
		SecondaryZone:    strings.Join(rz, ","),
		MultiAZ:          aws.ToBool(cl.MultiAZ),
	}, nil
}

// roles returns the cluster's writer and readers.
func roles(cl types.DBCluster) (writer string, readers []string) {
	for _, m := range cl.DBClusterMembers {
		if aws.ToBool(m.IsClusterWriter) {
			writer = aws.ToString(m.DBInstanceIdentifier)
			continue
		}
		readers = append(readers, aws.ToString(m.DBInstanceIdentifier))
	}
	return writer, readers
}

func (c ClusterTrigger) describe(ctx context.Context) (types.DBCluster, error) {
	if c.ClusterID == "" {
		return types.DBCluster{}, errors.New("no DB cluster identifier given (--cluster-id, or clusterIdentifier in the stack outputs)")
	}
	out, err := c.API.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(c.ClusterID)})
	if err != nil {
		return types.DBCluster{}, fmt.Errorf("rds:DescribeDBClusters %q: %w", c.ClusterID, err)
	}
	if out == nil || len(out.DBClusters) != 1 {
		n := 0
		if out != nil {
			n = len(out.DBClusters)
		}
		return types.DBCluster{}, fmt.Errorf("rds:DescribeDBClusters %q returned %d clusters, want 1", c.ClusterID, n)
	}
	return out.DBClusters[0], nil
}
