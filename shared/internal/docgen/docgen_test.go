package docgen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFillReplacesOnlyBetweenMarkers: the text between the markers becomes
// the section's text, what lies outside is kept byte for byte, and filling
// twice changes nothing.
func TestFillReplacesOnlyBetweenMarkers(t *testing.T) {
	doc := "prose\n<!-- a -->\nstale\n<!-- /a -->\nmore prose\n<!-- b -->\n<!-- /b -->\nend\n"
	secs := []Section{{"<!-- a -->", "<!-- /a -->", "A1\nA2\n"}, {"<!-- b -->", "<!-- /b -->", "B\n"}}
	got, err := Fill(doc, secs...)
	if err != nil {
		t.Fatal(err)
	}
	want := "prose\n<!-- a -->\n\nA1\nA2\n\n<!-- /a -->\nmore prose\n<!-- b -->\n\nB\n\n<!-- /b -->\nend\n"
	if got != want {
		t.Errorf("Fill = %q\nwant %q", got, want)
	}
	again, err := Fill(got, secs...)
	if err != nil || again != got {
		t.Errorf("filling a filled document changed it: %q, %v", again, err)
	}
}

// TestFillRefusesBadMarkers: a marker that is missing, repeated or after
// its end marker is an error naming the marker, not a document with a
// table left stale or written in the wrong place.
func TestFillRefusesBadMarkers(t *testing.T) {
	sec := Section{"<!-- a -->", "<!-- /a -->", "A\n"}
	for name, doc := range map[string]string{
		"missing begin": "x\n<!-- /a -->\n",
		"missing end":   "<!-- a -->\nx\n",
		"repeated":      "<!-- a -->\n<!-- /a -->\n<!-- a -->\n",
		"reversed":      "<!-- /a -->\nx\n<!-- a -->\n",
	} {
		if _, err := Fill(doc, sec); err == nil || !strings.Contains(err.Error(), "<!-- ") {
			t.Errorf("%s: Fill error = %v, want one naming the marker", name, err)
		}
	}
}

// TestRewriteWritesTheFilledFile: Rewrite leaves the file as fill makes it,
// and leaves it untouched when fill fails.
func TestRewriteWritesTheFilledFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.md")
	if err := os.WriteFile(path, []byte("<!-- a -->\nold\n<!-- /a -->\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fill := func(doc string) (string, error) { return Fill(doc, Section{"<!-- a -->", "<!-- /a -->", "new\n"}) }
	if err := Rewrite(path, fill); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "<!-- a -->\n\nnew\n\n<!-- /a -->\n" {
		t.Errorf("file = %q", b)
	}
	bad := func(string) (string, error) { return Fill("", Section{"<!-- z -->", "<!-- /z -->", ""}) }
	if err := Rewrite(path, bad); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Rewrite with a failing fill = %v, want an error naming %s", err, path)
	}
	if b, _ := os.ReadFile(path); string(b) != "<!-- a -->\n\nnew\n\n<!-- /a -->\n" {
		t.Errorf("a failed rewrite changed the file: %q", b)
	}
}
