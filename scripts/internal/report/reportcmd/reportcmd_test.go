package reportcmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/scripts/internal/report"
)

const testdata = "../testdata"

func fixture(name string) string { return filepath.Join(testdata, name) }

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestGate(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		log  string
	}{
		{"a replace of the RDS instance is blocked", []string{fixture("orders-dev.events.ndjson")}, exitBlocked, "BLOCKED"},
		{"a delete of a subnet is blocked", []string{fixture("prod.preview.json")}, exitBlocked, "delete aws:ec2/subnet:Subnet network-public-0"},
		{"the override lets them through", []string{"--allow-destructive", fixture("orders-dev.events.ndjson"), fixture("prod.events.ndjson")}, exitOK, "allowed by override"},
		{"a clean preview passes", []string{fixture("dev.events.ndjson"), fixture("staging.preview.json")}, exitOK, "no destructive changes"},
		{"a failed preview blocks even with the override", []string{"--allow-destructive", fixture("orders-prod.events.ndjson")}, exitBlocked, "failed"},
		{"a stack without its preview blocks", []string{"--allow-destructive", "--expect", "network/dev,database/orders-dev", fixture("dev.events.ndjson")}, exitBlocked, "database/orders-dev"},
		{"--no-gate writes the report and passes", []string{"--no-gate", fixture("orders-dev.events.ndjson")}, exitOK, "BLOCKED"},
		{"no change is no drift", []string{"--expect-no-changes", fixture("staging.events.ndjson")}, exitOK, "no changes"},
		{"drift is reported", []string{"--expect-no-changes", fixture("orders-staging.events.ndjson")}, exitDrift, "DRIFT"},
		{"a failed drift check is not drift", []string{"--expect-no-changes", fixture("orders-prod.events.ndjson")}, exitBlocked, "FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tt.args...)
			assert.Equal(t, tt.want, code, stderr)
			assert.Contains(t, stderr, tt.log)
			assert.True(t, strings.HasPrefix(stdout, report.Marker), "the report goes to stdout")
		})
	}
}

func TestFlagsMayFollowPathsAndTheReportGoesToOut(t *testing.T) {
	// A folder as deploy preview --json-dir writes it, one file per stack.
	dir := t.TempDir()
	for _, f := range []string{"dev", "staging", "orders-dev", "prod", "orders-staging"} {
		data, err := os.ReadFile(fixture(f + ".events.ndjson"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f+".json"), data, 0o644))
	}
	out := filepath.Join(t.TempDir(), "report.md")
	code, stdout, stderr := runCLI(dir, "--out", out, "--commit", "abcdef1234567890", "--allow-destructive")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout)
	md, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(md), "commit <code>abcdef123456</code>")
	for _, stack := range []string{"network/dev", "network/staging", "database/orders-dev", "network/prod", "database/orders-staging"} {
		assert.Contains(t, stderr, "preview-report: "+stack+": ")
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no preview", nil, "no preview given"},
		{"missing file", []string{"nope.json"}, "nope.json"},
		{"a stack twice", []string{testdata, fixture("dev.preview.json")}, "previewed twice"},
		{"unknown flag", []string{"--allow-everything", fixture("dev.events.ndjson")}, "allow-everything"},
		{"tiny max length", []string{"--max-len", "10", fixture("dev.events.ndjson")}, "--max-len 10 is too small"},
		{"not a preview", []string{"reportcmd.go"}, "reportcmd.go: not a JSON object"},
		{"a bad expected stack", []string{"--expect", "orders-dev", fixture("dev.events.ndjson")}, `"orders-dev": want <project>/<stack>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(tt.args...)
			assert.Equal(t, exitInput, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}

func TestAllowEmptyReportsNothingToPreview(t *testing.T) {
	code, stdout, stderr := runCLI("--allow-empty")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "Nothing to preview")
}

func TestAnExpectedStackInAnEmptyFolderIsAFailedPreview(t *testing.T) {
	// The preview job died before deploy wrote anything.
	code, stdout, stderr := runCLI("--expect", "database/orders-dev", t.TempDir())
	assert.Equal(t, exitBlocked, code, stderr)
	assert.Contains(t, stdout, "no preview was produced for this stack")
}

// TestTheOverrideCoversOnlyWhatThePullRequestShowed: a deploy's fresh
// preview passes with the merged pull request's override only when every
// destructive change in it was in that pull request's report, made for the
// commit the override was given on.
func TestTheOverrideCoversOnlyWhatThePullRequestShowed(t *testing.T) {
	dir := t.TempDir()
	prReport := filepath.Join(dir, "pr.md")
	// The pull request showed the orders-dev replacement, for commit abc.
	code, _, stderr := runCLI("--no-gate", "--commit", "abc", "--out", prReport, fixture("orders-dev.events.ndjson"))
	require.Equal(t, exitOK, code, stderr)

	tests := []struct {
		name string
		args []string
		want int
		log  string
	}{
		{"the same destructive change passes", []string{"--allow-destructive", "--approved", prReport, "--approved-commit", "abc", fixture("orders-dev.events.ndjson")}, exitOK, "approved 3 destructive changes"},
		{"a destructive change the pull request did not show blocks", []string{"--allow-destructive", "--approved", prReport, "--approved-commit", "abc", fixture("orders-dev.events.ndjson"), fixture("prod.events.ndjson")}, exitBlocked, "did not show"},
		{"a report made for another commit approves nothing", []string{"--allow-destructive", "--approved", prReport, "--approved-commit", "def", fixture("orders-dev.events.ndjson")}, exitBlocked, "approves nothing"},
		{"without the override nothing passes", []string{"--approved", prReport, "--approved-commit", "abc", fixture("orders-dev.events.ndjson")}, exitBlocked, "BLOCKED"},
		{"a file that is no report is bad input", []string{"--allow-destructive", "--approved", fixture("dev.preview.json"), fixture("orders-dev.events.ndjson")}, exitInput, "not a preview report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tt.args...)
			assert.Equal(t, tt.want, code, stderr)
			assert.Contains(t, stderr, tt.log)
			if tt.want == exitBlocked && strings.Contains(tt.log, "did not show") {
				assert.Contains(t, stdout, "did not show")
				assert.Contains(t, stdout, "network-public-0")
			}
		})
	}
}
