package postgres

import (
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/tags"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

// TestKeyChecksTheDocumentItDeclares: the key step renders its policy,
// checks that string with the guardrails, and declares the key only when it
// holds. A wildcard administrator (which config validation would refuse
// first) must stop it before any key exists, so the check reads what the
// key would get, not something beside it.
func TestKeyChecksTheDocumentItDeclares(t *testing.T) {
	for _, tc := range []struct {
		name   string
		admins []string
		rule   string
	}{
		{name: "named roles", admins: []string{"arn:aws:iam::123456789012:role/platform-admin"}},
		{name: "wildcard role", admins: []string{"arn:aws:iam::123456789012:role/*"}, rule: "key-policy-named-principals"},
		{name: "everyone", admins: []string{"*"}, rule: "key-policy-named-principals"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := pulumimocks.New()
			var stepErr error
			err := pulumimocks.Run(m, "database", "orders-dev", nil, func(ctx *pulumi.Context) error {
				b := &builder{ctx: ctx, name: "orders-dev", db: &MultiAZ{}, parent: pulumi.Protect(false), args: &Args{
					Spec:      spec.Database{App: "orders", Environment: "dev", Region: "eu-west-1", KeyAdminRoleArns: tc.admins, KeyRotation: true},
					AccountID: pulumimocks.Account,
					Partition: "aws",
					Tags:      tags.New("dev", "dev", "database", "orders-dev", nil),
				}}
				stepErr = b.key()
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			keys := m.OfType("aws:kms/key:Key")
			if tc.rule == "" {
				if stepErr != nil || len(keys) != 1 {
					t.Fatalf("key step = %v, %d keys; want one key", stepErr, len(keys))
				}
				if err := guardrails.CheckKeyPolicy(keys[0].String("policy"), guardrails.PolicyScope{Account: pulumimocks.Account}); err != nil {
					t.Errorf("the declared policy breaks a rule: %v", err)
				}
				return
			}
			var v *guardrails.Violation
			if !errors.As(stepErr, &v) || v.Rule != tc.rule {
				t.Fatalf("key step = %v, want a violation of %s", stepErr, tc.rule)
			}
			if len(keys) != 0 {
				t.Errorf("a key was declared with a policy that breaks %s", tc.rule)
			}
		})
	}
}
