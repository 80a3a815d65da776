package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/guardrails"
)

// A value the loader refuses because it would break a guardrail names the
// rule, and the rule is one guardrails.DatabaseRules really has.
func TestRefusalsNameTheGuardrailTheyEnforce(t *testing.T) {
	cases := []struct {
		name string
		set  map[string]string
		key  string
		rule string
	}{
		{"pinned minor version", map[string]string{"database:engineVersion": "16.3"}, "database:engineVersion", "supported-engine"},
		{"unsupported major", map[string]string{"database:engineVersion": "11"}, "database:engineVersion", "supported-engine"},
		{"no storage autoscaling", map[string]string{"database:allocatedStorageGb": "100", "database:maxAllocatedStorageGb": "100"}, "database:maxAllocatedStorageGb", "storage-autoscaling"},
		{"backups off", map[string]string{"database:backupRetentionDays": "0"}, "database:backupRetentionDays", "backups"},
		{"default admin name", map[string]string{"database:masterUsername": "postgres"}, "database:masterUsername", "admin-user-not-default"},
		{"enhanced monitoring off", map[string]string{"database:monitoringIntervalSeconds": "0"}, "database:monitoringIntervalSeconds", "enhanced-monitoring"},
		{"performance insights retention", map[string]string{"database:performanceInsightsRetentionDays": "8"}, "database:performanceInsightsRetentionDays", "performance-insights"},
		{"slow-query logging off", map[string]string{"database:logMinDurationStatementMs": "-1"}, "database:logMinDurationStatementMs", "safe-query-logging"},
		{"log_statement all", map[string]string{"database:logStatement": "all"}, "database:logStatement", "safe-query-logging"},
		{"ingress from everywhere", map[string]string{"database:allowedCidrs": `["0.0.0.0/0"]`}, "database:allowedCidrs", "least-privilege-ingress"},
		{"ingress from a public range", map[string]string{"database:allowedCidrs": `["8.8.8.0/24"]`}, "database:allowedCidrs", "least-privilege-ingress"},
		{"ingress from a malformed group", map[string]string{"database:allowedSecurityGroupIds": `["default"]`}, "database:allowedSecurityGroupIds", "least-privilege-ingress"},
		{"old CA", map[string]string{"database:caCertIdentifier": "rds-ca-2019"}, "database:caCertIdentifier", "current-ca"},
	}
	var ids []string
	for _, r := range guardrails.DatabaseRules {
		ids = append(ids, r.ID)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.LoadDatabase(config.MapSource("database", with(databaseBase(), tc.set)))
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *config.Error", err)
			}
			if ce.Key != tc.key || ce.Rule != tc.rule {
				t.Fatalf("refused %s (rule %q), want %s (rule %q): %v", ce.Key, ce.Rule, tc.key, tc.rule, err)
			}
			if !slices.Contains(ids, ce.Rule) {
				t.Errorf("rule %q is not one of guardrails.DatabaseRules: %v", ce.Rule, ids)
			}
			if !strings.Contains(err.Error(), "(guardrail "+tc.rule+")") || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("message %q does not name the key and the guardrail", err)
			}
		})
	}
}

// A refusal that enforces no guardrail says nothing about one.
func TestPlainRefusalsNameNoGuardrail(t *testing.T) {
	_, err := config.LoadDatabase(config.MapSource("database", with(databaseBase(), map[string]string{"database:port": "80"})))
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("port 80: err = %v, want a *config.Error", err)
	}
	if ce.Rule != "" || strings.Contains(err.Error(), "guardrail") {
		t.Fatalf("port 80: err = %v (rule %q), want a plain refusal", err, ce.Rule)
	}
}
