package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Signals are the signals a command stops on: Ctrl-C on a terminal and the
// SIGTERM a CI runner sends a cancelled job.
var Signals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// NotifyContext returns a context that is cancelled on the first SIGINT or
// SIGTERM. Until stop is called, later signals are caught too, so they do
// not kill the process while it winds down (signal.NotifyContext).
func NotifyContext(parent context.Context) (ctx context.Context, stop context.CancelFunc) {
	return signal.NotifyContext(parent, Signals...)
}

// Interrupts hands every SIGINT and SIGTERM to handle, numbered from 1,
// until stop is called. While it does, the signals do not end the process:
// handle decides what each one means (for example: the first stops new
// work, the second cancels the running one).
func Interrupts(handle func(n int, sig os.Signal)) (stop func()) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, Signals...)
	done := make(chan struct{})
	go func() {
		defer close(done)
		Relay(sigs, handle)
	}()
	return func() {
		// After signal.Stop returns no signal is sent on sigs any
		// more, so it may be closed, which ends Relay.
		signal.Stop(sigs)
		close(sigs)
		<-done
	}
}

// Relay calls handle for each signal received on sigs, numbered from 1,
// until sigs is closed.
func Relay(sigs <-chan os.Signal, handle func(n int, sig os.Signal)) {
	n := 0
	for sig := range sigs {
		n++
		handle(n, sig)
	}
}
