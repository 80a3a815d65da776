package deploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"

	"github.com/pgplatform/platform/scripts/internal/proc"
)

// Heartbeats: the lock of a run on another host. The CLI's lock file
// names its holder's host and pid but is never refreshed, so on a shared
// (S3) backend a lock left by a runner that lost power cannot be told from
// one whose run is still creating an instance. Every deploy run that writes
// state therefore keeps a heartbeat record of its own beside the state,
// deploy-locks/<project>/<stack>/<run>.json: its host, pid, user,
// operation, start, the keys of the CLI lock files its engine holds, and
// the time of its last heartbeat, rewritten every HeartbeatEvery while the
// run lasts and removed when it ends.
//
// A lock held on another host is stale, and taken over without a person,
// only when a heartbeat record claims that lock file and its last heartbeat
// is older than StaleAfter (twenty refresh periods). A lock no record
// claims (a run of an older deploy tool, or of the pulumi CLI by hand) is
// never taken over: it stops the run with the manual step, as before.
//
// Why this is safe on S3. S3 gives strong read-after-write consistency for
// PUT, DELETE and LIST of every object (Amazon S3 User Guide, "Amazon S3
// data consistency model"), and a PUT with If-None-Match: * succeeds only
// when no object has that key, the first of concurrent ones winning (User
// Guide, "How to prevent object overwrites with conditional writes";
// gocloud.dev/blob WriterOptions.IfNotExist sends that header,
// s3blob.go). The takeover is a fence: the taker creates
// deploy-locks/<project>/<stack>/<run>.takeover with IfNotExist (so of two
// takers one wins, the other stops naming it), then reads the heartbeat
// again; the holder, at each heartbeat, first writes its record and then
// looks for that marker. Whichever order the two land in, one of them sees
// the other: a taker that sees a newer heartbeat backs off (the holder is
// alive), a holder that sees the marker cancels its operation at once. Only
// then does the taker delete the CLI's lock file and the record, and the CLI
// takes the stack's lock its own way (write, then list: backend/diy/lock.go,
// Lock). A holder that could not write its heartbeat for StaleAfter/2 (a
// lost connection, or a process suspended and resumed) stops its operation
// itself without writing again, well before a taker may act.
//
// The bound compares the taker's clock with the holder's heartbeat and the
// record's last-modified time (the later of the two): hosts' clocks must
// agree to well within StaleAfter (NTP keeps them within a second).

// The heartbeat's timing.
const (
	// HeartbeatEvery is how often a run rewrites its heartbeat once its
	// engine holds the lock; until then it looks for that lock every
	// heartbeatClaimEvery.
	HeartbeatEvery      = 30 * time.Second
	heartbeatClaimEvery = 2 * time.Second
	// StaleAfter is how old a heartbeat must be for its run to be taken
	// as gone.
	StaleAfter = 10 * time.Minute
	// markerKeep is how long a takeover marker is kept as evidence for a
	// holder that might resume.
	markerKeep = 24 * time.Hour
)

// leasePrefix is the key prefix of a stack's heartbeat records.
func leasePrefix(project, stack string) string {
	return path.Join("deploy-locks", project, stack) + "/"
}

// Heartbeat is a run's record.
type Heartbeat struct {
	Run        string    `json:"run"`
	Host       string    `json:"host"`
	PID        int       `json:"pid"`
	User       string    `json:"user"`
	Op         Op        `json:"op"`
	Started    time.Time `json:"started"`
	Beat       time.Time `json:"heartbeat"`
	StaleAfter string    `json:"staleAfter"`
	// Locks are the keys of the CLI lock files its engine holds or held.
	Locks []string `json:"locks"`
}

func (h Heartbeat) String() string {
	return fmt.Sprintf("deploy pid %d of %s@%s (%s, started %s, last heartbeat %s)", h.PID, h.User, h.Host, h.Op,
		h.Started.UTC().Format(time.RFC3339), h.Beat.UTC().Format(time.RFC3339))
}

// beatRecord is a record as read: its key, and when the bucket last wrote it.
type beatRecord struct {
	Heartbeat
	Key     string
	ModTime time.Time
}

// last is the later of the record's heartbeat and its write time.
func (r beatRecord) last() time.Time {
	if r.ModTime.After(r.Beat) {
		return r.ModTime
	}
	return r.Beat
}

func (r beatRecord) staleAfter() time.Duration {
	d, err := time.ParseDuration(r.StaleAfter)
	if err != nil || d < StaleAfter {
		return StaleAfter
	}
	return d
}

// readHeartbeats reads a stack's heartbeat records.
func readHeartbeats(ctx context.Context, b *Backend, project, stack string) ([]beatRecord, error) {
	objs, err := listKeys(ctx, b.Bucket, leasePrefix(project, stack))
	if err != nil {
		return nil, err
	}
	var out []beatRecord
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, ".json") {
			continue
		}
		r, err := readHeartbeat(ctx, b, o.Key)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func readHeartbeat(ctx context.Context, b *Backend, key string) (beatRecord, error) {
	r := beatRecord{Key: key}
	data, err := b.Bucket.ReadAll(ctx, key)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r.Heartbeat); err != nil {
		return r, fmt.Errorf("the heartbeat record %s cannot be read: %w", b.Where(key), err)
	}
	if a, err := b.Bucket.Attributes(ctx, key); err == nil {
		r.ModTime = a.ModTime
	}
	return r, nil
}

