package restore

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
)

// PGConnector opens the drill's connections: TLS verify-full (unless
// SSLMode says otherwise) with the CA bundle, the password from the
// endpoint's RDS-managed secret, a short connect timeout and keepalives.
//
// A restored instance holds the master password of its restore time. Should
// RDS have rotated the secret since, the password is refused (28P01), and
// the connector tries the secret's previous version once.
type PGConnector struct {
	// Secrets returns the Secrets Manager client of a region.
	Secrets func(ctx context.Context, region string) (dbconn.SecretsGetter, error)
	// CABundle is the PEM file of trusted CAs (the RDS global bundle).
	CABundle string
	// SSLMode is dbconn.SSLVerifyFull when empty; tests use others.
	SSLMode string
	// ConnectTimeout bounds one connection attempt; zero is dbconn's
	// default.
	ConnectTimeout time.Duration
}

// Connect opens a connection and wraps it as Markers.
func (p PGConnector) Connect(ctx context.Context, ep Endpoint) (Markers, error) {
	if p.Secrets == nil {
		return nil, errors.New("no Secrets Manager client to read the managed secret")
	}
	sm, err := p.Secrets(ctx, ep.Region)
	if err != nil {
		return nil, err
	}
	mode := p.SSLMode
	if mode == "" {
		mode = dbconn.SSLVerifyFull
	}
	opts := dbconn.Options{
		Host: ep.Host, Port: ep.Port, Database: ep.Database, User: ep.User,
		SSLMode: mode, CABundle: p.CABundle,
		Credentials:     &dbconn.ManagedSecret{Client: sm, ARN: ep.SecretArn},
		ConnectTimeout:  p.ConnectTimeout,
		ApplicationName: "pgp-restore-drill",
	}
	conn, err := dbconn.Connect(ctx, opts)
	var pgErr *pgconn.PgError
	if err != nil && errors.As(err, &pgErr) && pgErr.Code == "28P01" {
		opts.Credentials = &dbconn.ManagedSecret{Client: previousVersion{sm}, ARN: ep.SecretArn}
		conn, err = dbconn.Connect(ctx, opts)
	}
	if err != nil {
		return nil, err
	}
	return SQLMarkers{Conn: conn}, nil
}

// previousVersion reads the AWSPREVIOUS version of a secret.
type previousVersion struct{ dbconn.SecretsGetter }

func (p previousVersion) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	c := *in
	stage := "AWSPREVIOUS"
	c.VersionStage = &stage
	return p.SecretsGetter.GetSecretValue(ctx, &c, opts...)
}
