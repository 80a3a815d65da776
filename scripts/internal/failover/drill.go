package failover

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgplatform/platform/scripts/internal/cli"
)

// Connector opens a new connection to the drill's target. It is called for
// every reconnect, so it must resolve the endpoint's name each time (pgx
// does) and fetch credentials that may have expired.
type Connector func(ctx context.Context) (*pgx.Conn, error)

// Resolver resolves a host name; *net.Resolver satisfies it.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// Config is one drill.
type Config struct {
	// Connect opens connections to the target endpoint.
	Connect Connector
	// Host is the endpoint's DNS name, probed every DNSInterval. An IP
	// address turns the DNS probe off.
	Host string
	// Resolver resolves Host; nil means net.DefaultResolver.
	Resolver Resolver
	// Trigger starts the failover.
	Trigger Trigger

	// Rate is the number of write attempts per second.
	Rate float64
	// WriteTimeout bounds one write attempt, reconnect included.
	WriteTimeout time.Duration
	// ProbeInterval is the period of the read probe.
	ProbeInterval time.Duration
	// DNSInterval is the period of the DNS probe.
	DNSInterval time.Duration
	// Warmup is how long writes run before the trigger.
	Warmup time.Duration
	// Settle is how long writes must keep succeeding after the last failed
	// write before the drill ends.
	Settle time.Duration
	// MaxWait bounds the observation after the trigger.
	MaxWait time.Duration

	// Table is the drill table; empty means failover_drill_<run id>.
	Table string
	// KeepTable leaves the table in place after the drill.
	KeepTable bool

	// MaxDowntime and MaxLost are the pass thresholds.
	MaxDowntime time.Duration
	MaxLost     int

	// Progress receives one line per step and a heartbeat; nil discards.
	Progress io.Writer
}

// Defaults for zero Config values.
const (
	DefaultRate          = 50
	DefaultWriteTimeout  = 2 * time.Second
	DefaultProbeInterval = 250 * time.Millisecond
	DefaultDNSInterval   = 250 * time.Millisecond
	DefaultWarmup        = 10 * time.Second
	DefaultSettle        = 10 * time.Second
	DefaultMaxWait       = 5 * time.Minute
	DefaultMaxDowntime   = 120 * time.Second
)

var localAddr = regexp.MustCompile(`[0-9a-fA-F.:\[\]]+:[0-9]+->`)

var tableName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func (c *Config) withDefaults() (Config, error) {
	out := *c
	if out.Connect == nil {
		return out, errors.New("failover: no Connect function")
	}
	if out.Trigger == nil {
		return out, errors.New("failover: no Trigger")
	}
	if out.Rate == 0 {
		out.Rate = DefaultRate
	}
	if out.Rate < 0.1 || out.Rate > 10000 {
		return out, fmt.Errorf("write rate %g/s is out of range: use 0.1-10000 writes per second", c.Rate)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&out.WriteTimeout, DefaultWriteTimeout)
	def(&out.ProbeInterval, DefaultProbeInterval)
	def(&out.DNSInterval, DefaultDNSInterval)
	def(&out.Warmup, DefaultWarmup)
	def(&out.Settle, DefaultSettle)
	def(&out.MaxWait, DefaultMaxWait)
	def(&out.MaxDowntime, DefaultMaxDowntime)
	for name, d := range map[string]time.Duration{
		"write timeout": out.WriteTimeout, "probe interval": out.ProbeInterval, "DNS interval": out.DNSInterval,
		"warmup": out.Warmup, "settle": out.Settle, "max wait": out.MaxWait, "RTO threshold": out.MaxDowntime,
	} {
		if d < 0 {
			return out, fmt.Errorf("%s %s is negative", name, d)
		}
	}
	if out.MaxLost < 0 {
		return out, fmt.Errorf("lost-write threshold %d is negative", out.MaxLost)
	}
	if out.Table == "" {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return out, fmt.Errorf("make a run id: %w", err)
		}
		out.Table = "failover_drill_" + hex.EncodeToString(b[:])
	}
	if !tableName.MatchString(out.Table) {
		return out, fmt.Errorf("table name %q: use lower-case letters, digits and '_', starting with a letter or '_', at most 63 characters", out.Table)
	}
	if out.Resolver == nil {
		out.Resolver = net.DefaultResolver
	}
	if out.Progress == nil {
		out.Progress = io.Discard
	}
	return out, nil
}

