package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestProgramsFor(t *testing.T) {
	called := ""
	p := Programs{
		Network:  func(*pulumi.Context) error { called = "network"; return nil },
		Database: func(*pulumi.Context) error { called = "database"; return nil },
	}
	for _, project := range []string{"network", "database"} {
		fn, err := p.For(project)
		if err != nil {
			t.Fatalf("For(%s): %v", project, err)
		}
		if err := fn(nil); err != nil || called != project {
			t.Fatalf("For(%s) ran the %q program", project, called)
		}
	}
	if _, err := p.For("cache"); err == nil || !strings.Contains(err.Error(), `no program for project "cache"`) {
		t.Fatalf("For(cache) err = %v", err)
	}
	if _, err := (Programs{Network: p.Network}).For("database"); err == nil {
		t.Fatal("a missing program was accepted")
	}
}

func TestCondense(t *testing.T) {
	// The shape of an Automation API error: the CLI's whole output.
	autoErr := errors.New("failed to run update: exit status 255\ncode: 255\nstdout: Updating (dev)\n lots of progress\nstderr: error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE\nwarning: x\nerror: update failed\n")
	tests := []struct {
		name  string
		err   error
		diags []string
		want  string
	}{
		{name: "engine diagnostics first", err: autoErr, diags: []string{"vpc: creating EC2 VPC: UnauthorizedOperation"}, want: "vpc: creating EC2 VPC: UnauthorizedOperation"},
		{name: "at most three diagnostics", err: autoErr, diags: []string{"a", "b", "c", "d", "e"}, want: "a; b; c (and 2 more errors above)"},
		{name: "stderr error lines", err: autoErr, want: "passphrase must be set with PULUMI_CONFIG_PASSPHRASE; update failed"},
		{name: "first line otherwise", err: errors.New("failed to run `pulumi version`: exec: not found\nmore"), want: "failed to run `pulumi version`: exec: not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := condense(tc.err, tc.diags)
			if got.Error() != tc.want {
				t.Fatalf("condense = %q, want %q", got, tc.want)
			}
			if !errors.Is(got, tc.err) {
				t.Fatal("the condensed error does not wrap the original")
			}
		})
	}
}

func TestCollector(t *testing.T) {
	var buf bytes.Buffer
	c := newCollector(&buf)
	evs := []events.EngineEvent{
		{EngineEvent: apitype.EngineEvent{Sequence: 1, DiagnosticEvent: &apitype.DiagnosticEvent{
			URN: "urn:pulumi:dev::network::aws:ec2/vpc:Vpc::vpc", Severity: "error", Message: "<{%fg 1%}>1 error occurred:\n\t* creating EC2 VPC: denied<{%reset%}>\n"}}},
		{EngineEvent: apitype.EngineEvent{Sequence: 2, DiagnosticEvent: &apitype.DiagnosticEvent{Severity: "warning", Message: "not an error"}}},
		{Error: errors.New("a broken event is skipped")},
		{EngineEvent: apitype.EngineEvent{Sequence: 3, SummaryEvent: &apitype.SummaryEvent{
			ResourceChanges: map[apitype.OpType]int{apitype.OpCreate: 2, apitype.OpSame: 5}}}},
	}
	for _, ev := range evs {
		c.ch <- ev
	}
	close(c.ch)
	changes, diags, err := c.finish(true)
	if err != nil {
		t.Fatal(err)
	}
	if changes["create"] != 2 || changes["same"] != 5 || len(changes) != 2 {
		t.Fatalf("changes = %v", changes)
	}
	if len(diags) != 1 || diags[0] != "vpc: 1 error occurred: * creating EC2 VPC: denied" {
		t.Fatalf("diags = %q", diags)
	}
	var seqs []int
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var ev apitype.EngineEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("line %q is not an engine event: %v", sc.Text(), err)
		}
		seqs = append(seqs, ev.Sequence)
	}
	if len(seqs) != 3 || seqs[0] != 1 || seqs[2] != 3 {
		t.Fatalf("NDJSON sequences = %v, want 1 2 3", seqs)
	}
}

func TestCollectorDoesNotHangWhenTheStreamNeverCloses(t *testing.T) {
	defer func(d time.Duration) { streamGrace = d }(streamGrace)
	streamGrace = 10 * time.Millisecond
	c := newCollector(nil)
	c.ch <- events.EngineEvent{EngineEvent: apitype.EngineEvent{DiagnosticEvent: &apitype.DiagnosticEvent{Severity: "error", Message: "boom"}}}
	_, diags, err := c.finish(false) // the channel is never closed
	if err != nil || len(diags) != 1 {
		t.Fatalf("finish = %v, %v", diags, err)
	}
}

func TestAutoStackRejectsUnknownOp(t *testing.T) {
	s := &autoStack{}
	if _, err := s.Run(context.Background(), Op("import"), RunOptions{}); err == nil || !strings.Contains(err.Error(), `unknown operation "import"`) {
		t.Fatalf("err = %v", err)
	}
}
