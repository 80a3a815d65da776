package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"reflect"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// The recorder stands in for the AWS provider plugin when the engine runs
// it as pulumi-resource-aws: it keeps no cloud, only the state the engine
// hands it, and diffs like the real provider does (a detailed diff per
// property path, replacements for the properties AWS cannot change in
// place).
//
// Two environment variables script what a scenario needs:
//
//	RECORD_DRIFT="<resource name>.<property>=<JSON value>;..."  what a refresh reads back changed
//	RECORD_CHECK_FAIL="<resource name>.<property>=<reason>"     an input the provider rejects

// forceNew lists, per type, the properties AWS cannot change in place.
var forceNew = map[string][]string{
	"aws:rds/instance:Instance":              {"identifier", "dbName", "engine", "kmsKeyId", "storageEncrypted", "username", "availabilityZone"},
	"aws:kms/key:Key":                        {"customerMasterKeySpec", "keyUsage", "multiRegion"},
	"aws:kms/alias:Alias":                    {"name"},
	"aws:rds/subnetGroup:SubnetGroup":        {"name"},
	"aws:rds/parameterGroup:ParameterGroup":  {"name", "family"},
	"aws:ec2/vpc:Vpc":                        {"cidrBlock", "instanceTenancy"},
	"aws:ec2/subnet:Subnet":                  {"cidrBlock", "vpcId", "availabilityZone"},
	"aws:ec2/securityGroup:SecurityGroup":    {"name", "vpcId", "description"},
	"aws:ec2/routeTable:RouteTable":          {"vpcId"},
	"aws:cloudwatch/logGroup:LogGroup":       {"name", "logGroupClass"},
	"aws:cloudwatch/metricAlarm:MetricAlarm": {"name"},
	"aws:sns/topic:Topic":                    {"name"},
	"aws:iam/role:Role":                      {"name"},
	"aws:ec2/flowLog:FlowLog":                {"logDestination", "vpcId", "trafficType"},
	"aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication": {"sourceDbInstanceArn"},
}

// serveProvider speaks the plugin protocol: serve gRPC on a free loopback
// port, print the port, stop on SIGINT (which the engine sends when done).
func serveProvider() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		close(cancel)
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, &fakeAWS{})
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("serve the stand-in provider: %w", err)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		return fmt.Errorf("stand-in provider: %w", err)
	}
	return nil
}

type fakeAWS struct {
	pulumirpc.UnimplementedResourceProviderServer
}

var opts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true, KeepOutputValues: true}

func (p *fakeAWS) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: "6.83.4"}, nil
}

func (p *fakeAWS) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *fakeAWS) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *fakeAWS) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true, AcceptOutputs: true}, nil
}

func (p *fakeAWS) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if spec := os.Getenv("RECORD_CHECK_FAIL"); spec != "" {
		target, reason, _ := strings.Cut(spec, "=")
		name, prop, _ := strings.Cut(target, ".")
		if resource.URN(req.GetUrn()).Name() == name {
			return &pulumirpc.CheckResponse{
				Inputs:   req.GetNews(),
				Failures: []*pulumirpc.CheckFailure{{Property: prop, Reason: reason}},
			}, nil
		}
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *fakeAWS) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := plugin.UnmarshalProperties(req.GetOldInputs(), opts)
	if err != nil {
		return nil, fmt.Errorf("old inputs: %w", err)
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), opts)
	if err != nil {
		return nil, fmt.Errorf("new inputs: %w", err)
	}
	ignored := map[string]bool{}
	for _, k := range req.GetIgnoreChanges() {
		ignored[k] = true
	}
	replaceable := map[string]bool{}
	for _, k := range forceNew[resource.URN(req.GetUrn()).Type().String()] {
		replaceable[k] = true
	}
	resp := &pulumirpc.DiffResponse{HasDetailedDiff: true, DetailedDiff: map[string]*pulumirpc.PropertyDiff{}}
	var keys []string
	for k := range olds {
		keys = append(keys, string(k))
	}
	for k := range news {
		if _, ok := olds[k]; !ok {
			keys = append(keys, string(k))
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if ignored[k] {
			continue
		}
		o, hasOld := olds[resource.PropertyKey(k)]
		n, hasNew := news[resource.PropertyKey(k)]
		paths := diffPaths(resource.PropertyPath{k}, o, n, hasOld, hasNew)
		if len(paths) == 0 {
			continue
		}
		resp.Diffs = append(resp.Diffs, k)
		if replaceable[k] {
			resp.Replaces = append(resp.Replaces, k)
		}
		for path, kind := range paths {
			if replaceable[k] {
				kind = replaceKind(kind)
			}
			resp.DetailedDiff[path] = &pulumirpc.PropertyDiff{Kind: kind}
		}
	}
	resp.Changes = pulumirpc.DiffResponse_DIFF_NONE
	if len(resp.Diffs) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return resp, nil
}

