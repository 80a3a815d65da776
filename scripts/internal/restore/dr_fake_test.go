package restore

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

const (
	drRegion  = "eu-central-1"
	drKey     = "arn:aws:kms:eu-central-1:111122223333:key/9d2e7c41-dr"
	drBackup  = "arn:aws:rds:eu-central-1:111122223333:auto-backup:ab-5KQ3XH2MDFJ7RWPN6TVB4YCLZE"
	sourceArn = "arn:aws:rds:eu-west-1:111122223333:db:" + sourceID
	drSubnets = "orders-staging-dr-subnets"
	drParams  = "orders-staging-dr-params-postgres16"
	drSG      = "sg-0dr1e2f3a4b5c6d7e"
)

// fakeDR is the disaster recovery region. Its replicated backups are the
// recorded answers of a scenario folder (testdata/dr/<scenario>), with the
// restore window's latest time moved along by the shared clock (lag
// behind it), as transaction logs keep arriving; its instances live in a
// fakeRDS of their own that holds no source. A restore from the
// replicated backups holds the source's rows up to the window's latest
// time.
type fakeDR struct {
	listingRDS
	backups *recorded.API
	lag     time.Duration
	// deleteErr fails every DeleteDBInstance (credentials gone).
	deleteErr error
	// restoredKey, when set, is the key a restored instance reports
	// instead of the backups' (a broken restore).
	restoredKey string

	mu       sync.Mutex
	restores []*rds.RestoreDBInstanceToPointInTimeInput
	// listed counts DescribeDBInstanceAutomatedBackups calls.
	listed int
}

func newFakeDR(t *testing.T, c *clock, scenario string) *fakeDR {
	f := newFakeRDS(t, c)
	delete(f.instances, sourceID)
	f.region = drRegion
	return &fakeDR{listingRDS: listingRDS{f}, backups: recorded.New(filepath.Join("testdata", "dr", scenario)), lag: 5 * time.Minute}
}

func (d *fakeDR) DescribeDBInstanceAutomatedBackups(ctx context.Context, in *rds.DescribeDBInstanceAutomatedBackupsInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error) {
	d.mu.Lock()
	d.listed++
	d.mu.Unlock()
	if in.DbiResourceId == nil && in.DBInstanceAutomatedBackupsArn == nil {
		d.t.Errorf("the drill listed every automated backup of %s instead of the source's", drRegion)
	}
	out, err := d.backups.DescribeDBInstanceAutomatedBackups(ctx, in, opts...)
	if err != nil {
		return nil, err
	}
	latest := d.clock.Now().Add(-d.lag).Truncate(time.Second)
	for i := range out.DBInstanceAutomatedBackups {
		b := &out.DBInstanceAutomatedBackups[i]
		if b.RestoreWindow != nil && replicationStatus(*b) != "retained" {
			b.RestoreWindow.LatestTime = &latest
		}
	}
	return out, nil
}

