package restore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// BackupsRDS is the part of the RDS API the drill calls in a disaster
// recovery region: the drill's calls and the listing of the replicated
// automated backups.
type BackupsRDS interface {
	RDS
	DescribeDBInstanceAutomatedBackups(ctx context.Context, in *rds.DescribeDBInstanceAutomatedBackupsInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error)
}

// Recovery is where a drill in the disaster recovery region restores: the
// region's RDS, and the recovery network's subnet group and security
// groups. With it, Drill.Run restores from the source's replicated
// automated backups in that region instead of from the source.
type Recovery struct {
	Region string
	RDS    BackupsRDS
	// SubnetGroup is a DB subnet group of the recovery network.
	SubnetGroup string
	// ParameterGroup is the DB parameter group in the recovery region the
	// restored instance gets: the stack's drParameterGroupName, the
	// primary's parameters declared there (the primary's group, a
	// resource of its own region, cannot be named).
	ParameterGroup string
	// SecurityGroups admit the drill's host to the restored instance.
	SecurityGroups []string
	// KmsKey is the ARN of the DR region's key. RestoreDBInstanceToPointInTime
	// takes no key (the API reference lists no KmsKeyId among its request
	// parameters): the restored storage is encrypted with the key of the
	// replicated backups, which StartDBInstanceAutomatedBackupsReplication
	// set ("KmsKeyId: ... the ARN for the KMS encryption key in the
	// destination Amazon Web Services Region", API reference). The drill
	// therefore checks that the replicated backups and the restored
	// instance are under this key.
	KmsKey string
}

// CheckReplication names the check of the replicated backups.
const CheckReplication = "replication"

// DRChecks lists the checks of a drill in the DR region, in order.
var DRChecks = []string{CheckSource, CheckReplication, CheckMarkers, CheckRestorable, CheckRestore, CheckConnect, CheckData, CheckCleanup}

// RecoveryPoint is the newest marker that survived the restore in the DR
// region.
type RecoveryPoint struct {
	Run    string `json:"run"`
	Marker string `json:"marker"`
	// WrittenAt is the server time read right after the marker's commit in
	// the primary.
	WrittenAt time.Time `json:"writtenAt"`
	// SinceStartSeconds is WrittenAt minus the drill's start: positive when
	// the surviving data was written by this run.
	SinceStartSeconds float64 `json:"sinceDrillStartSeconds"`
	// AgeAtRestoreSeconds is the marker's age when the restore was
	// requested, the moment a failover would have started: at most this
	// much committed data would have been lost, as the restored data
	// proves.
	AgeAtRestoreSeconds float64 `json:"ageAtRestoreSeconds"`
	// ReplicationLagSeconds is the time from the marker's commit to the
	// first poll that saw the DR region's restore window reach it: an
	// upper bound (within one --poll) of the replication lag at the time.
	ReplicationLagSeconds float64 `json:"replicationLagSeconds,omitempty"`
}

// target is the RDS of the region the drill instance lives in.
func (d *Drill) target() RDS {
	if d.Recovery != nil {
		return d.Recovery.RDS
	}
	return d.RDS
}

// targetRegion is the region the drill instance lives in.
func (d *Drill) targetRegion(src Source) string {
	if d.Recovery != nil {
		return d.Recovery.Region
	}
	return src.Region
}

func (d *Drill) checks() []string {
	if d.Recovery != nil {
		return DRChecks
	}
	return AllChecks
}

