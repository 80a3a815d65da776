package verify

import (
	"errors"
	"strings"
	"testing"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/verify/check"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/stacks"
)

func stackOf(tier string, extra map[string]string) stacks.Stack {
	cfg := map[string]string{
		"aws:region":            "eu-west-1",
		"aws:allowedAccountIds": `["111122223333"]`,
		"database:environment":  tier,
		"database:tier":         tier,
		"database:app":          "orders",
	}
	for k, v := range extra {
		cfg[k] = v
	}
	return stacks.Stack{Project: "database", Name: "orders-" + tier, Environment: tier, Tier: tier, Config: cfg}
}

func TestExpectationsPerTier(t *testing.T) {
	for _, tc := range []struct {
		name       string
		stack      stacks.Stack
		multiAZ    bool
		protection bool
		retention  int
	}{
		{"dev defaults (deletion protection off by default in dev)", stackOf("dev", nil), true, false, 7},
		{"dev opts in", stackOf("dev", map[string]string{"database:deletionProtection": "true"}), true, true, 7},
		{"dev opts out", stackOf("dev", map[string]string{"database:multiAz": "false", "database:deletionProtection": "false"}), false, false, 7},
		{"staging cannot opt out", stackOf("staging", map[string]string{"database:multiAz": "false", "database:deletionProtection": "false"}), true, true, 7},
		{"prod floor is 14", stackOf("prod", map[string]string{"database:drOptOut": "verify reads no recovery region"}), true, true, 14},
		{"config above the floor wins", stackOf("staging", map[string]string{"database:backupRetentionDays": "21"}), true, true, 21},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Expectations(tc.stack)
			if err != nil {
				t.Fatal(err)
			}
			if e.MultiAZ != tc.multiAZ || e.DeletionProtection != tc.protection || e.MinBackupRetention != tc.retention {
				t.Errorf("got Multi-AZ %t, deletion protection %t, retention %d; want %t, %t, %d", e.MultiAZ, e.DeletionProtection, e.MinBackupRetention, tc.multiAZ, tc.protection, tc.retention)
			}
		})
	}
}

func TestExpectationsBadConfig(t *testing.T) {
	_, err := Expectations(stackOf("staging", map[string]string{"database:allowedCidrs": `["0.0.0.0/0"]`}))
	var cerr *config.Error
	if err == nil || !strings.Contains(err.Error(), "database:allowedCidrs") {
		t.Fatalf("error %v, want one naming database:allowedCidrs", err)
	}
	if !errors.As(err, &cerr) {
		t.Errorf("error %T does not wrap the config error", err)
	}
	if _, err := Expectations(stacks.Stack{Project: "network", Name: "dev"}); err == nil || !strings.Contains(err.Error(), "verify checks database stacks") {
		t.Errorf("network stack: error %v", err)
	}
}

// Every committed database stack must load, or verify would report a
// config failure after every deploy.
func TestCommittedStacksLoad(t *testing.T) {
	root, err := stacks.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	all, err := stacks.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range all {
		if s.Project != "database" {
			continue
		}
		n++
		e, err := Expectations(s)
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		if config.Tier(s.Tier).Strict() && (!e.MultiAZ || !e.DeletionProtection) {
			t.Errorf("%s (tier %s): Multi-AZ %t, deletion protection %t expected; strict tiers require both", s.Name, s.Tier, e.MultiAZ, e.DeletionProtection)
		}
	}
	if n == 0 {
		t.Fatal("no committed database stacks found")
	}
}

func TestMultiAZSingleAllowedInDev(t *testing.T) {
	exp := Expect{Tier: config.Dev, MultiAZ: false}
	inst := rdstypes.DBInstance{MultiAZ: new(false), AvailabilityZone: new("eu-west-1a"), DBInstanceStatus: new("available")}
	if r := checkMultiAZ(inst, exp, true); r.Status != check.Pass || !strings.Contains(r.Detail, "database:multiAz false allows") {
		t.Errorf("%s: %s", r.Status, r.Detail)
	}
	exp.MultiAZ = true
	if r := checkMultiAZ(inst, exp, true); r.Status != check.Fail {
		t.Errorf("required but off: %s", r.Status)
	}
	inst.PendingModifiedValues = &rdstypes.PendingModifiedValues{MultiAZ: new(true)}
	if r := checkMultiAZ(inst, exp, true); r.Status != check.Fail || !strings.Contains(r.Detail, "pending") {
		t.Errorf("pending change: %s %s", r.Status, r.Detail)
	}
}

func TestPortsOK(t *testing.T) {
	for _, tc := range []struct {
		proto    string
		from, to int32
		ok       bool
	}{
		{"tcp", 5432, 5432, true},
		{"6", 5432, 5432, true},
		{"tcp", 5433, 5433, false},
		{"tcp", 0, 65535, false},
		{"-1", -1, -1, false},
		{"udp", 5432, 5432, false},
	} {
		what, ok := portsOK(ec2Perm(tc.proto, tc.from, tc.to), 5432)
		if ok != tc.ok {
			t.Errorf("%s %d-%d: ok=%t (%s), want %t", tc.proto, tc.from, tc.to, ok, what, tc.ok)
		}
	}
}

func ec2Perm(proto string, from, to int32) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: &proto, FromPort: &from, ToPort: &to}
}
