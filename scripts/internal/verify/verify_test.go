package verify

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
	"github.com/pgplatform/platform/shared/stacks"
)

// recordedAt is the clock of the recordings in testdata.
var recordedAt = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

type fakePinger struct {
	err   error
	calls []Endpoint
}

func (p *fakePinger) Ping(_ context.Context, ep Endpoint) error {
	p.calls = append(p.calls, ep)
	return p.err
}

// loadTarget builds the target of a testdata scenario the way the command
// does: the stack file, the outputs files through stackout.
func loadTarget(t *testing.T, dir string) Target {
	t.Helper()
	st, err := stacks.Load("database", filepath.Join(dir, "Pulumi.orders-staging.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	src := stackout.Files{
		stackout.Key("database", "orders-staging"): filepath.Join(dir, "outputs.json"),
		stackout.Key("network", "staging"):         filepath.Join(dir, "network-outputs.json"),
	}
	tg := Target{Stack: st}
	tg.Outputs, tg.OutputsErr = stackout.ReadDatabase(context.Background(), src, st.Name)
	n, err := stackout.ReadNetwork(context.Background(), src, stackout.NetworkStack(st.Config, st.Environment))
	if err != nil {
		tg.NetworkErr = err
	} else {
		tg.Network = &n
	}
	return tg
}

func newVerifier(rec *recorded.API, db Pinger) *Verifier {
	return &Verifier{
		AWS: func(_ context.Context, region string) (RDS, EC2, error) {
			if region != "eu-west-1" {
				return nil, nil, fmt.Errorf("fake has no clients for region %s", region)
			}
			return rec, rec, nil
		},
		DB:  db,
		Now: func() time.Time { return recordedAt },
	}
}

func statuses(rep StackReport) map[string]check.Status {
	m := map[string]check.Status{}
	for _, r := range rep.Checks {
		m[r.Name] = r.Status
	}
	return m
}

func detail(rep StackReport, name string) string {
	for _, r := range rep.Checks {
		if r.Name == name {
			return r.Detail
		}
	}
	return ""
}

// allPassExcept is a full expectation: every check passes except those
// named.
func allPassExcept(others map[string]check.Status) map[string]check.Status {
	m := map[string]check.Status{}
	for _, n := range AllChecks {
		m[n] = check.Pass
	}
	for k, v := range others {
		m[k] = v
	}
	return m
}

func TestRecordedScenarios(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		want     map[string]check.Status
		// details are substrings each named check's detail must hold.
		details map[string][]string
		exit    int
	}{
		{
			scenario: "compliant",
			want:     allPassExcept(nil),
			details: map[string][]string{
				CheckMultiAZ:  {"primary eu-west-1b, standby eu-west-1c"},
				CheckForceSSL: {"rds.force_ssl=1"},
			},
			exit: check.ExitOK,
		},
		{
			scenario: "drifted-multi-az",
			want:     allPassExcept(map[string]check.Status{CheckMultiAZ: check.Fail}),
			details:  map[string][]string{CheckMultiAZ: {"Multi-AZ is off", "tier staging requires a standby"}},
			exit:     check.ExitFail,
		},
		{
			scenario: "drifted-console",
			want: allPassExcept(map[string]check.Status{
				CheckEncryption:         check.Fail,
				CheckNotPublic:          check.Fail,
				CheckBackupRetention:    check.Fail,
				CheckRestorable:         check.Fail,
				CheckDeletionProtection: check.Fail,
				CheckIAMAuth:            check.Fail,
				CheckPerformanceInsight: check.Fail,
				CheckLogExports:         check.Fail,
				CheckForceSSL:           check.Fail,
				CheckParameters:         check.Fail,
				CheckPendingReboot:      check.Fail,
				CheckSecurityGroup:      check.Fail,
			}),
			details: map[string][]string{
				CheckEncryption:         {"aws-rds-default-0000", "not the stack's key"},
				CheckBackupRetention:    {"kept 1 days, want at least 7"},
				CheckRestorable:         {"4h48m0s old"},
				CheckLogExports:         {"missing upgrade"},
				CheckForceSSL:           {`rds.force_ssl is "0"`},
				CheckParameters:         {`rds.force_ssl is "0" (source user), the spec sets "1"`},
				CheckPendingReboot:      {"since 2026-11-22T16:20:05Z", "longer than 24h0m0s"},
				CheckSecurityGroup:      {"0.0.0.0/0", "whole internet", "::/0", "TCP ports 0-65535", "sg-0ffeeffeeffeeffee is attached", "172.16.4.0/24, which is neither"},
				CheckDeletionProtection: {"tier staging"},
			},
			exit: check.ExitFail,
		},
		{
			scenario: "half-created",
			want: allPassExcept(map[string]check.Status{
				CheckInstance:   check.Fail,
				CheckMultiAZ:    check.Unknown,
				CheckRestorable: check.Unknown,
				CheckConnect:    check.Unknown,
			}),
			details: map[string][]string{
				CheckInstance: {"status is creating"},
				CheckMultiAZ:  {"no standby AZ yet"},
				CheckConnect:  {"not tried: the instance is creating"},
			},
			exit: check.ExitFail,
		},
		{
			scenario: "deleted",
			want: func() map[string]check.Status {
				m := map[string]check.Status{CheckConfig: check.Pass, CheckOutputs: check.Pass, CheckInstance: check.Fail}
				for _, n := range AllChecks[3:] {
					m[n] = check.Unknown
				}
				return m
			}(),
			details: map[string][]string{
				CheckInstance: {"orders-staging-5e1f0a9c", "does not exist"},
				CheckConnect:  {"not checked: the instance does not exist"},
			},
			exit: check.ExitFail,
		},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			dir := filepath.Join("testdata", tc.scenario)
			rec := recorded.New(dir)
			db := &fakePinger{}
			rep := newVerifier(rec, db).Verify(context.Background(), loadTarget(t, dir))

			if len(rep.Checks) != len(AllChecks) {
				t.Errorf("%d results, want one per check (%d)", len(rep.Checks), len(AllChecks))
			}
			for i, r := range rep.Checks {
				if i < len(AllChecks) && r.Name != AllChecks[i] {
					t.Errorf("result %d is %s, want %s (checks report in a fixed order)", i, r.Name, AllChecks[i])
				}
				if r.Stack != "orders-staging" {
					t.Errorf("result %s has stack %q", r.Name, r.Stack)
				}
			}
			got := statuses(rep)
			for name, want := range tc.want {
				if got[name] != want {
					t.Errorf("%s: %s (%s), want %s", name, got[name], detail(rep, name), want)
				}
			}
			for name, subs := range tc.details {
				d := detail(rep, name)
				for _, s := range subs {
					if !strings.Contains(d, s) {
						t.Errorf("%s detail %q lacks %q", name, d, s)
					}
				}
			}
			if code := check.ExitCode(rep.Checks); code != tc.exit {
				t.Errorf("exit code %d, want %d", code, tc.exit)
			}
			if t.Failed() {
				for _, r := range rep.Checks {
					t.Log(check.Line(r))
				}
			}
		})
	}
}

