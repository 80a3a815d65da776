package cli

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestListFlag(t *testing.T) {
	var s List
	for _, v := range []string{"orders-dev, payments-dev", "billing-dev", ""} {
		if err := s.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if s.String() != "orders-dev,payments-dev,billing-dev" {
		t.Errorf("stacks %q", s.String())
	}
}

func TestUsagePrintsHeadFlagsAndFoot(t *testing.T) {
	var stderr bytes.Buffer
	fs := NewFlagSet("tool", &stderr, "Usage: tool\n", "Exit status: 0\n")
	fs.String("env", "", "environment")
	err := fs.Parse([]string{"-h"})
	if FlagExit(err, 2) != 0 {
		t.Errorf("-h exits %d, want 0", FlagExit(err, 2))
	}
	out := stderr.String()
	if !strings.HasPrefix(out, "Usage: tool\n") || !strings.Contains(out, "-env") || !strings.HasSuffix(out, "Exit status: 0\n") {
		t.Errorf("usage:\n%s", out)
	}
	stderr.Reset()
	err = fs.Parse([]string{"--nope"})
	if FlagExit(err, 2) != 2 || !strings.Contains(stderr.String(), "nope") {
		t.Errorf("bad flag: exit %d, stderr %q", FlagExit(err, 2), stderr.String())
	}
}

func TestNoArgs(t *testing.T) {
	fs := flag.NewFlagSet("tool", flag.ContinueOnError)
	if err := fs.Parse([]string{"extra"}); err != nil {
		t.Fatal(err)
	}
	if err := NoArgs(fs); err == nil || !strings.Contains(err.Error(), `unexpected argument "extra"`) {
		t.Errorf("err = %v", err)
	}
}

func TestPositiveNamesTheFirstBadFlag(t *testing.T) {
	err := Positive(map[string]time.Duration{"poll": time.Second, "wait": 0, "gap": -time.Second})
	if err == nil || err.Error() != "--gap -1s: must be positive" {
		t.Errorf("err = %v, want --gap first by name", err)
	}
	if err := Positive(map[string]time.Duration{"poll": time.Second}); err != nil {
		t.Error(err)
	}
}

func TestWriteOutput(t *testing.T) {
	var stdout bytes.Buffer
	if err := WriteOutput("out", "-", []byte("x"), &stdout); err != nil || stdout.String() != "x" {
		t.Fatalf("stdout %q, err %v", stdout.String(), err)
	}
	path := filepath.Join(t.TempDir(), "r.md")
	if err := WriteOutput("out", path, []byte("y"), &stdout); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "y" || stdout.String() != "x" {
		t.Errorf("file %q, stdout %q", b, stdout.String())
	}
	err := WriteOutput("out", filepath.Join(path, "no", "such"), nil, &stdout)
	if err == nil || !strings.HasPrefix(err.Error(), "--out "+filepath.Join(path, "no", "such")+": ") {
		t.Errorf("err = %v", err)
	}
}

func TestRequireFile(t *testing.T) {
	if err := RequireFile("ca-bundle", "", "the CA file"); err == nil || err.Error() != "--ca-bundle is required: the CA file" {
		t.Errorf("unset: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "nope.pem")
	if err := RequireFile("ca-bundle", missing, "x"); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "--ca-bundle "+missing) {
		t.Errorf("missing: %v", err)
	}
	if err := RequireFile("ca-bundle", "flags_test.go", "x"); err != nil {
		t.Error(err)
	}
}

// TestStartStopsOnBadFlagsHelpAndFailedPrepare: each way a command stops
// before it runs has its own exit status, and only a prepare error is
// printed by Start (the flag set prints its own).
func TestStartStopsOnBadFlagsHelpAndFailedPrepare(t *testing.T) {
	cases := []struct {
		name       string
		args       []string
		prepareErr error
		want       int
		ok         bool
		stderr     string
	}{
		{"parsed and prepared", []string{"--env", "dev"}, nil, 0, true, ""},
		{"help", []string{"-h"}, nil, 0, false, "Usage: tool"},
		{"unknown flag", []string{"--nope"}, nil, 2, false, "nope"},
		{"prepare fails", []string{"--env", "dev"}, errors.New("--stack is required"), 2, false, "tool: --stack is required\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			fs := NewFlagSet("tool", &stderr, "Usage: tool\n", "")
			env := fs.String("env", "", "environment")
			prepared := false
			v, code, ok := Start(fs, c.args, &stderr, 2, func() (string, error) {
				prepared = true
				return *env, c.prepareErr
			})
			if code != c.want || ok != c.ok {
				t.Errorf("code %d ok %v, want %d %v", code, ok, c.want, c.ok)
			}
			if c.ok && v != "dev" {
				t.Errorf("prepared %q, want the parsed env dev", v)
			}
			if prepared != (c.prepareErr != nil || c.ok) {
				t.Errorf("prepare ran: %v", prepared)
			}
			if !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stderr %q, want %q in it", stderr.String(), c.stderr)
			}
		})
	}
}
