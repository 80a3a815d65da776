package dbstack_test

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/testsupport/committed"
)

const adminActions = `["kms:CreateAlias","kms:DeleteAlias","kms:UpdateAlias","kms:DescribeKey","kms:GetKeyPolicy","kms:PutKeyPolicy","kms:GetKeyRotationStatus",
	"kms:EnableKeyRotation","kms:DisableKeyRotation","kms:RotateKeyOnDemand","kms:ListKeyRotations","kms:EnableKey","kms:DisableKey","kms:UpdateKeyDescription",
	"kms:ListResourceTags","kms:TagResource","kms:UntagResource","kms:ListGrants","kms:RevokeGrant","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"]`

// wantKeyPolicy is the full key policy of a stack in the mocks' account
// (123456789012, eu-west-1), written out by hand: %[1]s is the instance
// or cluster identifier, %[2]s the administrators after the root, %[3]s
// the shape's log group path ("instance" or "cluster": RDS publishes to
// /aws/rds/<shape>/<identifier>/<log>).
const wantKeyPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"KeyAdministration","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root"%[2]s]},"Action":` + adminActions + `,"Resource":"*"},
 {"Sid":"RdsUseForThisAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},
  "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",
  "Condition":{"StringEquals":{"kms:ViaService":"rds.eu-west-1.amazonaws.com","kms:CallerAccount":"123456789012"}}},
 {"Sid":"RdsGrantsForAwsResources","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},
  "Action":"kms:CreateGrant","Resource":"*",
  "Condition":{"StringEquals":{"kms:ViaService":"rds.eu-west-1.amazonaws.com","kms:CallerAccount":"123456789012"},"Bool":{"kms:GrantIsForAWSResource":"true"}}},
 {"Sid":"SecretsManagerForThisAccountsSecrets","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},
  "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",
  "Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com","kms:CallerAccount":"123456789012"},
   "ArnLike":{"kms:EncryptionContext:SecretARN":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:*"}}},
 {"Sid":"CloudWatchLogsForThisInstance","Effect":"Allow","Principal":{"Service":"logs.eu-west-1.amazonaws.com"},
  "Action":["kms:Encrypt*","kms:Decrypt*","kms:ReEncrypt*","kms:GenerateDataKey*","kms:Describe*"],"Resource":"*",
  "Condition":{"ArnEquals":{"kms:EncryptionContext:aws:logs:arn":[
   "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/%[3]s/%[1]s/postgresql",
   "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/%[3]s/%[1]s/upgrade"]}}},
 {"Sid":"AlarmAndEventPublishers","Effect":"Allow","Principal":{"Service":["cloudwatch.amazonaws.com","events.rds.amazonaws.com"]},
  "Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*",
  "Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}
]}`

// wantTopicPolicy: %[1]s is the stack's base name, %[2]s the instance
// identifier; the ARNs are the mocks'.
const wantTopicPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"ThisStacksAlarms","Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish",
  "Resource":"arn:aws:sns:eu-west-1:123456789012:%[1]s-alarms-id",
  "Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":[
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-cpu-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-free-storage-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-freeable-memory-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-connections-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-read-latency-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-write-latency-id"]}}},
 {"Sid":"ThisStacksRdsEvents","Effect":"Allow","Principal":{"Service":"events.rds.amazonaws.com"},"Action":"sns:Publish",
  "Resource":"arn:aws:sns:eu-west-1:123456789012:%[1]s-alarms-id",
  "Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":[
   "arn:aws:rds:eu-west-1:123456789012:%[2]s",
   "arn:aws:rds:eu-west-1:123456789012:%[1]s-params-postgres16-id",
   "arn:aws:rds:eu-west-1:123456789012:secgrp:*"]}}}
]}`

