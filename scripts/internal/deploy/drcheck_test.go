package deploy

import (
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/stacks"
)

// TestCheckRecoveryNetworks: a prod database stack whose database:dr
// names (or defaults to) a committed recovery network of its environment
// in its recovery region passes; one whose network is missing or in
// another region is refused before anything runs, naming the key, the
// value and the networks there are; refresh is not checked.
func TestCheckRecoveryNetworks(t *testing.T) {
	withDR := func(dr string) []stacks.Stack {
		all := withRecovery()
		for i := range all {
			if all[i].Project == "database" {
				all[i].Config["aws:region"] = "eu-west-1"
				all[i].Config["aws:allowedAccountIds"] = `["111122223333"]`
				if all[i].Name == "orders-prod" {
					all[i].Config["database:dr"] = dr
				} else if all[i].Tier == "prod" {
					all[i].Config["database:drOptOut"] = "no recovery in this test"
				}
			}
		}
		return all
	}
	for _, tc := range []struct {
		name, dr string
		op       Op
		want     string
	}{
		{"the default recovery network in its region", `{"region":"eu-central-1"}`, Up, ""},
		{"another region's, named", `{"region":"us-east-1","networkStack":"prod-us"}`, Preview, ""},
		{"a region the default is not in", `{"region":"us-east-1"}`, Up, `config database:dr = "us-east-1" is not allowed: want a recovery network in the recovery region us-east-1 (prod-dr is in eu-central-1); or name prod-us, the recovery network in us-east-1, with database:dr networkStack: prod-us`},
		{"a region without one", `{"region":"ap-southeast-2"}`, Up, `config database:dr = "ap-southeast-2" is not allowed: want a recovery network in the recovery region ap-southeast-2 (prod-dr is in eu-central-1)`},
		{"a named network in another region", `{"region":"eu-central-1","networkStack":"prod-us"}`, Up, `config database:dr = "prod-us" is not allowed: want a recovery network in the recovery region eu-central-1 (prod-us is in us-east-1)`},
		{"refresh is not checked", `{"region":"ap-southeast-2"}`, Refresh, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := withDR(tc.dr)
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
