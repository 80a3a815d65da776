package restore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/pgplatform/platform/scripts/internal/stackout"
)

// clock is the fake time shared by the fake RDS, the fake database servers
// and the drill: Sleep advances it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.advance(d)
	return nil
}

const (
	sourceID   = "orders-staging-5e1f0a9c"
	sourceAddr = "orders-staging-5e1f0a9c.c9akciq32.eu-west-1.rds.amazonaws.com"
	sourceRID  = "db-7QXKD2M4HBVN3Y5ZJ6RTAE4WLU"
	stackKey   = "arn:aws:kms:eu-west-1:111122223333:key/3f0c2b1e"
)

func sourceOutputs() stackout.Database {
	return stackout.Database{
		Address: sourceAddr, Endpoint: sourceAddr + ":5432", Port: 5432,
		DatabaseName: "orders", MasterUsername: "orders_admin",
		MasterSecretArn:    "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-source",
		SecurityGroupID:    "sg-0c1d2e3f4a5b6c7d8",
		InstanceIdentifier: sourceID, ResourceID: sourceRID, KmsKeyArn: stackKey,
		Environment: "staging", Tier: "staging",
	}
}

func testSource() Source {
	return Source{Stack: "orders-staging", Environment: "staging", Tier: "staging", Region: "eu-west-1", Outputs: sourceOutputs()}
}

// fakeInstance is one instance in the fake RDS.
type fakeInstance struct {
	inst        rdstypes.DBInstance
	describes   int
	restoreTime time.Time
	run         string // the drill run tag, "" for others
}

// fakeRDS models the RDS calls of the drill: the source's latest
// restorable time trails the clock by lag; a restored instance is creating
// for availableAfter describes, then available (or goes to failStatus);
// a deleted instance is deleting for deleteAfter describes, then gone.
// Any call that would change the source fails the test.
type fakeRDS struct {
	t     *testing.T
	clock *clock
	// region names the instances' endpoints.
	region string

	lag               time.Duration
	availableAfter    int
	failStatus        string
	restoreErr        error // returned by the restore call
	restoreCreates    bool  // ... after creating the instance anyway
	foreignOnRestore  bool  // someone else's instance takes the name; restore fails
	rejectWhileCreate bool  // DeleteDBInstance fails on a creating instance
	deleteAfter       int
	ignoreRestoreTime bool // a broken restore that brings back everything
	hideTags          bool // DescribeDBInstances shows no tags
	// onDescribe runs before each describe of the drill instance, with
	// the count so far.
	onDescribe func(n int)

	mu          sync.Mutex
	instances   map[string]*fakeInstance
	restoreIn   []*rds.RestoreDBInstanceToPointInTimeInput
	deleteCalls []*rds.DeleteDBInstanceInput
}

func newFakeRDS(t *testing.T, c *clock) *fakeRDS {
	f := &fakeRDS{t: t, clock: c, region: "eu-west-1", lag: 5 * time.Minute, availableAfter: 3, deleteAfter: 2, instances: map[string]*fakeInstance{}}
	f.instances[sourceID] = &fakeInstance{inst: rdstypes.DBInstance{
		DBInstanceIdentifier:  new(sourceID),
		DbiResourceId:         new(sourceRID),
		DBInstanceStatus:      new("available"),
		DBInstanceClass:       new("db.r6g.large"),
		BackupRetentionPeriod: new(int32(7)),
		MultiAZ:               new(true),
		DeletionProtection:    new(true),
		DBSubnetGroup:         &rdstypes.DBSubnetGroup{DBSubnetGroupName: new("orders-staging-subnets")},
		VpcSecurityGroups:     []rdstypes.VpcSecurityGroupMembership{{VpcSecurityGroupId: new("sg-0c1d2e3f4a5b6c7d8"), Status: new("active")}},
		DBParameterGroups:     []rdstypes.DBParameterGroupStatus{{DBParameterGroupName: new("orders-staging-pg16"), ParameterApplyStatus: new("in-sync")}},
		Endpoint:              &rdstypes.Endpoint{Address: new(sourceAddr), Port: new(int32(5432))},
		MasterUsername:        new("orders_admin"),
		TagList:               []rdstypes.Tag{{Key: new("Environment"), Value: new("staging")}},
	}}
	return f
}

func notFound(id string) error {
	return &rdstypes.DBInstanceNotFoundFault{Message: new("DBInstance " + id + " not found.")}
}

