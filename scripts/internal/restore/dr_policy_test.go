package restore

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/iampolicy"
)

// recordingDR records the DR region's calls, DescribeDBInstanceAutomatedBackups
// among them (iampolicy.RDS has the drill's other calls).
type recordingDR struct {
	iampolicy.RDS
	api BackupsRDS
}

func (r recordingDR) DescribeDBInstanceAutomatedBackups(ctx context.Context, in *rds.DescribeDBInstanceAutomatedBackupsInput, o ...func(*rds.Options)) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error) {
	r.Calls.Add("rds:DescribeDBInstanceAutomatedBackups")
	return r.api.DescribeDBInstanceAutomatedBackups(ctx, in, o...)
}

// placeholders maps the test regions to the policy's placeholders.
var placeholders = map[string]string{"eu-west-1": "<region>", drRegion: "<dr-region>"}

// statementRegions is the set of region placeholders a statement's grant
// reaches: the region field of each resource ARN, or for "*" the values of
// an aws:RequestedRegion condition (a global condition key: "the AWS
// Region that was called in the request", IAM user guide, AWS global
// condition context keys); "any" when a "*" is not held to regions.
func statementRegions(t *testing.T, s iampolicy.Statement) []string {
	t.Helper()
	var out []string
	for _, r := range s.Resources {
		if r != "*" {
			parts := strings.Split(r, ":")
			if len(parts) < 6 {
				t.Fatalf("%s: resource %q is not an ARN", s.Sid, r)
			}
			out = append(out, parts[3])
			continue
		}
		raw, ok := s.Condition["StringEquals"]["aws:RequestedRegion"]
		if !ok {
			return []string{"any"}
		}
		var one string
		var many []string
		if json.Unmarshal(raw, &one) == nil {
			many = []string{one}
		} else if err := json.Unmarshal(raw, &many); err != nil {
			t.Fatalf("%s: aws:RequestedRegion %s: %v", s.Sid, raw, err)
		}
		out = append(out, many...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Every AWS call of a DR drill, of a DR sweep and of the connector is
// allowed by .github/policies/restore-drill-dr.json in the region it is
// made in, and the policy allows nothing that no call uses or implies, in
// a region where no call is made: restore, tag, delete and the key in
// the DR region only; the secret in the primary only.
func TestDRPolicyAllowsEveryCallAndNothingMore(t *testing.T) {
	path, err := iampolicy.ToolPolicy("restore-drill-dr")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := iampolicy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]*iampolicy.Calls{"<region>": {}, "<dr-region>": {}}
	primary, dr := calls["<region>"], calls["<dr-region>"]

	// A whole DR drill, restore and cleanup included.
	h := newDRHarness(t, "replicating")
	h.drill.RDS = iampolicy.RDS{API: h.rds, Calls: primary}
	h.drill.Recovery.RDS = recordingDR{RDS: iampolicy.RDS{API: h.dr, Calls: dr}, api: h.dr}
	rep := h.drill.Run(context.Background(), testSource())
	assertDRCleanedUp(t, h, rep)
	// The restore names the stack's DB parameter group in the DR region
	// (drParameterGroupName), a resource the restore's grant must reach
	// there as it reaches the subnet group: a pg ARN of the DR region.
	if len(h.dr.restores) != 1 || deref(h.dr.restores[0].DBParameterGroupName) == "" {
		t.Fatalf("the DR restore names no parameter group: %d restores", len(h.dr.restores))
	}
	coversParams := func(st iampolicy.Statement) bool {
		return slices.ContainsFunc(st.Resources, func(r string) bool {
			return r == "*" || strings.HasPrefix(r, "arn:aws:rds:<dr-region>:<account>:pg:")
		})
	}
	if !slices.ContainsFunc(doc.Allowed("rds:RestoreDBInstanceToPointInTime"), coversParams) {
		t.Errorf("%s: no statement grants rds:RestoreDBInstanceToPointInTime on the DR region's parameter groups (arn:aws:rds:<dr-region>:<account>:pg:*), which the restore names", path)
	}

	// A DR sweep that finds what a cancelled run left behind.
	s := newDRHarness(t, "replicating")
	s.dr.availableAfter = 10
	s.dr.deleteErr = context.DeadlineExceeded
	s.drill.DeleteTimeout = DefaultPoll
	ctx, cancel := context.WithCancel(context.Background())
	s.dr.onDescribe = func(n int) {
		if n == 1 {
			cancel()
		}
	}
	s.drill.Run(ctx, testSource())
	s.dr.onDescribe, s.dr.deleteErr, s.drill.DeleteTimeout = nil, nil, 0
	if len(s.dr.drillNames()) != 1 {
		t.Fatalf("the cancelled run left %v, want its instance", s.dr.drillNames())
	}
	s.drill.Recovery.RDS = recordingDR{RDS: iampolicy.RDS{API: s.dr, Calls: dr}, api: s.dr}
	s.drill.Sweep(context.Background(), testSource())
	if len(s.dr.drillNames()) != 0 {
		t.Errorf("the sweep left %v", s.dr.drillNames())
	}

	// The connector, for the endpoints the drill connected to (the source
	// and the restored instance): it reads the secret in the endpoint's
	// region before it dials (a closed port here).
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("not parsed before a connection\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	connector := PGConnector{
		Secrets: func(_ context.Context, region string) (dbconn.SecretsGetter, error) {
			c, ok := calls[placeholders[region]]
			if !ok {
				t.Fatalf("secret read in region %q", region)
			}
			return iampolicy.Secrets{API: fixedSecret{}, Calls: c}, nil
		},
		CABundle: ca,
	}
	if len(h.servers.connects) < 2 {
		t.Fatalf("the drill connected %d times, want the source and the restored instance", len(h.servers.connects))
	}
	for _, ep := range h.servers.connects {
		ep.Host, ep.Port = "127.0.0.1", port
		if _, err := connector.Connect(context.Background(), ep); err == nil {
			t.Fatal("connected to a closed port")
		}
	}

	// Every call allowed, nothing more, over both regions.
	var used []string
	for _, c := range calls {
		used = append(used, c.Actions()...)
	}
	slices.Sort(used)
	used = slices.Compact(used)
	for _, a := range iampolicy.InterfaceActions("rds", reflect.TypeFor[BackupsRDS]()) {
		if !slices.Contains(dr.Actions(), a) {
			t.Errorf("no test here calls %s in the DR region: add one", a)
		}
	}
	for _, err := range iampolicy.Check(doc, used, restoreImplied) {
		t.Errorf("%s: %v", path, err)
	}

	// Region by region: each action is granted in exactly the regions it
	// is called in (an implied action in the region of its call).
	want := map[string][]string{}
	for region, c := range calls {
		for _, a := range c.Actions() {
			want[a] = append(want[a], region)
			for _, im := range restoreImplied {
				if im.By == a {
					want[im.Action] = append(want[im.Action], region)
				}
			}
		}
	}
	for _, st := range doc.Statements {
		if st.Effect != "Allow" {
			continue
		}
		regions := statementRegions(t, st)
		for _, a := range st.Actions {
			for _, r := range regions {
				if !slices.Contains(want[a], r) {
					t.Errorf("%s: statement %s grants %s in %s, where the drill makes no call that needs it", path, st.Sid, a, r)
				}
			}
		}
	}
	for a, regions := range want {
		for _, r := range regions {
			granted := slices.ContainsFunc(doc.Allowed(a), func(st iampolicy.Statement) bool {
				return slices.Contains(statementRegions(t, st), r)
			})
			if !granted {
				t.Errorf("%s: the drill needs %s in %s, which no statement grants there", path, a, r)
			}
		}
	}
}
