package pglocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	procs "github.com/pgplatform/platform/scripts/internal/proc"
)

// InstallHint is the command that installs the server on a Debian machine.
const InstallHint = "apt-get install -y postgresql postgresql-client"

// Superuser is the role every server is created with.
const Superuser = "postgres"

// commandTimeout bounds every server command (initdb, pg_ctl, pg_basebackup).
const commandTimeout = 2 * time.Minute

// Settings are postgresql.conf parameters, by name. Values are written
// quoted, so any type of parameter can be given as its text form.
type Settings map[string]string

// baseSettings apply to every server unless overridden. fsync is off because
// the servers are disposable: a hard stop kills processes, not the kernel,
// so committed data still reaches the disk.
var baseSettings = Settings{
	"listen_addresses":        "127.0.0.1",
	"unix_socket_directories": "",
	"fsync":                   "off",
	"shared_buffers":          "32MB",
	"max_connections":         "50",
	"max_wal_senders":         "10",
	"wal_level":               "replica",
	"wal_keep_size":           "256MB",
	"hot_standby":             "on",
	"logging_collector":       "off",
	"log_line_prefix":         "%m [%p] %q%u@%d ",
}

// Cluster is a set of local servers sharing one temporary directory.
type Cluster struct {
	// Dir is the temporary directory holding every server's data directory
	// and log file.
	Dir string

	binDir   string
	asUser   *user.User // non-nil when commands run through runuser
	mu       sync.Mutex
	servers  []*Server
	bouncers []*PgBouncer
	closed   bool
}

// Server is one PostgreSQL server of a Cluster.
type Server struct {
	Name    string
	DataDir string
	LogFile string
	Port    int

	cluster  *Cluster
	settings Settings
}

// BinDir returns the directory holding initdb, pg_ctl and pg_basebackup:
// $PGLOCAL_BINDIR when set, else the newest /usr/lib/postgresql/<major>/bin.
func BinDir() (string, error) {
	if d := os.Getenv("PGLOCAL_BINDIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err != nil {
			return "", fmt.Errorf("PGLOCAL_BINDIR=%q has no pg_ctl: %w", d, err)
		}
		return d, nil
	}
	entries, err := os.ReadDir("/usr/lib/postgresql")
	if err != nil {
		return "", fmt.Errorf("PostgreSQL server is not installed (no /usr/lib/postgresql): run `%s`", InstallHint)
	}
	var majors []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join("/usr/lib/postgresql", e.Name(), "bin", "pg_ctl")); err == nil {
			majors = append(majors, n)
		}
	}
	if len(majors) == 0 {
		return "", fmt.Errorf("PostgreSQL server is not installed (no /usr/lib/postgresql/<major>/bin/pg_ctl): run `%s`", InstallHint)
	}
	sort.Ints(majors)
	return filepath.Join("/usr/lib/postgresql", strconv.Itoa(majors[len(majors)-1]), "bin"), nil
}

// New creates an empty cluster directory under the system temp directory.
// The caller must call Cleanup, also when a later step fails.
func New() (*Cluster, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	c := &Cluster{binDir: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup(Superuser)
		if err != nil {
			return nil, fmt.Errorf("running as root needs the %q system user that the postgresql package creates (run `%s`): %w", Superuser, InstallHint, err)
		}
		c.asUser = u
	}
	// Servers an interrupted earlier run left behind would hold ports and
	// memory until the machine restarts; stop them first. A failure here
	// does not stop this run.
	if swept, err := SweepStale(); err != nil {
		fmt.Fprintf(os.Stderr, "pglocal: stale clusters: %v\n", err)
	} else if len(swept) > 0 {
		fmt.Fprintf(os.Stderr, "pglocal: stopped the servers of %d cluster(s) an interrupted run left behind: %s\n", len(swept), strings.Join(swept, ", "))
	}
	dir, err := os.MkdirTemp("", clusterPrefix)
	if err != nil {
		return nil, fmt.Errorf("create cluster directory: %w", err)
	}
	c.Dir = dir
	if err := writeOwner(dir); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := c.chown(dir); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// TB is the part of testing.TB that ForTest uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Cleanup(func())
	Failed() bool
}

