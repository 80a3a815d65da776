package main

import (
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/internal/docgen"
)

func main() {
	docgen.Main("ruletable",
		docgen.File{Name: "docs/guardrails.md", Fill: guardrails.WithRuleTables},
		docgen.File{Name: "README.md", Fill: guardrails.WithReadmeRuleTable})
}
