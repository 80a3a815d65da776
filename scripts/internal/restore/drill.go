package restore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// RDS is the part of the RDS API the drill calls. There is no Modify or
// Reboot in it, and DeleteDBInstance is only reached through
// Drill.deleteDrillInstance, which refuses any identifier but the drill's.
type RDS interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	RestoreDBInstanceToPointInTime(ctx context.Context, in *rds.RestoreDBInstanceToPointInTimeInput, opts ...func(*rds.Options)) (*rds.RestoreDBInstanceToPointInTimeOutput, error)
	DeleteDBInstance(ctx context.Context, in *rds.DeleteDBInstanceInput, opts ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
}

// Endpoint is where and as whom to connect.
type Endpoint struct {
	// Region is where SecretArn's secret lives: the source's region, also
	// for an instance restored in the DR region.
	Region   string
	Host     string
	Port     int
	Database string
	User     string
	// SecretArn is the RDS-managed master user secret.
	SecretArn string
}

// Connector opens a TLS verify-full connection with the credentials of the
// endpoint's managed secret.
type Connector func(ctx context.Context, ep Endpoint) (Markers, error)

// Tags on the temporary instance. TagRun identifies the run: cleanup
// deletes only an instance that carries this run's value.
const (
	TagDrill  = "pgp:drill"
	TagRun    = "pgp:drill-run"
	TagSource = "pgp:drill-source"
)

// Defaults of the drill's timing.
const (
	DefaultPoll              = 30 * time.Second
	DefaultGap               = 5 * time.Second
	DefaultRestorableTimeout = 30 * time.Minute
	DefaultAvailableTimeout  = 2 * time.Hour
	DefaultDeleteTimeout     = 90 * time.Minute
)

// The checks of a drill, in order.
const (
	CheckSource     = "source"
	CheckMarkers    = "markers"
	CheckRestorable = "restorable"
	CheckRestore    = "restore"
	CheckConnect    = "connect"
	CheckData       = "data"
	CheckCleanup    = "cleanup"
)

// AllChecks lists the drill's checks in order.
var AllChecks = []string{CheckSource, CheckMarkers, CheckRestorable, CheckRestore, CheckConnect, CheckData, CheckCleanup}

// Source is the database stack to drill.
type Source struct {
	Stack       string
	Environment string
	Tier        string
	Region      string
	Outputs     stackout.Database
}

// Drill runs restore drills.
type Drill struct {
	RDS     RDS
	Connect Connector
	// Now and Sleep are the clock; nil means the real one.
	Now   func() time.Time
	Sleep Sleeper
	// Poll is the interval between status reads.
	Poll time.Duration
	// Gap separates each marker from the target time.
	Gap time.Duration
	// RestorableTimeout bounds the wait for the source's latest
	// restorable time to pass the second marker.
	RestorableTimeout time.Duration
	// AvailableTimeout bounds the wait for the restored instance.
	AvailableTimeout time.Duration
	// DeleteTimeout bounds the deletion of the temporary instance; it runs
	// on its own clock, after an interrupt too.
	DeleteTimeout time.Duration
	// InstanceClass of the temporary instance; empty means the source's.
	InstanceClass string
	// RunID names this run (markers, tag); empty means a new random id.
	RunID string
	// Progress receives a line per step and per poll; nil is quiet.
	Progress io.Writer
	// Recovery, when set, makes the drill restore in the disaster
	// recovery region from the source's replicated backups (see stepsDR);
	// RDS stays the primary region's, where the source is described.
	Recovery *Recovery
}

