package deploy

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
)

// DefaultParallel is how many database stacks of an environment run at
// once unless --parallel says otherwise. Each running stack is one Pulumi
// CLI process and one AWS provider plugin process; BENCHMARKS.md ("Parallel
// stacks") records the memory measured per stack and why eight keeps forty
// stacks within a 7 GB CI runner.
const DefaultParallel = 8

// MaxParallel is the largest --parallel accepted.
const MaxParallel = 64

// parseParallel reads the value of --parallel.
func parseParallel(v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 || n > MaxParallel {
		return 0, fmt.Errorf("--parallel %q: want a whole number of stacks from 1 (one at a time) to %d", v, MaxParallel)
	}
	return n, nil
}

// StepErrors are the failed steps of a run in which database stacks ran
// concurrently, in the plan's order: one failure does not stop the other
// stacks, so a run can end with several.
type StepErrors []*StepError

func (e StepErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d stacks did not succeed:", len(e))
	for _, se := range e {
		b.WriteString("\n  " + se.Error())
	}
	return b.String()
}

// Unwrap returns each step's error, for errors.Is and errors.As.
func (e StepErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, se := range e {
		out[i] = se
	}
	return out
}

// stepErrors returns nil for none, the one *StepError for one (the error
// a one-at-a-time run returns), or StepErrors.
func stepErrors(errs []*StepError) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	default:
		return StepErrors(errs)
	}
}

// stages splits the plan's stacks, in order, into runs of stacks of one
// project: the network, then the database stacks (the reverse for
// destroy). A stage starts only when every stack of the one before it
// succeeded, since database stacks read their network and a network is
// destroyed only after its databases.
func stages(ss []stacks.Stack) [][]int {
	var out [][]int
	for i, s := range ss {
		if i == 0 || ss[i-1].Project != s.Project {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], i)
	}
	return out
}

// runStacks runs the plan's stacks after the preflight checks, filling in
// results. With opts.Parallel at most 1 it is the one-at-a-time run: in
// order, the engine's output streamed with a prefix per line, stopping at
// the first failure. Otherwise the stages run in order and the database
// stacks of a stage run concurrently, up to opts.Parallel at once (see
// runConcurrently).
func (r *Runner) runStacks(ctx context.Context, all []stacks.Stack, plan Plan, opts Options, results []Result) error {
	if opts.Parallel <= 1 {
		for i, st := range plan.Stacks {
			if stopped(r.Stop) {
				return &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: ErrInterrupted}
			}
			res, err := r.runOne(ctx, all, st, plan, opts)
			results[i] = res
			if err != nil {
				return &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: err}
			}
		}
		return nil
	}

	// The stacks' goroutines share the progress output and the clock.
	pr := *r
	pr.Out = &syncWriter{w: r.Out}
	var clockMu sync.Mutex
	pr.Now = func() time.Time {
		clockMu.Lock()
		defer clockMu.Unlock()
		return r.now()
	}
	for _, stage := range stages(plan.Stacks) {
		var errs []*StepError
		if len(stage) > 1 && plan.Stacks[stage[0]].Project == contract.DatabaseProject {
			errs = pr.runConcurrently(ctx, all, plan, opts, stage, results)
		} else {
			for _, i := range stage {
				st := plan.Stacks[i]
				if stopped(pr.Stop) {
					errs = append(errs, &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: ErrInterrupted})
					break
				}
				res, err := pr.runOne(ctx, all, st, plan, opts)
				results[i] = res
				if err != nil {
					errs = append(errs, &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: err})
					break
				}
			}
		}
		if len(errs) > 0 {
			return stepErrors(errs)
		}
	}
	return nil
}

