package verify

import (
	"time"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/rdspending"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// CheckPendingModifications reports what RDS holds for the instance's
// maintenance window. It is a result line, not a guardrail: with
// applyImmediately off (staging and prod) a change the program made waits
// for the window as a pending modification
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_PendingModifiedValues.html),
// and the other checks read the values the instance runs with until then.
// It passes whether or not something is pending, and says what and when.
const CheckPendingModifications = "pending-modifications"

func checkPendingModifications(inst rdstypes.DBInstance, now time.Time) check.Result {
	window := deref(inst.PreferredMaintenanceWindow)
	when := "the maintenance window " + orNone(window)
	if next := rdspending.NextWindow(window, now); next != "" {
		when += " (next: " + next + ")"
	}
	pending, err := rdspending.Fields(inst.PendingModifiedValues)
	switch {
	case err != nil:
		return check.Unknownf(CheckPendingModifications, "%v", err)
	case len(pending) == 0:
		return check.Passf(CheckPendingModifications, "nothing waits for %s", when)
	}
	return check.Passf(CheckPendingModifications, "waiting for %s: %s; the other checks see the values the instance runs with until then",
		when, rdspending.List(pending))
}