// stepsDR is the drill in the DR region: the source is described in the
// primary, the markers are written there, and the restore is made from
// the source's replicated automated backups into the recovery network,
// to the latest restorable time once the DR region's restore window is
// past the second marker, so both markers must come back.
func (d *Drill) stepsDR(ctx context.Context, st *state, run string, rep *Report) {
	out := st.src.Outputs
	rc := d.Recovery
	if !d.source(ctx, st) {
		return
	}
	inst := st.inst

	backup, res := findReplicatedBackup(ctx, rc, inst)
	st.add(res)
	if res.Status != check.Pass {
		return
	}
	arn := deref(backup.DBInstanceAutomatedBackupsArn)
	rep.ReplicatedBackupArn = arn

	tl, ok := d.markers(ctx, st, run)
	if !ok {
		return
	}
	rep.Markers = &tl

	seen, res := d.waitReplicated(ctx, arn, tl.AfterAt)
	st.add(res)
	if res.Status != check.Pass {
		return
	}

	name, err := InstanceName(out.InstanceIdentifier, d.now())
	if err != nil {
		st.add(check.Failf(CheckRestore, "%v", err))
		return
	}
	if _, err := describe(ctx, rc.RDS, name); err == nil {
		st.add(check.Failf(CheckRestore, "an instance named %s already exists in %s: refusing to restore over it", name, rc.Region))
		return
	} else if !isNotFound(err) {
		st.add(check.Failf(CheckRestore, "check that %s is free in %s: %v", name, rc.Region, err))
		return
	}
	in := d.restoreInputDR(st, name, run, arn)
	st.name, st.attempted = name, true
	requested := d.now()
	rep.RestoreRequestedAt = &requested
	d.progress("restore-drill: restoring %s's replicated backups in %s to the latest restorable time into %s (class %s, subnet group %s, parameter group %s, security groups %s)", out.InstanceIdentifier, rc.Region, name, *in.DBInstanceClass, rc.SubnetGroup, rc.ParameterGroup, strings.Join(rc.SecurityGroups, ", "))
	if _, err := rc.RDS.RestoreDBInstanceToPointInTime(ctx, in); err != nil {
		st.add(check.Failf(CheckRestore, "RestoreDBInstanceToPointInTime in %s from %s: %v", rc.Region, arn, err))
		return
	}
	st.accepted = true
	drill, err := d.waitAvailable(ctx, name)
	if err != nil {
		st.add(check.Failf(CheckRestore, "%v", err))
		return
	}
	available := d.now()
	rep.RestoreAvailableAt = &available
	rep.RestoreSeconds = available.Sub(requested).Seconds()
	if got := deref(drill.KmsKeyId); !deref(drill.StorageEncrypted) || got != rc.KmsKey {
		st.add(check.Failf(CheckRestore, "%s is available in %s but its storage is not under the DR key %s (encrypted %t, key %q)", name, rc.Region, rc.KmsKey, deref(drill.StorageEncrypted), got))
		return
	}
	st.add(check.Passf(CheckRestore, "%s restored in %s to the latest restorable time, under %s, available after %s", name, rc.Region, rc.KmsKey, round(available.Sub(requested))))

	// The restored instance holds the master password of its restore
	// time, the one in the source's managed secret in the primary region
	// (ManageMasterUserPassword on a restore is Oracle-only: "Constraints:
	// Applies to RDS for Oracle only", the API reference of
	// RestoreDBInstanceToPointInTime).
	ep := Endpoint{
		Region: st.src.Region, Host: deref(drill.Endpoint.Address), Port: int(deref(drill.Endpoint.Port)),
		Database: out.DatabaseName, User: out.MasterUsername, SecretArn: out.MasterSecretArn,
	}
	dc, ok := d.readRestored(ctx, st, name, ep, run)
	if !ok {
		return
	}
	rep.DataCheck = &dc
	if err := dc.Expect(true); err != nil {
		st.add(check.Failf(CheckData, "restored in %s to the latest restorable time, past the second marker: %v", rc.Region, err))
		return
	}
	recovered := d.now()
	rep.RecoverySeconds = recovered.Sub(requested).Seconds()
	rp := &RecoveryPoint{Run: run, Marker: MarkerAfter, WrittenAt: tl.AfterAt}
	rp.SinceStartSeconds = tl.AfterAt.Sub(rep.StartedAt).Seconds()
	rp.AgeAtRestoreSeconds = requested.Sub(tl.AfterAt).Seconds()
	rp.ReplicationLagSeconds = seen.Sub(tl.AfterAt).Seconds()
	rep.RecoveryPoint = rp
	st.add(check.Passf(CheckData, "markers %q and %q came back in %s; recovery point %s (marker %q, %s old at the restore request), recovery time %s", MarkerBefore, MarkerAfter, rc.Region, stamp(tl.AfterAt), MarkerAfter, round(requested.Sub(tl.AfterAt)), round(recovered.Sub(requested))))
}

