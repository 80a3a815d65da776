package naming_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pgplatform/platform/shared/naming"
)

// rdsIdentifier is RDS's rule for DB instance identifiers: 1-63 lowercase
// letters, digits and hyphens, starting with a letter, no two hyphens in a
// row and no hyphen at the end.
var rdsIdentifier = regexp.MustCompile(`^[a-z](-?[a-z0-9])*$`)

func TestInstanceIdentifier(t *testing.T) {
	inputs := []string{"16", "db.r6g.large", "arn:aws:kms:eu-west-1:123456789012:key/abc"}
	id, err := naming.InstanceIdentifier("orders", "prod", inputs...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "orders-prod-") || len(id) != len("orders-prod-")+8 {
		t.Errorf("identifier %q is not <app>-<env>-<8-character digest>", id)
	}
	if len(id) > 63 || !rdsIdentifier.MatchString(id) {
		t.Errorf("identifier %q breaks RDS's naming rule", id)
	}
	again, err := naming.InstanceIdentifier("orders", "prod", inputs...)
	if err != nil || again != id {
		t.Errorf("same inputs gave %q then %q (%v)", id, again, err)
	}

	variants := map[string]struct {
		app, env string
		inputs   []string
	}{
		"other app":               {"payments", "prod", inputs},
		"other environment":       {"orders", "staging", inputs},
		"engine changed":          {"orders", "prod", []string{"17", inputs[1], inputs[2]}},
		"class changed":           {"orders", "prod", []string{inputs[0], "db.r6g.xlarge", inputs[2]}},
		"key changed":             {"orders", "prod", []string{inputs[0], inputs[1], "arn:aws:kms:eu-west-1:123456789012:key/def"}},
		"input added":             {"orders", "prod", append(append([]string(nil), inputs...), "x")},
		"input removed":           {"orders", "prod", inputs[:2]},
		"inputs swapped":          {"orders", "prod", []string{inputs[1], inputs[0], inputs[2]}},
		"boundary between inputs": {"orders", "prod", []string{"16db.r6g.large", "", inputs[2]}},
		"no inputs":               {"orders", "prod", nil},
	}
	seen := map[string]string{id: "original"}
	for name, v := range variants {
		got, err := naming.InstanceIdentifier(v.app, v.env, v.inputs...)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("%s gives the same identifier %q as %s", name, got, prev)
		}
		seen[got] = name
		if len(got) > 63 || !rdsIdentifier.MatchString(got) {
			t.Errorf("%s: identifier %q breaks RDS's naming rule", name, got)
		}
	}
	// The longest app (20) and environment (12) that config accepts fit.
	long, err := naming.InstanceIdentifier(strings.Repeat("a", 20), strings.Repeat("e", 12), inputs...)
	if err != nil || len(long) > 63 || !rdsIdentifier.MatchString(long) {
		t.Errorf("longest names: %q, %v", long, err)
	}
}

func TestInstanceIdentifierRefuses(t *testing.T) {
	cases := map[string][2]string{
		"upper-case app":         {"Orders", "prod"},
		"app starts with digit":  {"1orders", "prod"},
		"empty app":              {"", "prod"},
		"empty environment":      {"orders", ""},
		"app ends with a hyphen": {"orders-", "prod"},
		"underscore":             {"orders_api", "prod"},
		"dot":                    {"orders.api", "prod"},
		"too long":               {strings.Repeat("a", 50), "production"},
	}
	for name, c := range cases {
		id, err := naming.InstanceIdentifier(c[0], c[1], "16")
		if err == nil {
			t.Errorf("%s: accepted %q", name, id)
			continue
		}
		if !strings.Contains(err.Error(), "not valid for RDS") || !strings.Contains(err.Error(), c[0]+"-"+c[1]+"-") {
			t.Errorf("%s: error %q does not name the identifier and the rule", name, err)
		}
	}
}

func TestDigest(t *testing.T) {
	d := naming.Digest("a", "b")
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(d) {
		t.Errorf("Digest = %q, want 8 hex digits", d)
	}
	if naming.Digest("a", "b") != d || naming.Digest("ab") == d || naming.Digest("a", "b", "") == d {
		t.Error("Digest is not stable, or ignores where inputs are split")
	}
}

