package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/stacks"
)

// servingStatuses are instance statuses in which the database serves
// traffic with its settings applied.
var servingStatuses = []string{"available", "backing-up", "storage-optimization"}

// instanceLive reports whether the instance has finished being created or
// modified, so the attributes RDS fills in late (standby AZ, endpoint,
// restorable time) must be there.
func instanceLive(inst rdstypes.DBInstance) bool {
	return slices.Contains(servingStatuses, deref(inst.DBInstanceStatus))
}

func checkOutputs(s stacks.Stack, out stackout.Database, exp Expect) check.Result {
	var bad []string
	if want := string(exp.Deployment); want != "" && out.Deployment != "" && out.Deployment != want {
		bad = append(bad, fmt.Sprintf("deployment output is %q, the stack's spec (database:deployment) says %q", out.Deployment, want))
	}
	if exp.Proxy.Enabled && out.ProxyEndpoint == "" {
		bad = append(bad, "the stack's spec (database:proxy) declares an RDS Proxy, but the proxyEndpoint output is empty")
	}
	if out.Environment != s.Environment {
		bad = append(bad, fmt.Sprintf("environment output is %q, the stack file says %q", out.Environment, s.Environment))
	}
	if out.Tier != s.Tier {
		bad = append(bad, fmt.Sprintf("tier output is %q, the stack file says %q", out.Tier, s.Tier))
	}
	if len(bad) > 0 {
		return check.Failf(CheckOutputs, "outputs of %s do not match its stack file: %s", s.Name, strings.Join(bad, "; "))
	}
	what := "instance " + out.InstanceIdentifier
	if isCluster(out) {
		what = "cluster " + out.ClusterIdentifier
	}
	if out.ProxyEndpoint != "" {
		what += ", proxy " + out.ProxyEndpoint
	}
	return check.Passf(CheckOutputs, "%s, endpoint %s:%d", what, out.Address, out.Port)
}

func checkInstance(inst rdstypes.DBInstance, out stackout.Database) check.Result {
	status := deref(inst.DBInstanceStatus)
	var bad []string
	if got := deref(inst.DbiResourceId); got != out.ResourceID {
		bad = append(bad, fmt.Sprintf("resource id %s is not the stack's %s (the instance was replaced outside Pulumi)", got, out.ResourceID))
	}
	if inst.Endpoint != nil {
		if got := deref(inst.Endpoint.Address); got != out.Address {
			bad = append(bad, fmt.Sprintf("endpoint %s is not the stack's address output %s", got, out.Address))
		}
		if got := int(deref(inst.Endpoint.Port)); got != out.Port {
			bad = append(bad, fmt.Sprintf("port %d is not the stack's port output %d", got, out.Port))
		}
	}
	if !instanceLive(inst) {
		bad = append(bad, fmt.Sprintf("status is %s, want one of %s (the deploy has not finished, or the instance is in trouble)", status, strings.Join(servingStatuses, ", ")))
	}
	if len(bad) > 0 {
		return check.Failf(CheckInstance, "%s: %s", deref(inst.DBInstanceIdentifier), strings.Join(bad, "; "))
	}
	return check.Passf(CheckInstance, "%s is %s (%s %s, %s)", deref(inst.DBInstanceIdentifier), status, deref(inst.Engine), deref(inst.EngineVersion), deref(inst.DBInstanceClass))
}

