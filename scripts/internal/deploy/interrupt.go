package deploy

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/pgplatform/platform/scripts/internal/proc"
)

// Interrupts. A signal sent to the deploy tool's process alone (as kill
// and a job runner that signals the process send it) does not reach the
// engine; on a cancelled context the Automation API sends the CLI one
// SIGINT and kills it 10 s later (sdk/go/auto/cmd.go, cmd.Cancel,
// WaitDelay). The Automation API puts the CLI in a process group of its
// own only on Windows (setSysprocAttrNewProcessGroup is a no-op in
// cmd_other.go), so on Linux a terminal's Ctrl-C, which goes to the whole
// foreground group, reaches the CLI directly as well as through the
// relay below: the CLI then sees two interrupts and terminates at once
// instead of cancelling, which leaves what was in flight pending for the
// next run's repair.
// The CLI cancels on its first SIGINT or SIGTERM, letting the resource
// operations in flight finish and starting none, and terminates on the
// second, leaving those in flight as pending operations; either way it
// saves the state and releases the stack's lock as it returns
// (pkg/backend/cancellation_scope.go: Cancel, then Terminate). A kill
// (GitHub kills the process tree 10 s after the first signal) leaves the
// lock and whatever was in flight, which the next run takes over and
// repairs.
//
// So the deploy tool relays (RelayInterrupts): the first interrupt starts
// no further stack and cancels the running operation the CLI's way; if it
// still runs CancelGrace later, or on a second interrupt, it is terminated,
// so that the state and the lock are written before the kill GitHub sends
// 10 s after its first signal.

// CancelGrace is how long a cancelled operation may take to finish its
// resource operations in flight before it is terminated.
const CancelGrace = 3 * time.Second

// RelayInterrupts handles the deploy tool's signals until sigs is closed:
// the first closes stop and relays a cancel to the running engine; the
// second, or grace after the first, relays a terminate (two interrupts, as
// an engine started after the first has had none) and then calls cancel,
// after which the Automation API kills an engine still running 10 s later.
// Messages go to w.
func RelayInterrupts(sigs <-chan os.Signal, stop chan<- struct{}, cancel func(), w io.Writer, grace time.Duration, signal func(syscall.Signal) ([]int, error)) {
	sig, ok := <-sigs
	if !ok {
		return
	}
	fmt.Fprintf(w, "deploy: %v: no further stack will start; the running operation is cancelled: its resource operations in flight get %s to finish, then it is stopped (interrupt again to stop it at once)\n", sig, grace)
	close(stop)
	if _, err := signal(syscall.SIGINT); err != nil {
		fmt.Fprintf(w, "deploy: relaying the interrupt to the engine: %v\n", err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case sig, ok = <-sigs:
		if !ok {
			return
		}
		fmt.Fprintf(w, "deploy: %v again: stopping the running operation now", sig)
	case <-timer.C:
		fmt.Fprintf(w, "deploy: the running operation did not finish within %s: stopping it now", grace)
	}
	fmt.Fprintln(w, "; what it had in flight stays in the state as pending operations for the next run to repair")
	for i := 0; i < 2; i++ {
		if _, err := signal(syscall.SIGINT); err != nil {
			fmt.Fprintf(w, "deploy: relaying the interrupt to the engine: %v\n", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
}

// SignalEngines sends sig to the Pulumi CLI processes this process started
// (its children whose command is pulumi), read from /proc; it returns their
// pids. Without /proc it finds none.
func SignalEngines(sig syscall.Signal) ([]int, error) {
	return signalChildren(os.Getpid(), "pulumi", sig)
}

func signalChildren(parent int, comm string, sig syscall.Signal) ([]int, error) {
	children, err := proc.Children(parent)
	if err != nil {
		return nil, err
	}
	var pids []int
	var errs []error
	for _, c := range children {
		if c.Comm != comm {
			continue
		}
		if err := syscall.Kill(c.Pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("signal pid %d: %w", c.Pid, err))
			continue
		}
		pids = append(pids, c.Pid)
	}
	return pids, errors.Join(errs...)
}
