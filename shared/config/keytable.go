package config

import (
	"fmt"
	"strings"
)

//go:generate go run ./cmd/keytable ../../README.md

// The markers around the README's database key table, which
// DatabaseKeysMarkdown generates.
const (
	KeyTableBegin = "<!-- database keys: generated from config.DatabaseKeyTable by `go generate ./shared/config`; do not edit by hand -->"
	KeyTableEnd   = "<!-- end of database keys -->"
)

// DatabaseKeysMarkdown is the README's table of the database keys,
// generated from DatabaseKeyTable.
func DatabaseKeysMarkdown() string {
	var b strings.Builder
	b.WriteString("| key | type | default | allowed | guardrail |\n|---|---|---|---|---|\n")
	for _, k := range DatabaseKeyTable {
		rule := ""
		if k.Rule != "" {
			rule = "`" + k.Rule + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", k.Name, k.Type, k.Default, k.Allowed, rule)
	}
	return b.String()
}

// WithDatabaseKeys returns doc with the text between KeyTableBegin and
// KeyTableEnd replaced by DatabaseKeysMarkdown.
func WithDatabaseKeys(doc string) (string, error) {
	begin := strings.Index(doc, KeyTableBegin)
	end := strings.Index(doc, KeyTableEnd)
	if begin < 0 || end < begin {
		return "", fmt.Errorf("no %q ... %q markers, in that order", KeyTableBegin, KeyTableEnd)
	}
	begin += len(KeyTableBegin)
	return doc[:begin] + "\n\n" + DatabaseKeysMarkdown() + "\n" + doc[end:], nil
}
