package verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
)

// sslRequestCode is the PostgreSQL SSLRequest message's code: a client
// asks for TLS by sending the length 8 and this number, and the server
// answers with one byte, 'S' to go on with a TLS handshake or 'N' to refuse
// (PostgreSQL, "Frontend/Backend Protocol: SSL Session Encryption",
// https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SSL).
const sslRequestCode = 80877103

// handshake proves what a client of an RDS Proxy relies on, without logging
// in: the endpoint accepts TLS, its certificate chains to the CA bundle and
// names the host (verify-full), and behind TLS it speaks PostgreSQL, answering
// a startup message for ep.User with an authentication request. It sends no
// password and no token. Logging in through the proxy is not what verify
// does: the proxy logs in to the database with the secrets of its auth
// entries, and the stack gives it only the master user's
// (database/postgres/proxy.go), so a session through it is the master
// user's; verify's own identity holds rds-db:connect only as
// pgplatform_verify, directly on the database. The proxy reaching the
// database is the proxy-targets check (target health AVAILABLE).
func (p PGPinger) handshake(ctx context.Context, ep Endpoint) error {
	if p.CABundle == "" {
		return errors.New("no CA bundle to verify the proxy's certificate (--ca-bundle)")
	}
	pem, err := os.ReadFile(p.CABundle)
	if err != nil {
		return fmt.Errorf("CA bundle: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return fmt.Errorf("CA bundle %s holds no PEM certificate", p.CABundle)
	}
	dialer := dbconn.Options{ConnectTimeout: p.ConnectTimeout}.Dialer()
	ctx, cancel := context.WithTimeout(ctx, dialer.Timeout)
	defer cancel()
	addr := net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	raw, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer raw.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(dl)
	}
	req := make([]byte, 8)
	binary.BigEndian.PutUint32(req[0:4], 8)
	binary.BigEndian.PutUint32(req[4:8], sslRequestCode)
	if _, err := raw.Write(req); err != nil {
		return fmt.Errorf("ask %s for TLS: %w", addr, err)
	}
	answer := make([]byte, 1)
	if _, err := io.ReadFull(raw, answer); err != nil {
		return fmt.Errorf("ask %s for TLS: %w", addr, err)
	}
	if answer[0] != 'S' {
		return fmt.Errorf("%s refused TLS (answered %q to the SSLRequest)", addr, answer[0])
	}
	conn := tls.Client(raw, &tls.Config{ServerName: ep.Host, RootCAs: roots, MinVersion: tls.VersionTLS12})
	if err := conn.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("TLS verify-full handshake with %s: %w", addr, err)
	}
	fe := pgproto3.NewFrontend(conn, conn)
	fe.Send(&pgproto3.StartupMessage{
		ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters:      map[string]string{"user": ep.User, "database": ep.Database, "application_name": "pgp-verify"},
	})
	if err := fe.Flush(); err != nil {
		return fmt.Errorf("send the startup message to %s: %w", addr, err)
	}
	msg, err := fe.Receive()
	if err != nil {
		return fmt.Errorf("read the answer of %s to the startup message: %w", addr, err)
	}
	switch m := msg.(type) {
	case *pgproto3.AuthenticationCleartextPassword, *pgproto3.AuthenticationMD5Password, *pgproto3.AuthenticationSASL:
		// The server asks the client to authenticate: the answer a proxy
		// that requires IAM authentication gives before the token.
		return nil
	case *pgproto3.AuthenticationOk:
		return fmt.Errorf("%s let %s in without authentication", addr, ep.User)
	case *pgproto3.ErrorResponse:
		return fmt.Errorf("%s refused the startup of %s before authentication: %s %s", addr, ep.User, m.Code, m.Message)
	default:
		return fmt.Errorf("%s answered the startup message with %T, want an authentication request", addr, msg)
	}
}
