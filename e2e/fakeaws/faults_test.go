package fakeaws

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tryCreate runs Check then Create and returns Create's error.
func tryCreate(t *testing.T, p *Provider, typ, name string, in map[string]any) (string, error) {
	t.Helper()
	checked := check(t, p, typ, name, pm(in), nil, "seed-"+name)
	require.Empty(t, checked.GetFailures())
	resp, err := p.Create(bg, &pulumirpc.CreateRequest{Urn: urn(typ, name), Type: typ, Properties: checked.GetInputs()})
	return resp.GetId(), err
}

var faultDB = map[string]any{"identifier": "orders-dev-db", "instanceClass": "db.t4g.micro", "engine": "postgres"}

func TestAFailFaultFailsTheNthCallAsTheProviderWordsAWSErrors(t *testing.T) {
	p, dir := newConfigured(t)
	require.NoError(t, SetFaults(dir, FaultPlan{Faults: []Fault{{
		ID: "capacity", Method: "Create", Type: instanceType, Nth: 2, Action: ActionFail,
		Code: "InsufficientDBInstanceCapacity", Message: "Cannot create a db.t4g.micro database instance because there are no availability zones with sufficient capacity.",
	}}}))

	// The first matching call goes through.
	_, err := tryCreate(t, p, instanceType, "first", map[string]any{"identifier": "first-db", "instanceClass": "db.t4g.micro", "engine": "postgres"})
	require.NoError(t, err)
	// A call of another type does not count.
	_, err = tryCreate(t, p, "aws:ec2/vpc:Vpc", "vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	require.NoError(t, err)

	_, err = tryCreate(t, p, instanceType, "db", faultDB)
	require.Error(t, err)
	// The Terraform provider's wording around aws-sdk-go-v2's: a modeled
	// RDS fault is "<Code>: <Message>".
	assert.Regexp(t, regexp.MustCompile(`^creating RDS DB Instance \(orders-dev-db\): operation error RDS: CreateDBInstance, `+
		`https response error StatusCode: 400, RequestID: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}, `+
		`InsufficientDBInstanceCapacity: Cannot create a db.t4g.micro database instance`), err.Error())
	// AWS did nothing: no instance of that name.
	for _, rec := range mustRecords(t, dir) {
		assert.NotEqual(t, urn(instanceType, "db"), rec.URN)
	}
	fired, err := Fired(dir)
	require.NoError(t, err)
	require.Len(t, fired, 1)
	assert.Equal(t, "capacity", fired[0].Fault)
	assert.Equal(t, urn(instanceType, "db"), fired[0].URN)

	// A fault fires once: the next call goes through.
	_, err = tryCreate(t, p, instanceType, "db", faultDB)
	require.NoError(t, err)
}

func TestAnUnmodeledCodeIsAGenericAPIError(t *testing.T) {
	p, dir := newConfigured(t)
	require.NoError(t, SetFaults(dir, FaultPlan{Faults: []Fault{{
		Method: "Create", Name: "db", Action: ActionFail, Type: instanceType,
		Code: "InvalidParameterCombination", Message: "RDS does not support creating a DB instance with the following combination",
	}}}))
	_, err := tryCreate(t, p, instanceType, "db", faultDB)
	require.Error(t, err)
	assert.Contains(t, err.Error(), ", api error InvalidParameterCombination: RDS does not support")
}

func TestFaultsMatchByNameAndStackAndSkipPreviews(t *testing.T) {
	p, dir := newConfigured(t)
	require.NoError(t, SetFaults(dir, FaultPlan{Faults: []Fault{{
		Method: "Create", Type: "aws:ec2/vpc:Vpc", Name: "main", Stack: "orders-dev", Action: ActionFail,
		Code: "VpcLimitExceeded", Message: "The maximum number of VPCs has been reached.",
	}}}))
	// A preview calls no AWS API and does not count.
	checked := check(t, p, "aws:ec2/vpc:Vpc", "main", pm(map[string]any{"cidrBlock": "10.0.0.0/16"}), nil, "s")
	_, err := p.Create(bg, &pulumirpc.CreateRequest{Urn: urn("aws:ec2/vpc:Vpc", "main"), Type: "aws:ec2/vpc:Vpc",
		Properties: checked.GetInputs(), Preview: true})
	require.NoError(t, err)
	_, err = tryCreate(t, p, "aws:ec2/vpc:Vpc", "other", map[string]any{"cidrBlock": "10.0.0.0/16"})
	require.NoError(t, err, "another name does not match")
	_, err = tryCreate(t, p, "aws:ec2/vpc:Vpc", "main", map[string]any{"cidrBlock": "10.0.0.0/16"})
	require.Error(t, err)
	assert.Regexp(t, `^creating EC2 VPC: operation error EC2: CreateVpc, https response error StatusCode: 400, RequestID: \S+, api error VpcLimitExceeded: `, err.Error())
}

func TestAPlanWithOtherContentCountsAgain(t *testing.T) {
	p, dir := newConfigured(t)
	plan := FaultPlan{Faults: []Fault{{Method: "Create", Type: "aws:ec2/vpc:Vpc", Nth: 1, Action: ActionFail, Code: "X", Message: "y"}}}
	require.NoError(t, SetFaults(dir, plan))
	_, err := tryCreate(t, p, "aws:ec2/vpc:Vpc", "a", map[string]any{"cidrBlock": "10.0.0.0/16"})
	require.Error(t, err)
	_, err = tryCreate(t, p, "aws:ec2/vpc:Vpc", "b", map[string]any{"cidrBlock": "10.0.0.0/16"})
	require.NoError(t, err)
	// Written again (SetFaults resets the counts), the fault fires again.
	require.NoError(t, SetFaults(dir, plan))
	_, err = tryCreate(t, p, "aws:ec2/vpc:Vpc", "c", map[string]any{"cidrBlock": "10.0.0.0/16"})
	require.Error(t, err)
	// No plan, no faults.
	require.NoError(t, SetFaults(dir, FaultPlan{}))
	_, err = tryCreate(t, p, "aws:ec2/vpc:Vpc", "d", map[string]any{"cidrBlock": "10.0.0.0/16"})
	require.NoError(t, err)
}

func TestTheFaultPlanCanBeNamedByTheEnvironment(t *testing.T) {
	p, dir := newConfigured(t)
	path := filepath.Join(t.TempDir(), "plan.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"faults":[{"method":"Create","type":"aws:ec2/vpc:Vpc","action":"fail","code":"X","message":"y"}]}`), 0o600))
	t.Setenv(FaultsEnv, path)
	_, err := tryCreate(t, p, "aws:ec2/vpc:Vpc", "a", map[string]any{"cidrBlock": "10.0.0.0/16"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "api error X: y")
	_, err = os.Stat(filepath.Join(dir, faultsFile))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestBadFaultsAreRefusedNamingWhatIsAllowed(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		f    Fault
		want string
	}{
		{Fault{Method: "Frob", Action: ActionFail}, `method "Frob": want Create, Update, Delete or Read`},
		{Fault{Method: "Create", Action: "explode"}, `action "explode": want fail, delay or exit`},
		{Fault{Method: "Create", Type: instanceType, Action: ActionFail}, "needs code and message"},
		{Fault{Method: "Create", Type: "aws:sns/topic:Topic", Action: ActionFail, Code: "X", Message: "y"},
			"the double words AWS errors only for Create aws:ec2/securityGroup:SecurityGroup"},
		{Fault{Method: "Create", Action: ActionDelay, Delay: "soon"}, `delay "soon": want a positive Go duration`},
		{Fault{Method: "Read", Action: ActionDelay, Delay: "1s"}, "want Create, Update or Delete"},
		{Fault{Method: "Create", Action: ActionExit, When: "during"}, `when "during": want before or after`},
	} {
		err := SetFaults(dir, FaultPlan{Faults: []Fault{tc.f}})
		require.Error(t, err, "%+v", tc.f)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestADelayedCreateExistsInAWSFromTheStartOfTheWait(t *testing.T) {
	p, dir := newConfigured(t)
	require.NoError(t, SetFaults(dir, FaultPlan{Faults: []Fault{{
		ID: "slow", Method: "Create", Type: instanceType, Action: ActionDelay, Delay: "600ms",
	}}}))
	done := make(chan error, 1)
	start := time.Now()
	go func() { _, err := tryCreate(t, p, instanceType, "db", faultDB); done <- err }()
	// The create has not returned, but the instance exists and the firing
	// names it: a run killed now leaves it behind.
	require.Eventually(t, func() bool {
		f, _ := Fired(dir)
		return len(f) == 1
	}, 5*time.Second, 20*time.Millisecond)
	select {
	case <-done:
		t.Fatal("the create returned before its delay")
	default:
	}
	fired, err := Fired(dir)
	require.NoError(t, err)
	var found bool
	for _, rec := range mustRecords(t, dir) {
		if rec.URN == urn(instanceType, "db") {
			found = true
			assert.Equal(t, fired[0].ID, rec.ID, "the firing names the resource AWS holds")
		}
	}
	assert.True(t, found, "the instance exists during the wait")
	require.NoError(t, <-done)
	assert.GreaterOrEqual(t, time.Since(start), 600*time.Millisecond)
}

func TestADelayBeforeTheCallCreatesNothingDuringTheWait(t *testing.T) {
	p, dir := newConfigured(t)
	require.NoError(t, SetFaults(dir, FaultPlan{Faults: []Fault{{
		Method: "Create", Type: instanceType, Action: ActionDelay, Delay: "400ms", When: "before",
	}}}))
	done := make(chan error, 1)
	go func() { _, err := tryCreate(t, p, instanceType, "db", faultDB); done <- err }()
	require.Eventually(t, func() bool {
		f, _ := Fired(dir)
		return len(f) == 1
	}, 5*time.Second, 20*time.Millisecond)
	assert.Empty(t, mustRecords(t, dir), "AWS has not been asked yet")
	require.NoError(t, <-done)
	assert.Len(t, mustRecords(t, dir), 1)
}

// TestADelayedUpdateOrDeleteHasActedInAWSDuringTheWait: a delay on an
// update or a delete comes after the double applied the call, so a run
// killed during the wait leaves the change made in "AWS" while the state
// has the operation pending.
func TestADelayedUpdateOrDeleteHasActedInAWSDuringTheWait(t *testing.T) {
	const ingress = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	p, dir := newConfigured(t)
	id, _ := create(t, p, ingress, "rule", map[string]any{"securityGroupId": "sg-1", "cidrIpv4": "10.0.0.0/16", "description": "old"})
	require.NoError(t, SetFaults(dir, FaultPlan{Faults: []Fault{
		{ID: "slow-update", Method: "Update", Type: ingress, Action: ActionDelay, Delay: "400ms"},
		{ID: "slow-delete", Method: "Delete", Type: ingress, Action: ActionDelay, Delay: "400ms"},
	}}))
	waiting := func(fault string, done chan error) {
		t.Helper()
		require.Eventually(t, func() bool {
			f, _ := Fired(dir)
			return len(f) > 0 && f[len(f)-1].Fault == fault
		}, 5*time.Second, 20*time.Millisecond)
		select {
		case err := <-done:
			t.Fatalf("%s returned before its delay (%v)", fault, err)
		default:
		}
	}

	done := make(chan error, 1)
	go func() {
		_, err := p.Update(bg, &pulumirpc.UpdateRequest{Urn: urn(ingress, "rule"), Type: ingress, Id: id,
			News: props(t, pm(map[string]any{"securityGroupId": "sg-1", "cidrIpv4": "10.0.0.0/16", "description": "new"}))})
		done <- err
	}()
	waiting("slow-update", done)
	recs := mustRecords(t, dir)
	require.Len(t, recs, 1)
	assert.Equal(t, "new", recs[0].Inputs["description"], "AWS holds the change during the wait")
	require.NoError(t, <-done)

	go func() {
		_, err := p.Delete(bg, &pulumirpc.DeleteRequest{Urn: urn(ingress, "rule"), Type: ingress, Id: id})
		done <- err
	}()
	waiting("slow-delete", done)
	assert.Empty(t, mustRecords(t, dir), "AWS deleted it before the wait")
	require.NoError(t, <-done)
}

// TestExitHelper is the plugin process of TestAnExitFaultEndsThePlugin:
// it runs only when that test starts it.
func TestExitHelper(t *testing.T) {
	dir := os.Getenv("FAKEAWS_EXIT_HELPER_DIR")
	if dir == "" {
		t.Skip("run by TestAnExitFaultEndsThePlugin only")
	}
	p, err := New(dir)
	require.NoError(t, err)
	_, err = p.Configure(bg, &pulumirpc.ConfigureRequest{Args: props(t, pm(map[string]any{"region": "eu-west-1"}))})
	require.NoError(t, err)
	_, _ = tryCreate(t, p, instanceType, "db", faultDB)
	t.Fatal("the create returned: the exit fault did not end the process")
}

func TestAnExitFaultEndsThePlugin(t *testing.T) {
	for _, when := range []string{"before", "after"} {
		t.Run(when, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, SetFaults(dir, FaultPlan{Faults: []Fault{{
				Method: "Create", Type: instanceType, Action: ActionExit, When: when, ExitCode: 7,
			}}}))
			cmd := exec.Command(os.Args[0], "-test.run", "^TestExitHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "FAKEAWS_EXIT_HELPER_DIR="+dir)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "%s", out)
			assert.Equal(t, 7, exit.ExitCode(), "%s", out)
			assert.Contains(t, string(out), "the plugin exited in the middle of Create")

			recs := mustRecords(t, dir)
			fired, err := Fired(dir)
			require.NoError(t, err)
			require.Len(t, fired, 1)
			if when == "before" {
				assert.Empty(t, recs, "exiting before the AWS call creates nothing")
				assert.Empty(t, fired[0].ID)
			} else {
				// AWS accepted the create before the plugin died: the
				// instance exists, and no state will know it.
				require.Len(t, recs, 1)
				assert.Equal(t, fired[0].ID, recs[0].ID)
			}
		})
	}
}

func mustRecords(t *testing.T, dir string) []Record {
	t.Helper()
	recs, err := Records(dir)
	require.NoError(t, err)
	return recs
}

func TestAuditFindsOrphansDuplicatesAndMissing(t *testing.T) {
	u := func(name string) string { return urn("aws:ec2/vpc:Vpc", name) }
	items := inventoryOf([]Record{
		{Type: "aws:ec2/vpc:Vpc", ID: "vpc-1", URN: u("a")},
		{Type: "aws:ec2/vpc:Vpc", ID: "vpc-2", URN: u("b")},
		{Type: "aws:ec2/vpc:Vpc", ID: "vpc-3", URN: u("b")},
	})
	assert.Equal(t, "orders-dev", items[0].Stack)
	assert.Equal(t, "database", items[0].Project)
	res := func(name, id string) apitype.ResourceV3 {
		return apitype.ResourceV3{URN: resource.URN(u(name)), Custom: true, Type: "aws:ec2/vpc:Vpc", ID: resource.ID(id)}
	}
	deps := map[string]apitype.DeploymentV3{"database/orders-dev": {
		Resources: []apitype.ResourceV3{
			{URN: "urn:pulumi:orders-dev::database::pulumi:providers:aws::default", Custom: true, Type: "pulumi:providers:aws", ID: "p"},
			res("a", "vpc-1"), res("b", "vpc-2"), res("c", "vpc-9"),
		},
		PendingOperations: []apitype.OperationV2{{Type: apitype.OperationTypeCreating,
			Resource: apitype.ResourceV3{URN: resource.URN(u("d")), Type: "aws:ec2/vpc:Vpc"}}},
	}}
	a := AuditItems(items, deps)
	assert.False(t, a.Clean())
	require.Len(t, a.Orphans, 1)
	assert.Equal(t, "vpc-3", a.Orphans[0].ID)
	require.Len(t, a.Duplicates, 1)
	assert.Len(t, a.Duplicates[0], 2)
	require.Len(t, a.Missing, 1)
	assert.Equal(t, "vpc-9", a.Missing[0].ID)
	require.Len(t, a.Pending, 1)
	assert.Equal(t, "creating", a.Pending[0].Op)
	assert.Contains(t, a.String(), "orphan (in the double, in no state): aws:ec2/vpc:Vpc vpc-3")

	clean := AuditItems(items[:1], map[string]apitype.DeploymentV3{"database/orders-dev": {Resources: []apitype.ResourceV3{res("a", "vpc-1")}}})
	assert.True(t, clean.Clean(), clean.String())
}
