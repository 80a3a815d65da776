//go:build pgtest

package verify_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
	"github.com/pgplatform/platform/scripts/internal/verify"
)

// token stands in for RDS's IAM authentication: the local server trusts
// every login, so the token only has to be built for the right user.
func token(want string) func(context.Context, string, string, string, aws.CredentialsProvider) (string, error) {
	return func(_ context.Context, _, _, user string, _ aws.CredentialsProvider) (string, error) {
		if user != want {
			return "", fmt.Errorf("token for %q, want %q", user, want)
		}
		return "local-token", nil
	}
}

// TestPGPingerVerifyFull runs the connection check against a local server
// with TLS: it passes with the right CA and host, and fails with another
// CA, with a certificate for another name, and as a privileged role.
func TestPGPingerVerifyFull(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := pglocal.ForTest(t)
	dir, err := c.Mkdir("tls")
	if err != nil {
		t.Fatal(err)
	}
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	goodCA, cert, key := newCA(t, dir, "good", loopback, nil)
	otherCA, _, _ := newCA(t, dir, "other", loopback, nil)
	_, wrongNameCert, wrongNameKey := newCA(t, dir, "wrongname", nil, []string{"db.example.internal"})
	wrongNameCA := filepath.Join(dir, "wrongname-ca.pem")

	s, err := c.StartPrimary("db", pglocal.Settings{"ssl": "on", "ssl_cert_file": cert, "ssl_key_file": key})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The role as scripts/internal/verify/README.md creates it; rds_iam is RDS's.
	for _, q := range []string{"CREATE ROLE rds_iam", "CREATE ROLE pgplatform_verify WITH LOGIN", "GRANT rds_iam TO pgplatform_verify"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close(ctx)
	creds := func(context.Context, string) (aws.CredentialsProvider, error) {
		return credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "not-a-secret", ""), nil
	}
	pinger := func(ca string) verify.PGPinger {
		return verify.PGPinger{Credentials: creds, BuildToken: token(verify.LoginRole), CABundle: ca}
	}
	ep := verify.Endpoint{Region: "eu-west-1", Host: "127.0.0.1", Port: s.Port, Database: "postgres", User: verify.LoginRole}

	if err := pinger(goodCA).Ping(ctx, ep); err != nil {
		t.Fatalf("verify-full with the server's CA as %s: %v", verify.LoginRole, err)
	}
	if err := pinger(otherCA).Ping(ctx, ep); err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Errorf("another CA: %v, want a certificate error", err)
	}
	// A database where the role was never created says what to do.
	missing := ep
	missing.User = "pgplatform_missing"
	p0 := pinger(goodCA)
	p0.BuildToken = token(missing.User)
	if err := p0.Ping(ctx, missing); err == nil || !strings.Contains(err.Error(), "is role pgplatform_missing created with rds_iam") {
		t.Errorf("missing role: %v, want the hint to create it", err)
	}
	// Logged in as a privileged role (here the superuser), the check fails.
	super := ep
	super.User = pglocal.Superuser
	p := pinger(goodCA)
	p.BuildToken = token(pglocal.Superuser)
	if err := p.Ping(ctx, super); err == nil || !strings.Contains(err.Error(), "role postgres holds") || !strings.Contains(err.Error(), "SUPERUSER") {
		t.Errorf("as the superuser: %v, want a refusal of the privileged role", err)
	}
	// Through a proxy verify does not log in (TestProxyHandshake has the
	// proxy's side): against this server, which trusts every local login,
	// the handshake completes with the server's CA and then refuses the
	// server for letting the role in without authentication; with
	// another CA it fails at the certificate.
	proxied := ep
	proxied.Proxy = true
	if err := (verify.PGPinger{CABundle: goodCA}).Ping(ctx, proxied); err == nil || !strings.Contains(err.Error(), "let pgplatform_verify in without authentication") {
		t.Errorf("proxy handshake with the server's CA: %v, want the refusal of a server that asks for no authentication", err)
	}
	if err := (verify.PGPinger{CABundle: otherCA}).Ping(ctx, proxied); err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Errorf("proxy handshake with another CA: %v, want a certificate error", err)
	}

	// The same server with a certificate for another name: verify-full
	// checks the host name, not only the chain.
	if err := s.Configure(pglocal.Settings{"ssl_cert_file": wrongNameCert, "ssl_key_file": wrongNameKey}); err != nil {
		t.Fatal(err)
	}
	if err := pinger(wrongNameCA).Ping(ctx, ep); err == nil || !strings.Contains(err.Error(), "cannot validate certificate for 127.0.0.1") {
		t.Errorf("certificate for another name: %v, want a host name error", err)
	}
	if err := (verify.PGPinger{CABundle: wrongNameCA}).Ping(ctx, proxied); err == nil || !strings.Contains(err.Error(), "cannot validate certificate for 127.0.0.1") {
		t.Errorf("proxy handshake with a certificate for another name: %v, want a host name error", err)
	}
}
