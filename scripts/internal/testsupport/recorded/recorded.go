package recorded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
)

// API answers the RDS and EC2 calls from the JSON files of one folder,
// named after the API call (describe-db-instances.json,
// describe-db-clusters.json, describe-db-proxies.json, ...).
// A file <call>.error.json holds {"Code": ..., "Message": ...} and makes the
// call fail with that API error. Like the real API, the fake applies the
// request's filters (identifiers, event source and time range) and pages
// by Marker, so the code under test must send the right requests.
type API struct {
	dir string

	mu    sync.Mutex
	calls []string
}

func (r *API) record(call string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, call)
}

func (r *API) load(call string, out any) error {
	r.record(call)
	if data, err := os.ReadFile(filepath.Join(r.dir, call+".error.json")); err == nil {
		var e struct{ Code, Message string }
		if err := json.Unmarshal(data, &e); err != nil {
			return fmt.Errorf("fixture %s.error.json: %w", call, err)
		}
		return &smithy.GenericAPIError{Code: e.Code, Message: e.Message, Fault: smithy.FaultClient}
	}
	data, err := os.ReadFile(filepath.Join(r.dir, call+".json"))
	if err != nil {
		return fmt.Errorf("no recorded response for %s in %s: %w", call, r.dir, err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("fixture %s.json: %w", call, err)
	}
	return nil
}

func (r *API) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	var all rds.DescribeDBInstancesOutput
	if err := r.load("describe-db-instances", &all); err != nil {
		return nil, err
	}
	if cluster, ok := filterValue(in.Filters, "db-cluster-id"); ok {
		// The db-cluster-id filter lists the instances of a DB cluster
		// (DescribeDBInstances, Filters:
		// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html).
		out := &rds.DescribeDBInstancesOutput{}
		for _, i := range all.DBInstances {
			if deref(i.DBClusterIdentifier) == cluster {
				out.DBInstances = append(out.DBInstances, i)
			}
		}
		return out, nil
	}
	if in.DBInstanceIdentifier == nil {
		return &all, nil
	}
	if i, ok := named(all.DBInstances, *in.DBInstanceIdentifier, func(i rdstypes.DBInstance) *string { return i.DBInstanceIdentifier }); ok {
		return &rds.DescribeDBInstancesOutput{DBInstances: []rdstypes.DBInstance{i}}, nil
	}
	return nil, &rdstypes.DBInstanceNotFoundFault{Message: new("DBInstance " + *in.DBInstanceIdentifier + " not found.")}
}

func (r *API) DescribeDBParameters(_ context.Context, in *rds.DescribeDBParametersInput, _ ...func(*rds.Options)) (*rds.DescribeDBParametersOutput, error) {
	var pages []rds.DescribeDBParametersOutput
	if err := r.load("describe-db-parameters", &pages); err != nil {
		return nil, err
	}
	inst, err := r.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{})
	if err != nil {
		return nil, err
	}
	known := false
	for _, i := range inst.DBInstances {
		for _, g := range i.DBParameterGroups {
			known = known || deref(g.DBParameterGroupName) == deref(in.DBParameterGroupName)
		}
	}
	if !known {
		return nil, &rdstypes.DBParameterGroupNotFoundFault{Message: new("DBParameterGroup not found: " + deref(in.DBParameterGroupName))}
	}
	return nextPage(pages, in.Marker, func(p rds.DescribeDBParametersOutput) *string { return p.Marker })
}

func (r *API) DescribeDBSubnetGroups(_ context.Context, in *rds.DescribeDBSubnetGroupsInput, _ ...func(*rds.Options)) (*rds.DescribeDBSubnetGroupsOutput, error) {
	var all rds.DescribeDBSubnetGroupsOutput
	if err := r.load("describe-db-subnet-groups", &all); err != nil {
		return nil, err
	}
	for _, g := range all.DBSubnetGroups {
		if deref(g.DBSubnetGroupName) == deref(in.DBSubnetGroupName) {
			return &rds.DescribeDBSubnetGroupsOutput{DBSubnetGroups: []rdstypes.DBSubnetGroup{g}}, nil
		}
	}
	return nil, &rdstypes.DBSubnetGroupNotFoundFault{Message: new("DB subnet group not found")}
}

