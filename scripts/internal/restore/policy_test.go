package restore

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/iampolicy"
)

// The actions AWS authorizes on the drill's behalf when it makes a call.
var restoreImplied = []iampolicy.Implied{
	// "Authorizing use of a customer managed key", RDS user guide
	// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.Keys.html):
	// RDS uses the key on behalf of the user who creates the resource, who
	// needs kms:CreateGrant and kms:DescribeKey on it.
	{Action: "kms:CreateGrant", By: "rds:RestoreDBInstanceToPointInTime", Reason: "RDS encrypts the restored storage with the source's customer key on the caller's behalf"},
	{Action: "kms:DescribeKey", By: "rds:RestoreDBInstanceToPointInTime", Reason: "RDS encrypts the restored storage with the source's customer key on the caller's behalf"},
	// "Secret encryption and decryption", Secrets Manager user guide
	// (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html):
	// GetSecretValue on a secret under a customer key makes Secrets Manager
	// call kms:Decrypt as the caller.
	{Action: "kms:Decrypt", By: "secretsmanager:GetSecretValue", Reason: "Secrets Manager decrypts the master secret with its key as the caller"},
}

type fixedSecret struct{}

func (fixedSecret) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	return &secretsmanager.GetSecretValueOutput{SecretString: new(`{"username":"orders_admin","password":"not-used"}`)}, nil
}

// Every AWS call of a drill, of a sweep and of the drill's connector is
// allowed by .github/policies/restore-drill.json, and the policy allows
// nothing that no call uses or implies.
func TestPolicyAllowsEveryCallAndNothingMore(t *testing.T) {
	path, err := iampolicy.ToolPolicy("restore-drill")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := iampolicy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	calls := &iampolicy.Calls{}

	// A whole drill, restore and cleanup included.
	h := newHarness(t)
	h.drill.RDS = iampolicy.RDS{API: h.rds, Calls: calls}
	rep := h.drill.Run(context.Background(), testSource())
	assertCleanedUp(t, h, rep)

	// A sweep that finds an instance a killed drill left behind.
	s := newHarness(t)
	left := sourceID + "-drill-20261122030000"
	s.rds.instances[left] = &fakeInstance{inst: rdstypes.DBInstance{DBInstanceIdentifier: new(left), DBInstanceStatus: new("available"),
		TagList: []rdstypes.Tag{{Key: new(TagDrill), Value: new("restore")}, {Key: new(TagSource), Value: new(sourceID)}, {Key: new(TagRun), Value: new("old")}}}}
	s.drill.RDS = iampolicy.RDS{API: listingRDS{s.rds}, Calls: calls}
	s.drill.Sweep(context.Background(), testSource())

	// The connector reads the source's secret before it dials (here a
	// closed port, so nothing answers).
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
		Secrets: func(context.Context, string) (dbconn.SecretsGetter, error) {
			return iampolicy.Secrets{API: fixedSecret{}, Calls: calls}, nil
		},
		CABundle: ca,
	}
	out := sourceOutputs()
	if _, err := connector.Connect(context.Background(), Endpoint{Region: "eu-west-1", Host: "127.0.0.1", Port: port, Database: out.DatabaseName, User: out.MasterUsername, SecretArn: out.MasterSecretArn}); err == nil {
		t.Fatal("connected to a closed port")
	}

	used := calls.Actions()
	for _, a := range iampolicy.InterfaceActions("rds", reflect.TypeFor[RDS]()) {
		if !slices.Contains(used, a) {
			t.Errorf("no test here calls %s: add one", a)
		}
	}
	for _, err := range iampolicy.Check(doc, used, restoreImplied) {
		t.Errorf("%s: %v", path, err)
	}
}