func (f *fakeRDS) DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := *in.DBInstanceIdentifier
	f.mu.Lock()
	fi := f.instances[id]
	hook := f.onDescribe
	n := 0
	if fi != nil {
		n = fi.describes
	}
	f.mu.Unlock()
	if fi != nil && fi.run != "" && hook != nil {
		hook(n)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fi = f.instances[id]
	if fi == nil {
		return nil, notFound(id)
	}
	fi.describes++
	if id == sourceID {
		lrt := f.clock.Now().Add(-f.lag).Truncate(time.Second)
		fi.inst.LatestRestorableTime = &lrt
	}
	switch deref(fi.inst.DBInstanceStatus) {
	case "creating":
		if fi.describes > f.availableAfter {
			if f.failStatus != "" {
				fi.inst.DBInstanceStatus = new(f.failStatus)
				break
			}
			fi.inst.DBInstanceStatus = new("available")
			fi.inst.Endpoint = &rdstypes.Endpoint{Address: new(id + ".c9akciq32." + f.region + ".rds.amazonaws.com"), Port: new(int32(5432))}
		}
	case "deleting":
		if fi.describes > f.deleteAfter {
			delete(f.instances, id)
			return nil, notFound(id)
		}
	}
	inst := fi.inst
	if f.hideTags {
		inst.TagList = nil
	}
	return &rds.DescribeDBInstancesOutput{DBInstances: []rdstypes.DBInstance{inst}}, nil
}

func (f *fakeRDS) RestoreDBInstanceToPointInTime(ctx context.Context, in *rds.RestoreDBInstanceToPointInTimeInput, _ ...func(*rds.Options)) (*rds.RestoreDBInstanceToPointInTimeOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.restoreIn = append(f.restoreIn, in)
	target := deref(in.TargetDBInstanceIdentifier)
	if target == sourceID || target == deref(in.SourceDBInstanceIdentifier) {
		f.t.Errorf("restore targets the source instance %s", target)
		return nil, &rdstypes.DBInstanceAlreadyExistsFault{Message: new("exists")}
	}
	if f.foreignOnRestore {
		f.instances[target] = &fakeInstance{inst: rdstypes.DBInstance{DBInstanceIdentifier: new(target), DBInstanceStatus: new("available"),
			TagList: []rdstypes.Tag{{Key: new(TagRun), Value: new("someone-else")}}}, run: "someone-else"}
		return nil, &rdstypes.DBInstanceAlreadyExistsFault{Message: new("DB instance already exists")}
	}
	if _, ok := f.instances[target]; ok {
		return nil, &rdstypes.DBInstanceAlreadyExistsFault{Message: new("DB instance already exists")}
	}
	if f.restoreErr != nil && !f.restoreCreates {
		return nil, f.restoreErr
	}
	lrt := f.clock.Now().Add(-f.lag)
	if in.RestoreTime == nil || in.RestoreTime.After(lrt) {
		return nil, &smithy.GenericAPIError{Code: "InvalidRestoreFault", Message: "restore time is after the latest restorable time"}
	}
	run := ""
	for _, tg := range in.Tags {
		if deref(tg.Key) == TagRun {
			run = deref(tg.Value)
		}
	}
	rt := *in.RestoreTime
	if f.ignoreRestoreTime {
		rt = f.clock.Now()
	}
	f.instances[target] = &fakeInstance{
		inst: rdstypes.DBInstance{
			DBInstanceIdentifier: new(target),
			DBInstanceStatus:     new("creating"),
			MasterUsername:       new("orders_admin"),
			TagList:              in.Tags,
		},
		restoreTime: rt,
		run:         run,
	}
	if f.restoreErr != nil {
		return nil, f.restoreErr
	}
	return &rds.RestoreDBInstanceToPointInTimeOutput{DBInstance: &f.instances[target].inst}, nil
}

func (f *fakeRDS) DeleteDBInstance(ctx context.Context, in *rds.DeleteDBInstanceInput, _ ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleteCalls = append(f.deleteCalls, in)
	id := deref(in.DBInstanceIdentifier)
	if id == sourceID {
		f.t.Errorf("the drill called DeleteDBInstance on the source instance %s", id)
		return nil, errors.New("refusing to delete the source in the fake")
	}
	fi := f.instances[id]
	if fi == nil {
		return nil, notFound(id)
	}
	if !deref(in.SkipFinalSnapshot) || !deref(in.DeleteAutomatedBackups) {
		f.t.Errorf("delete of %s keeps a final snapshot or backups: %+v", id, in)
	}
	status := deref(fi.inst.DBInstanceStatus)
	if status == "deleting" || (status == "creating" && f.rejectWhileCreate) {
		return nil, &rdstypes.InvalidDBInstanceStateFault{Message: new("Instance " + id + " is not in available state: " + status)}
	}
	fi.inst.DBInstanceStatus = new("deleting")
	fi.describes = 0
	return &rds.DeleteDBInstanceOutput{DBInstance: &fi.inst}, nil
}

