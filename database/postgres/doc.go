// Package postgres is the Multi-AZ PostgreSQL component: the RDS instance
// with its KMS key, subnet group, security group, monitoring role, parameter
// group, log groups, alarm topic, alarms and event subscription, declared
// from a spec.Database the guardrails have already checked. It reads only
// the spec and its typed inputs (the network, the account, the tags).
package postgres
