package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pgplatform/platform/shared/stacks"
)

// bigCatalog is dev's network and n database stacks, app01-dev...
func bigCatalog(n int) []stacks.Stack {
	all := []stacks.Stack{{Project: "network", Name: "dev", Environment: "dev", Tier: "dev",
		Config: map[string]string{"network:environment": "dev", "network:tier": "dev"}}}
	for i := 1; i <= n; i++ {
		app := fmt.Sprintf("app%02d", i)
		all = append(all, stacks.Stack{Project: "database", Name: app + "-dev", Environment: "dev", Tier: "dev",
			Config: map[string]string{"database:environment": "dev", "database:tier": "dev", "database:app": app}})
	}
	return all
}

type parallelRun struct {
	res []Result
	out string
	err error
}

// runParallel runs a plan of bigCatalog(n) with the fake engine, logs in a
// temporary folder.
func runParallel(t *testing.T, f *fakeEngine, n int, opts Options, stop <-chan struct{}) parallelRun {
	t.Helper()
	all := bigCatalog(n)
	if opts.LogDir == "" {
		opts.LogDir = filepath.Join(t.TempDir(), "logs")
	}
	p, err := NewPlan(all, opts)
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	var out bytes.Buffer
	w := &syncWriter{w: &out}
	r := Runner{Engine: f, Out: w, Err: w, Now: clock(), Stop: stop}
	res, err := r.Run(context.Background(), all, p, opts)
	return parallelRun{res: res, out: out.String(), err: err}
}

// gauge counts the database steps running at once.
type gauge struct {
	mu          sync.Mutex
	active, max int
}

func (g *gauge) enter() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active++
	g.max = max(g.max, g.active)
	return g.active
}

func (g *gauge) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.active--
}

func TestParallelRunsDatabasesAtOnceUpToTheLimit(t *testing.T) {
	const limit = 3
	var g gauge
	var netDone sync.WaitGroup
	netDone.Add(1)
	// The first `limit` database steps wait for each other: the run
	// finishes only if that many run at once.
	full := make(chan struct{})
	var arrived int
	var mu sync.Mutex
	f := &fakeEngine{changes: map[string]int{"create": 2}}
	f.during = func(call string) {
		if call == "up network/dev" {
			g.mu.Lock()
			if g.active != 0 {
				t.Errorf("the network ran while a database stack ran")
			}
			g.mu.Unlock()
			netDone.Done()
			return
		}
		netDone.Wait()
		n := g.enter()
		defer g.leave()
		if n > limit {
			t.Errorf("%d database stacks ran at once, limit %d", n, limit)
		}
		mu.Lock()
		arrived++
		if arrived == limit {
			close(full)
		}
		mu.Unlock()
		select {
		case <-full:
		case <-time.After(10 * time.Second):
			t.Errorf("%s: %d database stacks never ran at once", call, limit)
		}
	}
	r := runParallel(t, f, 7, Options{Op: Up, Env: "dev", Parallel: limit}, nil)
	if r.err != nil {
		t.Fatalf("Run: %v\n%s", r.err, r.out)
	}
	if g.max != limit {
		t.Fatalf("at most %d database stacks ran at once, want %d", g.max, limit)
	}
	if got := f.runs(); len(got) != 8 || got[0] != "up network/dev" {
		t.Fatalf("runs = %v, want the network first, then all seven databases", got)
	}
	// The summary is in the plan's order whatever order they finished in.
	want := []string{"network/dev=ok"}
	for i := 1; i <= 7; i++ {
		want = append(want, fmt.Sprintf("database/app%02d-dev=ok", i))
	}
	if got := statuses(r.res); !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
}

func TestParallelFailureDoesNotStopTheOthers(t *testing.T) {
	for _, op := range []Op{Preview, Up, Refresh} {
		t.Run(string(op), func(t *testing.T) {
			f := &fakeEngine{fail: map[string]error{
				"database/app02-dev": errors.New("creating RDS instance: InvalidParameterCombination"),
				"database/app05-dev": errors.New("DBSubnetGroupNotFoundFault"),
			}}
			r := runParallel(t, f, 6, Options{Op: op, Env: "dev", Parallel: 4}, nil)
			var many StepErrors
			if !errors.As(r.err, &many) || len(many) != 2 {
				t.Fatalf("err = %v, want two failed steps", r.err)
			}
			want := fmt.Sprintf("2 stacks did not succeed:\n  %[1]s database/app02-dev: creating RDS instance: InvalidParameterCombination\n  %[1]s database/app05-dev: DBSubnetGroupNotFoundFault", op)
			if r.err.Error() != want {
				t.Fatalf("message = %q, want %q", r.err.Error(), want)
			}
			var se *StepError
			if !errors.As(r.err, &se) || se.Stack != "app02-dev" {
				t.Fatalf("errors.As finds %v, want the first failed step", se)
			}
			wantStatus := []string{"network/dev=ok", "database/app01-dev=ok", "database/app02-dev=failed", "database/app03-dev=ok",
				"database/app04-dev=ok", "database/app05-dev=failed", "database/app06-dev=ok"}
			if got := statuses(r.res); !reflect.DeepEqual(got, wantStatus) {
				t.Fatalf("statuses = %v, want %v", got, wantStatus)
			}
			if n := len(f.runs()); n != 7 {
				t.Fatalf("runs = %v, want every stack run", f.runs())
			}
		})
	}
}

