package deploy

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/stacks"
)

// Plan is what a run will do: which stacks, in which order.
type Plan struct {
	Op  Op
	Env string
	// Network is the environment's primary network stack, whether it runs
	// or not.
	Network stacks.Stack
	// Recovery are the environment's recovery networks (network stacks in
	// other regions whose network:recoveryOf names the environment),
	// whether they run or not.
	Recovery []stacks.Stack
	// Stacks run in this order: the networks of every region (the primary
	// first, then the recovery networks) before the database stacks, the
	// reverse for destroy.
	Stacks []stacks.Stack
	// Tier is the strictest tier among the stacks that run.
	Tier string
}

// Names lists the stacks the plan runs, as <project>/<stack>, in order.
func (p Plan) Names() []string {
	names := make([]string, len(p.Stacks))
	for i, s := range p.Stacks {
		names[i] = s.Project + "/" + s.Name
	}
	return names
}

// Runs reports whether the plan runs the given stack.
func (p Plan) Runs(project, name string) bool {
	for _, s := range p.Stacks {
		if s.Project == project && s.Name == name {
			return true
		}
	}
	return false
}

// NewPlan chooses and orders the stacks of opts.Env from the catalog and
// applies the refusal that needs no backend: no prod stack is ever
// destroyed (a *StepError wrapping a *RefusalError).
func NewPlan(all []stacks.Stack, opts Options) (Plan, error) {
	envs := stacks.Environments(all)
	network, err := stacks.Find(all, contract.NetworkProject, opts.Env)
	if err != nil || network.Environment != opts.Env || network.RecoveryOf != "" {
		return Plan{}, fmt.Errorf("--env %q: no network stack %s/%s/Pulumi.%s.yaml for it (environments: %s)",
			opts.Env, stacks.Dir, contract.NetworkProject, opts.Env, strings.Join(envs, ", "))
	}
	recovery := stacks.RecoveryNetworks(all, opts.Env)
	// Every region's network is up before any database stack runs: a
	// database stack reads its primary network and, for disaster
	// recovery, its recovery network.
	networks := append([]stacks.Stack{network}, recovery...)
	dbs := stacks.Filter(all, contract.DatabaseProject, opts.Env)

	var chosen []stacks.Stack
	if len(opts.Stacks) == 0 {
		chosen = slices.Concat(networks, dbs)
	} else {
		var valid []string
		for _, s := range slices.Concat(networks, dbs) {
			valid = append(valid, s.Name)
		}
		want := map[string]bool{}
		for _, name := range opts.Stacks {
			ok := false
			for _, v := range valid {
				ok = ok || v == name
			}
			if !ok {
				return Plan{}, fmt.Errorf("--stack %q: not a stack of environment %s (valid: %s)", name, opts.Env, strings.Join(valid, ", "))
			}
			want[name] = true
		}
		for _, n := range networks {
			if want[n.Name] {
				chosen = append(chosen, n)
			}
		}
		for _, d := range dbs {
			if want[d.Name] {
				chosen = append(chosen, d)
			}
		}
	}
	if opts.Op == Destroy {
		for i, j := 0, len(chosen)-1; i < j; i, j = i+1, j-1 {
			chosen[i], chosen[j] = chosen[j], chosen[i]
		}
		var prod []string
		var first stacks.Stack
		for _, s := range chosen {
			if mayBeProd(s) {
				if len(prod) == 0 {
					first = s
				}
				prod = append(prod, s.Project+"/"+s.Name)
			}
		}
		if len(prod) > 0 {
			return Plan{}, &StepError{Op: Destroy, Project: first.Project, Stack: first.Name, Err: &RefusalError{Op: Destroy, Reason: fmt.Sprintf(
				"refusing to destroy %s: prod is never destroyed by this tool (a stack is prod when its tier is prod or anything but dev or staging, or its environment is prod; its RDS instance is also protected); decommission prod by a reviewed change",
				strings.Join(prod, ", "))}}
		}
	}
	return Plan{Op: opts.Op, Env: opts.Env, Network: network, Recovery: recovery, Stacks: chosen, Tier: strictest(chosen)}, nil
}

