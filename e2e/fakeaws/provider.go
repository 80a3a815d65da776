package fakeaws

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Version is the plugin version the double reports: the version of the
// pulumi-aws SDK the programs are built with, which is what the engine asks
// for.
const Version = "6.83.4"

// Provider implements pulumirpc.ResourceProviderServer.
type Provider struct {
	// The embedded server answers only the calls the engine makes outside
	// our flows (GetMapping(s) during conversions, Attach for debugging),
	// with codes.Unimplemented, which the engine reads as "not supported".
	pulumirpc.UnimplementedResourceProviderServer

	store *store
	// calls is held (read) by every call that can reach AWS, so that a
	// fault's exit lets the others finish first (faults.go, exit).
	calls sync.RWMutex

	mu          sync.Mutex
	region      string
	defaultTags map[string]string
}

// New returns a provider that keeps its records and call log in dir.
func New(dir string) (*Provider, error) {
	s, err := newStore(dir)
	if err != nil {
		return nil, err
	}
	return &Provider{store: s}, nil
}

// ---- plugin and configuration ----

func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, p.logCall(Call{Method: "GetPluginInfo"})
}

// GetSchema answers with a minimal schema: the engine asks for one only to
// generate code or convert programs, which the tests never do.
func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: `{"name":"aws","version":"` + Version + `"}`},
		p.logCall(Call{Method: "GetSchema"})
}

func (p *Provider) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{
		AcceptSecrets:                   true,
		AcceptResources:                 true,
		SupportsAutonamingConfiguration: true,
	}, p.logCall(Call{Method: "Handshake"})
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)

// configRegion finds the region in the provider's inputs, falling back to
// the environment variables the real provider reads.
func configRegion(m resource.PropertyMap) (string, error) {
	region, ok, unknown := knownString(m, "region")
	switch {
	case unknown:
		return "", nil
	case !ok || region == "":
		region = os.Getenv("AWS_REGION")
		if region == "" {
			region = os.Getenv("AWS_DEFAULT_REGION")
		}
		if region == "" {
			return "", fmt.Errorf("fakeaws: the aws provider has no region: set aws:region (or AWS_REGION)")
		}
	}
	if !regionPattern.MatchString(region) {
		return "", fmt.Errorf("fakeaws: aws:region %q is not an AWS region name such as eu-west-1", region)
	}
	return region, nil
}

func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	news, err := unmarshal(req.GetNews(), "provider configuration")
	if err != nil {
		return nil, err
	}
	call := Call{Method: "CheckConfig", URN: req.GetUrn(), Inputs: Plain(news)}
	resp := &pulumirpc.CheckResponse{Inputs: req.GetNews()}
	if _, err := configRegion(news); err != nil {
		resp.Failures = []*pulumirpc.CheckFailure{{Property: "region", Reason: err.Error()}}
		call.Error = err.Error()
	}
	return resp, p.logCall(call)
}

func (p *Provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(firstStruct(req.GetOldInputs(), req.GetOlds()), "old provider configuration")
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "new provider configuration")
	if err != nil {
		return nil, err
	}
	// A new region replaces the provider, and so every resource it manages:
	// pulumi-aws v6 declares Config["region"] with ForcesProviderReplace:
	// tfbridge.True() (provider/resources.go, pulumi/pulumi-aws commit
	// 00ba5ea5; added by pulumi/pulumi-aws#4000, "Replace resources when the
	// AWS region changes"), and the bridge's configDiffer.DiffConfig
	// (pulumi-terraform-bridge pkg/tfbridge/provider.go) turns a change of
	// such a key into a replacement. v7 drops it (pulumi/pulumi-aws#5652);
	// every other key updates the provider in place.
	resp := diff(olds, news, req.GetIgnoreChanges(), func(k string) bool { return k == "region" }, nil)
	err = p.logCall(Call{Method: "DiffConfig", URN: req.GetUrn(), Inputs: Plain(news),
		Replaces: resp.GetReplaces(), Changes: resp.GetDiffs()})
	return resp, err
}