// Report is the outcome of a drill.
type Report struct {
	Tool        string `json:"tool"`
	Stack       string `json:"stack"`
	Environment string `json:"environment"`
	// Region is the source's region.
	Region string `json:"region"`
	// RecoveryRegion is the disaster recovery region the drill restored
	// in; empty for a drill in the source's region.
	RecoveryRegion string `json:"recoveryRegion,omitempty"`
	// ReplicatedBackupArn is the replicated automated backups a DR drill
	// restored from.
	ReplicatedBackupArn string    `json:"replicatedBackupArn,omitempty"`
	SourceInstance      string    `json:"sourceInstance"`
	DrillInstance       string    `json:"drillInstance,omitempty"`
	Run                 string    `json:"run"`
	StartedAt           time.Time `json:"startedAt"`
	FinishedAt          time.Time `json:"finishedAt"`
	// Markers holds the marker times and the restore target.
	Markers *Timeline `json:"markers,omitempty"`
	// RestoreTime is the point in time restored to.
	RestoreTime        *time.Time `json:"restoreTime,omitempty"`
	RestoreRequestedAt *time.Time `json:"restoreRequestedAt,omitempty"`
	RestoreAvailableAt *time.Time `json:"restoreAvailableAt,omitempty"`
	// RestoreSeconds is how long the restored instance took to become
	// available.
	RestoreSeconds float64 `json:"restoreSeconds,omitempty"`
	// RecoverySeconds is the recovery time a DR drill measured: from the
	// restore request until the restored data was read back and checked.
	RecoverySeconds float64 `json:"recoverySeconds,omitempty"`
	// RecoveryPoint is the newest marker that came back in a DR drill.
	RecoveryPoint *RecoveryPoint `json:"recoveryPoint,omitempty"`
	DataCheck     *DataCheck     `json:"dataCheck,omitempty"`
	// Deleted is true once the temporary instance is gone (or was never
	// created).
	Deleted bool           `json:"temporaryInstanceDeleted"`
	Checks  []check.Result `json:"checks"`
	Summary check.Summary  `json:"summary"`
}

func (d *Drill) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Drill) sleep(ctx context.Context, dur time.Duration) error {
	if d.Sleep != nil {
		return d.Sleep(ctx, dur)
	}
	return Sleep(ctx, dur)
}

func (d *Drill) progress(format string, args ...any) {
	if d.Progress != nil {
		fmt.Fprintf(d.Progress, format+"\n", args...)
	}
}

