package pglocal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LSN is a write-ahead log position (pg_lsn), as a byte offset.
type LSN uint64

// ParseLSN parses the text form of a pg_lsn, "16/B374D848".
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("LSN %q: want the form X/Y in hexadecimal", s)
	}
	h, err := strconv.ParseUint(hi, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("LSN %q: %w", s, err)
	}
	l, err := strconv.ParseUint(lo, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("LSN %q: %w", s, err)
	}
	return LSN(h<<32 | l), nil
}

// String is the pg_lsn text form.
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xFFFFFFFF) }

// WALPosition is how far a standby has come: what it has received (and
// flushed) by streaming, and what it has replayed.
type WALPosition struct {
	// Received is pg_last_wal_receive_lsn(); zero when the standby has not
	// streamed (the function returns NULL then).
	Received LSN
	// Replayed is pg_last_wal_replay_lsn().
	Replayed LSN
}

// Position reads a standby's received and replayed WAL positions
// (https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-RECOVERY-INFO-TABLE).
func (s *Server) Position(ctx context.Context) (WALPosition, error) {
	conn, err := s.Connect(ctx)
	if err != nil {
		return WALPosition{}, err
	}
	defer conn.Close(context.Background())
	var inRecovery bool
	var recv, replay *string
	if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery(), pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text").Scan(&inRecovery, &recv, &replay); err != nil {
		return WALPosition{}, fmt.Errorf("read the WAL position of %s: %w", s.Name, err)
	}
	if !inRecovery {
		return WALPosition{}, fmt.Errorf("%s is not a standby (pg_is_in_recovery() is false)", s.Name)
	}
	var p WALPosition
	if recv != nil {
		if p.Received, err = ParseLSN(*recv); err != nil {
			return WALPosition{}, fmt.Errorf("%s: pg_last_wal_receive_lsn: %w", s.Name, err)
		}
	}
	if replay != nil {
		if p.Replayed, err = ParseLSN(*replay); err != nil {
			return WALPosition{}, fmt.Errorf("%s: pg_last_wal_replay_lsn: %w", s.Name, err)
		}
	}
	return p, nil
}

// StopReceiving makes a standby stop streaming from its primary: it clears
// primary_conninfo and waits until the WAL receiver has gone. The standby
// keeps what it has and stays in recovery; it receives nothing more until
// Follow. pg_basebackup -R wrote primary_conninfo to postgresql.auto.conf,
// which is read after pglocal.conf, so it is changed with ALTER SYSTEM; a
// reload is enough since PostgreSQL 13, which restarts the WAL receiver
// when primary_conninfo changes
// (https://www.postgresql.org/docs/15/runtime-config-replication.html#GUC-PRIMARY-CONNINFO).
func (s *Server) StopReceiving(ctx context.Context) error {
	if err := s.setConninfo(ctx, ""); err != nil {
		return err
	}
	return s.waitReceiver(ctx, false)
}

// Follow points a standby at primary (which may itself still be a standby:
// PostgreSQL then cascades) and waits until its WAL receiver streams from
// it. A standby that is behind a promoted server follows it onto its new
// timeline (recovery_target_timeline defaults to 'latest').
func (s *Server) Follow(ctx context.Context, primary *Server) error {
	if err := s.setConninfo(ctx, fmt.Sprintf("host=127.0.0.1 port=%d user=%s application_name=%s", primary.Port, Superuser, s.Name)); err != nil {
		return err
	}
	return s.waitReceiver(ctx, true)
}

