package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Preview is what one stack's preview says it would do.
type Preview struct {
	// Source names where the preview was read from.
	Source string
	// Project and Stack the preview ran for, from its resources' URNs.
	Project string
	Stack   string
	// Steps in the order the engine planned them.
	Steps []Step
	// Diagnostics the engine and providers reported, debug and ephemeral
	// messages left out.
	Diagnostics []Diagnostic
	// Summary is the engine's own count of steps per operation.
	Summary map[apitype.OpType]int
	// Finished is true when the engine reached the end of the preview: the
	// event stream holds a summary event, or the document a change summary.
	Finished bool
	// Result is the outcome the summary reports ("succeeded", "failed"),
	// empty when the engine did not say.
	Result apitype.OperationResult
}

// Step is one step the engine planned.
type Step struct {
	Op   apitype.OpType
	URN  string
	Type string
	// ReplaceReasons are the properties that force a replacement.
	ReplaceReasons []string
	// DiffReasons are the properties that differ.
	DiffReasons []string
	// DetailedDiff maps property paths to how they change; nil when the
	// provider gave no detailed diff.
	DetailedDiff map[string]apitype.PropertyDiff
	Old, New     *State
	// Refresh is true for a step that reports drift a refresh found: the
	// cloud resource differs from the stack's state (an update) or is gone
	// (a delete).
	Refresh bool
}

// State is the part of a resource's state the report uses.
type State struct {
	Inputs         map[string]any
	Outputs        map[string]any
	Protect        bool
	RetainOnDelete bool
}

// Diagnostic is a message the engine or a provider reported.
type Diagnostic struct {
	URN      string
	Severity string
	Message  string
}

// Failed reports whether the preview did not complete: it reported an
// error, its summary says it failed, or it stopped before its summary.
func (p Preview) Failed() bool {
	if !p.Finished || p.Result == apitype.OperationResultFailed || p.Result == apitype.OperationResultCanceled {
		return true
	}
	for _, d := range p.Diagnostics {
		if d.Severity == "error" {
			return true
		}
	}
	return false
}

// ReadFile reads one preview from a file.
func ReadFile(path string) (Preview, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Preview{}, fmt.Errorf("read preview: %w", err)
	}
	return Parse(data, path)
}

// Parse reads one preview in either format; source names it in errors and
// is the fallback stack name when no resource URN names the stack.
func Parse(data []byte, source string) (Preview, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if len(bytes.TrimSpace(data)) == 0 {
		return Preview{}, fmt.Errorf("%s: empty: want `pulumi preview --json` output or an engine event log", source)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var first map[string]json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return Preview{}, fmt.Errorf("%s: not a JSON object: %w (want `pulumi preview --json` output or an engine event log)", source, err)
	}
	var (
		p   Preview
		err error
	)
	switch {
	case isEngineEvent(first):
		p, err = parseEvents(data, source)
	case first["events"] != nil && len(first) <= 2:
		// A batch, as the Pulumi Cloud API returns events: {"events": [...]}.
		var batch apitype.EngineEventBatch
		if err := json.Unmarshal(data, &batch); err != nil {
			return Preview{}, fmt.Errorf("%s: not an engine event batch: %w", source, err)
		}
		p, err = fromEvents(batch.Events, source)
	case isDigest(first):
		if dec.More() {
			return Preview{}, fmt.Errorf("%s: more than one JSON document after the `pulumi preview --json` output", source)
		}
		p, err = parseDigest(data, source)
	default:
		return Preview{}, fmt.Errorf("%s: neither `pulumi preview --json` output (keys steps, changeSummary, diagnostics) nor an engine event log (one apitype.EngineEvent per line); top-level keys: %s",
			source, strings.Join(sortedKeys(first), ", "))
	}
	if err != nil {
		return Preview{}, err
	}
	p.Source = source
	if err := p.nameStack(); err != nil {
		return Preview{}, err
	}
	return p, nil
}

func isEngineEvent(m map[string]json.RawMessage) bool {
	if _, ok := m["sequence"]; !ok {
		return false
	}
	for k := range m {
		if strings.HasSuffix(k, "Event") {
			return true
		}
	}
	return false
}

