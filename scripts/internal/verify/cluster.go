package verify

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/rdspending"
	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
	"github.com/pgplatform/platform/shared/spec"
)

// The checks of a Multi-AZ DB cluster that an instance does not have.
const (
	// CheckCluster: the cluster exists, is the stack's (resource id,
	// writer and reader endpoints, port) and serves.
	CheckCluster = "cluster"
	// CheckZones: one writer and at least two readers, each in its own
	// availability zone, three zones in all.
	CheckZones = "zones"
	// CheckClassStorage: the members' class and the cluster's storage
	// are the spec's.
	CheckClassStorage = "class-storage"
)

// ClusterChecks lists the checks of a Multi-AZ DB cluster in order.
var ClusterChecks = []string{
	CheckConfig, CheckOutputs, CheckCluster, CheckZones, CheckEncryption, CheckNotPublic,
	CheckBackupRetention, CheckRestorable, CheckDeletionProtection, CheckIAMAuth,
	CheckPerformanceInsight, CheckLogExports, CheckEngine, CheckMonitoring, CheckCACertificate,
	CheckClassStorage, CheckPendingModifications, CheckForceSSL, CheckParameters, CheckPendingReboot,
	CheckSubnetGroup, CheckSecurityGroup, CheckConnect,
}

// isCluster reports whether the outputs are a Multi-AZ DB cluster's.
func isCluster(out stackout.Database) bool {
	return out.Deployment == string(spec.DeployCluster)
}

// checksFor lists the checks of a stack: its shape's, then the proxy's
// when it has one.
func checksFor(out stackout.Database, exp Expect) []string {
	names := AllChecks
	if isCluster(out) {
		names = ClusterChecks
	}
	if hasProxy(out, exp) {
		names = append(slices.Clone(names), ProxyChecks...)
	}
	if hasDR(out, exp) {
		names = append(slices.Clone(names), CheckDRBackups)
	}
	return names
}

func (v *Verifier) verifyCluster(ctx context.Context, t Target, exp Expect, rdsAPI RDS, ec2API EC2, px *proxyView, r *results) {
	out := t.Outputs
	c, err := describeCluster(ctx, rdsAPI, out.ClusterIdentifier)
	switch {
	case isCode(err, "DBClusterNotFoundFault", "DBClusterNotFound"):
		r.add(check.Failf(CheckCluster, "cluster %s (the stack's clusterIdentifier output) does not exist in %s: deleted outside Pulumi, or the stack outputs are stale", out.ClusterIdentifier, exp.Region))
		r.rest("the cluster does not exist")
		return
	case err != nil:
		r.add(check.Unknownf(CheckCluster, "%v", err))
		r.rest("the cluster could not be described")
		return
	}
	live := slices.Contains(servingStatuses, deref(c.Status))
	r.add(checkCluster(c, out, live))
	members, membersErr := clusterInstances(ctx, rdsAPI, out.ClusterIdentifier)
	r.add(checkZones(c, members, membersErr, live))
	st := clusterSettings(c)
	v.settingsChecks(st, out, exp, live, r)
	r.add(checkClassStorage(c, exp))
	r.add(checkClusterPendingModifications(c, v.now()))

	group, status := deref(c.DBClusterParameterGroup), clusterGroupStatus(c)
	pg := liveGroup{name: group, status: status}
	if group != "" {
		pg.params, pg.err = clusterParameters(ctx, rdsAPI, group)
	}
	r.add(v.checkForceSSL(pg, exp))
	r.add(checkParameters(pg, exp))
	// DescribeEvents has no source type for a cluster parameter group; its
	// changes are read as db-parameter-group events (SourceType,
	// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeEvents.html),
	// and the cluster's own events (db-cluster) name its restarts.
	r.add(v.pendingRebootResult(ctx, rdsAPI, rdstypes.SourceTypeDbCluster, out.ClusterIdentifier, rdstypes.SourceTypeDbParameterGroup, group, status))
	var zones []string
	for _, m := range members {
		zones = append(zones, deref(m.AvailabilityZone))
	}
	r.add(subnetGroupResult(ctx, rdsAPI, deref(c.DBSubnetGroup), "cluster", zones, t.Network, t.NetworkErr))
	r.add(checkSecurityGroups(ctx, ec2API, securityGroupIDs(c.VpcSecurityGroups), "cluster", out, exp, px, t.Network, t.NetworkErr))
	r.add(v.checkConnect(ctx, deref(c.Status), out, exp, live))
	if px != nil {
		v.proxyChecks(ctx, rdsAPI, px, out, exp, r)
	}
	// A cluster has no DR (the config refuses it: RDS replicates no Multi-AZ
	// DB cluster's automated backups); outputs that name a recovery region
	// anyway disagree with the spec and fail the DR check.
	v.drChecks(ctx, out, exp, r)
}

