// Package spec is the resolved specification of one database stack: every
// setting its resources get, from the stack file's keys after defaults
// (shared/config's key table writes them) and the platform's fixed choices
// and parameter group entries (database/dbspec Resolve). The guardrails
// check a Spec, the component renders one, and the post-deploy
// verification builds its expectations from one, so what is checked is
// what is deployed and what is verified.
//
// The package depends on nothing of the project, so the component that
// renders a Spec can be used outside this repository.
package spec