func (r *API) DescribeEvents(_ context.Context, in *rds.DescribeEventsInput, _ ...func(*rds.Options)) (*rds.DescribeEventsOutput, error) {
	var all rds.DescribeEventsOutput
	if err := r.load("describe-events", &all); err != nil {
		return nil, err
	}
	if in.StartTime == nil || in.EndTime == nil || in.SourceType == "" || in.SourceIdentifier == nil {
		return nil, errors.New("fake DescribeEvents: verify always filters by source and time range")
	}
	out := &rds.DescribeEventsOutput{}
	for _, e := range all.Events {
		d := deref(e.Date)
		if e.SourceType == in.SourceType && deref(e.SourceIdentifier) == *in.SourceIdentifier && !d.Before(*in.StartTime) && !d.After(*in.EndTime) {
			out.Events = append(out.Events, e)
		}
	}
	return out, nil
}

// named returns the first of items whose name (nameOf) is name, as a
// describe call asked for one by its identifier.
func named[T any](items []T, name string, nameOf func(T) *string) (T, bool) {
	for _, it := range items {
		if deref(nameOf(it)) == name {
			return it, true
		}
	}
	var zero T
	return zero, false
}

// nextPage pages a describe call's recorded pages by Marker: the first page
// without one, else the page after the one whose Marker (markerOf) was sent.
func nextPage[T any](pages []T, marker *string, markerOf func(T) *string) (*T, error) {
	if marker == nil {
		return &pages[0], nil
	}
	for i := range pages[:len(pages)-1] {
		if deref(markerOf(pages[i])) == *marker {
			return &pages[i+1], nil
		}
	}
	return nil, &smithy.GenericAPIError{Code: "InvalidParameterValue", Message: "unknown marker " + *marker}
}

// filterValue returns the one value of the named filter, as the code under
// test sends it.
func filterValue(fs []rdstypes.Filter, name string) (string, bool) {
	for _, f := range fs {
		if deref(f.Name) == name && len(f.Values) == 1 {
			return f.Values[0], true
		}
	}
	return "", false
}

func (r *API) DescribeDBClusters(_ context.Context, in *rds.DescribeDBClustersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	var all rds.DescribeDBClustersOutput
	if err := r.load("describe-db-clusters", &all); err != nil {
		return nil, err
	}
	if in.DBClusterIdentifier == nil {
		return &all, nil
	}
	if c, ok := named(all.DBClusters, *in.DBClusterIdentifier, func(c rdstypes.DBCluster) *string { return c.DBClusterIdentifier }); ok {
		return &rds.DescribeDBClustersOutput{DBClusters: []rdstypes.DBCluster{c}}, nil
	}
	return nil, &rdstypes.DBClusterNotFoundFault{Message: new("DBCluster " + *in.DBClusterIdentifier + " not found.")}
}

// DescribeDBClusterParameters serves describe-db-cluster-parameters.json,
// pages as for DescribeDBParameters, for a group a recorded cluster uses.
func (r *API) DescribeDBClusterParameters(_ context.Context, in *rds.DescribeDBClusterParametersInput, _ ...func(*rds.Options)) (*rds.DescribeDBClusterParametersOutput, error) {
	var pages []rds.DescribeDBClusterParametersOutput
	if err := r.load("describe-db-cluster-parameters", &pages); err != nil {
		return nil, err
	}
	clusters, err := r.DescribeDBClusters(context.Background(), &rds.DescribeDBClustersInput{})
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(clusters.DBClusters, func(c rdstypes.DBCluster) bool {
		return deref(c.DBClusterParameterGroup) == deref(in.DBClusterParameterGroupName)
	}) {
		return nil, &rdstypes.DBParameterGroupNotFoundFault{Message: new("DBClusterParameterGroup not found: " + deref(in.DBClusterParameterGroupName))}
	}
	return nextPage(pages, in.Marker, func(p rds.DescribeDBClusterParametersOutput) *string { return p.Marker })
}

