package vpc_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The component is reusable outside this repository: it takes its typed
// inputs and never reads the platform's stack config, not even through a
// package it imports (the guardrails read the resolved spec and its limits
// in shared/spec, not shared/config).
func TestTheComponentDoesNotDependOnTheConfigLoader(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/pgplatform/platform/shared/config" {
			t.Fatalf("%s depends on %s", "network/vpc", dep)
		}
	}
}