// markers writes the run's markers in the primary (the markers check).
func (d *Drill) markers(ctx context.Context, st *state, run string) (Timeline, bool) {
	out := st.src.Outputs
	d.progress("restore-drill: connecting to %s:%d/%s to write the markers of run %s", out.Address, out.Port, out.DatabaseName, run)
	conn, err := d.Connect(ctx, Endpoint{Region: st.src.Region, Host: out.Address, Port: out.Port, Database: out.DatabaseName, User: out.MasterUsername, SecretArn: out.MasterSecretArn})
	if err != nil {
		st.add(check.Failf(CheckMarkers, "connect to the source: %v", err))
		return Timeline{}, false
	}
	tl, err := WriteMarkers(ctx, conn, run, orDefault(d.Gap, DefaultGap), d.sleep, d.progress)
	closeErr := conn.Close(context.WithoutCancel(ctx))
	if err != nil {
		st.add(check.Failf(CheckMarkers, "%v", err))
		return Timeline{}, false
	}
	if closeErr != nil {
		d.progress("restore-drill: closing the source connection: %v", closeErr)
	}
	st.add(check.Passf(CheckMarkers, "%q at %s, target %s, %q at %s (server clock)", MarkerBefore, stamp(tl.BeforeAt), stamp(tl.Target), MarkerAfter, stamp(tl.AfterAt)))
	return tl, true
}

// readRestored connects to the restored instance and reads the run's
// markers (the connect check, and the data check on failure).
func (d *Drill) readRestored(ctx context.Context, st *state, name string, ep Endpoint, run string) (DataCheck, bool) {
	d.progress("restore-drill: connecting to %s:%d/%s", ep.Host, ep.Port, ep.Database)
	conn, err := d.Connect(ctx, ep)
	if err != nil {
		st.add(check.Failf(CheckConnect, "connect to the restored instance %s: %v", name, err))
		return DataCheck{}, false
	}
	defer func() {
		if err := conn.Close(context.WithoutCancel(ctx)); err != nil {
			d.progress("restore-drill: closing the restored instance's connection: %v", err)
		}
	}()
	st.add(check.Passf(CheckConnect, "TLS verify-full to %s:%d as %s with the source's managed secret", ep.Host, ep.Port, ep.User))
	dc, err := conn.Check(ctx, run)
	if err != nil {
		st.add(check.Failf(CheckData, "%v", err))
		return DataCheck{}, false
	}
	return dc, true
}

// replicationStatus reads a replicated backup's status. The Terraform AWS
// provider's aws_db_instance_automated_backups_replication waits from
// "pending" to "replicating" and treats "retained" as replication stopped,
// comparing case-insensitively ("AWS flip-flop on the capitalization of
// status codes", internal/service/rds/instance_automated_backups_replication.go);
// the API reference's DescribeDBInstanceAutomatedBackups filter documents
// "retained - Automated backups for deleted instances and after backup
// replication is stopped".
func replicationStatus(b rdstypes.DBInstanceAutomatedBackup) string {
	return strings.ToLower(deref(b.Status))
}

// notReplicated is the failure when the DR region holds no usable
// replicated backups of the source.
func notReplicated(rc *Recovery, inst rdstypes.DBInstance, why string) check.Result {
	return check.Failf(CheckReplication, "%s: automated backup replication to %s is not enabled for %s. Enable it: declare the DR backups in the database stack (database:dr with mode backups and region %s), or call StartDBInstanceAutomatedBackupsReplication in %s with SourceDBInstanceArn %s and the DR key %s as KmsKeyId",
		why, rc.Region, deref(inst.DBInstanceIdentifier), rc.Region, rc.Region, deref(inst.DBInstanceArn), rc.KmsKey)
}