// Interval is the time between write attempts.
func (c Config) Interval() time.Duration {
	return time.Duration(float64(time.Second) / c.Rate)
}

// WriteSample is one write attempt. Times are offsets from the drill's start.
type WriteSample struct {
	Seq   int64
	Start time.Duration
	End   time.Duration
	OK    bool
	Err   string
}

// ProbeSample is one read probe.
type ProbeSample struct {
	Start      time.Duration
	End        time.Duration
	OK         bool
	InRecovery bool
	// Server identifies the server that answered (its address and
	// postmaster start time), to see when the endpoint moved.
	Server string
	Err    string
}

// DNSSample is one resolution of the endpoint's name.
type DNSSample struct {
	At    time.Duration
	Addrs []string
	Err   string
}

// recorder holds what the workers observe.
type recorder struct {
	start time.Time
	mu    sync.Mutex
	write []WriteSample
	probe []ProbeSample
	dns   []DNSSample
}

func (r *recorder) now() time.Duration { return time.Since(r.start) }

func (r *recorder) addWrite(s WriteSample) {
	r.mu.Lock()
	r.write = append(r.write, s)
	r.mu.Unlock()
}

func (r *recorder) addProbe(s ProbeSample) {
	r.mu.Lock()
	r.probe = append(r.probe, s)
	r.mu.Unlock()
}

func (r *recorder) addDNS(s DNSSample) {
	r.mu.Lock()
	r.dns = append(r.dns, s)
	r.mu.Unlock()
}

func (r *recorder) writes() []WriteSample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]WriteSample(nil), r.write...)
}

// Run runs the drill and returns its report. An error means the drill could
// not measure (the target refused, the table could not be made, the trigger
// failed, the rows could not be read back); missed thresholds are not
// errors but a report whose Verdict failed.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &drill{cfg: c, rec: &recorder{start: time.Now()}}
	return d.run(ctx)
}

type drill struct {
	cfg Config
	rec *recorder
	log func(format string, args ...any)
}

