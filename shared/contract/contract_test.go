package contract_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/pgplatform/platform/shared/contract"
)

var (
	networkNames = []string{"appSubnetCidrs", "appSubnetIds", "availabilityZones", "databaseSubnetIds", "environment", "recoveryOf", "region", "tier", "vpcCidr", "vpcId"}
	// The database outputs, in declaration order.
	databaseFields = []contract.Field{
		{Name: "endpoint", Kind: contract.KindString}, {Name: "address", Kind: contract.KindString}, {Name: "port", Kind: contract.KindInt},
		{Name: "databaseName", Kind: contract.KindString}, {Name: "masterUsername", Kind: contract.KindString}, {Name: "masterSecretArn", Kind: contract.KindString},
		{Name: "securityGroupId", Kind: contract.KindString}, {Name: "instanceIdentifier", Kind: contract.KindString, Optional: true}, {Name: "resourceId", Kind: contract.KindString},
		{Name: "kmsKeyArn", Kind: contract.KindString}, {Name: "alarmTopicArn", Kind: contract.KindString}, {Name: "environment", Kind: contract.KindString}, {Name: "tier", Kind: contract.KindString},
		{Name: "deployment", Kind: contract.KindString}, {Name: "clusterIdentifier", Kind: contract.KindString, Optional: true},
		{Name: "readerEndpoint", Kind: contract.KindString, Optional: true}, {Name: "proxyEndpoint", Kind: contract.KindString, Optional: true},
		{Name: "proxyReadOnlyEndpoint", Kind: contract.KindString, Optional: true}, {Name: "applicationEndpoint", Kind: contract.KindString},
		{Name: "drRegion", Kind: contract.KindString, Optional: true}, {Name: "drKmsKeyArn", Kind: contract.KindString, Optional: true},
		{Name: "drBackupsArn", Kind: contract.KindString, Optional: true},
		{Name: "drNetworkStack", Kind: contract.KindString, Optional: true}, {Name: "drSubnetGroupName", Kind: contract.KindString, Optional: true},
		{Name: "drParameterGroupName", Kind: contract.KindString, Optional: true},
	}
)

func TestFields(t *testing.T) {
	wantNetwork := []contract.Field{
		{Name: "vpcId", Kind: contract.KindString}, {Name: "vpcCidr", Kind: contract.KindString},
		{Name: "databaseSubnetIds", Kind: contract.KindStringArray}, {Name: "appSubnetIds", Kind: contract.KindStringArray},
		{Name: "appSubnetCidrs", Kind: contract.KindStringArray}, {Name: "availabilityZones", Kind: contract.KindStringArray},
		{Name: "environment", Kind: contract.KindString}, {Name: "tier", Kind: contract.KindString},
		{Name: "region", Kind: contract.KindString}, {Name: "recoveryOf", Kind: contract.KindString, Optional: true},
	}
	if got := contract.Fields(contract.Network{}); !slices.Equal(got, wantNetwork) {
		t.Errorf("Fields(Network) = %v, want %v", got, wantNetwork)
	}
	if got := contract.Fields(&contract.Database{}); !slices.Equal(got, databaseFields) {
		t.Errorf("Fields(*Database) = %v, want %v", got, databaseFields)
	}
	if got := contract.Names(contract.Network{}); !slices.Equal(got, networkNames) {
		t.Errorf("Names(Network) = %v, want %v", got, networkNames)
	}
	var wantDB []string
	for _, f := range databaseFields {
		wantDB = append(wantDB, f.Name)
	}
	slices.Sort(wantDB)
	if got := contract.Names(contract.Database{}); !slices.Equal(got, wantDB) {
		t.Errorf("Names(Database) = %v, want %v", got, wantDB)
	}
}

