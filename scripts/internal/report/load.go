package report

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// previewExtensions are the file names a folder is searched for.
var previewExtensions = []string{".json", ".ndjson", ".jsonl"}

// Files expands paths into the preview files to read: a file is taken as
// is, a folder is searched recursively for *.json, *.ndjson and *.jsonl. A
// folder without any is an error unless allowEmpty.
func Files(paths []string, allowEmpty bool) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("preview input: %w", err)
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			for _, ext := range previewExtensions {
				if strings.HasSuffix(d.Name(), ext) {
					found = append(found, path)
					break
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("search %s for previews: %w", p, err)
		}
		if len(found) == 0 && !allowEmpty {
			return nil, fmt.Errorf("folder %s holds no preview (*.json, *.ndjson or *.jsonl files)", p)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// Load reads and analyzes every preview under paths, one report per stack,
// in deploy order. Two previews of one stack are an error: the report
// would not know which one to trust. A folder without previews is an error
// unless allowEmpty.
func Load(paths []string, allowEmpty bool) ([]StackReport, error) {
	files, err := Files(paths, allowEmpty)
	if err != nil {
		return nil, err
	}
	seen := map[string]string{}
	var out []StackReport
	for _, f := range files {
		p, err := ReadFile(f)
		if err != nil {
			return nil, err
		}
		r := Analyze(p)
		pending, err := ReadPending(f)
		if err != nil {
			return nil, err
		}
		ApplyPending(&r, p, pending)
		if prev, dup := seen[r.Name()]; dup {
			return nil, fmt.Errorf("stack %s is previewed twice, in %s and %s: pass one preview per stack", r.Name(), prev, f)
		}
		seen[r.Name()] = f
		out = append(out, r)
	}
	Sort(out)
	return out, nil
}

// Expect adds a failed report for every expected stack ("project/stack")
// that has no preview: its preview job died before writing one, and what
// it would change is unknown.
func Expect(stacks []StackReport, expected []string) ([]StackReport, error) {
	have := map[string]bool{}
	for _, s := range stacks {
		have[s.Name()] = true
	}
	out := append([]StackReport{}, stacks...)
	for _, name := range expected {
		project, stack, ok := strings.Cut(name, "/")
		if !ok || project == "" || stack == "" || strings.Contains(stack, "/") {
			return nil, fmt.Errorf("expected stack %q: want <project>/<stack>, e.g. database/orders-dev", name)
		}
		if have[name] {
			continue
		}
		have[name] = true
		out = append(out, StackReport{
			Project: project,
			Stack:   stack,
			Failed:  true,
			Diagnostics: []Diagnostic{{
				Severity: "error",
				Message:  "no preview was produced for this stack: see its preview job's log",
			}},
		})
	}
	Sort(out)
	return out, nil
}
