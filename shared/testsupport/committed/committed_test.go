package committed_test

import (
	"testing"

	"github.com/pgplatform/platform/shared/testsupport/committed"
)

// The repository commits network and database stacks; each helper finds
// them, and Named finds one that Of lists.
func TestFindsTheCommittedStacks(t *testing.T) {
	all := committed.Stacks(t)
	dbs := committed.Of(t, "database")
	if len(dbs) >= len(all) {
		t.Fatalf("Of(database) = %d stacks of %d: want only the database ones", len(dbs), len(all))
	}
	for _, s := range dbs {
		if s.Project != "database" {
			t.Fatalf("Of(database) holds %s/%s", s.Project, s.Name)
		}
	}
	got := committed.Named(t, "database", dbs[0].Name)
	if got.Name != dbs[0].Name || got.Project != "database" {
		t.Fatalf("Named(database, %s) = %s/%s", dbs[0].Name, got.Project, got.Name)
	}
}
