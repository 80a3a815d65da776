package restore

import (
	"context"
	"strings"
	"testing"
	"time"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

func TestDRDrillRestoresReplicatedBackups(t *testing.T) {
	h := newDRHarness(t, "replicating")
	rep := h.drill.Run(context.Background(), testSource())
	defer logReport(t, h.harness, rep)

	for _, name := range DRChecks {
		if s, d := statusOf(rep, name); s != check.Pass {
			t.Errorf("%s = %s: %s", name, s, d)
		}
	}
	if len(rep.Checks) != len(DRChecks) {
		t.Errorf("%d checks, want %d", len(rep.Checks), len(DRChecks))
	}
	assertDRCleanedUp(t, h, rep)
	if rep.Region != "eu-west-1" || rep.RecoveryRegion != drRegion || rep.ReplicatedBackupArn != drBackup {
		t.Errorf("report regions %q → %q, backups %q", rep.Region, rep.RecoveryRegion, rep.ReplicatedBackupArn)
	}

	if len(h.dr.restores) != 1 {
		t.Fatalf("%d restores in %s, want 1", len(h.dr.restores), drRegion)
	}
	in := h.dr.restores[0]
	name := deref(in.TargetDBInstanceIdentifier)
	if !IsDrillName(name, sourceID) || rep.DrillInstance != name {
		t.Errorf("temporary instance %q, report %q", name, rep.DrillInstance)
	}
	if deref(in.SourceDBInstanceAutomatedBackupsArn) != drBackup {
		t.Errorf("restored from %q, want the source's replicated backups %s (not the other source's)", deref(in.SourceDBInstanceAutomatedBackupsArn), drBackup)
	}
	if !deref(in.UseLatestRestorableTime) || in.RestoreTime != nil {
		t.Errorf("UseLatestRestorableTime %t, RestoreTime %v; want the latest restorable time", deref(in.UseLatestRestorableTime), in.RestoreTime)
	}
	if deref(in.DBSubnetGroupName) != drSubnets || len(in.VpcSecurityGroupIds) != 1 || in.VpcSecurityGroupIds[0] != drSG {
		t.Errorf("network: subnet group %q, security groups %v; want the recovery network's", deref(in.DBSubnetGroupName), in.VpcSecurityGroupIds)
	}
	if deref(in.DBParameterGroupName) != drParams {
		t.Errorf("parameter group %q, want the stack's in %s, %s (without one RDS gives the default group, without rds.force_ssl)", deref(in.DBParameterGroupName), drRegion, drParams)
	}
	if deref(in.DBInstanceClass) != "db.r6g.large" || deref(in.PubliclyAccessible) || deref(in.MultiAZ) || deref(in.DeletionProtection) || in.DeletionProtection == nil || deref(in.BackupRetentionPeriod) != 0 {
		t.Errorf("class %q, public %t, Multi-AZ %t, deletion protection %v, retention %d", deref(in.DBInstanceClass), deref(in.PubliclyAccessible), deref(in.MultiAZ), in.DeletionProtection, deref(in.BackupRetentionPeriod))
	}
	if in.ManageMasterUserPassword != nil {
		t.Error("the restore asks for a managed secret, which RDS accepts for Oracle only")
	}
	tags := map[string]string{}
	for _, tg := range in.Tags {
		tags[deref(tg.Key)] = deref(tg.Value)
	}
	if tags[TagDrill] != "restore" || tags[TagRun] != "20261129T030000Z-abcd1234" || tags[TagSource] != sourceID {
		t.Errorf("tags %v: the sweep could not find the instance", tags)
	}

	// Both markers came back; the recovery point is the second.
	if rep.DataCheck == nil || !rep.DataCheck.BeforePresent || !rep.DataCheck.AfterPresent {
		t.Errorf("data check %+v, want both markers", rep.DataCheck)
	}
	rp, m := rep.RecoveryPoint, rep.Markers
	if rp == nil || m == nil {
		t.Fatal("no recovery point or markers in the report")
	}
	if rp.Marker != MarkerAfter || !rp.WrittenAt.Equal(m.AfterAt) || rp.Run != rep.Run {
		t.Errorf("recovery point %+v, want the second marker at %s", rp, m.AfterAt)
	}
	if want := rep.RestoreRequestedAt.Sub(m.AfterAt).Seconds(); rp.AgeAtRestoreSeconds != want || want <= 0 {
		t.Errorf("age at restore %v s, want %v s", rp.AgeAtRestoreSeconds, want)
	}
	if want := m.AfterAt.Sub(rep.StartedAt).Seconds(); rp.SinceStartSeconds != want || want <= 0 {
		t.Errorf("since start %v s, want %v s", rp.SinceStartSeconds, want)
	}
	// The DR window trails the clock by the lag, polled every 30s: the
	// second marker is seen restorable between lag and lag + one poll
	// after its commit.
	if lag := time.Duration(rp.ReplicationLagSeconds * float64(time.Second)); lag < h.dr.lag || lag > h.dr.lag+DefaultPoll {
		t.Errorf("replication lag %s, want within one poll after %s", lag, h.dr.lag)
	}
	if rep.RecoverySeconds < rep.RestoreSeconds || rep.RestoreSeconds <= 0 {
		t.Errorf("recovery %v s, restore %v s", rep.RecoverySeconds, rep.RestoreSeconds)
	}
	if s, d := statusOf(rep, CheckData); !strings.Contains(d, "recovery point") || !strings.Contains(d, "recovery time") {
		t.Errorf("data = %s %q: no recovery point or time", s, d)
	}
	// The only delete was of the drill instance, in the DR region.
	if len(h.dr.deleteCalls) != 1 || deref(h.dr.deleteCalls[0].DBInstanceIdentifier) != name {
		t.Errorf("DR delete calls %v", h.dr.deleteCalls)
	}
	if !strings.Contains(h.progress.String(), "replicated backups in "+drRegion+" restorable up to") {
		t.Errorf("no progress while waiting for the replicated backups:\n%s", h.progress.String())
	}
}

// Without replicated backups of the source in the DR region, the drill
// fails at the replication check, says what to enable, and writes no
// marker and restores nothing.
func TestDRDrillFailsWithoutReplication(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		detail   []string
	}{
		{"not-replicated", []string{"has no replicated automated backups of " + sourceID, "automated backup replication to " + drRegion + " is not enabled for " + sourceID, "database:dr", "StartDBInstanceAutomatedBackupsReplication", sourceArn, drKey}},
		{"no-backups", []string{"has no automated backups of resource " + sourceRID, "is not enabled for " + sourceID, "StartDBInstanceAutomatedBackupsReplication"}},
		{"retained", []string{"are retained: replication was stopped", "is not enabled for " + sourceID}},
		{"other-key", []string{"not under the DR key --kms-key " + drKey, "aws-rds-default"}},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			h := newDRHarness(t, tc.scenario)
			rep := h.drill.Run(context.Background(), testSource())
			defer logReport(t, h.harness, rep)
			s, d := statusOf(rep, CheckReplication)
			if s != check.Fail {
				t.Errorf("replication = %s %q, want fail", s, d)
			}
			for _, want := range tc.detail {
				if !strings.Contains(d, want) {
					t.Errorf("replication detail lacks %q:\n%s", want, d)
				}
			}
			if check.ExitCode(rep.Checks) != check.ExitFail {
				t.Errorf("exit code %d", check.ExitCode(rep.Checks))
			}
			if len(h.servers.rows) != 0 || len(h.dr.restores) != 0 {
				t.Errorf("markers %d, restores %d; want none", len(h.servers.rows), len(h.dr.restores))
			}
			for _, name := range []string{CheckMarkers, CheckRestorable, CheckRestore, CheckConnect, CheckData} {
				if s, _ := statusOf(rep, name); s != check.Unknown {
					t.Errorf("%s = %s, want unknown (not reached)", name, s)
				}
			}
			assertDRCleanedUp(t, h, rep)
		})
	}
}

