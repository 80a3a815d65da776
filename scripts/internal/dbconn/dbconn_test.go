package dbconn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

type fakeSecrets struct {
	value *string
	err   error
	calls int
	asked string
}

func (f *fakeSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput, _ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.calls++
	f.asked = aws.ToString(in.SecretId)
	if f.err != nil {
		return nil, f.err
	}
	return &secretsmanager.GetSecretValueOutput{SecretString: f.value}, nil
}

const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-1234"

// caFile writes a CA bundle file; its content does not matter until a TLS
// handshake, which these tests never make.
func caFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "global-bundle.pem")
	if err := os.WriteFile(p, testCA(t), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func rdsOptions(t *testing.T, creds Credentials) Options {
	return Options{
		Host:        "orders-dev.abc123.eu-west-1.rds.amazonaws.com",
		Port:        5432,
		Database:    "orders",
		SSLMode:     SSLVerifyFull,
		CABundle:    caFile(t),
		Credentials: creds,
	}
}

func TestConfigForRDSWithManagedSecret(t *testing.T) {
	secret := &fakeSecrets{value: aws.String(`{"username":"dbadmin","password":"s3cr3t"}`)}
	o := rdsOptions(t, &ManagedSecret{Client: secret, ARN: arn})
	o.ApplicationName = "failover-drill"
	cfg, err := Config(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if secret.asked != arn {
		t.Errorf("asked Secrets Manager for %q, want %q", secret.asked, arn)
	}
	if cfg.User != "dbadmin" || cfg.Password != "s3cr3t" {
		t.Errorf("user/password = %q/%q, want the secret's dbadmin/s3cr3t", cfg.User, cfg.Password)
	}
	if cfg.TLSConfig == nil {
		t.Fatal("verify-full built no TLS config")
	}
	if cfg.TLSConfig.InsecureSkipVerify || cfg.TLSConfig.ServerName != o.Host || cfg.TLSConfig.RootCAs == nil {
		t.Errorf("TLS config does not verify the host against the bundle: skip=%v serverName=%q roots=%v",
			cfg.TLSConfig.InsecureSkipVerify, cfg.TLSConfig.ServerName, cfg.TLSConfig.RootCAs != nil)
	}
	if len(cfg.Fallbacks) != 0 {
		t.Errorf("verify-full must not fall back to plain text: %d fallbacks", len(cfg.Fallbacks))
	}
	if cfg.ConnectTimeout != DefaultConnectTimeout {
		t.Errorf("connect timeout %v, want %v", cfg.ConnectTimeout, DefaultConnectTimeout)
	}
	if cfg.RuntimeParams["application_name"] != "failover-drill" {
		t.Errorf("application_name = %q", cfg.RuntimeParams["application_name"])
	}
	// A second connect within the TTL reuses the secret.
	if _, err := Config(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if secret.calls != 1 {
		t.Errorf("Secrets Manager called %d times for two connects, want 1", secret.calls)
	}
}

func TestManagedSecretErrorsNeverQuoteTheSecret(t *testing.T) {
	for _, tc := range []struct {
		name, value, want string
	}{
		{"not json", `hunter2-not-json`, "not a JSON object"},
		{"no password", `{"username":"dbadmin","pass":"hunter2"}`, `no "password" key`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := rdsOptions(t, &ManagedSecret{Client: &fakeSecrets{value: aws.String(tc.value)}, ARN: arn})
			_, err := Config(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), arn) {
				t.Fatalf("err = %v, want one naming the secret and saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error leaks the secret value: %v", err)
			}
		})
	}
	denied := errors.New("AccessDeniedException")
	_, err := Config(context.Background(), rdsOptions(t, &ManagedSecret{Client: &fakeSecrets{err: denied}, ARN: arn}))
	if !errors.Is(err, denied) || !strings.Contains(err.Error(), "secretsmanager:GetSecretValue") {
		t.Fatalf("err = %v, want the wrapped AWS error and the permission it needs", err)
	}
}

func TestConfigWithIAMToken(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", "")
	o := rdsOptions(t, &IAMToken{Region: "eu-west-1", AWS: creds})
	o.User = "app_iam"
	cfg, err := Config(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	// The token is a presigned rds-db:connect URL without its scheme.
	u, err := url.Parse("https://" + cfg.Password)
	if err != nil {
		t.Fatalf("token is not a URL: %v", err)
	}
	if u.Host != o.Host+":5432" {
		t.Errorf("token signed for %q, want %s:5432", u.Host, o.Host)
	}
	q := u.Query()
	if q.Get("Action") != "connect" || q.Get("DBUser") != "app_iam" || !strings.Contains(q.Get("X-Amz-Credential"), "/eu-west-1/rds-db/") {
		t.Errorf("token query %v is not an rds-db connect token for app_iam in eu-west-1", q)
	}

	o.SSLMode = SSLDisable
	if _, err := Config(context.Background(), o); err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("IAM auth without TLS: err = %v, want a refusal that mentions TLS", err)
	}
}

func TestValidateNamesTheBadValue(t *testing.T) {
	base := Options{Host: "127.0.0.1", Port: 5432, Database: "postgres", SSLMode: SSLDisable}
	for _, tc := range []struct {
		name   string
		change func(*Options)
		want   string
	}{
		{"bad sslmode", func(o *Options) { o.SSLMode = "verify" }, `sslmode "verify" is not supported: use one of disable, prefer`},
		{"verify-full without bundle", func(o *Options) { o.SSLMode = SSLVerifyFull }, "needs a CA bundle"},
		{"missing bundle file", func(o *Options) { o.SSLMode = SSLVerifyFull; o.CABundle = "/nonexistent/ca.pem" }, `"/nonexistent/ca.pem"`},
		{"port", func(o *Options) { o.Port = 70000 }, "port 70000 is out of range"},
		{"host", func(o *Options) { o.Host = "" }, "no database host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			tc.change(&o)
			err := o.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if err := base.Validate(); err != nil {
		t.Fatalf("valid local options rejected: %v", err)
	}
}

func TestLocalConfigAndKeepalives(t *testing.T) {
	o := Options{Host: "127.0.0.1", Port: 5432, Database: "postgres", User: "postgres", SSLMode: SSLPrefer,
		ConnectTimeout: 2 * time.Second, KeepAliveIdle: 3 * time.Second, KeepAliveInterval: time.Second, KeepAliveCount: 2}
	cfg, err := Config(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLSConfig == nil || len(cfg.Fallbacks) != 1 || cfg.Fallbacks[0].TLSConfig != nil {
		t.Errorf("prefer should try TLS first and fall back to plain text once, got tls=%v fallbacks=%d", cfg.TLSConfig != nil, len(cfg.Fallbacks))
	}
	if cfg.ConnectTimeout != 2*time.Second {
		t.Errorf("connect timeout %v, want 2s", cfg.ConnectTimeout)
	}
	if got := o.DeadPeerTimeout(); got != 5*time.Second {
		t.Errorf("DeadPeerTimeout = %v, want 3s + 2*1s", got)
	}
	d := o.Dialer()
	if !d.KeepAliveConfig.Enable || d.KeepAliveConfig.Idle != 3*time.Second || d.KeepAliveConfig.Count != 2 {
		t.Errorf("dialer keepalive = %+v", d.KeepAliveConfig)
	}

	// The dialer's socket options are accepted by the kernel.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := d.DialContext(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial with keepalive and user timeout: %v", err)
	}
	c.Close()

	o.Credentials = Static{Password: "pw"}
	o.User = ""
	if _, err := Config(context.Background(), o); err == nil || !strings.Contains(err.Error(), "no database user") {
		t.Fatalf("no user anywhere: err = %v", err)
	}
}

// testCA returns a freshly made self-signed CA certificate in PEM, so pgx
// can load a bundle file; no handshake is made with it.
func testCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
