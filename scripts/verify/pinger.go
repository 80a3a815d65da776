package verify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/pgplatform/platform/scripts/dbconn"
)

// PGPinger is the real connection check: TLS (verify-full unless SSLMode
// says otherwise) with the CA bundle, the password from the RDS-managed
// secret, a short connect timeout, then select 1.
type PGPinger struct {
	// Secrets returns the Secrets Manager client of a region.
	Secrets func(ctx context.Context, region string) (dbconn.SecretsGetter, error)
	// CABundle is the PEM file of trusted CAs (the RDS global bundle).
	CABundle string
	// SSLMode is dbconn.SSLVerifyFull when empty; tests use others.
	SSLMode string
	// ConnectTimeout bounds the connection; zero is dbconn's default.
	ConnectTimeout time.Duration
}

// Ping connects and runs select 1. With verify-full it also insists that
// the connection really is TLS.
func (p PGPinger) Ping(ctx context.Context, ep Endpoint) error {
	if p.Secrets == nil {
		return errors.New("no Secrets Manager client to read the managed secret")
	}
	sm, err := p.Secrets(ctx, ep.Region)
	if err != nil {
		return err
	}
	mode := p.SSLMode
	if mode == "" {
		mode = dbconn.SSLVerifyFull
	}
	conn, err := dbconn.Connect(ctx, dbconn.Options{
		Host: ep.Host, Port: ep.Port, Database: ep.Database, User: ep.User,
		SSLMode: mode, CABundle: p.CABundle,
		Credentials:     &dbconn.ManagedSecret{Client: sm, ARN: ep.SecretArn},
		ConnectTimeout:  p.ConnectTimeout,
		ApplicationName: "pgp-verify",
	})
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if mode == dbconn.SSLVerifyFull {
		if _, ok := conn.PgConn().Conn().(*tls.Conn); !ok {
			return fmt.Errorf("the connection to %s:%d is not TLS", ep.Host, ep.Port)
		}
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("select 1 on %s:%d: %w", ep.Host, ep.Port, err)
	}
	if one != 1 {
		return fmt.Errorf("select 1 on %s:%d returned %d", ep.Host, ep.Port, one)
	}
	return nil
}