// mayBeProd reports whether destroy must treat s as prod: its tier ranks as
// prod in strictest, which counts any tier but dev and staging as prod
// (destroy runs no program, so nothing else validates the tier; "Prod" or
// "production" must not slip through), or its environment is called prod
// whatever its tier says.
func mayBeProd(s stacks.Stack) bool {
	return strictest([]stacks.Stack{s}) == "prod" || s.Environment == "prod"
}

// strictest returns the strictest tier of the stacks; an unknown tier counts
// as prod.
func strictest(ss []stacks.Stack) string {
	rank := map[string]int{"dev": 0, "staging": 1, "prod": 2}
	tier := "dev"
	for _, s := range ss {
		r, ok := rank[s.Tier]
		if !ok {
			return "prod"
		}
		if r > rank[tier] {
			tier = s.Tier
		}
	}
	return tier
}

// RefusalError is a refusal to run: nothing was changed.
type RefusalError struct {
	Op     Op
	Reason string
}

func (e *RefusalError) Error() string { return e.Reason }

// NetworkStackKey is the database config key naming the network stack a
// database stack reads (networkref.Parse reads it).
const NetworkStackKey = networkref.Key

// RefersTo reports whether a database stack's network reference names the
// network stack, completing it as the database program does: a bare stack
// name is in the network project, <project>/<stack> and
// <organization>/<project>/<stack> name their project. The organization is
// not compared: it is "organization" on self-managed backends and the
// team's on Pulumi Cloud, the same for every stack of one backend. A
// reference that does not parse names no stack.
func RefersTo(ref string, network stacks.Stack) bool {
	r, err := networkref.Parse(ref, "")
	return err == nil && r.Names(contract.NetworkProject, network.Name)
}

// Holder is a database stack that still holds resources and depends on a
// network stack.
type Holder struct {
	Name string
	// Env is the holder's environment (from its file; for a stack with no
	// committed file, the network's).
	Env       string
	Resources int
}

// Dependents lists the database stacks that still hold resources on the
// backend (inventory: stack name to resource count) and depend on the
// network stack: the committed ones whose reference names it, and any stack
// on the backend without a committed file whose name ends in -<env>. Stacks
// in skip are left out (they are destroyed earlier in the same run).
func Dependents(all []stacks.Stack, network stacks.Stack, inventory map[string]int, skip map[string]bool) []Holder {
	candidates := map[string]string{} // name -> environment
	committed := map[string]bool{}
	for _, s := range all {
		if s.Project != contract.DatabaseProject {
			continue
		}
		committed[s.Name] = true
		if ref, err := networkref.Of(s.Config, s.Environment); err == nil && ref.Names(contract.NetworkProject, network.Name) {
			candidates[s.Name] = s.Environment
		}
	}
	for name := range inventory {
		if !committed[name] && strings.HasSuffix(name, "-"+network.Environment) {
			candidates[name] = network.Environment
		}
	}
	var out []Holder
	for name, env := range candidates {
		if skip[name] {
			continue
		}
		if n := inventory[name]; n > 0 {
			out = append(out, Holder{Name: name, Env: env, Resources: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func networkRefusal(network stacks.Stack, holders []Holder) *RefusalError {
	var parts, envs []string
	byEnv := map[string][]string{}
	for _, h := range holders {
		parts = append(parts, fmt.Sprintf("%s (%d resources)", h.Name, h.Resources))
		if _, seen := byEnv[h.Env]; !seen {
			envs = append(envs, h.Env)
		}
		byEnv[h.Env] = append(byEnv[h.Env], "--stack "+h.Name)
	}
	var cmds []string
	for _, env := range envs {
		cmds = append(cmds, fmt.Sprintf("deploy destroy --env %s %s", env, strings.Join(byEnv[env], " ")))
	}
	return &RefusalError{Op: Destroy, Reason: fmt.Sprintf(
		"refusing to destroy network/%s: database stacks that reference it still hold resources: %s; destroy them first (%s)",
		network.Name, strings.Join(parts, ", "), strings.Join(cmds, "; "))}
}
