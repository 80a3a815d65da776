package guardrails

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
)

// The policy rules read a policy document as it is rendered: the JSON
// string the program passes to the provider (a KMS key policy, a role's
// trust policy), parsed here, never a flag the plan sets about it.

// Statement is one statement of a rendered policy document, with each
// element normalised to lists (IAM accepts a string or a list for each).
type Statement struct {
	Sid    string
	Effect string
	// Principals maps a principal type ("AWS", "Service", ...) to its
	// values; the bare principal "*" is stored as {"*": ["*"]}.
	Principals map[string][]string
	Actions    []string
	NotActions []string
	// Resources and NotResources are the statement's Resource and
	// NotResource elements (an identity policy's; a key or trust policy
	// names none that matter here).
	Resources    []string
	NotResources []string
	// Conditions maps operator -> condition key -> values.
	Conditions map[string]map[string][]string
}

// ParsePolicy parses a rendered policy document.
func ParsePolicy(doc string) ([]Statement, error) {
	var raw struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		return nil, fmt.Errorf("policy document is not JSON: %w", err)
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(raw.Statement, &list); err != nil {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(raw.Statement, &one); err != nil {
			return nil, fmt.Errorf("policy document has no statement list: %w", err)
		}
		list = []map[string]json.RawMessage{one}
	}
	var out []Statement
	for i, m := range list {
		s := Statement{Principals: map[string][]string{}, Conditions: map[string]map[string][]string{}}
		var err error
		if v, ok := m["Sid"]; ok {
			err = json.Unmarshal(v, &s.Sid)
		}
		if v, ok := m["Effect"]; ok && err == nil {
			err = json.Unmarshal(v, &s.Effect)
		}
		if v, ok := m["Principal"]; ok && err == nil {
			s.Principals, err = principals(v)
		}
		if v, ok := m["Action"]; ok && err == nil {
			s.Actions, err = strs(v)
		}
		if v, ok := m["NotAction"]; ok && err == nil {
			s.NotActions, err = strs(v)
		}
		if v, ok := m["Resource"]; ok && err == nil {
			s.Resources, err = strs(v)
		}
		if v, ok := m["NotResource"]; ok && err == nil {
			s.NotResources, err = strs(v)
		}
		if _, ok := m["NotPrincipal"]; ok {
			// A NotPrincipal with Allow grants everyone else: read it as
			// the wildcard it is.
			s.Principals["*"] = []string{"*"}
		}
		if v, ok := m["Condition"]; ok && err == nil {
			var c map[string]map[string]json.RawMessage
			if err = json.Unmarshal(v, &c); err == nil {
				for op, keys := range c {
					s.Conditions[op] = map[string][]string{}
					for k, vals := range keys {
						if s.Conditions[op][k], err = strs(vals); err != nil {
							break
						}
					}
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("policy statement %d: %w", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func principals(v json.RawMessage) (map[string][]string, error) {
	var star string
	if json.Unmarshal(v, &star) == nil {
		return map[string][]string{star: {star}}, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, fmt.Errorf("principal: %w", err)
	}
	out := map[string][]string{}
	for k, raw := range m {
		vals, err := strs(raw)
		if err != nil {
			return nil, fmt.Errorf("principal %s: %w", k, err)
		}
		out[k] = vals
	}
	return out, nil
}

// strs reads a string, a boolean or a list of them as strings.
func strs(v json.RawMessage) ([]string, error) {
	var one any
	if err := json.Unmarshal(v, &one); err != nil {
		return nil, err
	}
	switch x := one.(type) {
	case string:
		return []string{x}, nil
	case bool:
		return []string{fmt.Sprint(x)}, nil
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			switch y := e.(type) {
			case string:
				out = append(out, y)
			case bool:
				out = append(out, fmt.Sprint(y))
			default:
				return nil, fmt.Errorf("value %v is not a string", e)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("value %s is not a string or a list of strings", string(v))
}

// allows reports whether the statement allows action (matching IAM's
// case-insensitive wildcards: "kms:*", "kms:Create*", "*").
func (s Statement) allows(action string) bool {
	if s.Effect != "Allow" {
		return false
	}
	if len(s.NotActions) > 0 {
		return !matchesAny(s.NotActions, action)
	}
	return matchesAny(s.Actions, action)
}

func matchesAny(patterns []string, action string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(action)); ok {
			return true
		}
	}
	return false
}

// wildcardPrincipal returns the first principal value that is or holds a
// wildcard ("*", {"AWS": "*"}, ["arn:...", "*"], "arn:aws:iam::*:root").
func (s Statement) wildcardPrincipal() (string, bool) {
	for typ, vals := range s.Principals {
		for _, v := range vals {
			if typ == "*" || strings.Contains(v, "*") {
				return fmt.Sprintf("%s: %s", typ, v), true
			}
		}
	}
	return "", false
}

// condition returns the values of a condition key under any of the
// operators (with or without the IfExists suffix, which would let a request
// without the key through, so it does not count).
func (s Statement) condition(key string, ops ...string) []string {
	var out []string
	for _, op := range ops {
		for k, vals := range s.Conditions[op] {
			if strings.EqualFold(k, key) {
				out = append(out, vals...)
			}
		}
	}
	return out
}

func (s Statement) name(i int) string {
	if s.Sid != "" {
		return s.Sid
	}
	return fmt.Sprintf("statement %d", i)
}

// PolicyScope is what a rendered policy is checked against: the resources
// of the stack that the policy may name.
type PolicyScope struct {
	// Account is the stack's AWS account id.
	Account string
	// LogGroupArns are the stack's log groups: the only ARNs a CloudWatch
	// Logs statement of a key policy may bind the key to.
	LogGroupArns []string
	// TrustService is the one service a trust policy may name;
	// TrustSourceArn is the aws:SourceArn it must be bound to.
	TrustService   string
	TrustSourceArn string
	// Proxy is what the RDS Proxy role's policy may name
	// (ProxyPolicyRules).
	Proxy ProxyPolicyScope
}

// PolicyRule is one guardrail on a rendered policy document.
type PolicyRule struct {
	// ID names the rule in every refusal and in its table's first column.
	ID string
	// Sources is where the rule comes from (scanner ids, Security Hub
	// controls, issues), in every refusal and in its table.
	Sources string
	// Requirement is what the rule requires, in Markdown: the requirement
	// column of its row in docs/guardrails.md, which is generated from it.
	Requirement string
	check       func([]Statement, PolicyScope) *Violation
}

// cryptoUse are the KMS actions that use a key's material; a principal of
// the account gets them only through a service (kms:ViaService).
var cryptoUse = []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:CreateGrant"}

// KeyPolicyRules are the rules on a rendered KMS key policy.
var KeyPolicyRules = []PolicyRule{
	{
		ID:          "key-policy-named-principals",
		Sources:     "CKV_AWS_33; AWS KMS key policy best practices",
		Requirement: "every Allow names its principals: the account root, roles config names, or a named service; never `*`, `{\"AWS\": \"*\"}`, a list holding `*`, or `NotPrincipal`",
		check: func(sts []Statement, _ PolicyScope) *Violation {
			for i, s := range sts {
				if s.Effect != "Allow" {
					continue
				}
				if p, ok := s.wildcardPrincipal(); ok {
					return &Violation{Key: "keyPolicy " + s.name(i) + " Principal", Value: p, Want: "named principals only: the account root, named roles or a named service; never * or {\"AWS\": \"*\"}"}
				}
			}
			return nil
		},
	},
	{
		ID:          "key-policy-use-via-service",
		Sources:     "AWS KMS kms:ViaService; CKV_AWS_33",
		Requirement: "account principals may encrypt, decrypt, generate data keys or create grants only through a named service (`kms:ViaService`, StringEquals); administration carries none of those actions, so an IAM policy must grant use explicitly",
		check: func(sts []Statement, _ PolicyScope) *Violation {
			// https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
			for i, s := range sts {
				if len(s.Principals["AWS"]) == 0 {
					continue
				}
				for _, a := range cryptoUse {
					if s.allows(a) && len(s.condition("kms:ViaService", "StringEquals")) == 0 {
						return &Violation{Key: "keyPolicy " + s.name(i) + " Action", Value: a, Want: "use of the key by account principals only through a named service (a kms:ViaService condition); administration without Encrypt, Decrypt, GenerateDataKey or CreateGrant"}
					}
				}
			}
			return nil
		},
	},
	{
		ID:          "key-policy-grants-for-aws-resources",
		Sources:     "AWS KMS kms:GrantIsForAWSResource",
		Requirement: "every statement that allows `kms:CreateGrant` (also through `kms:*` or `kms:Create*`) requires `kms:GrantIsForAWSResource` = true",
		check: func(sts []Statement, _ PolicyScope) *Violation {
			// https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource
			for i, s := range sts {
				if !s.allows("kms:CreateGrant") {
					continue
				}
				if v := s.condition("kms:GrantIsForAWSResource", "Bool"); !slices.Equal(v, []string{"true"}) {
					return &Violation{Key: "keyPolicy " + s.name(i) + " Condition", Value: strings.Join(v, ","), Want: "kms:CreateGrant only with Bool kms:GrantIsForAWSResource = true, so grants go to AWS services acting on the stack's resources"}
				}
			}
			return nil
		},
	},
	{
		ID:          "key-policy-logs-scoped",
		Sources:     "CloudWatch Logs encryption context kms:EncryptionContext:aws:logs:arn",
		Requirement: "the CloudWatch Logs statement is bound with `ArnEquals` to the exact ARNs of the stack's own log groups; no pattern",
		check: func(sts []Statement, scope PolicyScope) *Violation {
			// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
			for i, s := range sts {
				logs := false
				for _, svc := range s.Principals["Service"] {
					if strings.HasPrefix(svc, "logs.") {
						logs = true
					}
				}
				if !logs || s.Effect != "Allow" {
					continue
				}
				arns := s.condition("kms:EncryptionContext:aws:logs:arn", "ArnEquals", "StringEquals")
				if len(s.condition("kms:EncryptionContext:aws:logs:arn", "ArnLike", "StringLike")) > 0 || len(arns) == 0 {
					return &Violation{Key: "keyPolicy " + s.name(i) + " Condition", Value: strings.Join(s.condition("kms:EncryptionContext:aws:logs:arn", "ArnLike", "StringLike"), ","), Want: "CloudWatch Logs bound with ArnEquals kms:EncryptionContext:aws:logs:arn to the stack's log groups: " + strings.Join(scope.LogGroupArns, ", ")}
				}
				for _, a := range arns {
					if !slices.Contains(scope.LogGroupArns, a) {
						return &Violation{Key: "keyPolicy " + s.name(i) + " Condition", Value: a, Want: "only the stack's log groups: " + strings.Join(scope.LogGroupArns, ", ")}
					}
				}
			}
			return nil
		},
	},
}

// TrustPolicyRules are the rules on a rendered role trust policy that a
// service assumes on the stack's behalf.
var TrustPolicyRules = []PolicyRule{
	{
		ID:          "trust-named-service",
		Sources:     "IAM confused deputy prevention",
		Requirement: "a service role's trust policy names exactly one service principal (flow logs: `vpc-flow-logs.amazonaws.com`; enhanced monitoring: `monitoring.rds.amazonaws.com`)",
		check: func(sts []Statement, scope PolicyScope) *Violation {
			for i, s := range sts {
				if s.Effect != "Allow" {
					continue
				}
				if p, ok := s.wildcardPrincipal(); ok {
					return &Violation{Key: "assumeRolePolicy " + s.name(i) + " Principal", Value: p, Want: "the service " + scope.TrustService + " only"}
				}
				for typ, vals := range s.Principals {
					if typ != "Service" || !slices.Equal(vals, []string{scope.TrustService}) {
						return &Violation{Key: "assumeRolePolicy " + s.name(i) + " Principal", Value: typ + ": " + strings.Join(vals, ","), Want: "the service " + scope.TrustService + " only"}
					}
				}
			}
			return nil
		},
	},
	{
		ID:          "trust-source-bound",
		Sources:     "IAM confused deputy prevention: aws:SourceArn, aws:SourceAccount",
		Requirement: "the trust is bound with `aws:SourceAccount` to the stack's account and `aws:SourceArn` to the resources that may assume it (flow logs: `arn:<partition>:ec2:<region>:<account>:vpc-flow-log/*`; enhanced monitoring: `arn:<partition>:rds:<region>:<account>:db:<app>-<environment>-????????`, the stack's instance identifiers, one `?` per character of their digest)",
		check: func(sts []Statement, scope PolicyScope) *Violation {
			// https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
			for i, s := range sts {
				if s.Effect != "Allow" {
					continue
				}
				if acct := s.condition("aws:SourceAccount", "StringEquals"); !slices.Equal(acct, []string{scope.Account}) {
					return &Violation{Key: "assumeRolePolicy " + s.name(i) + " Condition aws:SourceAccount", Value: strings.Join(acct, ","), Want: "StringEquals aws:SourceAccount = " + scope.Account}
				}
				if src := s.condition("aws:SourceArn", "ArnLike", "ArnEquals", "StringLike", "StringEquals"); !slices.Equal(src, []string{scope.TrustSourceArn}) {
					return &Violation{Key: "assumeRolePolicy " + s.name(i) + " Condition aws:SourceArn", Value: strings.Join(src, ","), Want: "aws:SourceArn = " + scope.TrustSourceArn}
				}
			}
			return nil
		},
	},
}

// Check applies this one rule to a rendered policy document.
func (r PolicyRule) Check(doc string, scope PolicyScope) error {
	sts, err := ParsePolicy(doc)
	if err != nil {
		return &Violation{Rule: r.ID, Sources: r.Sources, Key: "policy", Value: doc, Want: "a policy document that parses (" + err.Error() + ")"}
	}
	if v := r.check(sts, scope); v != nil {
		v.Rule, v.Sources = r.ID, r.Sources
		return v
	}
	return nil
}

// CheckKeyPolicy returns the first key-policy rule the rendered document
// breaks, as a *Violation.
func CheckKeyPolicy(doc string, scope PolicyScope) error {
	return checkPolicy(KeyPolicyRules, doc, scope)
}

// CheckTrustPolicy returns the first trust-policy rule the rendered
// document breaks, as a *Violation.
func CheckTrustPolicy(doc string, scope PolicyScope) error {
	return checkPolicy(TrustPolicyRules, doc, scope)
}

func checkPolicy(rules []PolicyRule, doc string, scope PolicyScope) error {
	for _, r := range rules {
		if err := r.Check(doc, scope); err != nil {
			return err
		}
	}
	return nil
}
