package fakeaws

import (
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
)

// TestOnlyTheDeletesAWSRefusesWhileInUseAreRefused: a topic an alarm
// notifies (SNS DeleteTopic), a KMS key an alias targets (ScheduleKeyDeletion)
// and the policies attached to them delete; a security group is held by an
// instance and by another group's rule, not by its own rule; a VPC by a
// subnet, not by its flow log or default security group; a DB subnet group
// by an instance; an IAM role by a policy attachment.
func TestOnlyTheDeletesAWSRefusesWhileInUseAreRefused(t *testing.T) {
	p, _ := newConfigured(t)
	del := func(typ, name, id string) error {
		_, err := p.Delete(bg, &pulumirpc.DeleteRequest{Urn: urn(typ, name), Type: typ, Id: id})
		return err
	}
	topic, _ := create(t, p, "aws:sns/topic:Topic", "alarms", map[string]any{})
	policy, _ := create(t, p, "aws:sns/topicPolicy:TopicPolicy", "alarms", map[string]any{"arn": topic, "policy": "{}"})
	create(t, p, "aws:cloudwatch/metricAlarm:MetricAlarm", "cpu", map[string]any{"alarmActions": []any{topic}})
	assert.NoError(t, del("aws:sns/topicPolicy:TopicPolicy", "alarms", policy))
	assert.NoError(t, del("aws:sns/topic:Topic", "alarms", topic), "DeleteTopic does not refuse a topic in use")

	key, out := create(t, p, "aws:kms/key:Key", "key", map[string]any{})
	create(t, p, "aws:kms/alias:Alias", "alias", map[string]any{"targetKeyId": out["keyId"].StringValue()})
	kp, _ := create(t, p, "aws:kms/keyPolicy:KeyPolicy", "key-policy", map[string]any{"keyId": key, "policy": "{}"})
	assert.NoError(t, del("aws:kms/keyPolicy:KeyPolicy", "key-policy", kp))
	assert.NoError(t, del("aws:kms/key:Key", "key", key), "ScheduleKeyDeletion does not refuse a key in use")

	const sg = "aws:ec2/securityGroup:SecurityGroup"
	const ingress = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	vpc, _ := create(t, p, "aws:ec2/vpc:Vpc", "vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	create(t, p, "aws:ec2/flowLog:FlowLog", "flow", map[string]any{"vpcId": vpc})
	create(t, p, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", map[string]any{"vpcId": vpc})
	db, _ := create(t, p, sg, "db", map[string]any{"vpcId": vpc})
	app, _ := create(t, p, sg, "app", map[string]any{"vpcId": vpc})
	own, _ := create(t, p, ingress, "own", map[string]any{"securityGroupId": app, "cidrIpv4": "10.0.0.0/16"})
	ref, _ := create(t, p, ingress, "ref", map[string]any{"securityGroupId": db, "referencedSecurityGroupId": app})
	assert.ErrorContains(t, del(sg, "app", app), "(DependencyViolation): "+ingress+" "+ref, "another group's rule holds it")
	assert.NoError(t, del(ingress, "ref", ref))
	assert.NoError(t, del(sg, "app", app), "its own rule does not hold it")
	assert.NoError(t, del(ingress, "own", own))

	subnet, _ := create(t, p, "aws:ec2/subnet:Subnet", "s", map[string]any{"vpcId": vpc, "cidrBlock": "10.0.0.0/24"})
	group, _ := create(t, p, "aws:rds/subnetGroup:SubnetGroup", "g", map[string]any{"subnetIds": []any{subnet}})
	instance, _ := create(t, p, "aws:rds/instance:Instance", "i", map[string]any{
		"identifier": "i", "skipFinalSnapshot": true, "dbSubnetGroupName": group, "vpcSecurityGroupIds": []any{db}})
	assert.ErrorContains(t, del("aws:rds/subnetGroup:SubnetGroup", "g", group), "(InvalidDBSubnetGroupStateFault)")
	assert.ErrorContains(t, del(sg, "db", db), "(DependencyViolation): aws:rds/instance:Instance "+instance)
	assert.NoError(t, del("aws:rds/instance:Instance", "i", instance))
	assert.NoError(t, del("aws:rds/subnetGroup:SubnetGroup", "g", group))
	assert.NoError(t, del(sg, "db", db))
	assert.ErrorContains(t, del("aws:ec2/vpc:Vpc", "vpc", vpc), "(DependencyViolation): aws:ec2/subnet:Subnet "+subnet)
	assert.NoError(t, del("aws:ec2/subnet:Subnet", "s", subnet))
	assert.NoError(t, del("aws:ec2/vpc:Vpc", "vpc", vpc), "the flow log and the default security group go with it")

	role, _ := create(t, p, "aws:iam/role:Role", "role", map[string]any{"assumeRolePolicy": "{}"})
	att, _ := create(t, p, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "att",
		map[string]any{"role": role, "policyArn": "arn:aws:iam::aws:policy/x"})
	assert.ErrorContains(t, del("aws:iam/role:Role", "role", role), "(DeleteConflict)")
	assert.NoError(t, del("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "att", att))
	assert.NoError(t, del("aws:iam/role:Role", "role", role))
}
