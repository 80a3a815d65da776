package deploy

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Op is a deploy operation.
type Op string

// The operations.
const (
	Preview Op = "preview"
	Up      Op = "up"
	Refresh Op = "refresh"
	Destroy Op = "destroy"
)

var ops = []Op{Preview, Up, Refresh, Destroy, Repair, RestoreState}

// Options are the parsed command line.
type Options struct {
	Op Op
	// Env is the environment: dev, staging or prod.
	Env string
	// Stacks names the stacks to run (database stacks of Env, or its
	// network stack); empty means the network and every database stack.
	Stacks []string
	// JSONDir receives each stack's engine events as newline-delimited
	// JSON, in <project>-<stack>.json.
	JSONDir string
	// ExpectNoChanges fails the run if a stack has changes.
	ExpectNoChanges bool
	// Refresh refreshes the state from the cloud before previewing or
	// updating (drift detection).
	Refresh bool
	// Diff prints a detailed diff.
	Diff bool
	// Check runs only the checks that need no backend and no Pulumi CLI
	// (arguments, refusals, config, AWS credentials, passphrase), then
	// stops: make runs it before building the CLI, so a missing credential
	// is reported at once.
	Check bool
	// Adopt and Forget are repair's decisions given by a person who
	// checked AWS: pending creates to adopt (URN to ID) or to clear.
	Adopt  map[string]string
	Forget map[string]bool
	// From is restore-state's checkpoint file; the newest if empty.
	From string
	// Parallel is how many database stacks run at once (1: one at a
	// time, streaming the engine's output); ParseArgs sets
	// DefaultParallel. See parallel.go.
	Parallel int
	// LogDir receives the engine output of the stacks that run
	// concurrently, one <project>-<stack>.log each (Tool sets
	// DefaultLogDir when empty).
	LogDir string
}

// Usage is the command line synopsis.
const Usage = `usage: deploy preview|up|refresh|destroy|repair --env <env> [--stack <stack>]... [flags]
       deploy restore-state --env <env> --stack <stack> [--from FILE]

  --env ENV             environment to deploy: dev, staging or prod (required)
  --stack NAME          run only this stack of the environment (repeatable, or
                        comma-separated): a database stack such as orders-dev,
                        or the environment's network stack (named after it)
  --diff                show a detailed diff of every change
  --refresh             refresh state from AWS first (preview, up, destroy)
  --expect-no-changes   fail if any stack would change (preview, up, refresh)
  --json-dir DIR        write each stack's engine events as newline-delimited
                        JSON to DIR/<project>-<stack>.json
  --adopt URN=ID        repair: adopt this pending create as the resource ID
                        (after checking AWS; repeatable)
  --forget URN          repair: clear this pending create (after checking
                        that AWS does not have it; repeatable)
  --from FILE           restore-state: the checkpoint to restore (default:
                        the stack's newest)
  --check               only run the checks that need no backend or CLI
                        (arguments, refusals, config, AWS credentials,
                        passphrase) and stop
  --parallel N          run up to N database stacks at once, after the
                        network (before it, for destroy); 1 runs one at a
                        time and stops at the first failure (default 8)
  --log-dir DIR         where the engine output of stacks run at once goes,
                        one DIR/<project>-<stack>.log each (default
                        .deploy-logs/<time>-<op>-<env>)
`

// ErrHelp is returned by ParseArgs when help was asked for.
var ErrHelp = flag.ErrHelp

// ParseArgs parses "<op> --env <env> [flags]".
func ParseArgs(args []string) (Options, error) {
	if len(args) == 0 {
		return Options{}, errors.New("no operation given: want one of preview, up, refresh, destroy, repair, restore-state")
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return Options{}, ErrHelp
	}
	var o Options
	o.Op = Op(args[0])
	valid := false
	for _, op := range ops {
		valid = valid || op == o.Op
	}
	if !valid {
		return Options{}, fmt.Errorf("unknown operation %q: want one of preview, up, refresh, destroy, repair, restore-state", args[0])
	}

	fs := flag.NewFlagSet("deploy "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.Env, "env", "", "")
	fs.Func("stack", "", func(v string) error {
		for _, name := range strings.Split(v, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				return fmt.Errorf("empty stack name in %q", v)
			}
			o.Stacks = append(o.Stacks, name)
		}
		return nil
	})
	fs.StringVar(&o.JSONDir, "json-dir", "", "")
	fs.BoolVar(&o.ExpectNoChanges, "expect-no-changes", false, "")
	fs.BoolVar(&o.Refresh, "refresh", false, "")
	fs.BoolVar(&o.Diff, "diff", false, "")
	fs.BoolVar(&o.Check, "check", false, "")
	fs.Func("adopt", "", func(v string) error { return o.addAdopt(v) })
	fs.Func("forget", "", func(v string) error { return o.addForget(v) })
	fs.StringVar(&o.From, "from", "", "")
	o.Parallel = DefaultParallel
	fs.Func("parallel", "", func(v string) (err error) {
		o.Parallel, err = parseParallel(v)
		return err
	})
	fs.StringVar(&o.LogDir, "log-dir", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Options{}, ErrHelp
		}
		return Options{}, fmt.Errorf("deploy %s: %w", o.Op, err)
	}
	if fs.NArg() > 0 {
		return Options{}, fmt.Errorf("deploy %s: unexpected argument %q (stacks are chosen with --stack)", o.Op, fs.Arg(0))
	}
	if o.Env == "" {
		return Options{}, fmt.Errorf("deploy %s: --env is required (dev, staging or prod)", o.Op)
	}
	if o.ExpectNoChanges && o.Op == Destroy {
		return Options{}, errors.New("deploy destroy: --expect-no-changes applies to preview, up and refresh")
	}
	if err := o.checkRecovery(); err != nil {
		return Options{}, err
	}
	if o.Refresh && o.Op == Refresh {
		return Options{}, errors.New("deploy refresh: --refresh applies to preview, up and destroy (refresh always refreshes)")
	}
	return o, nil
}