// TestFieldsRefusesBadContracts: a malformed contract type is a programming
// error, reported by a panic that names the problem.
func TestFieldsRefusesBadContracts(t *testing.T) {
	cases := []struct {
		name     string
		contract any
		want     string
	}{
		{"not a struct", "vpcId", "is not a struct"},
		{"field without tag", struct{ VpcID pulumi.StringOutput }{}, "has no pulumi tag"},
		{"name used twice", struct {
			A pulumi.StringOutput `pulumi:"x"`
			B pulumi.StringOutput `pulumi:"x"`
		}{}, `output name "x" is used twice`},
		{"unsupported type", struct {
			A pulumi.BoolOutput `pulumi:"flag"`
		}{}, "unsupported type"},
		{"plain string", struct {
			A string `pulumi:"name"`
		}{}, "unsupported type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("Fields panicked with %v, want a panic mentioning %q", r, tc.want)
				}
			}()
			contract.Fields(tc.contract)
		})
	}
	// Export and Read return the same problems as errors.
	bad := &struct{ VpcID pulumi.StringOutput }{}
	if err := contract.Export(bad, func(string, pulumi.Input) {}); err == nil || !strings.Contains(err.Error(), "has no pulumi tag") {
		t.Errorf("Export of a bad contract = %v", err)
	}
	if _, err := contract.Read(fakeStack{}, "org/network/dev", bad); err == nil || !strings.Contains(err.Error(), "has no pulumi tag") {
		t.Errorf("Read into a bad contract = %v", err)
	}
}

func str(s string) pulumi.StringOutput { return pulumi.String(s).ToStringOutput() }
func strs(ss ...string) pulumi.StringArrayOutput {
	return pulumi.ToStringArray(ss).ToStringArrayOutput()
}

func fullNetwork() contract.Network {
	return contract.Network{
		VpcID: str("vpc-1"), VpcCidr: str("10.20.0.0/16"),
		DatabaseSubnetIDs: strs("subnet-d1", "subnet-d2"), AppSubnetIDs: strs("subnet-a1", "subnet-a2"),
		AppSubnetCidrs: strs("10.20.0.0/20", "10.20.16.0/20"), AvailabilityZones: strs("eu-west-1a", "eu-west-1b"),
		Environment: str("dev"), Tier: str("dev"), Region: str("eu-west-1"), RecoveryOf: str(""),
	}
}

func fullDatabase() contract.Database {
	return contract.Database{
		Endpoint: str("db.example:5432"), Address: str("db.example"), Port: pulumi.Int(5432).ToIntOutput(),
		DatabaseName: str("orders"), MasterUsername: str("orders_admin"), MasterSecretArn: str("arn:secret"),
		SecurityGroupID: str("sg-1"), InstanceIdentifier: str("orders-dev-abc"), ResourceID: str("db-ABC"),
		KmsKeyArn: str("arn:key"), AlarmTopicArn: str("arn:topic"), Environment: str("dev"), Tier: str("dev"),
		Deployment: str("instance"), ClusterIdentifier: str(""), ReaderEndpoint: str(""), ProxyEndpoint: str(""),
		ProxyReadOnlyEndpoint: str(""), ApplicationEndpoint: str("db.example"),
		DRRegion: str(""), DRKmsKeyArn: str(""), DRBackupsArn: str(""), DRNetworkStack: str(""), DRSubnetGroupName: str(""),
		DRParameterGroupName: str(""),
	}
}

type awaited struct {
	value  any
	secret bool
}

func await(t *testing.T, o pulumi.Output) awaited {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := internals.UnsafeAwaitOutput(ctx, o)
	if err != nil {
		t.Fatalf("await: %v", err)
	}
	if !res.Known {
		t.Fatal("output is unknown")
	}
	return awaited{res.Value, res.Secret}
}

