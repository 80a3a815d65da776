package pulumimocks

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Account and Region the mocks pretend to be in.
const (
	Account = "123456789012"
	Region  = "eu-west-1"
)

// AutoName is the physical name the mocks give a resource whose name the
// program leaves to the provider, as the real provider does with a random
// suffix.
func AutoName(logical string) string { return logical + "-a1b2c3d" }

// Resource is one registration the program made.
type Resource struct {
	Type    string
	Name    string
	ID      string
	URN     string
	Parent  string
	Custom  bool
	Protect bool
	// IgnoreChanges lists the properties the resource's ignoreChanges
	// option names.
	IgnoreChanges []string
	// Dependencies are the URNs the resource explicitly depends on.
	Dependencies []string
	// DeleteBeforeReplace is the resource's deleteBeforeReplace option.
	DeleteBeforeReplace bool
	// Inputs as the program registered them, before any provider default.
	Inputs resource.PropertyMap
	// Provider is the reference (<urn>::<id>) of the explicit provider the
	// resource was registered with, "" for the default provider.
	Provider string
	// Region is the region the resource is in: its explicit provider's
	// region input, else Region.
	Region string
}

// Input returns an input as a plain Go value (strings, float64, bool,
// []any, map[string]any), or nil when the program did not set it.
func (r Resource) Input(key string) any {
	v, ok := r.Inputs[resource.PropertyKey(key)]
	if !ok || v.IsNull() {
		return nil
	}
	return plain(v)
}

// String returns a string input, or "" when unset.
func (r Resource) String(key string) string {
	s, _ := r.Input(key).(string)
	return s
}

// Tags returns the resource's tags input.
func (r Resource) Tags() map[string]string {
	out := map[string]string{}
	m, _ := r.Input("tags").(map[string]any)
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

func plain(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsOutput():
		return plain(v.OutputValue().Element)
	case v.IsNull():
		return nil
	}
	return v.Mappable()
}

// Mocks implements pulumi.MockResourceMonitor.
type Mocks struct {
	// Zones answered by getAvailabilityZones.
	Zones []string
	// StackOutputs maps a stack reference name to the outputs it serves.
	StackOutputs map[string]map[string]any

	mu        sync.Mutex
	resources []Resource
	calls     []string
	// regions are the explicit AWS providers' regions, by their id.
	regions map[string]string
}

// New returns mocks in eu-west-1 with three zones.
func New() *Mocks {
	return &Mocks{Zones: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, StackOutputs: map[string]map[string]any{}}
}

