package check

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		name    string
		results []Result
		want    int
	}{
		{"all pass", []Result{Passf("a", ""), Passf("b", "")}, ExitOK},
		{"nothing checked", nil, ExitOK},
		{"one fail among unknowns", []Result{Passf("a", ""), Unknownf("b", ""), Failf("c", "")}, ExitFail},
		{"unknown only", []Result{Passf("a", ""), Unknownf("b", "")}, ExitUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExitCode(tc.results); got != tc.want {
				t.Errorf("ExitCode = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestPrintOneLinePerResult(t *testing.T) {
	rs := []Result{
		{Stack: "orders-prod", Name: "multi-az", Status: Fail, Detail: "Multi-AZ is off"},
		Unknownf("connect", "no endpoint yet:\nstderr: error: unable to open state\n"),
	}
	var b bytes.Buffer
	if err := Print(&b, rs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), b.String())
	}
	for _, want := range []string{"FAIL", "orders-prod", "multi-az", "Multi-AZ is off"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("line %q lacks %q", lines[0], want)
		}
	}
	if !strings.HasSuffix(lines[1], "no endpoint yet: stderr: error: unable to open state") {
		t.Errorf("multi-line detail not folded: %q", lines[1])
	}
	if !strings.HasPrefix(lines[1], "UNKNOWN") {
		t.Errorf("line %q does not start with UNKNOWN", lines[1])
	}
}

func TestSummarize(t *testing.T) {
	s := Summarize([]Result{Passf("a", ""), Failf("b", ""), Failf("c", ""), Unknownf("d", "")})
	if s != (Summary{Pass: 1, Fail: 2, Unknown: 1}) {
		t.Errorf("summary %+v", s)
	}
	if s.String() != "1 passed, 2 failed, 1 could not tell" {
		t.Errorf("summary line %q", s.String())
	}
}

func TestWriteJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out", "report.json")
	if err := WriteJSON(path, map[string]any{"results": []Result{Failf("x", "y")}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Results []Result `json:"results"`
	}
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Results) != 1 || back.Results[0].Status != Fail || back.Results[0].Name != "x" {
		t.Errorf("read back %+v", back)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
}

// TestWriteReportWritesOnlyWhenAskedAndNamesAFailure: no --report writes
// nothing and passes; a report that cannot be written is named with the
// tool and the flag, and fails.
func TestWriteReportWritesOnlyWhenAskedAndNamesAFailure(t *testing.T) {
	var stderr bytes.Buffer
	if !WriteReport(&stderr, "verify", "", map[string]int{"a": 1}) || stderr.Len() != 0 {
		t.Errorf("no --report: stderr %q", stderr.String())
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "r.json")
	if !WriteReport(&stderr, "verify", path, map[string]int{"a": 1}) {
		t.Fatalf("write %s: %s", path, stderr.String())
	}
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), `"a": 1`) {
		t.Errorf("report %q, %v", b, err)
	}
	blocked := filepath.Join(path, "under-a-file.json")
	if WriteReport(&stderr, "verify", blocked, 1) {
		t.Errorf("a report under a file was written")
	}
	if !strings.HasPrefix(stderr.String(), "verify: --report "+blocked+": ") {
		t.Errorf("stderr %q", stderr.String())
	}
}
