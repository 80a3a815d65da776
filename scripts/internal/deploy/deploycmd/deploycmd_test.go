package deploycmd

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pgplatform/platform/scripts/internal/deploy"
)

// TestExitStatus: help prints the usage on stdout and succeeds, bad usage
// exits 2 with the error and the usage on stderr, any other error exits 1
// with the error alone.
func TestExitStatus(t *testing.T) {
	for _, c := range []struct {
		name             string
		err              error
		want             int
		stdout, stderr   string
		stderrWithoutUse bool
	}{
		{name: "ok", err: nil, want: 0},
		{name: "help", err: fmt.Errorf("parse: %w", deploy.ErrHelp), want: 0, stdout: deploy.Usage},
		{name: "usage", err: &deploy.UsageError{Err: errors.New("unknown flag --nope")}, want: 2, stderr: "deploy: "},
		{name: "failure", err: errors.New("stack orders-dev failed"), want: 1, stderr: "deploy: stack orders-dev failed\n", stderrWithoutUse: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := exitStatus(c.err, &stdout, &stderr); got != c.want {
				t.Errorf("exit %d, want %d", got, c.want)
			}
			if stdout.String() != c.stdout {
				t.Errorf("stdout %q, want %q", stdout.String(), c.stdout)
			}
			if !strings.HasPrefix(stderr.String(), c.stderr) {
				t.Errorf("stderr %q, want it to start %q", stderr.String(), c.stderr)
			}
			if c.want == 2 && !strings.HasSuffix(stderr.String(), "\n"+deploy.Usage) {
				t.Errorf("bad usage: stderr %q lacks the usage", stderr.String())
			}
			if c.stderrWithoutUse && strings.Contains(stderr.String(), deploy.Usage) {
				t.Errorf("a failure printed the usage")
			}
		})
	}
}
