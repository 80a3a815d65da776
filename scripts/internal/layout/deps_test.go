package layout_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// specReaders are the packages that need a database stack's resolved spec
// but run no Pulumi program: they read it from database/dbspec, never from
// the program (database/dbstack) or the component (database/postgres),
// which would link the Pulumi AWS SDK into their test binaries, each of
// them seconds of link in every uncached test run.
var specReaders = []string{
	"github.com/pgplatform/platform/scripts/internal/verify",
	"github.com/pgplatform/platform/scripts/internal/verify/verifycmd",
	"github.com/pgplatform/platform/scripts/internal/onboard",
	"github.com/pgplatform/platform/scripts/internal/onboard/newdatabasecmd",
}

func TestSpecReadersLinkNoPulumiAWS(t *testing.T) {
	for _, p := range specReaders {
		out, err := exec.Command("go", "list", "-test", "-deps", p).Output()
		if err != nil {
			t.Fatalf("go list -test -deps %s: %v", p, err)
		}
		deps := strings.Fields(string(out))
		if !slices.Contains(deps, p) || !slices.Contains(deps, "github.com/pgplatform/platform/database/dbspec") {
			t.Errorf("%s: want it and database/dbspec among its %d test dependencies", p, len(deps))
		}
		for _, d := range deps {
			if strings.HasPrefix(d, "github.com/pulumi/pulumi-aws/") {
				t.Errorf("%s links %s: read the spec from database/dbspec, not database/dbstack or database/postgres", p, d)
				break
			}
		}
	}
}
