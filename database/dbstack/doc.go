// Package dbstack is the database program: one app team's Multi-AZ
// PostgreSQL in one environment, reading that environment's network through a
// StackReference.
package dbstack