// ForTest creates a cluster for a test and registers its Cleanup. A missing
// PostgreSQL installation fails the test with the command that installs it:
// tests that carry the pgtest build tag have asked for a real server.
// When the test fails, Cleanup first logs the tail of every server log.
func ForTest(t TB) *Cluster {
	t.Helper()
	c, err := New()
	if err != nil {
		t.Fatalf("pglocal: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, s := range c.Servers() {
				t.Logf("pglocal: last lines of %s (%s):\n%s", s.Name, s.LogFile, s.LogTail(40))
			}
			c.mu.Lock()
			bouncers := append([]*PgBouncer(nil), c.bouncers...)
			c.mu.Unlock()
			for _, b := range bouncers {
				t.Logf("pglocal: last lines of pgbouncer %s (%s):\n%s", b.Name, b.LogFile, b.LogTail(40))
			}
		}
		if err := c.Cleanup(); err != nil {
			t.Logf("pglocal: cleanup: %v", err)
		}
	})
	return c
}

// Mkdir creates a directory inside the cluster directory that the servers
// can write to (for example a WAL archive for archive_command), and returns
// its path. Cleanup removes it with the rest.
func (c *Cluster) Mkdir(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return "", fmt.Errorf("directory name %q: give one path element", name)
	}
	p := filepath.Join(c.Dir, name)
	if err := os.Mkdir(p, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", p, err)
	}
	return p, c.chown(p)
}

// Servers lists the cluster's servers in creation order.
func (c *Cluster) Servers() []*Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Server(nil), c.servers...)
}

