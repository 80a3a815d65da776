package verify

import (
	"strings"
	"testing"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/verify/check"
	"github.com/pgplatform/platform/shared/config"
)

// The Multi-AZ check when Multi-AZ is required and on: what RDS reports
// of the standby decides. Whether the instance is live comes from its
// status, as in Verify, so a standby missing on a serving instance fails
// while one missing during creation cannot be told yet.
func TestMultiAZStandby(t *testing.T) {
	exp := Expect{Tier: config.Staging, MultiAZ: true}
	for _, tc := range []struct {
		name      string
		status    string
		secondary string
		want      check.Status
		// details are substrings the detail must hold: the zones and
		// the reason.
		details []string
	}{
		{
			name:      "available without a standby AZ fails",
			status:    "available",
			secondary: "",
			want:      check.Fail,
			details:   []string{"primary eu-west-1b", "no standby AZ", "instance is available"},
		},
		{
			name:      "backing-up without a standby AZ fails",
			status:    "backing-up",
			secondary: "",
			want:      check.Fail,
			details:   []string{"primary eu-west-1b", "no standby AZ", "instance is backing-up"},
		},
		{
			name:      "standby in the primary's AZ fails",
			status:    "available",
			secondary: "eu-west-1b",
			want:      check.Fail,
			details:   []string{"primary eu-west-1b", "standby eu-west-1b", "same AZ"},
		},
		{
			name:      "standby in another AZ passes",
			status:    "available",
			secondary: "eu-west-1c",
			want:      check.Pass,
			details:   []string{"primary eu-west-1b, standby eu-west-1c"},
		},
		{
			name:      "still creating without a standby AZ cannot tell",
			status:    "creating",
			secondary: "",
			want:      check.Unknown,
			details:   []string{"primary eu-west-1b", "no standby AZ yet", "status creating"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := rdstypes.DBInstance{
				DBInstanceStatus: new(tc.status),
				MultiAZ:          new(true),
				AvailabilityZone: new("eu-west-1b"),
			}
			if tc.secondary != "" {
				inst.SecondaryAvailabilityZone = new(tc.secondary)
			}
			r := checkMultiAZ(inst, exp, instanceLive(inst))
			if r.Name != CheckMultiAZ {
				t.Errorf("result named %s, want %s", r.Name, CheckMultiAZ)
			}
			checkResult(t, r, tc.want, tc.details...)
		})
	}
}

// checkResult reports an error unless r has status want and its detail
// holds every one of details; it returns whether the status was right.
func checkResult(t *testing.T, r check.Result, want check.Status, details ...string) bool {
	t.Helper()
	if r.Status != want {
		t.Errorf("status %s (%s), want %s", r.Status, r.Detail, want)
	}
	for _, s := range details {
		if !strings.Contains(r.Detail, s) {
			t.Errorf("detail %q lacks %q", r.Detail, s)
		}
	}
	return r.Status == want
}
