package restorecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/restore"
	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

const (
	drKey         = "arn:aws:kms:eu-central-1:111122223333:key/9d2e7c41-dr"
	drSG          = "sg-0dr1e2f3a4b5c6d7e"
	drSubnetGroup = "orders-staging-dr-subnets-1a2b3c4"
	// drParameterGroup is the stack's DB parameter group in the DR region
	// (drParameterGroupName).
	drParameterGroup = "orders-staging-dr-params-postgres16-5d6e7f8"
)

func drArgs(root string, extra ...string) []string {
	return append([]string{"--env", "staging", "--stack", "orders-staging",
		"--outputs", filepath.Join(root, "outputs-staging-dr.json"), "--ca-bundle", filepath.Join(root, "ca.pem"),
		"--region", "eu-central-1", "--subnet-group", "orders-staging-dr-subnets", "--security-group", drSG, "--kms-key", drKey}, extra...)
}

func TestDRUsageErrors(t *testing.T) {
	root := repo(t)
	ca := filepath.Join(root, "ca.pem")
	out := filepath.Join(root, "outputs-staging-dr.json")
	base := []string{"--env", "staging", "--stack", "orders-staging", "--ca-bundle", ca, "--outputs", out}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	withOutputs := func(file string, extra ...string) []string {
		return append([]string{"--env", "staging", "--stack", "orders-staging", "--ca-bundle", ca, "--outputs", filepath.Join(root, file)}, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"region without a security group", with("--region", "eu-central-1"), "--region eu-central-1 needs --security-group: "},
		{"outputs without the DR subnet group", withOutputs("outputs-staging-dr-before.json", "--region", "eu-central-1", "--security-group", drSG),
			"--region eu-central-1 needs --subnet-group: the recovery network's DB subnet group and security group to restore into, and the key of the replicated backups in eu-central-1; --subnet-group and --kms-key default to the stack's drSubnetGroupName and drKmsKeyArn outputs, which the outputs of orders-staging leave empty"},
		{"a region other than the stack's drRegion", with("--region", "us-east-1", "--security-group", drSG),
			`--region us-east-1: the outputs of orders-staging say drRegion "eu-central-1": the stack replicates its backups to eu-central-1`},
		{"a stack without DR", withOutputs("outputs-staging.json", "--region", "eu-central-1", "--security-group", drSG, "--subnet-group", "g", "--kms-key", drKey),
			`--region eu-central-1: the outputs of orders-staging say drRegion "": the stack replicates its backups to no other region`},
		{"network flags without region", with("--subnet-group", "g", "--security-group", drSG, "--kms-key", drKey), "pass --region too"},
		{"not a region", with("--region", "Frankfurt", "--subnet-group", "g", "--security-group", drSG, "--kms-key", drKey), `--region "Frankfurt": an AWS region such as eu-central-1`},
		{"the stack's own region", with("--region", "eu-west-1", "--subnet-group", "g", "--security-group", drSG, "--kms-key", "arn:aws:kms:eu-west-1:111122223333:key/k"), "--region eu-west-1 is the stack's own region"},
		{"key of another region", with("--region", "eu-central-1", "--subnet-group", "g", "--security-group", drSG, "--kms-key", "arn:aws:kms:eu-west-1:111122223333:key/k"), "is a key in eu-west-1, not in --region eu-central-1"},
		{"key alias", with("--region", "eu-central-1", "--subnet-group", "g", "--security-group", drSG, "--kms-key", "alias/pgp/orders-staging-dr"), `--kms-key "alias/pgp/orders-staging-dr": the ARN of a KMS key`},
		{"outputs without the DR parameter group", withOutputs("outputs-staging-dr-no-params.json", "--region", "eu-central-1", "--security-group", drSG),
			`--region eu-central-1 needs --parameter-group: the outputs of orders-staging have drRegion "eu-central-1" but drParameterGroupName is empty`},
		{"parameter group without region", with("--parameter-group", "p"), "pass --region too"},
		{"not a security group", with("--region", "eu-central-1", "--subnet-group", "g", "--security-group", "default", "--kms-key", drKey), `--security-group "default": security group ids`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &goneRDS{}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, testDepsDR(root, map[string]restore.BackupsRDS{"eu-west-1": api, "eu-central-1": api}, &stdout, &stderr))
			if code != check.ExitUsage {
				t.Errorf("exit %d, want %d", code, check.ExitUsage)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
			if len(api.describedInstances) != 0 || api.listed != 0 {
				t.Errorf("AWS called on bad usage: %v", api.describedInstances)
			}
		})
	}
}