func TestExport(t *testing.T) {
	for _, c := range []struct {
		name     string
		contract any
		names    []string
	}{
		{"network", fullNetwork(), networkNames},
		{"network pointer", ptr(fullNetwork()), networkNames},
		{"database", fullDatabase(), contract.Names(contract.Database{})},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := map[string]pulumi.Input{}
			if err := contract.Export(c.contract, func(name string, v pulumi.Input) { got[name] = v }); err != nil {
				t.Fatal(err)
			}
			names := slices.Sorted(maps.Keys(got))
			if !slices.Equal(names, c.names) {
				t.Errorf("exported %v, want %v", names, c.names)
			}
		})
	}
	// The exported values are the struct's outputs.
	got := map[string]pulumi.Input{}
	if err := contract.Export(fullNetwork(), func(name string, v pulumi.Input) { got[name] = v }); err != nil {
		t.Fatal(err)
	}
	if v := await(t, got["vpcId"].(pulumi.Output)); v.value != "vpc-1" {
		t.Errorf("vpcId exported as %v", v.value)
	}
	if v := await(t, got["availabilityZones"].(pulumi.Output)); !reflect.DeepEqual(v.value, []string{"eu-west-1a", "eu-west-1b"}) {
		t.Errorf("availabilityZones exported as %#v", v.value)
	}
}

func ptr[T any](v T) *T { return &v }

func TestExportFailsOnAnUnsetField(t *testing.T) {
	cases := []struct {
		name      string
		contract  any
		output    string
		fieldName string
	}{
		{"network vpcId", func() any { n := fullNetwork(); n.VpcID = pulumi.StringOutput{}; return n }(), "vpcId", "Network.VpcID"},
		{"network zones", func() any { n := fullNetwork(); n.AvailabilityZones = pulumi.StringArrayOutput{}; return &n }(), "availabilityZones", "Network.AvailabilityZones"},
		{"database port", func() any { d := fullDatabase(); d.Port = pulumi.IntOutput{}; return d }(), "port", "Database.Port"},
		{"database last field", func() any { d := fullDatabase(); d.Tier = pulumi.StringOutput{}; return d }(), "tier", "Database.Tier"},
		{"empty database", contract.Database{}, "endpoint", "Database.Endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := contract.Export(tc.contract, func(string, pulumi.Input) {})
			if err == nil {
				t.Fatal("Export accepted a contract with an unset field")
			}
			for _, want := range []string{`"` + tc.output + `"`, tc.fieldName, "was not set"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %s", err, want)
				}
			}
		})
	}
}

// fakeStack serves stack outputs the way a StackReference does: plain
// values in Value, secret ones in SecretValue.
type fakeStack struct {
	outputs map[string]any
	secrets map[string]bool
	fail    map[string]error
}

func (f fakeStack) GetOutputDetails(name string) (*pulumi.StackReferenceOutputDetails, error) {
	if err := f.fail[name]; err != nil {
		return nil, err
	}
	v, ok := f.outputs[name]
	if !ok {
		return &pulumi.StackReferenceOutputDetails{}, nil
	}
	if f.secrets[name] {
		return &pulumi.StackReferenceOutputDetails{SecretValue: v}, nil
	}
	return &pulumi.StackReferenceOutputDetails{Value: v}, nil
}

// networkOutputs are the network stack's outputs as JSON decodes them.
func networkOutputs() map[string]any {
	return map[string]any{
		"vpcId": "vpc-1", "vpcCidr": "10.20.0.0/16",
		"databaseSubnetIds": []any{"subnet-d1", "subnet-d2"}, "appSubnetIds": []any{"subnet-a1", "subnet-a2"},
		"appSubnetCidrs": []any{"10.20.0.0/20", "10.20.16.0/20"}, "availabilityZones": []any{"eu-west-1a", "eu-west-1b"},
		"environment": "dev", "tier": "dev", "region": "eu-west-1", "recoveryOf": "",
	}
}

func databaseOutputs() map[string]any {
	return map[string]any{
		"endpoint": "db.example:5432", "address": "db.example", "port": float64(5432),
		"databaseName": "orders", "masterUsername": "orders_admin", "masterSecretArn": "arn:secret",
		"securityGroupId": "sg-1", "instanceIdentifier": "orders-dev-abc", "resourceId": "db-ABC",
		"kmsKeyArn": "arn:key", "alarmTopicArn": "arn:topic", "environment": "dev", "tier": "dev",
		"deployment": "instance", "clusterIdentifier": "", "readerEndpoint": "", "proxyEndpoint": "",
		"proxyReadOnlyEndpoint": "", "applicationEndpoint": "db.example",
		"drRegion": "", "drKmsKeyArn": "", "drBackupsArn": "", "drNetworkStack": "", "drSubnetGroupName": "", "drParameterGroupName": "",
	}
}

