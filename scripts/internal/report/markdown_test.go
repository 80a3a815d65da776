package report

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden Markdown files in testdata/golden")

var goldenOptions = Options{Commit: "0123456789abcdef0123", RunURL: "https://github.com/pgplatform/platform/actions/runs/42"}

func loadAll(t *testing.T, names ...string) []StackReport {
	t.Helper()
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join("testdata", n))
	}
	stacks, err := Load(paths, false)
	require.NoError(t, err)
	return stacks
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".md")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./report -update to write the golden file")
	assert.Equal(t, string(want), got, "the report changed: review the diff, then run go test ./report -update")
}

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		name     string
		fixtures []string
		allow    bool
		opts     Options
	}{
		{"blocked", []string{"dev.events.ndjson", "staging.events.ndjson", "orders-dev.events.ndjson", "prod.events.ndjson"}, false, goldenOptions},
		{"allowed", []string{"orders-dev.events.ndjson"}, true, goldenOptions},
		{"clean", []string{"dev.events.ndjson", "staging.preview.json"}, false, goldenOptions},
		{"failed", []string{"orders-prod.events.ndjson", "dev.events.ndjson"}, false, goldenOptions},
		{"digest", []string{"orders-dev.preview.json"}, false, goldenOptions},
		{"drift", []string{"orders-staging.events.ndjson", "staging.events.ndjson"}, false, Options{ExpectNoChanges: true, Commit: "0123456789abcdef0123"}},
		{"nothing", nil, false, goldenOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stacks []StackReport
			if len(tt.fixtures) > 0 {
				stacks = loadAll(t, tt.fixtures...)
			}
			got := Render(stacks, Decide(stacks, tt.allow), tt.opts)
			require.True(t, strings.HasPrefix(got, Marker+"\n"), "the report starts with its marker")
			golden(t, tt.name, got)
		})
	}
}

// These check the report's content independently of the golden files.
func TestRenderShowsVerdictTableAndDetails(t *testing.T) {
	stacks := loadAll(t, "dev.events.ndjson", "orders-dev.events.ndjson", "prod.events.ndjson")
	md := Render(stacks, Decide(stacks, false), goldenOptions)
	assert.Contains(t, md, "⛔ **Blocked.** 6 changes replace or delete a stateful resource")
	assert.Contains(t, md, "| <code>database/orders-dev</code> | 0 | 11 | 3 | 0 | ⛔ 3 |")
	assert.Contains(t, md, "| <code>network/prod</code> | 1 | 3 | 0 | 21 | ⛔ 3 |")
	assert.Contains(t, md, "| <code>network/dev</code> | 21 | 16 | 0 | 1 |  |")
	assert.Equal(t, 3, strings.Count(md, "<details>"), "one collapsible section per stack")
	assert.Equal(t, strings.Count(md, "<details>"), strings.Count(md, "</details>"))
	assert.Contains(t, md, `| ⛔ +- replace | <code>orders-dev-db</code> | <code>aws:rds/instance:Instance</code> | <code>dbName</code>: <code>"orders"</code> → <code>"orders_app"</code> **forces replacement**`)
	assert.Contains(t, md, "| ⛔ - delete | <code>network-public-0</code> | <code>aws:ec2/subnet:Subnet</code> |")
	assert.Contains(t, md, "commit <code>0123456789ab</code>")
	assert.Equal(t, 1, strings.Count(md, "using pulumi-resource-aws from $PATH")/len(stacks), "a repeated warning is shown once per stack")

	allowed := Render(stacks, Decide(stacks, true), goldenOptions)
	assert.Contains(t, allowed, "⚠️ **Allowed by override.**")
	assert.NotContains(t, allowed, "⛔ **Blocked.**")

	clean := loadAll(t, "dev.events.ndjson")
	assert.Contains(t, Render(clean, Decide(clean, false), goldenOptions), "✅ **No destructive changes.** 38 resource changes in 1 stack.")
}

func TestRenderShowsAFailedPreview(t *testing.T) {
	stacks := loadAll(t, "orders-prod.events.ndjson")
	md := Render(stacks, Decide(stacks, true), goldenOptions)
	assert.Contains(t, md, "❌ **Preview failed** for <code>database/orders-prod</code>")
	assert.Contains(t, md, "| <code>database/orders-prod</code> | – | – | – | – | ❌ preview failed |")
	assert.Contains(t, md, "- **error**:")
	assert.Contains(t, md, `config database:instanceClass = "r6g.xlarge" is not allowed: want an RDS instance class such as db.r6g.large`)
}

