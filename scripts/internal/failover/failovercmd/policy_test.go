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

	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/scripts/internal/iampolicy"
)

// Secrets Manager calls kms:Decrypt as the caller when it returns a secret
// under a customer key ("Secret encryption and decryption", Secrets Manager
// user guide:
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
var failoverImplied = []iampolicy.Implied{
	{Action: "kms:Decrypt", By: "secretsmanager:GetSecretValue", Reason: "Secrets Manager decrypts the master secret with its key as the caller"},
}

// The drill as CI runs it (the target and the master secret from the stack
// outputs, the RDS trigger) makes only calls that
// .github/policies/failover-drill.json allows, and the policy allows
// nothing more. The trigger goes through its whole life as failover.Run
// drives it (check, fire, placement); the connection reads the secret and
// then finds a closed port.
func TestPolicyAllowsEveryCallAndNothingMore(t *testing.T) {
	path, err := iampolicy.ToolPolicy("failover-drill")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := iampolicy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	calls := &iampolicy.Calls{}
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
