package failovercmd

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
)

// clusterOutputsJSON is what a staging stack that runs a Multi-AZ DB
// cluster behind an RDS Proxy exports (the recordings in
// ../testdata/cluster).
func clusterOutputsJSON(t *testing.T) string {
	var m map[string]any
	if err := json.Unmarshal([]byte(outputsJSON), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{
		"address":             "orders-staging-7a2b.cluster-c9akciq32.eu-west-1.rds.amazonaws.com",
		"endpoint":            "orders-staging-7a2b.cluster-c9akciq32.eu-west-1.rds.amazonaws.com:5432",
		"readerEndpoint":      "orders-staging-7a2b.cluster-ro-c9akciq32.eu-west-1.rds.amazonaws.com",
		"deployment":          "cluster",
		"clusterIdentifier":   "orders-staging-7a2b",
		"instanceIdentifier":  "",
		"proxyEndpoint":       "orders-staging-proxy-3c9d.proxy-c9akciq32.eu-west-1.rds.amazonaws.com",
		"applicationEndpoint": "orders-staging-proxy-3c9d.proxy-c9akciq32.eu-west-1.rds.amazonaws.com",
		"environment":         "staging",
		"tier":                "staging",
	} {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func clusterDeps(t *testing.T, stdin string) deps {
	api := recorded.New("../testdata/cluster")
	return deps{
		stdin: strings.NewReader(stdin), stderr: &bytes.Buffer{},
		aws: func(_ context.Context, region string) (awsClients, error) {
			return awsClients{rds: &fakeRDS{t: t}, cluster: api, secrets: &fakeSecrets{}, creds: &fakeCreds{}, region: region}, nil
		},
	}
}

func parse(t *testing.T, args ...string) (*options, map[string]bool) {
	t.Helper()
	return parseFlags(t, args, false)
}

// The outputs of a cluster stack make the drill fail the cluster over,
// and --via proxy,writer plans one drill through the proxy with an IAM
// token for the master user, then one against the writer endpoint with the
// master secret.
func TestClusterBehindProxyPlansBothRuns(t *testing.T) {
	o, set := parse(t, "--outputs", "-", "--ca-bundle", caBundle(t), "--via", "proxy,writer")
	ps, err := plans(context.Background(), o, set, clusterDeps(t, clusterOutputsJSON(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].via != failover.ViaProxy || ps[1].via != failover.ViaWriter {
		t.Fatalf("plans %+v, want proxy then writer", ps)
	}
	for _, p := range ps {
		tr, ok := p.cfg.Trigger.(failover.ClusterTrigger)
		if !ok || tr.ClusterID != "orders-staging-7a2b" {
			t.Errorf("via %s: trigger %#v, want FailoverDBCluster on orders-staging-7a2b", p.via, p.cfg.Trigger)
		}
	}
	proxy, writer := ps[0], ps[1]
	if proxy.cfg.Host != "orders-staging-proxy-3c9d.proxy-c9akciq32.eu-west-1.rds.amazonaws.com" || proxy.conn.Port != proxyPort || proxy.port != proxyPort {
		t.Errorf("proxy run connects to %s:%d", proxy.cfg.Host, proxy.conn.Port)
	}
	if tok, ok := proxy.conn.Credentials.(*dbconn.IAMToken); !ok || tok.Region != "eu-west-1" || proxy.conn.User != "dbadmin" || proxy.conn.SSLMode != dbconn.SSLVerifyFull {
		t.Errorf("proxy run credentials %#v as %q (%s), want an IAM token for eu-west-1 as the master user over verify-full", proxy.conn.Credentials, proxy.conn.User, proxy.conn.SSLMode)
	}
	if writer.cfg.Host != "orders-staging-7a2b.cluster-c9akciq32.eu-west-1.rds.amazonaws.com" || writer.conn.Port != 5432 {
		t.Errorf("writer run connects to %s:%d", writer.cfg.Host, writer.conn.Port)
	}
	if _, ok := writer.conn.Credentials.(*dbconn.ManagedSecret); !ok {
		t.Errorf("writer run credentials %#v, want the master secret", writer.conn.Credentials)
	}
}

// Without --via the drill runs once against the writer, as before; the
// repeated flag is the same as the comma-separated one.
func TestViaDefaultsAndRepeats(t *testing.T) {
	o, set := parse(t, "--outputs", "-", "--ca-bundle", caBundle(t))
	ps, err := plans(context.Background(), o, set, clusterDeps(t, clusterOutputsJSON(t)))
	if err != nil || len(ps) != 1 || ps[0].via != failover.ViaWriter {
		t.Fatalf("plans %+v, %v; want one writer run", ps, err)
	}
	o, set = parse(t, "--outputs", "-", "--ca-bundle", caBundle(t), "--via", "writer", "--via", "proxy")
	ps, err = plans(context.Background(), o, set, clusterDeps(t, clusterOutputsJSON(t)))
	if err != nil || len(ps) != 2 || ps[0].via != failover.ViaWriter || ps[1].via != failover.ViaProxy {
		t.Fatalf("plans %+v, %v; want writer then proxy", ps, err)
	}
}

// --target overrides the shape the outputs name.
func TestTargetFlag(t *testing.T) {
	o, set := parse(t, "--outputs", "-", "--ca-bundle", caBundle(t), "--target", "instance", "--instance-id", "orders-staging-7a2b-instance-1")
	cfg, err := plan(context.Background(), o, set, clusterDeps(t, clusterOutputsJSON(t)))
	if err != nil {
		t.Fatal(err)
	}
	if tr, ok := cfg.Trigger.(failover.RDSTrigger); !ok || tr.InstanceID != "orders-staging-7a2b-instance-1" {
		t.Errorf("trigger %#v, want RebootDBInstance on the instance named", cfg.Trigger)
	}
}

func TestClusterAndViaBadInput(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		outputs string
		want    string
	}{
		{"unknown via", []string{"--via", "reader"}, "cluster", `--via "reader": want proxy or writer`},
		{"via twice", []string{"--via", "proxy,proxy"}, "cluster", "--via proxy is given twice"},
		{"no proxy", []string{"--via", "proxy"}, "instance", "the stack has no RDS Proxy"},
		{"unknown target", []string{"--target", "aurora"}, "cluster", `--target "aurora": want instance`},
		{"cluster without id", []string{"--target", "cluster"}, "instance", "--target cluster needs --cluster-id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := outputsJSON
			if tc.outputs == "cluster" {
				out = clusterOutputsJSON(t)
			}
			o, set := parse(t, append([]string{"--outputs", "-", "--ca-bundle", caBundle(t)}, tc.args...)...)
			_, err := plans(context.Background(), o, set, clusterDeps(t, out))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
