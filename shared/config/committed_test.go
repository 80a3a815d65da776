package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/testsupport/committed"
)

// TestCommittedEnvironmentFiles loads every committed stack file with its
// project's loader and refuses keys the loader does not know.
func TestCommittedEnvironmentFiles(t *testing.T) {
	all := committed.Stacks(t)
	projects := map[string]int{}
	for _, s := range all {
		projects[s.Project]++
		t.Run(s.Project+"/"+s.Name, func(t *testing.T) {
			src := config.MapSource(s.Project, s.Config)
			var pinned []string
			switch s.Project {
			case "network":
				if err := config.CheckKeys("network", s.Config, config.NetworkKeys); err != nil {
					t.Errorf("%s: %v", s.File, err)
				}
				n, err := config.LoadNetwork(src)
				if err != nil {
					t.Fatalf("%s: %v", s.File, err)
				}
				pinned = n.AllowedAccountIDs
				if n.Environment != s.Environment || string(n.Tier) != s.Tier {
					t.Errorf("loaded %s/%s, the catalog says %s/%s", n.Environment, n.Tier, s.Environment, s.Tier)
				}
			case "database":
				if err := config.CheckKeys("database", s.Config, config.DatabaseKeys); err != nil {
					t.Errorf("%s: %v", s.File, err)
				}
				d, err := config.LoadDatabase(src)
				if err != nil {
					t.Fatalf("%s: %v", s.File, err)
				}
				pinned = d.AllowedAccountIDs
				if d.Environment != s.Environment || string(d.Tier) != s.Tier {
					t.Errorf("loaded %s/%s, the catalog says %s/%s", d.Environment, d.Tier, s.Environment, s.Tier)
				}
				if want := d.App + "-" + d.Environment; s.Name != want {
					t.Errorf("database stack %s states app %q and environment %q: name it %s", s.Name, d.App, d.Environment, want)
				}
			default:
				t.Fatalf("unknown project %q", s.Project)
			}
			// Each environment file pins its account, whatever its tier:
			// the loader requires it only from staging up.
			if len(pinned) == 0 {
				t.Errorf("%s: no aws:allowedAccountIds: every committed stack file pins its environment's AWS account", s.File)
			}
			for k := range s.Config {
				if ns, _, _ := strings.Cut(k, ":"); ns != s.Project && ns != "aws" {
					t.Errorf("%s: key %s is in neither the %s nor the aws namespace", s.File, k, s.Project)
				}
			}
		})
	}
	if projects["network"] == 0 || projects["database"] == 0 {
		t.Errorf("committed stacks per project: %v; want both network and database files", projects)
	}
}

func TestCheckKeys(t *testing.T) {
	known := []string{"vpcCidr", "tier", "azCount"}
	cases := []struct {
		name    string
		cfg     map[string]string
		wantKey string
	}{
		{"all known", map[string]string{"network:vpcCidr": "10.0.0.0/16", "network:tier": "dev"}, ""},
		{"other namespaces are left alone", map[string]string{"aws:region": "eu-west-1", "database:foo": "x", "network:tier": "dev"}, ""},
		{"key without namespace is left alone", map[string]string{"tier": "x"}, ""},
		{"misspelt key", map[string]string{"network:vpcCIDR": "10.0.0.0/16", "network:tier": "dev"}, "network:vpcCIDR"},
		{"the first unknown key by name", map[string]string{"network:zz": "1", "network:azcount": "3"}, "network:azcount"},
		{"key of another project's namespace", map[string]string{"network:app": "orders"}, "network:app"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := config.CheckKeys("network", tc.cfg, known)
			if tc.wantKey == "" {
				if err != nil {
					t.Fatalf("CheckKeys: %v", err)
				}
				return
			}
			assertConfigError(t, err, tc.wantKey, tc.cfg[tc.wantKey], "one of the known keys: azCount, tier, vpcCidr")
		})
	}
	// The real key lists accept themselves.
	for ns, keys := range map[string][]string{"network": config.NetworkKeys, "database": config.DatabaseKeys} {
		cfg := map[string]string{}
		for _, k := range keys {
			cfg[ns+":"+k] = "x"
		}
		if err := config.CheckKeys(ns, cfg, keys); err != nil {
			t.Errorf("%s keys: %v", ns, err)
		}
	}
}

// TestKeyListsMatchLoaders sets each listed key to a value that cannot be
// valid and expects the loader to name that key: a key in the list that the
// loader never reads would be accepted by CheckKeys and silently ignored.
func TestKeyListsMatchLoaders(t *testing.T) {
	cases := []struct {
		namespace string
		keys      []string
		base      map[string]string
		load      func(config.Source) error
		// preconditions some keys need before the loader reads them
		needs map[string]map[string]string
	}{
		{"network", config.NetworkKeys, networkBase(), loadNetwork, map[string]map[string]string{
			"publicSubnetPrefix": {"network:natGateway": "true"},
		}},
		{"database", config.DatabaseKeys, databaseBase(), loadDatabase, nil},
	}
	for _, tc := range cases {
		for _, key := range tc.keys {
			t.Run(tc.namespace+"/"+key, func(t *testing.T) {
				cfg := with(tc.base, tc.needs[key])
				full := tc.namespace + ":" + key
				cfg[full] = "\x01bad\x01"
				err := tc.load(config.MapSource(tc.namespace, cfg))
				var ce *config.Error
				if !errors.As(err, &ce) {
					t.Fatalf("%s = garbage: got %v, want a *config.Error", full, err)
				}
				if ce.Key != full && !strings.HasPrefix(ce.Key, full+".") {
					t.Errorf("%s = garbage: error names %s (%v)", full, ce.Key, err)
				}
			})
		}
	}
}

func TestErrorMessage(t *testing.T) {
	e := &config.Error{Key: "network:vpcCidr", Value: "8.8.0.0/16", Allowed: "RFC 1918 space"}
	if got, want := e.Error(), `config network:vpcCidr = "8.8.0.0/16" is not allowed: want RFC 1918 space`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &config.Error{Key: "network:tier", Allowed: "one of dev, staging, prod"}
	if got, want := e.Error(), "config network:tier is missing or empty: want one of dev, staging, prod"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestMapSource(t *testing.T) {
	src := config.MapSource("network", map[string]string{"network:tier": "dev"})
	if src.Namespace != "network" {
		t.Errorf("Namespace = %q", src.Namespace)
	}
	if v, ok := src.Get("network:tier"); !ok || v != "dev" {
		t.Errorf("Get(network:tier) = %q, %v", v, ok)
	}
	if _, ok := src.Get("network:vpcCidr"); ok {
		t.Error("Get of a missing key reports it present")
	}
}

func TestTierStrict(t *testing.T) {
	for tier, want := range map[config.Tier]bool{config.Dev: false, config.Staging: true, config.Prod: true, "": false, "qa": false} {
		if got := tier.Strict(); got != want {
			t.Errorf("Tier(%q).Strict() = %v, want %v", tier, got, want)
		}
	}
}