func (d *drill) run(ctx context.Context) (*Report, error) {
	c := d.cfg
	d.log = func(format string, args ...any) {
		fmt.Fprintf(c.Progress, "[%7.3fs] %s\n", d.rec.now().Seconds(), fmt.Sprintf(format, args...))
	}
	rep := &Report{
		StartedAt: d.rec.start.UTC(),
		Target:    TargetInfo{Host: c.Host, Table: c.Table},
		Trigger:   TriggerInfo{Name: c.Trigger.Name()},
		Settings: SettingsInfo{
			WritesPerSecond: c.Rate, WriteTimeoutMs: ms(c.WriteTimeout), ProbeIntervalMs: ms(c.ProbeInterval),
			DNSIntervalMs: ms(c.DNSInterval), WarmupMs: ms(c.Warmup), SettleMs: ms(c.Settle), MaxWaitMs: ms(c.MaxWait),
		},
		Thresholds: Thresholds{MaxDowntimeMs: ms(c.MaxDowntime), MaxLostWrites: c.MaxLost},
	}

	d.log("checking the target with %s", c.Trigger.Name())
	if err := c.Trigger.Check(ctx); err != nil {
		return nil, err
	}
	placer, _ := c.Trigger.(Placer)
	if placer != nil {
		p, err := placer.Placement(ctx)
		if err != nil {
			return nil, err
		}
		rep.Placement.Before = &p
		d.log("instance %s is %s in %s (standby in %s)", p.Instance, p.Status, p.AvailabilityZone, p.SecondaryZone)
	}

	if err := d.createTable(ctx); err != nil {
		return nil, err
	}
	d.log("created table %s", c.Table)
	dropped := false
	defer func() {
		if !dropped && !c.KeepTable {
			if err := d.dropTable(context.Background()); err != nil {
				d.log("could not drop table %s: %v (drop it by hand)", c.Table, err)
			}
		}
	}()

	wctx, stopWorkers := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); d.writer(wctx) }()
	go func() { defer wg.Done(); d.prober(wctx) }()
	go func() { defer wg.Done(); d.dnsProbe(wctx) }()
	stop := func() { stopWorkers(); wg.Wait() }

	d.log("writing %g rows/s for the %s warm-up", c.Rate, c.Warmup)
	if err := cli.Sleep(ctx, c.Warmup); err != nil {
		stop()
		return nil, err
	}
	warm := d.rec.writes()
	if n := countOK(warm); n == 0 {
		stop()
		return nil, fmt.Errorf("no write succeeded during the %s warm-up (%d attempts; last error: %s): the target is not writable, so a failover cannot be measured", c.Warmup, len(warm), lastErr(warm))
	}

	trigStart := d.rec.now()
	d.log("triggering: %s", c.Trigger.Name())
	fireErr := make(chan error, 1)
	go func() { fireErr <- c.Trigger.Fire(ctx) }()

	var trigEnd time.Duration
	var fired bool
	deadline := trigStart + c.MaxWait
	heartbeat := trigStart
	state := observeState{}
	for {
		select {
		case err := <-fireErr:
			trigEnd = d.rec.now()
			fired = true
			if err != nil {
				stop()
				return nil, fmt.Errorf("trigger failed after %s: %w", (trigEnd - trigStart).Round(time.Millisecond), err)
			}
			d.log("trigger returned after %s", (trigEnd - trigStart).Round(time.Millisecond))
			fireErr = nil
		case <-ctx.Done():
			stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		now := d.rec.now()
		state.update(d.rec.writes(), trigStart, d.log)
		if now-heartbeat >= 5*time.Second {
			heartbeat = now
			d.log("t+%s: %d writes acknowledged, %d failed since the trigger", (now - trigStart).Round(time.Second), state.okAfter, state.failedAfter)
		}
		if fired && state.recovered && now-state.lastFailureEnd >= c.Settle {
			d.log("writes have succeeded for %s since the last failure: ending the observation", c.Settle)
			break
		}
		if now >= deadline {
			d.log("max wait %s reached", c.MaxWait)
			break
		}
	}
	end := d.rec.now()
	stop()
	if !fired {
		d.log("the trigger is still running at the end of the observation")
	}

	writes := d.rec.writes()
	d.log("reading back %d acknowledged sequence numbers", countOK(writes))
	present, tableFound, err := d.readBack(ctx)
	if err != nil {
		return nil, err
	}
	if placer != nil {
		p, err := d.settledPlacement(ctx, placer)
		if err != nil {
			d.log("could not describe the instance after the failover: %v", err)
			rep.Placement.Error = err.Error()
		} else {
			rep.Placement.After = &p
		}
	}
	if !c.KeepTable && tableFound {
		if err := d.dropTable(ctx); err != nil {
			d.log("could not drop table %s: %v (drop it by hand)", c.Table, err)
		} else {
			d.log("dropped table %s", c.Table)
		}
	}
	dropped = true
	rep.TableKept = c.KeepTable && tableFound

	d.rec.mu.Lock()
	probes := append([]ProbeSample(nil), d.rec.probe...)
	dns := append([]DNSSample(nil), d.rec.dns...)
	d.rec.mu.Unlock()
	analyze(rep, analysisInput{
		writes: writes, probes: probes, dns: dns, present: present, tableFound: tableFound,
		trigStart: trigStart, trigEnd: trigEnd, fired: fired, end: end, interval: c.Interval(),
		hostIsIP: net.ParseIP(c.Host) != nil,
	})
	return rep, nil
}

// observeState follows the writes after the trigger to decide when to stop.
type observeState struct {
	seen           int
	okAfter        int
	failedAfter    int
	failing        bool
	recovered      bool
	lastFailureEnd time.Duration
}