// wantClusterTopicPolicy is wantTopicPolicy for a Multi-AZ DB cluster:
// %[1]s is the stack's base name, %[2]s the cluster identifier. Its alarms
// add replica lag; RDS publishes the cluster's events, its three DB
// instances' (named <cluster>-instance-<n>), and the account's DB
// parameter groups' (a cluster has none of its own) and security groups'.
const wantClusterTopicPolicy = `{"Version":"2012-10-17","Statement":[
 {"Sid":"ThisStacksAlarms","Effect":"Allow","Principal":{"Service":"cloudwatch.amazonaws.com"},"Action":"sns:Publish",
  "Resource":"arn:aws:sns:eu-west-1:123456789012:%[1]s-alarms-id",
  "Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":[
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-cpu-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-free-storage-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-freeable-memory-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-connections-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-read-latency-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-write-latency-id",
   "arn:aws:cloudwatch:eu-west-1:123456789012:%[1]s-alarm-replica-lag-id"]}}},
 {"Sid":"ThisStacksRdsEvents","Effect":"Allow","Principal":{"Service":"events.rds.amazonaws.com"},"Action":"sns:Publish",
  "Resource":"arn:aws:sns:eu-west-1:123456789012:%[1]s-alarms-id",
  "Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"ArnLike":{"aws:SourceArn":[
   "arn:aws:rds:eu-west-1:123456789012:%[2]s",
   "arn:aws:rds:eu-west-1:123456789012:db:%[2]s-instance-1",
   "arn:aws:rds:eu-west-1:123456789012:db:%[2]s-instance-2",
   "arn:aws:rds:eu-west-1:123456789012:db:%[2]s-instance-3",
   "arn:aws:rds:eu-west-1:123456789012:pg:*",
   "arn:aws:rds:eu-west-1:123456789012:secgrp:*"]}}}
]}`

