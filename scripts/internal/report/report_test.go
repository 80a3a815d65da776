package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fixtures in testdata were recorded from the real engine, the real
// programs and the e2e suite's AWS double (see testdata/README.md); each
// stack has its event stream (.events.ndjson) and its `pulumi preview
// --json` document (.preview.json).
var fixtures = []string{"dev", "staging", "orders-dev", "prod", "orders-staging", "payments-prod", "orders-prod"}

func load(t *testing.T, name string) StackReport {
	t.Helper()
	p, err := ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return Analyze(p)
}

func find(t *testing.T, changes []Change, name string) Change {
	t.Helper()
	for _, c := range changes {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no change to %s in %v", name, changes)
	return Change{}
}

// findTyped is find for a name that resources of several types share.
func findTyped(t *testing.T, changes []Change, name, typ string) Change {
	t.Helper()
	for _, c := range changes {
		if c.Name == name && c.Type == typ {
			return c
		}
	}
	t.Fatalf("no change to %s %s in %v", typ, name, changes)
	return Change{}
}

func TestParseReadsBothFormatsOfEveryFixture(t *testing.T) {
	for _, f := range fixtures {
		for _, ext := range []string{".events.ndjson", ".preview.json"} {
			t.Run(f+ext, func(t *testing.T) {
				p, err := ReadFile(filepath.Join("testdata", f+ext))
				require.NoError(t, err)
				assert.Equal(t, f, p.Stack)
				assert.True(t, p.Finished, "the engine's summary was not found")
				assert.NotEmpty(t, p.Steps)
				assert.NotEmpty(t, p.Summary)
			})
		}
	}
}

// The two formats describe the same preview, so they must give the same
// report (except drift, which only the event stream carries).
func TestBothFormatsGiveTheSameReport(t *testing.T) {
	type propertyKey struct {
		Path     string
		Kind     apitype.DiffKind
		Old, New string
	}
	type changeKey struct {
		Op         apitype.OpType
		URN, Type  string
		Properties []propertyKey
		Stateful   bool
	}
	summarize := func(r StackReport) []changeKey {
		var out []changeKey
		for _, c := range r.Changes {
			k := changeKey{Op: c.Op, URN: c.URN, Type: c.Type, Stateful: c.StatefulReason != ""}
			for _, p := range c.Properties {
				k.Properties = append(k.Properties, propertyKey{p.Path, p.Kind, p.Old, p.New})
			}
			out = append(out, k)
		}
		return out
	}
	for _, f := range fixtures {
		t.Run(f, func(t *testing.T) {
			events := load(t, f+".events.ndjson")
			doc := load(t, f+".preview.json")
			assert.Equal(t, events.Name(), doc.Name())
			assert.Equal(t, events.Counts, doc.Counts)
			assert.Equal(t, events.Failed, doc.Failed)
			assert.Equal(t, summarize(events), summarize(doc))
		})
	}
}

// The counts come from the steps the report lists; they must agree with
// the engine's own summary of the same preview.
func TestCountsMatchTheEngineSummary(t *testing.T) {
	for _, f := range fixtures {
		for _, ext := range []string{".events.ndjson", ".preview.json"} {
			t.Run(f+ext, func(t *testing.T) {
				p, err := ReadFile(filepath.Join("testdata", f+ext))
				require.NoError(t, err)
				c := Analyze(p).Counts
				s := p.Summary
				assert.Equal(t, s[apitype.OpCreate], c.Create, "create")
				assert.Equal(t, s[apitype.OpUpdate], c.Update, "update")
				assert.Equal(t, s[apitype.OpReplace], c.Replace, "replace")
				assert.Equal(t, s[apitype.OpDelete], c.Delete, "delete")
				assert.Equal(t, s[apitype.OpSame], c.Same, "same")
			})
		}
	}
}

func TestCountsOfEachFixture(t *testing.T) {
	tests := []struct {
		fixture string
		want    Counts
	}{
		{"dev", Counts{Create: 21, Update: 16, Delete: 1, Same: 6}},
		{"staging", Counts{Same: 43}},
		{"orders-dev", Counts{Update: 11, Replace: 3, Same: 14}},
		{"prod", Counts{Create: 1, Update: 3, Delete: 21, Same: 19}},
		// orders-staging behind its RDS Proxy: the proxy, its group with
		// three ingress rules and one egress rule, its role and policy,
		// pool and target, and the database group's rule from the proxy,
		// in place of that group's three rules from the application
		// subnets.
		{"orders-staging", Counts{Update: 1, Same: 35}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			assert.Equal(t, tt.want, load(t, tt.fixture+".events.ndjson").Counts)
		})
	}
}

