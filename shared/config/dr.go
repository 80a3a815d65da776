package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/spec"
)

// DRRule is the guardrail (guardrails.Rule id) database:dr and
// database:drOptOut enforce.
const DRRule = "disaster-recovery"

// DR is the stack's disaster-recovery config (database:dr, or the reason
// database:drOptOut gives for having none).
type DR struct {
	Region        string
	Mode          spec.DRMode
	RetentionDays int
	RPOMinutes    int
	// NetworkStack is the recovery network as the file names it (the
	// networkStack entry); empty means network/<environment>-dr
	// (networkref.RecoveryStack).
	NetworkStack string
	OptOutReason string
}

// drValue is database:dr as the stack file writes it.
type drValue struct {
	Region        string `json:"region"`
	Mode          string `json:"mode"`
	RetentionDays *int   `json:"retentionDays"`
	RPOMinutes    *int   `json:"rpoMinutes"`
	NetworkStack  string `json:"networkStack"`
}

// drReplicaRefusal and drClusterRefusal are the AWS limitations the
// refusals quote (spec.DRMode has the sources).
const (
	drReplicaRefusal = "mode backups: a cross-Region read replica (replica) is not possible while RDS manages the master password in Secrets Manager, which every stack does (guardrail managed-master-password; RDS User Guide, rds-secrets-manager.html: not supported for \"Creating a read replica when the source DB or DB cluster manages credentials with Secrets Manager\")"
	drClusterRefusal = "no database:dr with database:deployment cluster: \"Automated backup replication isn't supported for Multi-AZ DB clusters\" (RDS User Guide, USER_ReplicateBackups.html), and AWS Backup cannot copy a Multi-AZ DB cluster snapshot to another Region (\"copying a Multi-AZ DB cluster snapshot is not supported\", AWS Backup Developer Guide, recov-point-create-a-copy.html); use deployment instance, or database:drOptOut with the reason in prod"
)

// dr reads database:dr after the tier, region, shape and backup retention
// are loaded: a recovery region other than the stack's, the mode (only
// backups) and the replicated backups' retention (default: the stack's
// own backupRetentionDays).
func (k keyReader) dr(d *Database) error {
	v, ok := k.raw(k.name)
	if !ok {
		return nil
	}
	var in drValue
	dec := json.NewDecoder(bytes.NewReader([]byte(v)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return k.fail(v, fmt.Sprintf("an object {region, mode, retentionDays, rpoMinutes, networkStack}: region the recovery region, mode backups, retentionDays 1-35, rpoMinutes %d-%d, networkStack the recovery network (%s; default %s) (no other fields)", spec.MinDRRPOMinutes, spec.MaxDRRPOMinutes, networkref.Forms, networkref.RecoveryStack("<environment>")))
	}
	switch {
	case !regionPattern.MatchString(in.Region):
		return k.breaks(v, "region: an AWS region name such as eu-central-1, the recovery region (got "+strconv.Quote(in.Region)+")")
	case in.Region == d.Region:
		return k.breaks(v, fmt.Sprintf("region: a recovery region other than the stack's own region %s", d.Region))
	case d.Cluster():
		return k.breaks(v, drClusterRefusal)
	}
	mode := spec.DRMode(in.Mode)
	if in.Mode == "" {
		mode = spec.DRBackups
	}
	switch mode {
	case spec.DRBackups:
	case spec.DRReplica:
		return k.breaks(v, drReplicaRefusal)
	default:
		return k.breaks(v, "mode backups (cross-Region automated backup replication), got "+strconv.Quote(in.Mode))
	}
	days := d.BackupRetentionDays
	if in.RetentionDays != nil {
		days = *in.RetentionDays
	}
	if days < spec.MinDRRetentionDays || days > spec.MaxDRRetentionDays {
		return k.breaks(v, fmt.Sprintf("retentionDays from %d to %d days (RDS keeps automated backups 0-35 days, 0 disables them), got %d", spec.MinDRRetentionDays, spec.MaxDRRetentionDays, days))
	}
	rpo := spec.DefaultDRRPOMinutes
	if d.Tier == Prod {
		rpo = spec.DefaultProdDRRPOMinutes
	}
	if in.RPOMinutes != nil {
		rpo = *in.RPOMinutes
	}
	if rpo < spec.MinDRRPOMinutes || rpo > spec.MaxDRRPOMinutes {
		return k.breaks(v, fmt.Sprintf("rpoMinutes from %d to %d minutes (how far the replicated backups may lag behind now), got %d", spec.MinDRRPOMinutes, spec.MaxDRRPOMinutes, rpo))
	}
	ref, err := networkref.ParseRecovery(in.NetworkStack, d.Environment)
	if err != nil {
		return k.breaks(v, fmt.Sprintf("networkStack: the recovery network stack, %s (default %s, the environment's recovery network), got %q", networkref.Forms, networkref.RecoveryStack(d.Environment), in.NetworkStack))
	}
	if ref.Project == networkref.Project && ref.Stack == d.Environment {
		return k.breaks(v, fmt.Sprintf("networkStack: a recovery network, not the environment's primary network %s (default %s)", d.Environment, networkref.RecoveryStack(d.Environment)))
	}
	d.DR = DR{Region: in.Region, Mode: mode, RetentionDays: days, RPOMinutes: rpo, NetworkStack: strings.TrimSpace(in.NetworkStack)}
	return nil
}

// drOptOut reads database:drOptOut after database:dr: the reason a prod
// stack has no DR. A prod stack states one or the other; a stack with DR
// states no reason (a stack of another tier may state one: it needs none,
// and a file copied from prod keeps it).
func (k keyReader) drOptOut(d *Database) error {
	reason, set := k.raw(k.name)
	switch {
	case set && d.DR.Region != "":
		return k.breaks(reason, "no opt-out in a stack that sets database:dr")
	case set && len(reason) < 10:
		return k.breaks(reason, "the reason, in at least 10 characters, that this prod stack keeps no copy in a second region")
	case !set && d.Tier == Prod && d.DR.Region == "":
		return k.reader.breaks(k.rule, "dr", "", "a recovery region in prod, {region, mode: backups, retentionDays}, or database:drOptOut with the reason this stack has none")
	}
	d.DR.OptOutReason = reason
	return nil
}

func drToSpec(d Database, s *spec.Database) {
	s.DR = spec.DR{Region: d.DR.Region, Mode: d.DR.Mode, RetentionDays: d.DR.RetentionDays, RPOMinutes: d.DR.RPOMinutes, NetworkStack: d.DR.NetworkStack, OptOutReason: d.DR.OptOutReason}
	if d.DR.Region != "" {
		s.DR.KmsKeyID = spec.StackKey
	}
}

func drCurrent(d Database) any {
	if d.DR.Region == "" {
		return nil
	}
	v := map[string]any{"region": d.DR.Region, "mode": string(d.DR.Mode), "retentionDays": d.DR.RetentionDays, "rpoMinutes": d.DR.RPOMinutes}
	if d.DR.NetworkStack != "" {
		v["networkStack"] = d.DR.NetworkStack
	}
	return v
}
