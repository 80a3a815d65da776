package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/verify/check"
	"github.com/pgplatform/platform/shared/spec"
)

// maxPages bounds every paginated read, so a misbehaving API (or fake)
// cannot loop forever.
const maxPages = 100

// forceSSL is the parameter that makes the server refuse connections
// without TLS; the force-ssl check reports it on its own line.
const forceSSL = "rds.force_ssl"

// liveGroup is the live parameter group of the instance: its name, its
// apply status on the instance (DBParameterGroups[].ParameterApplyStatus)
// and every parameter DescribeDBParameters lists for it, by lower-case
// name. err is why the parameters could not be read.
type liveGroup struct {
	name, status string
	params       map[string]rdstypes.Parameter
	err          error
}

// readGroup reads every page of the group's parameters once; the force-ssl
// and parameters checks both read the result.
func readGroup(ctx context.Context, api RDS, name, status string) liveGroup {
	g := liveGroup{name: name, status: status}
	if name == "" {
		return g
	}
	g.params, g.err = parameters(ctx, api, name)
	return g
}

// checkForceSSL wants the live group to hold the spec's rds.force_ssl
// value (database/dbspec declares 1).
func (v *Verifier) checkForceSSL(g liveGroup, exp Expect) check.Result {
	want, ok := specParameter(exp.Parameters, forceSSL)
	switch {
	case !ok:
		return check.Failf(CheckForceSSL, "the stack's spec declares no %s parameter, so nothing makes the server refuse clients without TLS", forceSSL)
	case g.name == "":
		return check.Failf(CheckForceSSL, "the instance reports no parameter group")
	case g.err != nil:
		return check.Unknownf(CheckForceSSL, "%v", g.err)
	}
	param, found := g.params[forceSSL]
	if !found {
		return check.Failf(CheckForceSSL, "parameter group %s has no %s parameter (not a PostgreSQL group?)", g.name, forceSSL)
	}
	val := deref(param.ParameterValue)
	if val != want.Value {
		return check.Failf(CheckForceSSL, "%s is %q in parameter group %s (source %s), want %s: clients may connect without TLS", forceSSL, orNone(val), g.name, deref(param.Source), want.Value)
	}
	if g.status == "pending-reboot" {
		return check.Failf(CheckForceSSL, "%s=%s in parameter group %s, but the group waits for a reboot, so the running server may not enforce it yet", forceSSL, val, g.name)
	}
	return check.Passf(CheckForceSSL, "%s=%s in parameter group %s (%s)", forceSSL, val, g.name, orNone(g.status))
}

