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
			requireChecksPassBesideDR(t, rep, want)
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

// drStack is a copy of the dr scenario whose stack file has edit applied
// and whose dr* outputs are empty when noDROutputs is set (the outputs of
// a stack deployed without DR, as in the compliant scenario), with
// drRegion set to region when that is not empty.
func drStack(t *testing.T, edit func(yaml string) string, noDROutputs bool, region string) string {
	t.Helper()
	dir := variant(t, "dr", map[string]func(v any){"outputs.json": func(v any) {
		m := v.(map[string]any)
		for k := range m {
			if noDROutputs && strings.HasPrefix(k, "dr") {
				m[k] = ""
			}
		}
		if region != "" {
			m["drRegion"] = region
		}
	}})
	if edit != nil {
		file := filepath.Join(dir, "Pulumi.orders-staging.yaml")
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		edited := edit(string(data))
		if edited == string(data) {
			t.Fatal("the stack file edit changed nothing")
		}
		if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// withoutDR drops the database:dr block (the last lines of the dr
// scenario's stack file).
func withoutDR(yaml string) string {
	i := strings.Index(yaml, "  database:dr:\n")
	if i < 0 {
		return yaml
	}
	return yaml[:i]
}

// optedOut replaces the database:dr block with an opt-out.
func optedOut(yaml string) string {
	if !strings.Contains(yaml, "  database:dr:\n") {
		return yaml
	}
	return withoutDR(yaml) + "  database:drOptOut: the orders data is rebuilt from the event log\n"
}

// TestDRSpecDecides: the spec (database:dr, resolved from the stack file)
// decides whether the stack has DR, and the outputs are held to it. Spec
// and outputs naming the same recovery region get the replication check
// with the spec's RPO target; outputs that lack the spec's recovery region
// or name another, or that name one the spec has not (no database:dr, or
// an opt-out), fail dr-backups naming both sides, without asking any
// recovery region; a stack with neither has no dr-backups check and asks
// no second region, as a stack without a proxy has no proxy checks.
func TestDRSpecDecides(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  func(t *testing.T) string
		// status is dr-backups' status; empty: no dr-backups check.
		status  check.Status
		details []string
		// asked is the recovery region verify must ask for clients; empty:
		// it asks none.
		asked string
	}{
		{"spec and outputs agree: checked with the spec's RPO", func(*testing.T) string { return filepath.Join("testdata", "dr") }, check.Pass,
			[]string{"replicating to eu-central-1", "RPO target 1h0m0s"}, drTestRegion},
		{"spec and outputs agree: the target is the spec's rpoMinutes 15", func(t *testing.T) string {
			return drStack(t, func(y string) string { return strings.Replace(y, "rpoMinutes: 60", "rpoMinutes: 15", 1) }, false, "")
		}, check.Pass, []string{"RPO target 15m0s"}, drTestRegion},
		{"spec has DR, outputs lack it", func(t *testing.T) string { return drStack(t, nil, true, "") }, check.Fail,
			[]string{"config sets database:dr region eu-central-1", "drRegion output is empty", "a pulumi up of the stack declares them"}, ""},
		{"spec has DR, outputs name another region", func(t *testing.T) string { return drStack(t, nil, false, "us-east-1") }, check.Fail,
			[]string{"config sets database:dr region eu-central-1", "drRegion output names us-east-1", "a pulumi up of the stack"}, ""},
		{"spec has no DR, outputs have it", func(t *testing.T) string { return drStack(t, withoutDR, false, "") }, check.Fail,
			[]string{"config sets no database:dr", "drRegion output names eu-central-1", "stale deployment", "a pulumi up of the stack"}, ""},
		{"spec opts out, outputs have DR", func(t *testing.T) string { return drStack(t, optedOut, false, "") }, check.Fail,
			[]string{`opts out of DR (database:drOptOut "the orders data is rebuilt from the event log")`, "drRegion output names eu-central-1", "stale deployment"}, ""},
		{"neither has DR", func(*testing.T) string { return filepath.Join("testdata", "compliant") }, "", nil, ""},
		{"spec opts out, outputs have no DR", func(t *testing.T) string { return drStack(t, optedOut, true, "") }, "", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, regions := verifyDRRegions(t, tc.dir(t))
			want := slices.Clone(AllChecks)
			if tc.status != "" {
				want = append(want, CheckDRBackups)
			}
			requireChecksPassBesideDR(t, rep, want)
			if tc.status != "" {
				if s := statuses(rep)[CheckDRBackups]; s != tc.status {
					t.Errorf("dr-backups %s, want %s: %s", s, tc.status, detail(rep, CheckDRBackups))
				}
			}
			for _, s := range tc.details {
				if d := detail(rep, CheckDRBackups); !strings.Contains(d, s) {
					t.Errorf("dr-backups detail %q lacks %q", d, s)
				}
			}
			var others []string
			for _, r := range regions {
				if r != "eu-west-1" {
					others = append(others, r)
				}
			}
			switch {
			case tc.asked == "" && len(others) > 0:
				t.Errorf("verify asked for clients in %v, want the primary region only", regions)
			case tc.asked != "" && !slices.Equal(others, []string{tc.asked}):
				t.Errorf("verify asked for clients in %v, want eu-west-1 and %s", regions, tc.asked)
			}
		})
	}
}

// requireChecksPassBesideDR requires the report to hold exactly the checks
// want, in that order, each passing but dr-backups, whose status the
// caller checks.
func requireChecksPassBesideDR(t *testing.T, rep StackReport, want []string) {
	t.Helper()
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
}
