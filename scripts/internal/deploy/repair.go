package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Repair: a run that was killed (SIGKILL, a lost CI runner) in the middle of
// a resource operation leaves that operation in the stack's state as a
// pending operation (deployment.pending_operations of `pulumi stack
// export`). The engine carries a pending create from state to state until
// someone resolves it, and never knows whether AWS holds the resource: an
// `up` would create it a second time (an RDS identifier taken, a
// duplicate, an orphan). The platform names its resources
// deterministically, and the pending create records the inputs the
// provider's Check produced (the physical name included), so the tool looks
// the resource up in AWS and adopts it or clears the operation. Anything it
// cannot decide with certainty stops the run with the exact manual step.

// The kinds of pending operation (apitype.OperationType).
const (
	PendingCreating  = "creating"
	PendingUpdating  = "updating"
	PendingDeleting  = "deleting"
	PendingImporting = "importing"
)

// PendingOp is one operation an interrupted run left in a stack's state.
type PendingOp struct {
	// Kind is creating, updating, deleting, importing or reading.
	Kind string
	URN  string
	Type string
	// ID is the resource's ID when the state knows it (never for a create).
	ID string
	// Inputs are the resource's inputs as the provider checked them: for a
	// create they hold the physical name the provider would have used.
	Inputs map[string]any
	// Provider is the reference to the provider that owns the resource,
	// `<provider URN>::<provider ID>`, and ProviderRegion what the state
	// records of that provider's region (repair_region.go): the lookup is
	// made there.
	Provider       string
	ProviderRegion ProviderRegion
}

// Name is the resource's logical name (the last part of its URN).
func (p PendingOp) Name() string { return urnName(p.URN) }

// Action is what repair does with a pending operation.
type Action string

// The actions.
const (
	// Adopt puts a pending create's resource, found in AWS, into the state
	// under the ID found, and refreshes it.
	Adopt Action = "adopt"
	// Clear drops a pending create whose resource does not exist.
	Clear Action = "clear"
	// RefreshOp resolves a pending update or delete by refreshing the
	// resource from AWS.
	RefreshOp Action = "refresh"
	// Stop is an operation the tool cannot resolve with certainty: the run
	// stops and says what a person must check and run.
	Stop Action = "stop"
)

// Decision is what repair does with one pending operation, and why.
type Decision struct {
	Op     PendingOp
	Action Action
	// ID is the physical ID an adopted resource gets.
	ID string
	// Reason is the evidence: what was looked up, how, and what was found.
	Reason string
	// Manual is, for Stop, the exact step a person takes.
	Manual string
}

func (d Decision) String() string {
	s := fmt.Sprintf("%s %s (%s, pending %s): %s", d.Action, d.Op.URN, d.Op.Type, d.Op.Kind, d.Reason)
	if d.Action == Adopt {
		s += "; adopted as " + d.ID
	}
	if d.Manual != "" {
		s += "; to resolve it: " + d.Manual
	}
	return s
}

// Finding is the result of looking a pending create's resource up in AWS.
type Finding struct {
	// Found is true when the resource exists; ID is then its provider ID
	// (what `pulumi import` takes).
	Found bool
	ID    string
	// Evidence says what was asked and what AWS answered.
	Evidence string
}

// ErrNoLookup is returned by a Finder for a resource type it cannot look up
// with certainty.
var ErrNoLookup = errors.New("no lookup for this resource type")

// Finder looks up the physical resource of a pending create.
type Finder interface {
	Find(ctx context.Context, region string, op PendingOp) (Finding, error)
}

// RepairTarget names the stack being repaired, for the manual steps.
// Region is the stack's aws:region, which a resource of the default aws
// provider must have been created in (repair_region.go).
type RepairTarget struct {
	Env, Project, Stack, Region string
}

func (t RepairTarget) repairCmd() string {
	name := t.Stack
	return fmt.Sprintf("deploy repair --env %s --stack %s", t.Env, name)
}

// Overrides are the decisions a person gave on the command line
// (--adopt URN=ID, --forget URN) after checking AWS, by URN.
type Overrides struct {
	Adopt  map[string]string
	Forget map[string]bool
}

