package config_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pgplatform/platform/shared/testsupport/committed"
)

// readmeRecoveryExample returns the example recovery network file the
// README's "Recovery networks" section shows.
func readmeRecoveryExample(t *testing.T, root string) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```yaml\n(# environments/network/Pulumi\\.prod-dr\\.yaml:.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no example environments/network/Pulumi.prod-dr.yaml in a yaml block")
	}
	return string(m[1])
}

// TestRecoveryNetworkExample adds the README's example recovery network to
// a copy of the committed stack files: the catalog accepts it as prod's
// recovery network, the network loader accepts its keys and values, and
// moving it into the primary's region is refused.
func TestRecoveryNetworkExample(t *testing.T) {
	root, err := stacks.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	example := readmeRecoveryExample(t, root)
	copyTo := func(extra string) string {
		dst := t.TempDir()
		for _, project := range []string{"network", "database"} {
			files, err := filepath.Glob(filepath.Join(root, stacks.Dir, project, "Pulumi.*.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(dst, stacks.Dir, project), 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dst, stacks.Dir, project, filepath.Base(f)), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := os.WriteFile(filepath.Join(dst, stacks.Dir, "network", "Pulumi.prod-dr.yaml"), []byte(extra), 0o644); err != nil {
			t.Fatal(err)
		}
		return dst
	}

	all, err := stacks.Discover(copyTo(example))
	if err != nil {
		t.Fatalf("the catalog refuses the README's example: %v", err)
	}
	dr, err := stacks.Find(all, "network", "prod-dr")
	if err != nil {
		t.Fatal(err)
	}
	if got := stacks.RecoveryNetworks(all, "prod"); len(got) != 1 || got[0].Name != "prod-dr" {
		t.Errorf("RecoveryNetworks(prod) = %v, want prod-dr", got)
	}
	if envs := stacks.Environments(all); strings.Join(envs, ",") != strings.Join(stacks.Environments(committed.Stacks(t)), ",") {
		t.Errorf("Environments with a recovery network = %v: it must add none", envs)
	}
	if err := config.CheckKeys("network", dr.Config, config.NetworkKeys); err != nil {
		t.Error(err)
	}
	n, err := config.LoadNetwork(config.MapSource("network", dr.Config))
	if err != nil {
		t.Fatalf("the network loader refuses the README's example: %v", err)
	}
	if n.RecoveryOf != "prod" || n.Environment != "prod" || n.Tier != config.Prod || n.Region != "eu-central-1" {
		t.Errorf("loaded %+v", n)
	}

	sameRegion := strings.Replace(example, "aws:region: eu-central-1", "aws:region: eu-west-1", 1)
	if sameRegion == example {
		t.Fatal("the example no longer sets aws:region: eu-central-1")
	}
	if _, err := stacks.Discover(copyTo(sameRegion)); err == nil || !strings.Contains(err.Error(), "the region of its primary network environments/network/Pulumi.prod.yaml") {
		t.Errorf("a recovery network in its primary's region: %v, want it refused", err)
	}
}
