package check

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Status is the outcome of one check.
type Status string

// The outcomes. Unknown means the check could not tell, and its detail says
// why (an API call failed, the instance is still being created, ...).
const (
	Pass    Status = "pass"
	Fail    Status = "fail"
	Unknown Status = "unknown"
)

// Result is one check's outcome.
type Result struct {
	// Stack is the stack the check is about ("" for tool-wide checks).
	Stack string `json:"stack,omitempty"`
	// Name is a short, stable name such as "multi-az".
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Detail says what was seen, and on failure what was expected.
	Detail string `json:"detail"`
}

// Passf, Failf and Unknownf build results.
func Passf(name, format string, args ...any) Result {
	return Result{Name: name, Status: Pass, Detail: fmt.Sprintf(format, args...)}
}

// Failf builds a failed result.
func Failf(name, format string, args ...any) Result {
	return Result{Name: name, Status: Fail, Detail: fmt.Sprintf(format, args...)}
}

// Unknownf builds a result for a check that could not tell.
func Unknownf(name, format string, args ...any) Result {
	return Result{Name: name, Status: Unknown, Detail: fmt.Sprintf(format, args...)}
}

// Line formats a result as one line of text: a multi-line detail (an error
// that carries a tool's output) is folded onto the line. The JSON report
// keeps the detail as it is.
func Line(r Result) string {
	stack := r.Stack
	if stack == "" {
		stack = "-"
	}
	detail := strings.Join(strings.Fields(r.Detail), " ")
	return fmt.Sprintf("%-7s %-18s %-22s %s", strings.ToUpper(string(r.Status)), stack, r.Name, detail)
}

// Print writes one line per result.
func Print(w io.Writer, results []Result) error {
	for _, r := range results {
		if _, err := fmt.Fprintln(w, Line(r)); err != nil {
			return fmt.Errorf("print results: %w", err)
		}
	}
	return nil
}

// Summary counts results by status.
type Summary struct {
	Pass    int `json:"pass"`
	Fail    int `json:"fail"`
	Unknown int `json:"unknown"`
}

// Summarize counts results by status.
func Summarize(results []Result) Summary {
	var s Summary
	for _, r := range results {
		switch r.Status {
		case Pass:
			s.Pass++
		case Fail:
			s.Fail++
		default:
			s.Unknown++
		}
	}
	return s
}

// String is the summary line.
func (s Summary) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d could not tell", s.Pass, s.Fail, s.Unknown)
}

// Exit codes of the tools.
const (
	ExitOK = 0
	// ExitFail: at least one check failed.
	ExitFail = 1
	// ExitUsage: bad flags or input; nothing was checked.
	ExitUsage = 2
	// ExitUnknown: nothing failed, but some check could not tell, so the
	// deployment is not proven good.
	ExitUnknown = 3
)

// ExitCode is the exit code for a set of results: any failure wins, then
// any check that could not tell.
func ExitCode(results []Result) int {
	s := Summarize(results)
	switch {
	case s.Fail > 0:
		return ExitFail
	case s.Unknown > 0:
		return ExitUnknown
	}
	return ExitOK
}

// WriteReport writes v to path as WriteJSON does, or nothing when path is
// "" (no --report). A failure is printed as "<tool>: --report <path>:
// <error>" on stderr and WriteReport returns false; the tools then exit
// with ExitFail, since a report asked for and not written is a failure.
func WriteReport(stderr io.Writer, tool, path string, v any) bool {
	if path == "" {
		return true
	}
	if err := WriteJSON(path, v); err != nil {
		fmt.Fprintf(stderr, "%s: --report %s: %v\n", tool, path, err)
		return false
	}
	return true
}

// WriteJSON writes v as indented JSON to path, creating its folder. The
// file is written whole or not at all.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	b = append(b, '\n')
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create report folder: %w", err)
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}
