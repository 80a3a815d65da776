package fakeaws

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Latency: the double answers at once, while each call of the real
// provider that reaches AWS waits for API round trips. A per-call latency,
// off unless FAKEAWS_LATENCY is set (e.g. FAKEAWS_LATENCY=150ms), makes
// the double wait as long before each such call, so that a benchmark
// measures what running stacks at once buys against a remote API, not
// only against 2 CPUs.
//
// Which calls wait, after pulumi-terraform-bridge's pkg/tfbridge/provider.go
// (the bridge pulumi-aws v6 is built on; read at commit 00001f16):
//   - Read (tf.Refresh), Delete (tf.Apply of a destroy diff) and Invoke
//     (tf.ReadDataApply, the data source's Read) call the Terraform
//     provider, which calls AWS;
//   - Create and Update call AWS only outside a preview: each runs
//     tf.Apply only `if !req.GetPreview()` and otherwise returns the diff's
//     ProposedState;
//   - Check, Diff, CheckConfig and DiffConfig are computed in the plugin
//     from the schema (tf.ValidateResource, tf.Diff against the state
//     given), with no API call: no latency;
//   - of the invokes the programs make, getPartition and getRegion are
//     answered from the provider's own metadata (internal/service/meta,
//     partitionDataSource.Read and regionDataSource.Read read d.Meta()
//     and the endpoints table; terraform-provider-aws 4f930f62): no
//     latency. getCallerIdentity (sts:GetCallerIdentity) and
//     getAvailabilityZones (ec2:DescribeAvailabilityZones) wait.
//
// Not modelled: Configure, where the real provider checks the credentials
// with sts:GetCallerIdentity unless told to skip it, is one call per
// provider per run and answers at once here; and a real call often makes
// several requests (a read and its tags), which one latency per call
// stands for.

// LatencyEnv names the per-call latency, a Go duration such as 150ms.
const LatencyEnv = "FAKEAWS_LATENCY"

// MaxLatency is the largest latency LatencyEnv accepts.
const MaxLatency = 10 * time.Second

// localInvokes are the invokes the real provider answers without an API
// call (see above).
var localInvokes = map[string]bool{
	"aws:index/getPartition:getPartition": true,
	"aws:index/getRegion:getRegion":       true,
}

// ParseLatency reads LatencyEnv's value: empty is none.
func ParseLatency(v string) (time.Duration, error) {
	if strings.TrimSpace(v) == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d < 0 || d > MaxLatency {
		return 0, fmt.Errorf("fakeaws: %s=%q: want a duration from 0 to %s, such as 150ms", LatencyEnv, v, MaxLatency)
	}
	return d, nil
}

// WithLatencyFromEnv wraps the provider with the latency LatencyEnv sets;
// unset or zero, it returns the provider itself.
func WithLatencyFromEnv(p pulumirpc.ResourceProviderServer) (pulumirpc.ResourceProviderServer, error) {
	d, err := ParseLatency(os.Getenv(LatencyEnv))
	if err != nil || d == 0 {
		return p, err
	}
	return WithLatency(p, d), nil
}

// WithLatency returns the provider with every call that reaches AWS in
// the real provider delayed by d.
func WithLatency(p pulumirpc.ResourceProviderServer, d time.Duration) pulumirpc.ResourceProviderServer {
	return &latencyServer{ResourceProviderServer: p, latency: d, sleep: sleepCtx}
}

type latencyServer struct {
	pulumirpc.ResourceProviderServer
	latency time.Duration
	// sleep waits d unless ctx ends first (replaced in tests).
	sleep func(ctx context.Context, d time.Duration)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (s *latencyServer) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	s.sleep(ctx, s.latency)
	return s.ResourceProviderServer.Read(ctx, req)
}

func (s *latencyServer) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if !req.GetPreview() {
		s.sleep(ctx, s.latency)
	}
	return s.ResourceProviderServer.Create(ctx, req)
}

func (s *latencyServer) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	if !req.GetPreview() {
		s.sleep(ctx, s.latency)
	}
	return s.ResourceProviderServer.Update(ctx, req)
}

func (s *latencyServer) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	s.sleep(ctx, s.latency)
	return s.ResourceProviderServer.Delete(ctx, req)
}

func (s *latencyServer) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	if !localInvokes[req.GetTok()] {
		s.sleep(ctx, s.latency)
	}
	return s.ResourceProviderServer.Invoke(ctx, req)
}