// TestKeyPolicies holds every committed stack's rendered key policies, the
// bootstrap one the key is created with and the full one the KeyPolicy
// puts, to the exact documents above, and to the guardrails with the
// stack's own log groups.
func TestKeyPolicies(t *testing.T) {
	for _, s := range committed.Of(t, "database") {
		t.Run(s.Name, func(t *testing.T) {
			r := runDatabase(t, s, s.Config)
			require.NoError(t, r.err)
			_, id := r.database(t)
			shape := string(r.cfg.Deployment)
			key := r.one(t, tKey)

			boot := key.String("policy")
			assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Sid":"KeyAdministration","Effect":"Allow",
				"Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":`+adminActions+`,"Resource":"*"}]}`, boot)
			assert.Contains(t, key.IgnoreChanges, "policy", "a refresh must not make the key put its bootstrap policy back")
			require.NoError(t, guardrails.CheckKeyPolicy(boot, guardrails.PolicyScope{Account: "123456789012"}))

			kp := r.one(t, tKeyPolicy)
			full := kp.String("policy")
			assert.JSONEq(t, fmt.Sprintf(wantKeyPolicy, id, "", shape), full)
			logs := []string{
				"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/" + shape + "/" + id + "/postgresql",
				"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/rds/" + shape + "/" + id + "/upgrade",
			}
			require.NoError(t, guardrails.CheckKeyPolicy(full, guardrails.PolicyScope{Account: "123456789012", LogGroupArns: logs}))
			// Another stack's log groups are not this policy's.
			var v *guardrails.Violation
			err := guardrails.CheckKeyPolicy(full, guardrails.PolicyScope{Account: "123456789012", LogGroupArns: logs[:1]})
			require.True(t, errors.As(err, &v), "%v", err)
			assert.Equal(t, "key-policy-logs-scoped", v.Rule)

			// The log groups, and through them the instance or cluster,
			// wait for the full policy.
			for _, g := range r.mocks.OfType(tLogGroup) {
				assert.Contains(t, g.Dependencies, "urn:pulumi:"+s.Name+"::database::pgplatform:database:MultiAZPostgres$"+tKeyPolicy+"::"+kp.Name)
			}
		})
	}
}

func TestKeyAdministrators(t *testing.T) {
	s := committed.Named(t, "database", "orders-dev")
	cfg := maps.Clone(s.Config)
	cfg["database:keyAdminRoleArns"] = `["arn:aws:iam::123456789012:role/platform-admin","arn:aws:iam::123456789012:role/teams/dba"]`
	r := runDatabase(t, s, cfg)
	require.NoError(t, r.err)
	id := r.one(t, tInstance).String("identifier")
	admins := `,"arn:aws:iam::123456789012:role/platform-admin","arn:aws:iam::123456789012:role/teams/dba"`
	assert.JSONEq(t, fmt.Sprintf(wantKeyPolicy, id, admins, "instance"), r.one(t, tKeyPolicy).String("policy"))
	assert.Contains(t, r.one(t, tKey).String("policy"), "arn:aws:iam::123456789012:role/teams/dba", "administrators from the start")

	// A role of the pinned account that is not the account the stack runs
	// in is refused before anything is declared.
	p := committed.Named(t, "database", "orders-prod")
	cfg = maps.Clone(p.Config)
	cfg["database:keyAdminRoleArns"] = `["arn:aws:iam::111122223333:role/platform-admin"]`
	r = runDatabase(t, p, cfg)
	var ce *config.Error
	require.True(t, errors.As(r.err, &ce), "%v", r.err)
	assert.Equal(t, "database:keyAdminRoleArns", ce.Key)
	assert.Equal(t, "arn:aws:iam::111122223333:role/platform-admin", ce.Value)
	assert.Contains(t, ce.Allowed, "arn:aws:iam::123456789012:role/")
	assert.Empty(t, declared(r.mocks))
}

func TestTopicPolicyAndSubscriptions(t *testing.T) {
	for _, s := range committed.Of(t, "database") {
		t.Run(s.Name, func(t *testing.T) {
			r := runDatabase(t, s, s.Config)
			require.NoError(t, r.err)
			_, id := r.database(t)
			pol := r.one(t, tTopicPol)
			want := wantTopicPolicy
			if r.cfg.Cluster() {
				want = wantClusterTopicPolicy
			}
			assert.JSONEq(t, fmt.Sprintf(want, s.Name, id), pol.String("policy"))
			for _, ev := range r.mocks.OfType(tEvents) {
				assert.Contains(t, ev.Dependencies, "urn:pulumi:"+s.Name+"::database::pgplatform:database:MultiAZPostgres$"+tTopicPol+"::"+pol.Name,
					"event subscription %s must wait for the topic policy", ev.Name)
			}
		})
	}

	// A dev stack may add subscribers of every protocol; each is one
	// subscription named by its protocol and endpoint.
	s := committed.Named(t, "database", "orders-dev")
	cfg := maps.Clone(s.Config)
	cfg["database:alarmSubscriptions"] = `[{"protocol":"email","endpoint":"orders-oncall@example.com"},{"protocol":"https","endpoint":"https://events.example.com/rds"}]`
	r := runDatabase(t, s, cfg)
	require.NoError(t, r.err)
	got := map[string]string{}
	for _, sub := range r.mocks.OfType(tTopicSub) {
		got[sub.String("protocol")] = sub.String("endpoint")
		assert.True(t, strings.HasPrefix(sub.Name, "orders-dev-alarms-to-"), sub.Name)
		assert.Equal(t, "arn:aws:sns:eu-west-1:123456789012:orders-dev-alarms-id", sub.String("topic"))
	}
	assert.Equal(t, map[string]string{"email": "orders-oncall@example.com", "https": "https://events.example.com/rds"}, got)
}

// TestProdNeedsAnAlarmSubscriber: a prod stack without a subscriber stops
// before anything is declared, naming the rule and the key.
func TestProdNeedsAnAlarmSubscriber(t *testing.T) {
	for _, s := range committed.Of(t, "database") {
		if s.Tier != "prod" {
			continue
		}
		t.Run(s.Name, func(t *testing.T) {
			cfg := maps.Clone(s.Config)
			for k := range cfg {
				if strings.HasPrefix(k, "database:alarmSubscriptions") {
					delete(cfg, k)
				}
			}
			r := runDatabase(t, s, cfg)
			var v *guardrails.Violation
			require.True(t, errors.As(r.err, &v), "%v", r.err)
			assert.Equal(t, "alarm-subscribers", v.Rule)
			assert.Equal(t, "database:alarmSubscriptions", v.Key)
			assert.Empty(t, declared(r.mocks))
		})
	}
}
