//go:build pgtest

package verify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
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

// writePEM writes a PEM file the server user can read.
func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup(pglocal.Superuser)
		if err != nil {
			t.Fatal(err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(path, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
}

// newCA makes a CA and a server certificate it signs for the given IPs
// and names; it writes the CA to ca.pem and the server pair to dir.
func newCA(t *testing.T, dir, prefix string, ips []net.IP, names []string) (caFile, certFile, keyFile string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: prefix + " test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "postgres"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: ips, DNSNames: names,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(dir, prefix+"-ca.pem")
	certFile = filepath.Join(dir, prefix+"-server.crt")
	keyFile = filepath.Join(dir, prefix+"-server.key")
	writePEM(t, caFile, "CERTIFICATE", caDER)
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
	return caFile, certFile, keyFile
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
	// Through a proxy the session is the master user's (here the
	// superuser), privileged by design: the check passes when the session
	// is the user asked for, where the direct check above refuses it.
	proxied := super
	proxied.Proxy = true
	if err := p.Ping(ctx, proxied); err != nil {
		t.Errorf("through a proxy as the user of its secret: %v", err)
	}

	// The same server with a certificate for another name: verify-full
	// checks the host name, not only the chain.
	if err := s.Configure(pglocal.Settings{"ssl_cert_file": wrongNameCert, "ssl_key_file": wrongNameKey}); err != nil {
		t.Fatal(err)
	}
	if err := pinger(wrongNameCA).Ping(ctx, ep); err == nil || !strings.Contains(err.Error(), "cannot validate certificate for 127.0.0.1") {
		t.Errorf("certificate for another name: %v, want a host name error", err)
	}
}
