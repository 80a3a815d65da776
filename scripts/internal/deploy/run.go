package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/stacks"
)

// ErrNotFound is returned by Engine.Open for a stack the backend does not
// have when it was not to be created.
var ErrNotFound = workspace.ErrNotFound

// Engine opens stacks on the state backend.
type Engine interface {
	// Open opens a committed stack; with create, it is created on the
	// backend when missing, otherwise a missing stack is ErrNotFound.
	Open(ctx context.Context, st stacks.Stack, create bool) (Stack, error)
	// OpenThrowaway opens a committed stack that the backend does not have
	// on a throwaway local backend that holds read-only copies of the
	// stacks in copies, exported from the backend, for a preview: nothing
	// is written to the backend. The stack's Close removes the throwaway
	// backend.
	OpenThrowaway(ctx context.Context, st stacks.Stack, copies []workspace.Ref) (Stack, error)
	// Inventory lists a project's stacks on the backend with the number
	// of resources each holds.
	Inventory(ctx context.Context, project string) (map[string]int, error)
	// Export reads a stack's deployment from the backend (secrets
	// encrypted); nothing is written.
	Export(ctx context.Context, project, stack string) (json.RawMessage, error)
	// Describe says where state lives, for the log.
	Describe() string
	// Backend is the state backend's URL.
	Backend() string
}

// Stack is an opened stack.
type Stack interface {
	// Run runs one operation, streaming the engine's output, and returns
	// the resource changes by operation ("create", "same", ...).
	Run(ctx context.Context, op Op, o RunOptions) (map[string]int, error)
	// Close releases the stack's working folder.
	Close() error
}

// RunOptions are the options of one operation.
type RunOptions struct {
	// Progress and Errors receive the engine's stdout and stderr.
	Progress, Errors io.Writer
	// Events, if not nil, receives the engine events as newline-delimited
	// JSON.
	Events io.Writer
	// Diff, Refresh and ExpectNoChanges are the flags of the same names.
	Diff, Refresh, ExpectNoChanges bool
}