// diffPaths walks two values down to the leaves that differ, the way the
// AWS provider reports nested changes (tags.Name, parameters[1].value).
func diffPaths(path resource.PropertyPath, o, n resource.PropertyValue, hasOld, hasNew bool) map[string]pulumirpc.PropertyDiff_Kind {
	out := map[string]pulumirpc.PropertyDiff_Kind{}
	switch {
	case !hasOld || o.IsNull():
		if hasNew && !n.IsNull() {
			out[path.String()] = pulumirpc.PropertyDiff_ADD
		}
	case !hasNew || n.IsNull():
		out[path.String()] = pulumirpc.PropertyDiff_DELETE
	case n.IsComputed() || n.IsOutput() && !n.OutputValue().Known:
		out[path.String()] = pulumirpc.PropertyDiff_UPDATE
	case o.IsObject() && n.IsObject():
		oo, no := o.ObjectValue(), n.ObjectValue()
		seen := map[resource.PropertyKey]bool{}
		for k, ov := range oo {
			seen[k] = true
			nv, ok := no[k]
			for p, kind := range diffPaths(append(append(resource.PropertyPath{}, path...), string(k)), ov, nv, true, ok) {
				out[p] = kind
			}
		}
		for k, nv := range no {
			if !seen[k] {
				for p, kind := range diffPaths(append(append(resource.PropertyPath{}, path...), string(k)), resource.PropertyValue{}, nv, false, true) {
					out[p] = kind
				}
			}
		}
	case o.IsArray() && n.IsArray() && len(o.ArrayValue()) == len(n.ArrayValue()):
		for i := range o.ArrayValue() {
			for p, kind := range diffPaths(append(append(resource.PropertyPath{}, path...), i), o.ArrayValue()[i], n.ArrayValue()[i], true, true) {
				out[p] = kind
			}
		}
	case !reflect.DeepEqual(o.Mappable(), n.Mappable()):
		out[path.String()] = pulumirpc.PropertyDiff_UPDATE
	}
	return out
}

func replaceKind(k pulumirpc.PropertyDiff_Kind) pulumirpc.PropertyDiff_Kind {
	switch k {
	case pulumirpc.PropertyDiff_ADD:
		return pulumirpc.PropertyDiff_ADD_REPLACE
	case pulumirpc.PropertyDiff_DELETE:
		return pulumirpc.PropertyDiff_DELETE_REPLACE
	default:
		return pulumirpc.PropertyDiff_UPDATE_REPLACE
	}
}

func (p *fakeAWS) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	props, err := plugin.UnmarshalProperties(req.GetProperties(), opts)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", req.GetUrn(), err)
	}
	urn := resource.URN(req.GetUrn())
	id := fakeID(urn, props)
	if req.GetPreview() {
		props["arn"] = resource.MakeComputed(resource.NewStringProperty(""))
		id = ""
	} else {
		props["arn"] = resource.NewStringProperty(fakeARN(urn, id))
	}
	out, err := plugin.MarshalProperties(props, opts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: out}, nil
}

func (p *fakeAWS) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), opts)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), opts)
	if err != nil {
		return nil, err
	}
	news["arn"] = olds["arn"]
	out, err := plugin.MarshalProperties(news, opts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: out}, nil
}

