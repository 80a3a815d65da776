package restore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgplatform/platform/scripts/internal/cli"
)

// The two markers of a drill run.
const (
	// MarkerBefore is written before the restore target time: a restore
	// to the target must contain it.
	MarkerBefore = "before"
	// MarkerAfter is written after the target time: a restore to the
	// target must not contain it.
	MarkerAfter = "after"
)

// MarkerTable holds the drill's markers, one row per run and marker, in
// the application database. The rows are kept as the record of past drills.
const MarkerTable = "pgp_drill.restore_markers"

// Markers is what the drill does in a database: write markers, read the
// server clock, look the markers up. SQLMarkers implements it over a pgx
// connection; the tests use an in-memory fake.
type Markers interface {
	// Prepare creates the marker table if it does not exist.
	Prepare(ctx context.Context) error
	// Write commits a marker and returns the server time read after the
	// commit, an upper bound of the commit's timestamp.
	Write(ctx context.Context, run, marker string) (time.Time, error)
	// Now is the server's clock.
	Now(ctx context.Context) (time.Time, error)
	// Check looks up the markers of a run.
	Check(ctx context.Context, run string) (DataCheck, error)
	Close(ctx context.Context) error
}

// DataCheck is what a restored database holds of a run's markers.
type DataCheck struct {
	BeforePresent bool `json:"beforePresent"`
	AfterPresent  bool `json:"afterPresent"`
}

// Expect compares the check with a restore to a target between the two
// markers (wantAfter false) or after both (wantAfter true).
func (d DataCheck) Expect(wantAfter bool) error {
	var errs []error
	if !d.BeforePresent {
		errs = append(errs, errors.New("the marker written before the target time is missing: the restore lost committed data"))
	}
	if d.AfterPresent && !wantAfter {
		errs = append(errs, errors.New("the marker written after the target time is present: the restore did not stop at the target time"))
	}
	if !d.AfterPresent && wantAfter {
		errs = append(errs, errors.New("the second marker, written before this target time, is missing: the restore stopped early"))
	}
	return errors.Join(errs...)
}

// SQLMarkers runs the marker statements on a pgx connection.
type SQLMarkers struct {
	Conn *pgx.Conn
}

// Prepare creates the schema and table of the markers.
func (m SQLMarkers) Prepare(ctx context.Context) error {
	_, err := m.Conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS pgp_drill;
CREATE TABLE IF NOT EXISTS `+MarkerTable+` (
	run        text        NOT NULL,
	marker     text        NOT NULL CHECK (marker IN ('before', 'after')),
	written_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (run, marker)
);
COMMENT ON TABLE `+MarkerTable+` IS 'Markers written by restore-drill around its point-in-time restore target; kept as the record of past drills.'`)
	if err != nil {
		return fmt.Errorf("create %s: %w", MarkerTable, err)
	}
	return nil
}

// Write inserts a marker in its own transaction and reads the clock after
// the commit.
func (m SQLMarkers) Write(ctx context.Context, run, marker string) (time.Time, error) {
	if _, err := m.Conn.Exec(ctx, `INSERT INTO `+MarkerTable+` (run, marker) VALUES ($1, $2)`, run, marker); err != nil {
		return time.Time{}, fmt.Errorf("write marker %q of run %s: %w", marker, run, err)
	}
	return m.Now(ctx)
}

// Now reads clock_timestamp() on the server.
func (m SQLMarkers) Now(ctx context.Context) (time.Time, error) {
	var t time.Time
	if err := m.Conn.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&t); err != nil {
		return time.Time{}, fmt.Errorf("read the server clock: %w", err)
	}
	return t.UTC(), nil
}

// Check reads the markers of run. A database restored to before the table
// existed has no markers at all.
func (m SQLMarkers) Check(ctx context.Context, run string) (DataCheck, error) {
	var exists bool
	if err := m.Conn.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, MarkerTable).Scan(&exists); err != nil {
		return DataCheck{}, fmt.Errorf("look for %s: %w", MarkerTable, err)
	}
	if !exists {
		return DataCheck{}, nil
	}
	rows, err := m.Conn.Query(ctx, `SELECT marker FROM `+MarkerTable+` WHERE run = $1`, run)
	if err != nil {
		return DataCheck{}, fmt.Errorf("read the markers of run %s: %w", run, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return DataCheck{}, fmt.Errorf("read the markers of run %s: %w", run, err)
	}
	return DataCheck{
		BeforePresent: slices.Contains(found, MarkerBefore),
		AfterPresent:  slices.Contains(found, MarkerAfter),
	}, nil
}

// Close closes the connection.
func (m SQLMarkers) Close(ctx context.Context) error { return m.Conn.Close(ctx) }

// Sleeper waits; tests replace it with a fake clock.
type Sleeper func(ctx context.Context, d time.Duration) error

// Sleep waits for d or until ctx ends.
var Sleep Sleeper = cli.Sleep

// Timeline is when the markers of a run were written and the restore
// target between them.
type Timeline struct {
	Run string `json:"run"`
	// BeforeAt is the server time read right after the first marker's
	// commit.
	BeforeAt time.Time `json:"beforeWrittenAt"`
	// Target is the point-in-time restore target: whole seconds, at least
	// Gap after BeforeAt and before the second marker.
	Target time.Time `json:"targetTime"`
	// AfterAt is the server time read right after the second marker's
	// commit; the commit began after Target + Gap.
	AfterAt time.Time `json:"afterWrittenAt"`
}

// WriteMarkers writes the first marker, picks the target time gap after
// it, waits on the server's clock until gap past the target, and writes
// the second marker. Both times are the server's, the clock that stamps
// the commit records a restore stops at. gap must be at least 2s, since
// the target is rounded down to whole seconds.
func WriteMarkers(ctx context.Context, m Markers, run string, gap time.Duration, sleep Sleeper, progress func(string, ...any)) (Timeline, error) {
	if gap < 2*time.Second {
		return Timeline{}, fmt.Errorf("marker gap %s is too short: at least 2s, since restore targets are whole seconds", gap)
	}
	if sleep == nil {
		sleep = Sleep
	}
	tl := Timeline{Run: run}
	if err := m.Prepare(ctx); err != nil {
		return tl, err
	}
	var err error
	if tl.BeforeAt, err = m.Write(ctx, run, MarkerBefore); err != nil {
		return tl, err
	}
	tl.Target = tl.BeforeAt.Add(gap).Truncate(time.Second)
	progress("restore-drill: marker %q written at %s; restore target %s", MarkerBefore, stamp(tl.BeforeAt), stamp(tl.Target))
	until := tl.Target.Add(gap)
	for {
		now, err := m.Now(ctx)
		if err != nil {
			return tl, err
		}
		if now.After(until) {
			break
		}
		wait := min(until.Sub(now)+10*time.Millisecond, time.Second)
		if err := sleep(ctx, wait); err != nil {
			return tl, fmt.Errorf("wait past the target time: %w", err)
		}
	}
	if tl.AfterAt, err = m.Write(ctx, run, MarkerAfter); err != nil {
		return tl, err
	}
	progress("restore-drill: marker %q written at %s", MarkerAfter, stamp(tl.AfterAt))
	return tl, nil
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
