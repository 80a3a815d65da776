package contract

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// OutputReader is the part of *pulumi.StackReference that Read uses.
type OutputReader interface {
	GetOutputDetails(name string) (*pulumi.StackReferenceOutputDetails, error)
}

// Values are the resolved values of a contract read from a stack, by output
// name: string, int or []string according to the field's kind. A consumer
// uses them where it needs a plain value, for example to know how many
// rules to declare.
type Values map[string]any

// Strings returns a []string value.
func (v Values) Strings(name string) []string {
	ss, _ := v[name].([]string)
	return ss
}

// String returns a string value.
func (v Values) String(name string) string {
	s, _ := v[name].(string)
	return s
}

// ReadNetwork reads the network contract from a reference to a network stack.
// stack is the fully qualified stack name, used in error messages.
func ReadNetwork(ref OutputReader, stack string) (Network, Values, error) {
	var n Network
	vals, err := Read(ref, stack, &n)
	return n, vals, err
}

// Read fills the contract struct that dst points to from a stack reference.
// Every output is resolved and checked first, so a missing output or one of
// the wrong type fails the run, naming the output and the stack, before the
// consumer declares anything. Secret outputs stay secret.
func Read(ref OutputReader, stack string, dst any) (Values, error) {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, fmt.Errorf("contract: Read needs a pointer to a contract struct, got %T", dst)
	}
	v = v.Elem()
	fields, err := fieldsOf(v.Type())
	if err != nil {
		return nil, err
	}
	vals := Values{}
	var missing []string
	for i, f := range fields {
		d, err := ref.GetOutputDetails(f.Name)
		if err != nil {
			return nil, fmt.Errorf("read output %q of stack %q: %w", f.Name, stack, err)
		}
		raw, secret := d.Value, false
		if d.SecretValue != nil {
			raw, secret = d.SecretValue, true
		}
		if raw == nil {
			missing = append(missing, f.Name)
			continue
		}
		val, err := check(stack, f, raw)
		if err != nil {
			return nil, err
		}
		vals[f.Name] = val
		var out pulumi.Output
		switch t := val.(type) {
		case string:
			out = pulumi.String(t).ToStringOutput()
		case int:
			out = pulumi.Int(t).ToIntOutput()
		case []string:
			out = pulumi.ToStringArray(t).ToStringArrayOutput()
		}
		if secret {
			out = pulumi.ToSecret(out)
		}
		v.Field(i).Set(reflect.ValueOf(out))
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("stack %q has no output %s: the %s contract needs it (deploy or update that stack first)", stack, strings.Join(quote(missing), ", "), v.Type().Name())
	}
	return vals, nil
}

func quote(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// check returns the value in the shape the contract field needs, or an
// error naming the output and the stack. Stack outputs arrive as JSON
// values: strings, float64 numbers and []any.
func check(stack string, f Field, v any) (any, error) {
	switch f.Kind {
	case KindString:
		if s, ok := v.(string); ok && (s != "" || f.Optional) {
			return s, nil
		}
	case KindInt:
		switch n := v.(type) {
		case float64:
			if n == float64(int(n)) {
				return int(n), nil
			}
		case int:
			return n, nil
		}
	case KindStringArray:
		if ss, ok := v.([]string); ok {
			return ss, nil
		}
		if items, ok := v.([]any); ok {
			ss := make([]string, 0, len(items))
			for _, it := range items {
				s, ok := it.(string)
				if !ok {
					return nil, fmt.Errorf("stack %q output %q must be a list of strings, got an element %v (%T)", stack, f.Name, it, it)
				}
				ss = append(ss, s)
			}
			return ss, nil
		}
	}
	return nil, fmt.Errorf("stack %q output %q must be a non-empty %s, got %v (%T)", stack, f.Name, f.Kind, v, v)
}
