package netstack_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/kmspolicy"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

// TestFlowLogPolicies holds the rendered flow-log key policy and trust
// policy of every committed network to the exact documents, and to the
// guardrails with the network's own flow-log group.
func TestFlowLogPolicies(t *testing.T) {
	for _, s := range networkStacks(t) {
		t.Run(s.Name, func(t *testing.T) {
			r := runStack(t, s)
			group := "arn:aws:logs:eu-west-1:" + pulumimocks.Account + ":log-group:/pgp/" + r.cfg.Environment + "/vpc-flow-logs"

			key, ok := r.mocks.Named(tKey, "network-flow-logs")
			require.True(t, ok)
			actions, err := json.Marshal(kmspolicy.AdminActions)
			require.NoError(t, err)
			assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[
				{"Sid":"KeyAdministration","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":`+string(actions)+`,"Resource":"*"},
				{"Sid":"CloudWatchLogsForTheFlowLogGroup","Effect":"Allow","Principal":{"Service":"logs.eu-west-1.amazonaws.com"},
				 "Action":["kms:Encrypt*","kms:Decrypt*","kms:ReEncrypt*","kms:GenerateDataKey*","kms:Describe*"],"Resource":"*",
				 "Condition":{"ArnEquals":{"kms:EncryptionContext:aws:logs:arn":["`+group+`"]}}}]}`, key.String("policy"))
			require.NoError(t, guardrails.CheckKeyPolicy(key.String("policy"), guardrails.PolicyScope{Account: pulumimocks.Account, LogGroupArns: []string{group}}))
			var v *guardrails.Violation
			err = guardrails.CheckKeyPolicy(key.String("policy"), guardrails.PolicyScope{Account: pulumimocks.Account, LogGroupArns: []string{group + "-other"}})
			require.True(t, errors.As(err, &v), "%v", err)
			assert.Equal(t, "key-policy-logs-scoped", v.Rule)

			role, ok := r.mocks.Named(tRole, "network-flow-logs")
			require.True(t, ok)
			source := "arn:aws:ec2:eu-west-1:" + pulumimocks.Account + ":vpc-flow-log/*"
			assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},
				"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":"`+source+`"}}}]}`,
				role.String("assumeRolePolicy"))
			require.NoError(t, guardrails.CheckTrustPolicy(role.String("assumeRolePolicy"),
				guardrails.PolicyScope{Account: pulumimocks.Account, TrustService: "vpc-flow-logs.amazonaws.com", TrustSourceArn: source}))
		})
	}
}
