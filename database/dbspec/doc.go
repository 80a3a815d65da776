// Package dbspec resolves a database stack's config into its spec
// (spec.Database): the settings of the stack file, the parameter group's
// entries and the platform's fixed choices, which no stack file can change.
// It is the one resolved spec per stack: the program (database/dbstack)
// checks it against the guardrails and hands it to the component
// (database/postgres), and verify and onboarding read the same spec. It
// imports no Pulumi SDK, so a tool that needs only the spec links none.
package dbspec
