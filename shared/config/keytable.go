package config

import (
	"fmt"
	"strings"

	"github.com/pgplatform/platform/shared/internal/docgen"
)

//go:generate go run ./cmd/keytable ../../README.md

// The markers around the README's key tables, which DatabaseKeysMarkdown
// and NetworkKeysMarkdown generate.
const (
	KeyTableBegin        = "<!-- database keys: generated from config.DatabaseKeyTable by `go generate ./shared/config`; do not edit by hand -->"
	KeyTableEnd          = "<!-- end of database keys -->"
	NetworkKeyTableBegin = "<!-- network keys: generated from config.NetworkKeyTable by `go generate ./shared/config`; do not edit by hand -->"
	NetworkKeyTableEnd   = "<!-- end of network keys -->"
)

// keyRow is one row of a README key table.
type keyRow struct{ name, typ, def, allowed, rule string }

func keysMarkdown(rows []keyRow) string {
	var b strings.Builder
	b.WriteString("| key | type | default | allowed | guardrail |\n|---|---|---|---|---|\n")
	for _, k := range rows {
		rule := ""
		if k.rule != "" {
			rule = "`" + k.rule + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", k.name, k.typ, k.def, k.allowed, rule)
	}
	return b.String()
}

// DatabaseKeysMarkdown is the README's table of the database keys,
// generated from DatabaseKeyTable.
func DatabaseKeysMarkdown() string {
	var rows []keyRow
	for _, k := range DatabaseKeyTable {
		rows = append(rows, keyRow{k.Name, k.Type, k.Default, k.Allowed, k.Rule})
	}
	return keysMarkdown(rows)
}

// NetworkKeysMarkdown is the README's table of the network keys,
// generated from NetworkKeyTable.
func NetworkKeysMarkdown() string {
	var rows []keyRow
	for _, k := range NetworkKeyTable {
		rows = append(rows, keyRow{k.Name, k.Type, k.Default, k.Allowed, k.Rule})
	}
	return keysMarkdown(rows)
}

// WithKeyTables returns doc with the text between each pair of markers
// replaced by the table it names.
func WithKeyTables(doc string) (string, error) {
	return docgen.Fill(doc,
		docgen.Section{Begin: KeyTableBegin, End: KeyTableEnd, Text: DatabaseKeysMarkdown()},
		docgen.Section{Begin: NetworkKeyTableBegin, End: NetworkKeyTableEnd, Text: NetworkKeysMarkdown()},
	)
}
