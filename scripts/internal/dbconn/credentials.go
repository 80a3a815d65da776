package dbconn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Credentials supply the user and password of a connection. User may be
// empty when Options.User names the role.
type Credentials interface {
	Get(ctx context.Context, o Options) (user, password string, err error)
}

// Static credentials are fixed; for local tests.
type Static struct {
	User     string
	Password string
}

// Get returns the fixed user and password.
func (s Static) Get(context.Context, Options) (string, string, error) {
	return s.User, s.Password, nil
}

// SecretsGetter is the part of the Secrets Manager client that ManagedSecret
// uses; *secretsmanager.Client satisfies it.
type SecretsGetter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// managedSecretTTL is how long a fetched secret is reused. RDS rotates its
// managed secret (every 7 days by default); refetching every minute picks
// up a rotation without calling Secrets Manager on every reconnect.
const managedSecretTTL = time.Minute

// ManagedSecret reads the master user's credentials from the secret RDS
// manages in Secrets Manager (manage_master_user_password): a JSON object
// with "username" and "password". It needs secretsmanager:GetSecretValue on
// the secret (and kms:Decrypt on its key when that is a customer key).
type ManagedSecret struct {
	Client SecretsGetter
	// ARN is the secret's ARN (the database stack's masterSecretArn output).
	ARN string

	mu        sync.Mutex
	user      string
	password  string
	fetchedAt time.Time
}

// Get returns the secret's username and password, fetching it at most once
// a minute.
func (s *ManagedSecret) Get(ctx context.Context, _ Options) (string, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.fetchedAt.IsZero() && time.Since(s.fetchedAt) < managedSecretTTL {
		return s.user, s.password, nil
	}
	if s.Client == nil || s.ARN == "" {
		return "", "", errors.New("managed secret: no Secrets Manager client or secret ARN given")
	}
	out, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(s.ARN)})
	if err != nil {
		return "", "", fmt.Errorf("read secret %s (needs secretsmanager:GetSecretValue): %w", s.ARN, err)
	}
	user, password, err := parseSecret(out)
	if err != nil {
		return "", "", fmt.Errorf("secret %s: %w", s.ARN, err)
	}
	s.user, s.password, s.fetchedAt = user, password, time.Now()
	return user, password, nil
}

// parseSecret decodes the RDS-managed secret. Errors never quote the value.
func parseSecret(out *secretsmanager.GetSecretValueOutput) (string, string, error) {
	if out == nil || out.SecretString == nil {
		return "", "", errors.New("has no string value (RDS-managed secrets are a JSON string)")
	}
	var v struct {
		Username *string `json:"username"`
		Password *string `json:"password"`
	}
	if err := json.Unmarshal([]byte(*out.SecretString), &v); err != nil {
		return "", "", errors.New(`is not a JSON object with "username" and "password" (is it the secret RDS manages for the master user?)`)
	}
	if v.Password == nil || *v.Password == "" {
		return "", "", errors.New(`has no "password" key`)
	}
	user := ""
	if v.Username != nil {
		user = *v.Username
	}
	return user, *v.Password, nil
}

// IAMToken authenticates with an RDS IAM authentication token, built anew
// for each connection (a token is valid for 15 minutes). The database user
// needs the rds_iam role, the caller rds-db:connect on the user's
// dbuser resource, and the connection must use TLS.
type IAMToken struct {
	Region string
	// AWS is the caller's AWS credentials (aws.Config.Credentials).
	AWS aws.CredentialsProvider
	// User is the database user; Options.User takes precedence.
	User string
	// Build signs the token; nil is auth.BuildAuthToken. Tests replace it
	// to stand in for RDS, which alone can check a real token.
	Build func(ctx context.Context, endpoint, region, user string, creds aws.CredentialsProvider) (string, error)
}

// Get builds a token for Options.Host:Port.
func (t *IAMToken) Get(ctx context.Context, o Options) (string, string, error) {
	user := o.User
	if user == "" {
		user = t.User
	}
	if user == "" {
		return "", "", errors.New("IAM authentication needs a database user name")
	}
	if t.Region == "" {
		return "", "", errors.New("IAM authentication needs the AWS region of the database")
	}
	if t.AWS == nil {
		return "", "", errors.New("IAM authentication needs AWS credentials")
	}
	endpoint := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	build := t.Build
	if build == nil {
		build = func(ctx context.Context, endpoint, region, user string, creds aws.CredentialsProvider) (string, error) {
			return auth.BuildAuthToken(ctx, endpoint, region, user, creds)
		}
	}
	token, err := build(ctx, endpoint, t.Region, user, t.AWS)
	if err != nil {
		return "", "", fmt.Errorf("build IAM auth token for %s@%s: %w", user, endpoint, err)
	}
	return user, token, nil
}