func TestReplaceOfTheRDSInstanceIsDestructive(t *testing.T) {
	r := load(t, "orders-dev.events.ndjson")
	db := find(t, r.Changes, "orders-dev-db")
	assert.Equal(t, apitype.OpReplace, db.Op, "create-replacement, replace and delete-replaced fold into one replace")
	assert.Equal(t, "aws:rds/instance:Instance", db.Type)
	assert.True(t, db.Destructive())
	// The identifier carries a digest of the database name (and of the
	// key's ARN, which the double generates anew in each recording), so it
	// changes too, but in place: RDS renames an instance (ModifyDBInstance
	// NewDBInstanceIdentifier), and dbName alone forces the replacement.
	require.Len(t, db.Properties, 2)
	assert.Equal(t, PropertyChange{Path: "dbName", Kind: apitype.DiffUpdateReplace, Old: `"orders"`, New: `"orders_app"`}, db.Properties[0])
	id := db.Properties[1]
	assert.Equal(t, "identifier", id.Path)
	assert.Equal(t, apitype.DiffUpdate, id.Kind)
	assert.Regexp(t, `^"orders-dev-[0-9a-f]{8}"$`, id.Old)
	assert.Regexp(t, `^"orders-dev-[0-9a-f]{8}"$`, id.New)
	assert.NotEqual(t, id.Old, id.New)

	for _, name := range []string{"orders-dev-log-postgresql", "orders-dev-log-upgrade"} {
		logs := find(t, r.Changes, name)
		assert.Equal(t, apitype.OpReplace, logs.Op, name)
		assert.True(t, logs.Destructive(), "%s: the instance's log group follows its identifier and is replaced too", name)
	}

	params := find(t, r.Changes, "orders-dev-params-postgres16")
	assert.False(t, params.Destructive(), "an update of a parameter group is not destructive")
	require.Len(t, params.Properties, 1)
	assert.Equal(t, "parameters", params.Properties[0].Path)
	assert.Equal(t, apitype.DiffUpdate, params.Properties[0].Kind)

	var names []string
	for _, c := range r.Destructive() {
		names = append(names, c.Name)
	}
	assert.ElementsMatch(t, []string{"orders-dev-db", "orders-dev-log-postgresql", "orders-dev-log-upgrade"}, names)
}

func TestDeleteOfASubnetIsDestructive(t *testing.T) {
	// prod's NAT gateways are turned off: their public subnets go.
	r := load(t, "prod.events.ndjson")
	subnet := find(t, r.Changes, "network-public-0")
	assert.Equal(t, apitype.OpDelete, subnet.Op)
	assert.Equal(t, "aws:ec2/subnet:Subnet", subnet.Type)
	assert.True(t, subnet.Destructive())
	assert.Empty(t, subnet.Properties, "a delete lists no properties")

	nat := find(t, r.Changes, "network-nat-0")
	assert.Equal(t, apitype.OpDelete, nat.Op)
	assert.False(t, nat.Destructive(), "a delete of a resource that holds no state is not destructive")

	var names []string
	for _, c := range r.Destructive() {
		names = append(names, c.Name)
	}
	assert.ElementsMatch(t, []string{"network-public-0", "network-public-1", "network-public-2"}, names)
}

