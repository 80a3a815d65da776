package report

import (
	"encoding/json"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
)

// StackReport is what one stack's preview would change.
type StackReport struct {
	Project, Stack, Source string
	Counts                 Counts
	// Changes lists every resource the preview would change: destructive
	// changes first, then deletes, replaces, creates, updates and the rest,
	// by resource name within each. (The engine plans in parallel, so its
	// own order differs from run to run.)
	Changes []Change
	// Drift lists what a refresh found changed outside Pulumi.
	Drift []Change
	// Diagnostics holds the preview's warnings and errors.
	Diagnostics []Diagnostic
	// Failed is true when the preview did not complete; its changes are
	// then not known.
	Failed bool
}

// Counts are the number of resources per kind of change.
type Counts struct {
	Create, Update, Replace, Delete, Same int
	// Other counts the remaining operations (import, read, discard...).
	Other map[apitype.OpType]int
	// Scheduled counts the RDS instance updates that AWS already holds
	// for the maintenance window (scheduled.go); they are not in Update.
	Scheduled int
}

// Changed is the number of resources the preview would change.
func (c Counts) Changed() int {
	n := c.Create + c.Update + c.Replace + c.Delete
	for _, v := range c.Other {
		n += v
	}
	return n
}

// Change is one resource the preview would change.
type Change struct {
	// Op is the logical operation: create, update, replace, delete, or an
	// uncommon one such as import. The steps of a replacement
	// (create-replacement, replace, delete-replaced) make one replace.
	Op   apitype.OpType
	URN  string
	Type string
	Name string
	// Properties that change, sorted by path; empty for creates and
	// deletes.
	Properties []PropertyChange
	// StatefulReason says why the type is stateful; empty when it is not.
	StatefulReason string
	// Protected and RetainOnDelete are the resource's options.
	Protected, RetainOnDelete bool
	// Lowers says why an update is gated although it replaces nothing: it
	// cannot be undone, or it lowers a protection (see Lowering). Empty
	// for every other change.
	Lowers []string
	// Landings say how the change reaches a running database (now, at the
	// maintenance window, after a reboot, blue/green, replacement) and
	// its downtime; set for the RDS instance and its parameter group.
	Landings []Landing
	// Scheduled, when set, says the update equals the modifications AWS
	// holds for the instance's maintenance window (scheduled.go).
	Scheduled *Scheduled
}

// Destructive reports whether the change replaces or deletes a stateful
// resource, or updates one in a way that cannot be undone or lowers a
// protection.
func (c Change) Destructive() bool {
	return len(c.Lowers) > 0 || c.StatefulReason != "" && (c.Op == apitype.OpReplace || c.Op == apitype.OpDelete)
}

// Reason says why a destructive change is gated.
func (c Change) Reason() string {
	if len(c.Lowers) > 0 {
		return strings.Join(c.Lowers, "; ")
	}
	return c.StatefulReason
}

// PropertyChange is one property path that changes.
type PropertyChange struct {
	Path string
	Kind apitype.DiffKind
	// Old and New are the values rendered for display; empty when the
	// property is added, deleted, or its value is not in the event.
	Old, New string
}

// ForcesReplace reports whether the property's change forces the resource
// to be replaced.
func (p PropertyChange) ForcesReplace() bool {
	return strings.HasSuffix(string(p.Kind), "-replace")
}

// Destructive lists the stack's destructive changes.
func (r StackReport) Destructive() []Change {
	var out []Change
	for _, c := range r.Changes {
		if c.Destructive() {
			out = append(out, c)
		}
	}
	return out
}

// Name is project/stack, or the stack alone when the project is unknown.
func (r StackReport) Name() string {
	if r.Project == "" {
		return r.Stack
	}
	return r.Project + "/" + r.Stack
}

// isDefaultProvider reports whether a step is of a provider the engine
// created itself (pulumi:providers:aws named default or default_6_83_4).
func isDefaultProvider(s Step) bool {
	return strings.HasPrefix(s.Type, "pulumi:providers:") && strings.HasPrefix(nameOf(s.URN), "default")
}