// covering is the record that claims a lock file, if any.
func covering(records []beatRecord, lockKey string) *beatRecord {
	for i := range records {
		if slices.Contains(records[i].Locks, lockKey) {
			return &records[i]
		}
	}
	return nil
}

// judge says whether the run of a record still beats, with the evidence.
func (r beatRecord) judge(now time.Time) (Liveness, string) {
	age := now.Sub(r.last()).Round(time.Second)
	if age <= r.staleAfter() {
		return HolderAlive, fmt.Sprintf("its run, %s, beat %s ago (stale only after %s)", r.Heartbeat, age, r.staleAfter())
	}
	return HolderStale, fmt.Sprintf("its run, %s, has not beaten for %s, more than %s: it is gone", r.Heartbeat, age, r.staleAfter())
}

// takeOver fences a stale run off and removes its lock: see above. It
// returns a *LockedError when the holder turns out to be alive or another
// run takes it over first.
func takeOver(ctx context.Context, b *Backend, project, stack string, h LockHolder, rec beatRecord, taker string) error {
	marker := strings.TrimSuffix(rec.Key, ".json") + ".takeover"
	claim, _ := json.Marshal(map[string]string{"by": taker, "lock": h.Key})
	err := b.Bucket.WriteAll(ctx, marker, claim, &blob.WriterOptions{IfNotExist: true, ContentType: "application/json"})
	if isPreconditionFailed(err) {
		return &LockedError{Project: project, Stack: stack, Holders: []LockHolder{h},
			Evidence: []string{"stale, but another run is taking it over now (" + b.Where(marker) + " exists)"}}
	}
	if err != nil {
		return fmt.Errorf("take over the stale lock %s: claim it: %w", h.File, err)
	}
	again, err := readHeartbeat(ctx, b, rec.Key)
	switch {
	case isNotFound(err):
		// The holder ended and removed its record meanwhile.
	case err != nil:
		return fmt.Errorf("take over the stale lock %s: read its heartbeat again: %w", h.File, err)
	case !again.Beat.Equal(rec.Beat) || !again.ModTime.Equal(rec.ModTime):
		_ = b.Bucket.Delete(ctx, marker)
		return &LockedError{Project: project, Stack: stack, Holders: []LockHolder{h},
			Evidence: []string{fmt.Sprintf("alive: its run beat again while this run was taking it over (%s)", again.Heartbeat)}}
	}
	if err := b.Bucket.Delete(ctx, h.Key); err != nil && !isNotFound(err) {
		return fmt.Errorf("take over the stale lock %s: %w", h.File, err)
	}
	if err := b.Bucket.Delete(ctx, rec.Key); err != nil && !isNotFound(err) {
		return fmt.Errorf("take over the stale lock %s: remove its heartbeat record: %w", h.File, err)
	}
	return nil
}

// Lease is a run's heartbeat while it holds a stack.
type Lease struct {
	b              *Backend
	key, marker    string
	prefix         string
	project, stack string
	rec            Heartbeat
	mine           func(LockHolder) bool
	now            func() time.Time
	every, claim   time.Duration
	staleAfter     time.Duration
	onLost         func(reason string)
	stop, finished chan struct{}
	once           sync.Once
	// mu guards rec, lastOK and now between the loop and a direct Beat.
	mu     sync.Mutex
	lastOK time.Time
}

// LeaseOptions are a lease's knobs; the zero value is the real timing and
// this host.
type LeaseOptions struct {
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Every, Claim and StaleAfter override HeartbeatEvery,
	// heartbeatClaimEvery and StaleAfter (tests).
	Every, Claim, StaleAfter time.Duration
	// Mine says whether a CLI lock file is held by this run's engine; by
	// default, one of this host whose pid is a child of this process.
	Mine func(LockHolder) bool
	// Host is this host's name.
	Host string
}