// StartPrimary initialises a new data directory (a copy of one initdb made
// once per process, see initdb) and starts it with the base settings
// overridden by settings.
func (c *Cluster) StartPrimary(name string, settings Settings) (*Server, error) {
	s, err := c.newServer(name, settings)
	if err != nil {
		return nil, err
	}
	if err := c.initdb(s.DataDir); err != nil {
		return nil, fmt.Errorf("initdb for %s: %w", name, err)
	}
	if err := s.writeConfig(true); err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// StartStandby copies primary with pg_basebackup -R and starts the copy as a
// streaming standby. Its cluster_name is name, so the primary sees it in
// pg_stat_replication and synchronous_standby_names under that name. The
// standby gets the base settings and settings, not the primary's.
func (c *Cluster) StartStandby(name string, primary *Server, settings Settings) (*Server, error) {
	s, err := c.newServer(name, settings)
	if err != nil {
		return nil, err
	}
	// -R copies this conninfo, application_name included, into the standby's
	// primary_conninfo.
	conninfo := fmt.Sprintf("host=127.0.0.1 port=%d user=%s application_name=%s", primary.Port, Superuser, name)
	if _, err := c.run("pg_basebackup", "-D", s.DataDir, "-d", conninfo, "-X", "stream", "-R", "-c", "fast", "--no-sync"); err != nil {
		return nil, fmt.Errorf("pg_basebackup of %s for %s: %w", primary.Name, name, err)
	}
	if err := s.writeConfig(false); err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

func (c *Cluster) newServer(name string, settings Settings) (*Server, error) {
	if name == "" || strings.ContainsAny(name, "/ '\"\\") {
		return nil, fmt.Errorf("server name %q: use letters, digits, '-' or '_'", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errors.New("pglocal: cluster already cleaned up")
	}
	for _, s := range c.servers {
		if s.Name == name {
			return nil, fmt.Errorf("server name %q is already used in this cluster", name)
		}
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Name:     name,
		DataDir:  filepath.Join(c.Dir, name),
		LogFile:  filepath.Join(c.Dir, name+".log"),
		Port:     port,
		cluster:  c,
		settings: Settings{},
	}
	for k, v := range settings {
		s.settings[k] = v
	}
	c.servers = append(c.servers, s)
	return s, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port on 127.0.0.1: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

const confFile = "pglocal.conf"

// writeConfig writes pglocal.conf (base settings, port, cluster_name and the
// server's own settings) and, when include is set, the line in
// postgresql.conf that includes it. A standby inherits that line from its
// primary's copy.
func (s *Server) writeConfig(include bool) error {
	all := maps.Clone(baseSettings)
	all["port"] = strconv.Itoa(s.Port)
	all["cluster_name"] = s.Name
	maps.Copy(all, s.settings)
	keys := slices.Sorted(maps.Keys(all))
	var b bytes.Buffer
	b.WriteString("# Written by pglocal; rewritten by Server.Configure.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s = '%s'\n", k, strings.ReplaceAll(all[k], "'", "''"))
	}
	if err := s.cluster.writeFile(filepath.Join(s.DataDir, confFile), b.Bytes()); err != nil {
		return err
	}
	if !include {
		return nil
	}
	main := filepath.Join(s.DataDir, "postgresql.conf")
	data, err := os.ReadFile(main)
	if err != nil {
		return fmt.Errorf("read %s: %w", main, err)
	}
	data = append(data, []byte("\ninclude_if_exists = '"+confFile+"'\n")...)
	return s.cluster.writeFile(main, data)
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// DSN is a libpq connection string for database db (postgres when empty)
// as the superuser, without TLS.
func (s *Server) DSN(db string) string {
	if db == "" {
		db = "postgres"
	}
	return fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=%s sslmode=disable connect_timeout=5", s.Port, Superuser, db)
}

// Connect opens a connection to the postgres database as the superuser.
func (s *Server) Connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, s.DSN(""))
	if err != nil {
		return nil, fmt.Errorf("connect to %s at %s: %w", s.Name, s.Addr(), err)
	}
	return conn, nil
}

// Start starts the server and waits until it accepts connections.
func (s *Server) Start() error {
	if _, err := s.cluster.run("pg_ctl", "-D", s.DataDir, "-l", s.LogFile, "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("start %s: %w\n%s", s.Name, err, s.LogTail(20))
	}
	return nil
}

// Stop shuts the server down cleanly (fast mode) and waits.
func (s *Server) Stop() error { return s.stop("fast") }

// StopImmediate stops the server the hard way (pg_ctl -m immediate): every
// process exits at once, clients see their connections drop, and no
// shutdown checkpoint is written, as in a crash.
func (s *Server) StopImmediate() error { return s.stop("immediate") }

func (s *Server) stop(mode string) error {
	if _, err := s.cluster.run("pg_ctl", "-D", s.DataDir, "-m", mode, "-w", "-t", "30", "stop"); err != nil {
		return fmt.Errorf("stop %s (%s): %w", s.Name, mode, err)
	}
	return nil
}

// Promote turns a standby into a primary and waits until it accepts writes.
func (s *Server) Promote() error {
	if _, err := s.cluster.run("pg_ctl", "-D", s.DataDir, "-w", "-t", "60", "promote"); err != nil {
		return fmt.Errorf("promote %s: %w\n%s", s.Name, err, s.LogTail(20))
	}
	return nil
}

// Configure merges settings into the server's own settings, rewrites
// pglocal.conf and reloads the server. Parameters that need a restart take
// effect at the next Start.
func (s *Server) Configure(settings Settings) error {
	for k, v := range settings {
		s.settings[k] = v
	}
	if err := s.writeConfig(false); err != nil {
		return err
	}
	if _, err := s.cluster.run("pg_ctl", "-D", s.DataDir, "reload"); err != nil {
		return fmt.Errorf("reload %s: %w", s.Name, err)
	}
	return nil
}

// WaitStreaming waits until the standby named standby streams from this
// server and has confirmed a flush position (pg_stat_replication shows it in
// state "streaming" with a flush_lsn), which is when a synchronous standby
// starts to count as synchronous.
func (s *Server) WaitStreaming(ctx context.Context, standby string) error {
	conn, err := s.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for {
		var n int
		err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming' AND flush_lsn IS NOT NULL", standby).Scan(&n)
		if err != nil {
			return fmt.Errorf("query pg_stat_replication on %s: %w", s.Name, err)
		}
		if n > 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("standby %q is not streaming from %s: %w", standby, s.Name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// PID returns the postmaster's process id, or 0 when the server is not running.
func (s *Server) PID() int {
	data, err := os.ReadFile(filepath.Join(s.DataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || pid <= 0 {
		return 0
	}
	if !Alive(pid) {
		return 0
	}
	return pid
}

// LogTail returns the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	return logTail(s.LogFile, n)
}

// logTail returns the last n lines of the log file at path, or why there
// is none.
func logTail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Cleanup stops every server (immediate mode), kills any process of theirs
// that is still alive, and removes the cluster directory. It is safe to call
// more than once and after any failure.
func (c *Cluster) Cleanup() error {
	c.mu.Lock()
	c.closed = true
	servers := append([]*Server(nil), c.servers...)
	bouncers := append([]*PgBouncer(nil), c.bouncers...)
	c.mu.Unlock()
	var errs []error
	for _, b := range bouncers {
		if err := b.stop(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, s := range servers {
		pid := s.PID()
		if pid == 0 {
			continue
		}
		kids := children(pid)
		_ = s.StopImmediate()
		if p := s.PID(); p != 0 {
			killTree(p)
		}
		// pg_ctl stop returns when the pid file is gone, a moment before the
		// processes have exited; wait for them so none outlives Cleanup.
		for _, p := range append(kids, pid) {
			if !waitGone(p, 5*time.Second) {
				_ = syscall.Kill(p, syscall.SIGKILL)
				if !waitGone(p, 2*time.Second) {
					errs = append(errs, fmt.Errorf("process %d of server %s is still running", p, s.Name))
				}
			}
		}
	}
	if c.Dir != "" {
		if err := os.RemoveAll(c.Dir); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", c.Dir, err))
		}
	}
	return errors.Join(errs...)
}

// killTree sends SIGKILL to pid and to every process whose parent it is.
func killTree(pid int) {
	for _, child := range children(pid) {
		_ = syscall.Kill(child, syscall.SIGKILL)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
}

// Alive reports whether process pid exists and is not a zombie.
func Alive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return !os.IsNotExist(err)
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for Alive(pid) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// children lists the direct children of pid from /proc.
func children(pid int) []int {
	ps, _ := procs.Children(pid)
	out := make([]int, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Pid)
	}
	return out
}

// Command returns the argument vector that runs a server binary (pg_ctl,
// psql, ...) of this installation the way the cluster does: through runuser
// as the postgres user when the caller is root. Tests use it to hand a
// shell command to a tool, e.g. a failover drill's --trigger-cmd.
func (c *Cluster) Command(bin string, args ...string) []string {
	path := filepath.Join(c.binDir, bin)
	if c.asUser != nil {
		return append([]string{"runuser", "-u", c.asUser.Username, "--", path}, args...)
	}
	return append([]string{path}, args...)
}

// run runs a server binary, as the postgres user when the caller is root,
// and returns its combined output.
func (c *Cluster) run(bin string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	argv := c.Command(bin, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = serverEnv()
	// Own process group, so a timeout kills runuser and the tool it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", bin, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return out, nil
}

// serverEnv is the caller's environment without libpq's PG* variables, which
// would otherwise change what pg_basebackup connects to.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C")
}

// writeFile writes a file the server user can read.
func (c *Cluster) writeFile(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return c.chown(path)
}

func (c *Cluster) chown(path string) error {
	if c.asUser == nil {
		return nil
	}
	uid, err := strconv.Atoi(c.asUser.Uid)
	if err != nil {
		return fmt.Errorf("uid of %s: %w", c.asUser.Username, err)
	}
	gid, err := strconv.Atoi(c.asUser.Gid)
	if err != nil {
		return fmt.Errorf("gid of %s: %w", c.asUser.Username, err)
	}
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("give %s to %s: %w", path, c.asUser.Username, err)
	}
	return nil
}
