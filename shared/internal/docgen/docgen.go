package docgen

import (
	"fmt"
	"os"
	"strings"
)

// Section is one generated part of a document: Text goes between the
// lines Begin and End.
type Section struct{ Begin, End, Text string }

// Fill returns doc with the text between each section's markers replaced
// by a blank line, the section's text and a blank line. A marker that is
// missing, repeated or out of order is an error naming it, so a document
// never silently keeps a stale table.
func Fill(doc string, sections ...Section) (string, error) {
	for _, s := range sections {
		for _, m := range []string{s.Begin, s.End} {
			if n := strings.Count(doc, m); n != 1 {
				return "", fmt.Errorf("marker %q appears %d times, want once", m, n)
			}
		}
		begin := strings.Index(doc, s.Begin) + len(s.Begin)
		end := strings.Index(doc, s.End)
		if end < begin {
			return "", fmt.Errorf("marker %q comes before %q", s.End, s.Begin)
		}
		doc = doc[:begin] + "\n\n" + s.Text + "\n" + doc[end:]
	}
	return doc, nil
}

// Rewrite replaces the file at path with what fill makes of it.
func Rewrite(path string, fill func(string) (string, error)) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	out, err := fill(string(doc))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// File is one argument of a generator command: the document it names
// (for the usage message, e.g. "README.md") and how to fill it.
type File struct {
	Name string
	Fill func(string) (string, error)
}

// Main is the body of a generator command called name: its arguments are
// the paths of files, in order, and it rewrites each with its Fill. It
// exits 2 on a usage error and 1 when a file cannot be rewritten.
func Main(name string, files ...File) {
	if len(os.Args)-1 != len(files) {
		usage := name
		for _, f := range files {
			usage += " <" + f.Name + ">"
		}
		fmt.Fprintln(os.Stderr, "usage:", usage)
		os.Exit(2)
	}
	for i, f := range files {
		if err := Rewrite(os.Args[i+1], f.Fill); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
			os.Exit(1)
		}
	}
}
