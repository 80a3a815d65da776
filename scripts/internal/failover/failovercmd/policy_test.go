package failovercmd

import (
	"bytes"
	"context"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/scripts/internal/iampolicy"
	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
)

// Secrets Manager calls kms:Decrypt as the caller when it returns a secret
// under a customer key ("Secret encryption and decryption", Secrets Manager
// user guide:
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
var failoverImplied = []iampolicy.Implied{
	{Action: "kms:Decrypt", By: "secretsmanager:GetSecretValue", Reason: "Secrets Manager decrypts the master secret with its key as the caller"},
}

// drillPolicy is the drill's policy file, .github/policies/failover-drill.json,
// and what it allows.
func drillPolicy(t *testing.T) (string, iampolicy.Document) {
	t.Helper()
	path, err := iampolicy.ToolPolicy("failover-drill")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := iampolicy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, doc
}

// The drill as CI runs it (the target and the master secret from the stack
// outputs, the RDS trigger; and a cluster behind a proxy, see
// clusterDrillCalls) makes only calls that
// .github/policies/failover-drill.json allows, and the policy allows
// nothing more. The trigger goes through its whole life as failover.Run
// drives it (check, fire, placement); the connection reads the secret and
// then finds a closed port.
func TestPolicyAllowsEveryCallAndNothingMore(t *testing.T) {
	path, doc := drillPolicy(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	calls := &iampolicy.Calls{}
	clusterDrillCalls(t, calls)
	o, set := parseFlags(t, []string{"--outputs", "-", "--ca-bundle", caBundle(t), "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--region", "eu-west-1"}, false)
	cfg, err := plan(context.Background(), o, set, deps{
		stdin: strings.NewReader(outputsJSON), stderr: &bytes.Buffer{},
		aws: func(_ context.Context, region string) (awsClients, error) {
			return awsClients{
				rds:     iampolicy.RDS{API: &fakeRDS{t: t, multiAZ: true}, Calls: calls},
				secrets: iampolicy.Secrets{API: &fakeSecrets{}, Calls: calls},
				region:  region,
			}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	trigger, ok := cfg.Trigger.(failover.RDSTrigger)
	if !ok {
		t.Fatalf("trigger %T, want the RDS trigger", cfg.Trigger)
	}
	ctx := context.Background()
	if err := trigger.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := trigger.Fire(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := trigger.Placement(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.Connect(ctx); err == nil || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("connect to a closed port: %v", err)
	}

	used := calls.Actions()
	for _, a := range iampolicy.InterfaceActions("rds", reflect.TypeFor[failover.RDSAPI]()) {
		if !slices.Contains(used, a) {
			t.Errorf("the drill's trigger never calls %s here: exercise it", a)
		}
	}
	if !slices.Contains(used, "secretsmanager:GetSecretValue") {
		t.Errorf("the connection did not read the master secret: %v", used)
	}
	for _, err := range iampolicy.Check(doc, used, failoverImplied) {
		t.Errorf("%s: %v", path, err)
	}
}

// clusterDrillCalls records the calls of a drill of a Multi-AZ DB cluster
// behind an RDS Proxy, --via proxy,writer: the cluster's failover and
// placement, the master secret for the writer run, and an IAM token for
// the master user on the proxy.
func clusterDrillCalls(t *testing.T, calls *iampolicy.Calls) {
	t.Helper()
	api := recorded.New("../testdata/cluster")
	o, set := parseFlags(t, []string{"--outputs", "-", "--ca-bundle", caBundle(t), "--via", "proxy,writer"}, false)
	ps, err := plans(context.Background(), o, set, deps{
		stdin: strings.NewReader(clusterOutputsJSON(t)), stderr: &bytes.Buffer{},
		aws: func(_ context.Context, region string) (awsClients, error) {
			return awsClients{
				cluster: iampolicy.RDS{API: api, Calls: calls},
				secrets: iampolicy.Secrets{API: &fakeSecrets{}, Calls: calls},
				creds:   credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "not-a-secret", ""),
				region:  region,
			}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	trigger := ps[0].cfg.Trigger
	if err := trigger.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if err := trigger.Fire(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := trigger.(failover.Placer).Placement(ctx); err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, p := range ps {
		// The credentials each run would connect with: the proxy's an
		// IAM token the SDK signs (read for its action and user), the
		// writer's the master secret.
		user, token, err := p.conn.Credentials.Get(ctx, p.conn)
		if err != nil {
			t.Fatal(err)
		}
		if p.via == failover.ViaProxy {
			action, dbUser, err := iampolicy.TokenAction(token)
			if err != nil {
				t.Fatal(err)
			}
			calls.Add(action)
			users = append(users, dbUser)
		} else if user != "dbadmin" {
			t.Errorf("writer run as %q, want the secret's user", user)
		}
	}
	used := calls.Actions()
	for _, a := range iampolicy.InterfaceActions("rds", reflect.TypeFor[failover.ClusterAPI]()) {
		if !slices.Contains(used, a) {
			t.Errorf("the cluster drill never calls %s here: exercise it", a)
		}
	}
	if !slices.Equal(users, []string{"dbadmin"}) {
		t.Errorf("IAM tokens for %v, want one for the master user dbadmin on the proxy", users)
	}
}

// The proxy's token is the only database login the policy grants: for
// the user of the proxy's secret on the proxy, never on the database.
func TestPolicyConnectsOnlyThroughTheProxy(t *testing.T) {
	path, doc := drillPolicy(t)
	if len(doc.Allowed("rds-db:connect")) == 0 {
		t.Fatalf("%s grants no rds-db:connect: --via proxy could not log in", path)
	}
	for _, s := range doc.Allowed("rds-db:connect") {
		for _, r := range s.Resources {
			if !strings.HasSuffix(r, ":dbuser:<proxyResourceId>/<masterUsername>") {
				t.Errorf("%s: rds-db:connect on %s, want only dbuser:<proxyResourceId>/<masterUsername>", path, r)
			}
		}
	}
}