// Analyze counts a preview's changes per kind, lists the properties each
// changes and marks those that replace or delete a stateful resource.
func Analyze(p Preview) StackReport {
	r := StackReport{
		Project:     p.Project,
		Stack:       p.Stack,
		Source:      p.Source,
		Diagnostics: p.Diagnostics,
		Failed:      p.Failed(),
	}
	var order []string
	groups := map[string][]Step{}
	for _, s := range p.Steps {
		if s.Refresh {
			r.Drift = append(r.Drift, change(s.Op, s))
			continue
		}
		if _, ok := groups[s.URN]; !ok {
			order = append(order, s.URN)
		}
		groups[s.URN] = append(groups[s.URN], s)
	}
	for _, urn := range order {
		op, step := logical(groups[urn])
		if isDefaultProvider(step) {
			// The engine manages default providers itself and leaves them
			// out of its counts.
			continue
		}
		switch op {
		case apitype.OpSame:
			r.Counts.Same++
			continue
		case apitype.OpCreate:
			r.Counts.Create++
		case apitype.OpUpdate:
			r.Counts.Update++
		case apitype.OpReplace:
			r.Counts.Replace++
		case apitype.OpDelete:
			r.Counts.Delete++
		case apitype.OpRead:
			// A read changes nothing; the engine reports it as same.
			r.Counts.Same++
			continue
		default:
			if r.Counts.Other == nil {
				r.Counts.Other = map[apitype.OpType]int{}
			}
			r.Counts.Other[op]++
		}
		r.Changes = append(r.Changes, change(op, step))
	}
	sortChanges(r.Changes)
	sortChanges(r.Drift)
	if n, ok := p.Summary[apitype.OpSame]; ok {
		// `pulumi preview --json` leaves unchanged resources out of its
		// steps; the engine's own count is the one to show.
		r.Counts.Same = n
	}
	return r
}

var opRank = map[apitype.OpType]int{
	apitype.OpDelete: 0, apitype.OpReplace: 1, apitype.OpCreate: 2, apitype.OpUpdate: 3,
}

