package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Programs are the Pulumi programs the tool runs inline, by project.
type Programs struct {
	Network  pulumi.RunFunc
	Database pulumi.RunFunc
}

// For returns the program of a project.
func (p Programs) For(project string) (pulumi.RunFunc, error) {
	var fn pulumi.RunFunc
	switch project {
	case contract.NetworkProject:
		fn = p.Network
	case contract.DatabaseProject:
		fn = p.Database
	default:
		return nil, fmt.Errorf("no program for project %q (projects: %s, %s)", project, contract.NetworkProject, contract.DatabaseProject)
	}
	if fn == nil {
		return nil, fmt.Errorf("no program wired for project %q", project)
	}
	return fn, nil
}

// autoEngine is the Engine of the Automation API with the pinned CLI.
type autoEngine struct {
	settings workspace.Settings
	cmd      auto.PulumiCommand
	programs Programs
}

// NewEngine returns the Automation API engine: the programs run inline with
// the pinned CLI at <root>/bin/pulumi against the settings' backend.
func NewEngine(settings workspace.Settings, programs Programs) (Engine, error) {
	for _, p := range []string{contract.NetworkProject, contract.DatabaseProject} {
		if _, err := programs.For(p); err != nil {
			return nil, err
		}
	}
	cmd, err := settings.Command()
	if err != nil {
		return nil, err
	}
	return &autoEngine{settings: settings, cmd: cmd, programs: programs}, nil
}

func (e *autoEngine) Describe() string { return e.settings.Describe() }

func (e *autoEngine) Open(ctx context.Context, st stacks.Stack, create bool) (Stack, error) {
	program, err := e.programs.For(st.Project)
	if err != nil {
		return nil, err
	}
	s, err := e.settings.Open(ctx, e.cmd, st, program, create)
	if err != nil {
		if errors.Is(err, workspace.ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("open the stack on the backend: %w", condense(err, nil))
	}
	return &autoStack{ws: s}, nil
}

func (e *autoEngine) Backend() string { return e.settings.BackendURL }

func (e *autoEngine) OpenThrowaway(ctx context.Context, st stacks.Stack, copies []workspace.Ref) (Stack, error) {
	program, err := e.programs.For(st.Project)
	if err != nil {
		return nil, err
	}
	tb, err := e.settings.NewThrowaway(ctx, e.cmd, copies)
	if err != nil {
		return nil, fmt.Errorf("new stack: prepare its throwaway backend: %w", err)
	}
	s, err := tb.Settings.Open(ctx, e.cmd, st, program, true)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("new stack: open it on the throwaway backend: %w", condense(err, nil)), tb.Close())
	}
	return &autoStack{ws: s, throwaway: tb}, nil
}

func (e *autoEngine) Inventory(ctx context.Context, project string) (map[string]int, error) {
	inv, err := e.settings.Inventory(ctx, e.cmd, project)
	if err != nil {
		return nil, fmt.Errorf("list the %s stacks on the backend: %w", project, condense(err, nil))
	}
	return inv, nil
}

func (e *autoEngine) Export(ctx context.Context, project, stack string) (json.RawMessage, error) {
	dep, err := e.settings.Export(ctx, e.cmd, project, stack)
	if err != nil {
		return nil, fmt.Errorf("export %s/%s from the backend: %w", project, stack, condense(err, nil))
	}
	return dep, nil
}

type autoStack struct {
	ws *workspace.Stack
	// throwaway, if not nil, is the throwaway backend the stack was
	// opened on, removed by Close.
	throwaway *workspace.Throwaway
}

func (s *autoStack) Close() error {
	err := s.ws.Close()
	if s.throwaway != nil {
		err = errors.Join(err, s.throwaway.Close())
	}
	return err
}

func (s *autoStack) Run(ctx context.Context, op Op, o RunOptions) (map[string]int, error) {
	if op != Preview && op != Up && op != Refresh && op != Destroy {
		return nil, fmt.Errorf("unknown operation %q", op)
	}
	col := newCollector(o.Events)
	var err error
	switch op {
	case Preview:
		opts := []optpreview.Option{optpreview.ProgressStreams(o.Progress), optpreview.ErrorProgressStreams(o.Errors), optpreview.EventStreams(col.ch)}
		if o.Diff {
			opts = append(opts, optpreview.Diff())
		}
		if o.Refresh {
			opts = append(opts, optpreview.Refresh())
		}
		if o.ExpectNoChanges {
			opts = append(opts, optpreview.ExpectNoChanges())
		}
		_, err = s.ws.Preview(ctx, opts...)
	case Up:
		opts := []optup.Option{optup.ProgressStreams(o.Progress), optup.ErrorProgressStreams(o.Errors), optup.EventStreams(col.ch)}
		if o.Diff {
			opts = append(opts, optup.Diff())
		}
		if o.Refresh {
			opts = append(opts, optup.Refresh())
		}
		if o.ExpectNoChanges {
			opts = append(opts, optup.ExpectNoChanges())
		}
		_, err = s.ws.Up(ctx, opts...)
	case Refresh:
		opts := []optrefresh.Option{optrefresh.ProgressStreams(o.Progress), optrefresh.ErrorProgressStreams(o.Errors), optrefresh.EventStreams(col.ch)}
		if o.Diff {
			opts = append(opts, optrefresh.Diff())
		}
		if o.ExpectNoChanges {
			opts = append(opts, optrefresh.ExpectNoChanges())
		}
		_, err = s.ws.Refresh(ctx, opts...)
	case Destroy:
		opts := []optdestroy.Option{optdestroy.ProgressStreams(o.Progress), optdestroy.ErrorProgressStreams(o.Errors), optdestroy.EventStreams(col.ch)}
		if o.Diff {
			opts = append(opts, optdestroy.Diff())
		}
		if o.Refresh {
			opts = append(opts, optdestroy.Refresh())
		}
		_, err = s.ws.Destroy(ctx, opts...)
	}
	changes, diags, werr := col.finish(err == nil)
	if err != nil {
		if ctx.Err() != nil {
			return changes, fmt.Errorf("interrupted: %w", ctx.Err())
		}
		return changes, condense(err, diags)
	}
	if werr != nil {
		return changes, fmt.Errorf("--json-dir: %w", werr)
	}
	return changes, nil
}

