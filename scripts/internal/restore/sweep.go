package restore

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// CheckSweep names the results of Sweep.
const CheckSweep = "sweep"

// maxPages bounds the listing of instances.
const maxPages = 100

// Sweep deletes the temporary instances that earlier drills of src left
// behind: a runner killed before its cleanup could run (a CI job cancelled
// hard, a machine lost) leaves one. An instance is swept only when it is
// named as a drill of the source and tagged as a restore drill of it; the
// source itself never is. It returns one result per instance found, or
// one saying there was none. With Recovery set it sweeps the disaster
// recovery region, where the DR drill's instances live.
func (d *Drill) Sweep(ctx context.Context, src Source) []check.Result {
	source := src.Outputs.InstanceIdentifier
	var found []rdstypes.DBInstance
	var marker *string
	for page := 0; ; page++ {
		if page == maxPages {
			return []check.Result{{Stack: src.Stack, Name: CheckSweep, Status: check.Unknown, Detail: fmt.Sprintf("more than %d pages of instances", maxPages)}}
		}
		out, err := d.target().DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{Marker: marker})
		if err != nil {
			return []check.Result{{Stack: src.Stack, Name: CheckSweep, Status: check.Unknown, Detail: fmt.Sprintf("list instances: %v", err)}}
		}
		for _, inst := range out.DBInstances {
			id := deref(inst.DBInstanceIdentifier)
			if id != source && IsDrillName(id, source) && tag(inst.TagList, TagDrill) == "restore" && tag(inst.TagList, TagSource) == source {
				found = append(found, inst)
			}
		}
		if deref(out.Marker) == "" {
			break
		}
		marker = out.Marker
	}
	if len(found) == 0 {
		return []check.Result{{Stack: src.Stack, Name: CheckSweep, Status: check.Pass, Detail: "no temporary instance of " + source + " left behind"}}
	}
	sort.Slice(found, func(i, j int) bool {
		return deref(found[i].DBInstanceIdentifier) < deref(found[j].DBInstanceIdentifier)
	})
	var results []check.Result
	for _, inst := range found {
		id := deref(inst.DBInstanceIdentifier)
		d.progress("restore-drill: sweeping %s, left behind by run %s", id, tag(inst.TagList, TagRun))
		st := &state{src: src, name: id, attempted: true, accepted: true}
		var rep Report
		res := d.cleanup(ctx, st, tag(inst.TagList, TagRun), &rep)
		res.Name, res.Stack = CheckSweep, src.Stack
		results = append(results, res)
	}
	return results
}