func sortChanges(changes []Change) {
	rank := func(c Change) int {
		r, ok := opRank[c.Op]
		if !ok {
			r = len(opRank)
		}
		if !c.Destructive() {
			r += len(opRank) + 1
		}
		return r
	}
	sort.SliceStable(changes, func(i, j int) bool {
		a, b := changes[i], changes[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.URN < b.URN
	})
}

// logical folds the steps the engine planned for one resource into the one
// operation a reader cares about, and the step that describes it best.
func logical(steps []Step) (apitype.OpType, Step) {
	for _, s := range steps {
		if s.Op == apitype.OpReplace {
			return apitype.OpReplace, s
		}
	}
	for _, s := range steps {
		if s.Op == apitype.OpCreateReplacement || s.Op == apitype.OpDeleteReplaced {
			return apitype.OpReplace, s
		}
	}
	for _, s := range steps {
		if s.Op != apitype.OpSame {
			return s.Op, s
		}
	}
	return steps[0].Op, steps[0]
}

func change(op apitype.OpType, s Step) Change {
	c := Change{Op: op, URN: s.URN, Type: s.Type, Name: nameOf(s.URN)}
	if reason, ok := StatefulReason(s.Type); ok {
		c.StatefulReason = reason
	}
	for _, st := range []*State{s.Old, s.New} {
		if st != nil {
			c.Protected = c.Protected || st.Protect
			c.RetainOnDelete = c.RetainOnDelete || st.RetainOnDelete
		}
	}
	if op != apitype.OpCreate && op != apitype.OpDelete {
		c.Properties = propertyChanges(s)
	}
	if op == apitype.OpUpdate {
		c.Lowers = loweringReasons(c.Type, c.Properties)
	}
	c.Landings = landings(op, s, c.Properties)
	return c
}

func nameOf(urn string) string {
	u := resource.URN(urn)
	if !u.IsValid() {
		return urn
	}
	return u.Name()
}

// propertyChanges lists the properties a step changes: from the provider's
// detailed diff when it gave one, else from the engine's diff and replace
// reasons.
func propertyChanges(s Step) []PropertyChange {
	var out []PropertyChange
	if len(s.DetailedDiff) > 0 {
		for path, d := range s.DetailedDiff {
			out = append(out, withValues(PropertyChange{Path: path, Kind: d.Kind}, s, d.InputDiff))
		}
	} else {
		replace := map[string]bool{}
		for _, k := range s.ReplaceReasons {
			replace[k] = true
		}
		seen := map[string]bool{}
		for _, k := range append(append([]string{}, s.DiffReasons...), s.ReplaceReasons...) {
			if seen[k] {
				continue
			}
			seen[k] = true
			kind := apitype.DiffUpdate
			if replace[k] {
				kind = apitype.DiffUpdateReplace
			}
			out = append(out, withValues(PropertyChange{Path: k, Kind: kind}, s, true))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// withValues fills in the old and new values of a property change. An
// input diff compares old and new inputs; otherwise the old value is the
// resource's state (its outputs) as the provider last read it.
func withValues(p PropertyChange, s Step, inputDiff bool) PropertyChange {
	path, err := resource.ParsePropertyPath(p.Path)
	if err != nil {
		return p
	}
	if p.Kind != apitype.DiffAdd && p.Kind != apitype.DiffAddReplace && s.Old != nil {
		sources := []map[string]any{s.Old.Inputs, s.Old.Outputs}
		if !inputDiff {
			sources = []map[string]any{s.Old.Outputs, s.Old.Inputs}
		}
		for _, src := range sources {
			if v, ok := lookup(src, path); ok {
				p.Old = display(v)
				break
			}
		}
	}
	if p.Kind != apitype.DiffDelete && p.Kind != apitype.DiffDeleteReplace && s.New != nil {
		if v, ok := lookup(s.New.Inputs, path); ok {
			p.New = display(v)
		}
	}
	return p
}

// lookup finds a property path in a serialized property map.
func lookup(m map[string]any, path resource.PropertyPath) (any, bool) {
	var v any = m
	if m == nil {
		return nil, false
	}
	for _, key := range path {
		switch k := key.(type) {
		case string:
			obj, ok := unwrapSecret(v).(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = obj[k]; !ok {
				return nil, false
			}
		case int:
			arr, ok := unwrapSecret(v).([]any)
			if !ok || k < 0 || k >= len(arr) {
				return nil, false
			}
			v = arr[k]
		default:
			return nil, false
		}
	}
	return v, true
}

// unwrapSecret returns v unless it is a secret, whose plaintext the report
// must not walk into: then it returns nil.
func unwrapSecret(v any) any {
	if isSecret(v) {
		return nil
	}
	return v
}

func isSecret(v any) bool {
	m, ok := v.(map[string]any)
	return ok && m[sig.Key] == sig.Secret
}

// maxValue is the longest value, in characters, the report shows.
const maxValue = 80

// display renders a serialized property value for the report: secrets,
// unknowns, assets and resource references become placeholders, and long
// values are cut.
func display(v any) string {
	v = redact(v)
	if s, ok := v.(string); ok && strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") && placeholders[s] {
		return s
	}
	data, err := json.Marshal(v)
	if err != nil {
		return "[unprintable]"
	}
	out := string(data)
	if utf8.RuneCountInString(out) > maxValue {
		r := []rune(out)
		out = string(r[:maxValue-1]) + "…"
	}
	return out
}

var placeholders = map[string]bool{
	"[secret]": true, "[unknown]": true, "[asset]": true, "[archive]": true,
	"[resource]": true, "[output]": true,
}

var unknowns = map[string]bool{
	sig.UnknownBoolValue: true, sig.UnknownNumberValue: true, sig.UnknownStringValue: true,
	sig.UnknownArrayValue: true, sig.UnknownAssetValue: true, sig.UnknownArchiveValue: true,
	sig.UnknownObjectValue: true,
}

// redact replaces the engine's special values inside v with placeholders.
func redact(v any) any {
	switch t := v.(type) {
	case string:
		if unknowns[t] {
			return "[unknown]"
		}
		return t
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = redact(e)
		}
		return out
	case map[string]any:
		switch t[sig.Key] {
		case nil:
		case sig.Secret:
			return "[secret]"
		case sig.AssetSig:
			return "[asset]"
		case sig.ArchiveSig:
			return "[archive]"
		case sig.ResourceReference:
			return "[resource]"
		case sig.OutputValue:
			if t["secret"] == true {
				return "[secret]"
			}
			if val, ok := t["value"]; ok {
				return redact(val)
			}
			return "[unknown]"
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = redact(e)
		}
		return out
	default:
		return v
	}
}