// Decide decides what to do with each pending operation of a stack. Pending
// updates and deletes are refreshed (their resource is in the state; a
// refresh reads what AWS holds now). A pending create is looked up in AWS:
// adopted when the resource exists, cleared when it does not; a type the
// finder cannot look up, a failed lookup, a resource whose provider's
// region the state does not tell with certainty, or any other kind of
// operation stops with the manual step. A create is looked up in the
// region of the provider that owns it (lookupRegion), not the stack's. A
// person's override wins over the lookup.
func Decide(ctx context.Context, f Finder, t RepairTarget, ops []PendingOp, o Overrides) []Decision {
	out := make([]Decision, 0, len(ops))
	for _, op := range ops {
		out = append(out, decide(ctx, f, t, op, o))
	}
	return out
}

func decide(ctx context.Context, f Finder, t RepairTarget, op PendingOp, o Overrides) Decision {
	d := Decision{Op: op}
	if id, ok := o.Adopt[op.URN]; ok && op.Kind == PendingCreating {
		d.Action, d.ID, d.Reason = Adopt, id, "--adopt given: a person found it in AWS"
		return d
	}
	if o.Forget[op.URN] && op.Kind == PendingCreating {
		d.Action, d.Reason = Clear, "--forget given: a person found that it does not exist in AWS"
		return d
	}
	region, provider, regionErr := lookupRegion(t, op)
	where := fmt.Sprintf("region %s, that of its %s", region, provider)
	if regionErr != nil {
		where = "in the region its provider was configured with, which the state does not tell: " + regionErr.Error()
	}
	adoptOrForget := fmt.Sprintf("check in AWS (%s) whether %s exists%s; if it does, run `%s --adopt '%s=<its ID>'`, "+
		"if it does not, run `%s --forget '%s'`",
		where, describeResource(op), tagHint(op), t.repairCmd(), op.URN, t.repairCmd(), op.URN)
	switch op.Kind {
	case PendingUpdating, PendingDeleting:
		d.Action = RefreshOp
		d.Reason = "the resource is in the state; a refresh reads what AWS holds now"
		return d
	case PendingCreating:
	default:
		d.Action = Stop
		d.Reason = fmt.Sprintf("the tool does not resolve a pending %q operation", op.Kind)
		d.Manual = fmt.Sprintf("export the state (`pulumi stack export --stack %s`), check %s in AWS, "+
			"and resolve the operation by hand (`pulumi refresh`, or edit and `pulumi stack import`)", t.Stack, describeResource(op))
		return d
	}
	if f == nil {
		d.Action, d.Reason, d.Manual = Stop, "no AWS lookup is available", adoptOrForget
		return d
	}
	if regionErr != nil {
		d.Action = Stop
		d.Reason = "the region to look it up in is not certain: " + regionErr.Error()
		d.Manual = adoptOrForget
		return d
	}
	found, err := f.Find(ctx, region, op)
	switch {
	case errors.Is(err, ErrNoLookup):
		d.Action = Stop
		d.Reason = fmt.Sprintf("the tool cannot look up a %s in AWS with certainty", op.Type)
		d.Manual = adoptOrForget
	case err != nil:
		d.Action = Stop
		d.Reason = fmt.Sprintf("looking it up in AWS failed: %v", err)
		d.Manual = "fix the cause and run `" + t.repairCmd() + "` again, or " + adoptOrForget
	case found.Found && found.ID == "":
		d.Action = Stop
		d.Reason = "found in AWS without an ID: " + found.Evidence
		d.Manual = adoptOrForget
	case found.Found:
		d.Action, d.ID, d.Reason = Adopt, found.ID, found.Evidence
	default:
		d.Action, d.Reason = Clear, found.Evidence
	}
	if errors.Is(err, ErrNoLookup) {
		d.Reason += " (it would be in " + where + ")"
	} else {
		d.Reason += " (looked up in " + where + ")"
	}
	return d
}