func TestParallelOneFailureIsItsStepError(t *testing.T) {
	f := &fakeEngine{fail: map[string]error{"database/app03-dev": errors.New("boom")}}
	r := runParallel(t, f, 4, Options{Op: Up, Env: "dev", Parallel: 2}, nil)
	var se *StepError
	if !errors.As(r.err, &se) || r.err.Error() != "up database/app03-dev: boom" {
		t.Fatalf("err = %v, want the one step's error as a one-at-a-time run gives it", r.err)
	}
	if !strings.Contains(r.out, "<-- up database/app03-dev: failed, changes: create 1 in ") || !strings.Contains(r.out, "(engine output: ") {
		t.Fatalf("progress lacks the failed step's end line with its log:\n%s", r.out)
	}
}

func TestParallelNetworkFailureSkipsTheDatabases(t *testing.T) {
	f := &fakeEngine{fail: map[string]error{"network/dev": errors.New("VpcLimitExceeded")}}
	r := runParallel(t, f, 3, Options{Op: Preview, Env: "dev", Parallel: 4}, nil)
	if r.err == nil || r.err.Error() != "preview network/dev: VpcLimitExceeded" {
		t.Fatalf("err = %v", r.err)
	}
	if got, want := f.runs(), []string{"preview network/dev"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("runs = %v, want %v", got, want)
	}
	want := []string{"network/dev=failed", "database/app01-dev=skipped", "database/app02-dev=skipped", "database/app03-dev=skipped"}
	if got := statuses(r.res); !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
}

func TestParallelInterruptStartsNoFurtherStack(t *testing.T) {
	stop := make(chan struct{})
	var once sync.Once
	both := make(chan struct{})
	var mu sync.Mutex
	var started []string
	f := &fakeEngine{}
	f.during = func(call string) {
		if call == "up network/dev" {
			return
		}
		mu.Lock()
		started = append(started, call)
		if len(started) == 2 {
			close(both)
		}
		mu.Unlock()
		// Both slots are taken; the interrupt arrives while they run, and
		// they finish after it.
		<-both
		once.Do(func() { close(stop) })
		time.Sleep(20 * time.Millisecond)
	}
	r := runParallel(t, f, 5, Options{Op: Up, Env: "dev", Parallel: 2}, stop)
	if !errors.Is(r.err, ErrInterrupted) || r.err.Error() != "up database/app03-dev: interrupted before it started" {
		t.Fatalf("err = %v, want app03-dev named as not started", r.err)
	}
	want := []string{"network/dev=ok", "database/app01-dev=ok", "database/app02-dev=ok",
		"database/app03-dev=skipped", "database/app04-dev=skipped", "database/app05-dev=skipped"}
	if got := statuses(r.res); !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v (the running ones finish, no other starts)", got, want)
	}
	if n := len(f.runs()); n != 3 {
		t.Fatalf("runs = %v, want the network and two databases", f.runs())
	}
}