func TestACleanPreviewListsItsPropertyChanges(t *testing.T) {
	r := load(t, "dev.events.ndjson")
	assert.Empty(t, r.Destructive())
	flow := findTyped(t, r.Changes, "network-flow-logs", "aws:cloudwatch/logGroup:LogGroup")
	assert.Equal(t, apitype.OpUpdate, flow.Op)
	assert.False(t, flow.Destructive(), "an update of a stateful resource is not destructive")
	require.Len(t, flow.Properties, 2)
	assert.Equal(t, PropertyChange{Path: "retentionInDays", Kind: apitype.DiffUpdate, Old: "30", New: "90"}, flow.Properties[0])
	assert.Equal(t, "tags", flow.Properties[1].Path)
	assert.Equal(t, apitype.DiffUpdate, flow.Properties[1].Kind)
	assert.Contains(t, flow.Properties[1].Old, `"CostCenter":"platform"`)
	assert.Contains(t, flow.Properties[1].New, `"CostCenter":"platform-shared"`)
	subnet := find(t, r.Changes, "network-public-0")
	assert.Equal(t, apitype.OpCreate, subnet.Op)
	assert.False(t, subnet.Destructive(), "a create of a stateful resource is not destructive")
	assert.Empty(t, subnet.Properties)
}

func TestAFailedPreviewIsFailed(t *testing.T) {
	for _, ext := range []string{".events.ndjson", ".preview.json"} {
		r := load(t, "orders-prod"+ext)
		assert.True(t, r.Failed, ext)
		var errs []string
		for _, d := range r.Diagnostics {
			if d.Severity == "error" {
				errs = append(errs, d.Message)
			}
		}
		require.Len(t, errs, 1, ext)
		assert.Contains(t, errs[0], `config database:instanceClass = "r6g.xlarge" is not allowed`)
	}
}

func TestRefreshFindsDrift(t *testing.T) {
	r := load(t, "orders-staging.events.ndjson")
	require.Len(t, r.Drift, 1)
	d := r.Drift[0]
	assert.Equal(t, "orders-staging-db", d.Name)
	assert.Equal(t, apitype.OpUpdate, d.Op)
	require.Len(t, d.Properties, 2)
	assert.Equal(t, PropertyChange{Path: "backupRetentionPeriod", Kind: apitype.DiffUpdate, Old: "7", New: "1"}, d.Properties[0])
	assert.Equal(t, "tags", d.Properties[1].Path)
	assert.Equal(t, apitype.DiffUpdate, d.Properties[1].Kind)
	assert.Contains(t, d.Properties[1].Old, `"ManagedBy":"pulumi"`)
	assert.NotContains(t, d.Properties[1].New, "ManagedBy", "the tag was dropped")
	// The program's step would undo it.
	undo := find(t, r.Changes, "orders-staging-db")
	assert.Equal(t, apitype.OpUpdate, undo.Op)
	assert.Equal(t, "backupRetentionPeriod", undo.Properties[0].Path)
	assert.Equal(t, "1", undo.Properties[0].Old)
	assert.Equal(t, "7", undo.Properties[0].New)
}

func TestEveryStatefulTypeIsFlaggedOnReplaceAndDeleteOnly(t *testing.T) {
	types := []string{
		"aws:rds/instance:Instance", "aws:kms/key:Key", "aws:rds/subnetGroup:SubnetGroup",
		"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:cloudwatch/logGroup:LogGroup",
	}
	assert.Len(t, Stateful, len(types), "a type was added to Stateful: list it here too")
	ops := map[apitype.OpType]bool{
		apitype.OpCreate: false, apitype.OpUpdate: false,
		apitype.OpReplace: true, apitype.OpDelete: true,
	}
	for _, typ := range types {
		for op, destructive := range ops {
			urn := "urn:pulumi:dev::database::pgplatform:database:MultiAZPostgres$" + typ + "::x"
			r := Analyze(Preview{Finished: true, Steps: []Step{{Op: op, URN: urn, Type: typ}}})
			require.Len(t, r.Changes, 1)
			assert.Equal(t, destructive, r.Changes[0].Destructive(), "%s of %s", op, typ)
		}
	}
	for _, typ := range []string{"aws:kms/alias:Alias", "aws:rds/parameterGroup:ParameterGroup", "aws:ec2/securityGroup:SecurityGroup"} {
		urn := "urn:pulumi:dev::database::" + typ + "::x"
		r := Analyze(Preview{Finished: true, Steps: []Step{{Op: apitype.OpDelete, URN: urn, Type: typ}}})
		assert.False(t, r.Changes[0].Destructive(), "delete of %s", typ)
	}
}

