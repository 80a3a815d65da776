package config_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/pgplatform/platform/shared/config"
)

// loaders runs a test against both projects' loaders, each from its base.
var loaders = []struct {
	namespace string
	base      func() map[string]string
	load      func(config.Source) error
}{
	{"network", networkBase, loadNetwork},
	{"database", databaseBase, loadDatabase},
}

// TestTierMayNotBeLooserThanEnvironment: a stack's tier may be stricter
// than its environment's, never looser, in both projects. The rule is
// restated here as a table rather than computed, so a wrong floor in the
// loader cannot be mirrored by the test.
func TestTierMayNotBeLooserThanEnvironment(t *testing.T) {
	cases := []struct {
		env, tier string
		allowed   string // "" when accepted
	}{
		{"dev", "dev", ""},
		{"dev", "staging", ""},
		{"dev", "prod", ""},
		{"staging", "dev", "staging or prod"},
		{"staging", "staging", ""},
		{"staging", "prod", ""},
		{"prod", "dev", "prod"},
		{"prod", "staging", "prod"},
		{"prod", "prod", ""},
		// Any other environment is held to prod.
		{"qa", "dev", "prod"},
		{"production", "staging", "prod"},
		{"live", "prod", ""},
	}
	for _, l := range loaders {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/%s environment, %s tier", l.namespace, tc.env, tc.tier), func(t *testing.T) {
				cfg := with(l.base(), map[string]string{l.namespace + ":environment": tc.env, l.namespace + ":tier": tc.tier})
				err := l.load(config.MapSource(l.namespace, cfg))
				if tc.allowed == "" {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					return
				}
				assertConfigError(t, err, l.namespace+":tier", tc.tier, tc.allowed+": tier \""+tc.tier+"\" is looser than environment \""+tc.env+"\"")
			})
		}
	}
}

func TestEnvironmentFloor(t *testing.T) {
	for env, want := range map[string]config.Tier{"dev": config.Dev, "staging": config.Staging, "prod": config.Prod, "qa": config.Prod, "": config.Prod} {
		if got := config.EnvironmentFloor(env); got != want {
			t.Errorf("EnvironmentFloor(%q) = %s, want %s", env, got, want)
		}
	}
}

func TestTierAtLeast(t *testing.T) {
	order := []config.Tier{config.Dev, config.Staging, config.Prod}
	for i, a := range order {
		for j, b := range order {
			if got, want := a.AtLeast(b), i >= j; got != want {
				t.Errorf("%s.AtLeast(%s) = %v, want %v", a, b, got, want)
			}
		}
		if config.Tier("qa").AtLeast(a) {
			t.Errorf("an unknown tier counts as at least %s", a)
		}
	}
}

// TestAllowedAccountIDsRejects: aws:allowedAccountIds is a list of quoted
// 12-digit account IDs, each once, and a staging or prod stack must set it.
func TestAllowedAccountIDsRejects(t *testing.T) {
	const key = "aws:allowedAccountIds"
	cases := []rejection{
		{"not a list", map[string]string{key: "111122223333"}, key, "111122223333", "a list of quoted 12-digit AWS account IDs"},
		{"unquoted, read as numbers", map[string]string{key: "[111122223333]"}, key, "[111122223333]", "quote each ID"},
		{"empty list", map[string]string{key: "[]"}, key, "[]", "at least one ID"},
		{"eleven digits", map[string]string{key: `["11112222333"]`}, key, "11112222333", "exactly 12 digits"},
		{"thirteen digits", map[string]string{key: `["1111222233334"]`}, key, "1111222233334", "exactly 12 digits"},
		{"letters", map[string]string{key: `["11112222333a"]`}, key, "11112222333a", "exactly 12 digits"},
		{"an ARN, not an ID", map[string]string{key: `["arn:aws:iam::111122223333:root"]`}, key, "arn:aws:iam::111122223333:root", "exactly 12 digits"},
		{"spaces around the ID", map[string]string{key: `[" 111122223333"]`}, key, " 111122223333", "exactly 12 digits"},
		{"the same ID twice", map[string]string{key: `["111122223333","444455556666","111122223333"]`}, key, "111122223333", "each ID once"},
	}
	for _, l := range loaders {
		t.Run(l.namespace, func(t *testing.T) {
			runRejections(t, l.base(), l.namespace, cases, l.load)
		})
	}

	// Required from the staging tier up, in either project.
	for _, l := range loaders {
		for _, tier := range []string{"staging", "prod"} {
			t.Run(l.namespace+"/missing in a "+tier+" tier", func(t *testing.T) {
				cfg := with(l.base(), map[string]string{key: unset, l.namespace + ":environment": tier, l.namespace + ":tier": tier})
				assertConfigError(t, l.load(config.MapSource(l.namespace, cfg)), key, "", "a "+tier+"-tier stack pins the account")
				cfg[key] = "  "
				assertConfigError(t, l.load(config.MapSource(l.namespace, cfg)), key, "", "a "+tier+"-tier stack pins the account")
			})
		}
		// A dev-tier stack in a prod environment is refused for its tier,
		// before its missing pin.
		t.Run(l.namespace+"/tier checked before the pin", func(t *testing.T) {
			cfg := with(l.base(), map[string]string{key: unset, l.namespace + ":environment": "prod", l.namespace + ":tier": "dev"})
			assertConfigError(t, l.load(config.MapSource(l.namespace, cfg)), l.namespace+":tier", "dev", "prod")
		})
	}
}

