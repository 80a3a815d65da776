package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/guardrails"
)

// TestReadmeKeyTableIsCurrent fails when the README's key tables are not
// what config.DatabaseKeyTable and config.NetworkKeyTable generate: a key
// added, removed or redocumented in a table without
// `go generate ./shared/config`.
func TestReadmeKeyTableIsCurrent(t *testing.T) {
	doc, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := config.WithKeyTables(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	if want != string(doc) {
		t.Errorf("the README's key tables are stale: run go generate ./shared/config\nwant:\n%s\n%s", config.DatabaseKeysMarkdown(), config.NetworkKeysMarkdown())
	}
}

// TestKeyTableNamesEveryKey: every key of the database table is a row of
// the generated table, once, and DatabaseKeys (the unknown-key check) is
// the table's names.
func TestKeyTableNamesEveryKey(t *testing.T) {
	md := config.DatabaseKeysMarkdown()
	if len(config.DatabaseKeys) != len(config.DatabaseKeyTable) {
		t.Fatalf("DatabaseKeys has %d names, the table %d keys", len(config.DatabaseKeys), len(config.DatabaseKeyTable))
	}
	seen := map[string]bool{}
	for i, k := range config.DatabaseKeyTable {
		if config.DatabaseKeys[i] != k.Name {
			t.Errorf("DatabaseKeys[%d] = %s, the table's key %s", i, config.DatabaseKeys[i], k.Name)
		}
		if seen[k.Name] {
			t.Errorf("key %s is in the table twice", k.Name)
		}
		seen[k.Name] = true
		if n := strings.Count(md, "| `"+k.Name+"` |"); n != 1 {
			t.Errorf("key %s has %d rows in the generated table", k.Name, n)
		}
		if k.Type == "" || k.Default == "" || k.Allowed == "" {
			t.Errorf("key %s lacks a type, default or description", k.Name)
		}
	}
}

// TestKeyTableRulesAreGuardrails: the guardrail a key names is one of
// guardrails.DatabaseRules, so the README's guardrail column and a
// refusal's "(guardrail ...)" point at a rule that exists.
func TestKeyTableRulesAreGuardrails(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range guardrails.DatabaseRules {
		ids[r.ID] = true
	}
	for _, k := range config.DatabaseKeyTable {
		if k.Rule != "" && !ids[k.Rule] {
			t.Errorf("key %s names guardrail %q, which guardrails.DatabaseRules does not have", k.Name, k.Rule)
		}
	}
}

// TestNetworkKeyTableNamesEveryKey: the same of the network table and
// NetworkKeys.
func TestNetworkKeyTableNamesEveryKey(t *testing.T) {
	md := config.NetworkKeysMarkdown()
	if len(config.NetworkKeys) != len(config.NetworkKeyTable) {
		t.Fatalf("NetworkKeys has %d names, the table %d keys", len(config.NetworkKeys), len(config.NetworkKeyTable))
	}
	seen := map[string]bool{}
	for i, k := range config.NetworkKeyTable {
		if config.NetworkKeys[i] != k.Name {
			t.Errorf("NetworkKeys[%d] = %s, the table's key %s", i, config.NetworkKeys[i], k.Name)
		}
		if seen[k.Name] {
			t.Errorf("key %s is in the table twice", k.Name)
		}
		seen[k.Name] = true
		if n := strings.Count(md, "| `"+k.Name+"` |"); n != 1 {
			t.Errorf("key %s has %d rows in the generated table", k.Name, n)
		}
		if k.Type == "" || k.Default == "" || k.Allowed == "" {
			t.Errorf("key %s lacks a type, default or description", k.Name)
		}
	}
}
