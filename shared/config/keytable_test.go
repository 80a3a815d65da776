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

// row is what TestKeyTablesNameEveryKey reads of a table's key.
type row struct{ name, typ, def, allowed string }

// TestKeyTablesNameEveryKey: every key of each table is a row of its
// generated README table, once, with a type, a default and a
// description, and the key list the unknown-key check uses (DatabaseKeys,
// NetworkKeys) is the table's names.
func TestKeyTablesNameEveryKey(t *testing.T) {
	var db, nw []row
	for _, k := range config.DatabaseKeyTable {
		db = append(db, row{k.Name, k.Type, k.Default, k.Allowed})
	}
	for _, k := range config.NetworkKeyTable {
		nw = append(nw, row{k.Name, k.Type, k.Default, k.Allowed})
	}
	for _, tc := range []struct {
		namespace string
		keys      []string
		rows      []row
		md        string
	}{
		{"database", config.DatabaseKeys, db, config.DatabaseKeysMarkdown()},
		{"network", config.NetworkKeys, nw, config.NetworkKeysMarkdown()},
	} {
		if len(tc.keys) != len(tc.rows) {
			t.Errorf("%s: the key list has %d names, the table %d keys", tc.namespace, len(tc.keys), len(tc.rows))
			continue
		}
		seen := map[string]bool{}
		for i, k := range tc.rows {
			if tc.keys[i] != k.name {
				t.Errorf("%s: key list [%d] = %s, the table's key %s", tc.namespace, i, tc.keys[i], k.name)
			}
			if seen[k.name] {
				t.Errorf("%s: key %s is in the table twice", tc.namespace, k.name)
			}
			seen[k.name] = true
			if n := strings.Count(tc.md, "| `"+k.name+"` |"); n != 1 {
				t.Errorf("%s: key %s has %d rows in the generated table", tc.namespace, k.name, n)
			}
			if k.typ == "" || k.def == "" || k.allowed == "" {
				t.Errorf("%s: key %s lacks a type, default or description", tc.namespace, k.name)
			}
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
