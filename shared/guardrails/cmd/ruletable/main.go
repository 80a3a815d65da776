package main

import (
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/internal/docgen"
)

func main() {
	docgen.Main("ruletable", guardrails.WithRuleTables, guardrails.WithReadmeRuleTable)
}