// describeResource names a pending operation's resource for a person: its
// type, logical name and the physical name in its inputs, if any.
func describeResource(op PendingOp) string {
	s := fmt.Sprintf("the %s %q", op.Type, op.Name())
	for _, k := range []string{"identifier", "name"} {
		if v, ok := op.Inputs[k].(string); ok && v != "" {
			return s + fmt.Sprintf(" (%s %s)", k, v)
		}
	}
	return s
}

// tagHint names the tags that identify a resource the platform created
// (shared/tags): Stack and Name.
func tagHint(op PendingOp) string {
	tags, _ := op.Inputs["tags"].(map[string]any)
	var parts []string
	for _, k := range []string{"Stack", "Name"} {
		if v, ok := tags[k].(string); ok && v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (tagged " + strings.Join(parts, ", ") + ")"
}

// RepairError stops a run on pending operations the tool cannot resolve.
type RepairError struct {
	Stack     string
	Decisions []Decision
}

func (e *RepairError) Error() string {
	var b strings.Builder
	n := 0
	for _, d := range e.Decisions {
		if d.Action == Stop {
			n++
		}
	}
	fmt.Fprintf(&b, "%d pending operation(s) from an interrupted run cannot be resolved with certainty; nothing was changed", n)
	for _, d := range e.Decisions {
		if d.Action == Stop {
			fmt.Fprintf(&b, "\n  - %s %s: %s; to resolve it: %s", d.Op.Kind, d.Op.URN, d.Reason, d.Manual)
		}
	}
	return b.String()
}

// deploymentDoc is the part of an exported deployment repair reads and
// edits; everything else is kept as it is.
type deploymentDoc struct {
	Version    int                        `json:"version"`
	Deployment map[string]json.RawMessage `json:"deployment"`
}

type pendingJSON struct {
	Type     string          `json:"type"`
	Resource json.RawMessage `json:"resource"`
}

// pendingResource is the part of a resource of the state
// (apitype.ResourceV3) repair reads.
type pendingResource struct {
	URN      string         `json:"urn"`
	Type     string         `json:"type"`
	ID       string         `json:"id"`
	Inputs   map[string]any `json:"inputs"`
	Provider string         `json:"provider"`
}

// PendingOps reads the pending operations of an exported deployment (the
// untyped deployment `pulumi stack export` writes: {version, deployment}).
func PendingOps(exported []byte) ([]PendingOp, error) {
	var doc deploymentDoc
	if err := json.Unmarshal(exported, &doc); err != nil {
		return nil, fmt.Errorf("read the exported state: %w", err)
	}
	raw, ok := doc.Deployment["pending_operations"]
	if !ok || len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var pending []pendingJSON
	if err := json.Unmarshal(raw, &pending); err != nil {
		return nil, fmt.Errorf("read the pending operations of the exported state: %w", err)
	}
	// The providers of the state, by reference (<URN>::<ID>).
	var resources []pendingResource
	if raw, ok := doc.Deployment["resources"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &resources); err != nil {
			return nil, fmt.Errorf("read the resources of the exported state: %w", err)
		}
	}
	providers := map[string]ProviderRegion{}
	for _, r := range resources {
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			providers[r.URN+"::"+r.ID] = providerRegion(r.Inputs)
		}
	}
	out := make([]PendingOp, 0, len(pending))
	for i, p := range pending {
		var r pendingResource
		if err := json.Unmarshal(p.Resource, &r); err != nil {
			return nil, fmt.Errorf("read pending operation %d of the exported state: %w", i, err)
		}
		out = append(out, PendingOp{Kind: p.Type, URN: r.URN, Type: r.Type, ID: r.ID, Inputs: r.Inputs,
			Provider: r.Provider, ProviderRegion: providers[r.Provider]})
	}
	return out, nil
}