func TestAllowedAccountIDsAccepts(t *testing.T) {
	n, err := config.LoadNetwork(config.MapSource("network", with(networkBase(), map[string]string{"aws:allowedAccountIds": `["123456789012","012345678901"]`})))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"123456789012", "012345678901"}; !slices.Equal(n.AllowedAccountIDs, want) {
		t.Errorf("network AllowedAccountIDs = %v, want %v", n.AllowedAccountIDs, want)
	}
	// A dev tier may leave the pin out.
	n, err = config.LoadNetwork(config.MapSource("network", with(networkBase(), map[string]string{"aws:allowedAccountIds": unset})))
	if err != nil {
		t.Fatal(err)
	}
	if n.AllowedAccountIDs != nil {
		t.Errorf("network without a pin: AllowedAccountIDs = %v", n.AllowedAccountIDs)
	}
	d, err := config.LoadDatabase(config.MapSource("database", databaseBase()))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"111122223333"}; !slices.Equal(d.AllowedAccountIDs, want) {
		t.Errorf("database AllowedAccountIDs = %v, want %v", d.AllowedAccountIDs, want)
	}
}

// TestCheckKeysAWSNamespace: under aws: only region and allowedAccountIds
// are accepted, in a stack of either project.
func TestCheckKeysAWSNamespace(t *testing.T) {
	cases := []struct {
		name    string
		set     map[string]string
		wantKey string
	}{
		{"region and account pin", map[string]string{}, ""},
		{"endpoints", map[string]string{"aws:endpoints": `[{"rds":"http://127.0.0.1:4566"}]`}, "aws:endpoints"},
		{"credentials check skipped", map[string]string{"aws:skipCredentialsValidation": "true"}, "aws:skipCredentialsValidation"},
		{"another role", map[string]string{"aws:assumeRole": `{"roleArn":"arn:aws:iam::444455556666:role/x"}`}, "aws:assumeRole"},
		{"forbidden accounts instead of allowed", map[string]string{"aws:forbiddenAccountIds": `["444455556666"]`}, "aws:forbiddenAccountIds"},
		{"profile", map[string]string{"aws:profile": "prod"}, "aws:profile"},
		{"misspelt pin", map[string]string{"aws:allowedAccountIDs": `["111122223333"]`}, "aws:allowedAccountIDs"},
		{"aws key sorts before a project key", map[string]string{"aws:zz": "1", "network:zz": "1", "database:zz": "1"}, "aws:zz"},
	}
	for ns, keys := range map[string][]string{"network": config.NetworkKeys, "database": config.DatabaseKeys} {
		base := networkBase()
		if ns == "database" {
			base = databaseBase()
		}
		for _, tc := range cases {
			t.Run(ns+"/"+tc.name, func(t *testing.T) {
				cfg := with(base, tc.set)
				err := config.CheckKeys(ns, cfg, keys)
				if tc.wantKey == "" {
					if err != nil {
						t.Fatalf("CheckKeys: %v", err)
					}
					return
				}
				assertConfigError(t, err, tc.wantKey, cfg[tc.wantKey], "one of the aws: keys the platform validates: allowedAccountIds, region")
			})
		}
	}
}
