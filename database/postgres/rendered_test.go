package postgres

import (
	"errors"
	"path"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/naming"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/tags"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

// runSteps runs builder steps for orders-dev in the mocks' account with
// the given plan and returns what they declared and the steps' error.
func runSteps(t *testing.T, plan spec.Database, steps func(b *builder) error) (*pulumimocks.Mocks, error) {
	t.Helper()
	plan.App, plan.Environment, plan.Region = "orders", "dev", "eu-west-1"
	m := pulumimocks.New()
	var stepErr error
	err := pulumimocks.Run(m, "database", "orders-dev", nil, func(ctx *pulumi.Context) error {
		b := &builder{ctx: ctx, name: "orders-dev", db: &MultiAZ{}, parent: pulumi.Protect(false), args: &Args{
			Spec: plan,
			Network: contract.Network{
				VpcID:             pulumi.String("vpc-1").ToStringOutput(),
				DatabaseSubnetIDs: pulumi.ToStringArray([]string{"subnet-a", "subnet-b"}).ToStringArrayOutput(),
			},
			AccountID: pulumimocks.Account,
			Partition: "aws",
			Tags:      tags.New("dev", "dev", "database", "orders-dev", nil),
		}}
		stepErr = steps(b)
		return nil
	})
	require.NoError(t, err)
	return m, stepErr
}

func ruleByID(t *testing.T, id string) guardrails.Rule {
	t.Helper()
	for _, r := range guardrails.DatabaseRules {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no database rule %s", id)
	return guardrails.Rule{}
}

// keyRefs are the key references a plan may give: the stack's key, none,
// the AWS-managed key by alias, and another customer key.
var keyRefs = []struct {
	name, ref string
	// want is the input the resource gets; "stack" stands for the stack
	// key's ARN, "" for no input.
	want string
}{
	{"the stack's key", guardrails.StackKey, "stack"},
	{"no key", "", ""},
	{"the AWS-managed key", "alias/aws/sns", "alias/aws/sns"},
	{"another key", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
}

// TestTopicKeyIsTheOneTheRuleChecked: the alarm topic's kmsMasterKeyId is
// the plan's key reference as the event-subscriptions rule read it, and
// the rule holds exactly when that input is the stack key's ARN.
func TestTopicKeyIsTheOneTheRuleChecked(t *testing.T) {
	rule := ruleByID(t, "event-subscriptions")
	for _, tc := range keyRefs {
		t.Run(tc.name, func(t *testing.T) {
			plan := spec.Database{KeyRotation: true, EventSubscriptions: guardrails.RequiredEventSubscriptions, TopicKmsMasterKeyID: tc.ref}
			m, err := runSteps(t, plan, func(b *builder) error {
				if err := b.key(); err != nil {
					return err
				}
				return b.topic()
			})
			require.NoError(t, err)
			keyArn := m.OfType("aws:kms/key:Key")[0].ID
			topics := m.OfType("aws:sns/topic:Topic")
			require.Len(t, topics, 1)
			got := topics[0].String("kmsMasterKeyId")
			assertKeyInput(t, got, tc.want, keyArn)
			holds := rule.Check(plan) == nil
			assert.Equal(t, got != "" && got == stackArn(keyArn), holds, "rule holds = %v for kmsMasterKeyId %q", holds, got)
		})
	}
}

// TestLogGroupKeyIsTheOneTheRuleChecked: each log group's kmsKeyId is the
// plan's key reference as the logs-to-cloudwatch rule read it, and the
// rule holds exactly when that input is the stack key's ARN.
func TestLogGroupKeyIsTheOneTheRuleChecked(t *testing.T) {
	rule := ruleByID(t, "logs-to-cloudwatch")
	for _, tc := range keyRefs {
		t.Run(tc.name, func(t *testing.T) {
			plan := spec.Database{
				KeyRotation:           true,
				Instance:              spec.Instance{Engine: "postgres", LogExports: []string{"postgresql", "upgrade"}},
				LogGroupRetentionDays: 30,
				LogGroupKmsKeyID:      tc.ref,
			}
			m, err := runSteps(t, plan, func(b *builder) error {
				for _, step := range []func() error{b.key, b.subnetGroup, b.keyPolicy, b.logGroups} {
					if err := step(); err != nil {
						return err
					}
				}
				return nil
			})
			require.NoError(t, err)
			keyArn := m.OfType("aws:kms/key:Key")[0].ID
			groups := m.OfType("aws:cloudwatch/logGroup:LogGroup")
			require.Len(t, groups, 2)
			holds := rule.Check(plan) == nil
			for _, g := range groups {
				got := g.String("kmsKeyId")
				assertKeyInput(t, got, tc.want, keyArn)
				assert.Equal(t, got != "" && got == stackArn(keyArn), holds, "rule holds = %v for %s kmsKeyId %q", holds, g.Name, got)
			}
		})
	}
}

// TestInstanceKeysAreTheOnesTheRulesChecked: the instance's kmsKeyId,
// masterUserSecretKmsKeyId and performanceInsightsKmsKeyId are the plan's
// key references as the encrypted-customer-key, managed-master-password
// and performance-insights rules read them, and each rule holds exactly
// when its input is the stack key's ARN.
func TestInstanceKeysAreTheOnesTheRulesChecked(t *testing.T) {
	inputs := map[string]string{
		"encrypted-customer-key":  "kmsKeyId",
		"managed-master-password": "masterUserSecretKmsKeyId",
		"performance-insights":    "performanceInsightsKmsKeyId",
	}
	for _, tc := range keyRefs {
		t.Run(tc.name, func(t *testing.T) {
			plan := spec.Database{
				KeyRotation: true,
				Instance: spec.Instance{
					Engine: "postgres", EngineVersion: "16", InstanceClass: "db.t4g.micro", StorageType: "gp3",
					StorageEncrypted: true, KmsKeyID: tc.ref,
					ManageMasterUserPassword: true, MasterUserSecretKmsKeyID: tc.ref, MasterUsername: "orders_admin",
					MonitoringInterval: 60, PerformanceInsights: true, PerformanceInsightsKmsKeyID: tc.ref, PerformanceInsightsRetentionDays: 7,
					LogExports: []string{"postgresql", "upgrade"},
				},
				LogGroupRetentionDays:  7,
				LogGroupKmsKeyID:       guardrails.StackKey,
				ParameterFamily:        "postgres16",
				MonitoringTrustService: guardrails.MonitoringService,
				MonitoringPolicy:       "service-role/AmazonRDSEnhancedMonitoringRole",
			}
			m, err := runSteps(t, plan, func(b *builder) error {
				for _, step := range []func() error{b.key, b.subnetGroup, b.keyPolicy, b.securityGroup, b.monitoringRole, b.parameterGroup, b.instance} {
					if err := step(); err != nil {
						return err
					}
				}
				return nil
			})
			require.NoError(t, err)
			keyArn := m.OfType("aws:kms/key:Key")[0].ID
			instances := m.OfType("aws:rds/instance:Instance")
			require.Len(t, instances, 1)
			for id, input := range inputs {
				got := instances[0].String(input)
				assertKeyInput(t, got, tc.want, keyArn)
				holds := ruleByID(t, id).Check(plan) == nil
				assert.Equal(t, got != "" && got == stackArn(keyArn), holds, "%s holds = %v for %s %q", id, holds, input, got)
			}
		})
	}
}

// stackArn is the stack key's ARN as the mocks serve it.
func stackArn(keyID string) string { return "arn:aws:kms:eu-west-1:123456789012:" + keyID }

func assertKeyInput(t *testing.T, got, want, keyID string) {
	t.Helper()
	if want == "stack" {
		want = stackArn(keyID)
	}
	assert.Equal(t, want, got)
}

// TestMonitoringRoleChecksTheTrustItDeclares: the monitoring role's trust
// policy is rendered once, checked with the trust rules, and the role gets
// that very document; one that breaks a rule stops the step before any
// role exists.
func TestMonitoringRoleChecksTheTrustItDeclares(t *testing.T) {
	const source = "arn:aws:rds:eu-west-1:123456789012:db:orders-dev-????????"
	for _, tc := range []struct {
		name, service, rule string
	}{
		{name: "the monitoring service", service: "monitoring.rds.amazonaws.com"},
		{name: "EC2", service: "ec2.amazonaws.com", rule: "trust-named-service"},
		{name: "any service", service: "*", rule: "trust-named-service"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan := spec.Database{MonitoringTrustService: tc.service, MonitoringPolicy: "service-role/AmazonRDSEnhancedMonitoringRole"}
			m, err := runSteps(t, plan, func(b *builder) error { return b.monitoringRole() })
			roles := m.OfType("aws:iam/role:Role")
			if tc.rule != "" {
				var v *guardrails.Violation
				if !errors.As(err, &v) || v.Rule != tc.rule {
					t.Fatalf("monitoring role step = %v, want a violation of %s", err, tc.rule)
				}
				assert.Empty(t, roles, "a role was declared with a trust that breaks %s", tc.rule)
				return
			}
			require.NoError(t, err)
			require.Len(t, roles, 1)
			trust := roles[0].String("assumeRolePolicy")
			assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
				"Principal":{"Service":"monitoring.rds.amazonaws.com"},"Action":"sts:AssumeRole",
				"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},
				"StringLike":{"aws:SourceArn":"`+source+`"}}}]}`, trust)
			require.NoError(t, guardrails.CheckTrustPolicy(trust, guardrails.PolicyScope{
				Account: pulumimocks.Account, TrustService: "monitoring.rds.amazonaws.com", TrustSourceArn: source}))
		})
	}
}

// TestMonitoringSourceMatchesTheStacksInstances: the trust's aws:SourceArn
// pattern matches the ARN of every identifier naming.InstanceIdentifier
// gives this stack, and no instance of another stack. IAM's StringLike
// matches * and ? as path.Match does on a string without "/".
func TestMonitoringSourceMatchesTheStacksInstances(t *testing.T) {
	pattern := monitoringSourceArn("aws", "eu-west-1", "123456789012", "orders", "dev")
	arn := func(id string) string { return "arn:aws:rds:eu-west-1:123456789012:db:" + id }
	for _, inputs := range [][]string{{"postgres", "orders", "orders_admin", "true", "arn:aws:kms:eu-west-1:123456789012:key/a", "sg-1"}, {"postgres", "orders", "orders_admin", "true", "arn:aws:kms:eu-west-1:123456789012:key/b", "sg-2"}} {
		id, err := naming.InstanceIdentifier("orders", "dev", inputs...)
		require.NoError(t, err)
		ok, err := path.Match(pattern, arn(id))
		require.NoError(t, err)
		assert.True(t, ok, "%s does not match %s", pattern, arn(id))
	}
	for _, other := range []string{
		arn("orders-staging-1a2b3c4d"),
		arn("payments-dev-1a2b3c4d"),
		arn("orders-dev-1a2b3c4d-replica"),
		"arn:aws:rds:eu-west-1:210987654321:db:orders-dev-1a2b3c4d",
		"arn:aws:rds:us-east-1:123456789012:db:orders-dev-1a2b3c4d",
		"arn:aws:rds:eu-west-1:123456789012:cluster:orders-dev-1a2b3c4d",
	} {
		ok, err := path.Match(pattern, other)
		require.NoError(t, err)
		assert.False(t, ok, "%s matches %s", pattern, other)
	}
}
