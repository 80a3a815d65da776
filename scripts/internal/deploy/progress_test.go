package deploy

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestWriteSummary(t *testing.T) {
	results := []Result{
		{Project: "network", Stack: "dev", Op: Up, Status: StatusOK, Changes: map[string]int{"same": 20, "create": 3, "update": 1}, Duration: 83 * time.Second, Ran: true},
		{Project: "database", Stack: "orders-dev", Op: Up, Status: StatusFailed, Changes: map[string]int{"create": 1}, Duration: 1234 * time.Millisecond, Ran: true},
		{Project: "database", Stack: "payments-dev", Op: Up, Status: StatusSkipped},
	}
	var buf bytes.Buffer
	if err := WriteSummary(&buf, results); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"STACK                  STEP  RESULT   CHANGES                      DURATION",
		"network/dev            up    ok       create 3, update 1, same 20  1m23s",
		"database/orders-dev    up    failed   create 1                     1.2s",
		"database/payments-dev  up    skipped  -                            -",
		"",
	}, "\n")
	if buf.String() != want {
		t.Fatalf("summary:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestFormatChanges(t *testing.T) {
	tests := []struct {
		in   map[string]int
		want string
	}{
		{nil, "-"},
		{map[string]int{"same": 0}, "-"},
		{map[string]int{"same": 4, "delete": 1, "create": 2, "replace": 1, "update": 3}, "create 2, update 3, replace 1, delete 1, same 4"},
		{map[string]int{"read": 2, "create": 1, "create-replacement": 1}, "create 1, create-replacement 1, read 2"},
	}
	for _, tc := range tests {
		if got := FormatChanges(tc.in); got != tc.want {
			t.Errorf("FormatChanges(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{1234 * time.Millisecond, "1.2s"},
		{59*time.Second + 960*time.Millisecond, "1m0s"},
		{12*time.Minute + 3400*time.Millisecond, "12m3s"},
	}
	for _, tc := range tests {
		if got := FormatDuration(tc.in); got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPrefixWriter(t *testing.T) {
	var buf bytes.Buffer
	p := newPrefixWriter(&buf, "[s] ")
	for _, chunk := range []string{"one\ntw", "o\n", "", "three"} {
		if n, err := p.Write([]byte(chunk)); err != nil || n != len(chunk) {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if got, want := buf.String(), "[s] one\n[s] two\n"; got != want {
		t.Fatalf("before Flush: %q, want %q", got, want)
	}
	p.Flush()
	if got, want := buf.String(), "[s] one\n[s] two\n[s] three\n"; got != want {
		t.Fatalf("after Flush: %q, want %q", got, want)
	}
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestPrefixWriterNeverFailsTheEngine(t *testing.T) {
	p := newPrefixWriter(brokenWriter{}, "[s] ")
	if n, err := p.Write([]byte("line\n")); err != nil || n != 5 {
		t.Fatalf("Write = %d, %v; a broken terminal must not fail the engine's stream", n, err)
	}
	if p.err == nil {
		t.Fatal("the write error was not remembered")
	}
}
