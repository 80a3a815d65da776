package pglocal

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// PgBouncerInstallHint is the command that installs the pooler on a
// Debian machine.
const PgBouncerInstallHint = "apt-get install -y pgbouncer"

// pgBouncerBinary is where the Debian package installs the pooler.
const pgBouncerBinary = "/usr/sbin/pgbouncer"

// PgBouncer is a pgbouncer process in front of one server of the cluster,
// pooling the "postgres" database for the superuser. It runs in the
// foreground as a child of the test process (and dies with it), listens
// on 127.0.0.1 only, and trusts the superuser, as the servers do.
type PgBouncer struct {
	Name       string
	Port       int
	ConfigFile string
	LogFile    string

	cluster  *Cluster
	target   *Server
	settings Settings
	cmd      *exec.Cmd
	exited   chan struct{}
}

// PgBouncerBinary returns the pooler's path: $PGLOCAL_PGBOUNCER when set,
// else the Debian package's /usr/sbin/pgbouncer.
func PgBouncerBinary() (string, error) {
	p := os.Getenv("PGLOCAL_PGBOUNCER")
	if p == "" {
		p = pgBouncerBinary
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("pgbouncer is not installed (no %s): run `%s`", p, PgBouncerInstallHint)
	}
	return p, nil
}

// StartPgBouncer starts a pooler named name in front of target. settings
// override the [pgbouncer] section (pool_mode is "transaction" unless
// given).
func (c *Cluster) StartPgBouncer(name string, target *Server, settings Settings) (*PgBouncer, error) {
	if name == "" || strings.ContainsAny(name, "/ '\"\\") {
		return nil, fmt.Errorf("pooler name %q: use letters, digits, '-' or '_'", name)
	}
	bin, err := PgBouncerBinary()
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	b := &PgBouncer{
		Name: name, Port: port, cluster: c, target: target, settings: Settings{},
		ConfigFile: filepath.Join(c.Dir, name+".ini"),
		LogFile:    filepath.Join(c.Dir, name+".log"),
		exited:     make(chan struct{}),
	}
	for k, v := range settings {
		b.settings[k] = v
	}
	users := filepath.Join(c.Dir, name+".users")
	if err := c.writeFile(users, []byte(fmt.Sprintf("%q \"\"\n", Superuser))); err != nil {
		return nil, err
	}
	b.settings["auth_file"] = users
	if err := b.writeConfig(); err != nil {
		return nil, err
	}

	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errors.New("pglocal: cluster already cleaned up")
	}
	b.cmd = exec.Command(bin, b.ConfigFile)
	b.cmd.Dir = c.Dir
	b.cmd.Env = serverEnv()
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if c.asUser != nil {
		// pgbouncer refuses to run as root.
		uid, _ := strconv.Atoi(c.asUser.Uid)
		gid, _ := strconv.Atoi(c.asUser.Gid)
		b.cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if err := b.cmd.Start(); err != nil {
		c.mu.Unlock()
		return nil, fmt.Errorf("start pgbouncer %s: %w", name, err)
	}
	c.bouncers = append(c.bouncers, b)
	c.mu.Unlock()
	go func() { _ = b.cmd.Wait(); close(b.exited) }()

	// Ready when the admin console answers.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		err := b.Admin(ctx, "SHOW VERSION")
		if err == nil {
			return b, nil
		}
		select {
		case <-b.exited:
			return nil, fmt.Errorf("pgbouncer %s exited at start: %s", name, b.LogTail(10))
		case <-ctx.Done():
			return nil, fmt.Errorf("pgbouncer %s does not answer 10s after start: %w\n%s", name, err, b.LogTail(10))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// writeConfig writes the pooler's configuration: the one database, the
// listener, trust for the superuser, transaction pooling, and the
// settings.
func (b *PgBouncer) writeConfig() error {
	all := Settings{
		"listen_addr":     "127.0.0.1",
		"listen_port":     strconv.Itoa(b.Port),
		"unix_socket_dir": "",
		"auth_type":       "trust",
		"admin_users":     Superuser,
		"pool_mode":       "transaction",
		"logfile":         b.LogFile,
		"pidfile":         "",
	}
	maps.Copy(all, b.settings)
	keys := slices.Sorted(maps.Keys(all))
	var s strings.Builder
	s.WriteString("; Written by pglocal; rewritten by PgBouncer.Repoint.\n[databases]\n")
	fmt.Fprintf(&s, "postgres = host=127.0.0.1 port=%d dbname=postgres user=%s\n\n[pgbouncer]\n", b.target.Port, Superuser)
	for _, k := range keys {
		fmt.Fprintf(&s, "%s = %s\n", k, all[k])
	}
	return b.cluster.writeFile(b.ConfigFile, []byte(s.String()))
}

// Addr is the pooler's host:port.
func (b *PgBouncer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(b.Port)) }

// Target is the server the pooler's database points at.
func (b *PgBouncer) Target() *Server { return b.target }

// Repoint rewrites the pooler's database entry to lead to s and reloads
// it (RELOAD). pgbouncer then closes each server connection to the old
// destination when it is next released and opens new ones to s.
func (b *PgBouncer) Repoint(ctx context.Context, s *Server) error {
	b.target = s
	if err := b.writeConfig(); err != nil {
		return err
	}
	return b.Admin(ctx, "RELOAD")
}

// Admin runs one command on the pooler's admin console (the virtual
// database "pgbouncer"), which speaks only the simple query protocol.
func (b *PgBouncer) Admin(ctx context.Context, command string) error {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=pgbouncer sslmode=disable connect_timeout=5", b.Port, Superuser))
	if err != nil {
		return fmt.Errorf("pgbouncer %s admin config: %w", b.Name, err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect to the admin console of pgbouncer %s: %w", b.Name, err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, command); err != nil {
		return fmt.Errorf("pgbouncer %s: %s: %w", b.Name, command, err)
	}
	return nil
}

// LogTail returns the last n lines of the pooler's log.
func (b *PgBouncer) LogTail(n int) string {
	return logTail(b.LogFile, n)
}

// stop kills the pooler and waits for it.
func (b *PgBouncer) stop() error {
	if b.cmd == nil || b.cmd.Process == nil {
		return nil
	}
	select {
	case <-b.exited:
		return nil
	default:
	}
	_ = b.cmd.Process.Kill()
	select {
	case <-b.exited:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("pgbouncer %s (pid %d) still running 5s after SIGKILL", b.Name, b.cmd.Process.Pid)
	}
}
