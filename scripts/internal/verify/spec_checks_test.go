package verify

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// compliantInstance is the compliant recording's instance, its outputs and
// the spec dbspec.Resolve gives its stack file.
func compliantInstance(t *testing.T) (rdstypes.DBInstance, stackout.Database, Expect) {
	t.Helper()
	dir := filepath.Join("testdata", "compliant")
	tg := loadTarget(t, dir)
	exp, err := Expectations(tg.Stack)
	if err != nil {
		t.Fatal(err)
	}
	out, err := recorded.New(dir).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: new(tg.Outputs.InstanceIdentifier)})
	if err != nil || len(out.DBInstances) != 1 {
		t.Fatalf("describe the recorded instance: %v", err)
	}
	return out.DBInstances[0], tg.Outputs, exp
}

// Each instance setting is held to the spec's value: the live instance of
// the compliant recording passes, and a spec asking for something else
// makes the same instance fail (so the expectation comes from the spec,
// not from a floor of verify's own).
func TestInstanceSettingsAgainstTheSpec(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(inst *rdstypes.DBInstance, exp *Expect)
		run     func(rdstypes.DBInstance, stackout.Database, Expect) check.Result
		want    check.Status
		details []string
	}{
		{"compliant engine", nil, eng, check.Pass, []string{"postgres 16.4, major 16"}},
		{"another major in the spec", func(_ *rdstypes.DBInstance, e *Expect) { e.Instance.EngineVersion = "17" }, eng, check.Fail, []string{"runs major 16, the stack's spec sets major 17"}},
		{"an upgrade to the spec's major waiting for the window is pending", func(i *rdstypes.DBInstance, e *Expect) {
			e.Instance.EngineVersion = "17"
			i.PendingModifiedValues = &rdstypes.PendingModifiedValues{EngineVersion: new("17.2")}
		}, eng, check.Pass, []string{"upgrade to 17.2", "pending"}},
		{"compliant monitoring", nil, mon, check.Pass, []string{"every 60 seconds"}},
		{"another monitoring interval in the spec", func(_ *rdstypes.DBInstance, e *Expect) { e.Instance.MonitoringInterval = 15 }, mon, check.Fail, []string{"interval is 60 seconds, the stack's spec sets 15"}},
		{"compliant CA", nil, ca, check.Pass, []string{"rds-ca-rsa2048-g1"}},
		{"another CA in the spec", func(_ *rdstypes.DBInstance, e *Expect) { e.Instance.CACertIdentifier = "rds-ca-ecc384-g1" }, ca, check.Fail, []string{"signed by rds-ca-rsa2048-g1, the stack's spec sets rds-ca-ecc384-g1"}},
		{"a CA rotation to the spec's waiting for the window is pending", func(i *rdstypes.DBInstance, e *Expect) {
			e.Instance.CACertIdentifier = "rds-ca-ecc384-g1"
			i.PendingModifiedValues = &rdstypes.PendingModifiedValues{CACertificateIdentifier: new("rds-ca-ecc384-g1")}
		}, ca, check.Pass, []string{"pending"}},
		{"compliant Performance Insights", nil, pi, check.Pass, []string{"7 days"}},
		{"another PI retention in the spec", func(_ *rdstypes.DBInstance, e *Expect) { e.Instance.PerformanceInsightsRetentionDays = 31 }, pi, check.Fail, []string{"keeps 7 days, the stack's spec sets 31"}},
		{"compliant log exports", nil, logs, check.Pass, []string{"postgresql, upgrade"}},
		{"a log export the spec lacks", func(i *rdstypes.DBInstance, _ *Expect) {
			i.EnabledCloudwatchLogsExports = append(i.EnabledCloudwatchLogsExports, "iam-db-auth-error")
		}, logs, check.Fail, []string{"not in the stack's spec: iam-db-auth-error"}},
		{"a log export the spec has and the instance lacks", func(_ *rdstypes.DBInstance, e *Expect) {
			e.Instance.LogExports = append(append([]string(nil), e.Instance.LogExports...), "iam-db-auth-error")
		}, logs, check.Fail, []string{"missing iam-db-auth-error"}},
		{"IAM auth off against the spec", func(i *rdstypes.DBInstance, _ *Expect) { i.IAMDatabaseAuthenticationEnabled = new(false) }, iam, check.Fail, []string{"is off"}},
		{"storage key other than the one the spec names", func(_ *rdstypes.DBInstance, e *Expect) {
			e.Instance.KmsKeyID = "arn:aws:kms:eu-west-1:111122223333:key/0000"
		}, enc, check.Fail, []string{"not the stack's key arn:aws:kms:eu-west-1:111122223333:key/0000"}},
		{"storage key named by id in the spec", func(_ *rdstypes.DBInstance, e *Expect) {
			e.Instance.KmsKeyID = "3f0c2b1e-7d4a-4c57-9a61-2b8e5c0d9f14"
		}, enc, check.Pass, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst, out, exp := compliantInstance(t)
			if tc.edit != nil {
				tc.edit(&inst, &exp)
			}
			checkResult(t, tc.run(inst, out, exp), tc.want, tc.details...)
		})
	}
}

func eng(i rdstypes.DBInstance, _ stackout.Database, e Expect) check.Result {
	return checkEngine(instanceSettings(i), e)
}
func mon(i rdstypes.DBInstance, _ stackout.Database, e Expect) check.Result {
	return checkMonitoring(instanceSettings(i), e)
}
func ca(i rdstypes.DBInstance, _ stackout.Database, e Expect) check.Result {
	return checkCACertificate(instanceSettings(i), e)
}
func pi(i rdstypes.DBInstance, o stackout.Database, e Expect) check.Result {
	return checkPerformanceInsights(instanceSettings(i), o, e)
}
func logs(i rdstypes.DBInstance, _ stackout.Database, e Expect) check.Result {
	return checkLogExports(instanceSettings(i), e)
}
func iam(i rdstypes.DBInstance, _ stackout.Database, e Expect) check.Result {
	return checkIAMAuth(instanceSettings(i), e)
}
func enc(i rdstypes.DBInstance, o stackout.Database, e Expect) check.Result {
	return checkEncryption(instanceSettings(i), o, e)
}
