package tags

import (
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Required are the tag keys every taggable resource carries.
var Required = []string{"Environment", "Tier", "Project", "Stack", "ManagedBy"}

// Set is the tags of one stack: the required ones plus those its config adds.
type Set struct {
	base map[string]string
}

// New returns the tags of a stack. extra comes from the stack's validated
// config, which refuses keys that would override the required ones.
func New(environment, tier, project, stack string, extra map[string]string) Set {
	base := maps.Clone(extra)
	if base == nil {
		base = map[string]string{}
	}
	base["Environment"] = environment
	base["Tier"] = tier
	base["Project"] = project
	base["Stack"] = stack
	base["ManagedBy"] = "pulumi"
	return Set{base: base}
}

// Map returns the tags as a plain map.
func (s Set) Map() map[string]string { return maps.Clone(s.base) }

// Named returns the tags plus a Name tag, for a resource's tags input.
func (s Set) Named(name string) pulumi.StringMap {
	out := pulumi.StringMap{}
	for k, v := range s.base {
		out[k] = pulumi.String(v)
	}
	out["Name"] = pulumi.String(name)
	return out
}

// Missing returns the required keys absent from a resource's tags, sorted.
func Missing(got map[string]string) []string {
	var out []string
	for _, k := range Required {
		if got[k] == "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