func checkMultiAZ(inst rdstypes.DBInstance, exp Expect, live bool) check.Result {
	on := deref(inst.MultiAZ)
	primary := deref(inst.AvailabilityZone)
	standby := deref(inst.SecondaryAvailabilityZone)
	pending := ""
	if p := inst.PendingModifiedValues; p != nil && p.MultiAZ != nil {
		pending = fmt.Sprintf(" (a change to Multi-AZ %t is pending)", *p.MultiAZ)
	}
	if !exp.MultiAZ {
		if on {
			return check.Passf(CheckMultiAZ, "Multi-AZ on (primary %s, standby %s); tier %s with database:multiAz false does not require it", primary, standby, exp.Tier)
		}
		return check.Passf(CheckMultiAZ, "single-AZ in %s, as database:multiAz false allows in tier %s%s", primary, exp.Tier, pending)
	}
	if !on {
		return check.Failf(CheckMultiAZ, "Multi-AZ is off (primary %s, no standby)%s: tier %s requires a standby in a second AZ; turned off outside Pulumi? run the deploy to restore it", primary, pending, exp.Tier)
	}
	status := deref(inst.DBInstanceStatus)
	switch {
	case standby == "" && !live:
		return check.Unknownf(CheckMultiAZ, "Multi-AZ on (primary %s), but RDS reports no standby AZ yet (status %s)", primary, status)
	case standby == "":
		return check.Failf(CheckMultiAZ, "Multi-AZ on (primary %s), but RDS reports no standby AZ although the instance is %s: there is no standby to fail over to", primary, status)
	case standby == primary:
		return check.Failf(CheckMultiAZ, "primary %s and standby %s are in the same AZ: an outage of that AZ takes both down", primary, standby)
	}
	return check.Passf(CheckMultiAZ, "Multi-AZ on: primary %s, standby %s", primary, standby)
}

func checkEncryption(inst settings, out stackout.Database, exp Expect) check.Result {
	key := deref(inst.KmsKeyId)
	if !exp.Instance.StorageEncrypted {
		return check.Passf(CheckEncryption, "the stack's spec does not ask for encrypted storage; RDS reports encrypted %t", deref(inst.StorageEncrypted))
	}
	want, named := keyOf(exp.Instance.KmsKeyID, out)
	switch {
	case !deref(inst.StorageEncrypted):
		return check.Failf(CheckEncryption, "storage is not encrypted")
	case named && !sameKey(key, want):
		return check.Failf(CheckEncryption, "storage is encrypted with %s, not the stack's key %s", orNone(key), want)
	}
	return check.Passf(CheckEncryption, "storage encrypted with the stack's key %s", key)
}

// keyOf is the key a spec's key reference names: the stack's own key
// (spec.StackKey) is the kmsKeyArn output; an empty reference names none
// (AWS uses its managed key), so named is false.
func keyOf(ref string, out stackout.Database) (key string, named bool) {
	switch ref {
	case spec.StackKey:
		return out.KmsKeyArn, true
	case "":
		return "", false
	}
	return ref, true
}

// sameKey reports whether the key ARN RDS reports is the one the spec
// names: that ARN, or its key id.
func sameKey(arn, want string) bool {
	return arn == want || (want != "" && strings.HasSuffix(arn, ":key/"+want))
}

func checkNotPublic(inst settings) check.Result {
	if inst.PubliclyAccessible == nil {
		return check.Unknownf(CheckNotPublic, "RDS did not report PubliclyAccessible")
	}
	if *inst.PubliclyAccessible {
		return check.Failf(CheckNotPublic, "the %s is publicly accessible: its endpoint resolves to a public address", inst.kind)
	}
	return check.Passf(CheckNotPublic, "not publicly accessible")
}

func checkBackupRetention(inst settings, exp Expect) check.Result {
	n := int(deref(inst.BackupRetentionPeriod))
	if n < exp.MinBackupRetention {
		return check.Failf(CheckBackupRetention, "automated backups kept %d days, want at least %d (tier %s and the stack config)", n, exp.MinBackupRetention, exp.Tier)
	}
	return check.Passf(CheckBackupRetention, "automated backups kept %d days (at least %d wanted), window %s", n, exp.MinBackupRetention, orNone(deref(inst.PreferredBackupWindow)))
}

func checkRestorable(inst settings, live bool, now time.Time, maxLag time.Duration) check.Result {
	if maxLag <= 0 {
		maxLag = DefaultMaxRestoreLag
	}
	t := inst.LatestRestorableTime
	switch {
	case t == nil && !live:
		return check.Unknownf(CheckRestorable, "no restorable time yet (status %s)", deref(inst.DBInstanceStatus))
	case t == nil:
		return check.Failf(CheckRestorable, "RDS reports no latest restorable time: point-in-time recovery is not possible")
	}
	lag := now.Sub(*t)
	if lag > maxLag {
		return check.Failf(CheckRestorable, "latest restorable time %s is %s old, more than %s: transaction logs are not reaching the backups", t.UTC().Format(time.RFC3339), round(lag), maxLag)
	}
	return check.Passf(CheckRestorable, "point-in-time recovery possible up to %s (%s ago)", t.UTC().Format(time.RFC3339), round(lag))
}