// StepError is a failed or refused step.
type StepError struct {
	Op      Op
	Project string
	Stack   string
	Err     error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("%s %s/%s: %v", e.Op, e.Project, e.Stack, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// Runner runs a plan.
type Runner struct {
	Engine Engine
	// Out receives progress; Err the engine's error output.
	Out, Err io.Writer
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Stop, once closed, lets the running step finish but starts no
	// other (the first interrupt).
	Stop <-chan struct{}
	// Pending, if set, reads the RDS pending modifications that a
	// preview with --json-dir records beside its events (pending.go).
	Pending PendingReader
	// Guard, if set, runs before each stack's operation: the lock check,
	// the checkpoint and the repair of pending operations (prepare.go).
	Guard *Guard

	// logFile, if set, receives the engine's output of the stack being
	// run instead of Out and Err (a stack run concurrently; parallel.go).
	logFile string
}

// ErrInterrupted marks a step that was not started after an interrupt.
var ErrInterrupted = errors.New("interrupted before it started")

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) logf(format string, args ...any) {
	// Progress lines are best effort: a closed stdout must not turn a
	// successful deployment into a failure.
	_, _ = fmt.Fprintf(r.Out, format+"\n", args...)
}

// Run runs the plan's stacks in order and stops at the first failure, since
// later stacks depend on earlier ones; with opts.Parallel above 1 an
// environment's database stacks run concurrently instead (runStacks). It
// returns one result per stack of the plan (those not reached are skipped)
// and a *StepError naming the step that failed or was refused, or
// StepErrors naming several.
func (r *Runner) Run(ctx context.Context, all []stacks.Stack, plan Plan, opts Options) ([]Result, error) {
	results := make([]Result, len(plan.Stacks))
	for i, st := range plan.Stacks {
		results[i] = Result{Project: st.Project, Stack: st.Name, Op: plan.Op, Status: StatusSkipped}
	}
	r.logf("deploy %s --env %s: %s", plan.Op, plan.Env, r.Engine.Describe())
	r.logf("deploy: order: %s", strings.Join(plan.Names(), ", "))

	err := r.preflight(ctx, all, plan)
	if err == nil {
		err = r.checkStorage(ctx, plan)
	}
	err = r.explainUnreadable(ctx, err, all, plan)
	if err != nil {
		status := StatusFailed
		var refusal *RefusalError
		if errors.As(err, &refusal) {
			status = StatusRefused
		}
		var se *StepError
		if errors.As(err, &se) {
			for i := range results {
				if results[i].Project == se.Project && results[i].Stack == se.Stack {
					results[i].Status = status
				}
			}
		}
		return results, err
	}
	if opts.JSONDir != "" {
		if err := os.MkdirAll(opts.JSONDir, 0o755); err != nil {
			return results, fmt.Errorf("--json-dir %s: %w", opts.JSONDir, err)
		}
	}

	return results, r.runStacks(ctx, all, plan, opts, results)
}

// preflight applies the checks that need the backend before anything runs:
// a network stack is not destroyed while database stacks outside the run
// still hold resources and reference it, and database stacks are not
// previewed or updated on their own before their network exists.
func (r *Runner) preflight(ctx context.Context, all []stacks.Stack, plan Plan) error {
	netRuns := plan.Runs(contract.NetworkProject, plan.Network.Name)
	dbAt := slices.IndexFunc(plan.Stacks, func(s stacks.Stack) bool { return s.Project == contract.DatabaseProject })
	switch {
	case plan.Op == Destroy && netRuns:
		inv, err := r.Engine.Inventory(ctx, contract.DatabaseProject)
		if err != nil {
			return &StepError{Op: Destroy, Project: contract.NetworkProject, Stack: plan.Network.Name, Err: fmt.Errorf("check for database stacks that use it: %w", err)}
		}
		skip := map[string]bool{}
		for _, st := range plan.Stacks {
			if st.Project == contract.DatabaseProject {
				skip[st.Name] = true
			}
		}
		if holders := Dependents(all, plan.Network, inv, skip); len(holders) > 0 {
			return &StepError{Op: Destroy, Project: contract.NetworkProject, Stack: plan.Network.Name, Err: networkRefusal(plan.Network, holders)}
		}
	case (plan.Op == Up || plan.Op == Preview) && !netRuns && dbAt >= 0:
		// A recovery network run on its own does not need the primary:
		// only database stacks read it.
		first := plan.Stacks[dbAt]
		inv, err := r.Engine.Inventory(ctx, contract.NetworkProject)
		if err != nil {
			return &StepError{Op: plan.Op, Project: first.Project, Stack: first.Name, Err: fmt.Errorf("check that network/%s is deployed: %w", plan.Network.Name, err)}
		}
		if inv[plan.Network.Name] == 0 {
			return &StepError{Op: plan.Op, Project: first.Project, Stack: first.Name, Err: fmt.Errorf(
				"its network stack network/%s is not deployed on this backend: run `deploy up --env %s --stack %s` first",
				plan.Network.Name, plan.Env, plan.Network.Name)}
		}
	}
	return nil
}

func (r *Runner) runOne(ctx context.Context, all []stacks.Stack, st stacks.Stack, plan Plan, opts Options) (res Result, err error) {
	res = Result{Project: st.Project, Stack: st.Name, Op: plan.Op, Status: StatusFailed, Ran: true, Log: r.logFile}
	label := st.Project + "/" + st.Name
	start := r.now()
	r.logf("--> %s %s (tier %s)", plan.Op, label, st.Tier)
	defer func() {
		res.Duration = r.now().Sub(start)
		detail := string(res.Status)
		if res.Status == StatusOK || res.Status == StatusFailed {
			detail += ", changes: " + FormatChanges(res.Changes)
		}
		detail += " in " + FormatDuration(res.Duration)
		if res.Status != StatusOK && res.Log != "" {
			detail += " (engine output: " + res.Log + ")"
		}
		r.logf("<-- %s %s: %s", plan.Op, label, detail)
	}()

	if plan.Op == Destroy && st.Project == contract.NetworkProject {
		// Checked again now that the run's own database stacks are gone.
		inv, err := r.Engine.Inventory(ctx, contract.DatabaseProject)
		if err != nil {
			return res, fmt.Errorf("check for database stacks that use it: %w", err)
		}
		if holders := Dependents(all, st, inv, nil); len(holders) > 0 {
			res.Status = StatusRefused
			return res, networkRefusal(st, holders)
		}
	}

	var stack Stack
	if plan.Op == Preview {
		stack, err = r.openForPreview(ctx, st, label)
	} else {
		stack, err = r.Engine.Open(ctx, st, plan.Op == Up)
	}
	var refusal *RefusalError
	switch {
	case errors.As(err, &refusal):
		res.Status = StatusRefused
		return res, err
	case errors.Is(err, ErrNotFound) && (plan.Op == Destroy || plan.Op == Repair):
		res.Status = StatusAbsent
		r.logf("[%s] not on the backend: nothing to %s", label, plan.Op)
		return res, nil
	case errors.Is(err, ErrNotFound):
		return res, fmt.Errorf("%w (deploy up creates it)", err)
	case err != nil:
		return res, err
	}
	defer func() {
		if cerr := stack.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()

	progress, errs, closeStreams, err := r.engineStreams(label)
	if err != nil {
		return res, err
	}
	ro := RunOptions{Progress: progress, Errors: errs, Diff: opts.Diff, Refresh: opts.Refresh, ExpectNoChanges: opts.ExpectNoChanges}
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	done, lease, perr := r.prepare(runCtx, stack, st, label, plan.Op, ro, cancelRun)
	defer func() {
		if lerr := lease.Stop(context.WithoutCancel(ctx)); lerr != nil && err == nil {
			err = lerr
		}
	}()
	if perr != nil || done {
		if cerr := closeStreams(); perr == nil && cerr != nil {
			perr = cerr
		}
		if perr == nil {
			res.Status = StatusOK
		}
		return res, perr
	}

	var events *os.File
	if opts.JSONDir != "" {
		file := filepath.Join(opts.JSONDir, st.Project+"-"+st.Name+".json")
		events, err = os.Create(file)
		if err != nil {
			return res, errors.Join(fmt.Errorf("--json-dir: %w", err), closeStreams())
		}
		ro.Events = events
	}

	changes, runErr := stack.Run(runCtx, plan.Op, ro)
	res.Changes = changes
	if cerr := closeStreams(); cerr != nil && runErr == nil {
		runErr = cerr
	}
	if events != nil {
		if cerr := events.Close(); cerr != nil && runErr == nil {
			runErr = fmt.Errorf("--json-dir: %w", cerr)
		}
	}
	if runErr != nil {
		return res, runErr
	}
	if events != nil && plan.Op == Preview && r.Pending != nil {
		if err := r.recordPending(ctx, st, label, events.Name()); err != nil {
			return res, err
		}
	}
	res.Status = StatusOK
	return res, nil
}

// openForPreview opens a stack for a preview without writing to the
// backend: a stack the backend has is opened there (a preview writes no
// state, history, lock or backup; see README); one it does not have yet is
// previewed on a throwaway local backend that holds read-only copies of the
// stacks its program references, so that neither a read-only role nor an
// unmerged pull request creates it. A stack whose referenced stacks are not
// deployed either is refused: its program could not read their outputs.
func (r *Runner) openForPreview(ctx context.Context, st stacks.Stack, label string) (Stack, error) {
	stack, err := r.Engine.Open(ctx, st, false)
	if !errors.Is(err, ErrNotFound) {
		return stack, err
	}
	copies, err := References(st)
	if err != nil {
		return nil, err
	}
	for _, ref := range copies {
		inv, err := r.Engine.Inventory(ctx, ref.Project)
		if err != nil {
			return nil, fmt.Errorf("new stack: check that %s, which it reads, is deployed: %w", ref, err)
		}
		if inv[ref.Stack] == 0 {
			return nil, &RefusalError{Op: Preview, Reason: fmt.Sprintf(
				"new stack: it reads %s, which is not deployed on %s either, so its preview cannot read the outputs it needs: "+
					"deploy %s first (a new environment's network goes in a pull request of its own, its database stacks in a later one)",
				ref, r.Engine.Backend(), ref)}
		}
	}
	r.logf("[%s] new stack: previewing in a throwaway backend; nothing is written to %s", label, r.Engine.Backend())
	return r.Engine.OpenThrowaway(ctx, st, copies)
}

// References lists the stacks a stack's program reads through a
// StackReference: a database stack reads its network, named by
// database:networkStack (<stack>, <project>/<stack> or
// <organization>/<project>/<stack>) or else the network of its environment;
// a network stack reads none.
func References(st stacks.Stack) ([]workspace.Ref, error) {
	if st.Project != contract.DatabaseProject {
		return nil, nil
	}
	ref, err := networkref.Of(st.Config, st.Environment)
	if err != nil {
		return nil, err
	}
	return []workspace.Ref{ref}, nil
}