func (s *observeState) update(writes []WriteSample, trig time.Duration, log func(string, ...any)) {
	for _, w := range writes[s.seen:] {
		if w.End < trig {
			continue
		}
		if !w.OK {
			s.failedAfter++
			s.lastFailureEnd = w.End
			if !s.failing {
				log("write #%d failed (t+%s): %s", w.Seq, (w.Start - trig).Round(time.Millisecond), w.Err)
			}
			s.failing = true
			s.recovered = false
			continue
		}
		s.okAfter++
		if s.failing {
			log("writes succeed again (write #%d, t+%s)", w.Seq, (w.End - trig).Round(time.Millisecond))
			s.failing = false
			s.recovered = true
		}
	}
	s.seen = len(writes)
}

func (d *drill) createTable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := d.cfg.Connect(ctx)
	if err != nil {
		return fmt.Errorf("connect to create the drill table: %w", err)
	}
	defer conn.Close(context.Background())
	var inRecovery bool
	if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil {
		return fmt.Errorf("ask the target whether it is a primary: %w", err)
	}
	if inRecovery {
		return errors.New("the target is a standby (pg_is_in_recovery() is true): point the drill at the writer endpoint")
	}
	sql := fmt.Sprintf("CREATE TABLE %s (seq bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())", pgx.Identifier{d.cfg.Table}.Sanitize())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("create drill table %s (does it exist from a kept run? use --table or drop it): %w", d.cfg.Table, err)
	}
	return nil
}

func (d *drill) dropTable(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := d.connectRetry(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{d.cfg.Table}.Sanitize())
	return err
}

// connectRetry connects, retrying for as long as ctx allows: right after a
// failover the endpoint may still refuse for a moment.
func (d *drill) connectRetry(ctx context.Context) (*pgx.Conn, error) {
	var last error
	for {
		conn, err := d.cfg.Connect(ctx)
		if err == nil {
			return conn, nil
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to the target: %w", last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// readBack returns every sequence number in the table, and whether the
// table exists at all (a standby promoted before it received the CREATE
// TABLE has none: every acknowledged write is lost).
func (d *drill) readBack(ctx context.Context) (map[int64]bool, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	conn, err := d.connectRetry(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("read back the drill table: %w", err)
	}
	defer conn.Close(context.Background())
	var inRecovery bool
	if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil {
		return nil, false, fmt.Errorf("read back the drill table: %w", err)
	}
	if inRecovery {
		return nil, false, errors.New("read back the drill table: the endpoint still leads to a standby after the failover")
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", pgx.Identifier{d.cfg.Table}.Sanitize()).Scan(&exists); err != nil {
		return nil, false, fmt.Errorf("look for the drill table: %w", err)
	}
	present := map[int64]bool{}
	if !exists {
		d.log("table %s does not exist on the new primary", d.cfg.Table)
		return present, false, nil
	}
	rows, err := conn.Query(ctx, "SELECT seq FROM "+pgx.Identifier{d.cfg.Table}.Sanitize())
	if err != nil {
		return nil, true, fmt.Errorf("read back the drill table: %w", err)
	}
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, true, fmt.Errorf("read back the drill table: %w", err)
	}
	for _, s := range seqs {
		present[s] = true
	}
	return present, true, nil
}

// settledPlacement waits (up to two minutes) for the instance to be
// "available" again and returns its placement.
func (d *drill) settledPlacement(ctx context.Context, p Placer) (Placement, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		pl, err := p.Placement(ctx)
		if err != nil {
			return Placement{}, err
		}
		if pl.Status == "available" {
			return pl, nil
		}
		d.log("instance status is %q; waiting for \"available\"", pl.Status)
		select {
		case <-ctx.Done():
			return pl, nil
		case <-time.After(5 * time.Second):
		}
	}
}

// writer attempts one write per interval; the attempt's number is the
// row's seq.
func (d *drill) writer(ctx context.Context) {
	insert := "INSERT INTO " + pgx.Identifier{d.cfg.Table}.Sanitize() + " (seq) VALUES ($1)"
	d.onTicks(ctx, d.cfg.Interval(),
		func(ctx context.Context, conn *pgx.Conn, n int64) error {
			_, err := conn.Exec(ctx, insert, n)
			return err
		},
		func(n int64, start, end time.Duration, err error) {
			s := WriteSample{Seq: n, Start: start, End: end, OK: err == nil}
			if err != nil {
				s.Err = shortErr(err)
			}
			d.rec.addWrite(s)
		})
}

// prober runs the read probe on its own connection.
func (d *drill) prober(ctx context.Context) {
	var inRecovery bool
	var server string
	d.onTicks(ctx, d.cfg.ProbeInterval,
		func(ctx context.Context, conn *pgx.Conn, _ int64) error {
			return conn.QueryRow(ctx, "SELECT pg_is_in_recovery(), coalesce(host(inet_server_addr()), 'local') || ':' || coalesce(inet_server_port(), 0) || ' up since ' || pg_postmaster_start_time()::text").Scan(&inRecovery, &server)
		},
		func(_ int64, start, end time.Duration, err error) {
			s := ProbeSample{Start: start, End: end, OK: err == nil, InRecovery: inRecovery, Server: server}
			if err != nil {
				s.Err = shortErr(err)
			}
			inRecovery, server = false, ""
			d.rec.addProbe(s)
		})
}

// onTicks runs attempt once per interval, numbered from 1, on a connection
// of its own: opened on first use, and closed and opened again after any
// failure. A tick that comes while an attempt is still running is dropped,
// not queued, so attempts never pile up. Each attempt, connecting included,
// has WriteTimeout. record gets every attempt's number, times and error,
// except an attempt cut short by the drill's end, which says nothing about
// the database.
func (d *drill) onTicks(ctx context.Context, interval time.Duration,
	attempt func(ctx context.Context, conn *pgx.Conn, n int64) error,
	record func(n int64, start, end time.Duration, err error),
) {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for n := int64(1); ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		start := d.rec.now()
		err := func() error {
			actx, cancel := context.WithTimeout(ctx, d.cfg.WriteTimeout)
			defer cancel()
			if conn == nil {
				c, err := d.cfg.Connect(actx)
				if err != nil {
					return err
				}
				conn = c
			}
			return attempt(actx, conn, n)
		}()
		end := d.rec.now()
		if err != nil {
			if ctx.Err() != nil {
				return // the drill is over; this attempt says nothing
			}
			if conn != nil {
				conn.Close(context.Background())
				conn = nil
			}
		}
		record(n, start, end, err)
	}
}

