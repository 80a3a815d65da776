package dbconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// SSL modes accepted in Options.SSLMode, as libpq names them.
const (
	SSLDisable    = "disable"
	SSLPrefer     = "prefer"
	SSLRequire    = "require"
	SSLVerifyCA   = "verify-ca"
	SSLVerifyFull = "verify-full"
)

// SSLModes lists the accepted SSL modes.
var SSLModes = []string{SSLDisable, SSLPrefer, SSLRequire, SSLVerifyCA, SSLVerifyFull}

// Defaults for the zero values of Options.
const (
	DefaultConnectTimeout    = 5 * time.Second
	DefaultKeepAliveIdle     = 5 * time.Second
	DefaultKeepAliveInterval = 2 * time.Second
	DefaultKeepAliveCount    = 3
)

// Options say where and how to connect.
type Options struct {
	Host     string
	Port     int
	Database string
	// User is the role to log in as. Credentials may supply it instead
	// (the RDS-managed secret holds the master username).
	User string

	// SSLMode is one of SSLModes. verify-ca and verify-full need CABundle.
	SSLMode string
	// CABundle is a PEM file of trusted CA certificates; for RDS the global
	// bundle from the AWS trust store (global-bundle.pem).
	CABundle string

	// Credentials supplies the password (and possibly the user) at each
	// connect. Nil means no password, as with trust authentication.
	Credentials Credentials

	// ConnectTimeout bounds the TCP connect, TLS and authentication of one
	// connection attempt. Zero means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// KeepAliveIdle, KeepAliveInterval and KeepAliveCount set TCP keepalive:
	// a silent peer is declared dead after about Idle + Interval*Count. Zero
	// values take the defaults (5 s, 2 s, 3: about 11 s). The same total is
	// used as TCP_USER_TIMEOUT, which covers a peer that stops acknowledging
	// data that was sent.
	KeepAliveIdle     time.Duration
	KeepAliveInterval time.Duration
	KeepAliveCount    int

	// ApplicationName shows in pg_stat_activity.
	ApplicationName string
	// Resolver resolves Host. Nil means the system resolver.
	Resolver *net.Resolver
}

// Validate checks the options without connecting.
func (o Options) Validate() error {
	if o.Host == "" {
		return errors.New("no database host given")
	}
	if o.Port < 1 || o.Port > 65535 {
		return fmt.Errorf("port %d is out of range: use 1-65535", o.Port)
	}
	if o.Database == "" {
		return errors.New("no database name given")
	}
	mode := o.sslMode()
	known := false
	for _, m := range SSLModes {
		known = known || m == mode
	}
	if !known {
		return fmt.Errorf("sslmode %q is not supported: use one of %s", o.SSLMode, strings.Join(SSLModes, ", "))
	}
	if (mode == SSLVerifyCA || mode == SSLVerifyFull) && o.CABundle == "" {
		return fmt.Errorf("sslmode %s needs a CA bundle file (for RDS, the global bundle from the AWS trust store)", mode)
	}
	if o.CABundle != "" {
		if _, err := os.Stat(o.CABundle); err != nil {
			return fmt.Errorf("CA bundle %q: %w", o.CABundle, err)
		}
	}
	if _, ok := o.Credentials.(*IAMToken); ok && (mode == SSLDisable || mode == SSLPrefer) {
		return fmt.Errorf("IAM authentication sends a signed token as the password and RDS accepts it only over TLS: use sslmode %s, not %s", SSLVerifyFull, mode)
	}
	if o.ConnectTimeout < 0 || o.KeepAliveIdle < 0 || o.KeepAliveInterval < 0 || o.KeepAliveCount < 0 {
		return errors.New("connect timeout and keepalive settings must not be negative")
	}
	return nil
}

func (o Options) sslMode() string {
	if o.SSLMode == "" {
		return SSLVerifyFull
	}
	return o.SSLMode
}

// Config builds a pgx connection configuration, fetching credentials now.
// Build a new one for each connection when credentials can expire (IAM
// tokens live 15 minutes); Connect does.
func Config(ctx context.Context, o Options) (*pgx.ConnConfig, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	user, password := o.User, ""
	if o.Credentials != nil {
		u, p, err := o.Credentials.Get(ctx, o)
		if err != nil {
			return nil, err
		}
		if user == "" {
			user = u
		}
		password = p
	}
	if user == "" {
		return nil, errors.New("no database user given, and the credentials do not name one")
	}
	kv := []string{
		"host=" + quote(o.Host),
		"port=" + strconv.Itoa(o.Port),
		"dbname=" + quote(o.Database),
		"user=" + quote(user),
		"sslmode=" + quote(o.sslMode()),
	}
	if o.CABundle != "" {
		kv = append(kv, "sslrootcert="+quote(o.CABundle))
	}
	cfg, err := pgx.ParseConfig(strings.Join(kv, " "))
	if err != nil {
		return nil, fmt.Errorf("build connection settings for %s:%d: %w", o.Host, o.Port, err)
	}
	cfg.Password = password
	cfg.ConnectTimeout = o.connectTimeout()
	dialer := o.Dialer()
	cfg.DialFunc = dialer.DialContext
	if o.Resolver != nil {
		cfg.LookupFunc = o.Resolver.LookupHost
	}
	if o.ApplicationName != "" {
		cfg.RuntimeParams["application_name"] = o.ApplicationName
	}
	return cfg, nil
}

// Connect opens one connection.
func Connect(ctx context.Context, o Options) (*pgx.Conn, error) {
	cfg, err := Config(ctx, o)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s:%d/%s as %s: %w", o.Host, o.Port, o.Database, cfg.User, err)
	}
	return conn, nil
}

func (o Options) connectTimeout() time.Duration {
	if o.ConnectTimeout == 0 {
		return DefaultConnectTimeout
	}
	return o.ConnectTimeout
}

// DeadPeerTimeout is how long a silent peer goes unnoticed at most: keepalive
// idle time plus interval times count.
func (o Options) DeadPeerTimeout() time.Duration {
	idle, interval, count := o.keepAlive()
	return idle + interval*time.Duration(count)
}

func (o Options) keepAlive() (idle, interval time.Duration, count int) {
	idle, interval, count = o.KeepAliveIdle, o.KeepAliveInterval, o.KeepAliveCount
	if idle == 0 {
		idle = DefaultKeepAliveIdle
	}
	if interval == 0 {
		interval = DefaultKeepAliveInterval
	}
	if count == 0 {
		count = DefaultKeepAliveCount
	}
	return idle, interval, count
}

// Dialer is the TCP dialer connections use: the connect timeout, keepalives,
// and TCP_USER_TIMEOUT where the platform has it.
func (o Options) Dialer() *net.Dialer {
	idle, interval, count := o.keepAlive()
	return &net.Dialer{
		Timeout: o.connectTimeout(),
		KeepAliveConfig: net.KeepAliveConfig{
			Enable:   true,
			Idle:     idle,
			Interval: interval,
			Count:    count,
		},
		Control: userTimeoutControl(o.DeadPeerTimeout()),
	}
}

// quote quotes a value for a libpq key=value connection string.
func quote(v string) string {
	v = strings.ReplaceAll(v, `\`, `\\`)
	v = strings.ReplaceAll(v, `'`, `\'`)
	return "'" + v + "'"
}