// DescribeDBProxies serves describe-db-proxies.json: every proxy, or the
// one named.
func (r *API) DescribeDBProxies(_ context.Context, in *rds.DescribeDBProxiesInput, _ ...func(*rds.Options)) (*rds.DescribeDBProxiesOutput, error) {
	var all rds.DescribeDBProxiesOutput
	if err := r.load("describe-db-proxies", &all); err != nil {
		return nil, err
	}
	if in.DBProxyName == nil {
		return &all, nil
	}
	if p, ok := named(all.DBProxies, *in.DBProxyName, func(p rdstypes.DBProxy) *string { return p.DBProxyName }); ok {
		return &rds.DescribeDBProxiesOutput{DBProxies: []rdstypes.DBProxy{p}}, nil
	}
	return nil, &rdstypes.DBProxyNotFoundFault{Message: new("DBProxy " + *in.DBProxyName + " not found.")}
}

// DescribeDBProxyTargets serves describe-db-proxy-targets.json, the targets
// of the recorded proxies' default target group, keyed by proxy name.
func (r *API) DescribeDBProxyTargets(_ context.Context, in *rds.DescribeDBProxyTargetsInput, _ ...func(*rds.Options)) (*rds.DescribeDBProxyTargetsOutput, error) {
	var byProxy map[string]rds.DescribeDBProxyTargetsOutput
	if err := r.load("describe-db-proxy-targets", &byProxy); err != nil {
		return nil, err
	}
	if in.TargetGroupName != nil && *in.TargetGroupName != "default" {
		return nil, &rdstypes.DBProxyTargetGroupNotFoundFault{Message: new("target group " + *in.TargetGroupName + " not found")}
	}
	out, ok := byProxy[deref(in.DBProxyName)]
	if !ok {
		return nil, &rdstypes.DBProxyNotFoundFault{Message: new("DBProxy " + deref(in.DBProxyName) + " not found.")}
	}
	return &out, nil
}

// FailoverDBCluster records the call and answers with the recorded
// cluster; it fails as the API does for a cluster that does not exist.
func (r *API) FailoverDBCluster(ctx context.Context, in *rds.FailoverDBClusterInput, _ ...func(*rds.Options)) (*rds.FailoverDBClusterOutput, error) {
	r.record("failover-db-cluster")
	out, err := r.DescribeDBClusters(ctx, &rds.DescribeDBClustersInput{DBClusterIdentifier: in.DBClusterIdentifier})
	if err != nil {
		return nil, err
	}
	return &rds.FailoverDBClusterOutput{DBCluster: &out.DBClusters[0]}, nil
}

func (r *API) DescribeSecurityGroups(_ context.Context, in *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	var all ec2.DescribeSecurityGroupsOutput
	if err := r.load("describe-security-groups", &all); err != nil {
		return nil, err
	}
	out := &ec2.DescribeSecurityGroupsOutput{}
	for _, id := range in.GroupIds {
		i := slices.IndexFunc(all.SecurityGroups, func(g ec2types.SecurityGroup) bool { return deref(g.GroupId) == id })
		if i < 0 {
			return nil, &smithy.GenericAPIError{Code: "InvalidGroup.NotFound", Message: fmt.Sprintf("The security group '%s' does not exist", id)}
		}
		out.SecurityGroups = append(out.SecurityGroups, all.SecurityGroups[i])
	}
	return out, nil
}

// Calls lists the API calls made whose name starts with prefix, for
// assertions on what was asked.
func (r *API) Calls(prefix string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// New returns an API over the recordings in dir.
func New(dir string) *API { return &API{dir: dir} }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
