package config

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is a config value that cannot be accepted.
type Error struct {
	Key     string // the full key, e.g. "network:vpcCidr"
	Value   string // the value as written ("" when missing)
	Allowed string // what would be accepted
	// Rule is the docs/guardrails.md rule the value breaks, when the refusal
	// enforces one (the id of a guardrails.Rule, e.g. "safe-query-logging").
	Rule string
}

func (e *Error) Error() string {
	rule := ""
	if e.Rule != "" {
		rule = " (guardrail " + e.Rule + ")"
	}
	if e.Value == "" {
		return fmt.Sprintf("config %s is missing or empty%s: want %s", e.Key, rule, e.Allowed)
	}
	return fmt.Sprintf("config %s = %q is not allowed%s: want %s", e.Key, e.Value, rule, e.Allowed)
}

// Source reads the raw values of one project's config namespace. Values are
// strings the way the Pulumi engine hands them over: scalars as text,
// objects and lists as JSON.
type Source struct {
	Namespace string
	Get       func(key string) (string, bool)
}

// MapSource is a Source over a flattened config map ("ns:key" -> value), as
// stacks.ReadConfig returns it and as tests build it.
func MapSource(namespace string, m map[string]string) Source {
	return Source{Namespace: namespace, Get: func(key string) (string, bool) {
		v, ok := m[key]
		return v, ok
	}}
}

// reader parses values out of a Source and remembers which keys were read,
// so unknown keys can be reported.
type reader struct {
	src Source
}

func (r reader) full(key string) string { return r.src.Namespace + ":" + key }

func (r reader) raw(key string) (string, bool) {
	v, ok := r.src.Get(r.full(key))
	if ok && strings.TrimSpace(v) == "" {
		return "", false
	}
	return strings.TrimSpace(v), ok
}

func (r reader) fail(key, value, allowed string) error {
	return &Error{Key: r.full(key), Value: value, Allowed: allowed}
}

// breaks is fail for a value that breaks a guardrail: the error names the
// rule too.
func (r reader) breaks(rule, key, value, allowed string) error {
	return &Error{Key: r.full(key), Value: value, Allowed: allowed, Rule: rule}
}

func (r reader) str(key, def string) string {
	if v, ok := r.raw(key); ok {
		return v
	}
	return def
}

func (r reader) integer(key string, def int) (int, error) {
	v, ok := r.raw(key)
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, r.fail(key, v, "a whole number")
	}
	return n, nil
}

// boolean returns the value, and whether the key was set at all.
func (r reader) boolean(key string, def bool) (bool, bool, error) {
	v, ok := r.raw(key)
	if !ok {
		return def, false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, true, r.fail(key, v, "true or false")
	}
	return b, true, nil
}

func (r reader) list(key string) ([]string, error) {
	v, ok := r.raw(key)
	if !ok {
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, r.fail(key, v, "a list of strings")
	}
	return out, nil
}

func (r reader) stringMap(key string) (map[string]string, error) {
	v, ok := r.raw(key)
	if !ok {
		return map[string]string{}, nil
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, r.fail(key, v, "a map of strings to strings")
	}
	if out == nil {
		out = map[string]string{}
	}
	return out, nil
}

// CheckKeys fails on any key in the namespace that is not one of known, so
// a misspelt key is an error instead of a silently ignored setting. Keys of
// the aws namespace are the AWS provider's own settings: only AWSKeys
// (region and allowedAccountIds) are accepted there. Keys of other
// namespaces are left alone.
func CheckKeys(namespace string, cfg map[string]string, known []string) error {
	allowed := map[string]bool{}
	for _, k := range known {
		allowed[k] = true
	}
	awsAllowed := map[string]bool{}
	for _, k := range AWSKeys {
		awsAllowed[k] = true
	}
	var unknown []string
	for k := range cfg {
		ns, key, ok := strings.Cut(k, ":")
		if ok && (ns == namespace && !allowed[key] || ns == "aws" && !awsAllowed[key]) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	first := unknown[0]
	if strings.HasPrefix(first, "aws:") && namespace != "aws" {
		sorted := append([]string(nil), AWSKeys...)
		sort.Strings(sorted)
		return &Error{Key: first, Value: cfg[first], Allowed: "one of the aws: keys the platform validates: " + strings.Join(sorted, ", ") +
			" (other provider settings, such as endpoints or credentials, would redirect or loosen the provider unreviewed)"}
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return &Error{Key: first, Value: cfg[first], Allowed: "one of the known keys: " + strings.Join(sorted, ", ")}
}