// findReplicatedBackup finds the source's replicated automated backups in
// the DR region: DescribeDBInstanceAutomatedBackups there by the source's
// resource id, the backups whose DBInstanceArn is the source's (the
// Terraform provider reads source_db_instance_arn from it), and not
// retained.
func findReplicatedBackup(ctx context.Context, rc *Recovery, inst rdstypes.DBInstance) (rdstypes.DBInstanceAutomatedBackup, check.Result) {
	rid := deref(inst.DbiResourceId)
	var found []rdstypes.DBInstanceAutomatedBackup
	var marker *string
	for page := 0; ; page++ {
		if page == maxPages {
			return rdstypes.DBInstanceAutomatedBackup{}, check.Unknownf(CheckReplication, "more than %d pages of automated backups in %s", maxPages, rc.Region)
		}
		out, err := rc.RDS.DescribeDBInstanceAutomatedBackups(ctx, &rds.DescribeDBInstanceAutomatedBackupsInput{DbiResourceId: &rid, Marker: marker})
		if isCode(err, "DBInstanceAutomatedBackupNotFound", "DBInstanceAutomatedBackupNotFoundFault") {
			// The Terraform provider's findDBInstanceAutomatedBackups
			// reads this fault as "none".
			return rdstypes.DBInstanceAutomatedBackup{}, notReplicated(rc, inst, fmt.Sprintf("%s has no automated backups of resource %s", rc.Region, rid))
		}
		if err != nil {
			return rdstypes.DBInstanceAutomatedBackup{}, check.Failf(CheckReplication, "list the automated backups of %s in %s: %v", rid, rc.Region, err)
		}
		for _, b := range out.DBInstanceAutomatedBackups {
			if strings.EqualFold(deref(b.DbiResourceId), rid) && (deref(inst.DBInstanceArn) == "" || deref(b.DBInstanceArn) == deref(inst.DBInstanceArn)) {
				found = append(found, b)
			}
		}
		if deref(out.Marker) == "" {
			break
		}
		marker = out.Marker
	}
	var retained []string
	for _, b := range found {
		status := replicationStatus(b)
		if status == "retained" {
			retained = append(retained, deref(b.DBInstanceAutomatedBackupsArn))
			continue
		}
		if status == "pending" || b.RestoreWindow == nil || b.RestoreWindow.LatestTime == nil {
			return b, check.Failf(CheckReplication, "the replicated backups %s in %s are %s with no restore window yet: replication has started but the first backup has not arrived; run the drill later", deref(b.DBInstanceAutomatedBackupsArn), rc.Region, deref(b.Status))
		}
		if got := deref(b.KmsKeyId); !deref(b.Encrypted) || got != rc.KmsKey {
			return b, check.Failf(CheckReplication, "the replicated backups %s in %s are not under the DR key --kms-key %s (encrypted %t, key %q): restart the replication with that key", deref(b.DBInstanceAutomatedBackupsArn), rc.Region, rc.KmsKey, deref(b.Encrypted), got)
		}
		return b, check.Passf(CheckReplication, "%s is %s in %s, restorable from %s to %s, under %s", deref(b.DBInstanceAutomatedBackupsArn), deref(b.Status), rc.Region, stamp(deref(b.RestoreWindow.EarliestTime)), stamp(*b.RestoreWindow.LatestTime), deref(b.KmsKeyId))
	}
	if len(retained) > 0 {
		return rdstypes.DBInstanceAutomatedBackup{}, notReplicated(rc, inst, fmt.Sprintf("the replicated backups %s in %s are retained: replication was stopped", strings.Join(retained, ", "), rc.Region))
	}
	return rdstypes.DBInstanceAutomatedBackup{}, notReplicated(rc, inst, fmt.Sprintf("%s has no replicated automated backups of %s (resource %s)", rc.Region, deref(inst.DBInstanceIdentifier), rid))
}