// NewResource records the registration and returns its inputs plus the few
// computed outputs the programs read.
func (m *Mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	id := args.Name + "-id"
	outs := args.Inputs.Copy()
	set := func(k string, v any) {
		if _, ok := outs[resource.PropertyKey(k)]; !ok {
			outs[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
		}
	}
	switch args.TypeToken {
	case "pulumi:pulumi:StackReference":
		name := args.Inputs["name"].StringValue()
		stackOuts, ok := m.StackOutputs[name]
		if !ok {
			return "", nil, fmt.Errorf("pulumimocks: no stack %q (known: %s)", name, strings.Join(m.stackNames(), ", "))
		}
		outs = resource.PropertyMap{
			"name":              resource.NewStringProperty(name),
			"outputs":           resource.NewPropertyValue(stackOuts),
			"secretOutputNames": resource.NewPropertyValue([]any{}),
		}
		id = name
	case "aws:rds/instance:Instance":
		ident := args.Inputs["identifier"]
		idStr := args.Name
		if ident.IsString() {
			idStr = ident.StringValue()
		}
		id = idStr
		address := idStr + ".abcdefghijkl." + Region + ".rds.amazonaws.com"
		set("address", address)
		set("endpoint", fmt.Sprintf("%s:%v", address, plainOr(args.Inputs["port"], 5432)))
		set("resourceId", "db-"+strings.ToUpper(strings.ReplaceAll(idStr, "-", "")))
		set("masterUserSecrets", []any{map[string]any{
			"secretArn":    "arn:aws:secretsmanager:" + Region + ":" + Account + ":secret:rds!db-" + idStr + "-AbCdEf",
			"secretStatus": "active",
		}})
	case "aws:rds/cluster:Cluster":
		// A Multi-AZ DB cluster: its writer and reader endpoints (host names,
		// <id>.cluster-<x> and <id>.cluster-ro-<x>), resource ID, managed
		// secret and three DB instances.
		idStr := plainOr(args.Inputs["clusterIdentifier"], args.Name).(string)
		id = idStr
		set("endpoint", idStr+".cluster-abcdefghijkl."+Region+".rds.amazonaws.com")
		set("readerEndpoint", idStr+".cluster-ro-abcdefghijkl."+Region+".rds.amazonaws.com")
		set("port", plainOr(args.Inputs["port"], 5432))
		set("clusterResourceId", "cluster-"+strings.ToUpper(strings.ReplaceAll(idStr, "-", "")))
		set("clusterMembers", []any{idStr + "-instance-1", idStr + "-instance-2", idStr + "-instance-3"})
		set("masterUserSecrets", []any{map[string]any{
			"secretArn":    "arn:aws:secretsmanager:" + Region + ":" + Account + ":secret:rds!cluster-" + idStr + "-AbCdEf",
			"secretStatus": "active",
		}})
	case "aws:rds/proxy:Proxy":
		// The proxy's and its extra endpoints' hosts, after the shapes of
		// the RDS Proxy pages' examples.
		set("endpoint", plainOr(args.Inputs["name"], args.Name).(string)+".proxy-abcdefghijkl."+Region+".rds.amazonaws.com")
	case "aws:rds/proxyEndpoint:ProxyEndpoint":
		set("endpoint", plainOr(args.Inputs["dbProxyEndpointName"], args.Name).(string)+".endpoint.proxy-abcdefghijkl."+Region+".rds.amazonaws.com")
	case "aws:kms/key:Key":
		set("keyId", "key-"+args.Name)
	}
	region := m.regionOf(args.Provider)
	if args.TypeToken == "pulumi:providers:aws" {
		if v := args.Inputs["region"]; v.IsString() {
			m.mu.Lock()
			if m.regions == nil {
				m.regions = map[string]string{}
			}
			m.regions[id] = v.StringValue()
			m.mu.Unlock()
		}
	}
	if strings.HasPrefix(args.TypeToken, "aws:") {
		// The provider auto-names resources whose name is not set.
		set("name", AutoName(args.Name))
		svc := strings.SplitN(strings.TrimPrefix(args.TypeToken, "aws:"), "/", 2)[0]
		set("arn", fmt.Sprintf("arn:aws:%s:%s:%s:%s", svc, region, Account, id))
	}

	r := Resource{Type: args.TypeToken, Name: args.Name, ID: id, Custom: args.Custom, Inputs: args.Inputs.Copy(), Provider: args.Provider, Region: region}
	if args.RegisterRPC != nil {
		r.URN = fmt.Sprintf("%s::%s", args.TypeToken, args.Name)
	}
	if rpc := args.RegisterRPC; rpc != nil {
		r.Parent = rpc.GetParent()
		r.Protect = rpc.GetProtect()
		r.IgnoreChanges = rpc.GetIgnoreChanges()
		r.Dependencies = rpc.GetDependencies()
		r.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
	}
	m.mu.Lock()
	m.resources = append(m.resources, r)
	m.mu.Unlock()
	return id, outs, nil
}

// regionOf is the region of the explicit provider ref (<urn>::<id>), or
// Region for the default provider.
func (m *Mocks) regionOf(ref string) string {
	if ref == "" {
		return Region
	}
	id := ref[strings.LastIndex(ref, "::")+2:]
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.regions[id]; ok {
		return r
	}
	return Region
}

func plainOr(v resource.PropertyValue, def any) any {
	if v.IsNull() {
		return def
	}
	return plain(v)
}

func (m *Mocks) stackNames() []string {
	var names []string
	for k := range m.StackOutputs {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Call answers the invokes the programs use and fails on any other, so a
// new invoke cannot pass a test unnoticed.
func (m *Mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	m.mu.Lock()
	m.calls = append(m.calls, args.Token)
	m.mu.Unlock()
	switch args.Token {
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		names := make([]any, len(m.Zones))
		for i, z := range m.Zones {
			names[i] = z
		}
		return resource.NewPropertyMapFromMap(map[string]any{"names": names, "id": Region, "zoneIds": names}), nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return resource.NewPropertyMapFromMap(map[string]any{
			"accountId": Account, "arn": "arn:aws:iam::" + Account + ":user/test", "userId": "AIDTEST", "id": Account,
		}), nil
	case "aws:index/getRegion:getRegion":
		return resource.NewPropertyMapFromMap(map[string]any{"name": Region, "id": Region, "region": Region}), nil
	case "aws:index/getPartition:getPartition":
		return resource.NewPropertyMapFromMap(map[string]any{
			"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws", "reverseDnsPrefix": "com.amazonaws",
		}), nil
	}
	return nil, fmt.Errorf("pulumimocks: no answer for invoke %s", args.Token)
}

// Resources returns what the program registered, in order.
func (m *Mocks) Resources() []Resource {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Resource(nil), m.resources...)
}

// OfType returns the registered resources of one type token.
func (m *Mocks) OfType(token string) []Resource {
	var out []Resource
	for _, r := range m.Resources() {
		if r.Type == token {
			out = append(out, r)
		}
	}
	return out
}

// Named returns the resource of a type with a logical name.
func (m *Mocks) Named(token, name string) (Resource, bool) {
	for _, r := range m.OfType(token) {
		if r.Name == name {
			return r, true
		}
	}
	return Resource{}, false
}