func (p *Provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	var args resource.PropertyMap
	if req.GetArgs() != nil {
		m, err := unmarshal(req.GetArgs(), "provider configuration")
		if err != nil {
			return nil, err
		}
		args = m
	} else {
		// The deprecated form: "aws:config:<key>" -> string.
		args = resource.PropertyMap{}
		for k, v := range req.GetVariables() {
			args[resource.PropertyKey(k[strings.LastIndex(k, ":")+1:])] = resource.NewStringProperty(v)
		}
	}
	region, err := configRegion(args)
	if err == nil && region == "" {
		err = fmt.Errorf("fakeaws: the aws provider's region is not known at configure time")
	}
	tags, tagErr := defaultTags(args)
	if err == nil {
		err = tagErr
	}
	if err == nil {
		err = checkAllowedAccount(args)
	}
	call := Call{Method: "Configure", Inputs: Plain(args)}
	if err != nil {
		call.Error = err.Error()
		return nil, joinErr(err, p.logCall(call))
	}
	p.mu.Lock()
	p.region, p.defaultTags = region, tags
	p.mu.Unlock()
	return &pulumirpc.ConfigureResponse{
		AcceptSecrets:                   true,
		SupportsPreview:                 true,
		AcceptResources:                 true,
		SupportsAutonamingConfiguration: true,
	}, p.logCall(call)
}

// defaultTags reads the provider's defaultTags.tags, given either as an
// object or as the JSON string that stack configuration produces.
func defaultTags(args resource.PropertyMap) (map[string]string, error) {
	v, ok := args["defaultTags"]
	if !ok || v.IsNull() {
		return nil, nil
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	var plain any = plainValue(v)
	if s, isString := plain.(string); isString {
		if err := json.Unmarshal([]byte(s), &plain); err != nil {
			return nil, fmt.Errorf("fakeaws: aws:defaultTags %q is not JSON: %w", s, err)
		}
	}
	obj, _ := plain.(map[string]any)
	tags, _ := obj["tags"].(map[string]any)
	out := map[string]string{}
	for k, e := range tags {
		s, isString := e.(string)
		if !isString {
			return nil, fmt.Errorf("fakeaws: aws:defaultTags.tags.%s is %v, not a string", k, e)
		}
		out[k] = s
	}
	return out, nil
}

func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, p.logCall(Call{Method: "Cancel"})
}

// ---- resources ----

func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	token := typeOf(req.GetUrn(), req.GetType())
	call := Call{Method: "Check", Type: token, URN: req.GetUrn()}
	return logged(p, call, func(call *Call) (*pulumirpc.CheckResponse, error) {
		return p.check(req, token, call)
	})
}

func (p *Provider) check(req *pulumirpc.CheckRequest, token string, call *Call) (*pulumirpc.CheckResponse, error) {
	t, err := lookupType(token)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "new inputs of "+req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), "old inputs of "+req.GetUrn())
	if err != nil {
		return nil, err
	}
	oldDefaults := map[string]bool{}
	if v, ok := olds["__defaults"]; ok && v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e.IsString() {
				oldDefaults[e.StringValue()] = true
			}
		}
	}
	// Like the real provider, a value it filled in before is kept (so an
	// auto-name survives updates), and __defaults lists what it filled in.
	var defaulted []string
	fill := func(key string, v resource.PropertyValue) {
		k := resource.PropertyKey(key)
		if old, ok := olds[k]; ok && oldDefaults[key] {
			v = old
		}
		news[k] = v
		defaulted = append(defaulted, key)
	}
	for k, v := range t.defaults() {
		if _, ok := news[k]; !ok {
			fill(string(k), v)
		}
	}
	var failures []*pulumirpc.CheckFailure
	if t.Name != "" {
		_, hasName := news[resource.PropertyKey(t.Name)]
		_, hasPrefix := news[resource.PropertyKey(t.NamePrefix)]
		if !hasName && (t.NamePrefix == "" || !hasPrefix) && !t.NoDefaultName {
			name, failure := autoName(t, req)
			if failure != "" {
				failures = append(failures, &pulumirpc.CheckFailure{Property: t.Name, Reason: failure})
			} else {
				fill(t.Name, resource.NewStringProperty(name))
			}
		}
		if s, ok, _ := knownString(news, t.Name); ok {
			if t.NameMaxLen > 0 && len(s) > t.NameMaxLen {
				failures = append(failures, &pulumirpc.CheckFailure{Property: t.Name,
					Reason: fmt.Sprintf("%s %q is %d characters long; AWS allows at most %d", t.Name, s, len(s), t.NameMaxLen)})
			} else if t.NameValid != nil {
				// The schema's ValidateFunc runs in Check (the bridge's
				// ValidateResource), on a name the program set and on an
				// auto-name alike.
				if reason := t.NameValid(t.Name, s); reason != "" {
					failures = append(failures, &pulumirpc.CheckFailure{Property: t.Name,
						Reason: fmt.Sprintf("%s %q: %s", t.Name, s, reason)})
				}
			}
		}
	}
	if t.Validate != nil {
		for _, f := range t.Validate(news) {
			failures = append(failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
		}
	}
	sort.Strings(defaulted)
	arr := make([]resource.PropertyValue, len(defaulted))
	for i, k := range defaulted {
		arr[i] = resource.NewStringProperty(k)
	}
	news["__defaults"] = resource.NewArrayProperty(arr)

	call.Inputs = Plain(news)
	for _, f := range failures {
		call.Error += f.GetProperty() + ": " + f.GetReason() + "; "
	}
	inputs, err := marshal(news, "checked inputs of "+req.GetUrn())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: inputs, Failures: failures}, nil
}

