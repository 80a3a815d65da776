//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/contract"
)

// TestParallelStacks runs dev with four database stacks through the real
// engine and the double, the database stacks at once (issue 15): `up` with
// one stack whose RDS instance AWS refuses, among healthy ones; a refreshed
// preview in which two stacks' provider plugin dies; an interrupt
// while two stacks are being destroyed and two wait; and a destroy in which
// one stack's instance cannot be deleted. In each, the others finish, the
// failures are named, the engine output of each stack is in its own file
// and the terminal shows none of it. The steps build on each other.
func TestParallelStacks(t *testing.T) {
	w := newWorld(t)
	sb := w.sandbox()
	sb.addStackFile(contract.DatabaseProject, "orders-dev", "billing-dev", "orders", "billing")
	sb.addStackFile(contract.DatabaseProject, "orders-dev", "ledger-dev", "orders", "ledger")
	dbs := []string{"billing-dev", "ledger-dev", "orders-dev", "payments-dev"}

	step := sb.steps(t)

	step("up with a failing stack", func(t *testing.T, w *world, sb *sandbox) {
		const code = "InsufficientDBInstanceCapacity"
		w.setFaults(fakeaws.Fault{ID: "capacity", Method: "Create", Type: "aws:rds/instance:Instance",
			Project: contract.DatabaseProject, Stack: "ledger-dev", Action: fakeaws.ActionFail, Code: code,
			Message: "Cannot create a db.t4g.medium database instance because there are no availability zones with sufficient capacity."})
		logs := filepath.Join(w.dir, "logs-up")
		before := len(w.calls())
		r := sb.deploy("up", "--env", "dev", "--parallel", "4", "--log-dir", logs)
		require.Equal(t, 1, r.code, "the up fails for ledger-dev\n%s", r)
		assert.Contains(t, r.stderr, "deploy: up database/ledger-dev: ", "the failure is named\n%s", r)
		assert.Contains(t, r.stderr, code)
		assert.Regexp(t, `network/dev\s+up\s+ok`, r.stdout)
		for _, db := range dbs {
			want := "ok"
			if db == "ledger-dev" {
				want = "failed"
			}
			assert.Regexp(t, `database/`+db+`\s+up\s+`+want+`\s`, r.stdout, "summary row of %s", db)
		}
		assertLogged(t, r, logs, dbs)
		assert.Contains(t, r.stdout, "  database/ledger-dev: "+filepath.Join(logs, "database-ledger-dev.log"), "the summary points at the failed stack's log")
		data, err := os.ReadFile(filepath.Join(logs, "database-ledger-dev.log"))
		require.NoError(t, err)
		assert.Contains(t, string(data), code, "the failed stack's log holds the engine's error")

		// The database stacks ran at once, after the network, through
		// separate engines: their calls to the double overlap in time.
		spans := callSpans(w.calls()[before:])
		for _, db := range dbs {
			assert.True(t, spans["network/dev"].end.Before(spans["database/"+db].start),
				"database/%s started before the network finished", db)
		}
		assert.GreaterOrEqual(t, maxOverlap(spans, "database/"), 2, "the database stacks' calls overlap: %v", spans)

		// With the fault gone the next up converges.
		w.setFaults()
		r = sb.deploy("up", "--env", "dev", "--parallel", "4", "--log-dir", filepath.Join(w.dir, "logs-up2"))
		require.Zero(t, r.code, "the second up\n%s", r)
	})

	step("preview with two failing stacks", func(t *testing.T, w *world, sb *sandbox) {
		// A refreshed preview reads every resource from "AWS": the
		// plugin of billing-dev and of payments-dev dies while reading
		// their RDS instance, as a killed provider does.
		crash := func(stack string) fakeaws.Fault {
			return fakeaws.Fault{ID: "crash-" + stack, Method: "Read", Type: "aws:rds/instance:Instance",
				Project: contract.DatabaseProject, Stack: stack, Action: fakeaws.ActionExit, When: "before"}
		}
		firedBefore := len(w.fired())
		w.setFaults(crash("billing-dev"), crash("payments-dev"))
		defer w.setFaults()
		logs := filepath.Join(w.dir, "logs-preview")
		r := sb.deploy("preview", "--env", "dev", "--refresh", "--parallel", "4", "--log-dir", logs)
		require.Equal(t, 1, r.code, "the preview fails for two stacks\n%s", r)
		require.Len(t, w.fired()[firedBefore:], 2, "both plugins died\n%s", r)
		assert.Contains(t, r.stderr, "deploy: 2 stacks did not succeed:\n  preview database/billing-dev: ", "%s", r)
		assert.Contains(t, r.stderr, "\n  preview database/payments-dev: ", "%s", r)
		for db, want := range map[string]string{"billing-dev": "failed", "ledger-dev": "ok", "orders-dev": "ok", "payments-dev": "failed"} {
			assert.Regexp(t, `database/`+db+`\s+preview\s+`+want+`\s`, r.stdout, "summary row of %s", db)
		}
		assertLogged(t, r, logs, dbs)
	})

	step("interrupted destroy", func(t *testing.T, w *world, sb *sandbox) {
		// Destroy goes in reverse: payments-dev and orders-dev take the
		// two slots, each instance's delete held for a few seconds; the
		// interrupt arrives while they wait.
		delay := func(stack string) fakeaws.Fault {
			return fakeaws.Fault{ID: "slow-" + stack, Method: "Delete", Type: "aws:rds/instance:Instance",
				Project: contract.DatabaseProject, Stack: stack, Action: fakeaws.ActionDelay, Delay: "6s"}
		}
		firedBefore := len(w.fired())
		w.setFaults(delay("payments-dev"), delay("orders-dev"))
		cmd := exec.Command(filepath.Join(binDir, "deploy"), "destroy", "--env", "dev", "--parallel", "2",
			"--log-dir", filepath.Join(w.dir, "logs-interrupt"))
		cmd.Dir = sb.root
		cmd.Env = w.environ()
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()

		deadline := time.Now().Add(5 * time.Minute)
		for len(w.fired()) <= firedBefore {
			require.True(t, time.Now().Before(deadline), "no delete began\n%s\n%s", stdout.String(), stderr.String())
			time.Sleep(200 * time.Millisecond)
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		var err error
		select {
		case err = <-done:
		case <-time.After(5 * time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("the interrupted destroy did not end\n%s\n%s", stdout.String(), stderr.String())
		}
		r := result{args: cmd.Args, stdout: stdout.String(), stderr: stderr.String()}
		if ee, isExit := err.(*exec.ExitError); isExit {
			r.code = ee.ExitCode()
		}
		require.Equal(t, 1, r.code, "the interrupted destroy fails\n%s", r)
		assert.Contains(t, r.stderr, "no further stack will start")
		assert.Contains(t, r.stderr, "destroy database/ledger-dev: interrupted before it started", "%s", r)
		// The two running stacks ended their own operation (the engine
		// saved their state); nothing else started.
		for _, db := range []string{"payments-dev", "orders-dev"} {
			assert.Regexp(t, `database/`+db+`\s+destroy\s+(ok|failed)\s`, r.stdout, "summary row of %s", db)
			assert.Regexp(t, regexp.MustCompile(`(?m)^<-- destroy database/`+db+`: `), r.stdout, "%s ran to its end", db)
		}
		for _, db := range []string{"ledger-dev", "billing-dev"} {
			assert.Regexp(t, `database/`+db+`\s+destroy\s+skipped\s`, r.stdout, "summary row of %s", db)
		}
		assert.Regexp(t, `network/dev\s+destroy\s+skipped`, r.stdout)
		assert.NotContains(t, r.stdout, "--> destroy database/ledger-dev")
		assert.NotContains(t, r.stdout, "--> destroy network/dev")
		stacks := w.backendStacks()
		for _, kept := range []string{"database/ledger-dev", "database/billing-dev", "network/dev"} {
			assert.Contains(t, stacks, kept)
			assert.NotEmpty(t, w.state(strings.Split(kept, "/")[0], strings.Split(kept, "/")[1]).Resources, "%s still has its resources", kept)
		}
	})

	step("destroy with a failing stack", func(t *testing.T, w *world, sb *sandbox) {
		const code = "InvalidDBInstanceState"
		w.setFaults(fakeaws.Fault{ID: "state", Method: "Delete", Type: "aws:rds/instance:Instance",
			Project: contract.DatabaseProject, Stack: "ledger-dev", Action: fakeaws.ActionFail, Code: code,
			Message: "Instance is not in available state."})
		logs := filepath.Join(w.dir, "logs-destroy")
		r := sb.deploy("destroy", "--env", "dev", "--parallel", "4", "--log-dir", logs)
		require.Equal(t, 1, r.code, "the destroy fails for ledger-dev\n%s", r)
		assert.Contains(t, r.stderr, "deploy: destroy database/ledger-dev: ", "%s", r)
		assert.Regexp(t, `database/billing-dev\s+destroy\s+ok`, r.stdout, "the other stack is destroyed")
		assert.Regexp(t, `database/ledger-dev\s+destroy\s+failed`, r.stdout)
		assert.Regexp(t, `network/dev\s+destroy\s+skipped`, r.stdout, "the network stays while a database holds it")
		assert.NotEmpty(t, w.state(contract.NetworkProject, "dev").Resources)

		w.setFaults()
		r = sb.deploy("destroy", "--env", "dev", "--parallel", "4", "--log-dir", filepath.Join(w.dir, "logs-destroy2"))
		require.Zero(t, r.code, "the second destroy\n%s", r)
		assert.Regexp(t, `network/dev\s+destroy\s+ok`, r.stdout)
		for _, rec := range w.records() {
			t.Errorf("left in the double: %s %s", rec.Type, rec.URN)
		}
	})
}

// assertLogged checks that the database stacks' engine output went to one
// file each and not to the terminal, with one start and one end line each
// on the terminal.
func assertLogged(t *testing.T, r result, logs string, dbs []string) {
	t.Helper()
	assert.Contains(t, r.stdout, "database stacks, up to ")
	assert.Contains(t, r.stdout, "Engine output of the database stacks that ran concurrently: "+logs+"/<project>-<stack>.log")
	for _, db := range dbs {
		label := "database/" + db
		// The tool's own one-line notes about a stack (a checkpoint, a new
		// stack) may name it; the engine's output may not appear.
		assert.NotRegexp(t, regexp.MustCompile(`(?m)^`+regexp.QuoteMeta("["+label+"]")+` (Updating|Previewing|Destroying|Refreshing|Resources:|Duration:|Outputs:|\s+[-+~]|.*pulumi:pulumi:Stack)`),
			r.stdout+r.stderr, "the terminal shows %s's engine output", label)
		assert.Regexp(t, regexp.MustCompile(`(?m)^--> \w+ `+regexp.QuoteMeta(label)+` \(tier dev\)$`), r.stdout)
		assert.Regexp(t, regexp.MustCompile(`(?m)^<-- \w+ `+regexp.QuoteMeta(label)+`: `), r.stdout)
		info, err := os.Stat(filepath.Join(logs, "database-"+db+".log"))
		if assert.NoError(t, err, "%s's log", label) {
			assert.NotZero(t, info.Size(), "%s's log is empty", label)
		}
	}
}

// span is the time from a stack's first call to the double to its last.
type span struct{ start, end time.Time }

func callSpans(calls []fakeaws.Call) map[string]span {
	out := map[string]span{}
	for _, c := range calls {
		if c.Project == "" || c.Stack == "" {
			continue
		}
		key := c.Project + "/" + c.Stack
		s, seen := out[key]
		if !seen || c.Time.Before(s.start) {
			s.start = c.Time
		}
		if c.Time.After(s.end) {
			s.end = c.Time
		}
		out[key] = s
	}
	return out
}

// maxOverlap is the largest number of spans of stacks with the prefix that
// cover one instant.
func maxOverlap(spans map[string]span, prefix string) int {
	type edge struct {
		t     time.Time
		delta int
	}
	var edges []edge
	for k, s := range spans {
		if strings.HasPrefix(k, prefix) {
			edges = append(edges, edge{s.start, 1}, edge{s.end, -1})
		}
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].t.Equal(edges[j].t) {
			return edges[i].delta > edges[j].delta
		}
		return edges[i].t.Before(edges[j].t)
	})
	n, best := 0, 0
	for _, e := range edges {
		n += e.delta
		best = max(best, n)
	}
	return best
}