// RestoreDBInstanceToPointInTime models a restore from replicated backups.
// The request must name the source by SourceDBInstanceAutomatedBackupsArn
// only, and not combine RestoreTime with UseLatestRestorableTime ("Can't
// be specified if the UseLatestRestorableTime parameter is enabled", API
// reference). The restored storage is under the backups' key: the request
// takes none.
func (d *fakeDR) RestoreDBInstanceToPointInTime(ctx context.Context, in *rds.RestoreDBInstanceToPointInTimeInput, _ ...func(*rds.Options)) (*rds.RestoreDBInstanceToPointInTimeOutput, error) {
	d.mu.Lock()
	d.restores = append(d.restores, in)
	d.mu.Unlock()
	if in.SourceDBInstanceIdentifier != nil || in.SourceDbiResourceId != nil {
		d.t.Errorf("the DR restore names the source instance (%q, %q): it exists only in the primary", deref(in.SourceDBInstanceIdentifier), deref(in.SourceDbiResourceId))
	}
	if in.RestoreTime != nil && deref(in.UseLatestRestorableTime) {
		return nil, &smithy.GenericAPIError{Code: "InvalidParameterCombination", Message: "RestoreTime and UseLatestRestorableTime"}
	}
	list, err := d.backups.DescribeDBInstanceAutomatedBackups(ctx, &rds.DescribeDBInstanceAutomatedBackupsInput{DBInstanceAutomatedBackupsArn: in.SourceDBInstanceAutomatedBackupsArn})
	if err != nil {
		return nil, err
	}
	if len(list.DBInstanceAutomatedBackups) != 1 {
		return nil, &rdstypes.DBInstanceAutomatedBackupNotFoundFault{Message: new("no automated backups " + deref(in.SourceDBInstanceAutomatedBackupsArn))}
	}
	backup := list.DBInstanceAutomatedBackups[0]
	latest := d.clock.Now().Add(-d.lag)
	rt := latest
	if !deref(in.UseLatestRestorableTime) {
		if in.RestoreTime == nil || in.RestoreTime.After(latest) {
			return nil, &smithy.GenericAPIError{Code: "InvalidRestoreFault", Message: "restore time is after the latest restorable time"}
		}
		rt = *in.RestoreTime
	}
	if d.restoredKey != "" {
		backup.KmsKeyId = new(d.restoredKey)
	}
	f := d.fakeRDS
	f.mu.Lock()
	defer f.mu.Unlock()
	target := deref(in.TargetDBInstanceIdentifier)
	if _, ok := f.instances[target]; ok {
		return nil, &rdstypes.DBInstanceAlreadyExistsFault{Message: new("DB instance already exists")}
	}
	f.instances[target] = &fakeInstance{
		inst: rdstypes.DBInstance{
			DBInstanceIdentifier: new(target),
			DBInstanceStatus:     new("creating"),
			MasterUsername:       backup.MasterUsername,
			StorageEncrypted:     backup.Encrypted,
			KmsKeyId:             backup.KmsKeyId,
			TagList:              in.Tags,
		},
		restoreTime: rt,
		run:         tag(in.Tags, TagRun),
	}
	return &rds.RestoreDBInstanceToPointInTimeOutput{DBInstance: &f.instances[target].inst}, nil
}

func (d *fakeDR) DeleteDBInstance(ctx context.Context, in *rds.DeleteDBInstanceInput, opts ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error) {
	if d.deleteErr != nil {
		d.fakeRDS.mu.Lock()
		d.fakeRDS.deleteCalls = append(d.fakeRDS.deleteCalls, in)
		d.fakeRDS.mu.Unlock()
		return nil, d.deleteErr
	}
	return d.fakeRDS.DeleteDBInstance(ctx, in, opts...)
}

type drHarness struct {
	*harness
	dr *fakeDR
}

// newDRHarness is a drill in drRegion over the recorded scenario.
func newDRHarness(t *testing.T, scenario string) *drHarness {
	h := newHarness(t)
	h.rds.instances[sourceID].inst.DBInstanceArn = new(sourceArn)
	dr := newFakeDR(t, h.clock, scenario)
	h.servers.dr = dr.fakeRDS
	h.drill.Recovery = &Recovery{Region: drRegion, RDS: dr, SubnetGroup: drSubnets, ParameterGroup: drParams, SecurityGroups: []string{drSG}, KmsKey: drKey}
	return &drHarness{harness: h, dr: dr}
}

// assertDRCleanedUp: no drill instance is left in either region, the
// source is intact and no delete reached the primary.
func assertDRCleanedUp(t *testing.T, h *drHarness, rep Report) {
	t.Helper()
	if names := h.dr.drillNames(); len(names) != 0 {
		t.Errorf("temporary instance(s) left behind in %s: %v", drRegion, names)
	}
	if names := h.rds.drillNames(); len(names) != 0 {
		t.Errorf("instance(s) created in the primary: %v", names)
	}
	if len(h.rds.deleteCalls) != 0 || len(h.rds.restoreIn) != 0 {
		t.Errorf("the primary saw %d deletes and %d restores; want none", len(h.rds.deleteCalls), len(h.rds.restoreIn))
	}
	if !h.rds.exists(sourceID) {
		t.Error("the source instance is gone")
	}
	if s, d := statusOf(rep, CheckCleanup); s != check.Pass {
		t.Errorf("cleanup = %s: %s", s, d)
	}
	if !rep.Deleted {
		t.Error("report does not say the temporary instance was deleted")
	}
}
