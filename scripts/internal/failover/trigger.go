package failover

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Trigger starts the failover.
type Trigger interface {
	// Name says what the trigger does, for the report.
	Name() string
	// Check runs before anything else and refuses a target the trigger
	// cannot fail over (for RDS: an instance that is not Multi-AZ).
	Check(ctx context.Context) error
	// Fire starts the failover. It may return before the failover is over
	// (the RDS API call does) or after it (a command may wait).
	Fire(ctx context.Context) error
}

// Placement is where a database runs, for triggers that can tell (RDS).
type Placement struct {
	Instance         string `json:"instance"`
	Status           string `json:"status"`
	AvailabilityZone string `json:"availabilityZone"`
	SecondaryZone    string `json:"secondaryAvailabilityZone,omitempty"`
	MultiAZ          bool   `json:"multiAZ"`
}

// Placer is implemented by triggers that can report the Placement.
type Placer interface {
	Placement(ctx context.Context) (Placement, error)
}

// FuncTrigger runs a Go function; tests use it to drive a local cluster.
type FuncTrigger struct {
	Label string
	Func  func(ctx context.Context) error
}

// Name returns the label.
func (f FuncTrigger) Name() string { return f.Label }

// Check accepts any target.
func (f FuncTrigger) Check(context.Context) error { return nil }

// Fire calls the function.
func (f FuncTrigger) Fire(ctx context.Context) error { return f.Func(ctx) }

// CommandTrigger runs a shell command (sh -c) for targets other than RDS:
// a self-managed cluster, a test harness, a chaos tool. The drill waits for
// the command; a non-zero exit fails the drill.
type CommandTrigger struct {
	Command string
	// Timeout bounds the command; zero means 10 minutes.
	Timeout time.Duration
	// Output receives the command's stdout and stderr.
	Output interface{ Write([]byte) (int, error) }
}

// Name describes the command.
func (c CommandTrigger) Name() string { return "command: " + c.Command }

// Check refuses an empty command.
func (c CommandTrigger) Check(context.Context) error {
	if strings.TrimSpace(c.Command) == "" {
		return errors.New("--trigger-cmd is empty: give the shell command that fails the database over")
	}
	return nil
}

// Fire runs the command and waits for it.
func (c CommandTrigger) Fire(ctx context.Context) error {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", c.Command)
	var tail tailBuffer
	if c.Output != nil {
		cmd.Stdout = multiWriter{c.Output, &tail}
	} else {
		cmd.Stdout = &tail
	}
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return fmt.Errorf("trigger command %q did not finish within %s: %w", c.Command, timeout, err)
		}
		return fmt.Errorf("trigger command %q failed: %w; its last output: %s", c.Command, err, strings.TrimSpace(tail.String()))
	}
	return nil
}

type multiWriter []interface{ Write([]byte) (int, error) }

func (m multiWriter) Write(p []byte) (int, error) {
	for _, w := range m {
		if _, err := w.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// tailBuffer keeps the last 2 KiB written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if t.buf.Len() > 2048 {
		b := t.buf.Bytes()[t.buf.Len()-2048:]
		t.buf = *bytes.NewBuffer(append([]byte(nil), b...))
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}