func (s *Server) setConninfo(ctx context.Context, conninfo string) error {
	conn, err := s.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	// ALTER SYSTEM takes no parameters; the value is a quoted literal.
	lit := "'" + strings.ReplaceAll(conninfo, "'", "''") + "'"
	if _, err := conn.Exec(ctx, "ALTER SYSTEM SET primary_conninfo = "+lit); err != nil {
		return fmt.Errorf("set primary_conninfo on %s: %w", s.Name, err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("reload %s: %w", s.Name, err)
	}
	return nil
}

// waitReceiver waits (up to 10 s) until the standby's WAL receiver is
// streaming (want true) or gone (want false).
func (s *Server) waitReceiver(ctx context.Context, want bool) error {
	conn, err := s.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'").Scan(&n); err != nil {
			return fmt.Errorf("query pg_stat_wal_receiver on %s: %w", s.Name, err)
		}
		if want == (n > 0) {
			return nil
		}
		if time.Now().After(deadline) {
			if want {
				return fmt.Errorf("the WAL receiver of %s is not streaming 10s after primary_conninfo was set\n%s", s.Name, s.LogTail(10))
			}
			return fmt.Errorf("the WAL receiver of %s is still running 10s after primary_conninfo was cleared", s.Name)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the WAL receiver of %s: %w", s.Name, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Election is the outcome of PromoteMostAdvanced.
type Election struct {
	// Promoted is the standby that was promoted.
	Promoted *Server
	// Positions are every candidate's WAL positions when they were
	// compared, by server name.
	Positions map[string]WALPosition
	// Repointed are the other standbys, now streaming from Promoted.
	Repointed []*Server
	// CaughtUp is how long the candidates took to replay what they had
	// received; Promote and Repoint how long, from the end of that, the
	// winner took to be promoted and the others to stream from it (the two
	// run side by side).
	CaughtUp, Repoint, Promote time.Duration
}

// replayCatchUp bounds how long PromoteMostAdvanced waits for a standby to
// replay the WAL it has already received.
const replayCatchUp = 10 * time.Second

// replayStill is how long a standby's replay position must stay put, short
// of its receive position, to count as having replayed all it can.
const replayStill = 100 * time.Millisecond

// PromoteMostAdvanced is the failover step of a cluster whose primary is
// gone: it promotes the standby that has replayed the most WAL, and points
// the other standbys at it.
//
// A commit acknowledged under synchronous_commit=on is flushed on the
// synchronous standbys, not necessarily replayed there
// (https://www.postgresql.org/docs/15/runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT),
// and a promoted standby first replays everything it has received. So the
// replay positions are compared only after each standby has replayed what
// it received (pg_last_wal_replay_lsn() has reached
// pg_last_wal_receive_lsn(), or stopped short of it at a record the crash
// cut off); compared earlier, a standby that received more but replayed
// less could lose the election and its WAL with it. Ties go to the first
// candidate.
//
// The other standbys are repointed while the winner is promoted: one that
// starts streaming from it before the promotion follows it onto its new
// timeline as a cascading standby ("If an upstream standby server is
// promoted to become the new primary, downstream servers will continue to
// stream from the new primary if recovery_target_timeline is set to
// 'latest' (the default)",
// https://www.postgresql.org/docs/15/warm-standby.html#CASCADING-REPLICATION),
// one that starts after reads the timeline's history from it. Either way a standby whose replay position is
// at or behind the winner's can follow it, one ahead could not, and the
// election rules that out. A promoted server whose
// synchronous_standby_names names them does not acknowledge a commit until
// one of them streams again, so repointing at once shortens the outage.
func PromoteMostAdvanced(ctx context.Context, candidates ...*Server) (*Election, error) {
	if len(candidates) == 0 {
		return nil, errors.New("PromoteMostAdvanced: no standby to promote")
	}
	e := &Election{Positions: map[string]WALPosition{}}
	start := time.Now()
	// The candidates catch up side by side.
	positions := make([]WALPosition, len(candidates))
	errs := make([]error, len(candidates))
	var wg sync.WaitGroup
	for i, s := range candidates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			positions[i], errs[i] = s.caughtUp(ctx)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i, s := range candidates {
		e.Positions[s.Name] = positions[i]
		if e.Promoted == nil || positions[i].Replayed > e.Positions[e.Promoted.Name].Replayed {
			e.Promoted = s
		}
	}
	e.CaughtUp = time.Since(start)

	// Repoint the others and promote the winner side by side: a standby
	// that starts streaming from the winner before its promotion follows it
	// onto the new timeline, one that starts after reads the new timeline's
	// history from it.
	start = time.Now()
	var others []*Server
	for _, s := range candidates {
		if s != e.Promoted {
			others = append(others, s)
		}
	}
	errs = make([]error, len(others))
	for i, s := range others {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Follow(ctx, e.Promoted); err != nil {
				errs[i] = fmt.Errorf("repoint %s at %s: %w", s.Name, e.Promoted.Name, err)
			}
		}()
	}
	promoteErr := e.Promoted.Promote()
	e.Promote = time.Since(start)
	wg.Wait()
	e.Repoint = time.Since(start)
	if err := errors.Join(append(errs, promoteErr)...); err != nil {
		return nil, err
	}
	e.Repointed = others
	return e, nil
}

// caughtUp waits until the standby has replayed the WAL it received and
// returns its position then. Done is when the replay position has reached
// the receive position, or has not moved for replayStill: the received WAL
// can end inside a record (the primary stopped in the middle of sending
// it), which is never replayed, so the two need not meet.
func (s *Server) caughtUp(ctx context.Context) (WALPosition, error) {
	deadline := time.Now().Add(replayCatchUp)
	var last WALPosition
	lastMoved := time.Now()
	for first := true; ; first = false {
		p, err := s.Position(ctx)
		if err != nil {
			return p, err
		}
		if p.Replayed >= p.Received {
			return p, nil
		}
		if first || p.Replayed != last.Replayed {
			last, lastMoved = p, time.Now()
		} else if time.Since(lastMoved) >= replayStill {
			return p, nil
		}
		if time.Now().After(deadline) {
			return p, fmt.Errorf("%s has replayed up to %s but received up to %s, and is still replaying after %s", s.Name, p.Replayed, p.Received, replayCatchUp)
		}
		select {
		case <-ctx.Done():
			return p, fmt.Errorf("wait for %s to replay its WAL: %w", s.Name, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