// collector reads the engine events of one operation: it writes them as
// newline-delimited JSON when asked, keeps the change summary and the
// error diagnostics.
type collector struct {
	ch   chan events.EngineEvent
	done chan struct{}

	mu      sync.Mutex
	stopped bool
	enc     *json.Encoder
	werr    error
	changes map[string]int
	diags   []string
}

func newCollector(w io.Writer) *collector {
	c := &collector{ch: make(chan events.EngineEvent), done: make(chan struct{})}
	if w != nil {
		c.enc = json.NewEncoder(w)
	}
	go func() {
		defer close(c.done)
		for ev := range c.ch {
			c.add(ev)
		}
	}()
	return c
}

func (c *collector) add(ev events.EngineEvent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || ev.Error != nil {
		return
	}
	if c.enc != nil && c.werr == nil {
		c.werr = c.enc.Encode(ev.EngineEvent)
	}
	if s := ev.SummaryEvent; s != nil {
		c.changes = map[string]int{}
		for op, n := range s.ResourceChanges {
			c.changes[string(op)] = n
		}
	}
	if d := ev.DiagnosticEvent; d != nil && d.Severity == "error" {
		msg := oneLine(colorTags.ReplaceAllString(d.Message, ""))
		if name := urnName(d.URN); name != "" && msg != "" {
			msg = name + ": " + msg
		}
		if msg != "" {
			c.diags = append(c.diags, msg)
		}
	}
}

// finish waits for the event stream to end. The Automation API closes it
// when the engine finishes; after a failure that happened before the
// engine started it may never be closed, so then the wait is short.
func (c *collector) finish(ok bool) (map[string]int, []string, error) {
	if ok {
		<-c.done
	} else {
		select {
		case <-c.done:
		case <-time.After(streamGrace):
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	return c.changes, c.diags, c.werr
}

// streamGrace is how long a failed operation waits for the rest of its
// events.
var streamGrace = time.Second

var colorTags = regexp.MustCompile(`<\{%[^%]*%\}>`)

// urnName is the resource name at the end of a URN
// (urn:pulumi:<stack>::<project>::<type>::<name>).
func urnName(urn string) string {
	if urn == "" {
		return ""
	}
	parts := strings.Split(urn, "::")
	return parts[len(parts)-1]
}

// oneLine collapses a multi-line message (such as "1 error occurred:\n\t*
// cause") onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// causeError is an engine failure told in a line or two: the engine's
// output has already been streamed, so the full text is not repeated.
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }

// condense shortens an Automation API error (which carries the CLI's whole
// stdout and stderr) to its cause: the engine's error diagnostics if any,
// else the "error:" lines of the CLI's stderr, else its first line.
func condense(err error, diags []string) error {
	if len(diags) > 0 {
		const max = 3
		msg := strings.Join(diags[:min(len(diags), max)], "; ")
		if len(diags) > max {
			msg += fmt.Sprintf(" (and %d more errors above)", len(diags)-max)
		}
		return &causeError{msg: msg, err: err}
	}
	text := err.Error()
	var lines []string
	if _, stderr, ok := strings.Cut(text, "\nstderr: "); ok {
		for _, l := range strings.Split(stderr, "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, "error:") {
				lines = append(lines, oneLine(strings.TrimPrefix(l, "error:")))
			} else if strings.Contains(l, ": created by ") && len(lines) > 0 {
				// The holder of a lock, on the lines after the CLI's
				// "the stack is currently locked" (backend/diy/lock.go).
				lines[len(lines)-1] += "; " + oneLine(l)
			}
		}
	}
	if len(lines) == 0 {
		first, _, _ := strings.Cut(text, "\n")
		lines = []string{strings.TrimSpace(first)}
	}
	return &causeError{msg: strings.Join(lines, "; "), err: err}
}
