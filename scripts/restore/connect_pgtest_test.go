//go:build pgtest

package restore_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/pgplatform/platform/scripts/pgconn"
	"github.com/pgplatform/platform/scripts/pglocal"
	"github.com/pgplatform/platform/scripts/restore"
)

type secret struct{ arn string }

func (s secret) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if *in.SecretId != s.arn {
		return nil, os.ErrNotExist
	}
	v := `{"username":"postgres","password":"not-checked-by-trust-auth"}`
	return &secretsmanager.GetSecretValueOutput{SecretString: &v}, nil
}

// TestPGConnector opens the drill's connection with the managed secret and
// runs the marker statements through it.
func TestPGConnector(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := pglocal.ForTest(t)
	s, err := c.StartPrimary("db", nil)
	if err != nil {
		t.Fatal(err)
	}
	const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-local"
	conn := restore.PGConnector{
		Secrets: func(context.Context, string) (pgconn.SecretsGetter, error) { return secret{arn: arn}, nil },
		SSLMode: pgconn.SSLDisable,
	}
	ep := restore.Endpoint{Region: "eu-west-1", Host: "127.0.0.1", Port: s.Port, Database: "postgres", SecretArn: arn}
	m, err := conn.Connect(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	if dc, err := m.Check(ctx, "r1"); err != nil || dc.BeforePresent || dc.AfterPresent {
		t.Fatalf("before the table exists: %+v, %v; want no markers and no error", dc, err)
	}
	if err := m.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Prepare(ctx); err != nil {
		t.Fatalf("Prepare is not idempotent: %v", err)
	}
	at, err := m.Write(ctx, "r1", restore.MarkerBefore)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(at); d < -time.Minute || d > time.Minute {
		t.Errorf("server time after the write is %s, far from now", at)
	}
	if _, err := m.Write(ctx, "r1", "sideways"); err == nil {
		t.Error("an unknown marker name was accepted")
	}
	if dc, err := m.Check(ctx, "r1"); err != nil || !dc.BeforePresent || dc.AfterPresent {
		t.Errorf("after the first marker: %+v, %v", dc, err)
	}
	if dc, err := m.Check(ctx, "r2"); err != nil || dc.BeforePresent {
		t.Errorf("another run sees %+v, %v", dc, err)
	}

	ep.SecretArn = arn + "-other"
	if _, err := conn.Connect(ctx, ep); err == nil || !strings.Contains(err.Error(), "read secret") {
		t.Errorf("wrong secret: %v", err)
	}
}
