package verify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
)

// LoginRole is the database role verify logs in as: a login role that is a
// member of rds_iam and of nothing else, so it authenticates only with an
// IAM token and may do no more than any role may (connect, select 1). It is
// never the master user. scripts/internal/verify/README.md holds the SQL that
// creates it.
const LoginRole = "pgplatform_verify"

// allowedMemberships are the roles LoginRole may belong to. rds_iam makes
// RDS check an IAM token instead of a password ("Creating a database
// account using IAM authentication", RDS user guide:
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html).
var allowedMemberships = []string{"rds_iam"}

// PGPinger is the real connection check: TLS verify-full with the CA
// bundle, as LoginRole with an RDS IAM authentication token signed with
// the caller's AWS credentials, a short connect timeout, then select 1 and
// a look at the role it logged in as.
type PGPinger struct {
	// Credentials returns the AWS credentials that sign the IAM token for
	// a region (the caller needs rds-db:connect on LoginRole).
	Credentials func(ctx context.Context, region string) (aws.CredentialsProvider, error)
	// BuildToken signs the token; nil is the AWS SDK's
	// auth.BuildAuthToken. Tests stand in for RDS with it.
	BuildToken func(ctx context.Context, endpoint, region, user string, creds aws.CredentialsProvider) (string, error)
	// CABundle is the PEM file of trusted CAs (the RDS global bundle).
	CABundle string
	// ConnectTimeout bounds the connection; zero is dbconn's default.
	ConnectTimeout time.Duration
}

// Options are the connection settings Ping uses for ep: verify-full, the
// CA bundle, LoginRole and an IAM token for ep's region.
//
// Through an RDS Proxy (ep.Proxy) there is no token: verify does not log
// in there (see handshake), so the options carry no credentials.
func (p PGPinger) Options(ctx context.Context, ep Endpoint) (dbconn.Options, error) {
	if ep.Proxy {
		return dbconn.Options{
			Host: ep.Host, Port: ep.Port, Database: ep.Database, User: ep.User,
			SSLMode: dbconn.SSLVerifyFull, CABundle: p.CABundle,
			ConnectTimeout: p.ConnectTimeout, ApplicationName: "pgp-verify",
		}, nil
	}
	if p.Credentials == nil {
		return dbconn.Options{}, errors.New("no AWS credentials to sign an IAM authentication token")
	}
	creds, err := p.Credentials(ctx, ep.Region)
	if err != nil {
		return dbconn.Options{}, err
	}
	return dbconn.Options{
		Host: ep.Host, Port: ep.Port, Database: ep.Database, User: ep.User,
		SSLMode: dbconn.SSLVerifyFull, CABundle: p.CABundle,
		Credentials:     &dbconn.IAMToken{Region: ep.Region, AWS: creds, User: ep.User, Build: p.BuildToken},
		ConnectTimeout:  p.ConnectTimeout,
		ApplicationName: "pgp-verify",
	}, nil
}

// Ping connects, insists that the connection is TLS, runs select 1 and
// checks that the session's role is a low-privilege IAM login role.
//
// Through an RDS Proxy it does not log in: it proves the verify-full TLS
// handshake and the proxy's authentication request (handshake).
func (p PGPinger) Ping(ctx context.Context, ep Endpoint) error {
	if ep.Proxy {
		return p.handshake(ctx, ep)
	}
	opts, err := p.Options(ctx, ep)
	if err != nil {
		return err
	}
	conn, err := dbconn.Connect(ctx, opts)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "28") {
		// Class 28, invalid authorization (PostgreSQL, "Appendix A. Error
		// Codes"): RDS refuses the token, or the role does not exist.
		return fmt.Errorf("%w: is role %s created with rds_iam in this database (scripts/internal/verify/README.md), and may the caller rds-db:connect as it?", err, ep.User)
	}
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, ok := conn.PgConn().Conn().(*tls.Conn); !ok {
		return fmt.Errorf("the connection to %s:%d is not TLS", ep.Host, ep.Port)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("select 1 on %s:%d: %w", ep.Host, ep.Port, err)
	}
	if one != 1 {
		return fmt.Errorf("select 1 on %s:%d returned %d", ep.Host, ep.Port, one)
	}
	var r Role
	err = conn.QueryRow(ctx, `SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
	       coalesce(array(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1), '{}')
	  FROM pg_roles r WHERE r.rolname = current_user`).Scan(&r.Name, &r.Superuser, &r.CreateRole, &r.CreateDB, &r.Replication, &r.BypassRLS, &r.MemberOf)
	if err != nil {
		return fmt.Errorf("read the attributes of role %s on %s:%d: %w", ep.User, ep.Host, ep.Port, err)
	}
	return r.LowPrivilege()
}

// Role is what the database says about the role a session logged in as.
type Role struct {
	Name                                                    string
	Superuser, CreateRole, CreateDB, Replication, BypassRLS bool
	MemberOf                                                []string
}

// LowPrivilege returns an error naming every privilege the role holds
// beyond logging in with an IAM token.
func (r Role) LowPrivilege() error {
	var extra []string
	for name, has := range map[string]bool{"SUPERUSER": r.Superuser, "CREATEROLE": r.CreateRole, "CREATEDB": r.CreateDB, "REPLICATION": r.Replication, "BYPASSRLS": r.BypassRLS} {
		if has {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	for _, g := range r.MemberOf {
		if !slices.Contains(allowedMemberships, g) {
			extra = append(extra, "member of "+g)
		}
	}
	if len(extra) > 0 {
		return fmt.Errorf("role %s holds %s: verify must log in as a role that is a member of %s and holds nothing else (see scripts/internal/verify/README.md)", r.Name, strings.Join(extra, ", "), strings.Join(allowedMemberships, ", "))
	}
	if !slices.Contains(r.MemberOf, "rds_iam") {
		return fmt.Errorf("role %s is not a member of rds_iam: RDS would check a password, not the IAM token", r.Name)
	}
	return nil
}