func TestReplacementStepsWithoutTheLogicalStepStillFoldIntoAReplace(t *testing.T) {
	urn := "urn:pulumi:dev::network::aws:ec2/subnet:Subnet::db-a"
	r := Analyze(Preview{Finished: true, Steps: []Step{
		{Op: apitype.OpDeleteReplaced, URN: urn, Type: "aws:ec2/subnet:Subnet"},
		{Op: apitype.OpCreateReplacement, URN: urn, Type: "aws:ec2/subnet:Subnet"},
	}})
	require.Len(t, r.Changes, 1)
	assert.Equal(t, apitype.OpReplace, r.Changes[0].Op)
	assert.True(t, r.Changes[0].Destructive())
	assert.Equal(t, 1, r.Counts.Replace)
}

func TestPropertiesFallBackToDiffAndReplaceReasons(t *testing.T) {
	s := Step{
		Op:             apitype.OpReplace,
		URN:            "urn:pulumi:dev::network::aws:ec2/vpc:Vpc::vpc",
		Type:           "aws:ec2/vpc:Vpc",
		DiffReasons:    []string{"tags", "cidrBlock"},
		ReplaceReasons: []string{"cidrBlock"},
		Old:            &State{Inputs: map[string]any{"cidrBlock": "10.20.0.0/16"}},
		New:            &State{Inputs: map[string]any{"cidrBlock": "10.30.0.0/16"}},
	}
	got := propertyChanges(s)
	assert.Equal(t, []PropertyChange{
		{Path: "cidrBlock", Kind: apitype.DiffUpdateReplace, Old: `"10.20.0.0/16"`, New: `"10.30.0.0/16"`},
		{Path: "tags", Kind: apitype.DiffUpdate},
	}, got)
}

func TestDisplayHidesSecretsAndUnknowns(t *testing.T) {
	secret := map[string]any{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "[secret]"}
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"secret", secret, "[secret]"},
		{"unknown string", "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "[unknown]"},
		{"secret inside an object", map[string]any{"password": secret, "user": "admin"}, `{"password":"[secret]","user":"admin"}`},
		{"number", 42.0, "42"},
		{"string", "eu-west-1", `"eu-west-1"`},
		{"long", strings.Repeat("a", 200), `"` + strings.Repeat("a", maxValue-2) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, display(tt.in))
		})
	}
	// A path into a secret reveals nothing.
	_, ok := lookup(map[string]any{"creds": secret}, []any{"creds", "ciphertext"})
	assert.False(t, ok)
}

func TestParseRejectsWhatIsNotAPreview(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"empty", "  \n", "empty"},
		{"not JSON", "Previewing update (dev):", "not a JSON object"},
		{"another document", `{"name":"x","version":"1"}`, "top-level keys: name, version"},
		{"an update's event log", `{"sequence":1,"timestamp":1,"summaryEvent":{"resourceChanges":{"update":1},"isPreview":false}}`, "not a preview"},
		{"a broken event", "{\"sequence\":0,\"timestamp\":1,\"cancelEvent\":{}}\n{\"sequence\":1,", "engine event 2"},
		{"two documents", `{"steps":[]} {"steps":[]}`, "more than one JSON document"},
		{"two stacks", `{"steps":[{"op":"same","urn":"urn:pulumi:dev::network::pulumi:pulumi:Stack::network-dev"},{"op":"same","urn":"urn:pulumi:prod::network::pulumi:pulumi:Stack::network-prod"}],"changeSummary":{}}`, "more than one stack"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data), "input.json")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "input.json")
		})
	}
}

