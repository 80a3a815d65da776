package iampolicy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/pgplatform/platform/scripts/internal/cli"
)

// Version is the only policy language version accepted.
const Version = "2012-10-17"

// Document is a parsed identity policy.
type Document struct {
	Version    string
	Statements []Statement
}

// Statement is one statement, with Action and Resource always lists.
type Statement struct {
	Sid       string
	Effect    string
	Actions   []string
	Resources []string
	Condition map[string]map[string]json.RawMessage
}

// stringList is an IAM value that is one string or a list of strings.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("want a string or a list of strings")
	}
	*l = many
	return nil
}

type rawStatement struct {
	Sid       string                                `json:"Sid"`
	Effect    string                                `json:"Effect"`
	Action    stringList                            `json:"Action"`
	Resource  stringList                            `json:"Resource"`
	Condition map[string]map[string]json.RawMessage `json:"Condition"`
}

type rawDocument struct {
	Version   string         `json:"Version"`
	Statement []rawStatement `json:"Statement"`
}

// actionName is service:Operation with no wildcard.
var actionName = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+$`)

// Load reads and parses the policy file at path.
func Load(path string) (Document, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Document{}, fmt.Errorf("read policy: %w", err)
	}
	d, err := Parse(data)
	if err != nil {
		return Document{}, fmt.Errorf("policy %s: %w", path, err)
	}
	return d, nil
}

// Parse parses a policy document strictly; the error names the statement,
// the element and the value, and says what is allowed.
func Parse(data []byte) (Document, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw rawDocument
	if err := dec.Decode(&raw); err != nil {
		return Document{}, fmt.Errorf("not a policy of Version, Statement (a list) and statements of Sid, Effect, Action, Resource, Condition only (no NotAction, NotResource or Principal): %w", err)
	}
	if raw.Version != Version {
		return Document{}, fmt.Errorf("Version %q: want %q", raw.Version, Version)
	}
	if len(raw.Statement) == 0 {
		return Document{}, errors.New("no statements")
	}
	d := Document{Version: raw.Version}
	sids := map[string]bool{}
	for i, s := range raw.Statement {
		name := fmt.Sprintf("statement %d", i+1)
		if s.Sid != "" {
			name = fmt.Sprintf("statement %d (%s)", i+1, s.Sid)
			if sids[s.Sid] {
				return Document{}, fmt.Errorf("%s: Sid %q is used twice", name, s.Sid)
			}
			sids[s.Sid] = true
		}
		if s.Effect != "Allow" && s.Effect != "Deny" {
			return Document{}, fmt.Errorf("%s: Effect %q: want Allow or Deny", name, s.Effect)
		}
		if len(s.Action) == 0 {
			return Document{}, fmt.Errorf("%s: no Action", name)
		}
		for _, a := range s.Action {
			if !actionName.MatchString(a) {
				return Document{}, fmt.Errorf("%s: Action %q: want one service:Operation, without wildcards", name, a)
			}
		}
		if len(s.Resource) == 0 {
			return Document{}, fmt.Errorf("%s: no Resource: name the resources (\"*\" only where the action has no resource type)", name)
		}
		for _, r := range s.Resource {
			if r != "*" && !strings.HasPrefix(r, "arn:") {
				return Document{}, fmt.Errorf("%s: Resource %q: want an ARN (with placeholders in <>) or \"*\"", name, r)
			}
		}
		d.Statements = append(d.Statements, Statement{Sid: s.Sid, Effect: s.Effect, Actions: s.Action, Resources: s.Resource, Condition: s.Condition})
	}
	return d, nil
}

// Allowed returns the statements that allow action.
func (d Document) Allowed(action string) []Statement {
	var out []Statement
	for _, s := range d.Statements {
		if s.Effect == "Allow" && slices.ContainsFunc(s.Actions, func(a string) bool { return strings.EqualFold(a, action) }) {
			out = append(out, s)
		}
	}
	return out
}

// AllowedActions lists every action an Allow statement grants, sorted,
// each once.
func (d Document) AllowedActions() []string {
	var out []string
	for _, s := range d.Statements {
		if s.Effect != "Allow" {
			continue
		}
		for _, a := range s.Actions {
			if !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, a) }) {
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Implied is an action IAM authorizes on the caller's behalf when the
// caller makes another call, with why; Check accepts it in a policy only
// when that call was seen.
type Implied struct {
	Action string
	// By is the recorded action that makes AWS authorize Action.
	By     string
	Reason string
}

// Check holds a policy against the actions a tool was seen to use. It
// returns one error per action used but not allowed (the call would be
// denied), per implied action whose call was seen but which the policy
// lacks, and per action allowed that no call uses and no seen call implies.
func Check(d Document, used []string, implied []Implied) []error {
	var errs []error
	seen := func(a string) bool {
		return slices.ContainsFunc(used, func(u string) bool { return strings.EqualFold(u, a) })
	}
	for _, u := range used {
		if len(d.Allowed(u)) == 0 {
			errs = append(errs, fmt.Errorf("the tool calls %s, which the policy does not allow", u))
		}
	}
	for _, im := range implied {
		if seen(im.By) && len(d.Allowed(im.Action)) == 0 {
			errs = append(errs, fmt.Errorf("the tool calls %s, for which AWS also authorizes %s (%s), which the policy does not allow", im.By, im.Action, im.Reason))
		}
	}
	for _, a := range d.AllowedActions() {
		if seen(a) {
			continue
		}
		justified := slices.ContainsFunc(implied, func(im Implied) bool { return strings.EqualFold(im.Action, a) && seen(im.By) })
		if !justified {
			errs = append(errs, fmt.Errorf("the policy allows %s, which no recorded call uses or implies: remove it", a))
		}
	}
	return errs
}

// ToolPolicy returns the path of a tool's policy file,
// .github/policies/<tool>.json in the repository the working directory is
// in.
func ToolPolicy(tool string) (string, error) {
	root, err := cli.Root("")
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, ".github", "policies", tool+".json")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("the policy of %s: %w", tool, err)
	}
	return p, nil
}
