package guardrails_test

import (
	"testing"

	"github.com/pgplatform/platform/shared/guardrails"
)

const (
	proxySecret = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b-AbCdEf"
	proxyKey    = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

var proxyScope = guardrails.ProxyPolicyScope{SecretArn: proxySecret, KeyArn: proxyKey, Region: "eu-west-1"}

// goodProxyPolicy is the proxy role's policy, written out by hand the way
// AWS documents it (rds-proxy-iam-setup) for orders-prod's secret and key.
func goodProxyPolicy() []doc {
	return []doc{
		{"Sid": "ReadMasterSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": proxySecret},
		{"Sid": "DecryptThroughSecretsManager", "Effect": "Allow", "Action": []any{"kms:Decrypt"}, "Resource": []any{proxyKey},
			"Condition": doc{"StringEquals": doc{"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}},
	}
}

var proxyPolicyCases = []policyCase{
	{name: "good proxy policy"},
	{name: "a Deny of everything else", mutate: func(sts []doc) []doc {
		return append(sts, doc{"Effect": "Deny", "NotAction": "secretsmanager:GetSecretValue", "Resource": "*"})
	}},
	{name: "actions in another case", mutate: func(sts []doc) []doc {
		sts[0]["Action"] = "SecretsManager:getSecretValue"
		return sts
	}},
	// proxy-role-secret-scoped
	{name: "every secret of the account", rule: "proxy-role-secret-scoped", mutate: func(sts []doc) []doc {
		sts[0]["Resource"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:*"
		return sts
	}},
	{name: "another stack's secret too", rule: "proxy-role-secret-scoped", mutate: func(sts []doc) []doc {
		sts[0]["Resource"] = []any{proxySecret, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-other-XyZ123"}
		return sts
	}},
	{name: "decrypt with every key", rule: "proxy-role-secret-scoped", mutate: func(sts []doc) []doc {
		sts[1]["Resource"] = "*"
		return sts
	}},
	{name: "a wildcard secrets action", rule: "proxy-role-secret-scoped", mutate: func(sts []doc) []doc {
		sts[0]["Action"] = "secretsmanager:Get*"
		return sts
	}},
	{name: "another secrets action", rule: "proxy-role-secret-scoped", mutate: func(sts []doc) []doc {
		sts[0]["Action"] = []any{"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"}
		return sts
	}},
	{name: "both actions on both resources", rule: "proxy-role-secret-scoped", mutate: func(sts []doc) []doc {
		sts[1]["Action"] = []any{"kms:Decrypt", "secretsmanager:GetSecretValue"}
		sts[1]["Resource"] = []any{proxyKey, proxySecret}
		return sts[1:]
	}},
	{name: "NotAction", rule: "proxy-role-secret-scoped", also: []string{"proxy-role-decrypt-via-secrets-manager"}, mutate: func(sts []doc) []doc {
		delete(sts[0], "Action")
		sts[0]["NotAction"] = "iam:*" // allows kms:Decrypt too, with no condition
		return sts
	}},
	{name: "NotResource", rule: "proxy-role-secret-scoped", mutate: func(sts []doc) []doc {
		delete(sts[0], "Resource")
		sts[0]["NotResource"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-*"
		return sts
	}},
	{name: "no decrypt", rule: "proxy-role-secret-scoped", mutate: func(sts []doc) []doc { return sts[:1] }},
	{name: "no secret", rule: "proxy-role-secret-scoped", mutate: func(sts []doc) []doc { return sts[1:] }},
	{name: "kms:* with the key", rule: "proxy-role-secret-scoped", also: []string{"proxy-role-decrypt-via-secrets-manager"}, mutate: func(sts []doc) []doc {
		sts[1]["Action"] = "kms:*"
		delete(sts[1], "Condition")
		return sts
	}},
	// proxy-role-decrypt-via-secrets-manager
	{name: "decrypt without a service", rule: "proxy-role-decrypt-via-secrets-manager", mutate: func(sts []doc) []doc {
		delete(sts[1], "Condition")
		return sts
	}},
	{name: "decrypt through another service", rule: "proxy-role-decrypt-via-secrets-manager", mutate: func(sts []doc) []doc {
		sts[1]["Condition"] = doc{"StringEquals": doc{"kms:ViaService": "rds.eu-west-1.amazonaws.com"}}
		return sts
	}},
	{name: "decrypt through Secrets Manager of another region", rule: "proxy-role-decrypt-via-secrets-manager", mutate: func(sts []doc) []doc {
		sts[1]["Condition"] = doc{"StringEquals": doc{"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
		return sts
	}},
	{name: "decrypt through any service that matches a pattern", rule: "proxy-role-decrypt-via-secrets-manager", mutate: func(sts []doc) []doc {
		sts[1]["Condition"] = doc{"StringLike": doc{"kms:ViaService": "secretsmanager.*.amazonaws.com"}}
		return sts
	}},
	{name: "decrypt when the service is absent", rule: "proxy-role-decrypt-via-secrets-manager", mutate: func(sts []doc) []doc {
		sts[1]["Condition"] = doc{"StringEqualsIfExists": doc{"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}
		return sts
	}},
}

func TestProxyPolicyRules(t *testing.T) {
	for _, tc := range proxyPolicyCases {
		t.Run(tc.name, func(t *testing.T) {
			sts := goodProxyPolicy()
			if tc.mutate != nil {
				sts = tc.mutate(sts)
			}
			policy := render(t, sts)
			var fired []string
			for _, r := range guardrails.ProxyPolicyRules {
				if r.Check(policy, guardrails.PolicyScope{Proxy: proxyScope}) != nil {
					fired = append(fired, r.ID)
				}
			}
			err := guardrails.CheckProxyPolicy(policy, proxyScope)
			if tc.rule == "" {
				if len(fired) > 0 || err != nil {
					t.Fatalf("rules %v fire (%v) on a policy that should hold: %s", fired, err, policy)
				}
				return
			}
			if want := append([]string{tc.rule}, tc.also...); !sameSet(fired, want) {
				t.Fatalf("rules %v fire, want exactly %v: %s", fired, want, policy)
			}
			var v *guardrails.Violation
			if !asViolation(err, &v) || v.Rule != fired[0] || v.Sources == "" || v.Want == "" {
				t.Errorf("CheckProxyPolicy = %v, want a violation of %s", err, tc.rule)
			}
		})
	}
}

// TestProxyPolicyOfAnotherStack: a policy right for one stack's secret and
// key is refused for another's.
func TestProxyPolicyOfAnotherStack(t *testing.T) {
	policy := render(t, goodProxyPolicy())
	other := proxyScope
	other.SecretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-other-XyZ123"
	if err := guardrails.CheckProxyPolicy(policy, other); err == nil {
		t.Error("the policy of orders-prod's secret passes for another secret")
	}
	other = proxyScope
	other.Region = "eu-central-1"
	if err := guardrails.CheckProxyPolicy(policy, other); err == nil {
		t.Error("the policy bound to eu-west-1's Secrets Manager passes for eu-central-1")
	}
	if err := guardrails.CheckProxyPolicy("{", proxyScope); err == nil {
		t.Error("a policy that does not parse passes")
	}
}