func isDigest(m map[string]json.RawMessage) bool {
	for _, k := range []string{"steps", "changeSummary", "diagnostics"} {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseEvents reads a newline-delimited stream of engine events.
func parseEvents(data []byte, source string) (Preview, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var events []apitype.EngineEvent
	for n := 1; ; n++ {
		var e apitype.EngineEvent
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Preview{}, fmt.Errorf("%s: engine event %d: %w", source, n, err)
		}
		events = append(events, e)
	}
	return fromEvents(events, source)
}

func fromEvents(events []apitype.EngineEvent, source string) (Preview, error) {
	sort.SliceStable(events, func(i, j int) bool { return events[i].Sequence < events[j].Sequence })
	var p Preview
	// refreshing holds the resources a refresh step is reading: the engine
	// reports what the refresh found in the step's outputs event.
	refreshing := map[string]bool{}
	for _, e := range events {
		switch {
		case e.ResourcePreEvent != nil:
			m := e.ResourcePreEvent.Metadata
			if m.Op == apitype.OpRefresh {
				refreshing[m.URN] = true
				continue
			}
			p.Steps = append(p.Steps, stepFromMetadata(m))
		case e.ResOutputsEvent != nil:
			m := e.ResOutputsEvent.Metadata
			if !refreshing[m.URN] {
				continue
			}
			delete(refreshing, m.URN)
			// The refresh's outputs event compares the state (old) with
			// what the provider read (new): a diff is drift, no new state
			// means the resource is gone.
			var op apitype.OpType
			switch {
			case m.Op == apitype.OpDelete || (m.Op == apitype.OpRefresh && m.New == nil):
				op = apitype.OpDelete
			case len(m.Diffs) > 0 || len(m.DetailedDiff) > 0:
				op = apitype.OpUpdate
			default:
				continue
			}
			s := stepFromMetadata(m)
			s.Op = op
			s.Refresh = true
			p.Steps = append(p.Steps, s)
		case e.ResOpFailedEvent != nil:
			m := e.ResOpFailedEvent.Metadata
			p.Diagnostics = append(p.Diagnostics, Diagnostic{
				URN:      m.URN,
				Severity: "error",
				Message:  fmt.Sprintf("%s of %s failed", m.Op, m.URN),
			})
		case e.DiagnosticEvent != nil:
			d := e.DiagnosticEvent
			if d.Ephemeral || d.Severity == "debug" {
				continue
			}
			p.Diagnostics = append(p.Diagnostics, Diagnostic{
				URN:      d.URN,
				Severity: d.Severity,
				Message:  plain(d.Prefix + d.Message),
			})
		case e.ErrorEvent != nil:
			p.Diagnostics = append(p.Diagnostics, Diagnostic{Severity: "error", Message: plain(e.ErrorEvent.Error)})
		case e.SummaryEvent != nil:
			s := e.SummaryEvent
			if !s.IsPreview {
				return Preview{}, fmt.Errorf("%s: the event log is of an update, not a preview (its summary has isPreview false)", source)
			}
			p.Finished = true
			p.Summary = s.ResourceChanges
			p.Result = s.Result
		}
	}
	return p, nil
}

func stepFromMetadata(m apitype.StepEventMetadata) Step {
	t := m.Type
	if t == "" {
		t = typeOf(m.URN)
	}
	return Step{
		Op:             m.Op,
		URN:            m.URN,
		Type:           t,
		ReplaceReasons: m.Keys,
		DiffReasons:    m.Diffs,
		DetailedDiff:   m.DetailedDiff,
		Old:            stateFromMetadata(m.Old),
		New:            stateFromMetadata(m.New),
	}
}

func stateFromMetadata(s *apitype.StepEventStateMetadata) *State {
	if s == nil {
		return nil
	}
	return &State{Inputs: s.Inputs, Outputs: s.Outputs, Protect: s.Protect, RetainOnDelete: s.RetainOnDelete}
}

// digest is the document `pulumi preview --json` prints.
type digest struct {
	Config      map[string]string `json:"config"`
	Steps       []digestStep      `json:"steps"`
	Diagnostics []struct {
		URN      string `json:"urn"`
		Prefix   string `json:"prefix"`
		Message  string `json:"message"`
		Severity string `json:"severity"`
	} `json:"diagnostics"`
	ChangeSummary map[apitype.OpType]int `json:"changeSummary"`
	MaybeCorrupt  bool                   `json:"maybeCorrupt"`
}

type digestStep struct {
	Op             apitype.OpType      `json:"op"`
	URN            string              `json:"urn"`
	OldState       *apitype.ResourceV3 `json:"oldState"`
	NewState       *apitype.ResourceV3 `json:"newState"`
	DiffReasons    []string            `json:"diffReasons"`
	ReplaceReasons []string            `json:"replaceReasons"`
	DetailedDiff   map[string]struct {
		Kind      apitype.DiffKind `json:"kind"`
		InputDiff bool             `json:"inputDiff"`
	} `json:"detailedDiff"`
}

func parseDigest(data []byte, source string) (Preview, error) {
	var d digest
	if err := json.Unmarshal(data, &d); err != nil {
		return Preview{}, fmt.Errorf("%s: not `pulumi preview --json` output: %w", source, err)
	}
	p := Preview{Summary: d.ChangeSummary, Finished: d.ChangeSummary != nil}
	seen := map[string]bool{}
	for _, s := range d.Steps {
		if s.Op == apitype.OpRefresh {
			continue
		}
		// A refresh rewrites its step in place, so the document can list
		// one resource's step twice.
		key := string(s.Op) + " " + s.URN
		if seen[key] {
			continue
		}
		seen[key] = true
		step := Step{
			Op:             s.Op,
			URN:            s.URN,
			Type:           typeOf(s.URN),
			ReplaceReasons: s.ReplaceReasons,
			DiffReasons:    s.DiffReasons,
			Old:            stateFromResource(s.OldState),
			New:            stateFromResource(s.NewState),
		}
		if s.DetailedDiff != nil {
			step.DetailedDiff = make(map[string]apitype.PropertyDiff, len(s.DetailedDiff))
			for k, v := range s.DetailedDiff {
				step.DetailedDiff[k] = apitype.PropertyDiff{Kind: v.Kind, InputDiff: v.InputDiff}
			}
		}
		p.Steps = append(p.Steps, step)
	}
	for _, x := range d.Diagnostics {
		if x.Severity == "debug" {
			continue
		}
		p.Diagnostics = append(p.Diagnostics, Diagnostic{URN: x.URN, Severity: x.Severity, Message: plain(x.Prefix + x.Message)})
	}
	if d.MaybeCorrupt {
		p.Diagnostics = append(p.Diagnostics, Diagnostic{Severity: "warning", Message: "the engine reports that one or more resources may be corrupt"})
	}
	return p, nil
}

func stateFromResource(r *apitype.ResourceV3) *State {
	if r == nil {
		return nil
	}
	return &State{Inputs: r.Inputs, Outputs: r.Outputs, Protect: r.Protect, RetainOnDelete: r.RetainOnDelete}
}

// typeOf is the resource type a URN names, or "" for a malformed URN.
func typeOf(urn string) string {
	u := resource.URN(urn)
	if !u.IsValid() {
		return ""
	}
	return string(u.Type())
}

// plain strips the engine's colour directives and trailing newlines.
func plain(s string) string {
	return strings.TrimRight(colors.Never.Colorize(s), "\n")
}

// nameStack sets Project and Stack from the steps' URNs. A preview that
// planned nothing (it failed before its first step) is named after its
// file.
func (p *Preview) nameStack() error {
	for _, s := range p.Steps {
		u := resource.URN(s.URN)
		if !u.IsValid() {
			return fmt.Errorf("%s: step %s has a malformed URN %q", p.Source, s.Op, s.URN)
		}
		project, stack := string(u.Project()), string(u.Stack())
		if p.Stack == "" {
			p.Project, p.Stack = project, stack
			continue
		}
		if project != p.Project || stack != p.Stack {
			return fmt.Errorf("%s: holds steps of more than one stack (%s/%s and %s/%s): write one preview per file",
				p.Source, p.Project, p.Stack, project, stack)
		}
	}
	if p.Stack == "" {
		base := p.Source
		if i := strings.LastIndexAny(base, `/\`); i >= 0 {
			base = base[i+1:]
		}
		if i := strings.Index(base, "."); i > 0 {
			base = base[:i]
		}
		p.Stack = base
		// deploy --json-dir names its files <project>-<stack>.json.
		for _, project := range []string{"network", "database"} {
			if rest, ok := strings.CutPrefix(base, project+"-"); ok && rest != "" {
				p.Project, p.Stack = project, rest
			}
		}
	}
	return nil
}
