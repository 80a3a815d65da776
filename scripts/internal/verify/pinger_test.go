package verify

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
)

// The pinger's connection is verify-full, as LoginRole, with a real RDS
// IAM token (signed offline with made-up keys) for that user and endpoint:
// no password and no secret.
func TestPGPingerSignsAnIAMTokenForTheVerifyRole(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("not parsed before a connection\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var asked string
	p := PGPinger{
		Credentials: func(_ context.Context, region string) (aws.CredentialsProvider, error) {
			asked = region
			return credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "not-a-secret", ""), nil
		},
		CABundle: ca,
	}
	ep := Endpoint{Region: "eu-west-1", Host: "orders-staging.c1.eu-west-1.rds.amazonaws.com", Port: 5432, Database: "orders", User: LoginRole}
	opts, err := p.Options(context.Background(), ep)
	if err != nil {
		t.Fatal(err)
	}
	if asked != "eu-west-1" || opts.SSLMode != dbconn.SSLVerifyFull || opts.CABundle != ca {
		t.Errorf("region %q, sslmode %q, CA %q: want eu-west-1, verify-full and the bundle", asked, opts.SSLMode, opts.CABundle)
	}
	if err := opts.Validate(); err != nil {
		t.Fatal(err)
	}
	user, token, err := opts.Credentials.Get(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if user != LoginRole || opts.User != LoginRole {
		t.Errorf("user %q (options %q), want %s", user, opts.User, LoginRole)
	}
	u, err := url.Parse("https://" + token)
	if err != nil {
		t.Fatalf("password is not an IAM token: %v", err)
	}
	q := u.Query()
	if u.Host != "orders-staging.c1.eu-west-1.rds.amazonaws.com:5432" || q.Get("Action") != "connect" || q.Get("DBUser") != LoginRole ||
		!strings.Contains(q.Get("X-Amz-Credential"), "/eu-west-1/rds-db/aws4_request") {
		t.Errorf("token %s is not an rds-db connect token for %s at the endpoint", u.Redacted(), LoginRole)
	}
}

func TestRoleLowPrivilege(t *testing.T) {
	for _, tc := range []struct {
		name string
		role Role
		want string // "" passes
	}{
		{"iam login role", Role{Name: LoginRole, MemberOf: []string{"rds_iam"}}, ""},
		{"master user", Role{Name: "orders_admin", CreateRole: true, CreateDB: true, MemberOf: []string{"rds_iam", "rds_superuser"}}, "role orders_admin holds CREATEDB, CREATEROLE, member of rds_superuser"},
		{"superuser", Role{Name: "postgres", Superuser: true, MemberOf: []string{"rds_iam"}}, "holds SUPERUSER"},
		{"extra grant", Role{Name: LoginRole, MemberOf: []string{"pg_read_all_data", "rds_iam"}}, "holds member of pg_read_all_data"},
		{"password role", Role{Name: LoginRole}, "not a member of rds_iam"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.role.LowPrivilege()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
