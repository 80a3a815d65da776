package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/stacks"
)

// clusterSpec is the spec of the cluster-proxy recordings, resolved from
// its stack file (database:deployment cluster, database:proxy true, io1).
func clusterSpec(s stacks.Stack) (Expect, error) {
	e, err := Expectations(s)
	if err == nil && (e.Deployment != spec.DeployCluster || !e.Proxy.Enabled) {
		return e, fmt.Errorf("the cluster-proxy stack file resolves to shape %q, proxy %t", e.Deployment, e.Proxy.Enabled)
	}
	return e, err
}

// variant copies a recorded situation into a temporary folder and edits
// the named JSON files there.
func variant(t *testing.T, scenario string, edits map[string]func(v any)) string {
	t.Helper()
	src := filepath.Join("testdata", scenario)
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if edit, ok := edits[e.Name()]; ok {
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Fatal(err)
			}
			edit(v)
			if data, err = json.Marshal(v); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// obj and list walk decoded JSON in the edits.
func obj(v any, keys ...string) map[string]any {
	m := v.(map[string]any)
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func list(v any, key string, i int) map[string]any {
	return v.(map[string]any)[key].([]any)[i].(map[string]any)
}

func verifyCluster(t *testing.T, dir string, expect func(stacks.Stack) (Expect, error)) (StackReport, *fakePinger) {
	t.Helper()
	db := &fakePinger{}
	v := newVerifier(recorded.New(dir), db)
	v.Expect = expect
	return v.Verify(context.Background(), loadTarget(t, dir)), db
}

func TestClusterBehindProxy(t *testing.T) {
	rep, db := verifyCluster(t, filepath.Join("testdata", "cluster-proxy"), clusterSpec)
	want := append(slices.Clone(ClusterChecks), ProxyChecks...)
	var got []string
	for _, r := range rep.Checks {
		got = append(got, r.Name)
		if r.Status != check.Pass {
			t.Errorf("%s", check.Line(r))
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("checks %v, want %v", got, want)
	}
	for name, subs := range map[string][]string{
		CheckZones:         {"writer orders-staging-7a2b-instance-1 in eu-west-1a", "orders-staging-7a2b-instance-2 in eu-west-1b", "orders-staging-7a2b-instance-3 in eu-west-1c", "three zones"},
		CheckClassStorage:  {"db.r6gd.large, io1 storage, 100 GiB, 3000 IOPS"},
		CheckParameters:    {"orders-staging-cpg16-20261120083011223300000003", "(in-sync)"},
		CheckSecurityGroup: {"only TCP 5432 from the RDS Proxy's security group(s) sg-0e9f8a7b6c5d4e3f2"},
		CheckProxy:         {"orders-staging-proxy-3c9d is available, requires TLS and IAM authentication (REQUIRED)"},
		CheckProxyTargets:  {"orders-staging-7a2b-instance-1 (READ_WRITE)", "instance-2 (READ_ONLY)"},
	} {
		for _, s := range subs {
			if d := detail(rep, name); !strings.Contains(d, s) {
				t.Errorf("%s detail %q lacks %q", name, d, s)
			}
		}
	}
	if rep.Cluster != "orders-staging-7a2b" || rep.Proxy != "orders-staging-proxy-3c9d" || rep.Instance != "" {
		t.Errorf("report names instance %q, cluster %q, proxy %q", rep.Instance, rep.Cluster, rep.Proxy)
	}
	// The writer endpoint and the proxy's handshake, both as verify's own
	// role (through the proxy verify does not log in).
	if len(db.calls) != 2 {
		t.Fatalf("%d connection attempts, want 2: %+v", len(db.calls), db.calls)
	}
	if ep := db.calls[0]; ep.Host != "orders-staging-7a2b.cluster-c9akciq32.eu-west-1.rds.amazonaws.com" || ep.User != LoginRole || ep.Proxy {
		t.Errorf("writer connection %+v", ep)
	}
	if ep := db.calls[1]; ep.Host != "orders-staging-proxy-3c9d.proxy-c9akciq32.eu-west-1.rds.amazonaws.com" || ep.Port != ProxyPort || ep.User != LoginRole || !ep.Proxy || ep.Database != "orders" {
		t.Errorf("proxy connection %+v", ep)
	}
}

func TestClusterAndProxyFailures(t *testing.T) {
	members := func(v any, i int) map[string]any {
		return list(v, "DBInstances", i)
	}
	target := func(v any, i int) map[string]any {
		return obj(v, "orders-staging-proxy-3c9d")["Targets"].([]any)[i].(map[string]any)
	}
	proxy := func(v any) map[string]any { return list(v, "DBProxies", 1) }
	for _, tc := range []struct {
		name    string
		edits   map[string]func(v any)
		expect  func(stacks.Stack) (Expect, error)
		check   string
		want    check.Status
		details []string
		// also names other checks the same drift fails.
		also []string
	}{
		{
			name:    "a reader in the writer's zone",
			edits:   map[string]func(v any){"describe-db-instances.json": func(v any) { members(v, 1)["AvailabilityZone"] = "eu-west-1a" }},
			check:   CheckZones,
			want:    check.Fail,
			details: []string{"reader orders-staging-7a2b-instance-2 and writer orders-staging-7a2b-instance-1 share eu-west-1a", "takes both down"},
		},
		{
			name: "one reader",
			edits: map[string]func(v any){"describe-db-clusters.json": func(v any) {
				c := list(v, "DBClusters", 0)
				c["DBClusterMembers"] = c["DBClusterMembers"].([]any)[:2]
			}},
			check:   CheckZones,
			want:    check.Fail,
			details: []string{"1 readers", "want the 2 readable standbys"},
		},
		{
			name:    "a proxy without TLS",
			edits:   map[string]func(v any){"describe-db-proxies.json": func(v any) { proxy(v)["RequireTLS"] = false }},
			check:   CheckProxy,
			want:    check.Fail,
			details: []string{"RequireTLS is off"},
		},
		{
			name:    "a proxy that lets clients in without IAM",
			edits:   map[string]func(v any){"describe-db-proxies.json": func(v any) { proxy(v)["Auth"].([]any)[0].(map[string]any)["IAMAuth"] = "DISABLED" }},
			check:   CheckProxy,
			want:    check.Fail,
			details: []string{"IAMAuth DISABLED, want REQUIRED"},
		},
		{
			name: "a proxy with another secret",
			edits: map[string]func(v any){"describe-db-proxies.json": func(v any) {
				proxy(v)["Auth"].([]any)[0].(map[string]any)["SecretArn"] = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:other"
			}},
			check:   CheckProxy,
			want:    check.Fail,
			details: []string{"not the stack's master secret"},
		},
		{
			name: "an unhealthy target",
			edits: map[string]func(v any){"describe-db-proxy-targets.json": func(v any) {
				target(v, 1)["TargetHealth"] = map[string]any{"State": "UNAVAILABLE", "Reason": "CONNECTION_FAILED", "Description": "Could not connect to the target"}
			}},
			check:   CheckProxyTargets,
			want:    check.Fail,
			details: []string{"target orders-staging-7a2b-instance-1 (READ_WRITE) is UNAVAILABLE (CONNECTION_FAILED: Could not connect to the target), want AVAILABLE"},
		},
		{
			name: "a target that is not the stack's database",
			edits: map[string]func(v any){"describe-db-proxy-targets.json": func(v any) {
				target(v, 2)["RdsResourceId"], target(v, 2)["TrackedClusterId"] = "payments-staging-1", "payments-staging"
			}},
			check:   CheckProxyTargets,
			want:    check.Fail,
			details: []string{"target payments-staging-1 is not the stack's database orders-staging-7a2b"},
		},
		{
			name: "an application subnet past the proxy",
			edits: map[string]func(v any){"describe-security-groups.json": func(v any) {
				p := list(v, "SecurityGroups", 0)["IpPermissions"].([]any)[0].(map[string]any)
				p["IpRanges"] = []any{map[string]any{"CidrIp": "10.30.0.0/20"}}
			}},
			check:   CheckSecurityGroup,
			want:    check.Fail,
			details: []string{"admits 10.30.0.0/20, but behind the RDS Proxy only the proxy's security group may reach the database"},
		},
		{
			name:    "the proxy's group not admitted",
			edits:   map[string]func(v any){"describe-security-groups.json": func(v any) { list(v, "SecurityGroups", 0)["IpPermissions"] = []any{} }},
			check:   CheckSecurityGroup,
			want:    check.Fail,
			details: []string{"no rule admits sg-0e9f8a7b6c5d4e3f2 (the RDS Proxy's)"},
		},
		{
			name:    "another instance class",
			edits:   map[string]func(v any){"describe-db-clusters.json": func(v any) { list(v, "DBClusters", 0)["DBClusterInstanceClass"] = "db.m6gd.large" }},
			check:   CheckClassStorage,
			want:    check.Fail,
			details: []string{"instance class db.m6gd.large, the stack's spec sets db.r6gd.large"},
		},
		{
			name: "a reader endpoint that is not the output",
			edits: map[string]func(v any){"describe-db-clusters.json": func(v any) {
				list(v, "DBClusters", 0)["ReaderEndpoint"] = "other.cluster-ro-x.eu-west-1.rds.amazonaws.com"
			}},
			check:   CheckCluster,
			want:    check.Fail,
			details: []string{"reader endpoint other.cluster-ro-x.eu-west-1.rds.amazonaws.com is not the stack's readerEndpoint output"},
		},
		{
			name:    "a cluster parameter changed by hand",
			edits:   map[string]func(v any){"describe-db-cluster-parameters.json": func(v any) { setParam(v, "rds.force_ssl", "0") }},
			check:   CheckForceSSL,
			want:    check.Fail,
			details: []string{`rds.force_ssl is "0"`},
			also:    []string{CheckParameters},
		},
		{
			name: "a spec that declares an instance",
			expect: func(s stacks.Stack) (Expect, error) {
				e, err := clusterSpec(s)
				e.Deployment = spec.DeployInstance
				return e, err
			},
			check:   CheckOutputs,
			want:    check.Fail,
			details: []string{`deployment output is "cluster", the stack's spec (database:deployment) says "instance"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect := tc.expect
			if expect == nil {
				expect = clusterSpec
			}
			rep, _ := verifyCluster(t, variant(t, "cluster-proxy", tc.edits), expect)
			got := statuses(rep)
			if got[tc.check] != tc.want {
				t.Errorf("%s = %s (%s), want %s", tc.check, got[tc.check], detail(rep, tc.check), tc.want)
			}
			for _, s := range tc.details {
				if d := detail(rep, tc.check); !strings.Contains(d, s) {
					t.Errorf("%s detail %q lacks %q", tc.check, d, s)
				}
			}
			for _, r := range rep.Checks {
				if r.Name != tc.check && r.Status == check.Fail && tc.check != CheckOutputs && !slices.Contains(tc.also, r.Name) {
					t.Errorf("only %s should fail: %s", tc.check, check.Line(r))
				}
			}
			if check.ExitCode(rep.Checks) != check.ExitFail {
				t.Errorf("exit %d, want %d", check.ExitCode(rep.Checks), check.ExitFail)
			}
		})
	}
}

// setParam sets a parameter's value in recorded DescribeDB(Cluster)Parameters pages.
func setParam(v any, name, value string) {
	for _, page := range v.([]any) {
		for _, p := range page.(map[string]any)["Parameters"].([]any) {
			if m := p.(map[string]any); m["ParameterName"] == name {
				m["ParameterValue"] = value
			}
		}
	}
}

func TestDeletedClusterStopsEarly(t *testing.T) {
	dir := variant(t, "cluster-proxy", nil)
	if err := os.WriteFile(filepath.Join(dir, "describe-db-clusters.error.json"), []byte(`{"Code": "DBClusterNotFoundFault", "Message": "DBCluster orders-staging-7a2b not found."}`), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, db := verifyCluster(t, dir, clusterSpec)
	got := statuses(rep)
	if got[CheckCluster] != check.Fail || !strings.Contains(detail(rep, CheckCluster), "does not exist") {
		t.Errorf("cluster = %s %q", got[CheckCluster], detail(rep, CheckCluster))
	}
	for _, name := range []string{CheckZones, CheckConnect, CheckProxy, CheckProxyConnect} {
		if got[name] != check.Unknown {
			t.Errorf("%s = %s, want unknown after a missing cluster", name, got[name])
		}
	}
	if len(rep.Checks) != len(ClusterChecks)+len(ProxyChecks) {
		t.Errorf("%d results, want %d", len(rep.Checks), len(ClusterChecks)+len(ProxyChecks))
	}
	if len(db.calls) != 0 {
		t.Errorf("connected to a cluster that does not exist: %+v", db.calls)
	}
}

// A spec with a proxy whose outputs name none fails the outputs check.
func TestProxyInSpecButNotInOutputs(t *testing.T) {
	dir := filepath.Join("testdata", "compliant")
	rep, _ := verifyCluster(t, dir, func(s stacks.Stack) (Expect, error) {
		e, err := Expectations(s)
		e.Proxy.Enabled = true
		return e, err
	})
	if s := statuses(rep)[CheckOutputs]; s != check.Fail || !strings.Contains(detail(rep, CheckOutputs), "proxyEndpoint output is empty") {
		t.Errorf("outputs = %s %q", s, detail(rep, CheckOutputs))
	}
}