func orDefault(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

// NewRun returns a fresh run id: the UTC time and random hex.
func NewRun(now time.Time) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// state is what the steps share; cleanup reads it.
type state struct {
	src       Source
	inst      rdstypes.DBInstance // the source, as described at the start
	name      string              // the temporary instance
	attempted bool                // RestoreDBInstanceToPointInTime was called
	accepted  bool                // and it answered without an error
	results   []check.Result
}

func (s *state) add(r check.Result) {
	r.Stack = s.src.Stack
	s.results = append(s.results, r)
}

func (s *state) has(name string) bool {
	return slices.ContainsFunc(s.results, func(r check.Result) bool { return r.Name == name })
}

// Run runs one drill. It never returns early without deleting the
// temporary instance: deletion runs deferred, on a context of its own, so
// an interrupt (ctx cancelled) or a panic still deletes it.
func (d *Drill) Run(ctx context.Context, src Source) (rep Report) {
	st := &state{src: src}
	run := d.RunID
	if run == "" {
		run = NewRun(d.now())
	}
	rep = Report{
		Tool: "restore-drill", Stack: src.Stack, Environment: src.Environment, Region: src.Region,
		SourceInstance: src.Outputs.InstanceIdentifier, Run: run, StartedAt: d.now(),
	}
	if d.Recovery != nil {
		rep.RecoveryRegion = d.Recovery.Region
	}
	defer func() {
		reason := "an earlier step failed"
		if ctx.Err() != nil {
			reason = "the drill was interrupted"
		}
		checks := d.checks()
		for _, name := range checks[:len(checks)-1] {
			if !st.has(name) {
				st.add(check.Unknownf(name, "not reached: %s", reason))
			}
		}
		st.add(d.cleanup(ctx, st, run, &rep))
		rep.DrillInstance = st.name
		rep.FinishedAt = d.now()
		rep.Checks = st.results
		rep.Summary = check.Summarize(st.results)
	}()
	if d.Recovery != nil {
		d.stepsDR(ctx, st, run, &rep)
	} else {
		d.steps(ctx, st, run, &rep)
	}
	return rep
}

// source describes the source instance (never changing it), checks it
// against the stack's outputs and keeps it in st.inst; false when the
// drill cannot go on.
func (d *Drill) source(ctx context.Context, st *state) bool {
	inst, err := describe(ctx, d.RDS, st.src.Outputs.InstanceIdentifier)
	if err != nil {
		st.add(check.Failf(CheckSource, "%v", err))
		return false
	}
	res := checkSource(inst, st.src.Outputs)
	st.add(res)
	if res.Status != check.Pass {
		return false
	}
	st.inst = inst
	return true
}

func (d *Drill) steps(ctx context.Context, st *state, run string, rep *Report) {
	out := st.src.Outputs
	if !d.source(ctx, st) {
		return
	}

	// The markers, on the source's clock.
	tl, ok := d.markers(ctx, st, run)
	if !ok {
		return
	}
	rep.Markers = &tl
	target := tl.Target
	rep.RestoreTime = &target

	// RDS must be able to restore past the second marker, or its absence
	// would prove nothing.
	res := d.waitRestorable(ctx, out.InstanceIdentifier, tl.AfterAt)
	st.add(res)
	if res.Status != check.Pass {
		return
	}

	// The temporary instance.
	name, err := InstanceName(out.InstanceIdentifier, d.now())
	if err != nil {
		st.add(check.Failf(CheckRestore, "%v", err))
		return
	}
	if _, err := describe(ctx, d.RDS, name); err == nil {
		st.add(check.Failf(CheckRestore, "an instance named %s already exists: refusing to restore over it", name))
		return
	} else if !isNotFound(err) {
		st.add(check.Failf(CheckRestore, "check that %s is free: %v", name, err))
		return
	}
	in := d.restoreInput(st, name, run, target)
	st.name, st.attempted = name, true
	requested := d.now()
	rep.RestoreRequestedAt = &requested
	d.progress("restore-drill: restoring %s to %s into %s (class %s, subnet group %s, security groups %s)", out.InstanceIdentifier, stamp(target), name, *in.DBInstanceClass, *in.DBSubnetGroupName, strings.Join(in.VpcSecurityGroupIds, ", "))
	if _, err := d.RDS.RestoreDBInstanceToPointInTime(ctx, in); err != nil {
		st.add(check.Failf(CheckRestore, "RestoreDBInstanceToPointInTime to %s: %v", stamp(target), err))
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
	st.add(check.Passf(CheckRestore, "%s restored to %s, available after %s", name, stamp(target), round(available.Sub(requested))))

	// The data check, on the temporary instance. RDS cannot give a
	// restored PostgreSQL instance a managed secret of its own
	// (ManageMasterUserPassword on a restore is Oracle-only): the restored
	// data holds the master password of the target time, which is the one
	// in the source's secret that wrote the markers minutes ago.
	ep := Endpoint{
		Region: st.src.Region, Host: deref(drill.Endpoint.Address), Port: int(deref(drill.Endpoint.Port)),
		Database: out.DatabaseName, User: out.MasterUsername, SecretArn: out.MasterSecretArn,
	}
	dc, ok := d.readRestored(ctx, st, name, ep, run)
	if !ok {
		return
	}
	rep.DataCheck = &dc
	if err := dc.Expect(false); err != nil {
		st.add(check.Failf(CheckData, "restored to %s: %v", stamp(target), err))
		return
	}
	st.add(check.Passf(CheckData, "restored to %s: marker %q present, marker %q absent", stamp(target), MarkerBefore, MarkerAfter))
}

// checkSource refuses sources the drill must not or cannot restore.
func checkSource(inst rdstypes.DBInstance, out stackout.Database) check.Result {
	id := deref(inst.DBInstanceIdentifier)
	var bad []string
	if got := deref(inst.DbiResourceId); got != out.ResourceID {
		bad = append(bad, fmt.Sprintf("resource id %s is not the stack's %s", got, out.ResourceID))
	}
	if status := deref(inst.DBInstanceStatus); status != "available" && status != "backing-up" {
		bad = append(bad, fmt.Sprintf("status is %s, want available", status))
	}
	if deref(inst.BackupRetentionPeriod) < 1 {
		bad = append(bad, "automated backups are off (retention 0): there is nothing to restore from")
	}
	if tag(inst.TagList, TagDrill) != "" {
		bad = append(bad, "it is itself a drill instance")
	}
	if inst.DBSubnetGroup == nil || deref(inst.DBSubnetGroup.DBSubnetGroupName) == "" {
		bad = append(bad, "it reports no subnet group")
	}
	if len(inst.VpcSecurityGroups) == 0 {
		bad = append(bad, "it reports no security group")
	}
	if len(bad) > 0 {
		return check.Failf(CheckSource, "source %s: %s", id, strings.Join(bad, "; "))
	}
	lrt := "none yet"
	if inst.LatestRestorableTime != nil {
		lrt = stamp(*inst.LatestRestorableTime)
	}
	return check.Passf(CheckSource, "%s is %s, backups kept %d days, restorable up to %s", id, deref(inst.DBInstanceStatus), deref(inst.BackupRetentionPeriod), lrt)
}

// restoreInput builds the restore request: same subnet group, security
// groups and parameter group as the source, single-AZ, not public, no
// deletion protection, no backups of its own (faster to create), tagged as
// this run's drill. Storage encryption and its key come from the source.
func (d *Drill) restoreInput(st *state, name, run string, target time.Time) *rds.RestoreDBInstanceToPointInTimeInput {
	src := st.inst
	var sgs []string
	for _, g := range src.VpcSecurityGroups {
		sgs = append(sgs, deref(g.VpcSecurityGroupId))
	}
	class := d.InstanceClass
	if class == "" {
		class = deref(src.DBInstanceClass)
	}
	in := &rds.RestoreDBInstanceToPointInTimeInput{
		SourceDBInstanceIdentifier: src.DBInstanceIdentifier,
		TargetDBInstanceIdentifier: &name,
		RestoreTime:                &target,
		DBInstanceClass:            &class,
		DBSubnetGroupName:          src.DBSubnetGroup.DBSubnetGroupName,
		VpcSecurityGroupIds:        sgs,
		DeletionProtection:         new(false),
		MultiAZ:                    new(false),
		PubliclyAccessible:         new(false),
		BackupRetentionPeriod:      new(int32(0)),
		CopyTagsToSnapshot:         new(false),
		AutoMinorVersionUpgrade:    new(false),
		Tags:                       drillTags(st, run),
	}
	if len(src.DBParameterGroups) > 0 {
		in.DBParameterGroupName = src.DBParameterGroups[0].DBParameterGroupName
	}
	return in
}

// drillTags are the tags of a drill instance: the sweep finds left-behind
// instances by TagDrill and TagSource, cleanup deletes only TagRun's.
func drillTags(st *state, run string) []rdstypes.Tag {
	return []rdstypes.Tag{
		{Key: new(TagDrill), Value: new("restore")},
		{Key: new(TagRun), Value: new(run)},
		{Key: new(TagSource), Value: st.inst.DBInstanceIdentifier},
		{Key: new("Environment"), Value: new(st.src.Environment)},
		{Key: new("Tier"), Value: new(st.src.Tier)},
		{Key: new("Stack"), Value: new(st.src.Stack)},
		{Key: new("ManagedBy"), Value: new("restore-drill")},
	}
}

// waitRestorable polls the source until RDS can restore past t.
func (d *Drill) waitRestorable(ctx context.Context, id string, t time.Time) check.Result {
	limit := orDefault(d.RestorableTimeout, DefaultRestorableTimeout)
	start := d.now()
	for {
		inst, err := describe(ctx, d.RDS, id)
		if err != nil {
			return check.Failf(CheckRestorable, "%v", err)
		}
		lrt := inst.LatestRestorableTime
		if lrt != nil && !lrt.Before(t) {
			return check.Passf(CheckRestorable, "%s restorable up to %s, past the second marker", id, stamp(*lrt))
		}
		seen := "none"
		if lrt != nil {
			seen = stamp(*lrt)
		}
		waited := d.now().Sub(start)
		if waited >= limit {
			return check.Failf(CheckRestorable, "after %s, %s is restorable only up to %s, not past the second marker at %s: transaction logs are not reaching the backups", round(waited), id, seen, stamp(t))
		}
		d.progress("restore-drill: %s restorable up to %s; waiting for %s (%s waited, up to %s)", id, seen, stamp(t), round(waited), limit)
		if err := d.sleep(ctx, orDefault(d.Poll, DefaultPoll)); err != nil {
			return check.Failf(CheckRestorable, "wait for the restorable time: %v", err)
		}
	}
}

// failedStatuses are the statuses from which a restoring instance does not
// become available.
var failedStatuses = []string{
	"failed", "incompatible-restore", "incompatible-parameters", "incompatible-network",
	"incompatible-option-group", "inaccessible-encryption-credentials", "storage-full",
	"restore-error", "deleting", "stopped",
}

// waitAvailable polls the temporary instance until it is available with
// an endpoint (and, should RDS report a managed secret for it, an active
// one).
func (d *Drill) waitAvailable(ctx context.Context, name string) (rdstypes.DBInstance, error) {
	limit := orDefault(d.AvailableTimeout, DefaultAvailableTimeout)
	start := d.now()
	for {
		inst, err := describe(ctx, d.target(), name)
		status, secret := "not visible yet", ""
		switch {
		case err == nil:
			status = deref(inst.DBInstanceStatus)
			if inst.MasterUserSecret != nil {
				secret = deref(inst.MasterUserSecret.SecretStatus)
			}
			if status == "available" && inst.Endpoint != nil && (secret == "" || secret == "active") {
				return inst, nil
			}
			if slices.Contains(failedStatuses, status) {
				return inst, fmt.Errorf("restored instance %s went to status %s", name, status)
			}
		case !isNotFound(err):
			return inst, err
		}
		waited := d.now().Sub(start)
		if waited >= limit {
			return inst, fmt.Errorf("restored instance %s is still %s after %s", name, status, round(waited))
		}
		pct := ""
		if err == nil && inst.PercentProgress != nil {
			pct = ", " + *inst.PercentProgress + "%"
		}
		if secret != "" && secret != "active" {
			pct += ", secret " + secret
		}
		d.progress("restore-drill: %s is %s%s (%s elapsed, up to %s)", name, status, pct, round(waited), limit)
		if err := d.sleep(ctx, orDefault(d.Poll, DefaultPoll)); err != nil {
			return inst, fmt.Errorf("wait for %s: %w", name, err)
		}
	}
}

// cleanup deletes the temporary instance, on a context that outlives an
// interrupt. It deletes only an instance that carries this run's tag, and
// never the source.
func (d *Drill) cleanup(parent context.Context, st *state, run string, rep *Report) check.Result {
	if !st.attempted {
		rep.Deleted = true
		return check.Passf(CheckCleanup, "nothing to delete: no restore was requested")
	}
	limit := orDefault(d.DeleteTimeout, DefaultDeleteTimeout)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), limit)
	defer cancel()
	name := st.name
	byHand := fmt.Sprintf("delete it by hand: aws rds delete-db-instance --region %s --db-instance-identifier %s --skip-final-snapshot --delete-automated-backups", d.targetRegion(st.src), name)
	if parent.Err() != nil {
		d.progress("restore-drill: interrupted: deleting %s before exiting (this takes minutes; the source is not touched)", name)
	}
	start := d.now()
	requested := false
	for {
		inst, err := describe(ctx, d.target(), name)
		switch {
		case isNotFound(err) && requested:
			rep.Deleted = true
			return check.Passf(CheckCleanup, "%s deleted after %s", name, round(d.now().Sub(start)))
		case isNotFound(err) && !st.accepted && d.now().Sub(start) >= 2*orDefault(d.Poll, DefaultPoll):
			// The restore request failed and, after a moment for RDS's
			// eventual consistency, no instance showed up.
			rep.Deleted = true
			return check.Passf(CheckCleanup, "%s was never created (the restore request failed)", name)
		case isNotFound(err):
			d.progress("restore-drill: %s is not visible yet; waiting to delete it", name)
		case err != nil && !isNotFound(err):
			d.progress("restore-drill: describe %s: %v (retrying)", name, err)
		case err == nil && !ours(inst, run, st.accepted):
			return check.Failf(CheckCleanup, "%s exists but is not this run's drill instance (tag %s=%q, want %q): left alone", name, TagRun, tag(inst.TagList, TagRun), run)
		case err == nil && deref(inst.DBInstanceStatus) == "deleting":
			requested = true
			d.progress("restore-drill: %s is deleting (%s elapsed)", name, round(d.now().Sub(start)))
		case err == nil:
			derr := d.deleteDrillInstance(ctx, st, name)
			switch {
			case derr == nil:
				requested = true
				d.progress("restore-drill: deleting %s (skip final snapshot, delete automated backups)", name)
			case isNotFound(derr):
				requested = true
			case isCode(derr, "InvalidDBInstanceState", "InvalidDBInstanceStateFault"):
				d.progress("restore-drill: %s cannot be deleted while %s; retrying", name, deref(inst.DBInstanceStatus))
			default:
				d.progress("restore-drill: delete %s: %v (retrying)", name, derr)
			}
		}
		if ctx.Err() != nil || d.now().Sub(start) >= limit {
			return check.Failf(CheckCleanup, "%s still exists after %s: %s", name, round(d.now().Sub(start)), byHand)
		}
		if err := d.sleep(ctx, orDefault(d.Poll, DefaultPoll)); err != nil {
			return check.Failf(CheckCleanup, "%s may still exist: %s", name, byHand)
		}
	}
}

