package naming_test

import (
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/naming"
)

// TestProxyNames: a proxy's and an endpoint's names are valid RDS
// identifiers, stable for the same inputs whatever the subnets' order, and
// new whenever an input that replaces them changes.
func TestProxyNames(t *testing.T) {
	subnets := []string{"subnet-a", "subnet-b", "subnet-c"}
	name, err := naming.ProxyName("orders", "prod", subnets)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, "orders-prod-proxy-") || !rdsIdentifier.MatchString(name) {
		t.Errorf("proxy name %q is not orders-prod-proxy-<digest> or breaks RDS's rule", name)
	}
	if again, _ := naming.ProxyName("orders", "prod", []string{"subnet-c", "subnet-a", "subnet-b"}); again != name {
		t.Errorf("reordered subnets gave %q, want %q", again, name)
	}
	for what, other := range map[string][]string{"a subnet changed": {"subnet-a", "subnet-b", "subnet-d"}, "a subnet removed": subnets[:2]} {
		if got, _ := naming.ProxyName("orders", "prod", other); got == name {
			t.Errorf("%s: the proxy keeps its name %q", what, got)
		}
	}
	if got, _ := naming.ProxyName("payments", "prod", subnets); got == name {
		t.Errorf("another app's proxy is also named %q", got)
	}

	ro, err := naming.ProxyEndpointName("orders", "prod", name, "READ_ONLY", subnets)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ro, "orders-prod-ro-") || !rdsIdentifier.MatchString(ro) {
		t.Errorf("endpoint name %q is not orders-prod-ro-<digest> or breaks RDS's rule", ro)
	}
	rw, _ := naming.ProxyEndpointName("orders", "prod", name, "READ_WRITE", subnets)
	other, _ := naming.ProxyEndpointName("orders", "prod", name+"x", "READ_ONLY", subnets)
	moved, _ := naming.ProxyEndpointName("orders", "prod", name, "READ_ONLY", subnets[:2])
	for what, got := range map[string]string{"another target role": rw, "another proxy": other, "other subnets": moved} {
		if got == ro {
			t.Errorf("%s keeps the endpoint's name %q", what, got)
		}
	}
	if _, err := naming.ProxyEndpointName("orders", "prod", name, "WRITER", subnets); err == nil || !strings.Contains(err.Error(), "WRITER") {
		t.Errorf("target role WRITER: %v, want an error naming it", err)
	}
	if _, err := naming.ProxyName("Orders", "prod", subnets); err == nil {
		t.Error("an upper-case app gave a proxy name")
	}
}
