package verify_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/pgplatform/platform/scripts/internal/verify"
)

// fakeProxy listens on 127.0.0.1 and answers one client the way a
// PostgreSQL server does up to authentication: the SSLRequest with tls
// ('S', then a TLS handshake with cert/key) or 'N', then the startup
// message with answer. It returns the port and the parameters of the
// startup message it read.
func fakeProxy(t *testing.T, cert, key string, tlsOn bool, answer pgproto3.BackendMessage) (int, <-chan map[string]string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan map[string]string, 1)
	go func() {
		defer close(got)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		req := make([]byte, 8)
		if _, err := io.ReadFull(c, req); err != nil {
			return
		}
		if !tlsOn {
			_, _ = c.Write([]byte{'N'})
			return
		}
		if _, err := c.Write([]byte{'S'}); err != nil {
			return
		}
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return
		}
		tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{pair}})
		if err := tc.Handshake(); err != nil {
			return
		}
		be := pgproto3.NewBackend(tc, tc)
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		if sm, ok := msg.(*pgproto3.StartupMessage); ok {
			got <- sm.Parameters
		}
		be.Send(answer)
		_ = be.Flush()
		// A client that goes on would now send a password; verify must not.
		_ = tc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		if m, err := be.Receive(); err == nil {
			got <- map[string]string{"unexpected": fmt.Sprintf("%T", m)}
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, got
}

// TestProxyHandshake holds the proxy connection check to what it claims:
// it passes when the endpoint completes a TLS verify-full handshake and
// asks for authentication, sends no password, and fails on a refused TLS,
// an untrusted or misnamed certificate, a server that lets the role in
// without authentication, and an error before authentication.
func TestProxyHandshake(t *testing.T) {
	dir := t.TempDir()
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	goodCA, cert, key := newCA(t, dir, "good", loopback, nil)
	otherCA, _, _ := newCA(t, dir, "other", loopback, nil)
	_, wrongCert, wrongKey := newCA(t, dir, "wrongname", nil, []string{"proxy.example.internal"})
	wrongCA := filepath.Join(dir, "wrongname-ca.pem")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	for _, c := range []struct {
		name       string
		ca         string
		cert, key  string
		tlsOn      bool
		answer     pgproto3.BackendMessage
		wantErr    string
		wantParams bool
	}{
		{name: "asks for a password", ca: goodCA, cert: cert, key: key, tlsOn: true, answer: &pgproto3.AuthenticationCleartextPassword{}, wantParams: true},
		{name: "asks for SCRAM", ca: goodCA, cert: cert, key: key, tlsOn: true, answer: &pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}}, wantParams: true},
		{name: "refuses TLS", ca: goodCA, cert: cert, key: key, tlsOn: false, answer: nil, wantErr: "refused TLS"},
		{name: "another CA", ca: otherCA, cert: cert, key: key, tlsOn: true, answer: &pgproto3.AuthenticationCleartextPassword{}, wantErr: "certificate signed by unknown authority"},
		{name: "another name", ca: wrongCA, cert: wrongCert, key: wrongKey, tlsOn: true, answer: &pgproto3.AuthenticationCleartextPassword{}, wantErr: "cannot validate certificate for 127.0.0.1"},
		{name: "no authentication", ca: goodCA, cert: cert, key: key, tlsOn: true, answer: &pgproto3.AuthenticationOk{}, wantErr: "without authentication", wantParams: true},
		{name: "error before authentication", ca: goodCA, cert: cert, key: key, tlsOn: true, answer: &pgproto3.ErrorResponse{Severity: "FATAL", Code: "08004", Message: "proxy is not ready"}, wantErr: "08004 proxy is not ready", wantParams: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			port, got := fakeProxy(t, c.cert, c.key, c.tlsOn, c.answer)
			ep := verify.Endpoint{Region: "eu-west-1", Host: "127.0.0.1", Port: port, Database: "orders", User: verify.LoginRole, Proxy: true}
			err := verify.PGPinger{CABundle: c.ca, ConnectTimeout: 5 * time.Second}.Ping(ctx, ep)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("Ping: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("Ping: %v, want an error containing %q", err, c.wantErr)
			}
			var params []map[string]string
			for p := range got {
				params = append(params, p)
			}
			if !c.wantParams {
				return
			}
			if len(params) == 0 || params[0]["user"] != verify.LoginRole || params[0]["database"] != "orders" {
				t.Fatalf("startup parameters %v, want user %s and database orders", params, verify.LoginRole)
			}
			if len(params) > 1 {
				t.Errorf("the client went on after the server's answer: sent %v", params[1])
			}
		})
	}
}
