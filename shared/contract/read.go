package contract

import (
	"fmt"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// OutputGetter is the part of *pulumi.StackReference that Read uses.
type OutputGetter interface {
	GetOutput(name pulumi.StringInput) pulumi.AnyOutput
}

// ReadNetwork reads the network contract from a reference to a network stack.
// stack is the fully qualified stack name, used in error messages.
func ReadNetwork(ref OutputGetter, stack string) (Network, error) {
	var n Network
	err := Read(ref, stack, &n)
	return n, err
}

// Read fills the contract struct that dst points to from a stack reference.
// Each field becomes an output that fails with a message naming the output
// and the stack when the upstream stack does not export it, or exports a
// value of the wrong type. Values are converted with the SDK's As*Output
// methods after that check, never by unchecked type assertions.
func Read(ref OutputGetter, stack string, dst any) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return fmt.Errorf("contract: Read needs a pointer to a contract struct, got %T", dst)
	}
	v = v.Elem()
	fields, err := fieldsOf(v.Type())
	if err != nil {
		return err
	}
	for i, f := range fields {
		raw := ref.GetOutput(pulumi.String(f.Name))
		checked := raw.ApplyT(checker(stack, f)).(pulumi.AnyOutput)
		var out any
		switch f.Kind {
		case KindString:
			out = checked.AsStringOutput()
		case KindInt:
			out = checked.AsIntOutput()
		case KindStringArray:
			out = checked.AsStringArrayOutput()
		}
		v.Field(i).Set(reflect.ValueOf(out))
	}
	return nil
}

// checker returns an apply function that passes a value through when it has
// the shape the contract field needs and explains what is wrong otherwise.
// Stack outputs arrive as JSON values: strings, float64 numbers and []any.
func checker(stack string, f Field) func(any) (any, error) {
	return func(v any) (any, error) {
		if v == nil {
			return nil, fmt.Errorf("stack %q has no output %q: the %s contract needs it (deploy or update that stack first)", stack, f.Name, f.Kind)
		}
		switch f.Kind {
		case KindString:
			if s, ok := v.(string); ok {
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
		return nil, fmt.Errorf("stack %q output %q must be a %s, got %v (%T)", stack, f.Name, f.Kind, v, v)
	}
}
