package fakeaws

import (
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
)

// TestAttachedPolicyDeletesWhileItsResourceIsInUse: a topic policy takes the
// topic's ARN as its ID and a key policy the key's ID, so an alarm that
// notifies the topic, or an alias of the key, mentions that ID; they use the
// topic or the key, not the policy, whose delete only restores the default
// policy. The topic itself is still refused while an alarm uses it.
func TestAttachedPolicyDeletesWhileItsResourceIsInUse(t *testing.T) {
	p, _ := newConfigured(t)
	del := func(typ, name, id string) error {
		_, err := p.Delete(bg, &pulumirpc.DeleteRequest{Urn: urn(typ, name), Type: typ, Id: id})
		return err
	}
	topic, _ := create(t, p, "aws:sns/topic:Topic", "alarms", map[string]any{})
	policy, _ := create(t, p, "aws:sns/topicPolicy:TopicPolicy", "alarms", map[string]any{"arn": topic, "policy": "{}"})
	assert.Equal(t, topic, policy, "a topic policy's ID is its topic's ARN")
	create(t, p, "aws:cloudwatch/metricAlarm:MetricAlarm", "cpu", map[string]any{"alarmActions": []any{topic}})
	assert.NoError(t, del("aws:sns/topicPolicy:TopicPolicy", "alarms", policy))
	assert.ErrorContains(t, del("aws:sns/topic:Topic", "alarms", topic), "DependencyViolation", "the topic an alarm notifies stays")

	key, out := create(t, p, "aws:kms/key:Key", "key", map[string]any{})
	create(t, p, "aws:kms/alias:Alias", "alias", map[string]any{"targetKeyId": out["keyId"].StringValue()})
	kp, _ := create(t, p, "aws:kms/keyPolicy:KeyPolicy", "key-policy", map[string]any{"keyId": key, "policy": "{}"})
	assert.Equal(t, key, kp, "a key policy's ID is its key's")
	assert.NoError(t, del("aws:kms/keyPolicy:KeyPolicy", "key-policy", kp))
}
