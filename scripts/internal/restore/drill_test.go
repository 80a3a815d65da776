package restore

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

type harness struct {
	clock    *clock
	rds      *fakeRDS
	servers  *fakeServers
	drill    *Drill
	progress *bytes.Buffer
}

func newHarness(t *testing.T) *harness {
	c := &clock{t: time.Date(2026, 11, 29, 3, 0, 0, 123e6, time.UTC)}
	f := newFakeRDS(t, c)
	s := &fakeServers{clock: c, rds: f}
	var progress bytes.Buffer
	return &harness{
		clock: c, rds: f, servers: s, progress: &progress,
		drill: &Drill{
			RDS: f, Connect: s.Connect, Now: c.Now, Sleep: c.Sleep,
			RunID: "20261129T030000Z-abcd1234", Progress: &progress,
		},
	}
}

func statusOf(rep Report, name string) (check.Status, string) {
	for _, r := range rep.Checks {
		if r.Name == name {
			return r.Status, r.Detail
		}
	}
	return "", ""
}

func logReport(t *testing.T, h *harness, rep Report) {
	t.Helper()
	if t.Failed() {
		for _, r := range rep.Checks {
			t.Log(check.Line(r))
		}
		t.Log("progress:\n" + h.progress.String())
	}
}

// assertCleanedUp: every temporary instance is gone, the source is intact
// and was never the object of a delete.
func assertCleanedUp(t *testing.T, h *harness, rep Report) {
	t.Helper()
	if names := h.rds.drillNames(); len(names) != 0 {
		t.Errorf("temporary instance(s) left behind: %v", names)
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
	if last := rep.Checks[len(rep.Checks)-1]; last.Name != CheckCleanup {
		t.Errorf("last check is %s, want cleanup", last.Name)
	}
}

func TestDrillRestoresToTarget(t *testing.T) {
	h := newHarness(t)
	rep := h.drill.Run(context.Background(), testSource())
	defer logReport(t, h, rep)

	for _, name := range AllChecks {
		if s, d := statusOf(rep, name); s != check.Pass {
			t.Errorf("%s = %s: %s", name, s, d)
		}
	}
	if len(rep.Checks) != len(AllChecks) {
		t.Errorf("%d checks, want %d", len(rep.Checks), len(AllChecks))
	}
	if check.ExitCode(rep.Checks) != check.ExitOK {
		t.Errorf("exit code %d", check.ExitCode(rep.Checks))
	}
	assertCleanedUp(t, h, rep)

	if len(h.rds.restoreIn) != 1 {
		t.Fatalf("%d restore calls, want 1", len(h.rds.restoreIn))
	}
	in := h.rds.restoreIn[0]
	name := deref(in.TargetDBInstanceIdentifier)
	if name != "orders-staging-5e1f0a9c-drill-"+h.clock.Now().Format("20060102")+name[len(name)-6:] || !IsDrillName(name, sourceID) {
		t.Errorf("temporary instance named %q", name)
	}
	if rep.DrillInstance != name {
		t.Errorf("report names %q, restore created %q", rep.DrillInstance, name)
	}
	if deref(in.SourceDBInstanceIdentifier) != sourceID {
		t.Errorf("restored from %q", deref(in.SourceDBInstanceIdentifier))
	}
	if deref(in.DBSubnetGroupName) != "orders-staging-subnets" || len(in.VpcSecurityGroupIds) != 1 || in.VpcSecurityGroupIds[0] != "sg-0c1d2e3f4a5b6c7d8" {
		t.Errorf("network: subnet group %q, security groups %v; want the source's", deref(in.DBSubnetGroupName), in.VpcSecurityGroupIds)
	}
	if in.DeletionProtection == nil || *in.DeletionProtection {
		t.Error("deletion protection is not explicitly off")
	}
	if deref(in.PubliclyAccessible) || deref(in.MultiAZ) || deref(in.BackupRetentionPeriod) != 0 {
		t.Errorf("public %t, Multi-AZ %t, retention %d; want false, false, 0", deref(in.PubliclyAccessible), deref(in.MultiAZ), deref(in.BackupRetentionPeriod))
	}
	// RDS accepts ManageMasterUserPassword on a restore for Oracle only.
	if in.ManageMasterUserPassword != nil || in.MasterUserSecretKmsKeyId != nil {
		t.Error("the restore asks for a managed secret, which RDS refuses for PostgreSQL")
	}
	if deref(in.DBParameterGroupName) != "orders-staging-pg16" {
		t.Errorf("parameter group %q, want the source's (rds.force_ssl)", deref(in.DBParameterGroupName))
	}
	tags := map[string]string{}
	for _, tg := range in.Tags {
		tags[deref(tg.Key)] = deref(tg.Value)
	}
	if tags[TagDrill] != "restore" || tags[TagRun] != "20261129T030000Z-abcd1234" || tags[TagSource] != sourceID || tags["ManagedBy"] != "restore-drill" {
		t.Errorf("tags %v", tags)
	}

	// The target lies strictly between the markers, on whole seconds.
	m := rep.Markers
	if m == nil || rep.RestoreTime == nil {
		t.Fatal("report has no markers or restore time")
	}
	if !in.RestoreTime.Equal(m.Target) || !rep.RestoreTime.Equal(m.Target) {
		t.Errorf("restore time %s, report %s, markers target %s", in.RestoreTime, rep.RestoreTime, m.Target)
	}
	if !m.Target.After(m.BeforeAt) || !m.AfterAt.After(m.Target.Add(DefaultGap)) || m.Target.Nanosecond() != 0 {
		t.Errorf("timeline %+v", m)
	}
	if rep.DataCheck == nil || !rep.DataCheck.BeforePresent || rep.DataCheck.AfterPresent {
		t.Errorf("data check %+v", rep.DataCheck)
	}
	if rep.RestoreSeconds <= 0 || rep.RestoreRequestedAt == nil || rep.RestoreAvailableAt == nil {
		t.Errorf("restore duration not reported: %v s", rep.RestoreSeconds)
	}

	// Progress: a line per poll of the restored instance, and of the
	// source's restorable time.
	out := h.progress.String()
	if n := strings.Count(out, name+" is creating"); n != h.rds.availableAfter {
		t.Errorf("%d progress lines while creating, want one per poll (%d):\n%s", n, h.rds.availableAfter, out)
	}
	if !strings.Contains(out, "restorable up to") {
		t.Errorf("no progress while waiting for the restorable time:\n%s", out)
	}
	// The source was only described; only the temporary instance was
	// deleted.
	if len(h.rds.deleteCalls) != 1 || deref(h.rds.deleteCalls[0].DBInstanceIdentifier) != name {
		t.Errorf("delete calls %v", h.rds.deleteCalls)
	}
}

// A failure halfway through must still delete the temporary instance, and
// never touch the source.
func TestDrillFailureHalfwayDeletesTemporaryInstance(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(h *harness)
		failed string
		detail string
	}{
		{
			name:   "restored instance fails",
			setup:  func(h *harness) { h.rds.failStatus = "incompatible-restore" },
			failed: CheckRestore, detail: "went to status incompatible-restore",
		},
		{
			name: "cannot connect to the restored instance",
			setup: func(h *harness) {
				h.servers.drillConnectErr = errors.New("x509: certificate signed by unknown authority")
			},
			failed: CheckConnect, detail: "x509",
		},
		{
			name: "restore call errors after creating the instance",
			setup: func(h *harness) {
				h.rds.restoreErr = &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}
				h.rds.restoreCreates = true
			},
			failed: CheckRestore, detail: "Rate exceeded",
		},
		{
			name:   "restore never becomes available",
			setup:  func(h *harness) { h.rds.availableAfter = 1 << 30; h.drill.AvailableTimeout = 10 * time.Minute },
			failed: CheckRestore, detail: "still creating after 10m",
		},
		{
			name: "delete refused while creating, retried",
			setup: func(h *harness) {
				h.rds.availableAfter = 6
				h.rds.rejectWhileCreate = true
				h.servers.drillConnectErr = errors.New("unused")
				h.rds.failStatus = ""
				h.drill.AvailableTimeout = time.Minute
			},
			failed: CheckRestore, detail: "still creating",
		},
		{
			name: "tags not visible on the restored instance",
			setup: func(h *harness) {
				h.rds.hideTags = true
				h.servers.drillConnectErr = errors.New("connection refused")
			},
			failed: CheckConnect, detail: "connection refused",
		},
		{
			name:   "a broken restore brings back everything",
			setup:  func(h *harness) { h.rds.ignoreRestoreTime = true },
			failed: CheckData, detail: "did not stop at the target time",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			tc.setup(h)
			rep := h.drill.Run(context.Background(), testSource())
			defer logReport(t, h, rep)
			if s, d := statusOf(rep, tc.failed); s != check.Fail || !strings.Contains(d, tc.detail) {
				t.Errorf("%s = %s %q, want fail mentioning %q", tc.failed, s, d, tc.detail)
			}
			if check.ExitCode(rep.Checks) != check.ExitFail {
				t.Errorf("exit code %d, want %d", check.ExitCode(rep.Checks), check.ExitFail)
			}
			if len(h.rds.restoreIn) != 1 {
				t.Errorf("%d restore calls", len(h.rds.restoreIn))
			}
			assertCleanedUp(t, h, rep)
		})
	}
}