// checkParameters compares the live group with the spec's parameters:
// each entry must be there with the spec's value and apply method, and
// the group may set (Source user) nothing the spec does not declare.
//
// An entry whose value equals the engine's default is reported with Source
// system or engine-default rather than user, so the value decides, not the
// source (terraform-provider-aws internal/service/rds/parameter_group.go,
// resourceParameterGroupRead, hashicorp/terraform-provider-aws#593). The
// provider reads ApplyMethod back from DescribeDBParameters, lower-cased,
// and the name lower-cased (flattenParameters), so a different apply
// method is a difference the provider sees too
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Parameter.html).
//
// A group that matches the spec but waits for a reboot
// (ParameterApplyStatus pending-reboot) is pending, not drift: it passes
// and names the entries the running server does not have yet; how long it
// may wait is the pending-reboot check's.
func checkParameters(g liveGroup, exp Expect) check.Result {
	switch {
	case g.name == "":
		return check.Failf(CheckParameters, "the instance reports no parameter group")
	case g.err != nil:
		return check.Unknownf(CheckParameters, "%v", g.err)
	}
	var bad, rebootOnly []string
	declared := map[string]bool{}
	for _, want := range exp.Parameters {
		key := strings.ToLower(want.Name)
		declared[key] = true
		got, ok := g.params[key]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s is missing (the spec sets %s, %s)", want.Name, want.Value, want.ApplyMethod))
			continue
		}
		val := deref(got.ParameterValue)
		if got.ParameterValue == nil && deref(got.Source) != "user" {
			// DescribeDBParameters lists every parameter of the family; one
			// the group does not set comes with the engine's source and,
			// for many, no value.
			bad = append(bad, fmt.Sprintf("%s is missing: the group does not set it (source %s), the spec sets %s (%s)", want.Name, orNone(deref(got.Source)), want.Value, want.ApplyMethod))
			continue
		}
		if val != want.Value {
			bad = append(bad, fmt.Sprintf("%s is %q (source %s), the spec sets %q", want.Name, val, orNone(deref(got.Source)), want.Value))
			continue
		}
		method := strings.ToLower(string(got.ApplyMethod))
		if deref(got.Source) == "user" && method != want.ApplyMethod {
			bad = append(bad, fmt.Sprintf("%s=%s has apply method %s, the spec sets %s", want.Name, val, orNone(method), want.ApplyMethod))
			continue
		}
		if want.ApplyMethod == "pending-reboot" {
			rebootOnly = append(rebootOnly, want.Name)
		}
	}
	var extra []string
	for key, p := range g.params {
		if deref(p.Source) == "user" && !declared[key] {
			extra = append(extra, fmt.Sprintf("%s=%s", deref(p.ParameterName), deref(p.ParameterValue)))
		}
	}
	slices.Sort(extra)
	if len(extra) > 0 {
		bad = append(bad, "set in the group but not in the spec: "+strings.Join(extra, ", "))
	}
	if len(bad) > 0 {
		return check.Failf(CheckParameters, "parameter group %s differs from the stack's spec: %s; changed outside Pulumi? run the deploy to restore it", g.name, strings.Join(bad, "; "))
	}
	if g.status == "pending-reboot" {
		return check.Passf(CheckParameters, "parameter group %s holds the spec's %d parameters; pending a reboot, so the running server may not have %s yet (see %s)", g.name, len(exp.Parameters), strings.Join(rebootOnly, ", "), CheckPendingReboot)
	}
	return check.Passf(CheckParameters, "parameter group %s holds the spec's %d parameters with their values and apply methods (%s)", g.name, len(exp.Parameters), orNone(g.status))
}

func specParameter(ps []spec.Parameter, name string) (spec.Parameter, bool) {
	for _, p := range ps {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return spec.Parameter{}, false
}

// parameters reads every page of the group's parameters
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBParameters.html),
// keyed by lower-case name.
func parameters(ctx context.Context, api RDS, group string) (map[string]rdstypes.Parameter, error) {
	all := map[string]rdstypes.Parameter{}
	var marker *string
	for range maxPages {
		out, err := api.DescribeDBParameters(ctx, &rds.DescribeDBParametersInput{DBParameterGroupName: &group, Marker: marker})
		if err != nil {
			return nil, fmt.Errorf("describe parameters of group %s: %w", group, err)
		}
		for _, p := range out.Parameters {
			all[strings.ToLower(deref(p.ParameterName))] = p
		}
		if deref(out.Marker) == "" {
			return all, nil
		}
		marker = out.Marker
	}
	return nil, fmt.Errorf("describe parameters of group %s: more than %d pages", group, maxPages)
}

// checkPendingReboot fails when the parameter group has waited for a reboot
// longer than MaxPendingReboot. RDS keeps no "pending since" time, so the
// wait is measured from RDS events: the first change to the group (or to
// the instance's parameter group setting) after the instance's last restart.
func (v *Verifier) checkPendingReboot(ctx context.Context, api RDS, inst rdstypes.DBInstance, group, status string) check.Result {
	return v.pendingRebootResult(ctx, api, rdstypes.SourceTypeDbInstance, deref(inst.DBInstanceIdentifier), rdstypes.SourceTypeDbParameterGroup, group, status)
}