func describeCluster(ctx context.Context, api RDS, id string) (rdstypes.DBCluster, error) {
	out, err := api.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: &id})
	if err != nil {
		return rdstypes.DBCluster{}, fmt.Errorf("describe cluster %s: %w", id, err)
	}
	for _, c := range out.DBClusters {
		if deref(c.DBClusterIdentifier) == id {
			return c, nil
		}
	}
	return rdstypes.DBCluster{}, fmt.Errorf("describe cluster %s: %w", id, &rdstypes.DBClusterNotFoundFault{Message: new("DescribeDBClusters returned no cluster " + id)})
}

// clusterInstances lists the cluster's DB instances, for their zones: a
// DBClusterMember names an instance and its role, not its zone
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBClusterMember.html),
// and DescribeDBInstances lists a cluster's instances with the filter
// db-cluster-id
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html).
func clusterInstances(ctx context.Context, api RDS, cluster string) ([]rdstypes.DBInstance, error) {
	var all []rdstypes.DBInstance
	var marker *string
	for range maxPages {
		out, err := api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{
			Filters: []rdstypes.Filter{{Name: new("db-cluster-id"), Values: []string{cluster}}},
			Marker:  marker,
		})
		if err != nil {
			return nil, fmt.Errorf("describe the instances of cluster %s: %w", cluster, err)
		}
		all = append(all, out.DBInstances...)
		if deref(out.Marker) == "" {
			return all, nil
		}
		marker = out.Marker
	}
	return nil, fmt.Errorf("describe the instances of cluster %s: more than %d pages", cluster, maxPages)
}

func checkCluster(c rdstypes.DBCluster, out stackout.Database, live bool) check.Result {
	status := deref(c.Status)
	var bad []string
	if got := deref(c.DbClusterResourceId); got != out.ResourceID {
		bad = append(bad, fmt.Sprintf("resource id %s is not the stack's %s (the cluster was replaced outside Pulumi)", got, out.ResourceID))
	}
	if got := deref(c.Endpoint); got != "" && got != out.Address {
		bad = append(bad, fmt.Sprintf("writer endpoint %s is not the stack's address output %s", got, out.Address))
	}
	if got := deref(c.ReaderEndpoint); got != "" && got != out.ReaderEndpoint {
		bad = append(bad, fmt.Sprintf("reader endpoint %s is not the stack's readerEndpoint output %s", got, orNone(out.ReaderEndpoint)))
	}
	if got := int(deref(c.Port)); c.Port != nil && got != out.Port {
		bad = append(bad, fmt.Sprintf("port %d is not the stack's port output %d", got, out.Port))
	}
	if !deref(c.MultiAZ) {
		bad = append(bad, "RDS reports MultiAZ false: not a Multi-AZ DB cluster")
	}
	if !live {
		bad = append(bad, fmt.Sprintf("status is %s, want one of %s (the deploy has not finished, or the cluster is in trouble)", status, strings.Join(servingStatuses, ", ")))
	}
	if len(bad) > 0 {
		return check.Failf(CheckCluster, "%s: %s", deref(c.DBClusterIdentifier), strings.Join(bad, "; "))
	}
	return check.Passf(CheckCluster, "%s is %s (%s %s, %s), writer %s, readers %s", deref(c.DBClusterIdentifier), status, deref(c.Engine), deref(c.EngineVersion), deref(c.DBClusterInstanceClass), deref(c.Endpoint), deref(c.ReaderEndpoint))
}

// checkZones wants the cluster's writer and two readable standbys each in
// its own availability zone: a Multi-AZ DB cluster has a writer and two
// reader DB instances in three different zones ("Multi-AZ DB cluster
// deployments", RDS user guide:
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.html).
func checkZones(c rdstypes.DBCluster, instances []rdstypes.DBInstance, err error, live bool) check.Result {
	if err != nil {
		return check.Unknownf(CheckZones, "%v", err)
	}
	zoneOf := map[string]string{}
	for _, i := range instances {
		zoneOf[deref(i.DBInstanceIdentifier)] = deref(i.AvailabilityZone)
	}
	var writers, readers []string
	used := map[string][]string{}
	var bad []string
	for _, m := range c.DBClusterMembers {
		id := deref(m.DBInstanceIdentifier)
		az := zoneOf[id]
		role := "reader"
		if deref(m.IsClusterWriter) {
			role = "writer"
			writers = append(writers, fmt.Sprintf("%s in %s", id, orNone(az)))
		} else {
			readers = append(readers, fmt.Sprintf("%s in %s", id, orNone(az)))
		}
		if az == "" {
			if live {
				bad = append(bad, fmt.Sprintf("%s %s reports no availability zone", role, id))
			}
			continue
		}
		used[az] = append(used[az], fmt.Sprintf("%s %s", role, id))
	}
	if len(writers) != 1 {
		bad = append(bad, fmt.Sprintf("%d writers (%s), want exactly 1", len(writers), strings.Join(writers, ", ")))
	}
	if len(readers) < 2 {
		bad = append(bad, fmt.Sprintf("%d readers (%s), want the 2 readable standbys", len(readers), strings.Join(readers, ", ")))
	}
	var shared []string
	for az, who := range used {
		if len(who) > 1 {
			sort.Strings(who)
			shared = append(shared, fmt.Sprintf("%s share %s", strings.Join(who, " and "), az))
		}
	}
	sort.Strings(shared)
	if len(shared) > 0 {
		bad = append(bad, strings.Join(shared, "; ")+": an outage of that zone takes both down")
	}
	switch {
	case len(bad) > 0 && !live && len(used) < 3:
		return check.Unknownf(CheckZones, "writer %s, readers %s (status %s): %s", strings.Join(writers, ", "), strings.Join(readers, ", "), deref(c.Status), strings.Join(bad, "; "))
	case len(bad) > 0:
		return check.Failf(CheckZones, "%s", strings.Join(bad, "; "))
	case len(used) < 3:
		return check.Failf(CheckZones, "the members run in %d zones, want 3", len(used))
	}
	return check.Passf(CheckZones, "writer %s, readers %s: three zones", strings.Join(writers, ", "), strings.Join(readers, ", "))
}