func TestParallelDestroyRunsTheDatabasesThenTheNetwork(t *testing.T) {
	inv := map[string]int{}
	for i := 1; i <= 4; i++ {
		inv[fmt.Sprintf("app%02d-dev", i)] = 5
	}
	var g gauge
	f := &fakeEngine{inventory: map[string]map[string]int{"database": inv}}
	f.during = func(call string) {
		if call == "destroy network/dev" {
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.active != 0 {
				t.Errorf("the network was destroyed while %d database stacks were", g.active)
			}
			return
		}
		g.enter()
		time.Sleep(10 * time.Millisecond)
		g.leave()
	}
	r := runParallel(t, f, 4, Options{Op: Destroy, Env: "dev", Parallel: 4}, nil)
	if r.err != nil {
		t.Fatalf("Run: %v\n%s", r.err, r.out)
	}
	runs := f.runs()
	if len(runs) != 5 || runs[4] != "destroy network/dev" {
		t.Fatalf("runs = %v, want the network destroyed last", runs)
	}
	if g.max < 2 {
		t.Fatalf("at most %d database stacks were destroyed at once, want them at once", g.max)
	}
	want := []string{"database/app04-dev=ok", "database/app03-dev=ok", "database/app02-dev=ok", "database/app01-dev=ok", "network/dev=ok"}
	if got := statuses(r.res); !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}

	// A database that fails to go keeps the network: the others still go.
	for k := range inv {
		inv[k] = 5
	}
	f = &fakeEngine{inventory: map[string]map[string]int{"database": inv}, fail: map[string]error{"database/app02-dev": errors.New("InvalidDBInstanceState")}}
	r = runParallel(t, f, 4, Options{Op: Destroy, Env: "dev", Parallel: 4}, nil)
	if r.err == nil || r.err.Error() != "destroy database/app02-dev: InvalidDBInstanceState" {
		t.Fatalf("err = %v", r.err)
	}
	want = []string{"database/app04-dev=ok", "database/app03-dev=ok", "database/app02-dev=failed", "database/app01-dev=ok", "network/dev=skipped"}
	if got := statuses(r.res); !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v", got, want)
	}
}

func TestParallelEngineOutputGoesToOneFilePerStack(t *testing.T) {
	logs := filepath.Join(t.TempDir(), "logs")
	f := &fakeEngine{output: "Previewing update\n + aws:rds:Instance db create\npartial", fail: map[string]error{"database/app02-dev": errors.New("boom")}}
	r := runParallel(t, f, 3, Options{Op: Preview, Env: "dev", Parallel: 3, LogDir: logs}, nil)
	if r.err == nil {
		t.Fatal("want app02-dev's failure")
	}
	// The network ran alone: its output streams as before.
	if !strings.Contains(r.out, "[network/dev] Previewing update\n") {
		t.Fatalf("the network's output was not streamed:\n%s", r.out)
	}
	for i := 1; i <= 3; i++ {
		label := fmt.Sprintf("database/app%02d-dev", i)
		if strings.Contains(r.out, "["+label+"] Previewing") {
			t.Errorf("%s's engine output reached the terminal:\n%s", label, r.out)
		}
		if strings.Count(r.out, "--> preview "+label+" (tier dev)\n") != 1 || strings.Count(r.out, "<-- preview "+label+": ") != 1 {
			t.Errorf("want one start and one end line for %s:\n%s", label, r.out)
		}
		data, err := os.ReadFile(filepath.Join(logs, fmt.Sprintf("database-app%02d-dev.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != "Previewing update\n + aws:rds:Instance db create\npartial\n" {
			t.Errorf("%s's log = %q", label, data)
		}
		if r.res[i].Log != filepath.Join(logs, fmt.Sprintf("database-app%02d-dev.log", i)) {
			t.Errorf("%s: result log = %q", label, r.res[i].Log)
		}
	}
	if !strings.Contains(r.out, "deploy: 3 database stacks, up to 3 at once; engine output of each in "+logs+"\n") {
		t.Fatalf("progress does not say where the logs go:\n%s", r.out)
	}
	var sum bytes.Buffer
	if err := WriteLogs(&sum, r.res); err != nil {
		t.Fatal(err)
	}
	want := "\nEngine output of the database stacks that ran concurrently: " + logs + "/<project>-<stack>.log\n" +
		"Logs of the stacks that did not succeed:\n  database/app02-dev: " + filepath.Join(logs, "database-app02-dev.log") + "\n"
	if sum.String() != want {
		t.Fatalf("WriteLogs = %q, want %q", sum.String(), want)
	}
}

func TestParallelLoneDatabaseStreams(t *testing.T) {
	f := &fakeEngine{output: "Updating\n", inventory: map[string]map[string]int{"network": {"dev": 3}}}
	r := runParallel(t, f, 3, Options{Op: Up, Env: "dev", Parallel: 8, Stacks: []string{"app02-dev"}}, nil)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !strings.Contains(r.out, "[database/app02-dev] Updating\n") || r.res[0].Log != "" {
		t.Fatalf("a stack that runs alone streams its output:\n%s", r.out)
	}
	var sum bytes.Buffer
	if err := WriteLogs(&sum, r.res); err != nil || sum.Len() != 0 {
		t.Fatalf("WriteLogs = %q, %v; want nothing when every output was streamed", sum.String(), err)
	}
}

func TestStages(t *testing.T) {
	p, err := NewPlan(bigCatalog(3), Options{Op: Destroy, Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := stages(p.Stacks), [][]int{{0, 1, 2}, {3}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("stages = %v, want %v", got, want)
	}
}