// sourceRDS is the primary region with the stack's instance in it.
type sourceRDS struct{ goneRDS }

func (s *sourceRDS) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	if in.DBInstanceIdentifier == nil || *in.DBInstanceIdentifier != "orders-staging-5e1f0a9c" {
		return s.goneRDS.DescribeDBInstances(context.Background(), in)
	}
	s.mu.Lock()
	s.describedInstances = append(s.describedInstances, *in.DBInstanceIdentifier)
	s.mu.Unlock()
	return &rds.DescribeDBInstancesOutput{DBInstances: []rdstypes.DBInstance{{
		DBInstanceIdentifier:  new("orders-staging-5e1f0a9c"),
		DBInstanceArn:         new("arn:aws:rds:eu-west-1:111122223333:db:orders-staging-5e1f0a9c"),
		DbiResourceId:         new("db-7QXKD2M4HBVN3Y5ZJ6RTAE4WLU"),
		DBInstanceStatus:      new("available"),
		DBInstanceClass:       new("db.r6g.large"),
		BackupRetentionPeriod: new(int32(7)),
		DBSubnetGroup:         &rdstypes.DBSubnetGroup{DBSubnetGroupName: new("orders-staging-subnets")},
		VpcSecurityGroups:     []rdstypes.VpcSecurityGroupMembership{{VpcSecurityGroupId: new("sg-0c1d2e3f4a5b6c7d8")}},
	}}}, nil
}

// A DR drill of a stack whose backups are not replicated to the region
// fails at the replication check, naming what to enable, before it
// writes a marker; the report says so.
func TestDRRunWithoutReplication(t *testing.T) {
	root := repo(t)
	primary := &sourceRDS{}
	backups := recorded.New(filepath.Join("..", "testdata", "dr", "not-replicated"))
	dr := &goneRDS{backups: func(in *rds.DescribeDBInstanceAutomatedBackupsInput) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error) {
		return backups.DescribeDBInstanceAutomatedBackups(context.Background(), in)
	}}
	var stdout, stderr bytes.Buffer
	reportFile := filepath.Join(t.TempDir(), "drill.json")
	code := run(context.Background(), drArgs(root, "--report", reportFile), testDepsDR(root, map[string]restore.BackupsRDS{"eu-west-1": primary, "eu-central-1": dr}, &stdout, &stderr))
	if code != check.ExitFail {
		t.Errorf("exit %d, want %d\n%s\n%s", code, check.ExitFail, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"PASS    orders-staging     source",
		"FAIL    orders-staging     replication",
		"automated backup replication to eu-central-1 is not enabled for orders-staging-5e1f0a9c",
		"PASS    orders-staging     cleanup                nothing to delete",
		"restore-drill orders-staging: no restore in eu-central-1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if len(backups.Calls("describe-db-instance-automated-backups")) == 0 {
		t.Error("the replicated backups were not looked up in the DR region")
	}
	if primary.restores+dr.restores+primary.deletes+dr.deletes != 0 {
		t.Error("restored or deleted without replicated backups")
	}
	data, err := os.ReadFile(reportFile)
	if err != nil {
		t.Fatal(err)
	}
	var rep restore.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Region != "eu-west-1" || rep.RecoveryRegion != "eu-central-1" || len(rep.Checks) != len(restore.DRChecks) || !rep.Deleted {
		t.Errorf("report %s", data)
	}
}

