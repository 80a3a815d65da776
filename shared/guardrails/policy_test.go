package guardrails_test

import (
	"encoding/json"
	"testing"

	"github.com/pgplatform/platform/shared/guardrails"
)

const (
	account = "123456789012"
	pgLog   = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/instance/orders-prod-1a2b3c4d/postgresql"
	upLog   = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/instance/orders-prod-1a2b3c4d/upgrade"
)

type doc = map[string]any

// goodKeyPolicy is a key policy that satisfies every rule, written out by
// hand the way the database stack renders it for orders-prod.
func goodKeyPolicy() []doc {
	viaRds := doc{"StringEquals": doc{"kms:ViaService": "rds.eu-west-1.amazonaws.com", "kms:CallerAccount": account}}
	return []doc{
		{"Sid": "KeyAdministration", "Effect": "Allow",
			"Principal": doc{"AWS": []any{"arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/platform-admin"}},
			"Action":    []any{"kms:DescribeKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:RevokeGrant"}, "Resource": "*"},
		{"Sid": "RdsUse", "Effect": "Allow", "Principal": doc{"AWS": "arn:aws:iam::123456789012:root"},
			"Action": []any{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}, "Resource": "*", "Condition": viaRds},
		{"Sid": "RdsGrants", "Effect": "Allow", "Principal": doc{"AWS": "arn:aws:iam::123456789012:root"},
			"Action": "kms:CreateGrant", "Resource": "*",
			"Condition": doc{"StringEquals": viaRds["StringEquals"], "Bool": doc{"kms:GrantIsForAWSResource": "true"}}},
		{"Sid": "Logs", "Effect": "Allow", "Principal": doc{"Service": "logs.eu-west-1.amazonaws.com"},
			"Action": []any{"kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"}, "Resource": "*",
			"Condition": doc{"ArnEquals": doc{"kms:EncryptionContext:aws:logs:arn": []any{pgLog, upLog}}}},
		{"Sid": "Publishers", "Effect": "Allow", "Principal": doc{"Service": "events.rds.amazonaws.com"},
			"Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*",
			"Condition": doc{"StringEquals": doc{"aws:SourceAccount": account}}},
	}
}

