//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
)

// Interrupted deploys (issue 16, items 3 to 6): a run killed in the middle
// of a long create, a job cancelled the way GitHub cancels one, two deploys
// of one stack at once, and a state file that cannot be read. The long
// create is the double's delay fault on orders-dev's RDS instance: the
// instance exists in "AWS" from the start of the wait, as a real create
// does while the provider waits for it to become available.

// running is a deploy started in the background.
type running struct {
	cmd            *exec.Cmd
	stdout, stderr *bytes.Buffer
	done           chan struct{}
	err            error
}

func (r *running) result() result {
	res := result{args: r.cmd.Args, stdout: r.stdout.String(), stderr: r.stderr.String()}
	if ee, ok := r.err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
	}
	return res
}

// exited says whether the deploy ended within d.
func (r *running) exited(d time.Duration) bool {
	select {
	case <-r.done:
		return true
	case <-time.After(d):
		return false
	}
}

// start runs the deploy tool in the background.
func (s *sandbox) start(args ...string) *running {
	s.w.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "deploy"), args...)
	cmd.Dir = s.root
	cmd.Env = s.w.environ()
	r := &running{cmd: cmd, stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = r.stdout, r.stderr
	require.NoError(s.w.t, cmd.Start())
	s.w.t.Logf("started deploy %s (pid %d)", strings.Join(args, " "), cmd.Process.Pid)
	go func() {
		r.err = cmd.Wait()
		close(r.done)
	}()
	s.w.t.Cleanup(func() { killTree(cmd.Process.Pid); <-r.done })
	return r
}

// subreaper makes this test process the parent of the orphans of the
// processes it starts (prctl PR_SET_CHILD_SUBREAPER), so that a killed
// deploy's engine and plugins stay in its process tree and can be found and
// killed.
func subreaper(t *testing.T) {
	const prSetChildSubreaper = 36
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
}