func checkDeletionProtection(inst settings, exp Expect) check.Result {
	on := deref(inst.DeletionProtection)
	switch {
	case on:
		return check.Passf(CheckDeletionProtection, "deletion protection on")
	case exp.DeletionProtection:
		return check.Failf(CheckDeletionProtection, "deletion protection is off: tier %s and the stack config require it", exp.Tier)
	}
	return check.Passf(CheckDeletionProtection, "deletion protection off, which the stack config (database:deletionProtection, off by default in dev) allows in tier %s", exp.Tier)
}

func checkIAMAuth(inst settings, exp Expect) check.Result {
	on := deref(inst.IAMDatabaseAuthenticationEnabled)
	switch {
	case on == exp.Instance.IAMAuth && on:
		return check.Passf(CheckIAMAuth, "IAM database authentication on")
	case on == exp.Instance.IAMAuth:
		return check.Passf(CheckIAMAuth, "IAM database authentication off, as the stack's spec sets")
	case !on:
		return check.Failf(CheckIAMAuth, "IAM database authentication is off")
	}
	return check.Failf(CheckIAMAuth, "IAM database authentication is on, the stack's spec turns it off")
}

func checkPerformanceInsights(inst settings, out stackout.Database, exp Expect) check.Result {
	key := deref(inst.PerformanceInsightsKMSKeyId)
	days := int(deref(inst.PerformanceInsightsRetentionPeriod))
	want, named := keyOf(exp.Instance.PerformanceInsightsKmsKeyID, out)
	wantDays := exp.Instance.PerformanceInsightsRetentionDays
	switch {
	case !exp.Instance.PerformanceInsights:
		return check.Passf(CheckPerformanceInsight, "the stack's spec does not turn Performance Insights on; RDS reports it %s", onOff(deref(inst.PerformanceInsightsEnabled)))
	case !deref(inst.PerformanceInsightsEnabled):
		return check.Failf(CheckPerformanceInsight, "Performance Insights is off")
	case named && !sameKey(key, want):
		return check.Failf(CheckPerformanceInsight, "Performance Insights data is encrypted with %s, not the stack's key %s", orNone(key), want)
	case days != wantDays:
		return check.Failf(CheckPerformanceInsight, "Performance Insights keeps %d days, the stack's spec sets %d", days, wantDays)
	}
	return check.Passf(CheckPerformanceInsight, "on, %d days, encrypted with the stack's key", days)
}

// checkLogExports wants exactly the spec's log exports. A change RDS holds
// for the maintenance window (PendingCloudwatchLogsExports) is named, but
// the check reads what the instance exports now.
func checkLogExports(inst settings, exp Expect) check.Result {
	live := inst.EnabledCloudwatchLogsExports
	var missing, extra []string
	for _, want := range exp.Instance.LogExports {
		if !slices.Contains(live, want) {
			missing = append(missing, want)
		}
	}
	for _, got := range live {
		if !slices.Contains(exp.Instance.LogExports, got) {
			extra = append(extra, got)
		}
	}
	var bad []string
	if len(missing) > 0 {
		bad = append(bad, "missing "+strings.Join(missing, ", "))
	}
	if len(extra) > 0 {
		bad = append(bad, "not in the stack's spec: "+strings.Join(extra, ", "))
	}
	if len(bad) > 0 {
		return check.Failf(CheckLogExports, "logs exported to CloudWatch: [%s]; %s", strings.Join(live, ", "), strings.Join(bad, "; "))
	}
	return check.Passf(CheckLogExports, "exported to CloudWatch: %s", strings.Join(live, ", "))
}