// TestDRDefaultsFromOutputs: with only --region and --security-group, the
// drill restores into the stack's drSubnetGroupName under its drKmsKeyArn
// and says so; a --subnet-group and --kms-key given explicitly win. The
// recorded replication is under another key, so the drill stops at the
// replication check naming the key it holds the backups to.
func TestDRDefaultsFromOutputs(t *testing.T) {
	const otherKey = "arn:aws:kms:eu-central-1:111122223333:key/0a1b2c3d-given"
	for _, tc := range []struct {
		name        string
		extra       []string
		key         string
		fromOutputs string
	}{
		{"defaults", nil, drKey, "restore-drill: restoring in eu-central-1 with subnet group " + drSubnetGroup + " (drSubnetGroupName), parameter group " + drParameterGroup + " (drParameterGroupName) and key " + drKey + " (drKmsKeyArn) from the outputs of orders-staging"},
		{"the key given", []string{"--kms-key", otherKey}, otherKey, "restore-drill: restoring in eu-central-1 with subnet group " + drSubnetGroup + " (drSubnetGroupName) and parameter group " + drParameterGroup + " (drParameterGroupName) from the outputs of orders-staging"},
		{"all given", []string{"--kms-key", otherKey, "--subnet-group", "given-subnets", "--parameter-group", "given-params"}, otherKey, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := repo(t)
			backups := recorded.New(filepath.Join("..", "testdata", "dr", "other-key"))
			dr := &goneRDS{backups: func(in *rds.DescribeDBInstanceAutomatedBackupsInput) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error) {
				return backups.DescribeDBInstanceAutomatedBackups(context.Background(), in)
			}}
			args := append([]string{"--env", "staging", "--stack", "orders-staging", "--ca-bundle", filepath.Join(root, "ca.pem"),
				"--outputs", filepath.Join(root, "outputs-staging-dr.json"), "--region", "eu-central-1", "--security-group", drSG}, tc.extra...)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, testDepsDR(root, map[string]restore.BackupsRDS{"eu-west-1": &sourceRDS{}, "eu-central-1": dr}, &stdout, &stderr))
			if code != check.ExitFail {
				t.Errorf("exit %d, want %d\n%s\n%s", code, check.ExitFail, stdout.String(), stderr.String())
			}
			if want := "are not under the DR key --kms-key " + tc.key + " "; !strings.Contains(stdout.String(), want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
			}
			switch {
			case tc.fromOutputs == "" && strings.Contains(stderr.String(), "from the outputs of"):
				t.Errorf("stderr says a default was taken with every flag given:\n%s", stderr.String())
			case tc.fromOutputs != "" && !strings.Contains(stderr.String(), tc.fromOutputs+"\n"):
				t.Errorf("stderr lacks %q:\n%s", tc.fromOutputs, stderr.String())
			}
			if dr.restores != 0 {
				t.Error("restored from backups under another key")
			}
		})
	}

	// Under the stack's own key the drill reaches the restore: the request
	// RDS receives in the DR region names the subnet group and the
	// parameter group the outputs gave, or the ones given as flags.
	for _, tc := range []struct {
		name           string
		extra          []string
		subnets, param string
	}{
		{"the defaults reach the restore", nil, drSubnetGroup, drParameterGroup},
		{"the given groups reach the restore", []string{"--subnet-group", "given-subnets", "--parameter-group", "given-params"}, "given-subnets", "given-params"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := repo(t)
			backups := recorded.New(filepath.Join("..", "testdata", "dr", "replicating"))
			dr := &restoringRDS{goneRDS: goneRDS{backups: func(in *rds.DescribeDBInstanceAutomatedBackupsInput) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error) {
				return backups.DescribeDBInstanceAutomatedBackups(context.Background(), in)
			}}}
			args := append([]string{"--env", "staging", "--stack", "orders-staging", "--ca-bundle", filepath.Join(root, "ca.pem"),
				"--outputs", filepath.Join(root, "outputs-staging-dr.json"), "--region", "eu-central-1", "--security-group", drSG}, tc.extra...)
			var stdout, stderr bytes.Buffer
			d := testDepsDR(root, map[string]restore.BackupsRDS{"eu-west-1": &sourceRDS{}, "eu-central-1": dr}, &stdout, &stderr)
			// The source's server clock, before the end of the recorded
			// restore window, so the replicated backups are restorable
			// past the second marker at once.
			clock := &clockMarkers{t: time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)}
			d.connect = func(context.Context, restore.Endpoint) (restore.Markers, error) { return clock, nil }
			// The drill's own clock moves with its sleeps, so its waits
			// (for a refused restore's instance to appear) end at once.
			now := time.Date(2026, 11, 29, 2, 0, 0, 0, time.UTC)
			d.now = func() time.Time { return now }
			d.sleep = func(_ context.Context, dt time.Duration) error { now = now.Add(dt); return nil }
			code := run(context.Background(), args, d)
			if code != check.ExitFail {
				t.Errorf("exit %d, want %d (the fake refuses the restore)\n%s\n%s", code, check.ExitFail, stdout.String(), stderr.String())
			}
			if len(dr.requests) != 1 {
				t.Fatalf("%d restore requests in eu-central-1, want 1\n%s\n%s", len(dr.requests), stdout.String(), stderr.String())
			}
			in := dr.requests[0]
			if got := deref(in.DBSubnetGroupName); got != tc.subnets {
				t.Errorf("restore request's DBSubnetGroupName %q, want %q", got, tc.subnets)
			}
			if got := deref(in.DBParameterGroupName); got != tc.param {
				t.Errorf("restore request's DBParameterGroupName %q, want %q (without it RDS uses the default parameter group)", got, tc.param)
			}
		})
	}
}

