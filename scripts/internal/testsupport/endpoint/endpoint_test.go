package endpoint

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// echoServer answers every line with its own tag.
func echoServer(t *testing.T, tag string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					if _, err := r.ReadString('\n'); err != nil {
						return
					}
					if _, err := c.Write([]byte(tag + "\n")); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

func ask(t *testing.T, e *Endpoint) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	d := net.Dialer{Resolver: e.Resolver()}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(e.Name, strconv.Itoa(e.Port())))
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write([]byte("who\n")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return line, err
}

func TestSwitchingTheAnswerMovesNewConnections(t *testing.T) {
	e, err := New("writer.drill.test")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.AddBackend("127.0.0.2", echoServer(t, "primary")); err != nil {
		t.Fatal(err)
	}
	if err := e.AddBackend("127.0.0.3", echoServer(t, "standby")); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	if _, err := e.Resolver().LookupHost(ctx, e.Name); err == nil {
		t.Fatal("the name resolved before Point")
	}
	e.Point("127.0.0.2")
	addrs, err := e.Resolver().LookupHost(ctx, e.Name)
	if err != nil || len(addrs) != 1 || addrs[0] != "127.0.0.2" {
		t.Fatalf("LookupHost = %v, %v; want [127.0.0.2]", addrs, err)
	}
	if got, err := ask(t, e); err != nil || got != "primary\n" {
		t.Fatalf("through the endpoint: %q, %v; want primary", got, err)
	}
	e.Point("127.0.0.3")
	if got, err := ask(t, e); err != nil || got != "standby\n" {
		t.Fatalf("after Point: %q, %v; want standby", got, err)
	}
	// A backend taken down cuts open connections and refuses new ones;
	// brought up, it serves again.
	open, err := net.Dial("tcp", net.JoinHostPort("127.0.0.3", strconv.Itoa(e.Port())))
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if _, err := open.Write([]byte("who\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(open)
	if line, err := r.ReadString('\n'); err != nil || line != "standby\n" {
		t.Fatalf("open connection: %q, %v", line, err)
	}
	if err := e.SetUp("127.0.0.3", false); err != nil {
		t.Fatal(err)
	}
	_ = open.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := r.ReadString('\n'); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("open connection after SetUp(false): read err = %v, want it closed", err)
	}
	if got, err := ask(t, e); err == nil {
		t.Fatalf("through a backend that is down: %q", got)
	}
	if err := e.SetUp("127.0.0.3", true); err != nil {
		t.Fatal(err)
	}
	if got, err := ask(t, e); err != nil || got != "standby\n" {
		t.Fatalf("after SetUp(true): %q, %v; want standby", got, err)
	}
	if err := e.SetUp("127.0.0.9", false); err == nil {
		t.Fatal("SetUp of an unknown backend succeeded")
	}
	if _, err := e.Resolver().LookupHost(ctx, "other.drill.test"); err == nil {
		t.Fatal("an unknown name resolved")
	}
	if err := e.AddBackend("10.0.0.1", "127.0.0.1:1"); err == nil {
		t.Fatal("a non-loopback backend address was accepted")
	}
}

func TestDeadTargetClosesTheClient(t *testing.T) {
	e, err := New("writer.drill.test")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if err := e.AddBackend("127.0.0.2", "127.0.0.1:1"); err != nil {
		t.Fatal(err)
	}
	e.Point("127.0.0.2")
	start := time.Now()
	if _, err := ask(t, e); err == nil {
		t.Fatal("a backend with a dead target answered")
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("a dead target took %s to fail; it should fail at once", time.Since(start))
	}
}
