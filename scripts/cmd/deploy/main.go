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
)

func main() {
	os.Exit(run())
}

func run() int {
	// The first interrupt lets the running stack's operation finish (on a
	// terminal the engine got the same interrupt and stops cleanly, saving
	// its state) and starts no other; a second one cancels the operation.
	// Cancelling at once would hand the engine a second interrupt, which
	// makes it quit without finishing its state.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "deploy: interrupted: no further stack will start; interrupt again to cancel the running operation")
		close(stop)
		<-sigs
		fmt.Fprintln(os.Stderr, "deploy: interrupted again: cancelling the running operation")
		cancel()
	}()

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
