package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/stacks"
)

// The operations of repair.go and checkpoint.go.
const (
	// Repair resolves a stack's pending operations and does nothing else.
	Repair Op = "repair"
	// RestoreState puts a checkpoint back as a stack's state.
	RestoreState Op = "restore-state"
)

// StateEngine is what the guard needs of the engine besides Engine: a
// stack's whole exported state, and writing one back.
type StateEngine interface {
	// ExportState returns `pulumi stack export` of a stack (secrets
	// encrypted); ErrNotFound when the backend does not have it.
	ExportState(ctx context.Context, project, stack string) ([]byte, error)
	// ImportState replaces a stack's state (`pulumi stack import`).
	ImportState(ctx context.Context, project, stack string, state []byte) error
}

// Guard is what runs before each stack's operation: the lock check, the
// checkpoint, and the repair of pending operations (see README, "When a
// deploy is interrupted").
type Guard struct {
	// Env is the environment, for the commands the messages name.
	Env string
	// Finder looks pending creates up in AWS; nil stops on every one.
	// NewFinder, if set, is used instead, per stack.
	Finder    Finder
	NewFinder func(st stacks.Stack) Finder
	// Processes answers whether a lock's holder still runs; this host's
	// if nil.
	Processes Processes
	// CheckpointRoot is where checkpoints go (CheckpointRoot()).
	CheckpointRoot string
	// Overrides are --adopt and --forget.
	Overrides Overrides
	// From is restore-state's --from: a checkpoint file, else the newest.
	From string
	// Lease tunes the run's heartbeat (tests); the zero value is the real
	// timing.
	Lease LeaseOptions

	// Backend, if set, is the backend's bucket (tests); else it is opened
	// from the engine's backend URL.
	Backend *Backend

	openOnce sync.Once
	backend  *Backend
	openErr  error
}

// openBackend opens the backend's bucket once per run; nil for a backend
// that is not self-managed.
func (g *Guard) openBackend(ctx context.Context, url string) (*Backend, error) {
	g.openOnce.Do(func() {
		if g.Backend != nil {
			g.backend = g.Backend
			return
		}
		g.backend, g.openErr = OpenBackend(ctx, url)
	})
	return g.backend, g.openErr
}

func (g *Guard) processes() Processes {
	if g.Processes != nil {
		return g.Processes
	}
	return hostProcesses{}
}

func (g *Guard) finder(st stacks.Stack) Finder {
	if g.NewFinder != nil {
		return g.NewFinder(st)
	}
	return g.Finder
}

// prepare runs before a stack's operation, on the opened stack. It returns
// done when the operation is all it does (repair, restore-state), and the
// run's heartbeat on the backend, to be stopped when the operation ends;
// lost is called if the run is taken over and must stop its operation.
func (r *Runner) prepare(ctx context.Context, stack Stack, st stacks.Stack, label string, op Op, ro RunOptions, lost func()) (done bool, lease *Lease, err error) {
	g := r.Guard
	se, ok := r.Engine.(StateEngine)
	if g == nil || !ok {
		if op == Repair || op == RestoreState {
			return true, nil, fmt.Errorf("%s needs an engine that can export and import state", op)
		}
		return false, nil, nil
	}
	select {
	case <-r.Stop:
		return false, nil, ErrInterrupted
	default:
	}
	writes := op != Preview
	b, err := g.openBackend(ctx, r.Engine.Backend())
	if err != nil {
		return false, nil, err
	}
	if b != nil && writes {
		taken, err := CheckLocks(ctx, b, st.Project, st.Name, g.processes(), r.now())
		for _, t := range taken {
			r.logf("[%s] %s", label, t)
		}
		if err != nil {
			return false, nil, err
		}
		o := g.Lease
		if o.Host == "" {
			o.Host, _ = g.processes().Hostname()
		}
		lease, err = StartLease(ctx, b, st.Project, st.Name, op, o, func(reason string) {
			r.logf("[%s] stopping the operation: %s", label, reason)
			lost()
		})
		if err != nil {
			return false, nil, err
		}
		defer func() {
			if err != nil || done {
				err = errors.Join(err, lease.Stop(context.WithoutCancel(ctx)))
				lease = nil
			}
		}()
	}
	store, err := g.store(b)
	if err != nil && writes {
		return false, lease, err
	}
	if op == RestoreState {
		return true, lease, r.restore(ctx, se, st, label, store)
	}

	raw, err := se.ExportState(ctx, st.Project, st.Name)
	switch {
	case err == nil:
	case op == Preview && errors.Is(err, ErrNotFound):
		// A new stack, previewed on a throwaway backend: no state yet.
		return false, lease, nil
	case unreadableState(err):
		return false, lease, g.unreadable(ctx, store, st, err)
	default:
		return false, lease, fmt.Errorf("read the state before %s: %w", op, err)
	}
	if err := ValidateState(raw); err != nil {
		return false, lease, g.unreadable(ctx, store, st, err)
	}
	if writes {
		file, err := store.Save(ctx, st.Project, st.Name, r.now(), op, raw)
		if err != nil {
			return false, lease, err
		}
		r.logf("[%s] checkpoint of the state before %s: %s", label, op, file)
	}

	ops, err := PendingOps(raw)
	if err != nil {
		return false, lease, err
	}
	if len(ops) == 0 {
		if op == Repair {
			r.logf("[%s] repair: no pending operations; nothing to do", label)
		}
		return op == Repair, lease, nil
	}
	r.logf("[%s] the state holds %d pending operation(s) left by an interrupted run:", label, len(ops))
	for _, p := range ops {
		r.logf("[%s]   - %s %s", label, p.Kind, p.URN)
	}
	if op == Preview {
		r.logf("[%s] this preview shows the state as it is; `deploy up` resolves them first, or `deploy repair --env %s --stack %s` alone", label, g.Env, st.Name)
		return false, lease, nil
	}
	target := RepairTarget{Env: g.Env, Project: st.Project, Stack: st.Name, Region: st.Config["aws:region"]}
	decisions := Decide(ctx, g.finder(st), target, ops, g.Overrides)
	stop := false
	for _, d := range decisions {
		r.logf("[%s] repair: %s", label, d)
		stop = stop || d.Action == Stop
	}
	if stop {
		return false, lease, &RepairError{Stack: label, Decisions: decisions}
	}
	edited, err := ApplyDecisions(raw, decisions)
	if err != nil {
		return false, lease, fmt.Errorf("repair: %w", err)
	}
	if err := se.ImportState(ctx, st.Project, st.Name, edited); err != nil {
		return false, lease, fmt.Errorf("repair: write the resolved state: %w", err)
	}
	r.logf("[%s] repair: wrote the resolved state; refreshing it from AWS", label)
	refresh := RunOptions{Progress: ro.Progress, Errors: ro.Errors}
	if _, err := stack.Run(ctx, Refresh, refresh); err != nil {
		return false, lease, fmt.Errorf("repair: the pending operations were resolved but the refresh that follows failed "+
			"(run `deploy refresh --env %s --stack %s`): %w", g.Env, st.Name, err)
	}
	r.logf("[%s] repair: done", label)
	return op == Repair, lease, nil
}