// Ctrl-C while the restore is being created: the drill stops waiting and
// still deletes the temporary instance, on a context of its own.
func TestDrillInterruptedDeletesTemporaryInstance(t *testing.T) {
	h := newHarness(t)
	h.rds.availableAfter = 10
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.rds.onDescribe = func(n int) {
		if n == 2 {
			cancel()
		}
	}
	rep := h.drill.Run(ctx, testSource())
	defer logReport(t, h, rep)
	if s, d := statusOf(rep, CheckRestore); s != check.Fail || !strings.Contains(d, "context canceled") {
		t.Errorf("restore = %s %q, want a failure from the interrupt", s, d)
	}
	for _, name := range []string{CheckConnect, CheckData} {
		if s, d := statusOf(rep, name); s != check.Unknown || !strings.Contains(d, "interrupted") {
			t.Errorf("%s = %s %q, want unknown: interrupted", name, s, d)
		}
	}
	if !strings.Contains(h.progress.String(), "interrupted: deleting") {
		t.Errorf("no word of the cleanup after the interrupt:\n%s", h.progress.String())
	}
	assertCleanedUp(t, h, rep)
}

// A panic halfway still deletes the temporary instance before it unwinds.
func TestDrillPanicDeletesTemporaryInstance(t *testing.T) {
	h := newHarness(t)
	panicked := false
	h.rds.onDescribe = func(n int) {
		if n == 1 && !panicked {
			panicked = true
			panic("boom")
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		h.drill.Run(context.Background(), testSource())
	}()
	h.rds.onDescribe = nil
	if names := h.rds.drillNames(); len(names) != 0 {
		t.Errorf("temporary instance(s) left behind after a panic: %v", names)
	}
}

// Someone else's instance took the name between the check and the
// restore: the drill leaves it alone.
func TestDrillLeavesForeignInstanceAlone(t *testing.T) {
	h := newHarness(t)
	h.rds.foreignOnRestore = true
	rep := h.drill.Run(context.Background(), testSource())
	defer logReport(t, h, rep)
	if s, d := statusOf(rep, CheckCleanup); s != check.Fail || !strings.Contains(d, "not this run's") {
		t.Errorf("cleanup = %s %q, want a refusal", s, d)
	}
	if len(h.rds.deleteCalls) != 0 {
		t.Errorf("deleted someone else's instance: %v", h.rds.deleteCalls)
	}
	if len(h.rds.drillNames()) != 1 {
		t.Error("the foreign instance is gone")
	}
}

func TestDrillRefusesExistingName(t *testing.T) {
	h := newHarness(t)
	h.rds.onDescribe = nil
	// Pre-create an instance under the name the drill will pick once the
	// markers are written and the restorable time has caught up.
	h.drill.Sleep = func(ctx context.Context, d time.Duration) error {
		if err := h.clock.Sleep(ctx, d); err != nil {
			return err
		}
		name, _ := InstanceName(sourceID, h.clock.Now())
		h.rds.mu.Lock()
		h.rds.instances[name] = &fakeInstance{inst: rdstypes.DBInstance{DBInstanceIdentifier: new(name), DBInstanceStatus: new("available")}}
		h.rds.mu.Unlock()
		return nil
	}
	rep := h.drill.Run(context.Background(), testSource())
	defer logReport(t, h, rep)
	if s, d := statusOf(rep, CheckRestore); s != check.Fail || !strings.Contains(d, "already exists") {
		t.Errorf("restore = %s %q", s, d)
	}
	if len(h.rds.restoreIn) != 0 || len(h.rds.deleteCalls) != 0 {
		t.Errorf("restore calls %d, delete calls %d; want none", len(h.rds.restoreIn), len(h.rds.deleteCalls))
	}
}

func TestDrillRefusesSource(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*rdstypes.DBInstance)
		detail string
	}{
		{"backups off", func(i *rdstypes.DBInstance) { i.BackupRetentionPeriod = new(int32(0)) }, "automated backups are off"},
		{"a drill instance", func(i *rdstypes.DBInstance) {
			i.TagList = append(i.TagList, rdstypes.Tag{Key: new(TagDrill), Value: new("restore")})
		}, "itself a drill instance"},
		{"another incarnation", func(i *rdstypes.DBInstance) { i.DbiResourceId = new("db-OTHER") }, "not the stack's"},
		{"not available", func(i *rdstypes.DBInstance) { i.DBInstanceStatus = new("modifying") }, "status is modifying"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			tc.edit(&h.rds.instances[sourceID].inst)
			rep := h.drill.Run(context.Background(), testSource())
			defer logReport(t, h, rep)
			if s, d := statusOf(rep, CheckSource); s != check.Fail || !strings.Contains(d, tc.detail) {
				t.Errorf("source = %s %q, want fail with %q", s, d, tc.detail)
			}
			if len(h.servers.rows) != 0 || len(h.rds.restoreIn) != 0 {
				t.Errorf("markers %d, restores %d; want none", len(h.servers.rows), len(h.rds.restoreIn))
			}
			if s, _ := statusOf(rep, CheckCleanup); s != check.Pass {
				t.Errorf("cleanup = %s", s)
			}
		})
	}
}

