package verify

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// fakeSubnetGroups answers DescribeDBSubnetGroups with a fixed answer and
// records the group names asked for. The other RDS calls are not
// implemented: checkSubnetGroup must not make them.
type fakeSubnetGroups struct {
	RDS
	groups []rdstypes.DBSubnetGroup
	err    error
	asked  []string
}

func (f *fakeSubnetGroups) DescribeDBSubnetGroups(_ context.Context, in *rds.DescribeDBSubnetGroupsInput, _ ...func(*rds.Options)) (*rds.DescribeDBSubnetGroupsOutput, error) {
	f.asked = append(f.asked, deref(in.DBSubnetGroupName))
	if f.err != nil {
		return nil, f.err
	}
	return &rds.DescribeDBSubnetGroupsOutput{DBSubnetGroups: f.groups}, nil
}

const (
	testSubnetGroup = "orders-staging-20261120083011223300000002"
	testVPC         = "vpc-0123abcd4567ef890"
	testSubnetA     = "subnet-0d44dd44dd44dd444"
	testSubnetB     = "subnet-0e55ee55ee55ee555"
	testSubnetC     = "subnet-0f66ff66ff66ff666"
)

func dbSubnet(id, az string) rdstypes.Subnet {
	return rdstypes.Subnet{
		SubnetIdentifier:       new(id),
		SubnetAvailabilityZone: &rdstypes.AvailabilityZone{Name: new(az)},
		SubnetStatus:           new("Active"),
	}
}

// subnetGroupWorld is what checkSubnetGroup sees: the instance, the
// subnet group RDS describes and the network stack's outputs. The
// compliant world is the one in testdata/compliant; each failing case
// changes one thing in it.
type subnetGroupWorld struct {
	inst  rdstypes.DBInstance
	group rdstypes.DBSubnetGroup
	net   stackout.Network
}

func compliantSubnetGroupWorld() subnetGroupWorld {
	return subnetGroupWorld{
		inst: rdstypes.DBInstance{
			DBInstanceStatus:          new("available"),
			MultiAZ:                   new(true),
			AvailabilityZone:          new("eu-west-1b"),
			SecondaryAvailabilityZone: new("eu-west-1c"),
			DBSubnetGroup:             &rdstypes.DBSubnetGroup{DBSubnetGroupName: new(testSubnetGroup)},
		},
		group: rdstypes.DBSubnetGroup{
			DBSubnetGroupName: new(testSubnetGroup),
			VpcId:             new(testVPC),
			SubnetGroupStatus: new("Complete"),
			Subnets: []rdstypes.Subnet{
				dbSubnet(testSubnetA, "eu-west-1a"),
				dbSubnet(testSubnetB, "eu-west-1b"),
				dbSubnet(testSubnetC, "eu-west-1c"),
			},
		},
		net: stackout.Network{
			VpcID:             testVPC,
			DatabaseSubnetIDs: []string{testSubnetA, testSubnetB, testSubnetC},
			AvailabilityZones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
		},
	}
}

