package config_test

import (
	"testing"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/spec"
)

// TestDRRejects: every value of database:dr and database:drOptOut that
// AWS or the platform refuses is refused at load, naming the key, the
// value and what is allowed.
func TestDRRejects(t *testing.T) {
	dr := func(v string) map[string]string {
		return map[string]string{"database:dr": v, "database:drOptOut": unset}
	}
	good := `{"region":"eu-central-1","mode":"backups","retentionDays":14}`
	cases := []rejection{
		{"prod without dr or opt-out", map[string]string{"database:drOptOut": unset}, "database:dr", "", "or database:drOptOut"},
		{"dr not an object", dr(`eu-central-1`), "database:dr", `eu-central-1`, "an object {region, mode, retentionDays, rpoMinutes, networkStack}"},
		{"dr with an unknown field", dr(`{"region":"eu-central-1","vault":"x"}`), "database:dr", `{"region":"eu-central-1","vault":"x"}`, "no other fields"},
		{"dr region missing", dr(`{"mode":"backups"}`), "database:dr", `{"mode":"backups"}`, "an AWS region name"},
		{"dr region not a region", dr(`{"region":"frankfurt"}`), "database:dr", `{"region":"frankfurt"}`, "an AWS region name"},
		{"dr region the stack's own", dr(`{"region":"eu-west-1"}`), "database:dr", `{"region":"eu-west-1"}`, "other than the stack's own region eu-west-1"},
		{"dr mode unknown", dr(`{"region":"eu-central-1","mode":"snapshots"}`), "database:dr", `{"region":"eu-central-1","mode":"snapshots"}`, "mode backups"},
		{"dr mode replica", dr(`{"region":"eu-central-1","mode":"replica"}`), "database:dr", `{"region":"eu-central-1","mode":"replica"}`, "Creating a read replica when the source DB or DB cluster manages credentials with Secrets Manager"},
		{"dr on a cluster", map[string]string{"database:dr": good, "database:drOptOut": unset, "database:deployment": "cluster"}, "database:dr", good, "Automated backup replication isn't supported for Multi-AZ DB clusters"},
		{"dr retention 0", dr(`{"region":"eu-central-1","retentionDays":0}`), "database:dr", `{"region":"eu-central-1","retentionDays":0}`, "retentionDays from 1 to 35"},
		{"dr retention 36", dr(`{"region":"eu-central-1","retentionDays":36}`), "database:dr", `{"region":"eu-central-1","retentionDays":36}`, "retentionDays from 1 to 35"},
		{"dr retention not a number", dr(`{"region":"eu-central-1","retentionDays":"a week"}`), "database:dr", `{"region":"eu-central-1","retentionDays":"a week"}`, "retentionDays 1-35"},
		{"dr rpo 14", dr(`{"region":"eu-central-1","rpoMinutes":14}`), "database:dr", `{"region":"eu-central-1","rpoMinutes":14}`, "rpoMinutes from 15 to 1440"},
		{"dr rpo over a day", dr(`{"region":"eu-central-1","rpoMinutes":1441}`), "database:dr", `{"region":"eu-central-1","rpoMinutes":1441}`, "rpoMinutes from 15 to 1440"},
		{"dr rpo not a number", dr(`{"region":"eu-central-1","rpoMinutes":"1h"}`), "database:dr", `{"region":"eu-central-1","rpoMinutes":"1h"}`, "rpoMinutes 15-1440"},
		{"dr networkStack with four parts", dr(`{"region":"eu-central-1","networkStack":"a/b/c/d"}`), "database:dr", `{"region":"eu-central-1","networkStack":"a/b/c/d"}`, "networkStack: the recovery network stack, <stack>, <project>/<stack> or <organization>/<project>/<stack> (default prod-dr"},
		{"dr networkStack with a space", dr(`{"region":"eu-central-1","networkStack":"prod dr"}`), "database:dr", `{"region":"eu-central-1","networkStack":"prod dr"}`, `got "prod dr"`},
		{"dr networkStack an empty part", dr(`{"region":"eu-central-1","networkStack":"network//prod-dr"}`), "database:dr", `{"region":"eu-central-1","networkStack":"network//prod-dr"}`, "networkStack: the recovery network stack"},
		{"dr networkStack the primary network", dr(`{"region":"eu-central-1","networkStack":"network/prod"}`), "database:dr", `{"region":"eu-central-1","networkStack":"network/prod"}`, "not the environment's primary network prod"},
		{"dr networkStack not a string", dr(`{"region":"eu-central-1","networkStack":7}`), "database:dr", `{"region":"eu-central-1","networkStack":7}`, "networkStack the recovery network"},
		{"opt-out next to dr", map[string]string{"database:dr": good}, "database:drOptOut", "no recovery network in these tests", "no opt-out in a stack that sets database:dr"},
		{"opt-out without a reason", map[string]string{"database:drOptOut": "no"}, "database:drOptOut", "no", "at least 10 characters"},
	}
	runRejections(t, databaseBase(), "database", cases, loadDatabase)
}

// TestDRResolves: a DR config is resolved into the spec with the
// stack's own key in the recovery region, and retention defaults to the
// stack's backup retention; an opt-out keeps its reason.
func TestDRResolves(t *testing.T) {
	d := loadDB(t, map[string]string{"database:dr": `{"region":"eu-central-1"}`, "database:drOptOut": unset, "database:backupRetentionDays": "21"})
	got := config.DatabaseSpec(d).DR
	want := spec.DR{Region: "eu-central-1", Mode: spec.DRBackups, RetentionDays: 21, RPOMinutes: spec.DefaultProdDRRPOMinutes, KmsKeyID: spec.StackKey}
	if got != want {
		t.Errorf("spec DR %+v, want %+v", got, want)
	}
	d = loadDB(t, map[string]string{"database:dr": `{"region":"us-east-2","mode":"backups","retentionDays":3,"rpoMinutes":30,"networkStack":"prod-ohio"}`, "database:drOptOut": unset})
	if got := config.DatabaseSpec(d).DR; got.RetentionDays != 3 || got.Region != "us-east-2" || got.RPOMinutes != 30 || got.NetworkStack != "prod-ohio" {
		t.Errorf("spec DR %+v, want us-east-2 with 3 days, a 30-minute RPO and the network prod-ohio", got)
	}
	d = loadDB(t, map[string]string{"database:tier": "staging", "database:environment": "staging", "database:drOptOut": unset, "database:dr": `{"region":"eu-central-1"}`})
	if got := config.DatabaseSpec(d).DR; got.RPOMinutes != spec.DefaultDRRPOMinutes {
		t.Errorf("staging spec DR %+v, want the %d-minute default RPO", got, spec.DefaultDRRPOMinutes)
	}
	d = loadDB(t, nil)
	if got := config.DatabaseSpec(d).DR; got.Enabled() || got.OptOutReason != "no recovery network in these tests" || got.KmsKeyID != "" {
		t.Errorf("opted-out spec DR %+v, want none with the reason", got)
	}
	d = loadDB(t, map[string]string{"database:tier": "staging", "database:environment": "staging", "database:drOptOut": unset})
	if got := config.DatabaseSpec(d).DR; got.Enabled() {
		t.Errorf("staging without dr: spec DR %+v, want none", got)
	}
}