func TestFinalSnapshotSuffix(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	at := time.Date(2025, 3, 4, 5, 6, 7, 999, cet)
	if got, want := naming.FinalSnapshotSuffix(at), "final-20250304-040607"; got != want {
		t.Errorf("FinalSnapshotSuffix = %q, want %q (UTC, to the second)", got, want)
	}
	if naming.FinalSnapshotSuffix(at) != naming.FinalSnapshotSuffix(at.UTC()) {
		t.Error("the suffix depends on the time zone")
	}
	if naming.FinalSnapshotSuffix(at) == naming.FinalSnapshotSuffix(at.Add(time.Second)) {
		t.Error("incarnations a second apart get the same suffix")
	}
	id, err := naming.InstanceIdentifier("orders", "prod", "16")
	if err != nil {
		t.Fatal(err)
	}
	snap := naming.FinalSnapshotIdentifier(id, naming.FinalSnapshotSuffix(at))
	if snap != id+"-final-20250304-040607" {
		t.Errorf("FinalSnapshotIdentifier = %q", snap)
	}
	// RDS snapshot identifiers: 1-255 letters, digits and single hyphens,
	// starting with a letter.
	if len(snap) > 255 || !rdsIdentifier.MatchString(snap) {
		t.Errorf("snapshot identifier %q breaks RDS's naming rule", snap)
	}
}

func TestKeyAliasAndLogGroup(t *testing.T) {
	if got, want := naming.Base("orders", "prod"), "orders-prod"; got != want {
		t.Errorf("Base = %q, want %q", got, want)
	}
	alias := naming.KeyAlias("orders", "prod")
	if alias != "alias/pgp/orders-prod" {
		t.Errorf("KeyAlias = %q", alias)
	}
	// KMS: alias/ then letters, digits, / _ -; alias/aws/ is AWS's.
	if !regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]{1,250}$`).MatchString(alias) || strings.HasPrefix(alias, "alias/aws/") {
		t.Errorf("KeyAlias %q is not a valid customer alias", alias)
	}
	if naming.KeyAlias("orders", "prod") == naming.KeyAlias("payments", "prod") || naming.KeyAlias("orders", "dev") == naming.KeyAlias("orders", "prod") {
		t.Error("two stacks share a key alias")
	}
	// RDS writes an export to /aws/rds/instance/<identifier>/<log>.
	if got, want := naming.InstanceLogGroup("orders-prod-0a1b2c3d", "postgresql"), "/aws/rds/instance/orders-prod-0a1b2c3d/postgresql"; got != want {
		t.Errorf("InstanceLogGroup = %q, want %q", got, want)
	}
}

func TestClusterIdentifier(t *testing.T) {
	inputs := []string{"cluster", "postgres", "orders", "orders_admin", "true", "arn:aws:kms:eu-west-1:123456789012:key/abc", "subnets-1", "io2", "5432"}
	id, err := naming.ClusterIdentifier("orders", "prod", inputs...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(id, "orders-prod-") || len(id) != len("orders-prod-")+8 || !rdsIdentifier.MatchString(id) {
		t.Errorf("identifier %q is not <app>-<env>-<8-character digest>", id)
	}
	other, err := naming.ClusterIdentifier("orders", "prod", append(append([]string(nil), inputs[:7]...), "gp3", "5432")...)
	if err != nil || other == id {
		t.Errorf("another storage type gives %q (%v), want an identifier other than %q", other, err, id)
	}
	// The longest app (20) and environment (12) that config accepts fit
	// the 52 characters of a Multi-AZ DB cluster identifier.
	if long, err := naming.ClusterIdentifier(strings.Repeat("a", 20), strings.Repeat("e", 12), inputs...); err != nil || len(long) > 52 {
		t.Errorf("longest names: %q, %v", long, err)
	}
	// 53 characters fit an instance identifier but not a cluster's.
	if long, err := naming.ClusterIdentifier(strings.Repeat("a", 30), strings.Repeat("e", 13), inputs...); err == nil {
		t.Errorf("a %d-character cluster identifier %q was accepted", len(long), long)
	}
	if _, err := naming.ClusterIdentifier("Orders", "prod", inputs...); err == nil {
		t.Error("an upper-case app was accepted")
	}
	if got, want := naming.ClusterLogGroup(id, "postgresql"), "/aws/rds/cluster/"+id+"/postgresql"; got != want {
		t.Errorf("ClusterLogGroup = %q, want %q", got, want)
	}
}
