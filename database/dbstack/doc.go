// Package dbstack is the database program: one app team's Multi-AZ
// PostgreSQL in one environment, reading that environment's network through a
// StackReference (and, with database:dr, its recovery network, checked the
// same way before anything is declared). It resolves the stack's spec with
// database/dbspec, checks it against the guardrails and hands it to the
// component (database/postgres).
package dbstack
