package endpoint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Endpoint is a switchable DNS name with forwarders behind its addresses.
type Endpoint struct {
	// Name is the DNS name, e.g. "writer.drill.test".
	Name string

	dnsConn net.PacketConn
	mu      sync.Mutex
	answer  net.IP
	port    int
	fwds    []*forwarder
	done    chan struct{}
}

// New starts the DNS server for name on 127.0.0.1. Answer nothing until
// Point is called.
func New(name string) (*Endpoint, error) {
	if !strings.Contains(name, ".") {
		return nil, fmt.Errorf("endpoint name %q must have a dot, or the resolver may not ask the DNS server", name)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start DNS server on 127.0.0.1: %w", err)
	}
	e := &Endpoint{Name: strings.TrimSuffix(name, "."), dnsConn: pc, done: make(chan struct{})}
	go e.serveDNS()
	return e, nil
}

// DNSAddr is the DNS server's address.
func (e *Endpoint) DNSAddr() string { return e.dnsConn.LocalAddr().String() }

// Resolver resolves through the endpoint's DNS server only.
func (e *Endpoint) Resolver() *net.Resolver {
	addr := e.DNSAddr()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}
}

// Port is the TCP port every backend address listens on (0 before the
// first AddBackend).
func (e *Endpoint) Port() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.port
}

// AddBackend listens on ip (a loopback address such as 127.0.0.2) at the
// endpoint's port and forwards each connection to target (host:port).
func (e *Endpoint) AddBackend(ip, target string) error {
	addr := net.ParseIP(ip)
	if addr == nil || !addr.IsLoopback() || addr.To4() == nil {
		return fmt.Errorf("backend address %q: use an IPv4 loopback address (127.0.0.0/8)", ip)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(e.port)))
	if err != nil {
		return fmt.Errorf("listen on %s:%d: %w", ip, e.port, err)
	}
	if e.port == 0 {
		e.port = l.Addr().(*net.TCPAddr).Port
	}
	f := &forwarder{l: l, target: target, conns: map[net.Conn]bool{}}
	e.fwds = append(e.fwds, f)
	go f.serve()
	return nil
}

// SetUp takes the backend on ip down (every connection through it is cut,
// new ones are closed at once) or brings it back up. It injects an outage
// of known length without touching the server behind it.
func (e *Endpoint) SetUp(ip string, up bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.fwds {
		if f.l.Addr().(*net.TCPAddr).IP.String() == ip {
			f.setUp(up)
			return nil
		}
	}
	return fmt.Errorf("no backend on %s", ip)
}

// Point makes the name resolve to ip from now on.
func (e *Endpoint) Point(ip string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.answer = net.ParseIP(ip).To4()
}

// Close stops the DNS server and every forwarder, and drops their
// connections.
func (e *Endpoint) Close() error {
	close(e.done)
	errs := []error{e.dnsConn.Close()}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.fwds {
		errs = append(errs, f.close())
	}
	return errors.Join(errs...)
}

func (e *Endpoint) serveDNS() {
	buf := make([]byte, 1500)
	for {
		n, from, err := e.dnsConn.ReadFrom(buf)
		if err != nil {
			select {
			case <-e.done:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		resp, err := e.answerQuery(buf[:n])
		if err != nil {
			continue // not a DNS query we can parse: drop it, as servers do
		}
		_, _ = e.dnsConn.WriteTo(resp, from)
	}
}

func (e *Endpoint) answerQuery(q []byte) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(q)
	if err != nil {
		return nil, err
	}
	question, err := p.Question()
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	answer := e.answer
	e.mu.Unlock()

	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	name := strings.TrimSuffix(question.Name.String(), ".")
	if !strings.EqualFold(name, e.Name) {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(question); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	if rh.RCode == dnsmessage.RCodeSuccess && question.Type == dnsmessage.TypeA && answer != nil {
		var a dnsmessage.AResource
		copy(a.A[:], answer)
		// RDS endpoints have a 5 s TTL; this one has 1 s, and the drill's
		// resolver does not cache anyway.
		if err := b.AResource(dnsmessage.ResourceHeader{Name: question.Name, Class: dnsmessage.ClassINET, TTL: 1}, a); err != nil {
			return nil, err
		}
	}
	return b.Finish()
}

// forwarder accepts on one address and copies bytes to and from target.
type forwarder struct {
	l      net.Listener
	mu     sync.Mutex
	target string
	conns  map[net.Conn]bool
	closed bool
	down   bool
}

func (f *forwarder) setUp(up bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = !up
	if f.down {
		for c := range f.conns {
			_ = c.Close()
		}
	}
}

func (f *forwarder) serve() {
	for {
		c, err := f.l.Accept()
		if err != nil {
			return
		}
		go f.handle(c)
	}
}

func (f *forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || f.down {
		return false
	}
	f.conns[c] = true
	return true
}

func (f *forwarder) untrack(c net.Conn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
}

func (f *forwarder) handle(client net.Conn) {
	defer client.Close()
	if !f.track(client) {
		return
	}
	defer f.untrack(client)
	f.mu.Lock()
	target := f.target
	f.mu.Unlock()
	server, err := net.DialTimeout("tcp", target, 2*time.Second)
	if err != nil {
		return // the client sees its connection close, as with a dead server
	}
	defer server.Close()
	if !f.track(server) {
		return
	}
	defer f.untrack(server)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(server, client); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, server); done <- struct{}{} }()
	<-done // one side ended: close both
}

func (f *forwarder) close() error {
	err := f.l.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for c := range f.conns {
		_ = c.Close()
	}
	return err
}