// The connection check logs in as verify's own role, never as the master
// user the outputs name (orders_admin in the recordings).
func TestConnectUsesOutputsAndTheVerifyRole(t *testing.T) {
	dir := filepath.Join("testdata", "compliant")
	db := &fakePinger{}
	rep := newVerifier(recorded.New(dir), db).Verify(context.Background(), loadTarget(t, dir))
	if len(db.calls) != 1 {
		t.Fatalf("%d connection attempts, want 1", len(db.calls))
	}
	ep := db.calls[0]
	if ep.Host != "orders-staging-5e1f0a9c.c9akciq32.eu-west-1.rds.amazonaws.com" || ep.Port != 5432 || ep.Database != "orders" ||
		ep.User != "pgplatform_verify" || ep.Region != "eu-west-1" {
		t.Errorf("connected to %+v, want the outputs' endpoint as pgplatform_verify", ep)
	}
	if d := detail(rep, CheckConnect); !strings.Contains(d, "as pgplatform_verify with an IAM token") {
		t.Errorf("connect detail %q does not name the role and the IAM token", d)
	}
}

func TestConnectFailureFails(t *testing.T) {
	dir := filepath.Join("testdata", "compliant")
	db := &fakePinger{err: errors.New("x509: certificate is valid for other.example, not orders-staging")}
	rep := newVerifier(recorded.New(dir), db).Verify(context.Background(), loadTarget(t, dir))
	if s := statuses(rep)[CheckConnect]; s != check.Fail {
		t.Fatalf("connect = %s, want fail", s)
	}
	if d := detail(rep, CheckConnect); !strings.Contains(d, "x509") {
		t.Errorf("detail %q does not carry the connection error", d)
	}
}