// A restored instance that does not report the DR key fails the restore
// check, and is still deleted.
func TestDRDrillRestoredUnderAnotherKey(t *testing.T) {
	h := newDRHarness(t, "replicating")
	h.dr.restoredKey = "arn:aws:kms:eu-central-1:111122223333:key/someone-elses"
	rep := h.drill.Run(context.Background(), testSource())
	defer logReport(t, h.harness, rep)
	if s, d := statusOf(rep, CheckRestore); s != check.Fail || !strings.Contains(d, "not under the DR key "+drKey) || !strings.Contains(d, "someone-elses") {
		t.Errorf("restore = %s %q", s, d)
	}
	if rep.RecoveryPoint != nil {
		t.Errorf("recovery point %+v reported for a failed restore", rep.RecoveryPoint)
	}
	assertDRCleanedUp(t, h, rep)
}

func TestDRDrillReplicationNeverCatchesUp(t *testing.T) {
	h := newDRHarness(t, "replicating")
	h.dr.lag = 3 * time.Hour
	h.drill.RestorableTimeout = 20 * time.Minute
	rep := h.drill.Run(context.Background(), testSource())
	defer logReport(t, h.harness, rep)
	if s, d := statusOf(rep, CheckRestorable); s != check.Fail || !strings.Contains(d, "transaction logs are not reaching "+drRegion) {
		t.Errorf("restorable = %s %q", s, d)
	}
	if len(h.dr.restores) != 0 {
		t.Error("restored although the DR window never passed the second marker")
	}
	assertDRCleanedUp(t, h, rep)
}