// restore puts a checkpoint back as the stack's state: --from, else the
// newest checkpoint of the stack. The file is checked whole before the CLI
// sees it, and the CLI checks the deployment's integrity before it writes.
func (r *Runner) restore(ctx context.Context, se StateEngine, st stacks.Stack, label string, store checkpointStore) error {
	file := r.Guard.From
	if file == "" {
		newest, err := latest(ctx, store, st.Project, st.Name)
		if err != nil {
			return err
		}
		if newest == "" {
			return fmt.Errorf("no checkpoint of %s in %s: name one with --from", label, store.Describe(st.Project, st.Name))
		}
		file = newest
	}
	data, err := store.Read(ctx, st.Project, st.Name, file)
	if err != nil {
		return fmt.Errorf("read the checkpoint: %w", err)
	}
	if err := ValidateState(data); err != nil {
		return fmt.Errorf("checkpoint %s: %w", file, err)
	}
	ops, err := PendingOps(data)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", file, err)
	}
	if err := se.ImportState(ctx, st.Project, st.Name, data); err != nil {
		return fmt.Errorf("restore %s: %w", file, err)
	}
	r.logf("[%s] restored the state from %s", label, file)
	if len(ops) > 0 {
		var urns []string
		for _, p := range ops {
			urns = append(urns, p.Kind+" "+p.URN)
		}
		r.logf("[%s] warning: the checkpoint held pending operations, which `pulumi stack import` drops: %s; "+
			"check those resources in AWS before the next up", label, strings.Join(urns, ", "))
	}
	return nil
}

// guard builds the Guard of a run.
func (t Tool) guard(root string, opts Options, s workspace.Settings) *Guard {
	override := ""
	if t.Lookup != nil {
		override, _ = t.Lookup(EnvCheckpointDir)
	}
	return &Guard{
		Env:            opts.Env,
		NewFinder:      t.Finder,
		Processes:      t.Processes,
		CheckpointRoot: CheckpointRoot(root, s.BackendURL, strings.TrimSpace(override)),
		Overrides:      Overrides{Adopt: opts.Adopt, Forget: opts.Forget},
		From:           opts.From,
	}
}

// store is where the run's checkpoints are: CheckpointRoot, a local
// folder, when set; else the backend's bucket.
func (g *Guard) store(b *Backend) (checkpointStore, error) {
	switch {
	case g.CheckpointRoot != "":
		return dirStore{root: g.CheckpointRoot}, nil
	case b != nil:
		return bucketStore{b: b}, nil
	default:
		return nil, fmt.Errorf("no place for checkpoints: the backend is not a bucket and %s is not set", EnvCheckpointDir)
	}
}

// unreadable is the error of a stack whose state cannot be read: the cause,
// the newest checkpoint and the command that restores it.
func (g *Guard) unreadable(ctx context.Context, store checkpointStore, st stacks.Stack, cause error) *StateUnreadableError {
	latest, _ := latest(ctx, store, st.Project, st.Name)
	env := st.Environment
	if env == "" {
		env = g.Env
	}
	return &StateUnreadableError{Project: st.Project, Stack: st.Name, Cause: cause, Latest: latest,
		Restore: fmt.Sprintf("deploy restore-state --env %s --stack %s", env, st.Name)}
}

// explainUnreadable turns a failure to read state met before any stack ran
// (listing a project's stacks reads every state file of the project) into
// a StateUnreadableError naming the stack of the environment whose state
// cannot be read, found by exporting each, and how to restore it. Any other
// error is returned as it is.
func (r *Runner) explainUnreadable(ctx context.Context, err error, all []stacks.Stack, plan Plan) error {
	se, ok := r.Engine.(StateEngine)
	if err == nil || r.Guard == nil || !ok || !unreadableState(err) {
		return err
	}
	for _, st := range all {
		if st.Environment != plan.Env {
			continue
		}
		if _, xerr := se.ExportState(ctx, st.Project, st.Name); xerr != nil && unreadableState(xerr) {
			b, _ := r.Guard.openBackend(ctx, r.Engine.Backend())
			store, _ := r.Guard.store(b)
			return &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: r.Guard.unreadable(ctx, store, st, xerr)}
		}
	}
	return err
}