func TestDrillRestorableNeverCatchesUp(t *testing.T) {
	h := newHarness(t)
	h.rds.lag = 3 * time.Hour
	h.drill.RestorableTimeout = 20 * time.Minute
	rep := h.drill.Run(context.Background(), testSource())
	defer logReport(t, h, rep)
	if s, d := statusOf(rep, CheckRestorable); s != check.Fail || !strings.Contains(d, "not past the second marker") {
		t.Errorf("restorable = %s %q", s, d)
	}
	if len(h.rds.restoreIn) != 0 {
		t.Error("restored although the second marker was not restorable")
	}
	if s, d := statusOf(rep, CheckCleanup); s != check.Pass || !strings.Contains(d, "nothing to delete") {
		t.Errorf("cleanup = %s %q", s, d)
	}
}

// The guard: deletion of anything but this run's instance is refused
// before the API is called.
func TestDeleteGuard(t *testing.T) {
	h := newHarness(t)
	st := &state{src: testSource(), name: "orders-staging-5e1f0a9c-drill-20261129030000"}
	for _, id := range []string{sourceID, "payments-staging-1-drill-20261129030000", "orders-staging-5e1f0a9c-drill-20261129040000"} {
		if err := h.drill.deleteDrillInstance(context.Background(), st, id); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("delete of %s: %v, want a refusal", id, err)
		}
	}
	if len(h.rds.deleteCalls) != 0 {
		t.Errorf("DeleteDBInstance reached the API: %v", h.rds.deleteCalls)
	}
	st.name = sourceID
	if err := h.drill.deleteDrillInstance(context.Background(), st, sourceID); err == nil {
		t.Error("a state naming the source as the drill instance got through")
	}
}

func TestDataCheckExpect(t *testing.T) {
	for _, tc := range []struct {
		dc        DataCheck
		wantAfter bool
		ok        bool
	}{
		{DataCheck{true, false}, false, true},
		{DataCheck{true, true}, false, false},
		{DataCheck{false, false}, false, false},
		{DataCheck{true, true}, true, true},
		{DataCheck{true, false}, true, false},
	} {
		if err := tc.dc.Expect(tc.wantAfter); (err == nil) != tc.ok {
			t.Errorf("%+v.Expect(%t) = %v, want ok=%t", tc.dc, tc.wantAfter, err, tc.ok)
		}
	}
}

func TestWriteMarkersRejectsShortGap(t *testing.T) {
	h := newHarness(t)
	_, err := WriteMarkers(context.Background(), &fakeConn{s: h.servers}, "r", time.Second, h.clock.Sleep, func(string, ...any) {})
	if err == nil || !strings.Contains(err.Error(), "at least 2s") {
		t.Errorf("error %v", err)
	}
}
