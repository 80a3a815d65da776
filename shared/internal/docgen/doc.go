// Package docgen keeps generated tables inside hand-written Markdown: a
// document marks each generated part with a begin and an end marker (HTML
// comments), and Fill replaces what lies between them. The generator
// commands of shared/config (the README's key tables) and shared/guardrails
// (the rule tables of docs/guardrails.md) are Main over their own Fill, and
// their tests compare the document with what Fill makes of it.
package docgen
