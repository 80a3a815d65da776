package restore

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// listingRDS adds listing (no identifier) and paging to the fake.
type listingRDS struct{ *fakeRDS }

func (l listingRDS) DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	if in.DBInstanceIdentifier != nil {
		return l.fakeRDS.DescribeDBInstances(ctx, in, opts...)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []string
	for id := range l.instances {
		ids = append(ids, id)
	}
	// One instance per page, to make the sweep page.
	sort.Strings(ids)
	i := 0
	if in.Marker != nil {
		for i < len(ids) && ids[i] <= *in.Marker {
			i++
		}
	}
	if i >= len(ids) {
		return &rds.DescribeDBInstancesOutput{}, nil
	}
	out := &rds.DescribeDBInstancesOutput{DBInstances: []rdstypes.DBInstance{l.instances[ids[i]].inst}}
	if i+1 < len(ids) {
		out.Marker = new(ids[i])
	}
	return out, nil
}

func TestSweepDeletesOnlyLeftBehindDrills(t *testing.T) {
	h := newHarness(t)
	add := func(id string, tags map[string]string) {
		var tl []rdstypes.Tag
		for k, v := range tags {
			tl = append(tl, rdstypes.Tag{Key: new(k), Value: new(v)})
		}
		h.rds.instances[id] = &fakeInstance{inst: rdstypes.DBInstance{DBInstanceIdentifier: new(id), DBInstanceStatus: new("available"), TagList: tl}}
	}
	left1 := sourceID + "-drill-20261122030000"
	left2 := sourceID + "-drill-20261115030000"
	add(left1, map[string]string{TagDrill: "restore", TagSource: sourceID, TagRun: "old-1"})
	add(left2, map[string]string{TagDrill: "restore", TagSource: sourceID, TagRun: "old-2"})
	// Not ours to sweep: another source's drill, an untagged look-alike,
	// and an unrelated instance.
	add("payments-staging-1-drill-20261122030000", map[string]string{TagDrill: "restore", TagSource: "payments-staging-1", TagRun: "p"})
	add(sourceID+"-drill-20261101030000", nil)
	add("reporting-staging", map[string]string{TagDrill: "restore", TagSource: sourceID})
	h.drill.RDS = listingRDS{h.rds}

	res := h.drill.Sweep(context.Background(), testSource())
	if len(res) != 2 {
		t.Fatalf("%d results, want one per left-behind instance: %+v", len(res), res)
	}
	for _, r := range res {
		if r.Status != check.Pass || r.Name != CheckSweep || !strings.Contains(r.Detail, "deleted") {
			t.Errorf("%+v", r)
		}
	}
	for _, id := range []string{left1, left2} {
		if h.rds.exists(id) {
			t.Errorf("%s was not swept", id)
		}
	}
	for _, id := range []string{sourceID, "payments-staging-1-drill-20261122030000", sourceID + "-drill-20261101030000", "reporting-staging"} {
		if !h.rds.exists(id) {
			t.Errorf("%s was swept but is not a left-behind drill of the source", id)
		}
	}

	if res := h.drill.Sweep(context.Background(), testSource()); len(res) != 1 || res[0].Status != check.Pass || !strings.Contains(res[0].Detail, "no temporary instance") {
		t.Errorf("second sweep: %+v", res)
	}
}