// exists reports whether an instance is still in the fake.
func (f *fakeRDS) exists(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.instances[id]
	return ok
}

func (f *fakeRDS) drillNames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.instances {
		if id != sourceID {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// row is a committed marker.
type row struct {
	run, marker string
	at          time.Time
}

// fakeServers are the source database and the restored copies: a restored
// copy holds the source's rows committed at or before its restore time,
// as PostgreSQL recovery with recovery_target_inclusive does.
type fakeServers struct {
	clock *clock
	rds   *fakeRDS
	// dr holds the instances of the DR region, if any.
	dr *fakeRDS

	mu       sync.Mutex
	rows     []row
	prepared bool
	// drillConnectErr fails connections to restored instances.
	drillConnectErr error
	connects        []Endpoint
}

func (s *fakeServers) Connect(_ context.Context, ep Endpoint) (Markers, error) {
	s.mu.Lock()
	s.connects = append(s.connects, ep)
	s.mu.Unlock()
	if ep.Host == sourceAddr {
		if ep.SecretArn != sourceOutputs().MasterSecretArn {
			return nil, fmt.Errorf("source connection with secret %s, want the stack's", ep.SecretArn)
		}
		return &fakeConn{s: s}, nil
	}
	if s.drillConnectErr != nil {
		return nil, s.drillConnectErr
	}
	for _, f := range []*fakeRDS{s.rds, s.dr} {
		if f == nil {
			continue
		}
		if c, err := s.restored(f, ep); c != nil || err != nil {
			return c, err
		}
	}
	return nil, fmt.Errorf("no server at %s", ep.Host)
}

// restored connects to a restored instance of f at ep.Host; nil, nil if
// there is none.
func (s *fakeServers) restored(f *fakeRDS, ep Endpoint) (Markers, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, fi := range f.instances {
		if fi.inst.Endpoint != nil && deref(fi.inst.Endpoint.Address) == ep.Host && id != sourceID {
			// The restored data holds the source's master password, in
			// the source's secret, in the source's region.
			if ep.SecretArn != sourceOutputs().MasterSecretArn || ep.User != "orders_admin" || ep.Region != "eu-west-1" {
				return nil, fmt.Errorf("restored instance connection as %s with secret %s in %s, want the source's master user and secret in eu-west-1", ep.User, ep.SecretArn, ep.Region)
			}
			return &fakeConn{s: s, restoredTo: fi.restoreTime}, nil
		}
	}
	return nil, nil
}

type fakeConn struct {
	s          *fakeServers
	restoredTo time.Time // zero for the source
}

func (c *fakeConn) Prepare(context.Context) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.prepared = true
	return nil
}

func (c *fakeConn) Write(_ context.Context, run, marker string) (time.Time, error) {
	if !c.restoredTo.IsZero() {
		return time.Time{}, errors.New("the drill wrote to the restored instance")
	}
	c.s.clock.advance(3 * time.Millisecond)
	c.s.mu.Lock()
	c.s.rows = append(c.s.rows, row{run, marker, c.s.clock.Now()})
	c.s.mu.Unlock()
	c.s.clock.advance(2 * time.Millisecond)
	return c.s.clock.Now(), nil
}

func (c *fakeConn) Now(context.Context) (time.Time, error) {
	c.s.clock.advance(time.Millisecond)
	return c.s.clock.Now(), nil
}

func (c *fakeConn) Check(_ context.Context, run string) (DataCheck, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	var dc DataCheck
	for _, r := range c.s.rows {
		if r.run != run || (!c.restoredTo.IsZero() && r.at.After(c.restoredTo)) {
			continue
		}
		switch r.marker {
		case MarkerBefore:
			dc.BeforePresent = true
		case MarkerAfter:
			dc.AfterPresent = true
		}
	}
	return dc, nil
}

func (c *fakeConn) Close(context.Context) error { return nil }
