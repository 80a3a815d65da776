package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

const drTestRegion = "eu-central-1"

// verifyDR verifies the dr scenario's stack and outputs (in dir) with the
// primary region answering from the compliant recordings and the
// recovery region from dir's: a DR check that asked the primary region
// would find no recorded automated backups there.
func verifyDR(t *testing.T, dir string) StackReport {
	t.Helper()
	rep, _ := verifyDRRegions(t, dir)
	return rep
}

// verifyDRRegions is verifyDR, with the regions verify asked for clients.
func verifyDRRegions(t *testing.T, dir string) (StackReport, []string) {
	t.Helper()
	var regions []string
	primary := recorded.New(filepath.Join("testdata", "compliant"))
	dr := recorded.New(dir)
	v := &Verifier{
		AWS: func(_ context.Context, region string) (RDS, EC2, error) {
			regions = append(regions, region)
			switch region {
			case "eu-west-1":
				return primary, primary, nil
			case drTestRegion:
				return dr, dr, nil
			}
			return nil, nil, fmt.Errorf("fake has no clients for region %s", region)
		},
		DB:  &fakePinger{},
		Now: func() time.Time { return recordedAt },
	}
	return v.Verify(context.Background(), loadTarget(t, dir)), regions
}

// TestDRBackupsCheck: a stack whose outputs name a recovery region gets
// one dr-backups check, after every other, read in that region: it passes
// while the replicated backups are replicating under the DR key and
// restorable within the RPO target (database:dr rpoMinutes, 60 in the
// stack file), and fails with the reason otherwise.
func TestDRBackupsCheck(t *testing.T) {
	setBackup := func(edit func(b map[string]any)) map[string]func(v any) {
		return map[string]func(v any){"describe-db-instance-automated-backups.json": func(v any) { edit(list(v, "DBInstanceAutomatedBackups", 0)) }}
	}
	for _, tc := range []struct {
		name    string
		edits   map[string]func(v any)
		status  check.Status
		details []string
	}{
		{"replicating and recent", nil, check.Pass, []string{"replicating to eu-central-1 under arn:aws:kms:eu-central-1:111122223333:key/9d2e7c41-5b3a-4e8f-a1c6-7f0e2d4b8c93", "restorable up to 2026-11-25T11:47:30Z", "12m30s behind, RPO target 1h0m0s"}},
		{"retained", setBackup(func(b map[string]any) { b["Status"] = "retained" }), check.Fail, []string{`status "retained", want "replicating"`, "not active"}},
		{"pending", setBackup(func(b map[string]any) { b["Status"] = "pending" }), check.Fail, []string{`status "pending"`}},
		{"wrong key", setBackup(func(b map[string]any) { b["KmsKeyId"] = "arn:aws:kms:eu-central-1:111122223333:key/other" }), check.Fail, []string{`encrypted with "arn:aws:kms:eu-central-1:111122223333:key/other", not the stack's DR key`}},
		{"older than the RPO", setBackup(func(b map[string]any) { obj(b, "RestoreWindow")["LatestTime"] = "2026-11-25T10:59:00Z" }), check.Fail, []string{"latest restorable time 2026-11-25T10:59:00Z is 1h1m0s behind, beyond the RPO target of 1h0m0s"}},
		{"no restore window", setBackup(func(b map[string]any) { delete(b, "RestoreWindow") }), check.Fail, []string{"no restore window yet"}},
		{"another replication", setBackup(func(b map[string]any) {
			b["DBInstanceAutomatedBackupsArn"] = "arn:aws:rds:eu-central-1:111122223333:auto-backup:ab-OLD"
		}), check.Fail, []string{"with the drBackupsArn output arn:aws:rds:eu-central-1:111122223333:auto-backup:ab-5KQ3XH2MDFJ7RWPN6TVB4YCLZE", "not running"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "dr")
			if tc.edits != nil {
				dir = variant(t, "dr", tc.edits)
			}
			rep := verifyDR(t, dir)
			want := append(slices.Clone(AllChecks), CheckDRBackups)
			var got []string
			for _, r := range rep.Checks {
				got = append(got, r.Name)
				if r.Name != CheckDRBackups && r.Status != check.Pass {
					t.Errorf("%s", check.Line(r))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("checks %v, want %v", got, want)
			}
			if s := statuses(rep)[CheckDRBackups]; s != tc.status {
				t.Errorf("dr-backups %s, want %s: %s", s, tc.status, detail(rep, CheckDRBackups))
			}
			for _, s := range tc.details {
				if d := detail(rep, CheckDRBackups); !strings.Contains(d, s) {
					t.Errorf("dr-backups detail %q lacks %q", d, s)
				}
			}
		})
	}
}

// TestDRBackupsNotFound: the recovery region answering that it has no
// automated backups of the source fails the check.
func TestDRBackupsNotFound(t *testing.T) {
	dir := variant(t, "dr", nil)
	if err := os.Remove(filepath.Join(dir, "describe-db-instance-automated-backups.json")); err != nil {
		t.Fatal(err)
	}
	notFound := `{"Code": "DBInstanceAutomatedBackupNotFound", "Message": "DBInstanceAutomatedBackup not found."}`
	if err := os.WriteFile(filepath.Join(dir, "describe-db-instance-automated-backups.error.json"), []byte(notFound), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := verifyDR(t, dir)
	if s, d := statuses(rep)[CheckDRBackups], detail(rep, CheckDRBackups); s != check.Fail || !strings.Contains(d, "no automated backups of orders-staging-5e1f0a9c (resource db-7QXKD2M4HBVN3Y5ZJ6RTAE4WLU) in eu-central-1") {
		t.Errorf("dr-backups %s: %s", s, d)
	}
}

// TestNoDRNoCheck: without a drRegion output the check does not run,
// and no recovery region is asked.
func TestNoDRNoCheck(t *testing.T) {
	rep, regions := verifyDRRegions(t, filepath.Join("testdata", "compliant"))
	if slices.Contains(regions, drTestRegion) {
		t.Errorf("verify asked for clients in %v, want the primary region only", regions)
	}
	for _, r := range rep.Checks {
		if r.Name == CheckDRBackups {
			t.Errorf("a stack without DR got %s", check.Line(r))
		}
	}
	if len(rep.Checks) != len(AllChecks) {
		t.Errorf("%d checks, want %d", len(rep.Checks), len(AllChecks))
	}
}