// StartLease writes a run's heartbeat record for a stack and keeps it
// fresh until Stop; onLost is called (once) if the run is taken over or
// cannot keep its heartbeat, and must stop the run's operation.
func StartLease(ctx context.Context, b *Backend, project, stack string, op Op, o LeaseOptions, onLost func(reason string)) (*Lease, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Every == 0 {
		o.Every = HeartbeatEvery
	}
	if o.Claim == 0 {
		o.Claim = heartbeatClaimEvery
	}
	if o.StaleAfter == 0 {
		o.StaleAfter = StaleAfter
	}
	pid := os.Getpid()
	if o.Mine == nil {
		host := o.Host
		o.Mine = func(h LockHolder) bool {
			if h.Hostname != host {
				return false
			}
			children, err := proc.Children(pid)
			if err != nil {
				return false
			}
			return slices.ContainsFunc(children, func(c proc.Process) bool { return c.Pid == h.PID })
		}
	}
	var id [6]byte
	_, _ = rand.Read(id[:])
	run := fmt.Sprintf("%s-%d-%s", o.Host, pid, hex.EncodeToString(id[:]))
	username := ""
	if u, err := user.Current(); err == nil {
		username = u.Username
	}
	now := o.Now()
	l := &Lease{
		b: b, prefix: leasePrefix(project, stack), project: project, stack: stack,
		key:    leasePrefix(project, stack) + run + ".json",
		marker: leasePrefix(project, stack) + run + ".takeover",
		rec: Heartbeat{Run: run, Host: o.Host, PID: pid, User: username, Op: op, Started: now, Beat: now,
			StaleAfter: o.StaleAfter.String(), Locks: []string{}},
		mine: o.Mine, now: o.Now, every: o.Every, claim: o.Claim, staleAfter: o.StaleAfter, onLost: onLost,
		stop: make(chan struct{}), finished: make(chan struct{}), lastOK: time.Now(),
	}
	if err := l.write(ctx, &blob.WriterOptions{IfNotExist: true, ContentType: "application/json"}); err != nil {
		return nil, fmt.Errorf("write the run's heartbeat %s: %w", b.Where(l.key), err)
	}
	l.pruneMarkers(ctx)
	go l.loop(context.WithoutCancel(ctx))
	return l, nil
}

// Key is the record's key.
func (l *Lease) Key() string { return l.key }

func (l *Lease) write(ctx context.Context, opts *blob.WriterOptions) error {
	data, err := json.MarshalIndent(l.rec, "", "  ")
	if err != nil {
		return err
	}
	return l.b.Bucket.WriteAll(ctx, l.key, data, opts)
}

func (l *Lease) loop(ctx context.Context) {
	defer close(l.finished)
	for {
		l.mu.Lock()
		wait := l.every
		if len(l.rec.Locks) == 0 {
			wait = l.claim
		}
		l.mu.Unlock()
		select {
		case <-l.stop:
			return
		case <-time.After(wait):
		}
		if reason := l.Beat(ctx); reason != "" {
			l.onLost(reason)
			return
		}
	}
}

// Beat claims the engine's lock files, rewrites the heartbeat and checks
// for a takeover; it returns why the run must stop, "" to go on.
func (l *Lease) Beat(ctx context.Context) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if since := time.Since(l.lastOK); since > l.staleAfter/2 {
		return fmt.Sprintf("its heartbeat could not be written for %s (more than half of %s), so another run may take the stack over", since.Round(time.Second), l.staleAfter)
	}
	if holders, err := ReadLocks(ctx, l.b, l.project, l.stack); err == nil {
		for _, h := range holders {
			if h.Key != "" && l.mine(h) && !slices.Contains(l.rec.Locks, h.Key) {
				l.rec.Locks = append(l.rec.Locks, h.Key)
			}
		}
	}
	ok, err := l.b.Bucket.Exists(ctx, l.key)
	if err != nil {
		return "" // try again at the next heartbeat
	}
	if !ok {
		return "its heartbeat record " + l.b.Where(l.key) + " was removed: another run took the stack over"
	}
	l.rec.Beat = l.now()
	if err := l.write(ctx, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return ""
	}
	l.lastOK = time.Now()
	if taken, err := l.b.Bucket.Exists(ctx, l.marker); err == nil && taken {
		return "another run took the stack over (" + l.b.Where(l.marker) + ")"
	}
	return ""
}

// pruneMarkers removes the stack's takeover markers, and the records of
// other runs, last written more than markerKeep ago: a run that lives
// rewrites its record every HeartbeatEvery and stops itself after
// StaleAfter/2 without one, so such a record is a run killed long ago
// whose lock was already taken over.
func (l *Lease) pruneMarkers(ctx context.Context) {
	objs, err := listKeys(ctx, l.b.Bucket, l.prefix)
	if err != nil {
		return
	}
	for _, o := range objs {
		if o.Key != l.key && l.now().Sub(o.ModTime) > markerKeep {
			_ = l.b.Bucket.Delete(ctx, o.Key)
		}
	}
}

// forgetClaims removes the records that claim a lock taken over from a run
// of this host that is gone.
func forgetClaims(ctx context.Context, b *Backend, project, stack, lockKey string) {
	records, err := readHeartbeats(ctx, b, project, stack)
	if err != nil {
		return
	}
	for _, r := range records {
		if slices.Contains(r.Locks, lockKey) {
			_ = b.Bucket.Delete(ctx, r.Key)
		}
	}
}

// Stop ends the heartbeat and removes the record (and a takeover marker
// aimed at this run).
func (l *Lease) Stop(ctx context.Context) error {
	if l == nil {
		return nil
	}
	var err error
	l.once.Do(func() {
		close(l.stop)
		<-l.finished
		if derr := l.b.Bucket.Delete(ctx, l.key); derr != nil && !isNotFound(derr) {
			err = fmt.Errorf("remove the run's heartbeat %s: %w", l.b.Where(l.key), derr)
		}
		_ = l.b.Bucket.Delete(ctx, l.marker)
	})
	return err
}
