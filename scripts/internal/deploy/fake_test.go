package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/stacks"
)

// catalog is an in-memory stack catalog shaped like the committed one, in
// the order stacks.Discover returns it.
func catalog() []stacks.Stack {
	net := func(env, tier string) stacks.Stack {
		return stacks.Stack{Project: "network", Name: env, Environment: env, Tier: tier,
			Config: map[string]string{"network:environment": env, "network:tier": tier}}
	}
	db := func(app, env, tier string, extra map[string]string) stacks.Stack {
		cfg := map[string]string{"database:environment": env, "database:tier": tier, "database:app": app}
		for k, v := range extra {
			cfg[k] = v
		}
		return stacks.Stack{Project: "database", Name: app + "-" + env, Environment: env, Tier: tier, Config: cfg}
	}
	return []stacks.Stack{
		net("dev", "dev"), net("prod", "prod"), net("staging", "staging"),
		db("orders", "dev", "dev", nil),
		db("orders", "prod", "prod", nil),
		db("orders", "staging", "staging", nil),
		db("payments", "dev", "dev", nil),
		db("payments", "prod", "prod", nil),
	}
}

// fakeEngine records what the runner asks of it. Destroying a stack
// empties it in the inventory, as the real engine would.
type fakeEngine struct {
	mu sync.Mutex
	// calls: "open <project>/<stack> create=<bool>", "throwaway
	// <project>/<stack> copies=<refs>", "<op> <project>/<stack>".
	calls []string
	// inventory: project -> stack -> resources on the backend.
	inventory map[string]map[string]int
	// missing: "<project>/<stack>" not on the backend.
	missing map[string]bool
	// fail: "<project>/<stack>" -> error of its Run.
	fail map[string]error
	// keep: destroy leaves these stacks' resources in the inventory.
	keep map[string]bool
	// changes returned by every successful Run.
	changes map[string]int
	// output written to the progress stream by every Run.
	output string
	// events written to the events stream when one is given.
	events string
	// seen records the RunOptions flags per call.
	seen []RunOptions
	// inventoryErr fails Inventory.
	inventoryErr error
	// exported: "<project>/<stack>" -> its deployment, for Export.
	exported map[string]json.RawMessage
	// onRun, if set, is called once, by the first Run.
	onRun func()
	// during, if set, is called by every Run with "<op> <project>/<stack>"
	// while the step runs (parallel_test.go).
	during func(call string)
}

func (f *fakeEngine) Describe() string { return "fake backend" }

func (f *fakeEngine) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeEngine) Open(_ context.Context, st stacks.Stack, create bool) (Stack, error) {
	key := st.Project + "/" + st.Name
	f.record(fmt.Sprintf("open %s create=%t", key, create))
	if f.missing[key] && !create {
		return nil, fmt.Errorf("%w fake", ErrNotFound)
	}
	return &fakeStack{f: f, st: st}, nil
}

func (f *fakeEngine) Backend() string { return "file:///fake-backend" }

func (f *fakeEngine) OpenThrowaway(_ context.Context, st stacks.Stack, copies []workspace.Ref) (Stack, error) {
	key := st.Project + "/" + st.Name
	var names []string
	for _, c := range copies {
		names = append(names, c.String())
	}
	f.record(fmt.Sprintf("throwaway %s copies=%s", key, strings.Join(names, ",")))
	return &fakeStack{f: f, st: st, throwaway: true}, nil
}

func (f *fakeEngine) Inventory(_ context.Context, project string) (map[string]int, error) {
	f.record("inventory " + project)
	if f.inventoryErr != nil {
		return nil, f.inventoryErr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.inventory[project] {
		out[k] = v
	}
	return out, nil
}

func (f *fakeEngine) Export(_ context.Context, project, stack string) (json.RawMessage, error) {
	f.record("export " + project + "/" + stack)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exported[project+"/"+stack], nil
}

// runs returns the "<op> <project>/<stack>" calls in order.
func (f *fakeEngine) runs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		var op, key string
		if _, err := fmt.Sscanf(c, "%s %s", &op, &key); err == nil && op != "open" && op != "inventory" && op != "export" && op != "close" && op != "throwaway" {
			out = append(out, c)
		}
	}
	return out
}

type fakeStack struct {
	f  *fakeEngine
	st stacks.Stack
	// throwaway: opened by OpenThrowaway; its runs are recorded as
	// "<op> <project>/<stack> throwaway".
	throwaway bool
}

func (s *fakeStack) Run(_ context.Context, op Op, o RunOptions) (map[string]int, error) {
	key := s.st.Project + "/" + s.st.Name
	call := fmt.Sprintf("%s %s", op, key)
	if s.throwaway {
		call += " throwaway"
	}
	s.f.record(call)
	s.f.mu.Lock()
	s.f.seen = append(s.f.seen, o)
	onRun := s.f.onRun
	s.f.onRun = nil
	during := s.f.during
	s.f.mu.Unlock()
	if onRun != nil {
		onRun()
	}
	if during != nil {
		during(fmt.Sprintf("%s %s", op, key))
	}
	if s.f.output != "" {
		if _, err := io.WriteString(o.Progress, s.f.output); err != nil {
			return nil, err
		}
	}
	if o.Events != nil && s.f.events != "" {
		if _, err := io.WriteString(o.Events, s.f.events); err != nil {
			return nil, err
		}
	}
	if err := s.f.fail[key]; err != nil {
		return map[string]int{"create": 1}, err
	}
	if op == Destroy && !s.f.keep[s.st.Name] {
		s.f.mu.Lock()
		if inv := s.f.inventory[s.st.Project]; inv != nil {
			inv[s.st.Name] = 0
		}
		s.f.mu.Unlock()
	}
	return s.f.changes, nil
}

func (s *fakeStack) Close() error {
	s.f.record("close " + s.st.Project + "/" + s.st.Name)
	return nil
}