// A stack that takes a guardrail exception says so in every preview: the
// recorded preview of payments-prod (a cluster, which AWS gives no
// cross-Region backups) carries the program's warning with the stack
// file's reason, and the report shows it beside a clean verdict.
func TestRenderShowsAGuardrailException(t *testing.T) {
	stacks := loadAll(t, "payments-prod.events.ndjson")
	md := Render(stacks, Decide(stacks, false), goldenOptions)
	assert.Contains(t, md, "✅ **No destructive changes.**")
	assert.Contains(t, md, "- **warning**:")
	assert.Contains(t, md, `guardrail exception disaster-recovery: database:drOptOut = "a Multi-AZ DB cluster: RDS replicates no cluster's automated backups across Regions`)
	assert.Equal(t, 1, strings.Count(md, "guardrail exception disaster-recovery"), "the exception is shown once")
}

func TestRenderWordsADriftCheck(t *testing.T) {
	drift := loadAll(t, "orders-staging.events.ndjson")
	md := Render(drift, Decide(drift, false), Options{ExpectNoChanges: true})
	assert.Contains(t, md, "## Drift check")
	assert.Contains(t, md, "🔶 **Drift.** A refresh found 1 resource changed outside Pulumi, and the program would make 1 change to bring the stack back.")
	assert.Contains(t, md, "| changed | <code>orders-staging-db</code> | <code>aws:rds/instance:Instance</code> | <code>backupRetentionPeriod</code>: <code>7</code> → <code>1</code>")

	none := loadAll(t, "staging.events.ndjson")
	assert.Contains(t, Render(none, Decide(none, false), Options{ExpectNoChanges: true}), "✅ **No drift.**")
}

func TestRenderEscapesWhatWouldBreakATable(t *testing.T) {
	assert.Equal(t, "<code>a&#124;b &lt;script&gt; &amp;</code>", code("a|b\n<script> &"))
}

func TestRenderShrinksToFitAComment(t *testing.T) {
	stacks := loadAll(t, "dev.events.ndjson", "staging.events.ndjson", "orders-dev.events.ndjson", "prod.events.ndjson")
	v := Decide(stacks, false)
	full := Render(stacks, v, Options{})
	require.Contains(t, full, "→", "the full report shows values")

	noValues := Render(stacks, v, Options{MaxLen: utf8.RuneCountInString(full) - 1})
	assert.LessOrEqual(t, utf8.RuneCountInString(noValues), utf8.RuneCountInString(full)-1)
	assert.NotContains(t, noValues, "→")
	assert.Contains(t, noValues, "Property values are left out")
	assert.Contains(t, noValues, "<details>")

	summary := Render(stacks, v, Options{MaxLen: 3000})
	assert.LessOrEqual(t, utf8.RuneCountInString(summary), 3000)
	assert.NotContains(t, summary, "<details>")
	assert.Contains(t, summary, "Per-stack details are left out")
	assert.Contains(t, summary, "orders-dev-db", "destructive changes are always listed")

	cut := Render(stacks, v, Options{MaxLen: 1000})
	assert.LessOrEqual(t, utf8.RuneCountInString(cut), 1000)
	assert.True(t, strings.HasPrefix(cut, Marker), "a cut report keeps its marker")
}

// TestFortyStacksFitOneComment: an environment with forty affected database
// stacks still gets one comment under GitHub's 65,536-character limit, with
// the summary table (a row per stack) first and a pointer to the full
// previews when the details do not fit.
func TestFortyStacksFitOneComment(t *testing.T) {
	const githubLimit = 65536
	// Half the stacks are created from nothing, half change properties
	// with values (a replace and a parameter update): together far more
	// than one comment holds.
	created, changed := load(t, "orders-staging.events.ndjson"), load(t, "orders-dev.events.ndjson")
	var stacks []StackReport
	for i := range 40 {
		s := created
		if i%2 == 1 {
			s = changed
		}
		s.Stack = fmt.Sprintf("app%02d-staging", i)
		stacks = append(stacks, s)
	}
	v := Decide(stacks, false)
	md := Render(stacks, v, Options{Commit: "0123456789ab", RunURL: "https://example.invalid/run/1"})
	require.LessOrEqual(t, utf8.RuneCountInString(md), githubLimit)
	assert.LessOrEqual(t, utf8.RuneCountInString(md), DefaultMaxLen)
	table := strings.Index(md, "| Stack | Create |")
	require.GreaterOrEqual(t, table, 0, "no summary table")
	for _, s := range stacks {
		row := strings.Index(md, "| "+code(s.Name())+" |")
		assert.Greater(t, row, table, "%s has no row in the summary table", s.Name())
	}
	if d := strings.Index(md, "<details>"); d >= 0 {
		assert.Greater(t, d, table, "details come after the summary")
	}
	full := Render(stacks, v, Options{MaxLen: 1 << 30})
	require.Greater(t, utf8.RuneCountInString(full), githubLimit, "the test needs a report longer than a comment")
	// make bench records this line (scripts/bench-parallel.sh).
	t.Logf("forty stacks: comment %d characters of GitHub's %d (the full report: %d)",
		utf8.RuneCountInString(md), githubLimit, utf8.RuneCountInString(full))
	assert.Contains(t, md, "artifacts hold the full previews", "a shortened report says where the rest is")
}