// autoName is the name the real provider gives a resource whose program set
// none: the engine's proposal when it makes one, else the bridge's AutoName
// default, "<resource name>-<7 hex>": info.AutoName in
// pulumi-terraform-bridge (pkg/tfbridge/info/autonaming.go) sets Randlen 7
// and ComputeAutoNameDefault calls resource.NewUniqueName(seed, name +
// separator, 7, maxlen, nil), seeded by the engine's random seed so that a
// preview and the update after it agree. The separator, maxlen and prefix
// are pulumi-aws's per type (AutoNameMaxLen, AutoPrefix,
// AutoNameNoSeparator in types.go, with their sources). aws_db_instance's
// identifier default is resource.NewUniqueHex, which is not seeded: the
// double seeds it too, so its previews name what its updates create. No name
// is lower-cased: the RDS types' ValidateFuncs refuse an upper-case one in
// Check (NameValid).
func autoName(t resourceType, req *pulumirpc.CheckRequest) (name, failure string) {
	if a := req.GetAutonaming(); a != nil {
		switch a.GetMode() {
		case pulumirpc.CheckRequest_AutonamingOptions_DISABLE:
			return "", fmt.Sprintf("autonaming is disabled for this stack: set %s explicitly", t.Name)
		default:
			return a.GetProposedName(), ""
		}
	}
	sep := "-"
	if t.AutoNameNoSeparator {
		sep = ""
	}
	name, err := resource.NewUniqueName(req.GetRandomSeed(), resource.URN(req.GetUrn()).Name()+sep, 7, t.AutoNameMaxLen, nil)
	if err != nil {
		return "", fmt.Sprintf("cannot auto-name %s: %v", t.Name, err)
	}
	if t.AutoPrefix != "" && !strings.HasPrefix(name, t.AutoPrefix) {
		name = t.AutoPrefix + name
	}
	return name, ""
}

func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	token := typeOf(req.GetUrn(), req.GetType())
	call := Call{Method: "Diff", Type: token, URN: req.GetUrn(), ID: req.GetId()}
	return logged(p, call, func(call *Call) (*pulumirpc.DiffResponse, error) {
		resp, err := p.diffResource(req, token)
		if err == nil {
			call.Replaces, call.Changes = resp.GetReplaces(), resp.GetDiffs()
			if resp.GetDeleteBeforeReplace() {
				call.Note = "deleteBeforeReplace"
			}
		}
		return resp, err
	})
}