// ours reports whether an instance under the drill's name belongs to this
// run: it carries the run's tag, or it carries no run tag at all (tags not
// visible yet) and RDS accepted this run's restore under that name, which
// it would have refused had the name been taken.
func ours(inst rdstypes.DBInstance, run string, accepted bool) bool {
	got := tag(inst.TagList, TagRun)
	return got == run || (got == "" && accepted)
}

// deleteDrillInstance is the only caller of DeleteDBInstance. It refuses
// any identifier other than this run's temporary instance, so no code path
// can delete the source.
func (d *Drill) deleteDrillInstance(ctx context.Context, st *state, name string) error {
	source := st.src.Outputs.InstanceIdentifier
	if name != st.name || name == source || !IsDrillName(name, source) {
		return fmt.Errorf("refusing to delete %s: only this run's drill instance %s may be deleted", name, st.name)
	}
	_, err := d.target().DeleteDBInstance(ctx, &rds.DeleteDBInstanceInput{
		DBInstanceIdentifier:   &name,
		SkipFinalSnapshot:      new(true),
		DeleteAutomatedBackups: new(true),
	})
	return err
}

func describe(ctx context.Context, api RDS, id string) (rdstypes.DBInstance, error) {
	out, err := api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &id})
	if err != nil {
		return rdstypes.DBInstance{}, fmt.Errorf("describe instance %s: %w", id, err)
	}
	for _, inst := range out.DBInstances {
		if deref(inst.DBInstanceIdentifier) == id {
			return inst, nil
		}
	}
	return rdstypes.DBInstance{}, &smithy.GenericAPIError{Code: "DBInstanceNotFound", Message: "no instance " + id}
}

func isNotFound(err error) bool { return isCode(err, "DBInstanceNotFound", "DBInstanceNotFoundFault") }

func isCode(err error, codes ...string) bool {
	var api smithy.APIError
	return errors.As(err, &api) && slices.Contains(codes, api.ErrorCode())
}

func tag(tags []rdstypes.Tag, key string) string {
	for _, t := range tags {
		if deref(t.Key) == key {
			return deref(t.Value)
		}
	}
	return ""
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func round(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}
