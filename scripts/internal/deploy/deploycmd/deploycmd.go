package deploycmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/pgplatform/platform/database/dbspec"
	"github.com/pgplatform/platform/database/dbstack"
	"github.com/pgplatform/platform/network/netstack"
	"github.com/pgplatform/platform/scripts/internal/cli"
	"github.com/pgplatform/platform/scripts/internal/deploy"
	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/stacks"
)

// Main runs the command with the process's arguments and standard
// streams and returns its exit status.
//
// The first interrupt (SIGINT or SIGTERM) starts no further stack and
// cancels the running operation the Pulumi CLI's way: the resource
// operations in flight may finish, none starts, the state is saved and the
// lock released. A second interrupt, or the operation still running
// deploy.CancelGrace later, terminates it: what was in flight stays in the
// state as pending operations, which the next run repairs, and the state
// and the lock are still written. GitHub cancels a job with SIGINT, SIGTERM
// 7.5 s later and a kill 2.5 s after that. The CLI runs in a process group
// of its own, so it hears only what the tool relays
// (deploy.RelayInterrupts).
func Main(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, cli.Signals...)
	defer signal.Stop(sigs)
	go deploy.RelayInterrupts(sigs, stop, cancel, os.Stderr, deploy.CancelGrace, deploy.SignalEngines)

	home, err := os.UserHomeDir()
	if err != nil {
		home = ""
	}
	programs := deploy.Programs{Network: netstack.Run, Database: dbstack.Run}
	tool := deploy.Tool{
		Lookup: os.LookupEnv,
		Home:   home,
		Out:    os.Stdout,
		Err:    os.Stderr,
		Stop:   stop,
		NewEngine: func(s workspace.Settings) (deploy.Engine, error) {
			return deploy.NewEngine(s, programs)
		},
		Guardrails: dbspec.CheckGuardrails,
		Pending:    deploy.AWSPending,
		Finder: func(st stacks.Stack) deploy.Finder {
			return deploy.AWSFinder{Stack: st.Name}
		},
	}
	return exitStatus(tool.Run(ctx, args), os.Stdout, os.Stderr)
}

// exitStatus reports the tool's error and returns the exit status: 0 when
// it succeeded or -h printed the usage (on stdout), 2 after bad usage
// (the error and the usage on stderr), 1 after any other error.
func exitStatus(err error, stdout, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, deploy.ErrHelp) {
		fmt.Fprint(stdout, deploy.Usage)
		return 0
	}
	fmt.Fprintf(stderr, "deploy: %v\n", err)
	var usage *deploy.UsageError
	if errors.As(err, &usage) {
		fmt.Fprint(stderr, "\n"+deploy.Usage)
		return 2
	}
	return 1
}