// runConcurrently runs one stage's database stacks, up to opts.Parallel at
// once, started in the plan's order. They do not depend on each other, so
// a failure stops none of the others: every stack of the stage runs and
// each failure is returned, in the plan's order. Each stack's engine
// output goes to its own file in opts.LogDir (Result.Log) rather than the
// terminal, where only its start and end lines appear. After an interrupt
// (Stop) no further stack starts and the running ones finish; the first
// stack that did not start is returned as interrupted, and it and the
// rest stay skipped.
func (r *Runner) runConcurrently(ctx context.Context, all []stacks.Stack, plan Plan, opts Options, stage []int, results []Result) []*StepError {
	if err := os.MkdirAll(opts.LogDir, 0o755); err != nil {
		first := plan.Stacks[stage[0]]
		return []*StepError{{Op: plan.Op, Project: first.Project, Stack: first.Name, Err: fmt.Errorf("--log-dir %s: %w", opts.LogDir, err)}}
	}
	r.logf("deploy: %d database stacks, up to %d at once; engine output of each in %s", len(stage), opts.Parallel, opts.LogDir)

	errs := make([]*StepError, len(plan.Stacks))
	slots := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	interrupted := -1
	for _, i := range stage {
		select {
		case slots <- struct{}{}:
		case <-r.Stop:
		}
		if stopped(r.Stop) {
			interrupted = i
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-slots }()
			st := plan.Stacks[i]
			sr := *r
			sr.logFile = filepath.Join(opts.LogDir, st.Project+"-"+st.Name+".log")
			res, err := sr.runOne(ctx, all, st, plan, opts)
			results[i] = res
			if err != nil {
				errs[i] = &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: err}
			}
		}(i)
	}
	wg.Wait()

	var out []*StepError
	for _, i := range stage {
		if errs[i] != nil {
			out = append(out, errs[i])
		}
	}
	if interrupted >= 0 {
		st := plan.Stacks[interrupted]
		out = append(out, &StepError{Op: plan.Op, Project: st.Project, Stack: st.Name, Err: ErrInterrupted})
	}
	return out
}

func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// flusher is a stream of the engine's output that holds back a partial
// last line until Flush.
type flusher interface {
	io.Writer
	Flush()
}

// engineStreams returns where the engine's stdout and stderr of one stack
// go: the terminal, each line prefixed with the stack, or, when the stack
// runs concurrently with others (logFile set), that file alone, so that
// the stacks' output does not interleave. done flushes and closes them.
func (r *Runner) engineStreams(label string) (progress, errs flusher, done func() error, err error) {
	if r.logFile == "" {
		progress = newPrefixWriter(&syncWriter{w: r.Out}, "["+label+"] ")
		errs = newPrefixWriter(&syncWriter{w: r.Err}, "["+label+"] ")
		return progress, errs, func() error {
			progress.Flush()
			errs.Flush()
			return nil
		}, nil
	}
	f, err := os.Create(r.logFile)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("engine log: %w", err)
	}
	file := &syncWriter{w: f}
	progress = newPrefixWriter(file, "")
	errs = newPrefixWriter(file, "")
	return progress, errs, func() error {
		progress.Flush()
		errs.Flush()
		if err := f.Close(); err != nil {
			return fmt.Errorf("engine log: %w", err)
		}
		return nil
	}, nil
}

// WriteLogs tells, after the summary, where the engine output of the
// stacks that ran concurrently is, naming the file of each stack that did
// not succeed. It writes nothing when every stack's output was streamed.
func WriteLogs(w io.Writer, results []Result) error {
	var dir string
	var failed []string
	for _, r := range results {
		if r.Log == "" {
			continue
		}
		dir = filepath.Dir(r.Log)
		if r.Status != StatusOK && r.Status != StatusAbsent {
			failed = append(failed, fmt.Sprintf("  %s/%s: %s", r.Project, r.Stack, r.Log))
		}
	}
	if dir == "" {
		return nil
	}
	text := fmt.Sprintf("\nEngine output of the database stacks that ran concurrently: %s/<project>-<stack>.log\n", dir)
	if len(failed) > 0 {
		text += "Logs of the stacks that did not succeed:\n" + strings.Join(failed, "\n") + "\n"
	}
	if _, err := io.WriteString(w, text); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// DefaultLogDir is where a run's engine logs go without --log-dir: a
// folder per run under <root>/.deploy-logs (git-ignored), named after the
// start time, the operation and the environment.
func DefaultLogDir(root string, now time.Time, op Op, env string) string {
	return filepath.Join(root, ".deploy-logs", fmt.Sprintf("%s-%s-%s", now.UTC().Format("20060102T150405Z"), op, env))
}
