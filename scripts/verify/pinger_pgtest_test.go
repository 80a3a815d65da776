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
	"math/big"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/pgplatform/platform/scripts/dbconn"
	"github.com/pgplatform/platform/scripts/pglocal"
	"github.com/pgplatform/platform/scripts/verify"
)

type secret struct{ arn string }

func (s secret) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	if *in.SecretId != s.arn {
		return nil, os.ErrNotExist
	}
	v := `{"username":"postgres","password":"not-checked-by-trust-auth"}`
	return &secretsmanager.GetSecretValueOutput{SecretString: &v}, nil
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
// CA, with a certificate for another name, and with a wrong secret.
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
	const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-local"
	secrets := func(context.Context, string) (dbconn.SecretsGetter, error) { return secret{arn: arn}, nil }
	ep := verify.Endpoint{Region: "eu-west-1", Host: "127.0.0.1", Port: s.Port, Database: "postgres", User: "postgres", SecretArn: arn}

	if err := (verify.PGPinger{Secrets: secrets, CABundle: goodCA}).Ping(ctx, ep); err != nil {
		t.Fatalf("verify-full with the server's CA: %v", err)
	}
	if err := (verify.PGPinger{Secrets: secrets, CABundle: otherCA}).Ping(ctx, ep); err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Errorf("another CA: %v, want a certificate error", err)
	}
	bad := ep
	bad.SecretArn = arn + "-other"
	if err := (verify.PGPinger{Secrets: secrets, CABundle: goodCA}).Ping(ctx, bad); err == nil || !strings.Contains(err.Error(), "read secret") {
		t.Errorf("wrong secret: %v, want the secret read to fail", err)
	}

	// The same server with a certificate for another name: verify-full
	// checks the host name, not only the chain.
	if err := s.Configure(pglocal.Settings{"ssl_cert_file": wrongNameCert, "ssl_key_file": wrongNameKey}); err != nil {
		t.Fatal(err)
	}
	if err := (verify.PGPinger{Secrets: secrets, CABundle: wrongNameCA}).Ping(ctx, ep); err == nil || !strings.Contains(err.Error(), "cannot validate certificate for 127.0.0.1") {
		t.Errorf("certificate for another name: %v, want a host name error", err)
	}
}