func TestSubnetGroup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(w *subnetGroupWorld)
		want   check.Status
		// problems are substrings of the problems the detail must list,
		// one each: a failing case fails for these and nothing else.
		problems []string
		// details are substrings of a passing detail.
		details []string
	}{
		{
			name:    "compliant passes",
			change:  func(*subnetGroupWorld) {},
			want:    check.Pass,
			details: []string{testSubnetGroup, "3 database subnets over 3 AZs"},
		},
		{
			name:     "group in another VPC fails",
			change:   func(w *subnetGroupWorld) { w.group.VpcId = new("vpc-0aaaabbbbccccdddd") },
			want:     check.Fail,
			problems: []string{"VPC vpc-0aaaabbbbccccdddd is not the network's " + testVPC},
		},
		{
			name: "group missing a database subnet fails",
			change: func(w *subnetGroupWorld) {
				w.group.Subnets = w.group.Subnets[1:]
			},
			want: check.Fail,
			problems: []string{"subnets [" + testSubnetB + ", " + testSubnetC + "] are not the network's database subnets [" +
				testSubnetA + ", " + testSubnetB + ", " + testSubnetC + "]"},
		},
		{
			name: "group with a subnet the network does not name fails",
			change: func(w *subnetGroupWorld) {
				w.group.Subnets = append(w.group.Subnets, dbSubnet("subnet-0999999999999999a", "eu-west-1a"))
			},
			want:     check.Fail,
			problems: []string{"subnets [subnet-0999999999999999a, " + testSubnetA + ", " + testSubnetB + ", " + testSubnetC + "] are not the network's database subnets"},
		},
		{
			// A single-AZ instance on a network with one database
			// subnet: everything else matches, but there is no second
			// AZ for a standby.
			name: "group in one AZ fails",
			change: func(w *subnetGroupWorld) {
				w.inst.MultiAZ = new(false)
				w.inst.AvailabilityZone = new("eu-west-1a")
				w.inst.SecondaryAvailabilityZone = nil
				w.group.Subnets = w.group.Subnets[:1]
				w.net.DatabaseSubnetIDs = []string{testSubnetA}
			},
			want:     check.Fail,
			problems: []string{"subnets span 1 AZ(s), want at least 2"},
		},
		{
			name: "standby AZ outside the group fails",
			change: func(w *subnetGroupWorld) {
				w.group.Subnets = w.group.Subnets[:2]
				w.net.DatabaseSubnetIDs = []string{testSubnetA, testSubnetB}
			},
			want:     check.Fail,
			problems: []string{"the instance runs in eu-west-1c, which none of the group's subnets is in"},
		},
		{
			name:     "incomplete group fails",
			change:   func(w *subnetGroupWorld) { w.group.SubnetGroupStatus = new("Incomplete") },
			want:     check.Fail,
			problems: []string{"status Incomplete, want Complete"},
		},
		{
			name:     "subnet not active fails",
			change:   func(w *subnetGroupWorld) { w.group.Subnets[0].SubnetStatus = new("Deleting") },
			want:     check.Fail,
			problems: []string{"subnet " + testSubnetA + " is Deleting"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := compliantSubnetGroupWorld()
			tc.change(&w)
			api := &fakeSubnetGroups{groups: []rdstypes.DBSubnetGroup{w.group}}
			r := checkSubnetGroup(context.Background(), api, w.inst, &w.net, nil)
			if !slices.Equal(api.asked, []string{testSubnetGroup}) {
				t.Errorf("asked for subnet groups %q, want only the instance's %s", api.asked, testSubnetGroup)
			}
			if r.Name != CheckSubnetGroup {
				t.Errorf("result named %s, want %s", r.Name, CheckSubnetGroup)
			}
			if !checkResult(t, r, tc.want, tc.details...) {
				t.FailNow()
			}
			if tc.want != check.Fail {
				return
			}
			prefix := "subnet group " + testSubnetGroup + ": "
			listed, ok := strings.CutPrefix(r.Detail, prefix)
			if !ok {
				t.Fatalf("detail %q does not start with %q", r.Detail, prefix)
			}
			got := strings.Split(listed, "; ")
			if len(got) != len(tc.problems) {
				t.Errorf("problems %q, want %d of them: %q", got, len(tc.problems), tc.problems)
			}
			for _, s := range tc.problems {
				if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, s) }) {
					t.Errorf("problems %q lack %q", got, s)
				}
			}
		})
	}
}

// What the API answers, rather than what the group holds: a group RDS does
// not return fails, a failed call cannot tell, and an instance with no
// group fails without asking.
func TestSubnetGroupAnswers(t *testing.T) {
	for _, tc := range []struct {
		name    string
		noGroup bool
		groups  []rdstypes.DBSubnetGroup
		err     error
		asked   int
		want    check.Status
		detail  []string
	}{
		{
			name:   "group absent from the answer fails",
			groups: []rdstypes.DBSubnetGroup{{DBSubnetGroupName: new("default-vpc-0123abcd4567ef890")}},
			asked:  1,
			want:   check.Fail,
			detail: []string{"subnet group " + testSubnetGroup + " does not exist"},
		},
		{
			name:   "API error cannot tell",
			err:    errors.New("AccessDenied: not authorized to perform rds:DescribeDBSubnetGroups"),
			asked:  1,
			want:   check.Unknown,
			detail: []string{"describe subnet group " + testSubnetGroup, "AccessDenied"},
		},
		{
			name:    "instance without a subnet group fails",
			noGroup: true,
			asked:   0,
			want:    check.Fail,
			detail:  []string{"reports no subnet group"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := compliantSubnetGroupWorld()
			if tc.noGroup {
				w.inst.DBSubnetGroup = nil
			}
			api := &fakeSubnetGroups{groups: tc.groups, err: tc.err}
			r := checkSubnetGroup(context.Background(), api, w.inst, &w.net, nil)
			if len(api.asked) != tc.asked {
				t.Errorf("%d DescribeDBSubnetGroups calls (%q), want %d", len(api.asked), api.asked, tc.asked)
			}
			checkResult(t, r, tc.want, tc.detail...)
		})
	}
}
