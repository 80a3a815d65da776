package pglocal

import (
	"os"
	"strings"
	"testing"
)

// TestPgBouncerConfig checks the rendered pgbouncer.ini: one database
// leading to the target server, transaction pooling unless overridden,
// loopback only, no Unix socket, and a settings override that wins.
func TestPgBouncerConfig(t *testing.T) {
	c := &Cluster{Dir: t.TempDir()}
	b := &PgBouncer{
		Name: "pooler", Port: 6543, cluster: c, target: &Server{Name: "primary", Port: 5433},
		ConfigFile: c.Dir + "/pooler.ini", LogFile: c.Dir + "/pooler.log",
		settings: Settings{"server_login_retry": "0.1"},
	}
	if err := b.writeConfig(); err != nil {
		t.Fatal(err)
	}
	got := readFile(t, b.ConfigFile)
	for _, want := range []string{
		"[databases]\npostgres = host=127.0.0.1 port=5433 dbname=postgres user=postgres\n",
		"\n[pgbouncer]\n",
		"\nlisten_addr = 127.0.0.1\n",
		"\nlisten_port = 6543\n",
		"\nunix_socket_dir = \n",
		"\npool_mode = transaction\n",
		"\nserver_login_retry = 0.1\n",
		"\nauth_type = trust\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	// Repoint's rewrite: the database entry leads to the new target.
	b.target = &Server{Name: "s2", Port: 5555}
	if err := b.writeConfig(); err != nil {
		t.Fatal(err)
	}
	got = readFile(t, b.ConfigFile)
	if !strings.Contains(got, "postgres = host=127.0.0.1 port=5555 dbname=postgres") || strings.Contains(got, "port=5433") {
		t.Errorf("after the rewrite the database entry does not lead to port 5555 alone:\n%s", got)
	}
}

func TestStartPgBouncerRefusesABadName(t *testing.T) {
	c := &Cluster{Dir: t.TempDir()}
	for _, name := range []string{"", "a b", "a/b", "it's"} {
		if _, err := c.StartPgBouncer(name, &Server{Port: 1}, nil); err == nil || !strings.Contains(err.Error(), "pooler name") {
			t.Errorf("StartPgBouncer(%q): err = %v, want one naming the pooler name", name, err)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
