//go:build pgtest

package restore_test

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/restore"
	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// secret is a managed secret with a current and a previous version.
type secret struct {
	arn               string
	current, previous string
}

func (s secret) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if *in.SecretId != s.arn {
		return nil, os.ErrNotExist
	}
	pw := s.current
	if in.VersionStage != nil && *in.VersionStage == "AWSPREVIOUS" {
		pw = s.previous
	}
	if pw == "" {
		pw = "not-checked-by-trust-auth"
	}
	v := `{"username":"postgres","password":"` + pw + `"}`
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
		Secrets: func(context.Context, string) (dbconn.SecretsGetter, error) { return secret{arn: arn}, nil },
		SSLMode: dbconn.SSLDisable,
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

// TestPGConnectorAfterRotation: a restored instance holds the password of
// its restore time. When the secret has been rotated since, the connector
// falls back to the secret's previous version; when neither works, the
// password error comes through.
func TestPGConnectorAfterRotation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := pglocal.ForTest(t)
	dir, err := c.Mkdir("hba")
	if err != nil {
		t.Fatal(err)
	}
	hba := filepath.Join(dir, "pg_hba.conf")
	rules := "host all drill 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n"
	if err := os.WriteFile(hba, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup(pglocal.Superuser)
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(hba, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	s, err := c.StartPrimary("db", pglocal.Settings{"hba_file": hba, "password_encryption": "scram-sha-256"})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE ROLE drill LOGIN PASSWORD 'at-restore-time'"); err != nil {
		t.Fatal(err)
	}
	admin.Close(ctx)

	const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-local"
	ep := restore.Endpoint{Region: "eu-west-1", Host: "127.0.0.1", Port: s.Port, Database: "postgres", User: "drill", SecretArn: arn}
	connector := func(sec secret) restore.PGConnector {
		return restore.PGConnector{
			Secrets: func(context.Context, string) (dbconn.SecretsGetter, error) { return sec, nil },
			SSLMode: dbconn.SSLDisable,
		}
	}
	m, err := connector(secret{arn: arn, current: "rotated-since", previous: "at-restore-time"}).Connect(ctx, ep)
	if err != nil {
		t.Fatalf("rotated secret, previous version right: %v", err)
	}
	m.Close(ctx)
	if _, err := connector(secret{arn: arn, current: "rotated-since", previous: "older-still"}).Connect(ctx, ep); err == nil || !strings.Contains(err.Error(), "28P01") {
		t.Errorf("both versions wrong: %v, want the password error", err)
	}
}