func goodTrustPolicy() []doc {
	return []doc{{
		"Effect": "Allow", "Principal": doc{"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole",
		"Condition": doc{
			"StringEquals": doc{"aws:SourceAccount": account},
			"ArnLike":      doc{"aws:SourceArn": "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*"},
		},
	}}
}

// goodMonitoringTrust is the enhanced-monitoring role's trust policy,
// written out by hand the way the database stack renders it for
// orders-prod: the instance identifiers of the stack are orders-prod-
// followed by an 8-character digest.
func goodMonitoringTrust() []doc {
	return []doc{{
		"Effect": "Allow", "Principal": doc{"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole",
		"Condition": doc{
			"StringEquals": doc{"aws:SourceAccount": account},
			"StringLike":   doc{"aws:SourceArn": monitoringSource},
		},
	}}
}

const monitoringSource = "arn:aws:rds:eu-west-1:123456789012:db:orders-prod-????????"

var monitoringScope = guardrails.PolicyScope{Account: account, TrustService: "monitoring.rds.amazonaws.com", TrustSourceArn: monitoringSource}

var keyScope = guardrails.PolicyScope{Account: account, LogGroupArns: []string{pgLog, upLog}}

var trustScope = guardrails.PolicyScope{Account: account, TrustService: "vpc-flow-logs.amazonaws.com", TrustSourceArn: "arn:aws:ec2:eu-west-1:123456789012:vpc-flow-log/*"}

// policyCase is one rendered document; rule "" means every rule holds.
type policyCase struct {
	name  string
	trust bool
	// monitoring checks the monitoring role's trust policy (goodMonitoringTrust).
	monitoring bool
	mutate     func(sts []doc) []doc
	rule       string
	// also are rules the mutation necessarily breaks too.
	also []string
}

var policyCases = []policyCase{
	{name: "good key policy"},
	{name: "key policy as one statement object", mutate: func(sts []doc) []doc { return sts[:1] }},
	{name: "administration by the root alone", mutate: func(sts []doc) []doc {
		sts[0]["Principal"] = doc{"AWS": "arn:aws:iam::123456789012:root"}
		return sts
	}},
	{name: "a Deny with a wildcard principal", mutate: func(sts []doc) []doc {
		return append(sts, doc{"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"})
	}},
	{name: "good trust policy", trust: true},
	{name: "good monitoring trust policy", monitoring: true},

	// key-policy-named-principals
	{name: "AWS * principal", rule: "key-policy-named-principals", mutate: func(sts []doc) []doc {
		sts[1]["Principal"] = doc{"AWS": "*"}
		return sts
	}},
	{name: "bare * principal", rule: "key-policy-named-principals", mutate: func(sts []doc) []doc {
		sts[4]["Principal"] = "*"
		return sts
	}},
	{name: "* in a principal list", rule: "key-policy-named-principals", mutate: func(sts []doc) []doc {
		sts[0]["Principal"] = doc{"AWS": []any{"arn:aws:iam::123456789012:root", "*"}}
		return sts
	}},
	{name: "any account's root", rule: "key-policy-named-principals", mutate: func(sts []doc) []doc {
		sts[0]["Principal"] = doc{"AWS": "arn:aws:iam::*:root"}
		return sts
	}},
	{name: "NotPrincipal allow", rule: "key-policy-named-principals", mutate: func(sts []doc) []doc {
		delete(sts[4], "Principal")
		sts[4]["NotPrincipal"] = doc{"AWS": "arn:aws:iam::123456789012:root"}
		return sts
	}},
	// key-policy-use-via-service
	{name: "root with kms:*", rule: "key-policy-use-via-service", also: []string{"key-policy-grants-for-aws-resources"}, mutate: func(sts []doc) []doc {
		sts[0]["Action"] = "kms:*"
		return sts
	}},
	{name: "root decrypts without a service", rule: "key-policy-use-via-service", mutate: func(sts []doc) []doc {
		delete(sts[1], "Condition")
		return sts
	}},
	{name: "use via a wildcard action of the admin role", rule: "key-policy-use-via-service", mutate: func(sts []doc) []doc {
		sts[0]["Action"] = []any{"kms:Describe*", "kms:Decrypt"}
		return sts
	}},
	// key-policy-grants-for-aws-resources
	{name: "CreateGrant without GrantIsForAWSResource", rule: "key-policy-grants-for-aws-resources", mutate: func(sts []doc) []doc {
		sts[2]["Condition"] = doc{"StringEquals": sts[1]["Condition"].(doc)["StringEquals"]}
		return sts
	}},
	{name: "GrantIsForAWSResource false", rule: "key-policy-grants-for-aws-resources", mutate: func(sts []doc) []doc {
		sts[2]["Condition"].(doc)["Bool"] = doc{"kms:GrantIsForAWSResource": "false"}
		return sts
	}},
	{name: "CreateGrant through kms:Create* for a service", rule: "key-policy-grants-for-aws-resources", mutate: func(sts []doc) []doc {
		sts[4]["Action"] = []any{"kms:Decrypt", "kms:Create*"}
		return sts
	}},
	// key-policy-logs-scoped
	{name: "logs for every RDS log group", rule: "key-policy-logs-scoped", mutate: func(sts []doc) []doc {
		sts[3]["Condition"] = doc{"ArnLike": doc{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/instance/*"}}
		return sts
	}},
	{name: "logs for another stack's log group", rule: "key-policy-logs-scoped", mutate: func(sts []doc) []doc {
		sts[3]["Condition"] = doc{"ArnEquals": doc{"kms:EncryptionContext:aws:logs:arn": []any{pgLog, "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/instance/payments-prod-9f8e7d6c/postgresql"}}}
		return sts
	}},
	{name: "logs without an encryption context", rule: "key-policy-logs-scoped", mutate: func(sts []doc) []doc {
		delete(sts[3], "Condition")
		return sts
	}},

	// trust-named-service
	{name: "trust for any principal", trust: true, rule: "trust-named-service", mutate: func(sts []doc) []doc {
		sts[0]["Principal"] = doc{"AWS": "*"}
		return sts
	}},
	{name: "trust for another service too", trust: true, rule: "trust-named-service", mutate: func(sts []doc) []doc {
		sts[0]["Principal"] = doc{"Service": []any{"vpc-flow-logs.amazonaws.com", "ec2.amazonaws.com"}}
		return sts
	}},
	// trust-source-bound
	{name: "trust without aws:SourceArn", trust: true, rule: "trust-source-bound", mutate: func(sts []doc) []doc {
		delete(sts[0]["Condition"].(doc), "ArnLike")
		return sts
	}},
	{name: "trust without aws:SourceAccount", trust: true, rule: "trust-source-bound", mutate: func(sts []doc) []doc {
		delete(sts[0]["Condition"].(doc), "StringEquals")
		return sts
	}},
	{name: "monitoring trust bound to the account only", monitoring: true, rule: "trust-source-bound", mutate: func(sts []doc) []doc {
		delete(sts[0]["Condition"].(doc), "StringLike")
		return sts
	}},
	{name: "monitoring trust for every instance of the account", monitoring: true, rule: "trust-source-bound", mutate: func(sts []doc) []doc {
		sts[0]["Condition"].(doc)["StringLike"] = doc{"aws:SourceArn": "arn:aws:rds:eu-west-1:123456789012:db:*"}
		return sts
	}},
	{name: "monitoring role trusted by RDS itself", monitoring: true, rule: "trust-named-service", mutate: func(sts []doc) []doc {
		sts[0]["Principal"] = doc{"Service": "rds.amazonaws.com"}
		return sts
	}},
	{name: "trust bound to another account's flow logs", trust: true, rule: "trust-source-bound", mutate: func(sts []doc) []doc {
		sts[0]["Condition"].(doc)["ArnLike"] = doc{"aws:SourceArn": "arn:aws:ec2:eu-west-1:*:vpc-flow-log/*"}
		return sts
	}},
}

func render(t *testing.T, sts []doc) string {
	t.Helper()
	var statement any = sts
	if len(sts) == 1 {
		statement = sts[0]
	}
	b, err := json.Marshal(doc{"Version": "2012-10-17", "Statement": statement})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPolicyRules(t *testing.T) {
	for _, tc := range policyCases {
		t.Run(tc.name, func(t *testing.T) {
			rules, sts, scope, check := guardrails.KeyPolicyRules, goodKeyPolicy(), keyScope, guardrails.CheckKeyPolicy
			if tc.trust {
				rules, sts, scope, check = guardrails.TrustPolicyRules, goodTrustPolicy(), trustScope, guardrails.CheckTrustPolicy
			}
			if tc.monitoring {
				rules, sts, scope, check = guardrails.TrustPolicyRules, goodMonitoringTrust(), monitoringScope, guardrails.CheckTrustPolicy
			}
			if tc.mutate != nil {
				sts = tc.mutate(sts)
			}
			policy := render(t, sts)
			var fired []string
			for _, r := range rules {
				if r.Check(policy, scope) != nil {
					fired = append(fired, r.ID)
				}
			}
			if tc.rule == "" {
				if len(fired) > 0 || check(policy, scope) != nil {
					t.Fatalf("rules %v fire on a policy that should hold: %s", fired, policy)
				}
				return
			}
			if want := append([]string{tc.rule}, tc.also...); !sameSet(fired, want) {
				t.Fatalf("rules %v fire, want exactly %v: %s", fired, want, policy)
			}
			err := check(policy, scope)
			var v *guardrails.Violation
			if !asViolation(err, &v) || v.Rule != fired[0] || v.Sources == "" || v.Want == "" {
				t.Errorf("check = %v, want a violation of %s", err, tc.rule)
			}
		})
	}
}

func TestPolicyThatDoesNotParse(t *testing.T) {
	for _, bad := range []string{"", "{", `{"Statement": "x"}`, `{"Statement": [{"Principal": 3}]}`} {
		if err := guardrails.CheckKeyPolicy(bad, keyScope); err == nil {
			t.Errorf("CheckKeyPolicy(%q) = nil, want a violation", bad)
		}
	}
}

func asViolation(err error, v **guardrails.Violation) bool {
	x, ok := err.(*guardrails.Violation)
	*v = x
	return ok
}

// policyRulesWithCases is TestEveryRuleHasCases for the policy rules.
func policyRulesWithCases(t *testing.T) {
	fires := map[string]bool{}
	for _, tc := range append(append([]policyCase(nil), policyCases...), proxyPolicyCases...) {
		if len(tc.also) == 0 {
			fires[tc.rule] = true
		}
	}
	for _, rules := range [][]guardrails.PolicyRule{guardrails.KeyPolicyRules, guardrails.TrustPolicyRules, guardrails.ProxyPolicyRules} {
		for _, r := range rules {
			if r.Sources == "" {
				t.Errorf("policy rule %s names no source", r.ID)
			}
			if !fires[r.ID] {
				t.Errorf("policy rule %s has no case that makes it fire alone", r.ID)
			}
		}
	}
}