// A run cancelled while the restore is being created, whose cleanup could
// not delete (the job's credentials expired with it), leaves its instance
// in the DR region; `--sweep --region` deletes it there and nothing else.
func TestDRSweepCleansUpCancelledRun(t *testing.T) {
	h := newDRHarness(t, "replicating")
	h.dr.availableAfter = 10
	h.dr.deleteErr = &smithy.GenericAPIError{Code: "ExpiredTokenException", Message: "The security token included in the request is expired"}
	h.drill.DeleteTimeout = 5 * time.Minute
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.dr.onDescribe = func(n int) {
		if n == 2 {
			cancel()
		}
	}
	rep := h.drill.Run(ctx, testSource())
	h.dr.onDescribe = nil
	if s, d := statusOf(rep, CheckCleanup); s != check.Fail || !strings.Contains(d, "--region "+drRegion) {
		t.Fatalf("cleanup = %s %q, want a failure naming the DR region for deleting by hand", s, d)
	}
	left := h.dr.drillNames()
	if len(left) != 1 || left[0] != rep.DrillInstance {
		t.Fatalf("left behind in %s: %v, want the cancelled run's %s", drRegion, left, rep.DrillInstance)
	}

	// Not the sweep's: another source's drill and an untagged look-alike.
	other := "payments-staging-1-drill-20261122030000"
	lookalike := sourceID + "-drill-20261101030000"
	h.dr.instances[other] = &fakeInstance{inst: rdstypes.DBInstance{DBInstanceIdentifier: new(other), DBInstanceStatus: new("available"),
		TagList: []rdstypes.Tag{{Key: new(TagDrill), Value: new("restore")}, {Key: new(TagSource), Value: new("payments-staging-1")}}}}
	h.dr.instances[lookalike] = &fakeInstance{inst: rdstypes.DBInstance{DBInstanceIdentifier: new(lookalike), DBInstanceStatus: new("available")}}

	h.dr.deleteErr = nil
	res := h.drill.Sweep(context.Background(), testSource())
	if len(res) != 1 || res[0].Status != check.Pass || !strings.Contains(res[0].Detail, rep.DrillInstance+" deleted") {
		t.Fatalf("sweep: %+v", res)
	}
	if h.dr.exists(rep.DrillInstance) {
		t.Errorf("%s was not swept", rep.DrillInstance)
	}
	for _, id := range []string{other, lookalike} {
		if !h.dr.exists(id) {
			t.Errorf("%s was swept but is not a drill of the source", id)
		}
	}
	if !h.rds.exists(sourceID) || len(h.rds.deleteCalls) != 0 {
		t.Errorf("the primary was touched: source exists %t, deletes %v", h.rds.exists(sourceID), h.rds.deleteCalls)
	}
}

// Ctrl-C while the DR restore is being created: the drill stops and
// still deletes its instance, in the DR region.
func TestDRDrillInterruptedDeletesInTheDRRegion(t *testing.T) {
	h := newDRHarness(t, "replicating")
	h.dr.availableAfter = 10
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.dr.onDescribe = func(n int) {
		if n == 2 {
			cancel()
		}
	}
	rep := h.drill.Run(ctx, testSource())
	defer logReport(t, h.harness, rep)
	if s, d := statusOf(rep, CheckRestore); s != check.Fail || !strings.Contains(d, "context canceled") {
		t.Errorf("restore = %s %q, want a failure from the interrupt", s, d)
	}
	if len(h.dr.deleteCalls) != 1 || deref(h.dr.deleteCalls[0].DBInstanceIdentifier) != rep.DrillInstance {
		t.Errorf("DR delete calls %v, want one of %s", h.dr.deleteCalls, rep.DrillInstance)
	}
	assertDRCleanedUp(t, h, rep)
}
