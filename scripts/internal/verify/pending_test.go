package verify

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

func TestPendingModificationsAreReportedWithTheirWindow(t *testing.T) {
	now := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC) // a Wednesday
	inst := rdstypes.DBInstance{
		PreferredMaintenanceWindow: aws.String("sun:04:00-sun:05:00"),
		DBInstanceClass:            aws.String("db.t4g.medium"),
		PendingModifiedValues:      &rdstypes.PendingModifiedValues{DBInstanceClass: aws.String("db.r6g.large"), MultiAZ: aws.Bool(true)},
	}
	r := checkPendingModifications(inst, now)
	if r.Status != check.Pass {
		t.Errorf("status %s, want pass: a scheduled change is not a failure", r.Status)
	}
	for _, want := range []string{"sun:04:00-sun:05:00", "next: Sun 2026-12-06 04:00 UTC", "DBInstanceClass=db.r6g.large", "MultiAZ=true"} {
		if !strings.Contains(r.Detail, want) {
			t.Errorf("detail %q lacks %q", r.Detail, want)
		}
	}

	inst.PendingModifiedValues = &rdstypes.PendingModifiedValues{}
	r = checkPendingModifications(inst, now)
	if r.Status != check.Pass || !strings.HasPrefix(r.Detail, "nothing waits for the maintenance window sun:04:00-sun:05:00") {
		t.Errorf("%s %q, want pass saying nothing waits", r.Status, r.Detail)
	}
}
