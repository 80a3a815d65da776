package cli

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestRelayNumbersEachSignalUntilClosed(t *testing.T) {
	sigs := make(chan os.Signal, 3)
	sigs <- syscall.SIGINT
	sigs <- syscall.SIGTERM
	sigs <- syscall.SIGINT
	close(sigs)
	var got []int
	var kinds []os.Signal
	Relay(sigs, func(n int, sig os.Signal) { got = append(got, n); kinds = append(kinds, sig) })
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Fatalf("numbers %v, want [1 2 3]", got)
	}
	if kinds[1] != syscall.SIGTERM {
		t.Errorf("second signal %v, want SIGTERM", kinds[1])
	}
}

// A real SIGTERM reaches the handler instead of ending the test process.
func TestInterruptsCatchesSIGTERM(t *testing.T) {
	got := make(chan int, 2)
	stop := Interrupts(func(n int, _ os.Signal) { got <- n })
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-got:
		if n != 1 {
			t.Errorf("first signal numbered %d", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler never saw SIGTERM")
	}
}

func TestNotifyContextIsCancelledBySIGTERM(t *testing.T) {
	ctx, stop := NotifyContext(context.Background())
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the context was not cancelled by SIGTERM")
	}
}