// restoringRDS is the DR region: it records each restore request and
// refuses it.
type restoringRDS struct {
	goneRDS
	requests []*rds.RestoreDBInstanceToPointInTimeInput
}

func (r *restoringRDS) RestoreDBInstanceToPointInTime(ctx context.Context, in *rds.RestoreDBInstanceToPointInTimeInput, o ...func(*rds.Options)) (*rds.RestoreDBInstanceToPointInTimeOutput, error) {
	r.requests = append(r.requests, in)
	return r.goneRDS.RestoreDBInstanceToPointInTime(ctx, in, o...)
}

// clockMarkers is a source database whose server clock moves a second on
// every read or write.
type clockMarkers struct{ t time.Time }

func (m *clockMarkers) Prepare(context.Context) error { return nil }
func (m *clockMarkers) Write(context.Context, string, string) (time.Time, error) {
	m.t = m.t.Add(time.Second)
	return m.t, nil
}
func (m *clockMarkers) Now(context.Context) (time.Time, error) {
	m.t = m.t.Add(time.Second)
	return m.t, nil
}
func (m *clockMarkers) Check(context.Context, string) (restore.DataCheck, error) {
	return restore.DataCheck{}, nil
}
func (m *clockMarkers) Close(context.Context) error { return nil }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// --sweep --region sweeps the DR region, not the primary, and needs no
// recovery network or key.
func TestDRSweepMode(t *testing.T) {
	root := repo(t)
	primary, dr := &goneRDS{}, &goneRDS{}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--env", "staging", "--stack", "orders-staging", "--ca-bundle", filepath.Join(root, "ca.pem"),
		"--outputs", filepath.Join(root, "outputs-staging.json"), "--sweep", "--region", "eu-central-1"},
		testDepsDR(root, map[string]restore.BackupsRDS{"eu-west-1": primary, "eu-central-1": dr}, &stdout, &stderr))
	if code != check.ExitOK || !strings.Contains(stdout.String(), "PASS    orders-staging     sweep                  no temporary instance of orders-staging-5e1f0a9c left behind") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if dr.listed == 0 || primary.listed != 0 {
		t.Errorf("listed the DR region %d times, the primary %d times; want the DR region only", dr.listed, primary.listed)
	}
	if primary.restores+dr.restores != 0 {
		t.Error("--sweep started a drill")
	}
}
