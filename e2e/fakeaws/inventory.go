package fakeaws

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Item is one resource the double holds, with the state (project and
// stack, from the URN its create was given) that created it.
type Item struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	URN     string `json:"urn"`
	Project string `json:"project"`
	Stack   string `json:"stack"`
	// Name is the resource's name in its URN.
	Name string `json:"name"`
}

func (it Item) String() string {
	return fmt.Sprintf("%s %s (%s/%s %s)", it.Type, it.ID, it.Project, it.Stack, it.Name)
}

// Inventory lists every resource the double in folder dir holds, sorted by
// project, stack, URN and ID.
func Inventory(dir string) ([]Item, error) {
	recs, err := Records(dir)
	if err != nil {
		return nil, err
	}
	return inventoryOf(recs), nil
}

func inventoryOf(recs []Record) []Item {
	items := make([]Item, 0, len(recs))
	for _, r := range recs {
		it := Item{Type: r.Type, ID: r.ID, URN: r.URN}
		if u := resource.URN(r.URN); u.IsValid() {
			it.Project, it.Stack, it.Name = u.Project().String(), u.Stack().String(), u.Name()
		}
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.Project != b.Project {
			return a.Project < b.Project
		}
		if a.Stack != b.Stack {
			return a.Stack < b.Stack
		}
		if a.URN != b.URN {
			return a.URN < b.URN
		}
		return a.ID < b.ID
	})
	return items
}

// StateRef is a resource a stack's state holds (or a pending operation
// names).
type StateRef struct {
	Stack string // project/stack
	Type  string
	ID    string
	URN   string
	// Op is the pending operation's type ("creating", "updating", ...)
	// for a pending operation; empty for a resource.
	Op string
}

func (r StateRef) String() string {
	if r.Op != "" {
		return fmt.Sprintf("%s: pending %s of %s %s", r.Stack, r.Op, r.Type, r.URN)
	}
	return fmt.Sprintf("%s: %s %s (%s)", r.Stack, r.Type, r.ID, r.URN)
}

// Audit compares what the double holds with what the stacks' states hold.
// Every field is empty when they agree exactly.
type Audit struct {
	// Orphans exist in the double but in no state.
	Orphans []Item
	// Duplicates are two or more resources the double holds for one URN
	// (one Pulumi resource, created twice).
	Duplicates [][]Item
	// Missing are resources a state holds that the double does not.
	Missing []StateRef
	// Shared are resources that two entries of the states claim.
	Shared []StateRef
	// Pending are the states' pending operations.
	Pending []StateRef
}

// Clean reports whether the double and the states agree exactly, with no
// pending operation.
func (a Audit) Clean() bool {
	return len(a.Orphans) == 0 && len(a.Duplicates) == 0 && len(a.Missing) == 0 &&
		len(a.Shared) == 0 && len(a.Pending) == 0
}

func (a Audit) String() string {
	if a.Clean() {
		return "the double holds exactly the resources of the states"
	}
	var b strings.Builder
	for _, o := range a.Orphans {
		fmt.Fprintf(&b, "orphan (in the double, in no state): %s\n", o)
	}
	for _, d := range a.Duplicates {
		ids := make([]string, len(d))
		for i, it := range d {
			ids[i] = it.ID
		}
		fmt.Fprintf(&b, "duplicate (%d resources for one URN): %s: %s\n", len(d), d[0].URN, strings.Join(ids, ", "))
	}
	for _, m := range a.Missing {
		fmt.Fprintf(&b, "missing (in a state, not in the double): %s\n", m)
	}
	for _, s := range a.Shared {
		fmt.Fprintf(&b, "claimed twice by the states: %s\n", s)
	}
	for _, p := range a.Pending {
		fmt.Fprintf(&b, "pending operation: %s\n", p)
	}
	return b.String()
}

// AuditDir compares the double in folder dir with the deployments of the
// stacks (as `pulumi stack export` writes them), keyed by
// "project/stack".
func AuditDir(dir string, deployments map[string]apitype.DeploymentV3) (Audit, error) {
	items, err := Inventory(dir)
	if err != nil {
		return Audit{}, err
	}
	return AuditItems(items, deployments), nil
}

// AuditItems compares an inventory with the stacks' deployments. A state
// resource is one of the double's when it is a custom resource whose type
// the double manages (aws:…; not a provider, a component or a stack
// reference); it matches a record of the same type and ID.
func AuditItems(items []Item, deployments map[string]apitype.DeploymentV3) Audit {
	var a Audit
	type key struct{ typ, id string }
	claimed := map[key]StateRef{}
	names := make([]string, 0, len(deployments))
	for n := range deployments {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		d := deployments[n]
		for _, r := range d.Resources {
			if !r.Custom || !strings.HasPrefix(string(r.Type), "aws:") || r.ID == "" {
				continue
			}
			ref := StateRef{Stack: n, Type: string(r.Type), ID: string(r.ID), URN: string(r.URN)}
			k := key{ref.Type, ref.ID}
			if _, dup := claimed[k]; dup {
				a.Shared = append(a.Shared, ref)
				continue
			}
			claimed[k] = ref
		}
		for _, op := range d.PendingOperations {
			a.Pending = append(a.Pending, StateRef{Stack: n, Type: string(op.Resource.Type),
				ID: string(op.Resource.ID), URN: string(op.Resource.URN), Op: string(op.Type)})
		}
	}
	held := map[key]bool{}
	byURN := map[string][]Item{}
	for _, it := range items {
		k := key{it.Type, it.ID}
		held[k] = true
		byURN[it.URN] = append(byURN[it.URN], it)
		if _, ok := claimed[k]; !ok {
			a.Orphans = append(a.Orphans, it)
		}
	}
	urns := make([]string, 0, len(byURN))
	for u := range byURN {
		urns = append(urns, u)
	}
	sort.Strings(urns)
	for _, u := range urns {
		if len(byURN[u]) > 1 {
			a.Duplicates = append(a.Duplicates, byURN[u])
		}
	}
	for _, n := range names {
		for _, r := range deployments[n].Resources {
			k := key{string(r.Type), string(r.ID)}
			if ref, ok := claimed[k]; ok && ref.Stack == n && ref.URN == string(r.URN) && !held[k] {
				a.Missing = append(a.Missing, ref)
			}
		}
	}
	return a
}