func (p *Provider) diffResource(req *pulumirpc.DiffRequest, token string) (*pulumirpc.DiffResponse, error) {
	t, err := lookupType(token)
	if err != nil {
		return nil, err
	}
	oldInputs, err := unmarshal(firstStruct(req.GetOldInputs(), req.GetOlds()), "old inputs of "+req.GetUrn())
	if err != nil {
		return nil, err
	}
	oldState, err := unmarshal(req.GetOlds(), "old state of "+req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), "new inputs of "+req.GetUrn())
	if err != nil {
		return nil, err
	}
	// Like the bridged provider, which plans from the prior state: each
	// input is compared with the value the last read or update returned
	// (what AWS runs), so a modification AWS still holds for the
	// maintenance window shows as a diff again.
	olds := oldInputs.Copy()
	for _, k := range userKeys(oldInputs, news) {
		if v, ok := oldState[resource.PropertyKey(k)]; ok {
			olds[resource.PropertyKey(k)] = v
		}
	}
	resp := diff(olds, news, req.GetIgnoreChanges(), t.forcesReplace, t.Suppress)
	resp.DeleteBeforeReplace = len(resp.Replaces) > 0 && (t.DeleteBeforeReplace || t.nameFixed(news))
	return resp, nil
}

// nameFixed is the bridge's nameRequiresDeleteBeforeReplace
// (pulumi-terraform-bridge pkg/tfbridge/schema.go), which its Diff ORs with
// ResourceInfo.DeleteBeforeReplace when there are replaces: true when an
// input whose default is AutoNamed was set by the program rather than by
// that default (it is not in __defaults). The resource declares no
// UniqueNameFields (none of the types here does in pulumi-aws's
// resources.go at 00ba5ea5), so whether the name changes does not matter.
// aws_db_instance's identifier default is not AutoNamed (NameNotAutoNamed):
// a replacement that keeps a fixed identifier is created first, and AWS
// refuses it (checkUnique).
func (t resourceType) nameFixed(news resource.PropertyMap) bool {
	if t.Name == "" || t.NameNotAutoNamed {
		return false
	}
	defaults, ok := news["__defaults"]
	if !ok || !defaults.IsArray() {
		return false
	}
	_, set := news[resource.PropertyKey(t.Name)]
	return set && !listed(defaults, t.Name)
}

func listed(v resource.PropertyValue, key string) bool {
	if !v.IsArray() {
		return false
	}
	for _, e := range v.ArrayValue() {
		if e.IsString() && e.StringValue() == key {
			return true
		}
	}
	return false
}

// diff compares two input maps key by key.
func diff(olds, news resource.PropertyMap, ignore []string, forcesReplace func(string) bool,
	suppress func(key string, old, new resource.PropertyValue, news resource.PropertyMap) bool,
) *pulumirpc.DiffResponse {
	ignored := map[string]bool{}
	for _, k := range ignore {
		ignored[k] = true
	}
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_NONE,
		HasDetailedDiff: true,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
	}
	for _, key := range userKeys(olds, news) {
		if ignored[key] {
			continue
		}
		o, n := olds[resource.PropertyKey(key)], news[resource.PropertyKey(key)]
		if sameValue(o, n) || (suppress != nil && suppress(key, o, n, news)) {
			continue
		}
		kind := pulumirpc.PropertyDiff_UPDATE
		switch {
		case o.IsNull():
			kind = pulumirpc.PropertyDiff_ADD
		case n.IsNull():
			kind = pulumirpc.PropertyDiff_DELETE
		}
		if forcesReplace(key) {
			resp.Replaces = append(resp.Replaces, key)
			kind++ // each *_REPLACE kind follows its plain kind
		}
		resp.Diffs = append(resp.Diffs, key)
		resp.DetailedDiff[key] = &pulumirpc.PropertyDiff{Kind: kind, InputDiff: true}
	}
	if len(resp.Diffs) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return resp
}

func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	token := typeOf(req.GetUrn(), req.GetType())
	call := Call{Method: "Create", Type: token, URN: req.GetUrn(), Preview: req.GetPreview()}
	return reachingAWS(p, call, func(call *Call) (*pulumirpc.CreateResponse, error) {
		return p.create(req, token, call)
	})
}