const networkStack = "acme/network/dev"

func TestReadNetwork(t *testing.T) {
	n, vals, err := contract.ReadNetwork(fakeStack{outputs: networkOutputs()}, networkStack)
	if err != nil {
		t.Fatal(err)
	}
	if vals.String("vpcCidr") != "10.20.0.0/16" || !slices.Equal(vals.Strings("availabilityZones"), []string{"eu-west-1a", "eu-west-1b"}) {
		t.Errorf("values = %v", vals)
	}
	if len(vals) != len(networkNames) {
		t.Errorf("%d values, want %d", len(vals), len(networkNames))
	}
	if vals.String("availabilityZones") != "" || vals.Strings("vpcId") != nil {
		t.Error("a value of another kind is returned instead of the zero value")
	}
	checks := map[string]struct {
		out  pulumi.Output
		want any
	}{
		"vpcId":             {n.VpcID, "vpc-1"},
		"vpcCidr":           {n.VpcCidr, "10.20.0.0/16"},
		"databaseSubnetIds": {n.DatabaseSubnetIDs, []string{"subnet-d1", "subnet-d2"}},
		"appSubnetIds":      {n.AppSubnetIDs, []string{"subnet-a1", "subnet-a2"}},
		"appSubnetCidrs":    {n.AppSubnetCidrs, []string{"10.20.0.0/20", "10.20.16.0/20"}},
		"availabilityZones": {n.AvailabilityZones, []string{"eu-west-1a", "eu-west-1b"}},
		"environment":       {n.Environment, "dev"},
		"tier":              {n.Tier, "dev"},
		"region":            {n.Region, "eu-west-1"},
		"recoveryOf":        {n.RecoveryOf, ""},
	}
	for name, c := range checks {
		got := await(t, c.out)
		if !reflect.DeepEqual(got.value, c.want) || got.secret {
			t.Errorf("%s resolves to %#v (secret %v), want %#v", name, got.value, got.secret, c.want)
		}
	}
}

func TestReadDatabase(t *testing.T) {
	var d contract.Database
	vals, err := contract.Read(fakeStack{outputs: databaseOutputs()}, "acme/database/orders-dev", &d)
	if err != nil {
		t.Fatal(err)
	}
	if vals["port"] != 5432 {
		t.Errorf("port value = %#v, want int 5432", vals["port"])
	}
	if got := await(t, d.Port); got.value != 5432 {
		t.Errorf("Port resolves to %#v", got.value)
	}
	if got := await(t, d.Endpoint); got.value != "db.example:5432" {
		t.Errorf("Endpoint resolves to %#v", got.value)
	}
	// Values already typed (an int, a []string) are taken as they are.
	outs := databaseOutputs()
	outs["port"] = 6432
	if vals, err := contract.Read(fakeStack{outputs: outs}, "s", &d); err != nil || vals["port"] != 6432 {
		t.Errorf("Read with an int port = %v, %v", vals, err)
	}
	nouts := networkOutputs()
	nouts["availabilityZones"] = []string{"eu-west-1a"}
	if _, vals, err := contract.ReadNetwork(fakeStack{outputs: nouts}, networkStack); err != nil || !slices.Equal(vals.Strings("availabilityZones"), []string{"eu-west-1a"}) {
		t.Errorf("Read with a []string = %v, %v", vals, err)
	}
}