func (p *fakeAWS) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	props, err := plugin.UnmarshalProperties(req.GetProperties(), opts)
	if err != nil {
		return nil, err
	}
	inputs, err := plugin.UnmarshalProperties(req.GetInputs(), opts)
	if err != nil {
		return nil, err
	}
	name := resource.URN(req.GetUrn()).Name()
	for _, spec := range strings.Split(os.Getenv("RECORD_DRIFT"), ";") {
		target, value, ok := strings.Cut(spec, "=")
		if !ok {
			continue
		}
		res, prop, _ := strings.Cut(target, ".")
		if res != name {
			continue
		}
		v, err := parseJSONValue(value)
		if err != nil {
			return nil, fmt.Errorf("RECORD_DRIFT %s: %w", spec, err)
		}
		props[resource.PropertyKey(prop)] = v
		inputs[resource.PropertyKey(prop)] = v
	}
	outProps, err := plugin.MarshalProperties(props, opts)
	if err != nil {
		return nil, err
	}
	outInputs, err := plugin.MarshalProperties(inputs, opts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: outProps, Inputs: outInputs}, nil
}

func (p *fakeAWS) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func parseJSONValue(s string) (resource.PropertyValue, error) {
	var v structpb.Value
	if err := v.UnmarshalJSON([]byte(s)); err != nil {
		return resource.PropertyValue{}, err
	}
	return resource.NewPropertyValue(v.AsInterface()), nil
}

// fakeID makes the ID AWS would assign: the name a resource is given where
// AWS uses it, else a prefixed hex string; stable across recordings.
func fakeID(urn resource.URN, props resource.PropertyMap) string {
	for _, k := range []resource.PropertyKey{"identifier", "name"} {
		if v, ok := props[k]; ok && v.IsString() && !strings.HasPrefix(v.StringValue(), "alias/") {
			return v.StringValue()
		}
	}
	h := sha256.Sum256([]byte(string(urn) + fmt.Sprint(props.Mappable())))
	hexID := hex.EncodeToString(h[:])
	switch urn.Type().String() {
	case "aws:ec2/vpc:Vpc":
		return "vpc-" + hexID[:17]
	case "aws:ec2/subnet:Subnet":
		return "subnet-" + hexID[:17]
	case "aws:ec2/securityGroup:SecurityGroup":
		return "sg-" + hexID[:17]
	case "aws:ec2/routeTable:RouteTable":
		return "rtb-" + hexID[:17]
	case "aws:kms/key:Key":
		return fmt.Sprintf("%s-%s-%s-%s-%s", hexID[:8], hexID[8:12], hexID[12:16], hexID[16:20], hexID[20:32])
	case "aws:kms/alias:Alias":
		if v, ok := props["name"]; ok && v.IsString() {
			return v.StringValue()
		}
	}
	return hexID[:20]
}

func fakeARN(urn resource.URN, id string) string {
	const account, region = "123456789012", "eu-west-1"
	switch urn.Type().String() {
	case "aws:rds/instance:Instance":
		return fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", region, account, id)
	case "aws:kms/key:Key":
		return fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, account, id)
	case "aws:kms/alias:Alias":
		return fmt.Sprintf("arn:aws:kms:%s:%s:%s", region, account, id)
	case "aws:rds/subnetGroup:SubnetGroup":
		return fmt.Sprintf("arn:aws:rds:%s:%s:subgrp:%s", region, account, id)
	case "aws:rds/parameterGroup:ParameterGroup":
		return fmt.Sprintf("arn:aws:rds:%s:%s:pg:%s", region, account, id)
	case "aws:cloudwatch/logGroup:LogGroup":
		return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, account, id)
	case "aws:ec2/vpc:Vpc":
		return fmt.Sprintf("arn:aws:ec2:%s:%s:vpc/%s", region, account, id)
	case "aws:ec2/subnet:Subnet":
		return fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", region, account, id)
	}
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", "resource", region, account, id)
}
