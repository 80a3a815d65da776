package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/stacks"
)

// UsageError is a bad command line.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Tool is the deploy command with what it touches injected, so that the
// whole flow runs in tests with a fake engine.
type Tool struct {
	// Root is the repository root; found from the working folder if empty.
	Root string
	// Lookup reads the environment (os.LookupEnv).
	Lookup workspace.Lookup
	// Home is the user's home folder, for ~/.aws.
	Home string
	// Out receives progress and the summary; Err the engine's errors.
	Out, Err io.Writer
	// NewEngine builds the engine once every check has passed.
	NewEngine func(workspace.Settings) (Engine, error)
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Stop, once closed, starts no further stack (see Runner.Stop).
	Stop <-chan struct{}
	// Guardrails, if set, checks a database stack's loaded config against
	// the guardrails of its tier before anything runs (dbspec.CheckGuardrails).
	Guardrails func(config.Database) error
	// Pending, if set, reads RDS pending modifications for previews with
	// --json-dir (AWSPending; see Runner.Pending).
	Pending PendingReader
	// Finder, if set, looks a stack's pending creates up in AWS for the
	// repair (AWSFinder); without it every pending create stops the run.
	Finder func(st stacks.Stack) Finder
	// Processes answers whether a lock's holder still runs; this host's
	// if nil.
	Processes Processes
}

// Run runs one command line. Checks that need no backend come first and
// fail at once: the arguments, the environment and stack names, the prod
// refusal, the config of every stack that will run, AWS credentials, the
// backend settings and the passphrase. Then
// the stacks run in order; the summary is written whether they succeed or
// not. The error reads "<step> <project>/<stack>: <cause>" for a step.
func (t Tool) Run(ctx context.Context, args []string) error {
	opts, err := ParseArgs(args)
	if err != nil {
		return &UsageError{Err: err}
	}
	root := t.Root
	if root == "" {
		if root, err = stacks.FindRoot("."); err != nil {
			return err
		}
	}
	all, err := stacks.Discover(root)
	if err != nil {
		return fmt.Errorf("read the stack files: %w", err)
	}
	plan, err := NewPlan(all, opts)
	if err != nil {
		var refusal *RefusalError
		if errors.As(err, &refusal) {
			return err
		}
		return &UsageError{Err: err}
	}
	if err := CheckConfig(plan, root, t.Guardrails); err != nil {
		return err
	}
	if err := CheckRecoveryNetworks(plan, all, root); err != nil {
		return err
	}
	source, err := AWSCredentials(t.Lookup, t.Home)
	if err != nil {
		return fmt.Errorf("AWS credentials: %w", err)
	}
	settings, err := workspace.FromEnv(root, t.Lookup)
	if err != nil {
		return err
	}
	if err := settings.CheckPassphrase(plan.Tier); err != nil {
		return err
	}
	if opts.Check {
		_, _ = fmt.Fprintf(t.Out, "deploy: checks passed for %s of %s (AWS credentials: %s)\n", opts.Op, strings.Join(plan.Names(), ", "), source)
		return nil
	}
	engine, err := t.NewEngine(settings)
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(t.Out, "deploy: AWS credentials: %s\n", source)

	if opts.LogDir == "" {
		opts.LogDir = DefaultLogDir(root, t.now(), opts.Op, opts.Env)
		if err := PruneLogs(root, KeepLogRuns-1); err != nil && t.Err != nil {
			_, _ = fmt.Fprintf(t.Err, "deploy: warning: %v\n", err)
		}
	}
	runner := Runner{Engine: engine, Out: t.Out, Err: t.Err, Now: t.Now, Stop: t.Stop, Pending: t.Pending, Guard: t.guard(root, opts, settings)}
	results, runErr := runner.Run(ctx, all, plan, opts)
	_, _ = fmt.Fprintln(t.Out)
	if err := WriteSummary(t.Out, results); err != nil {
		return errors.Join(runErr, err)
	}
	if err := WriteLogs(t.Out, results); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}

func (t Tool) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}