// ApplyDecisions edits an exported deployment: every adopted create's
// resource moves into the resources, with the ID found, its inputs as its
// outputs until the refresh that follows reads the real ones (and the
// resource it replaces, if any, marked for deletion); cleared
// creates are dropped; every pending operation is removed (the resources
// of pending updates and deletes are already in the state, and the refresh
// that follows reads them). It refuses decisions that stop.
//
// Why an edit and not `pulumi refresh --import-pending-creates`: in the
// pinned CLI (v3.274.1) that flag only turns the operation's type into
// "importing" (pkg/cmd/pulumi/operations/refresh.go,
// pendingCreatesToImports); the engine builds a refresh from the snapshot's
// resources alone (pkg/resource/deploy/deployment.go, buildResourceMaps)
// and the snapshot manager keeps only pending creates in the next snapshot
// (pkg/backend/snapshot.go), so the "importing" operation is dropped and the
// resource never reaches the state. `pulumi stack import` of the edited
// deployment is the CLI's documented repair (the Pulumi troubleshooting
// guide for interrupted updates: export, edit, import), and it verifies the
// snapshot's integrity before writing anything.
func ApplyDecisions(exported []byte, decisions []Decision) ([]byte, error) {
	var doc deploymentDoc
	if err := json.Unmarshal(exported, &doc); err != nil {
		return nil, fmt.Errorf("read the exported state: %w", err)
	}
	if doc.Deployment == nil {
		return nil, errors.New("read the exported state: it has no deployment")
	}
	adopt := map[string]string{}
	for _, d := range decisions {
		switch d.Action {
		case Stop:
			return nil, fmt.Errorf("pending %s of %s is not resolved: %s", d.Op.Kind, d.Op.URN, d.Reason)
		case Adopt:
			adopt[d.Op.URN] = d.ID
		}
	}
	var resources []map[string]any
	if raw, ok := doc.Deployment["resources"]; ok && string(raw) != "null" {
		if err := unmarshalNumbers(raw, &resources); err != nil {
			return nil, fmt.Errorf("read the resources of the exported state: %w", err)
		}
	}
	var pending []struct {
		Type     string         `json:"type"`
		Resource map[string]any `json:"resource"`
	}
	if raw, ok := doc.Deployment["pending_operations"]; ok && string(raw) != "null" {
		if err := unmarshalNumbers(raw, &pending); err != nil {
			return nil, fmt.Errorf("read the pending operations of the exported state: %w", err)
		}
	}
	// The adopted resources go after every resource the state holds: each
	// one's parent, provider and dependencies were created before it
	// started, and nothing that depends on it can have been created.
	var added []string
	for _, p := range pending {
		urn, _ := p.Resource["urn"].(string)
		id, ok := adopt[urn]
		if !ok || p.Type != PendingCreating {
			continue
		}
		res := p.Resource
		// A create of a URN the state already holds is the new half of a
		// create-before-delete replacement: the engine marks the old one
		// for deletion once the create succeeds (`delete: true`, deleted
		// by the next update), which is what adopting it completes.
		for _, old := range resources {
			if old["urn"] == urn && old["delete"] != true {
				old["delete"] = true
			}
		}
		res["id"] = id
		if out, _ := res["outputs"].(map[string]any); len(out) == 0 {
			in, _ := res["inputs"].(map[string]any)
			outputs := map[string]any{}
			for k, v := range in {
				if k != "__defaults" {
					outputs[k] = v
				}
			}
			res["outputs"] = outputs
		}
		resources = append(resources, res)
		added = append(added, urn)
		delete(adopt, urn)
	}
	if len(adopt) > 0 {
		missing := make([]string, 0, len(adopt))
		for urn := range adopt {
			missing = append(missing, urn)
		}
		sort.Strings(missing)
		return nil, fmt.Errorf("no pending create in the state for %s", strings.Join(missing, ", "))
	}
	raw, err := json.Marshal(resources)
	if err != nil {
		return nil, fmt.Errorf("encode the repaired resources: %w", err)
	}
	doc.Deployment["resources"] = raw
	delete(doc.Deployment, "pending_operations")
	out, err := json.MarshalIndent(doc, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("encode the repaired state: %w", err)
	}
	return out, nil
}

// unmarshalNumbers decodes JSON keeping numbers as json.Number, so that a
// state's numbers are written back exactly as they were read.
func unmarshalNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}
