package deploy

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/pgplatform/platform/shared/stacks"
)

// syncWriter serialises writes from the CLI's stdout and stderr streams.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// prefixWriter writes every line it is given with a prefix, holding back a
// partial last line until it is completed or Flush is called. Progress is
// best effort: a failing output (a closed terminal) is remembered in err but
// never reported to the engine's streams, so it cannot fail a deployment.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
	err    error
}

func newPrefixWriter(w io.Writer, prefix string) *prefixWriter {
	return &prefixWriter{w: w, prefix: prefix}
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		p.emit(p.buf[:i+1])
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}

func (p *prefixWriter) emit(line []byte) {
	if p.err != nil {
		return
	}
	if _, err := fmt.Fprintf(p.w, "%s%s", p.prefix, line); err != nil {
		p.err = fmt.Errorf("write progress: %w", err)
	}
}

// Flush writes a pending partial line.
func (p *prefixWriter) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		p.emit(append(p.buf, '\n'))
		p.buf = nil
	}
}

// Status is how a stack's step ended.
type Status string

// The statuses.
const (
	StatusOK      Status = "ok"
	StatusFailed  Status = "failed"
	StatusRefused Status = "refused"
	// StatusAbsent: destroy of a stack the backend does not have.
	StatusAbsent Status = "absent"
	// StatusSkipped: not run because an earlier step failed or was refused.
	StatusSkipped Status = "skipped"
)

// Result is one row of the summary.
type Result struct {
	Project  string
	Stack    string
	Op       Op
	Status   Status
	Changes  map[string]int
	Duration time.Duration
	// Ran is false for a step that never started.
	Ran bool
	// Log is the file that holds the engine's output of a stack that ran
	// concurrently with others; empty when it was streamed.
	Log string
}

var opOrder = map[string]int{"create": 0, "update": 1, "replace": 2, "delete": 3, "same": 4}

// FormatChanges renders resource changes by operation, e.g. "create 3,
// same 2"; "-" if there are none.
func FormatChanges(changes map[string]int) string {
	var ops []string
	for op, n := range changes {
		if n > 0 {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return "-"
	}
	slices.SortFunc(ops, stacks.ByRank(opOrder))
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = fmt.Sprintf("%s %d", op, changes[op])
	}
	return strings.Join(parts, ", ")
}

// FormatDuration rounds a duration for people: tenths of a second under a
// minute, whole seconds above.
func FormatDuration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// WriteSummary writes the summary table.
func WriteSummary(w io.Writer, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if _, err := fmt.Fprintln(tw, "STACK\tSTEP\tRESULT\tCHANGES\tDURATION"); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	for _, r := range results {
		dur := "-"
		if r.Ran {
			dur = FormatDuration(r.Duration)
		}
		if _, err := fmt.Fprintf(tw, "%s/%s\t%s\t%s\t%s\t%s\n", r.Project, r.Stack, r.Op, r.Status, FormatChanges(r.Changes), dur); err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}