func TestReadRefuses(t *testing.T) {
	cases := []struct {
		name  string
		set   map[string]any // nil value deletes the output
		drop  []string
		wants []string // phrases the error must contain
	}{
		{"one output missing", nil, []string{"appSubnetCidrs"}, []string{`stack "acme/network/dev" has no output "appSubnetCidrs"`, "the Network contract needs it"}},
		{"several outputs missing, all named", nil, []string{"vpcId", "tier"}, []string{`no output "tier", "vpcId"`, networkStack}},
		{"number for a string", map[string]any{"vpcId": float64(7)}, nil, []string{`stack "acme/network/dev" output "vpcId" must be a non-empty string`, "7 (float64)"}},
		{"empty string", map[string]any{"environment": ""}, nil, []string{`output "environment" must be a non-empty string`}},
		{"region missing: a network deployed before it stated its region", nil, []string{"region"}, []string{`stack "acme/network/dev" has no output "region"`, "deploy or update that stack first"}},
		{"empty region", map[string]any{"region": ""}, nil, []string{`output "region" must be a non-empty string`}},
		{"list for a string", map[string]any{"tier": []any{"dev"}}, nil, []string{`output "tier" must be a non-empty string`}},
		{"string for a list", map[string]any{"availabilityZones": "eu-west-1a"}, nil, []string{`stack "acme/network/dev" output "availabilityZones" must be a non-empty []string`}},
		{"list with a non-string", map[string]any{"databaseSubnetIds": []any{"subnet-1", float64(2)}}, nil, []string{`output "databaseSubnetIds" must be a list of strings`, "2 (float64)", networkStack}},
		{"list with a null", map[string]any{"appSubnetIds": []any{nil}}, nil, []string{`output "appSubnetIds" must be a list of strings`}},
		{"map for a list", map[string]any{"appSubnetCidrs": map[string]any{"a": "b"}}, nil, []string{`output "appSubnetCidrs"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			outs := networkOutputs()
			for k, v := range tc.set {
				outs[k] = v
			}
			for _, k := range tc.drop {
				delete(outs, k)
			}
			_, _, err := contract.ReadNetwork(fakeStack{outputs: outs}, networkStack)
			if err == nil {
				t.Fatal("Read accepted the outputs")
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	// An optional output may be empty; a required one of the same contract
	// may not.
	outs := databaseOutputs()
	outs["readerEndpoint"] = ""
	var opt contract.Database
	if _, err := contract.Read(fakeStack{outputs: outs}, "acme/database/orders-dev", &opt); err != nil {
		t.Errorf("empty optional readerEndpoint: %v", err)
	}
	outs["applicationEndpoint"] = ""
	if _, err := contract.Read(fakeStack{outputs: outs}, "acme/database/orders-dev", &opt); err == nil || !strings.Contains(err.Error(), `output "applicationEndpoint" must be a non-empty string`) {
		t.Errorf("empty applicationEndpoint: error %v", err)
	}
	// Database port: a fraction, a string.
	for _, bad := range []any{5432.5, "5432", true} {
		outs := databaseOutputs()
		outs["port"] = bad
		var d contract.Database
		_, err := contract.Read(fakeStack{outputs: outs}, "acme/database/orders-dev", &d)
		if err == nil || !strings.Contains(err.Error(), `stack "acme/database/orders-dev" output "port" must be a non-empty int`) {
			t.Errorf("port %#v: error %v", bad, err)
		}
	}
}

func TestReadPassesOnReaderErrors(t *testing.T) {
	boom := errors.New("connection reset")
	_, _, err := contract.ReadNetwork(fakeStack{outputs: networkOutputs(), fail: map[string]error{"vpcCidr": boom}}, networkStack)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), `output "vpcCidr" of stack "acme/network/dev"`) {
		t.Errorf("error = %v; want it to wrap the reader's error and name the output and stack", err)
	}
}

func TestReadNeedsAPointer(t *testing.T) {
	for _, dst := range []any{contract.Network{}, (*contract.Network)(nil), nil} {
		if _, err := contract.Read(fakeStack{outputs: networkOutputs()}, networkStack, dst); err == nil || !strings.Contains(err.Error(), "needs a pointer") {
			t.Errorf("Read into %T: %v", dst, err)
		}
	}
}

func TestSecretOutputsStaySecret(t *testing.T) {
	f := fakeStack{outputs: networkOutputs(), secrets: map[string]bool{"vpcId": true, "appSubnetCidrs": true}}
	n, vals, err := contract.ReadNetwork(f, networkStack)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]pulumi.Output{"vpcId": n.VpcID, "appSubnetCidrs": n.AppSubnetCidrs} {
		if got := await(t, out); !got.secret {
			t.Errorf("%s lost its secret flag (resolves to %v)", name, got.value)
		}
	}
	if got := await(t, n.VpcID); got.value != "vpc-1" {
		t.Errorf("secret vpcId resolves to %#v", got.value)
	}
	if got := await(t, n.VpcCidr); got.secret {
		t.Error("a plain output became secret")
	}
	if vals.String("vpcId") != "vpc-1" {
		t.Errorf("value of the secret output = %q", vals.String("vpcId"))
	}
	// A secret output of the wrong type is refused like a plain one.
	f.outputs["vpcId"] = float64(1)
	if _, _, err := contract.ReadNetwork(f, networkStack); err == nil || !strings.Contains(err.Error(), `output "vpcId"`) {
		t.Errorf("secret of the wrong type: %v", err)
	}
}

// TestNetworkRole: a database stack reading a network checks the role the
// network's outputs state, its primary network in its own region or its
// environment's recovery network in the recovery region, and is told which
// output says otherwise.
func TestNetworkRole(t *testing.T) {
	primary := func() contract.Values {
		_, v, err := contract.ReadNetwork(fakeStack{outputs: networkOutputs()}, networkStack)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	recovery := func(of, env, region string) contract.Values {
		outs := networkOutputs()
		outs["recoveryOf"], outs["environment"], outs["region"] = of, env, region
		_, v, err := contract.ReadNetwork(fakeStack{outputs: outs}, "acme/network/dev-dr")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := contract.CheckPrimaryNetwork(networkStack, primary(), "eu-west-1"); err != nil {
		t.Errorf("the primary network in its region: %v", err)
	}
	if err := contract.CheckRecoveryNetwork("acme/network/dev-dr", recovery("dev", "dev", "eu-central-1"), "dev", "eu-west-1", "eu-central-1"); err != nil {
		t.Errorf("the recovery network in the recovery region: %v", err)
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"primary in another region", contract.CheckPrimaryNetwork(networkStack, primary(), "us-east-1"),
			`network stack "acme/network/dev" is in region "eu-west-1" (output region), but this stack deploys to "us-east-1"`},
		{"a recovery network as the primary", contract.CheckPrimaryNetwork("acme/network/dev-dr", recovery("dev", "dev", "eu-west-1"), "eu-west-1"),
			`is the recovery network of environment "dev" (output recoveryOf), not a primary network`},
		{"a primary network as the recovery network", contract.CheckRecoveryNetwork(networkStack, primary(), "dev", "eu-west-1", "eu-central-1"),
			`network stack "acme/network/dev" is a primary network (its output recoveryOf is empty), not a recovery network: name a network stack whose file sets network:recoveryOf: dev`},
		{"the recovery network of another environment", contract.CheckRecoveryNetwork("acme/network/prod-dr", recovery("prod", "prod", "eu-central-1"), "dev", "eu-west-1", "eu-central-1"),
			`is the recovery network of environment "prod" (outputs recoveryOf and environment: "prod", "prod"), not of "dev"`},
		{"recoveryOf and environment disagree", contract.CheckRecoveryNetwork("acme/network/dev-dr", recovery("dev", "prod", "eu-central-1"), "dev", "eu-west-1", "eu-central-1"),
			`(outputs recoveryOf and environment: "dev", "prod"), not of "dev"`},
		{"recovery network in another region", contract.CheckRecoveryNetwork("acme/network/dev-dr", recovery("dev", "dev", "us-east-1"), "dev", "eu-west-1", "eu-central-1"),
			`is in region "us-east-1" (output region), not in the recovery region "eu-central-1"`},
		{"recovery region is the primary's", contract.CheckRecoveryNetwork("acme/network/dev-dr", recovery("dev", "dev", "eu-west-1"), "dev", "eu-west-1", "eu-west-1"),
			`is in region "eu-west-1", the primary's own region: a recovery network is in another region`},
	}
	for _, tc := range cases {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, tc.err, tc.want)
		}
	}
}
