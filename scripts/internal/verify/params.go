package verify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// maxPages bounds every paginated read, so a misbehaving API (or fake)
// cannot loop forever.
const maxPages = 100

// checkForceSSL reads the live parameter group and wants rds.force_ssl=1.
func (v *Verifier) checkForceSSL(ctx context.Context, api RDS, group, status string) check.Result {
	if group == "" {
		return check.Failf(CheckForceSSL, "the instance reports no parameter group")
	}
	param, err := findParameter(ctx, api, group, "rds.force_ssl")
	if err != nil {
		return check.Unknownf(CheckForceSSL, "%v", err)
	}
	if param == nil {
		return check.Failf(CheckForceSSL, "parameter group %s has no rds.force_ssl parameter (not a PostgreSQL group?)", group)
	}
	val := deref(param.ParameterValue)
	if val != "1" {
		return check.Failf(CheckForceSSL, "rds.force_ssl is %q in parameter group %s (source %s), want 1: clients may connect without TLS", orNone(val), group, deref(param.Source))
	}
	if status == "pending-reboot" {
		return check.Failf(CheckForceSSL, "rds.force_ssl=1 in parameter group %s, but the group waits for a reboot, so the running server may not enforce it yet", group)
	}
	return check.Passf(CheckForceSSL, "rds.force_ssl=1 in parameter group %s (%s)", group, orNone(status))
}

// findParameter pages through the parameters of a group until it finds
// name.
func findParameter(ctx context.Context, api RDS, group, name string) (*rdstypes.Parameter, error) {
	var marker *string
	for range maxPages {
		out, err := api.DescribeDBParameters(ctx, &rds.DescribeDBParametersInput{DBParameterGroupName: &group, Marker: marker})
		if err != nil {
			return nil, fmt.Errorf("describe parameters of group %s: %w", group, err)
		}
		for i := range out.Parameters {
			if deref(out.Parameters[i].ParameterName) == name {
				return &out.Parameters[i], nil
			}
		}
		if deref(out.Marker) == "" {
			return nil, nil
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
	since, found, err := pendingSince(ctx, api, deref(inst.DBInstanceIdentifier), group, now)
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
func pendingSince(ctx context.Context, api RDS, instance, group string, now time.Time) (time.Time, bool, error) {
	start := now.Add(-EventWindow)
	instEvents, err := events(ctx, api, rdstypes.SourceTypeDbInstance, instance, start, now)
	if err != nil {
		return time.Time{}, false, err
	}
	groupEvents, err := events(ctx, api, rdstypes.SourceTypeDbParameterGroup, group, start, now)
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
