package report

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// TestTheDestructiveListCannotEndItsCommentEarly: a resource name holding
// "-->" stays inside the hidden line and reads back whole.
func TestTheDestructiveListCannotEndItsCommentEarly(t *testing.T) {
	f := Finding{Stack: "database/x", Change: Change{Op: apitype.OpDelete, Type: "aws:kms/key:Key", Name: "evil-->name"}}
	line := destructiveLine(Verdict{Destructive: []Finding{f}}, "abc")
	if strings.Count(line, "-->") != 1 || !strings.HasSuffix(line, " -->\n") {
		t.Fatalf("the line ends early: %q", line)
	}
	commit, keys, err := ParseApproved(Marker + "\n" + line)
	if err != nil || commit != "abc" || !keys[f.Key()] {
		t.Fatalf("ParseApproved = %q, %v, %v; want abc and %q", commit, keys, err, f.Key())
	}
}