// Parameters come in pages: rds.force_ssl is on the second page of the
// recording, so a reader that stops after one page fails this test.
func TestForceSSLReadsEveryPage(t *testing.T) {
	dir := filepath.Join("testdata", "compliant")
	rec := recorded.New(dir)
	rep := newVerifier(rec, &fakePinger{}).Verify(context.Background(), loadTarget(t, dir))
	if s := statuses(rep)[CheckForceSSL]; s != check.Pass {
		t.Fatalf("force-ssl = %s: %s", s, detail(rep, CheckForceSSL))
	}
	if n := len(rec.Calls("describe-db-parameters")); n != 2 {
		t.Errorf("%d DescribeDBParameters calls, want 2 (two pages)", n)
	}
}

func TestPendingRebootWithinLimitPasses(t *testing.T) {
	dir := filepath.Join("testdata", "drifted-console")
	v := newVerifier(recorded.New(dir), &fakePinger{})
	v.MaxPendingReboot = 7 * 24 * time.Hour
	rep := v.Verify(context.Background(), loadTarget(t, dir))
	if s := statuses(rep)[CheckPendingReboot]; s != check.Pass {
		t.Fatalf("pending-reboot = %s (%s), want pass with a 7-day limit", s, detail(rep, CheckPendingReboot))
	}
	if d := detail(rep, CheckPendingReboot); !strings.Contains(d, "2026-11-22T16:20:05Z") {
		t.Errorf("detail %q does not say since when", d)
	}
}

func TestWithoutNetworkStackCannotTell(t *testing.T) {
	dir := filepath.Join("testdata", "compliant")
	tg := loadTarget(t, dir)
	tg.Network, tg.NetworkErr = nil, errors.New("no outputs file was given for network stack \"staging\"")
	rep := newVerifier(recorded.New(dir), &fakePinger{}).Verify(context.Background(), tg)
	got := statuses(rep)
	for _, name := range []string{CheckSecurityGroup, CheckSubnetGroup} {
		if got[name] != check.Unknown {
			t.Errorf("%s = %s (%s), want unknown without the network stack", name, got[name], detail(rep, name))
		}
		if !strings.Contains(detail(rep, name), "network stack") {
			t.Errorf("%s detail %q does not say why", name, detail(rep, name))
		}
	}
	if check.ExitCode(rep.Checks) != check.ExitUnknown {
		t.Errorf("exit %d, want %d", check.ExitCode(rep.Checks), check.ExitUnknown)
	}
}

// Even without the network stack, an ingress from anywhere is a failure.
func TestWithoutNetworkStackOpenIngressStillFails(t *testing.T) {
	dir := filepath.Join("testdata", "drifted-console")
	tg := loadTarget(t, dir)
	tg.Network, tg.NetworkErr = nil, errors.New("backend unreachable")
	rep := newVerifier(recorded.New(dir), &fakePinger{}).Verify(context.Background(), tg)
	if s := statuses(rep)[CheckSecurityGroup]; s != check.Fail {
		t.Fatalf("security-group = %s, want fail", s)
	}
}