// checkEngine wants the spec's engine and major version. A major upgrade
// that waits for the maintenance window (PendingModifiedValues
// EngineVersion, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_PendingModifiedValues.html)
// is pending, not drift, as the pending-modifications line says.
func checkEngine(inst settings, exp Expect) check.Result {
	engine, version := deref(inst.Engine), deref(inst.EngineVersion)
	wantMajor := major(exp.Instance.EngineVersion)
	if engine != exp.Instance.Engine {
		return check.Failf(CheckEngine, "engine is %s, the stack's spec sets %s", orNone(engine), exp.Instance.Engine)
	}
	if major(version) == wantMajor {
		return check.Passf(CheckEngine, "%s %s, major %s as the stack's spec sets", engine, version, wantMajor)
	}
	if p := inst.PendingModifiedValues; p != nil && major(deref(p.EngineVersion)) == wantMajor {
		return check.Passf(CheckEngine, "%s %s; the upgrade to %s (major %s, the stack's spec) is pending for the maintenance window", engine, version, deref(p.EngineVersion), wantMajor)
	}
	return check.Failf(CheckEngine, "%s %s runs major %s, the stack's spec sets major %s", engine, orNone(version), orNone(major(version)), wantMajor)
}

// major is the major version of a PostgreSQL engine version: "16" of
// "16.4" (since PostgreSQL 10 the major version is the first number).
func major(version string) string {
	m, _, _ := strings.Cut(version, ".")
	return m
}

func checkMonitoring(inst settings, exp Expect) check.Result {
	got, want := int(deref(inst.MonitoringInterval)), exp.Instance.MonitoringInterval
	if got != want {
		return check.Failf(CheckMonitoring, "Enhanced Monitoring interval is %d seconds, the stack's spec sets %d", got, want)
	}
	return check.Passf(CheckMonitoring, "Enhanced Monitoring every %d seconds, role %s", got, orNone(deref(inst.MonitoringRoleArn)))
}

// checkCACertificate wants the spec's certificate authority. A rotation
// that waits for the maintenance window (PendingModifiedValues
// CACertificateIdentifier) is pending, not drift.
func checkCACertificate(inst settings, exp Expect) check.Result {
	got, want := deref(inst.CACertificateIdentifier), exp.Instance.CACertIdentifier
	switch {
	case got == want:
		return check.Passf(CheckCACertificate, "server certificate signed by %s, as the stack's spec sets", got)
	case inst.PendingModifiedValues != nil && deref(inst.PendingModifiedValues.CACertificateIdentifier) == want:
		return check.Passf(CheckCACertificate, "server certificate signed by %s; the change to %s (the stack's spec) is pending for the maintenance window", orNone(got), want)
	}
	return check.Failf(CheckCACertificate, "server certificate signed by %s, the stack's spec sets %s: clients that pin the spec's CA fail verify-full", orNone(got), want)
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// parameterGroup returns the instance's parameter group and its apply
// status.
func parameterGroup(inst rdstypes.DBInstance) (name, status string) {
	if len(inst.DBParameterGroups) == 0 {
		return "", ""
	}
	g := inst.DBParameterGroups[0]
	return deref(g.DBParameterGroupName), deref(g.ParameterApplyStatus)
}

func (v *Verifier) checkConnect(ctx context.Context, status string, out stackout.Database, exp Expect, live bool) check.Result {
	if !live {
		what := "instance"
		if isCluster(out) {
			what = "cluster"
		}
		return check.Unknownf(CheckConnect, "not tried: the %s is %s", what, status)
	}
	if v.DB == nil {
		return check.Unknownf(CheckConnect, "not tried: no database connector configured")
	}
	ep := Endpoint{
		Region:   exp.Region,
		Host:     out.Address,
		Port:     out.Port,
		Database: out.DatabaseName,
		User:     LoginRole,
	}
	if err := v.DB.Ping(ctx, ep); err != nil {
		return check.Failf(CheckConnect, "TLS verify-full connection to %s:%d as %s with an IAM token: %v", ep.Host, ep.Port, ep.User, err)
	}
	return check.Passf(CheckConnect, "select 1 over TLS verify-full as %s with an IAM token", ep.User)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// round shortens a duration for messages.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute)
	case d >= time.Minute:
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
