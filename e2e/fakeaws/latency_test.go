package fakeaws

import (
	"context"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

// answering answers every call the latency wrapper passes on at once.
type answering struct {
	pulumirpc.UnimplementedResourceProviderServer
}

func (answering) Read(context.Context, *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{}, nil
}
func (answering) Create(context.Context, *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	return &pulumirpc.CreateResponse{}, nil
}
func (answering) Update(context.Context, *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	return &pulumirpc.UpdateResponse{}, nil
}
func (answering) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
func (answering) Invoke(context.Context, *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return &pulumirpc.InvokeResponse{}, nil
}
func (answering) Check(context.Context, *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{}, nil
}
func (answering) Diff(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{}, nil
}

func TestLatencyDelaysTheCallsThatReachAWS(t *testing.T) {
	ctx := context.Background()
	var waited []time.Duration
	s := WithLatency(answering{}, 150*time.Millisecond).(*latencyServer)
	s.sleep = func(_ context.Context, d time.Duration) { waited = append(waited, d) }
	calls := []struct {
		name string
		call func() error
		wait bool
	}{
		{"Read", func() error { _, err := s.Read(ctx, &pulumirpc.ReadRequest{}); return err }, true},
		{"Create", func() error { _, err := s.Create(ctx, &pulumirpc.CreateRequest{}); return err }, true},
		{"Create in a preview", func() error { _, err := s.Create(ctx, &pulumirpc.CreateRequest{Preview: true}); return err }, false},
		{"Update", func() error { _, err := s.Update(ctx, &pulumirpc.UpdateRequest{}); return err }, true},
		{"Update in a preview", func() error { _, err := s.Update(ctx, &pulumirpc.UpdateRequest{Preview: true}); return err }, false},
		{"Delete", func() error { _, err := s.Delete(ctx, &pulumirpc.DeleteRequest{}); return err }, true},
		{"getCallerIdentity", func() error {
			_, err := s.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:index/getCallerIdentity:getCallerIdentity"})
			return err
		}, true},
		{"getAvailabilityZones", func() error {
			_, err := s.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:index/getAvailabilityZones:getAvailabilityZones"})
			return err
		}, true},
		{"getPartition", func() error {
			_, err := s.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:index/getPartition:getPartition"})
			return err
		}, false},
		{"getRegion", func() error {
			_, err := s.Invoke(ctx, &pulumirpc.InvokeRequest{Tok: "aws:index/getRegion:getRegion"})
			return err
		}, false},
		{"Check", func() error { _, err := s.Check(ctx, &pulumirpc.CheckRequest{}); return err }, false},
		{"Diff", func() error { _, err := s.Diff(ctx, &pulumirpc.DiffRequest{}); return err }, false},
	}
	for _, c := range calls {
		waited = nil
		if err := c.call(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		switch {
		case c.wait && (len(waited) != 1 || waited[0] != 150*time.Millisecond):
			t.Errorf("%s waited %v, want one 150ms round trip", c.name, waited)
		case !c.wait && len(waited) != 0:
			t.Errorf("%s waited %v; it reaches no AWS API", c.name, waited)
		}
	}
}

func TestLatencyWaitsForReal(t *testing.T) {
	s := WithLatency(answering{}, 50*time.Millisecond)
	start := time.Now()
	if _, err := s.Read(context.Background(), &pulumirpc.ReadRequest{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("Read took %s, want at least the 50ms latency", d)
	}
	// A cancelled call stops waiting.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s = WithLatency(answering{}, time.Hour)
	if _, err := s.Delete(ctx, &pulumirpc.DeleteRequest{}); err != nil {
		t.Fatal(err)
	}
}

func TestParseLatency(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 0, "150ms": 150 * time.Millisecond, " 1s ": time.Second, "0": 0} {
		got, err := ParseLatency(v)
		if err != nil || got != want {
			t.Errorf("ParseLatency(%q) = %v, %v; want %v", v, got, err, want)
		}
	}
	for _, v := range []string{"fast", "-1ms", "11s", "150"} {
		_, err := ParseLatency(v)
		if err == nil || !strings.Contains(err.Error(), `FAKEAWS_LATENCY="`+v+`": want a duration from 0 to 10s`) {
			t.Errorf("ParseLatency(%q) error = %v", v, err)
		}
	}
}

func TestWithLatencyFromEnvOffByDefault(t *testing.T) {
	t.Setenv(LatencyEnv, "")
	p := answering{}
	got, err := WithLatencyFromEnv(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, wrapped := got.(*latencyServer); wrapped {
		t.Fatal("no FAKEAWS_LATENCY, yet the calls are delayed")
	}
	t.Setenv(LatencyEnv, "20ms")
	got, err = WithLatencyFromEnv(p)
	if ls, wrapped := got.(*latencyServer); err != nil || !wrapped || ls.latency != 20*time.Millisecond {
		t.Fatalf("FAKEAWS_LATENCY=20ms: %#v, %v", got, err)
	}
}
