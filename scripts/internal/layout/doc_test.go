// Package layout_test holds the repository's layout conventions that no
// single package can check for itself.
package layout_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/stacks"
)

// docRoots are the folders whose packages keep their package comment in
// doc.go.
var docRoots = []string{"shared", "network", "database", "scripts", "e2e/fakeaws"}

// packageDocs returns, for each folder under root's docRoots that holds a
// non-test Go file, the non-test files carrying a package comment.
func packageDocs(t *testing.T, root string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, top := range docRoots {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if name == "testdata" || (path != filepath.Join(root, top) && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_"))) {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				return err
			}
			dir, _ := filepath.Rel(root, filepath.Dir(path))
			if _, ok := out[dir]; !ok {
				out[dir] = nil
			}
			if f.Doc != nil {
				out[dir] = append(out[dir], name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// Every package's comment sits in its doc.go, and only there: the package
// is described once, in the file a reader looks for it in.
func TestPackageCommentsSitInDocGo(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := stacks.FindRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	docs := packageDocs(t, root)
	if len(docs) < 20 {
		t.Fatalf("found only %d packages under %v: is %s the repository root?", len(docs), docRoots, root)
	}
	dirs := make([]string, 0, len(docs))
	for dir := range docs {
		dirs = append(dirs, dir)
	}
	slices.Sort(dirs)
	for _, dir := range dirs {
		files := docs[dir]
		if len(files) != 1 || files[0] != "doc.go" {
			t.Errorf("%s: package comment in %v, want it in doc.go alone (move it there, or write one)", dir, files)
		}
	}
}
