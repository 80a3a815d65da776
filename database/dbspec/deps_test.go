package dbspec_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The resolved spec is what verify and onboarding read, and they should
// not link the Pulumi SDKs to get it: the package, its tests included,
// depends on no github.com/pulumi package.
func TestTheSpecLinksNoPulumiSDK(t *testing.T) {
	out, err := exec.Command("go", "list", "-test", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -test -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -test -deps listed only %d packages: %v", len(deps), deps)
	}
	for _, dep := range deps {
		if strings.HasPrefix(dep, "github.com/pulumi/") {
			t.Fatalf("database/dbspec depends on %s", dep)
		}
	}
}