// waitReplicated polls the replicated backups until their restore window
// ("RestoreWindow: The earliest and latest time a DB instance can be
// restored to", API reference of DBInstanceAutomatedBackup) reaches t.
// It returns when it first saw that.
func (d *Drill) waitReplicated(ctx context.Context, arn string, t time.Time) (time.Time, check.Result) {
	rc := d.Recovery
	limit := orDefault(d.RestorableTimeout, DefaultRestorableTimeout)
	start := d.now()
	for {
		out, err := rc.RDS.DescribeDBInstanceAutomatedBackups(ctx, &rds.DescribeDBInstanceAutomatedBackupsInput{DBInstanceAutomatedBackupsArn: &arn})
		if err != nil {
			return time.Time{}, check.Failf(CheckRestorable, "describe the replicated backups %s in %s: %v", arn, rc.Region, err)
		}
		var latest *time.Time
		for _, b := range out.DBInstanceAutomatedBackups {
			if deref(b.DBInstanceAutomatedBackupsArn) == arn && b.RestoreWindow != nil {
				latest = b.RestoreWindow.LatestTime
			}
		}
		now := d.now()
		if latest != nil && !latest.Before(t) {
			return now, check.Passf(CheckRestorable, "%s restorable in %s up to %s, past the second marker %s after its commit", arn, rc.Region, stamp(*latest), round(now.Sub(t)))
		}
		seen := "none"
		if latest != nil {
			seen = stamp(*latest)
		}
		waited := now.Sub(start)
		if waited >= limit {
			return time.Time{}, check.Failf(CheckRestorable, "after %s, the replicated backups in %s are restorable only up to %s, not past the second marker at %s: transaction logs are not reaching %s", round(waited), rc.Region, seen, stamp(t), rc.Region)
		}
		d.progress("restore-drill: replicated backups in %s restorable up to %s; waiting for %s (%s waited, up to %s)", rc.Region, seen, stamp(t), round(waited), limit)
		if err := d.sleep(ctx, orDefault(d.Poll, DefaultPoll)); err != nil {
			return time.Time{}, check.Failf(CheckRestorable, "wait for the replicated backups: %v", err)
		}
	}
}

// restoreInputDR builds the restore from the replicated backups:
// SourceDBInstanceAutomatedBackupsArn alone names the source ("The ARN of
// the replicated automated backups from which to restore", API reference),
// UseLatestRestorableTime instead of RestoreTime ("Can't be specified if
// the RestoreTime parameter is provided"), the recovery network's subnet
// group and security groups, the source's class (or --instance-class),
// the stack's parameter group in the DR region as DBParameterGroupName
// (without it "The target database is created ... with the default
// security group, the default subnet group, and the default DB parameter
// group", RDS API reference, RestoreDBInstanceToPointInTime,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html;
// the default group would drop the platform's settings, rds.force_ssl
// among them), and the settings and tags of the primary drill.
func (d *Drill) restoreInputDR(st *state, name, run, arn string) *rds.RestoreDBInstanceToPointInTimeInput {
	rc := d.Recovery
	class := d.InstanceClass
	if class == "" {
		class = deref(st.inst.DBInstanceClass)
	}
	return &rds.RestoreDBInstanceToPointInTimeInput{
		SourceDBInstanceAutomatedBackupsArn: &arn,
		TargetDBInstanceIdentifier:          &name,
		UseLatestRestorableTime:             new(true),
		DBInstanceClass:                     &class,
		DBSubnetGroupName:                   new(rc.SubnetGroup),
		DBParameterGroupName:                new(rc.ParameterGroup),
		VpcSecurityGroupIds:                 append([]string(nil), rc.SecurityGroups...),
		DeletionProtection:                  new(false),
		MultiAZ:                             new(false),
		PubliclyAccessible:                  new(false),
		BackupRetentionPeriod:               new(int32(0)),
		CopyTagsToSnapshot:                  new(false),
		AutoMinorVersionUpgrade:             new(false),
		Tags:                                drillTags(st, run),
	}
}
