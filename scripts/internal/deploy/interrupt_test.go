package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// relayed records what RelayInterrupts sends the engine, with the time.
type relayed struct {
	mu    sync.Mutex
	sent  []time.Time
	start time.Time
}

func (r *relayed) signal(sig syscall.Signal) ([]int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if sig != syscall.SIGINT {
		panic("only SIGINT is relayed")
	}
	r.sent = append(r.sent, time.Now())
	return []int{1}, nil
}

func (r *relayed) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

func TestRelayInterruptsCancelsThenTerminatesOnTheSecond(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	stop := make(chan struct{})
	cancelled := make(chan struct{})
	var out bytes.Buffer
	rel := &relayed{}
	done := make(chan struct{})
	go func() {
		RelayInterrupts(sigs, stop, func() { close(cancelled) }, &out, time.Hour, rel.signal)
		close(done)
	}()
	sigs <- os.Interrupt
	<-stop
	require.Eventually(t, func() bool { return rel.count() == 1 }, time.Second, 5*time.Millisecond, "the first interrupt relays one cancel")
	select {
	case <-cancelled:
		t.Fatal("the first interrupt must not cancel the context (that would kill the engine 10 s later)")
	case <-time.After(50 * time.Millisecond):
	}
	sigs <- syscall.SIGTERM
	<-done
	<-cancelled
	assert.Equal(t, 3, rel.count(), "the second relays two more: the engine's terminate")
	assert.Contains(t, out.String(), "no further stack will start")
	assert.Contains(t, out.String(), "terminated again: stopping the running operation now")
}

func TestRelayInterruptsTerminatesAfterTheGrace(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	stop := make(chan struct{})
	var out bytes.Buffer
	rel := &relayed{}
	cancelled := false
	start := time.Now()
	sigs <- os.Interrupt
	RelayInterrupts(sigs, stop, func() { cancelled = true }, &out, 300*time.Millisecond, rel.signal)
	assert.True(t, cancelled)
	require.Equal(t, 3, rel.count())
	assert.GreaterOrEqual(t, rel.sent[1].Sub(start), 300*time.Millisecond, "the terminate waits for the grace")
	assert.Contains(t, out.String(), "did not finish within 300ms")
}

func TestSignalChildrenFindsOnlyThisProcesssChildrenOfThatName(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	child := exec.Command("sleep", "30")
	require.NoError(t, child.Start())
	t.Cleanup(func() { _ = child.Process.Kill() })
	pids, err := signalChildren(os.Getpid(), "no-such-command", syscall.SIGINT)
	require.NoError(t, err)
	assert.Empty(t, pids, "another command is left alone")
	pids, err = signalChildren(os.Getpid(), "sleep", syscall.SIGINT)
	require.NoError(t, err)
	assert.Equal(t, []int{child.Process.Pid}, pids)
	err = child.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, syscall.SIGINT, exit.Sys().(syscall.WaitStatus).Signal(), "the child got the interrupt")
}