// checkClassStorage wants the spec's instance class for the members
// (dbClusterInstanceClass), its storage type, at least its allocated
// storage (storage only grows) and its provisioned IOPS when it sets them.
func checkClassStorage(c rdstypes.DBCluster, exp Expect) check.Result {
	want := exp.Instance
	var bad []string
	if got := deref(c.DBClusterInstanceClass); got != want.InstanceClass {
		bad = append(bad, fmt.Sprintf("instance class %s, the stack's spec sets %s", orNone(got), want.InstanceClass))
	}
	if got := deref(c.StorageType); want.StorageType != "" && got != want.StorageType {
		bad = append(bad, fmt.Sprintf("storage type %s, the stack's spec sets %s", orNone(got), want.StorageType))
	}
	if got := int(deref(c.AllocatedStorage)); got < want.AllocatedStorageGb {
		bad = append(bad, fmt.Sprintf("%d GiB allocated, the stack's spec sets %d", got, want.AllocatedStorageGb))
	}
	if got := int(deref(c.Iops)); want.Iops > 0 && got != want.Iops {
		bad = append(bad, fmt.Sprintf("%d provisioned IOPS, the stack's spec sets %d", got, want.Iops))
	}
	if len(bad) > 0 {
		return check.Failf(CheckClassStorage, "%s", strings.Join(bad, "; "))
	}
	return check.Passf(CheckClassStorage, "%s, %s storage, %d GiB, %d IOPS", deref(c.DBClusterInstanceClass), deref(c.StorageType), deref(c.AllocatedStorage), deref(c.Iops))
}

// checkClusterPendingModifications says what the cluster holds for its
// maintenance window (ClusterPendingModifiedValues,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ClusterPendingModifiedValues.html),
// as the instance's line does.
func checkClusterPendingModifications(c rdstypes.DBCluster, now time.Time) check.Result {
	window := deref(c.PreferredMaintenanceWindow)
	when := "the maintenance window " + orNone(window)
	if next := rdspending.NextWindow(window, now); next != "" {
		when += " (next: " + next + ")"
	}
	pending, err := rdspending.Fields(c.PendingModifiedValues)
	switch {
	case err != nil:
		return check.Unknownf(CheckPendingModifications, "%v", err)
	case len(pending) == 0:
		return check.Passf(CheckPendingModifications, "nothing waits for %s", when)
	}
	return check.Passf(CheckPendingModifications, "waiting for %s: %s; the other checks see the values the cluster runs with until then",
		when, rdspending.List(pending))
}

// clusterGroupStatus is the apply status of the cluster parameter group
// over the members (DBClusterMember.DBClusterParameterGroupStatus): the
// first member not in sync decides, pending-reboot first.
func clusterGroupStatus(c rdstypes.DBCluster) string {
	status := ""
	for _, m := range c.DBClusterMembers {
		s := deref(m.DBClusterParameterGroupStatus)
		switch {
		case s == "pending-reboot":
			return s
		case status == "" || status == "in-sync":
			status = s
		}
	}
	return status
}

// clusterParameters reads every page of the cluster parameter group's
// parameters
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusterParameters.html),
// keyed by lower-case name.
func clusterParameters(ctx context.Context, api RDS, group string) (map[string]rdstypes.Parameter, error) {
	all := map[string]rdstypes.Parameter{}
	var marker *string
	for range maxPages {
		out, err := api.DescribeDBClusterParameters(ctx, &rds.DescribeDBClusterParametersInput{DBClusterParameterGroupName: &group, Marker: marker})
		if err != nil {
			return nil, fmt.Errorf("describe parameters of cluster parameter group %s: %w", group, err)
		}
		for _, p := range out.Parameters {
			all[strings.ToLower(deref(p.ParameterName))] = p
		}
		if deref(out.Marker) == "" {
			return all, nil
		}
		marker = out.Marker
	}
	return nil, fmt.Errorf("describe parameters of cluster parameter group %s: more than %d pages", group, maxPages)
}
