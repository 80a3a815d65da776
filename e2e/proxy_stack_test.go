//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/contract"
)

// TestProxyStack deploys dev's orders database behind an RDS Proxy
// (database:proxy: true) through the real database program, the deploy
// tool, the engine and the double: as an instance and as a Multi-AZ DB
// cluster. Each shape is created, previewed after a refresh with no
// changes, replaced under the proxy, left without the proxy, and
// destroyed, leaving nothing and no failed call.
func TestProxyStack(t *testing.T) {
	for _, shape := range []struct {
		name string
		// extra are the stack file's lines besides database:proxy, and
		// replace the lines it changes.
		extra   []string
		replace map[string]string
	}{
		{name: "instance"},
		{name: "cluster", extra: []string{"database:deployment: cluster"},
			// A cluster's class, its storage floor and no autoscaling.
			replace: map[string]string{
				"database:instanceClass: db.t4g.medium":   "database:instanceClass: db.m6gd.large",
				"database:allocatedStorageGb: 20":         "database:allocatedStorageGb: 100",
				"  database:maxAllocatedStorageGb: 100\n": "",
			}},
	} {
		t.Run(shape.name, func(t *testing.T) {
			w := newWorld(t)
			sb := w.sandbox()
			const stack = "orders-dev"
			lines := append([]string{"database:proxy: true"}, shape.extra...)
			for old, new := range shape.replace {
				sb.editEnv(contract.DatabaseProject, stack, old, new)
			}
			sb.editEnv(contract.DatabaseProject, stack, "  database:databaseName: orders\n",
				"  database:databaseName: orders\n  "+strings.Join(lines, "\n  ")+"\n")

			net := sb.deploy("up", "--env", "dev", "--stack", "dev")
			require.Zero(t, net.code, "deploy up of network/dev\n%s", net)
			up := sb.deploy("up", "--env", "dev", "--stack", stack)
			require.Zero(t, up.code, "deploy up of %s behind a proxy\n%s", stack, up)

			out := w.state(contract.DatabaseProject, stack).outputs()
			proxy := recordOf(t, w, "aws:rds/proxy:Proxy")
			assert.Equal(t, proxy.Outputs["endpoint"], out["proxyEndpoint"], "proxyEndpoint is the proxy's")
			assert.Equal(t, out["proxyEndpoint"], out["applicationEndpoint"], "applications are sent to the proxy")
			assert.Regexp(t, `^orders-dev-proxy-[0-9a-f]{8}\.proxy-`, out["proxyEndpoint"])
			assert.Equal(t, "POSTGRESQL", proxy.Inputs["engineFamily"])
			assert.Equal(t, true, proxy.Inputs["requireTls"])
			auths, _ := fakeaws.Unsecret(proxy.Inputs["auths"]).([]any)
			require.Len(t, auths, 1)
			auth, _ := auths[0].(map[string]any)
			assert.Equal(t, "REQUIRED", auth["iamAuth"])
			assert.Equal(t, "SECRETS", auth["authScheme"])
			assert.Equal(t, out["masterSecretArn"], auth["secretArn"], "the proxy logs in with the RDS-managed master secret")

			// The role may read that secret and decrypt with the stack's key.
			policy := recordOf(t, w, "aws:iam/rolePolicy:RolePolicy")
			doc, _ := policy.Inputs["policy"].(string)
			var parsed struct{ Statement []map[string]any }
			require.NoError(t, json.Unmarshal([]byte(doc), &parsed), doc)
			require.Len(t, parsed.Statement, 2, doc)
			assert.Equal(t, out["masterSecretArn"], parsed.Statement[0]["Resource"])
			assert.Equal(t, out["kmsKeyArn"], parsed.Statement[1]["Resource"])

			target := recordOf(t, w, "aws:rds/proxyTarget:ProxyTarget")
			if shape.name == "cluster" {
				assert.Equal(t, "TRACKED_CLUSTER", target.Outputs["type"])
				assert.Equal(t, out["clusterIdentifier"], target.Outputs["rdsResourceId"])
				ro := recordOf(t, w, "aws:rds/proxyEndpoint:ProxyEndpoint")
				assert.Equal(t, "READ_ONLY", ro.Inputs["targetRole"])
				assert.Equal(t, ro.Outputs["endpoint"], out["proxyReadOnlyEndpoint"])
			} else {
				assert.Equal(t, "RDS_INSTANCE", target.Outputs["type"])
				assert.Equal(t, out["instanceIdentifier"], target.Outputs["rdsResourceId"])
				assert.Empty(t, out["proxyReadOnlyEndpoint"])
			}

			// The database admits only the proxy's security group.
			var proxySG string
			for _, rec := range w.records() {
				if rec.Type == "aws:ec2/securityGroup:SecurityGroup" && strings.HasSuffix(rec.URN, "::orders-dev-proxy-sg") {
					proxySG = rec.ID
				}
			}
			require.NotEmpty(t, proxySG, "the proxy has its own security group")
			var admitted []string
			for _, rec := range w.records() {
				if rec.Type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && rec.Inputs["securityGroupId"] == out["securityGroupId"] {
					admitted = append(admitted, strings.TrimSpace(str(rec.Inputs["cidrIpv4"])+" "+str(rec.Inputs["referencedSecurityGroupId"])))
				}
			}
			assert.Equal(t, []string{proxySG}, admitted, "the database's ingress")

			pre := sb.deploy("preview", "--env", "dev", "--stack", stack, "--refresh", "--expect-no-changes")
			require.Zero(t, pre.code, "a refreshed preview of %s has no changes\n%s", stack, pre)

			// A new database name replaces the database under a new
			// identifier: the proxy's one target is deregistered before the
			// new database is registered.
			id := "instanceIdentifier"
			if shape.name == "cluster" {
				id = "clusterIdentifier"
			}
			before := len(w.calls())
			sb.editEnv(contract.DatabaseProject, stack, "database:databaseName: orders\n", "database:databaseName: orders_v2\n")
			replaced := sb.deploy("up", "--env", "dev", "--stack", stack)
			require.Zero(t, replaced.code, "deploy up replacing the database behind the proxy\n%s", replaced)
			next := w.state(contract.DatabaseProject, stack).outputs()
			require.NotEqual(t, out[id], next[id], "the database was replaced")
			assert.Equal(t, next[id], recordOf(t, w, "aws:rds/proxyTarget:ProxyTarget").Outputs["rdsResourceId"], "the proxy's target is the new database")
			var order []string
			for _, c := range changedCalls(w.calls()[before:]) {
				if c.Type == "aws:rds/proxyTarget:ProxyTarget" {
					order = append(order, c.Method)
				}
			}
			assert.Equal(t, []string{"Delete", "Create"}, order, "the proxy target's replacement")

			// Without the proxy the database admits its own sources again and
			// applications are sent to the writer.
			sb.editEnv(contract.DatabaseProject, stack, "  database:proxy: true\n", "")
			off := sb.deploy("up", "--env", "dev", "--stack", stack)
			require.Zero(t, off.code, "deploy up without the proxy\n%s", off)
			last := w.state(contract.DatabaseProject, stack).outputs()
			assert.Empty(t, last["proxyEndpoint"])
			assert.Empty(t, last["proxyReadOnlyEndpoint"])
			assert.Equal(t, last["address"], last["applicationEndpoint"], "applications are sent to the writer")
			for _, rec := range w.records() {
				assert.NotContains(t, rec.Type, "aws:rds/proxy", "%s is left without the proxy", rec.URN)
				if rec.Type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && rec.Inputs["securityGroupId"] == last["securityGroupId"] {
					assert.NotEmpty(t, rec.Inputs["cidrIpv4"], "the database admits CIDRs again, not the proxy's group: %s", rec.URN)
				}
			}

			sb.destroyDev(stack)
		})
	}
}

// recordOf is the one live record of a type in the double that a database
// stack made.
func recordOf(t *testing.T, w *world, typ string) fakeaws.Record {
	t.Helper()
	var found []fakeaws.Record
	for _, rec := range w.records() {
		if rec.Type == typ && strings.Contains(rec.URN, "::"+contract.DatabaseProject+"::") {
			found = append(found, rec)
		}
	}
	require.Len(t, found, 1, "records of %s", typ)
	return found[0]
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