// pendingRebootResult is the pending-reboot check of a database (an
// instance or a cluster, the events' source type and id) whose parameter
// group (of groupType) has apply status status.
func (v *Verifier) pendingRebootResult(ctx context.Context, api RDS, srcType rdstypes.SourceType, id string, groupType rdstypes.SourceType, group, status string) check.Result {
	limit := v.MaxPendingReboot
	if limit <= 0 {
		limit = DefaultMaxPendingReboot
	}
	switch status {
	case "in-sync":
		return check.Passf(CheckPendingReboot, "parameter group %s is in sync with the server", group)
	case "applying":
		return check.Passf(CheckPendingReboot, "parameter group %s is being applied without a reboot", group)
	case "failed-to-apply":
		return check.Failf(CheckPendingReboot, "parameter group %s failed to apply: RDS reports the group invalid for this instance", group)
	case "pending-reboot":
	default:
		return check.Unknownf(CheckPendingReboot, "parameter group %s has apply status %q", group, orNone(status))
	}
	now := v.now()
	since, found, err := pendingSince(ctx, api, srcType, id, groupType, group, now)
	if err != nil {
		return check.Unknownf(CheckPendingReboot, "parameter group %s waits for a reboot; could not tell since when: %v", group, err)
	}
	if !found {
		if limit >= EventWindow {
			return check.Unknownf(CheckPendingReboot, "parameter group %s waits for a reboot; RDS events (kept %s) record no change since the last restart", group, EventWindow)
		}
		return check.Failf(CheckPendingReboot, "parameter group %s waits for a reboot, with no change recorded in RDS events of the last %s: pending for longer than %s; reboot the instance in a quiet hour", group, EventWindow, limit)
	}
	age := now.Sub(since)
	if age > limit {
		return check.Failf(CheckPendingReboot, "parameter group %s has waited for a reboot since %s (%s), longer than %s: static parameters such as rds.force_ssl are not in force; reboot the instance in a quiet hour", group, since.UTC().Format(time.RFC3339), round(age), limit)
	}
	return check.Passf(CheckPendingReboot, "parameter group %s waits for a reboot since %s (%s, allowed %s)", group, since.UTC().Format(time.RFC3339), round(age), limit)
}

// pendingSince finds the first parameter change after the instance's last
// restart within EventWindow.
func pendingSince(ctx context.Context, api RDS, srcType rdstypes.SourceType, instance string, groupType rdstypes.SourceType, group string, now time.Time) (time.Time, bool, error) {
	start := now.Add(-EventWindow)
	instEvents, err := events(ctx, api, srcType, instance, start, now)
	if err != nil {
		return time.Time{}, false, err
	}
	groupEvents, err := events(ctx, api, groupType, group, start, now)
	if err != nil {
		return time.Time{}, false, err
	}
	lastRestart := start
	for _, e := range instEvents {
		msg := strings.ToLower(deref(e.Message))
		if (strings.Contains(msg, "restarted") || strings.Contains(msg, "rebooted")) && deref(e.Date).After(lastRestart) {
			lastRestart = deref(e.Date)
		}
	}
	var since time.Time
	found := false
	consider := func(t time.Time) {
		if t.After(lastRestart) && (!found || t.Before(since)) {
			since, found = t, true
		}
	}
	for _, e := range groupEvents {
		consider(deref(e.Date))
	}
	for _, e := range instEvents {
		if strings.Contains(strings.ToLower(deref(e.Message)), "parameter group") {
			consider(deref(e.Date))
		}
	}
	return since, found, nil
}

func events(ctx context.Context, api RDS, typ rdstypes.SourceType, id string, start, end time.Time) ([]rdstypes.Event, error) {
	var all []rdstypes.Event
	var marker *string
	for range maxPages {
		out, err := api.DescribeEvents(ctx, &rds.DescribeEventsInput{
			SourceType:       typ,
			SourceIdentifier: &id,
			StartTime:        &start,
			EndTime:          &end,
			Marker:           marker,
		})
		if err != nil {
			return nil, fmt.Errorf("describe RDS events of %s %s: %w", typ, id, err)
		}
		all = append(all, out.Events...)
		if deref(out.Marker) == "" {
			return all, nil
		}
		marker = out.Marker
	}
	return nil, fmt.Errorf("describe RDS events of %s %s: more than %d pages", typ, id, maxPages)
}
