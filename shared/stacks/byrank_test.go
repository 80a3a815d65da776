package stacks

import (
	"slices"
	"testing"
)

// TestByRankPutsRankedFirstInRankOrderThenTheRestByName fails if an
// unranked name comes before a ranked one, or either group is out of order.
func TestByRankPutsRankedFirstInRankOrderThenTheRestByName(t *testing.T) {
	names := []string{"qa", "prod", "dev", "alpha", "staging"}
	slices.SortFunc(names, ByRank(map[string]int{"dev": 0, "staging": 1, "prod": 2}))
	want := []string{"dev", "staging", "prod", "alpha", "qa"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted %v, want %v", names, want)
	}
}
