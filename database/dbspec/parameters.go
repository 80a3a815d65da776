package dbspec

import (
	"strconv"

	"github.com/pgplatform/platform/shared/spec"
)

// The apply methods of a parameter group entry: RDS refuses "immediate" for
// a static parameter (the static-parameters guardrail).
const (
	immediate     = "immediate"
	pendingReboot = "pending-reboot"
)

// parameter is one entry of the stack's parameter group, declared here
// once with its apply method and its value: a fixed value, or one read
// from the spec. The component (database/postgres) renders the entries
// the spec holds, as the instance's or the cluster's parameter group.
type parameter struct {
	name        string
	applyMethod string
	// value is the entry's value for a spec; ok false leaves the entry
	// out of that stack's group.
	value func(s spec.Database) (value string, ok bool)
}

// always is a fixed value every group has.
func always(v string) func(spec.Database) (string, bool) {
	return func(spec.Database) (string, bool) { return v, true }
}

// strictOnly is a fixed value that staging and prod groups have and dev
// groups leave out.
func strictOnly(v string) func(spec.Database) (string, bool) {
	return func(s spec.Database) (string, bool) { return v, s.Tier.Strict() }
}

// parameters are the entries of every stack's parameter group, in the
// group's order.
var parameters = []parameter{
	// TLS only (tls-required).
	{"rds.force_ssl", pendingReboot, always("1")},
	{"shared_preload_libraries", pendingReboot, always("pg_stat_statements")},
	// Slow statements and DDL only, never the text of every statement
	// (safe-query-logging).
	{"log_min_duration_statement", immediate, func(s spec.Database) (string, bool) { return strconv.Itoa(s.LogMinDurationMs), true }},
	{"log_statement", immediate, func(s spec.Database) (string, bool) { return s.LogStatement, true }},
	{"log_connections", immediate, strictOnly("1")},
	{"log_disconnections", immediate, strictOnly("1")},
}

// Parameters are the parameter group's entries for a spec: what
// spec.Database.Parameters holds, which the guardrails check, the
// component renders and verify compares with the live group.
func Parameters(s spec.Database) []spec.Parameter {
	var out []spec.Parameter
	for _, p := range parameters {
		if v, ok := p.value(s); ok {
			out = append(out, spec.Parameter{Name: p.name, Value: v, ApplyMethod: p.applyMethod})
		}
	}
	return out
}
