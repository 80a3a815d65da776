package stackout

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pgplatform/platform/scripts/internal/testsupport/fixture"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/networkref"
)

func jsonNames(t *testing.T, v any) []string {
	t.Helper()
	var names []string
	rt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		tag := rt.Field(i).Tag.Get("json")
		if tag == "" {
			t.Fatalf("%s.%s has no json tag", rt.Name(), rt.Field(i).Name)
		}
		names = append(names, strings.Split(tag, ",")[0])
	}
	sort.Strings(names)
	return names
}

// The plain structs must carry exactly the contract's output names, so a
// contract change that this package misses fails here, not in a drill.
func TestStructsMirrorContract(t *testing.T) {
	if got, want := jsonNames(t, Database{}), contract.Names(contract.Database{}); !reflect.DeepEqual(got, want) {
		t.Errorf("Database json names = %v, contract.Database = %v", got, want)
	}
	if got, want := jsonNames(t, Network{}), contract.Names(contract.Network{}); !reflect.DeepEqual(got, want) {
		t.Errorf("Network json names = %v, contract.Network = %v", got, want)
	}
}

// databaseOutputs is what a database stack exports, with one output more
// that the contract does not list, which a reader ignores.
func databaseOutputs() map[string]any {
	m := fixture.DatabaseOutputs()
	m["extra"] = "ignored"
	return m
}

type mapSource map[string]map[string]any

func (m mapSource) Outputs(_ context.Context, project, stack string) (map[string]any, error) {
	return m[Key(project, stack)], nil
}

func TestReadDatabase(t *testing.T) {
	src := mapSource{"database/orders-dev": databaseOutputs()}
	d, err := ReadDatabase(context.Background(), src, "orders-dev")
	if err != nil {
		t.Fatal(err)
	}
	if d.Port != 5432 || d.InstanceIdentifier != "orders-dev-1a2b3c4d" || d.KmsKeyArn != "arn:aws:kms:eu-west-1:111122223333:key/k" {
		t.Errorf("mapped %+v", d)
	}
}

// A stack deployed before optional outputs joined the contract lacks them:
// it still reads, each absent optional output empty, while an absent
// required one is still an error that names only it.
func TestReadDatabaseWithoutOptionalOutputs(t *testing.T) {
	var optional []string
	for _, f := range contract.Fields(contract.Database{}) {
		if f.Optional {
			optional = append(optional, f.Name)
		}
	}
	if len(optional) == 0 {
		t.Fatal("the database contract has no optional outputs")
	}
	m := databaseOutputs()
	for _, name := range optional {
		delete(m, name)
	}
	d, err := ReadDatabase(context.Background(), mapSource{"database/orders-dev": m}, "orders-dev")
	if err != nil {
		t.Fatalf("outputs without %v: %v", optional, err)
	}
	if d.DRParameterGroupName != "" || d.InstanceIdentifier != "" || d.Address == "" {
		t.Errorf("mapped %+v", d)
	}

	delete(m, "alarmTopicArn")
	_, err = ReadDatabase(context.Background(), mapSource{"database/orders-dev": m}, "orders-dev")
	if err == nil || !strings.HasSuffix(strings.SplitN(err.Error(), ": the stack", 2)[0], "missing output(s) alarmTopicArn") {
		t.Errorf("without alarmTopicArn too: %v, want an error naming only alarmTopicArn", err)
	}
}

func TestReadDatabaseErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(map[string]any)
		expect []string
	}{
		{"missing keys", func(m map[string]any) { delete(m, "kmsKeyArn"); delete(m, "port") }, []string{"database stack orders-dev", "missing output(s) kmsKeyArn, port"}},
		{"null value", func(m map[string]any) { m["securityGroupId"] = nil }, []string{"missing output(s) securityGroupId"}},
		{"port not a number", func(m map[string]any) { m["port"] = "5432" }, []string{`output "port"`, "whole number", "5432"}},
		{"port fractional", func(m map[string]any) { m["port"] = 5432.5 }, []string{`output "port"`, "whole number"}},
		{"string as number", func(m map[string]any) { m["address"] = float64(1) }, []string{`output "address"`, "want a string"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := databaseOutputs()
			tc.edit(m)
			_, err := ReadDatabase(context.Background(), mapSource{"database/orders-dev": m}, "orders-dev")
			if err == nil {
				t.Fatal("no error")
			}
			for _, want := range tc.expect {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}

func TestReadNetworkLists(t *testing.T) {
	raw := map[string]any{
		"vpcId": "vpc-1", "vpcCidr": "10.30.0.0/16",
		"databaseSubnetIds": []any{"subnet-a", "subnet-b"},
		"appSubnetIds":      []any{"subnet-c"},
		"appSubnetCidrs":    []any{"10.30.0.0/20", "10.30.16.0/20"},
		"availabilityZones": []any{"eu-west-1a", "eu-west-1b"},
		"environment":       "staging", "tier": "staging",
		"region": "eu-west-1", "recoveryOf": "",
	}
	n, err := ReadNetwork(context.Background(), mapSource{"network/staging": raw}, "staging")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(n.AppSubnetCidrs, []string{"10.30.0.0/20", "10.30.16.0/20"}) || len(n.DatabaseSubnetIDs) != 2 {
		t.Errorf("mapped %+v", n)
	}
	if n.Region != "eu-west-1" || n.RecoveryOf != "" {
		t.Errorf("role mapped as region %q, recoveryOf %q", n.Region, n.RecoveryOf)
	}
	raw["recoveryOf"], raw["region"] = "staging", "eu-central-1"
	if n, err := ReadNetwork(context.Background(), mapSource{"network/staging-dr": raw}, "staging-dr"); err != nil || n.RecoveryOf != "staging" || n.Region != "eu-central-1" {
		t.Errorf("a recovery network's role: %+v, %v", n, err)
	}
	delete(raw, "region")
	if _, err := ReadNetwork(context.Background(), mapSource{"network/staging": raw}, "staging"); err == nil || !strings.Contains(err.Error(), "missing output(s) region") {
		t.Errorf("no region: error %v, want one naming the output", err)
	}
	raw["region"] = "eu-west-1"
	raw["appSubnetCidrs"] = []any{"10.30.0.0/20", 7.0}
	if _, err := ReadNetwork(context.Background(), mapSource{"network/staging": raw}, "staging"); err == nil || !strings.Contains(err.Error(), "element 1") {
		t.Errorf("mixed list: error %v, want one naming element 1", err)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "orders.json")
	b, _ := json.Marshal(databaseOutputs())
	if err := os.WriteFile(good, b, 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`["not", "an", "object"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	src := Files{Key("database", "orders-dev"): good, Key("database", "broken"): bad}
	if _, err := ReadDatabase(context.Background(), src, "orders-dev"); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDatabase(context.Background(), src, "broken"); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Errorf("array file: error %v", err)
	}
	if _, err := ReadDatabase(context.Background(), src, "payments-dev"); err == nil || !strings.Contains(err.Error(), `no outputs file was given for database stack "payments-dev"`) {
		t.Errorf("unknown stack: error %v", err)
	}
}

func TestNetworkStack(t *testing.T) {
	for _, tc := range []struct{ ref, env, want string }{
		{"", "staging", "staging"},
		{"shared", "dev", "shared"},
		{"organization/network/prod", "prod", "prod"},
	} {
		cfg := map[string]string{}
		if tc.ref != "" {
			cfg["database:networkStack"] = tc.ref
		}
		if got := NetworkStack(cfg, tc.env); got != tc.want {
			t.Errorf("NetworkStack(%q, %q) = %q, want %q", tc.ref, tc.env, got, tc.want)
		}
	}
}

// The network stack is read in the project the reference names: a
// reference to platform/shared-net does not read network/shared-net.
func TestReadNetworkRefKeepsTheProject(t *testing.T) {
	files := Files{Key("network", "shared-net"): filepath.Join(t.TempDir(), "absent.json")}
	_, err := ReadNetworkRef(context.Background(), files, networkref.Ref{Project: "platform", Stack: "shared-net"})
	if err == nil || !strings.Contains(err.Error(), `no outputs file was given for platform stack "shared-net"`) {
		t.Errorf("error %v, want one naming platform stack shared-net", err)
	}
	if got := RefStack(networkref.Ref{Org: "acme", Project: "network", Stack: "prod"}); got != "acme/network/prod" {
		t.Errorf("RefStack with an organization = %q, want the full name", got)
	}
	if got := RefStack(networkref.Ref{Project: "network", Stack: "prod"}); got != "prod" {
		t.Errorf("RefStack without an organization = %q, want prod", got)
	}
}
