package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/pgplatform/platform/database/dbstack"
	"github.com/pgplatform/platform/network/netstack"
	"github.com/pgplatform/platform/scripts/internal/deploy"
	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/stacks"
)

func main() {
	os.Exit(run())
}

func run() int {
	// The first interrupt (SIGINT or SIGTERM) starts no further stack and
	// cancels the running operation the Pulumi CLI's way: the resource
	// operations in flight may finish, none starts, the state is saved and
	// the lock released. A second interrupt, or the operation still running
	// deploy.CancelGrace later, terminates it: what was in flight stays in
	// the state as pending operations, which the next run repairs, and the
	// state and the lock are still written. GitHub cancels a job with
	// SIGINT, SIGTERM 7.5 s later and a kill 2.5 s after that. The CLI runs
	// in a process group of its own, so it hears only what the tool relays
	// (deploy.RelayInterrupts).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
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
		Guardrails: dbstack.CheckGuardrails,
		Pending:    deploy.AWSPending,
		Finder: func(st stacks.Stack) deploy.Finder {
			return deploy.AWSFinder{Stack: st.Name}
		},
	}
	err = tool.Run(ctx, os.Args[1:])
	if err == nil {
		return 0
	}
	if errors.Is(err, deploy.ErrHelp) {
		fmt.Print(deploy.Usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "deploy: %v\n", err)
	var usage *deploy.UsageError
	if errors.As(err, &usage) {
		fmt.Fprint(os.Stderr, "\n"+deploy.Usage)
		return 2
	}
	return 1
}