func (p *Provider) create(req *pulumirpc.CreateRequest, token string, call *Call) (*pulumirpc.CreateResponse, error) {
	t, in, region, tags, err := p.inputs(token, req.GetProperties(), "inputs of "+req.GetUrn(), call)
	if err != nil {
		return nil, err
	}
	if req.GetPreview() {
		c := p.newComp(t, token, req.GetUrn(), 0, region, in, "", nil)
		c.preview = true
		out := c.run(t, tags)
		call.Outputs = Plain(out)
		props, err := marshal(out, "outputs of "+req.GetUrn())
		return &pulumirpc.CreateResponse{Properties: props}, err
	}
	for k, v := range in {
		if v.ContainsUnknowns() {
			return nil, fmt.Errorf("fakeaws: create of %s got an unknown value for %s outside a preview", req.GetUrn(), k)
		}
	}
	// A fault the test planned for this call (faults.go).
	fault, err := p.store.fault(call)
	if err != nil {
		return nil, err
	}
	if err := p.faultBefore(fault, call, call.Inputs); err != nil {
		return nil, err
	}
	var id string
	var out resource.PropertyMap
	err = p.store.update(func(r *records) error {
		gen := r.Generations[req.GetUrn()] + 1
		c := p.newComp(t, token, req.GetUrn(), gen, region, in, "", r)
		// A name asked for by prefix is made now, as AWS does.
		if t.NamePrefix != "" && !c.has(t.Name) && c.has(t.NamePrefix) {
			c.in[resource.PropertyKey(t.Name)] = resource.NewStringProperty(c.str(t.NamePrefix) + c.digest("name")[:26])
		} else if t.CreateNamePrefix != "" && !c.has(t.Name) {
			c.in[resource.PropertyKey(t.Name)] = resource.NewStringProperty(t.CreateNamePrefix + c.digest("name")[:26])
		}
		if err := checkUnique(t, token, region, c, r); err != nil {
			return err
		}
		if t.CheckCreate != nil {
			if err := t.CheckCreate(c, r); err != nil {
				return err
			}
		}
		id = t.ID(c)
		c.id = id
		out = c.run(t, tags)
		r.Generations[req.GetUrn()] = gen
		r.Resources = append(r.Resources, Record{
			Type: token, ID: id, URN: req.GetUrn(), Region: region,
			Inputs: Plain(in), Outputs: Plain(out),
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	call.ID, call.Outputs = id, Plain(out)
	// AWS accepted the create: the resource exists whatever happens now.
	if err := p.faultAfter(fault, call, id); err != nil {
		return nil, err
	}
	props, err := marshal(out, "outputs of "+req.GetUrn())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// checkUnique refuses a second live resource with the same name where AWS
// would, each type's Unique naming the scope. The create APIs' errors:
// CreateDBInstance DBInstanceAlreadyExists ("The user already has a DB
// instance with the given identifier"), CreateDBSubnetGroup
// DBSubnetGroupAlreadyExists ("DBSubnetGroupName is already used by an
// existing DB subnet group",
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html),
// IAM CreateRole EntityAlreadyExists ("The request was rejected because it
// attempted to create a resource that already exists"). The parameter
// group, event subscription, log group, KMS alias and security group
// (per VPC) scopes were not read from a source (e2e/README.md, open
// questions).
func checkUnique(t resourceType, token, region string, c *comp, r *records) error {
	if t.Unique == "" {
		return nil
	}
	name := c.str(t.Name)
	for _, rec := range r.Resources {
		if rec.Type != token || Unsecret(rec.Outputs[t.Name]) != name {
			continue
		}
		switch t.Unique {
		case "region":
			if rec.Region != region {
				continue
			}
		case "vpc":
			if rec.Region != region || Unsecret(rec.Outputs["vpcId"]) != c.str("vpcId") {
				continue
			}
		}
		return fmt.Errorf("fakeaws: %s %s %q already exists (id %s, %s): AWS refuses a second one",
			token, t.Name, name, rec.ID, rec.URN)
	}
	return nil
}

func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	token := typeOf(req.GetUrn(), req.GetType())
	call := Call{Method: "Read", Type: token, URN: req.GetUrn(), ID: req.GetId()}
	return reachingAWS(p, call, func(call *Call) (*pulumirpc.ReadResponse, error) {
		return p.read(req, token, call)
	})
}

func (p *Provider) read(req *pulumirpc.ReadRequest, token string, call *Call) (*pulumirpc.ReadResponse, error) {
	if _, err := lookupType(token); err != nil {
		return nil, err
	}
	// A fault the test planned for this call (faults.go).
	fault, err := p.store.fault(call)
	if err != nil {
		return nil, err
	}
	if err := p.faultBefore(fault, call, nil); err != nil {
		return nil, err
	}
	var rec *Record
	region, _, _ := p.configured()
	err = p.store.view(func(r *records) error {
		if i, ok := r.findIn(token, req.GetId(), region); ok {
			rec = &r.Resources[i]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rec != nil {
		if err := p.faultAfter(fault, call, rec.ID); err != nil {
			return nil, err
		}
	}
	if rec == nil {
		// Gone: the engine drops it from the state.
		call.Note = "not found"
		return &pulumirpc.ReadResponse{}, nil
	}
	call.Outputs = rec.Outputs
	props, err := marshal(fromPlain(rec.Outputs), "outputs of "+req.GetUrn())
	if err != nil {
		return nil, err
	}
	inputs, err := marshal(fromPlain(rec.Inputs), "inputs of "+req.GetUrn())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: rec.ID, Properties: props, Inputs: inputs}, nil
}

func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	token := typeOf(req.GetUrn(), req.GetType())
	call := Call{Method: "Update", Type: token, URN: req.GetUrn(), ID: req.GetId(), Preview: req.GetPreview()}
	return reachingAWS(p, call, func(call *Call) (*pulumirpc.UpdateResponse, error) {
		return p.update(req, token, call)
	})
}

func (p *Provider) update(req *pulumirpc.UpdateRequest, token string, call *Call) (*pulumirpc.UpdateResponse, error) {
	t, in, region, tags, err := p.inputs(token, req.GetNews(), "new inputs of "+req.GetUrn(), call)
	if err != nil {
		return nil, err
	}
	var out resource.PropertyMap
	apply := func(r *records) error {
		i, ok := r.findIn(token, req.GetId(), region)
		if !ok {
			return fmt.Errorf("fakeaws: update of %s: no %s with id %s in the records", req.GetUrn(), token, req.GetId())
		}
		rec := &r.Resources[i]
		c := p.newComp(t, token, rec.URN, r.Generations[rec.URN], region, in, rec.ID, r)
		if t.NamePrefix != "" && !c.has(t.Name) {
			// The prefix-made name stays: it is not an input that changed.
			if v, ok := rec.Outputs[t.Name]; ok {
				c.in[resource.PropertyKey(t.Name)] = fromPlainValue(v)
			}
		}
		if req.GetPreview() {
			out = c.run(t, tags)
			return nil
		}
		// An update the provider would run as a blue/green deployment
		// (bluegreen.go).
		if err := checkBlueGreen(token, fromPlain(rec.Inputs), c.in); err != nil {
			return err
		}
		if t.CheckUpdate != nil {
			if err := t.CheckUpdate(fromPlain(rec.Inputs), c.in, r); err != nil {
				return err
			}
		}
		// What AWS runs after the modification, and what it holds for the
		// maintenance window (modify.go). Like the real provider's Update,
		// which ends with a read, the outputs are the running values.
		running, pending := modify(t, fromPlain(rec.Inputs), fromPlain(rec.Pending), c.in)
		c.in = running
		out = c.run(t, tags)
		rec.Inputs, rec.Outputs, rec.Pending = Plain(running), Plain(out), nil
		if len(pending) > 0 {
			rec.Pending = Plain(pending)
			call.Note = fmt.Sprintf("pending until the maintenance window: %v", rec.PendingModifiedValues())
		}
		return nil
	}
	var fault *firing
	if req.GetPreview() {
		err = p.store.view(apply)
	} else {
		// A fault the test planned for this call (faults.go).
		if fault, err = p.store.fault(call); err != nil {
			return nil, err
		}
		if err := p.faultBefore(fault, call, call.Inputs); err != nil {
			return nil, err
		}
		err = p.store.update(apply)
	}
	if err != nil {
		return nil, err
	}
	if err := p.faultAfter(fault, call, req.GetId()); err != nil {
		return nil, err
	}
	call.Outputs = Plain(out)
	props, err := marshal(out, "outputs of "+req.GetUrn())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *Provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	token := typeOf(req.GetUrn(), req.GetType())
	call := Call{Method: "Delete", Type: token, URN: req.GetUrn(), ID: req.GetId()}
	return reachingAWS(p, call, func(call *Call) (*emptypb.Empty, error) {
		return &emptypb.Empty{}, p.delete(req, token, call)
	})
}

func (p *Provider) delete(req *pulumirpc.DeleteRequest, token string, call *Call) (err error) {
	t, err := lookupType(token)
	if err != nil {
		return err
	}
	// A fault the test planned for this call (faults.go).
	fault, err := p.store.fault(call)
	if err != nil {
		return err
	}
	olds, err := unmarshal(req.GetProperties(), "state of "+req.GetUrn())
	if err != nil {
		return err
	}
	if err := p.faultBefore(fault, call, Plain(olds)); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			err = p.faultAfter(fault, call, req.GetId())
		}
	}()
	region, _, _ := p.configured()
	return p.store.update(func(r *records) error {
		i, ok := r.findIn(token, req.GetId(), region)
		if !ok {
			// Gone already: the provider's delete functions treat AWS's
			// NotFound as done, e.g. resourceInstanceDelete
			// (DBInstanceNotFoundFault), resourceSubnetGroupDelete
			// (DBSubnetGroupNotFoundFault), resourceVPCDelete
			// (InvalidVpcID.NotFound), all at 4f930f62.
			call.Note = "not found"
			return nil
		}
		rec := r.Resources[i]
		call.Outputs = rec.Outputs
		// The type's own refusal first: it names the error AWS gives.
		if t.CheckDelete != nil {
			note, err := t.CheckDelete(rec.Outputs, r)
			if err != nil {
				return err
			}
			call.Note = note
		}
		// Only the deletes whose API refuses while something uses the
		// resource (InUseBy in types.go, with the sources); the others
		// (a KMS key's ScheduleKeyDeletion, SNS DeleteTopic, ...) go
		// through.
		if user := r.usedBy(i, t.InUseBy); user != nil {
			return fmt.Errorf("fakeaws: AWS refuses to delete %s %s (%s): %s %s (%s) still uses it",
				token, rec.ID, t.InUseError, user.Type, user.ID, user.URN)
		}
		r.Resources = slices.Delete(r.Resources, i, i+1)
		return nil
	})
}

// ---- invokes ----

func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	call := Call{Method: "Invoke", Type: req.GetTok(), Preview: req.GetPreview()}
	return logged(p, call, func(call *Call) (*pulumirpc.InvokeResponse, error) {
		f, err := lookupInvoke(req.GetTok())
		if err != nil {
			return nil, err
		}
		args, err := unmarshal(req.GetArgs(), "arguments of "+req.GetTok())
		if err != nil {
			return nil, err
		}
		call.Inputs = Plain(args)
		region, _, err := p.configured()
		if err != nil {
			return nil, err
		}
		out, err := f(region, args)
		if err != nil {
			return nil, err
		}
		call.Outputs = out
		ret, err := structpb.NewStruct(out)
		if err != nil {
			return nil, fmt.Errorf("fakeaws: encoding the result of %s: %w", req.GetTok(), err)
		}
		return &pulumirpc.InvokeResponse{Return: ret}, nil
	})
}

// ---- calls the engine must never make in our flows ----

func (p *Provider) Call(_ context.Context, req *pulumirpc.CallRequest) (*pulumirpc.CallResponse, error) {
	return nil, p.unexpected("Call", req.GetTok())
}

func (p *Provider) Construct(_ context.Context, req *pulumirpc.ConstructRequest) (*pulumirpc.ConstructResponse, error) {
	return nil, p.unexpected("Construct", req.GetType())
}

func (p *Provider) Parameterize(context.Context, *pulumirpc.ParameterizeRequest) (*pulumirpc.ParameterizeResponse, error) {
	return nil, p.unexpected("Parameterize", "")
}

func (p *Provider) List(req *pulumirpc.ListRequest, _ grpc.ServerStreamingServer[pulumirpc.ListResponse]) error {
	return p.unexpected("List", req.GetToken())
}

func (p *Provider) unexpected(method, token string) error {
	err := fmt.Errorf("fakeaws: the aws test double does not implement %s (token %q)", method, token)
	return joinErr(err, p.logCall(Call{Method: method, Type: token, Error: err.Error()}))
}

// ---- helpers ----

// logged runs one call and logs it, with the error it ends in if any.
func logged[T any](p *Provider, call Call, run func(*Call) (T, error)) (T, error) {
	resp, err := run(&call)
	if err != nil {
		call.Error = err.Error()
	}
	return resp, joinErr(err, p.logCall(call))
}

// reachingAWS runs and logs a call that can reach AWS, holding calls (read)
// while it runs so that a fault's exit lets it finish first (faults.go, exit).
func reachingAWS[T any](p *Provider, call Call, run func(*Call) (T, error)) (T, error) {
	p.calls.RLock()
	defer p.calls.RUnlock()
	return logged(p, call, run)
}

// inputs looks up the type of a create or an update and decodes its inputs
// (what names them in an error) into the call, with the region and default
// tags the provider was configured with.
func (p *Provider) inputs(token string, props *structpb.Struct, what string, call *Call) (
	resourceType, resource.PropertyMap, string, map[string]string, error,
) {
	t, err := lookupType(token)
	if err != nil {
		return resourceType{}, nil, "", nil, err
	}
	in, err := unmarshal(props, what)
	if err != nil {
		return resourceType{}, nil, "", nil, err
	}
	call.Inputs = Plain(in)
	region, tags, err := p.configured()
	if err != nil {
		return resourceType{}, nil, "", nil, err
	}
	return t, in, region, tags, nil
}

func (p *Provider) configured() (string, map[string]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.region == "" {
		return "", nil, fmt.Errorf("fakeaws: the aws provider was used before Configure")
	}
	return p.region, p.defaultTags, nil
}

func (p *Provider) newComp(t resourceType, token, urn string, gen int, region string,
	in resource.PropertyMap, id string, r *records,
) *comp {
	return &comp{
		typ: token, urn: urn, gen: gen, region: region, in: in.Copy(), id: id,
		out: resource.PropertyMap{},
		lookup: func(typ, id string) (resource.PropertyMap, bool) {
			if r == nil {
				return nil, false
			}
			i, ok := r.find(typ, id)
			if !ok {
				return nil, false
			}
			return fromPlain(r.Resources[i].Outputs), true
		},
	}
}

// run computes the outputs: the inputs (without engine-internal keys), then
// the type's computed outputs over them.
func (c *comp) run(t resourceType, defaultTags map[string]string) resource.PropertyMap {
	for k, v := range withoutInternal(c.in) {
		c.out[k] = v
	}
	t.Outputs(c)
	if t.Tagged {
		c.tags(defaultTags)
	}
	return c.out
}

func (p *Provider) logCall(c Call) error {
	c.Time = time.Now().UTC()
	c.PID = os.Getpid()
	if c.URN != "" {
		u := resource.URN(c.URN)
		if u.IsValid() {
			c.Stack, c.Project, c.Name = u.Stack().String(), u.Project().String(), u.Name()
		}
	}
	return p.store.log(c)
}

func typeOf(urn, typ string) string {
	if typ != "" {
		return typ
	}
	u := resource.URN(urn)
	if !u.IsValid() {
		return ""
	}
	return string(u.Type())
}

func firstStruct(a, b *structpb.Struct) *structpb.Struct {
	if a != nil {
		return a
	}
	return b
}

// joinErr keeps the first error; a failure to write the log is reported
// only when the call itself succeeded.
func joinErr(err, logErr error) error {
	if err != nil {
		return err
	}
	return logErr
}