// dnsProbe resolves the endpoint's name every DNSInterval.
func (d *drill) dnsProbe(ctx context.Context) {
	if d.cfg.Host == "" || net.ParseIP(d.cfg.Host) != nil {
		return
	}
	tick := time.NewTicker(d.cfg.DNSInterval)
	defer tick.Stop()
	for {
		s := DNSSample{At: d.rec.now()}
		lctx, cancel := context.WithTimeout(ctx, time.Second)
		addrs, err := d.cfg.Resolver.LookupHost(lctx, d.cfg.Host)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.Err = shortErr(err)
		} else {
			sort.Strings(addrs)
			s.Addrs = addrs
		}
		d.rec.addDNS(s)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func countOK(ws []WriteSample) int {
	n := 0
	for _, w := range ws {
		if w.OK {
			n++
		}
	}
	return n
}

func lastErr(ws []WriteSample) string {
	for i := len(ws) - 1; i >= 0; i-- {
		if !ws[i].OK {
			return ws[i].Err
		}
	}
	return "none"
}

// shortErr keeps an error message to one line of reasonable length, with
// the SQLSTATE when the server sent one.
func shortErr(err error) string {
	var pgErr *pgconn.PgError
	msg := err.Error()
	if errors.As(err, &pgErr) {
		msg = pgErr.Code + " " + pgErr.Message
	}
	msg = strings.ReplaceAll(msg, "\n", " ")
	// The client's ephemeral port differs on every connection; drop the
	// local address so that equal errors group together.
	msg = localAddr.ReplaceAllString(msg, "")
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return msg
}

func ms(d time.Duration) float64 {
	return float64(d.Round(100*time.Microsecond)) / float64(time.Millisecond)
}
