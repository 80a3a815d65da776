package deploy

import (
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/stacks"
)

// TestCheckRecoveryNetworks: a prod database stack whose database:dr
// names a region with a committed recovery network of its environment
// passes; one naming a region without one is refused before anything
// runs, naming the key, the region and the networks there are; refresh is
// not checked.
func TestCheckRecoveryNetworks(t *testing.T) {
	withDR := func(region string) []stacks.Stack {
		all := withRecovery()
		for i := range all {
			if all[i].Project == "database" {
				all[i].Config["aws:region"] = "eu-west-1"
				all[i].Config["aws:allowedAccountIds"] = `["111122223333"]`
				if all[i].Name == "orders-prod" {
					all[i].Config["database:dr"] = `{"region":"` + region + `"}`
				} else if all[i].Tier == "prod" {
					all[i].Config["database:drOptOut"] = "no recovery in this test"
				}
			}
		}
		return all
	}
	for _, tc := range []struct {
		name, region string
		op           Op
		want         string
	}{
		{"a region with a recovery network", "eu-central-1", Up, ""},
		{"another region with one", "us-east-1", Preview, ""},
		{"a region without one", "ap-southeast-2", Up, `config database:dr = "ap-southeast-2" is not allowed: want a region with a recovery network of prod`},
		{"refresh is not checked", "ap-southeast-2", Refresh, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := withDR(tc.region)
			p, err := NewPlan(all, Options{Op: tc.op, Env: "prod"})
			if err != nil {
				t.Fatal(err)
			}
			err = CheckRecoveryNetworks(p, all, "/repo")
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), "prod-dr (eu-central-1), prod-us (us-east-1)"):
				t.Errorf("error %v does not list the recovery networks", err)
			}
		})
	}
}