func TestAStreamThatStopsBeforeItsSummaryIsFailed(t *testing.T) {
	data, err := os.ReadFile("testdata/dev.events.ndjson")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var cut []string
	for _, l := range lines {
		if strings.Contains(l, `"summaryEvent"`) {
			break
		}
		cut = append(cut, l)
	}
	p, err := Parse([]byte(strings.Join(cut, "\n")), "dev.events.ndjson")
	require.NoError(t, err)
	assert.False(t, p.Finished)
	assert.True(t, Analyze(p).Failed)
}

func TestAPreviewWithoutStepsIsNamedAfterItsFile(t *testing.T) {
	failed := []byte(`{"sequence":0,"timestamp":1,"diagnosticEvent":{"message":"boom","severity":"error"}}`)
	p, err := Parse(failed, "out/orders-dev.events.ndjson")
	require.NoError(t, err)
	assert.Equal(t, "orders-dev", p.Stack)
	assert.True(t, Analyze(p).Failed)

	// As deploy preview --json-dir names its files.
	p, err = Parse(failed, "previews/database-orders-prod.json")
	require.NoError(t, err)
	assert.Equal(t, "database/orders-prod", Analyze(p).Name())
}

func TestLoadReadsAFolderAndRefusesAStackTwice(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"dev.events.ndjson", "orders-dev.events.ndjson"} {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		require.NoError(t, err)
		sub := filepath.Join(dir, "preview-"+strings.TrimSuffix(f, ".events.ndjson"))
		require.NoError(t, os.MkdirAll(sub, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(sub, f), data, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a preview"), 0o644))
	got, err := Load([]string{dir}, false)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "network/dev", got[0].Name(), "network stacks come first")
	assert.Equal(t, "database/orders-dev", got[1].Name())

	_, err = Load([]string{dir, "testdata/dev.preview.json"}, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "network/dev is previewed twice")

	_, err = Load([]string{t.TempDir()}, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "holds no preview")
	none, err := Load([]string{t.TempDir()}, true)
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestExpectMarksAMissingPreviewFailed(t *testing.T) {
	got, err := Expect(loadAll(t, "dev.events.ndjson"), []string{"network/dev", "database/orders-dev"})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "network/dev", got[0].Name())
	assert.False(t, got[0].Failed)
	assert.Equal(t, "database/orders-dev", got[1].Name())
	assert.True(t, got[1].Failed)
	assert.True(t, Decide(got, true).Blocked(), "a missing preview blocks even with the override")

	_, err = Expect(nil, []string{"orders-dev"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"orders-dev": want <project>/<stack>`)
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name        string
		fixtures    []string
		allow       bool
		blocked     bool
		destructive int
		failed      []string
	}{
		{"a replace of the RDS instance blocks", []string{"orders-dev.events.ndjson"}, false, true, 3, nil},
		{"a delete of a subnet blocks", []string{"prod.preview.json"}, false, true, 3, nil},
		{"the override lets both through", []string{"orders-dev.events.ndjson", "prod.events.ndjson"}, true, false, 6, nil},
		{"a clean preview passes", []string{"dev.events.ndjson", "staging.events.ndjson"}, false, false, 0, nil},
		{"drift alone does not block a pull request", []string{"orders-staging.events.ndjson"}, false, false, 0, nil},
		{"a failed preview blocks, override or not", []string{"orders-prod.events.ndjson", "dev.events.ndjson"}, true, true, 0, []string{"database/orders-prod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Decide(loadAll(t, tt.fixtures...), tt.allow)
			assert.Equal(t, tt.blocked, v.Blocked(), v.String())
			assert.Len(t, v.Destructive, tt.destructive)
			assert.Equal(t, tt.failed, v.Failed)
			if tt.blocked {
				assert.True(t, strings.HasPrefix(v.String(), "BLOCKED: "), v.String())
			}
		})
	}
}
