//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/stacks"
)

// The harness: the pinned CLI (bin/pulumi, built by tools/install.sh), the
// aws test double and the platform's commands built into a temporary bin
// folder that comes first on PATH, a temporary file:// backend, the passphrase secrets provider and a
// dummy AWS identity, so that nothing can reach a real account.

// testPassphrase encrypts the temporary stacks' secrets. It protects
// nothing: the stacks live in a temporary folder for one test.
const testPassphrase = "e2e-passphrase-for-throwaway-stacks"

var (
	repoRoot string // the repository root (holds go.work)
	binDir   string // the built double (pulumi-resource-aws), deploy and preview-report
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	repoRoot, err = stacks.FindRoot(wd)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	cli := filepath.Join(repoRoot, "bin", "pulumi")
	if _, err := os.Stat(cli); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the pinned Pulumi CLI is missing (%v): run tools/install.sh first\n", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binDir = tmp
	// The double, and the platform's commands as the tree has them now (a
	// stale bin/ must not decide the result).
	builds := []struct{ out, pkg, dir string }{
		{"pulumi-resource-aws", "./cmd/pulumi-resource-aws", filepath.Join(repoRoot, "e2e")},
		{"deploy", "./scripts/cmd/deploy", repoRoot},
		{"preview-report", "./scripts/cmd/preview-report", repoRoot},
	}
	for _, b := range builds {
		start := time.Now()
		build := exec.Command("go", "build", "-o", filepath.Join(binDir, b.out), b.pkg)
		build.Dir = b.dir
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: building %s: %v\n%s", b.pkg, err, out)
			return 1
		}
		fmt.Fprintf(os.Stderr, "e2e: built %s in %s\n", b.out, time.Since(start).Round(time.Second))
	}
	return m.Run()
}

// world is one test's private AWS double, backend and Pulumi home.
type world struct {
	t       *testing.T
	dir     string // the test's temporary folder
	awsDir  string // FAKEAWS_DIR
	backend string // the file:// backend's folder
	home    string // PULUMI_HOME
	// api is the double's AWS API endpoint over awsDir, which the tools
	// reach through AWS_ENDPOINT_URL_RDS, so that no call leaves the
	// machine.
	api *fakeaws.APIServer
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{t: t, dir: dir,
		awsDir:  filepath.Join(dir, "aws"),
		backend: filepath.Join(dir, "state"),
		home:    filepath.Join(dir, "pulumi-home"),
	}
	for _, d := range []string{w.awsDir, w.backend, w.home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatalf("creating %s: %v", d, err)
		}
	}
	api, err := fakeaws.ServeAPI(w.awsDir)
	if err != nil {
		t.Fatal(err)
	}
	w.api = api
	t.Cleanup(func() {
		if err := api.Close(); err != nil {
			t.Error(err)
		}
	})
	return w
}

// on returns the world reporting to another test (a step of a sequence).
func (w *world) on(t *testing.T) *world {
	c := *w
	c.t = t
	return &c
}

// env is the environment of every engine run: the variables the CLI, the
// deploy tool and the double read, over the test process's own.
func (w *world) env() map[string]string {
	return map[string]string{
		"PATH":                     binDir + string(os.PathListSeparator) + filepath.Join(repoRoot, "bin") + string(os.PathListSeparator) + os.Getenv("PATH"),
		"PULUMI_HOME":              w.home,
		"PULUMI_BACKEND_URL":       "file://" + w.backend,
		"PULUMI_CONFIG_PASSPHRASE": testPassphrase,
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		fakeaws.DirEnv: w.awsDir,
		// A dummy identity: the double ignores it, and it can open no
		// real account.
		"AWS_ACCESS_KEY_ID":     "AKIAFAKEAWSTESTDOUBLE",
		"AWS_SECRET_ACCESS_KEY": "fake-secret-key-for-the-test-double",
		"AWS_REGION":            "",
		"AWS_DEFAULT_REGION":    "",
		"AWS_PROFILE":           "",
		// The tools' RDS calls (deploy preview's pending modifications,
		// verify) go to the double's API over the same records.
		"AWS_ENDPOINT_URL_RDS": w.api.URL,
		"NO_COLOR":             "1",
	}
}

// environ is env() as a process environment, replacing the same variables
// of the test process.
func (w *world) environ() []string {
	env := w.env()
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := env[k]; !ok {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// records returns what exists in the double's "AWS" now.
func (w *world) records() []fakeaws.Record {
	w.t.Helper()
	recs, err := fakeaws.Records(w.awsDir)
	if err != nil {
		w.t.Fatalf("reading the double's records: %v", err)
	}
	return recs
}

// calls returns the double's call log.
func (w *world) calls() []fakeaws.Call {
	w.t.Helper()
	calls, err := fakeaws.Calls(w.awsDir)
	if err != nil {
		w.t.Fatalf("reading the double's call log: %v", err)
	}
	return calls
}

// result is one finished command.
type result struct {
	args   []string
	code   int
	stdout string
	stderr string
}

func (r result) String() string {
	return fmt.Sprintf("%s (exit %d)\n--- stdout\n%s\n--- stderr\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runCmd runs a command of the repository in the world's environment,
// streaming nothing but keeping both outputs; it fails the test only when
// the command could not start or ran past the timeout.
func (w *world) runCmd(ctx context.Context, dir string, name string, args ...string) result {
	w.t.Helper()
	start := time.Now()
	w.t.Logf("running %s %s", name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = w.environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{args: append([]string{name}, args...), stdout: stdout.String(), stderr: stderr.String()}
	if ctx.Err() != nil {
		w.t.Fatalf("%s %s ran out of time after %s\n%s", name, strings.Join(args, " "), time.Since(start).Round(time.Second), r)
	}
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			w.t.Fatalf("starting %s: %v", name, err)
		}
		r.code = exitErr.ExitCode()
	}
	w.t.Logf("%s %s: exit %d in %s", name, strings.Join(args, " "), r.code, time.Since(start).Round(time.Second))
	return r
}