// descendants lists the processes under pid, from /proc.
func descendants(pid int) []int {
	children := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// killTree kills pid and every process under it at once, as a runner that
// is lost (or GitHub, 10 s after it cancels a job) does.
func killTree(pid int) {
	all := append([]int{pid}, descendants(pid)...)
	for _, p := range all {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
}

// waitFired waits until a fault has fired.
func (w *world) waitFired(id string, within time.Duration) fakeaws.Firing {
	w.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, f := range w.fired() {
			if f.Fault == id {
				return f
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	w.t.Fatalf("fault %s did not fire within %s", id, within)
	return fakeaws.Firing{}
}

// pendingOps reads a stack's pending operations from its state file.
func (w *world) pendingOps(project, stack string) []apitype.OperationV2 {
	w.t.Helper()
	path := filepath.Join(w.backend, ".pulumi", "stacks", project, stack+".json")
	data, err := os.ReadFile(path)
	require.NoError(w.t, err)
	var versioned apitype.VersionedCheckpoint
	require.NoError(w.t, json.Unmarshal(data, &versioned))
	var cp apitype.CheckpointV3
	require.NoError(w.t, json.Unmarshal(versioned.Checkpoint, &cp))
	if cp.Latest == nil {
		return nil
	}
	return cp.Latest.PendingOperations
}

// lockFiles lists a stack's lock files on the backend.
func (w *world) lockFiles(project, stack string) []string {
	files, _ := filepath.Glob(filepath.Join(w.backend, ".pulumi", "locks", "organization", project, stack, "*.json"))
	return files
}

// instances lists the RDS instances the double holds for a stack.
func (w *world) instances(stack string) []fakeaws.Item {
	var out []fakeaws.Item
	for _, it := range w.inventory() {
		if it.Type == "aws:rds/instance:Instance" && it.Stack == stack {
			out = append(out, it)
		}
	}
	return out
}

// slowInstance is the long create: orders-dev's RDS instance takes ten
// minutes after AWS accepted it.
var slowInstance = fakeaws.Fault{ID: "slow-instance", Method: "Create", Type: "aws:rds/instance:Instance",
	Project: "database", Stack: "orders-dev", Action: fakeaws.ActionDelay, Delay: "10m"}

// TestInterruptedDeploys runs dev's network and orders-dev through the
// interruptions of issue 16, each followed by the run that recovers, in
// one world (the steps build on each other, so a failed step skips the
// rest):
//
//   - two deploys of orders-dev at once: the second fails at once, naming
//     the holder of the lock (host, pid, start time), changes nothing, and
//     a deploy of payments-dev meanwhile is unaffected;
//   - the first is then cancelled as GitHub cancels a job (SIGINT, SIGTERM
//     7.5 s later, the process tree killed at 10 s): the state the engine
//     wrote is kept (the create pending) and the lock is released;
//   - a preview says the state holds a pending operation; the next `up`
//     adopts the instance that exists and converges, with nothing orphaned
//     and nothing twice;
//   - a run killed outright (SIGKILL of the whole tree) during the same
//     long create leaves its lock and the pending create; `deploy repair`
//     takes the lock over (its holder is gone, on this host) and adopts the
//     instance;
//   - a run killed while its create had not reached AWS: the next `up`
//     clears the pending create (AWS says the instance does not exist) and
//     creates it once;
//   - the state file truncated: the next `up` stops with an error pointing
//     to `deploy restore-state`, which restores the last checkpoint.
func TestInterruptedDeploys(t *testing.T) {
	subreaper(t)
	w := newWorld(t)
	sb := w.sandbox()

	step := sb.steps(t)

	step("network", func(t *testing.T, w *world, sb *sandbox) {
		r := sb.deploy("up", "--env", "dev", "--stack", "dev")
		require.Zero(t, r.code, "%s", r)
	})

	var instanceURN string
	step("two deploys at once, then a cancelled job", func(t *testing.T, w *world, sb *sandbox) {
		w.setFaults(slowInstance)
		first := sb.start("up", "--env", "dev", "--stack", "orders-dev")
		fired := w.waitFired("slow-instance", 5*time.Minute)
		instanceURN = fired.URN
		require.Len(t, w.lockFiles("database", "orders-dev"), 1, "the first deploy holds the stack's lock")

		// The second deploy of the same stack fails at once, naming the
		// holder, and changes nothing.
		before := len(w.calls())
		start := time.Now()
		second := sb.deploy("up", "--env", "dev", "--stack", "orders-dev")
		require.NotZero(t, second.code, "%s", second)
		assert.Less(t, time.Since(start), time.Minute, "it fails fast, it does not wait")
		host, err := os.Hostname()
		require.NoError(t, err)
		assert.Contains(t, second.stderr, "database/orders-dev is locked by another run; nothing was changed", "%s", second)
		assert.Regexp(t, `pulumi pid [0-9]+ of [^ ]+@`+host+`, started 20[0-9-]+T[0-9:]+Z`, second.stderr, "it names the holder: process, host, start time")
		assert.Contains(t, second.stderr, "alive: pid ", "and says it still runs")
		assert.Regexp(t, `database/orders-dev\s+up\s+failed`, second.stdout)
		for _, c := range w.calls()[before:] {
			assert.True(t, c.Preview || (c.Method != "Create" && c.Method != "Update" && c.Method != "Delete"),
				"the second deploy changed nothing in AWS: %s %s", c.Method, c.URN)
		}

		// Another stack of the environment deploys meanwhile.
		other := sb.deploy("up", "--env", "dev", "--stack", "payments-dev")
		require.Zero(t, other.code, "payments-dev is unaffected by orders-dev's lock\n%s", other)

		// GitHub cancels the first: SIGINT, SIGTERM 7.5 s later, the tree
		// killed 2.5 s after that.
		require.NoError(t, first.cmd.Process.Signal(syscall.SIGINT))
		exitedEarly := first.exited(7500 * time.Millisecond)
		if !exitedEarly {
			require.NoError(t, first.cmd.Process.Signal(syscall.SIGTERM))
			exitedEarly = first.exited(2500 * time.Millisecond)
		}
		killTree(first.cmd.Process.Pid)
		<-first.done
		r := first.result()
		t.Logf("the cancelled deploy:\n%s", r)
		assert.True(t, exitedEarly, "the deploy ends within GitHub's 10 s, before the kill\n%s", r)
		assert.NotZero(t, r.code)
		assert.Contains(t, r.stderr, "no further stack will start")

		// The state the engine wrote is kept: the create is pending; the
		// lock is released.
		pending := w.pendingOps("database", "orders-dev")
		require.Len(t, pending, 1, "the instance's create was in flight")
		assert.Equal(t, instanceURN, string(pending[0].Resource.URN))
		assert.Equal(t, apitype.OperationTypeCreating, pending[0].Type)
		assert.Empty(t, w.lockFiles("database", "orders-dev"), "the cancelled run released its lock")
		require.Len(t, w.instances("orders-dev"), 1, "AWS holds the instance whose create was cut short")
	})

	step("a preview reports the pending create, up adopts it", func(t *testing.T, w *world, sb *sandbox) {
		w.setFaults()
		r := sb.deploy("preview", "--env", "dev", "--stack", "orders-dev")
		require.Zero(t, r.code, "%s", r)
		assert.Contains(t, r.stdout, "[database/orders-dev] the state holds 1 pending operation(s) left by an interrupted run")
		assert.Contains(t, r.stdout, "creating "+instanceURN)
		assert.Len(t, w.pendingOps("database", "orders-dev"), 1, "a preview resolves nothing")

		r = sb.deploy("up", "--env", "dev", "--stack", "orders-dev")
		require.Zero(t, r.code, "%s", r)
		id := w.instances("orders-dev")[0].ID
		assert.Contains(t, r.stdout, "repair: adopt "+instanceURN, "%s", r)
		assert.Contains(t, r.stdout, "DescribeDBInstances DBInstanceIdentifier=")
		assert.Contains(t, r.stdout, "adopted as "+id)
		assert.Contains(t, r.stdout, "checkpoint of the state before up: ")
		assert.Empty(t, w.pendingOps("database", "orders-dev"))
		require.Len(t, w.instances("orders-dev"), 1, "the instance exists once: adopted, not created again")
		a := sb.audit()
		assert.True(t, a.Clean(), "%s", a)
		r = sb.deploy("preview", "--env", "dev", "--stack", "orders-dev", "--expect-no-changes")
		require.Zero(t, r.code, "converged\n%s", r)
	})

	step("a killed run: deploy repair takes the lock over and adopts", func(t *testing.T, w *world, sb *sandbox) {
		// A new database name replaces the instance under a new identifier
		// (the digest of its replacing inputs): the replacement is created
		// before the old one is deleted.
		sb.editEnv("database", "orders-dev", "database:databaseName: orders", "database:databaseName: ordersdb")
		slowReplacement := slowInstance
		slowReplacement.ID = "slow-replacement"
		w.setFaults(slowReplacement)
		run := sb.start("up", "--env", "dev", "--stack", "orders-dev")
		fired := w.waitFired("slow-replacement", 5*time.Minute)
		killTree(run.cmd.Process.Pid)
		<-run.done
		require.Len(t, w.pendingOps("database", "orders-dev"), 1, "the killed run left its create pending\n%s", run.result())
		require.Len(t, w.lockFiles("database", "orders-dev"), 1, "and its lock")
		w.setFaults()

		r := sb.deploy("repair", "--env", "dev", "--stack", "orders-dev")
		require.Zero(t, r.code, "%s", r)
		assert.Contains(t, r.stdout, "took over the lock ")
		assert.Contains(t, r.stdout, "on this host")
		assert.Contains(t, r.stdout, "repair: adopt "+fired.URN)
		assert.Contains(t, r.stdout, "adopted as "+fired.ID)
		assert.Regexp(t, `database/orders-dev\s+repair\s+ok`, r.stdout)
		assert.Empty(t, w.pendingOps("database", "orders-dev"))
		assert.Empty(t, w.lockFiles("database", "orders-dev"))
		// The state holds every resource the double does, the replacement
		// included; the instance it replaces is still there, marked for
		// deletion, as after any create-before-delete replacement's create.
		a := sb.audit()
		assert.Empty(t, a.Orphans, "%s", a)
		assert.Empty(t, a.Missing, "%s", a)
		assert.Empty(t, a.Pending, "%s", a)
		for _, d := range a.Duplicates {
			require.Len(t, d, 2, "%s", a)
			assert.Equal(t, fired.URN, d[0].URN, "only the instance and its replacement share a URN\n%s", a)
		}

		r = sb.deploy("up", "--env", "dev", "--stack", "orders-dev")
		require.Zero(t, r.code, "%s", r)
		a = sb.audit()
		assert.True(t, a.Clean(), "%s", a)
		require.Len(t, w.instances("orders-dev"), 1, "the replacement is the adopted instance; the old one is gone")
		assert.Equal(t, fired.ID, w.instances("orders-dev")[0].ID)
	})

	step("a run killed before AWS accepted the create: up clears it", func(t *testing.T, w *world, sb *sandbox) {
		// Another replacement, whose create hangs before AWS accepts it:
		// the state has the create pending and AWS has no such instance.
		sb.editEnv("database", "orders-dev", "database:databaseName: ordersdb", "database:databaseName: orders")
		before := w.instances("orders-dev")
		require.Len(t, before, 1)
		hang := slowInstance
		hang.ID, hang.When = "hang-before-aws", "before"
		w.setFaults(hang)
		run := sb.start("up", "--env", "dev", "--stack", "orders-dev")
		fired := w.waitFired("hang-before-aws", 5*time.Minute)
		killTree(run.cmd.Process.Pid)
		<-run.done
		require.Len(t, w.pendingOps("database", "orders-dev"), 1, "the killed run left its create pending\n%s", run.result())
		assert.Equal(t, before, w.instances("orders-dev"), "AWS never got the create")
		w.setFaults()

		r := sb.deploy("up", "--env", "dev", "--stack", "orders-dev")
		require.Zero(t, r.code, "%s", r)
		assert.Contains(t, r.stdout, "repair: clear "+fired.URN, "%s", r)
		assert.Contains(t, r.stdout, "DBInstanceNotFound")
		a := sb.audit()
		assert.True(t, a.Clean(), "%s", a)
		require.Len(t, w.instances("orders-dev"), 1, "the up created the replacement once and deleted the old instance")
		assert.NotEqual(t, before[0].ID, w.instances("orders-dev")[0].ID)
	})

	step("a truncated state points to the restore", func(t *testing.T, w *world, sb *sandbox) {
		// An up with no change: its checkpoint is the state as it is.
		r := sb.deploy("up", "--env", "dev", "--stack", "orders-dev")
		require.Zero(t, r.code, "%s", r)
		path := filepath.Join(w.backend, ".pulumi", "stacks", "database", "orders-dev.json")
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, data[:len(data)/2], 0o600))
		before := len(w.calls())

		r = sb.deploy("up", "--env", "dev", "--stack", "orders-dev")
		require.NotZero(t, r.code, "%s", r)
		assert.Contains(t, r.stderr, "the state of database/orders-dev on the backend cannot be read, so nothing was run", "%s", r)
		assert.Contains(t, r.stderr, "deploy restore-state --env dev --stack orders-dev")
		assert.Equal(t, before, len(w.calls()), "nothing reached AWS")

		r = sb.deploy("restore-state", "--env", "dev", "--stack", "orders-dev")
		require.Zero(t, r.code, "%s", r)
		assert.Contains(t, r.stdout, "restored the state from ")
		r = sb.deploy("preview", "--env", "dev", "--stack", "orders-dev", "--expect-no-changes")
		require.Zero(t, r.code, "the restored state is the deployed one\n%s", r)
		a := sb.audit()
		assert.True(t, a.Clean(), "%s", a)
	})
}
