// Package guardrails enforces the platform's security and reliability rules
// (docs/guardrails.md) in code. Each program first turns its validated
// config into a plan: the plain-Go settings it is about to give its
// resources (for a database stack, its spec.Database). The rules are
// checked on that plan before any resource is declared, and the program
// then renders the plan into resource inputs mechanically, so what is
// checked is what is deployed.
package guardrails
