package verify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// CheckDRBackups: the stack's spec decides whether it has DR (database:dr
// region), and the outputs must agree: with DR, the drRegion output names
// the spec's recovery region and, in that region, the stack's automated
// backups are replicating under the DR key with their latest restorable
// time within the spec's RPO target; without DR (none configured, or
// database:drOptOut), the outputs name no recovery region. It runs for a
// stack whose spec or outputs name a recovery region.
const CheckDRBackups = "dr-backups"

// replicatingStatus is a replicated automated backup's status while the
// replication runs: the provider waits from "pending" to "replicating"
// after StartDBInstanceAutomatedBackupsReplication
// (instanceAutomatedBackupStatusPending and
// instanceAutomatedBackupStatusReplicating in waitDBInstanceAutomatedBackupCreated,
// lonegunmanb/terraform-provider-aws-index
// index/internal/service/rds/func.waitDBInstanceAutomatedBackupCreated.goindex).
// Any other status (pending, or retained once the source or the
// replication is gone) is not an active replication.
const replicatingStatus = "replicating"

// hasDR reports whether the stack has a DR check: its spec names a
// recovery region (then the outputs must name the same one), or its
// outputs name one (then the spec must have DR too).
func hasDR(out stackout.Database, exp Expect) bool {
	return exp.DR.Region != "" || out.DRRegion != ""
}

// drChecks adds the DR check of a stack whose spec or outputs name a
// recovery region. The spec decides what is expected: outputs that
// disagree with it fail without asking AWS; outputs that agree are
// checked against the replicated backups in the recovery region, with
// that region's RDS API, not the primary's.
func (v *Verifier) drChecks(ctx context.Context, out stackout.Database, exp Expect, r *results) {
	if !hasDR(out, exp) {
		return
	}
	if res, ok := checkDRMatch(out, exp); !ok {
		r.add(res)
		return
	}
	api, _, err := v.AWS(ctx, out.DRRegion)
	if err != nil {
		r.add(check.Unknownf(CheckDRBackups, "no AWS clients for the recovery region %s: %v", out.DRRegion, err))
		return
	}
	r.add(checkDRBackups(ctx, api, out, time.Duration(exp.DR.RPOMinutes)*time.Minute, v.now()))
}

// checkDRMatch holds the drRegion output to the spec's recovery region:
// ok when they name the same region; otherwise the failing result, which
// names both and what to do.
func checkDRMatch(out stackout.Database, exp Expect) (check.Result, bool) {
	want, got := exp.DR.Region, out.DRRegion
	switch {
	case want == got:
		return check.Result{}, true
	case want == "":
		config := "the stack's config sets no database:dr"
		if exp.DR.OptOutReason != "" {
			config = fmt.Sprintf("the stack's config opts out of DR (database:drOptOut %q)", exp.DR.OptOutReason)
		}
		return check.Failf(CheckDRBackups, "%s, but the drRegion output names %s: the outputs disagree with the config (a stale deployment, from before DR was removed); a pulumi up of the stack removes the replication, or set database:dr back to %s if it should stay", config, got, got), false
	case got == "":
		return check.Failf(CheckDRBackups, "the stack's config sets database:dr region %s, but the drRegion output is empty: the DR resources are not deployed (the stack was deployed before DR was added, or they failed to create); a pulumi up of the stack declares them", want), false
	default:
		return check.Failf(CheckDRBackups, "the stack's config sets database:dr region %s, but the drRegion output names %s: the deployed replication goes to another region than the config names; a pulumi up of the stack declares it to %s", want, got, want), false
	}
}

// checkDRBackups reads the replicated automated backups of the source
// (DescribeDBInstanceAutomatedBackups by DbiResourceId, the resourceId
// output, in the recovery region; RestoreWindow.LatestTime is the latest
// time they can restore to) and holds them to the DR outputs and the RPO
// target.
func checkDRBackups(ctx context.Context, api RDS, out stackout.Database, rpo time.Duration, now time.Time) check.Result {
	res, err := api.DescribeDBInstanceAutomatedBackups(ctx, &rds.DescribeDBInstanceAutomatedBackupsInput{DbiResourceId: &out.ResourceID})
	switch {
	case isCode(err, "DBInstanceAutomatedBackupNotFound", "DBInstanceAutomatedBackupNotFoundFault"):
		return check.Failf(CheckDRBackups, "no automated backups of %s (resource %s) in %s: the replication is not running; a pulumi up of the stack declares it", out.InstanceIdentifier, out.ResourceID, out.DRRegion)
	case err != nil:
		return check.Unknownf(CheckDRBackups, "describe automated backups in %s: %v", out.DRRegion, err)
	}
	var b *rdstypes.DBInstanceAutomatedBackup
	for i, x := range res.DBInstanceAutomatedBackups {
		if out.DRBackupsArn == "" || deref(x.DBInstanceAutomatedBackupsArn) == out.DRBackupsArn {
			b = &res.DBInstanceAutomatedBackups[i]
			break
		}
	}
	if b == nil {
		return check.Failf(CheckDRBackups, "no automated backups of %s (resource %s) in %s with the drBackupsArn output %s: the replication is not running; a pulumi up of the stack declares it", out.InstanceIdentifier, out.ResourceID, out.DRRegion, out.DRBackupsArn)
	}
	arn := deref(b.DBInstanceAutomatedBackupsArn)
	var problems []string
	if s := deref(b.Status); s != replicatingStatus {
		problems = append(problems, fmt.Sprintf("status %q, want %q: the replication is not active", s, replicatingStatus))
	}
	if k := deref(b.KmsKeyId); k != out.DRKmsKeyArn {
		problems = append(problems, fmt.Sprintf("encrypted with %q, not the stack's DR key %s (the drKmsKeyArn output)", k, out.DRKmsKeyArn))
	}
	var latest time.Time
	if b.RestoreWindow != nil && b.RestoreWindow.LatestTime != nil {
		latest = *b.RestoreWindow.LatestTime
	}
	lag := now.Sub(latest)
	switch {
	case latest.IsZero():
		problems = append(problems, "no restore window yet: nothing replicated can be restored")
	case lag > rpo:
		problems = append(problems, fmt.Sprintf("latest restorable time %s is %s behind, beyond the RPO target of %s (database:dr rpoMinutes)", latest.UTC().Format(time.RFC3339), lag.Round(time.Second), rpo))
	}
	if len(problems) > 0 {
		return check.Failf(CheckDRBackups, "replicated backups %s in %s: %s", arn, out.DRRegion, strings.Join(problems, "; "))
	}
	return check.Passf(CheckDRBackups, "replicating to %s under %s, restorable up to %s (%s behind, RPO target %s)", out.DRRegion, out.DRKmsKeyArn, latest.UTC().Format(time.RFC3339), lag.Round(time.Second), rpo)
}