func TestOutputsErrorStopsEarly(t *testing.T) {
	dir := filepath.Join("testdata", "compliant")
	tg := loadTarget(t, dir)
	tg.OutputsErr = errors.New("database stack orders-staging is missing output(s) instanceIdentifier")
	rec := recorded.New(dir)
	rep := newVerifier(rec, &fakePinger{}).Verify(context.Background(), tg)
	got := statuses(rep)
	if got[CheckOutputs] != check.Fail {
		t.Errorf("outputs = %s, want fail", got[CheckOutputs])
	}
	if got[CheckMultiAZ] != check.Unknown || !strings.Contains(detail(rep, CheckMultiAZ), "no stack outputs") {
		t.Errorf("multi-az = %s %q, want unknown for lack of outputs", got[CheckMultiAZ], detail(rep, CheckMultiAZ))
	}
	if len(rec.Calls("")) != 0 {
		t.Errorf("AWS was called without outputs: %v", rec.Calls(""))
	}
}

func TestOutputsOfAnotherStackFail(t *testing.T) {
	dir := filepath.Join("testdata", "compliant")
	tg := loadTarget(t, dir)
	tg.Outputs.Environment, tg.Outputs.Tier = "prod", "prod"
	rep := newVerifier(recorded.New(dir), &fakePinger{}).Verify(context.Background(), tg)
	if s := statuses(rep)[CheckOutputs]; s != check.Fail {
		t.Fatalf("outputs = %s, want fail", s)
	}
	if d := detail(rep, CheckOutputs); !strings.Contains(d, `environment output is "prod"`) {
		t.Errorf("detail %q", d)
	}
}

func TestReplacedInstanceFails(t *testing.T) {
	dir := filepath.Join("testdata", "compliant")
	tg := loadTarget(t, dir)
	tg.Outputs.ResourceID = "db-OLDINCARNATION"
	rep := newVerifier(recorded.New(dir), &fakePinger{}).Verify(context.Background(), tg)
	if s := statuses(rep)[CheckInstance]; s != check.Fail || !strings.Contains(detail(rep, CheckInstance), "replaced outside Pulumi") {
		t.Errorf("instance = %s %q", s, detail(rep, CheckInstance))
	}
}

func TestMissingExpectedIngressFails(t *testing.T) {
	dir := filepath.Join("testdata", "compliant")
	tg := loadTarget(t, dir)
	n := *tg.Network
	n.AppSubnetCidrs = append([]string{"10.30.48.0/20"}, n.AppSubnetCidrs...)
	tg.Network = &n
	rep := newVerifier(recorded.New(dir), &fakePinger{}).Verify(context.Background(), tg)
	if s := statuses(rep)[CheckSecurityGroup]; s != check.Fail {
		t.Fatalf("security-group = %s, want fail", s)
	}
	if d := detail(rep, CheckSecurityGroup); !strings.Contains(d, "no rule admits 10.30.48.0/20 (an application subnet)") {
		t.Errorf("detail %q", d)
	}
}

func TestAWSClientErrorIsUnknown(t *testing.T) {
	dir := filepath.Join("testdata", "compliant")
	v := newVerifier(recorded.New(dir), &fakePinger{})
	v.AWS = func(context.Context, string) (RDS, EC2, error) { return nil, nil, errors.New("no credentials") }
	rep := v.Verify(context.Background(), loadTarget(t, dir))
	got := statuses(rep)
	if got[CheckInstance] != check.Unknown || !strings.Contains(detail(rep, CheckInstance), "no credentials") {
		t.Errorf("instance = %s %q", got[CheckInstance], detail(rep, CheckInstance))
	}
	if check.ExitCode(rep.Checks) != check.ExitUnknown {
		t.Errorf("exit %d", check.ExitCode(rep.Checks))
	}
}
