package fakeaws

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// The plain form of property values, used in the call log and the records
// file: JSON values, with a secret written as {"__secret": value} and an
// unknown (preview) value as {"__unknown": true}. Secrets are kept in plain
// text on purpose: the call log is what the double was sent, so a test that
// searches it for a secret can tell whether one reached "AWS".
const (
	secretKey  = "__secret"
	unknownKey = "__unknown"
)

// unmarshalOpts reads what the engine sends: unknowns and secrets are kept,
// nulls dropped, and resource references downgraded to their ID (or URN),
// which is what the real provider reads from them.
var unmarshalOpts = plugin.MarshalOptions{
	KeepUnknowns: true,
	KeepSecrets:  true,
	SkipNulls:    true,
}

// marshalOpts writes what the engine reads back.
var marshalOpts = plugin.MarshalOptions{
	KeepUnknowns: true,
	KeepSecrets:  true,
}

func unmarshal(s *structpb.Struct, what string) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	m, err := plugin.UnmarshalProperties(s, unmarshalOpts)
	if err != nil {
		return nil, fmt.Errorf("fakeaws: decoding %s: %w", what, err)
	}
	return m, nil
}

func marshal(m resource.PropertyMap, what string) (*structpb.Struct, error) {
	s, err := plugin.MarshalProperties(m, marshalOpts)
	if err != nil {
		return nil, fmt.Errorf("fakeaws: encoding %s: %w", what, err)
	}
	return s, nil
}

// Plain turns a property map into its plain JSON form.
func Plain(m resource.PropertyMap) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = plainValue(v)
	}
	return out
}

func plainValue(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := v.ArrayValue()
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = plainValue(e)
		}
		return out
	case v.IsObject():
		return Plain(v.ObjectValue())
	case v.IsSecret():
		return map[string]any{secretKey: plainValue(v.SecretValue().Element)}
	case v.IsComputed():
		return map[string]any{unknownKey: true}
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return map[string]any{unknownKey: true}
		}
		if o.Secret {
			return map[string]any{secretKey: plainValue(o.Element)}
		}
		return plainValue(o.Element)
	case v.IsResourceReference():
		ref := v.ResourceReferenceValue()
		if id, ok := ref.IDString(); ok {
			return id
		}
		return string(ref.URN)
	default:
		// Assets and archives: none of the types the double knows take them.
		return fmt.Sprintf("<%s>", v.TypeString())
	}
}

// fromPlain is the inverse of Plain for what the records file holds.
func fromPlain(m map[string]any) resource.PropertyMap {
	out := make(resource.PropertyMap, len(m))
	for k, v := range m {
		out[resource.PropertyKey(k)] = fromPlainValue(v)
	}
	return out
}

func fromPlainValue(v any) resource.PropertyValue {
	switch x := v.(type) {
	case []any:
		arr := make([]resource.PropertyValue, len(x))
		for i, e := range x {
			arr[i] = fromPlainValue(e)
		}
		return resource.NewArrayProperty(arr)
	case map[string]any:
		if inner, ok := x[secretKey]; ok && len(x) == 1 {
			return resource.MakeSecret(fromPlainValue(inner))
		}
		if _, ok := x[unknownKey]; ok && len(x) == 1 {
			return resource.MakeComputed(resource.NewStringProperty(""))
		}
		return resource.NewObjectProperty(fromPlain(x))
	default:
		return resource.NewPropertyValue(v)
	}
}

// Unsecret strips the secret wrappers from a plain value, for tests that
// compare values without caring whether the engine marked them secret.
func Unsecret(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Unsecret(e)
		}
		return out
	case map[string]any:
		if inner, ok := x[secretKey]; ok && len(x) == 1 {
			return Unsecret(inner)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Unsecret(e)
		}
		return out
	default:
		return v
	}
}

// sameValue reports whether two inputs are the same for a diff: secrecy is
// ignored, an absent value equals null and an empty list or map (as the real
// provider treats them), and an unknown value is never the same as anything.
func sameValue(a, b resource.PropertyValue) bool {
	if a.ContainsUnknowns() || b.ContainsUnknowns() {
		return false
	}
	pa, pb := emptyToNil(Unsecret(plainValue(a))), emptyToNil(Unsecret(plainValue(b)))
	return reflect.DeepEqual(pa, pb)
}

func emptyToNil(v any) any {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return nil
		}
		for i := range x {
			x[i] = emptyToNil(x[i])
		}
		return x
	case map[string]any:
		if len(x) == 0 {
			return nil
		}
		for k := range x {
			x[k] = emptyToNil(x[k])
			if x[k] == nil {
				delete(x, k)
			}
		}
		if len(x) == 0 {
			return nil
		}
		return x
	default:
		return v
	}
}

// userKeys lists a map's keys without the engine-internal "__" ones, sorted.
func userKeys(maps ...resource.PropertyMap) []string {
	seen := map[string]bool{}
	for _, m := range maps {
		for k := range m {
			if !isInternal(string(k)) {
				seen[string(k)] = true
			}
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isInternal(key string) bool { return len(key) >= 2 && key[:2] == "__" }

// withoutInternal copies m without its "__" keys.
func withoutInternal(m resource.PropertyMap) resource.PropertyMap {
	out := make(resource.PropertyMap, len(m))
	for k, v := range m {
		if !isInternal(string(k)) {
			out[k] = v
		}
	}
	return out
}

// knownString reads a string input: ok is false when it is absent, null or
// not a string, unknown is true when the engine does not know it yet.
func knownString(m resource.PropertyMap, key string) (s string, ok, unknown bool) {
	v, has := m[resource.PropertyKey(key)]
	if !has {
		return "", false, false
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.ContainsUnknowns() {
		return "", false, true
	}
	if !v.IsString() {
		return "", false, false
	}
	return v.StringValue(), true, false
}
