package postgres

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/naming"
)

// topic declares the alarm topic, encrypted with the key the plan names
// (the reference the event-subscriptions guardrail checked), and one
// subscription per
// subscriber of the plan (the list the alarm-subscribers guardrail
// checked), each named by a digest of its protocol and endpoint so that
// reordering the config replaces nothing.
func (b *builder) topic() error {
	var err error
	b.db.AlarmTopic, err = sns.NewTopic(b.ctx, b.child("alarms"), &sns.TopicArgs{
		DisplayName:    pulumi.Sprintf("PostgreSQL %s alarms and events", b.name),
		KmsMasterKeyId: b.keyInput(b.args.Spec.TopicKmsMasterKeyID),
		Tags:           b.args.Tags.Named(b.name),
	}, b.parent)
	if err != nil {
		return err
	}
	for _, s := range b.args.Spec.AlarmSubscriptions {
		sub, err := sns.NewTopicSubscription(b.ctx, b.child("alarms-to-"+naming.Digest(s.Protocol, s.Endpoint)), &sns.TopicSubscriptionArgs{
			Topic:    b.db.AlarmTopic.Arn,
			Protocol: pulumi.String(s.Protocol),
			Endpoint: pulumi.String(s.Endpoint),
		}, b.parent)
		if err != nil {
			return fmt.Errorf("subscription %s: %w", s.Protocol, err)
		}
		b.db.Subscriptions = append(b.db.Subscriptions, sub)
	}
	return nil
}

// topicPolicy lets this stack's alarms and RDS event sources, and only
// them, publish to the alarm topic. It is declared after the alarms, whose
// ARNs it names; the event subscriptions wait for it.
func (b *builder) topicPolicy() error {
	var alarmArns []any
	for _, a := range b.db.Alarms {
		alarmArns = append(alarmArns, a.Arn)
	}
	inputs := append([]any{b.db.AlarmTopic.Arn, b.eventSourceArns()}, alarmArns...)
	policy := pulumi.All(inputs...).ApplyT(func(v []any) (string, error) {
		topicArn, _ := v[0].(string)
		sources, _ := v[1].([]string)
		var alarms []string
		for _, a := range v[2:] {
			s, _ := a.(string)
			alarms = append(alarms, s)
		}
		return topicPolicy(topicArn, b.args.AccountID, alarms, sources)
	}).(pulumi.StringOutput)
	var err error
	b.db.TopicPolicy, err = sns.NewTopicPolicy(b.ctx, b.child("alarms"), &sns.TopicPolicyArgs{
		Arn:    b.db.AlarmTopic.Arn,
		Policy: policy,
	}, b.parent)
	return err
}

// eventSourceArns are the ARNs of the RDS event sources the topic policy
// lets publish: the instance and its parameter group, or the cluster and
// its DB instances (the cluster shape has no DB parameter group of its
// own, see events), and the account's DB security groups.
func (b *builder) eventSourceArns() pulumi.StringArrayOutput {
	arn := func(kind string) string {
		return fmt.Sprintf("arn:%s:rds:%s:%s:%s:*", b.args.Partition, b.args.Spec.Region, b.args.AccountID, kind)
	}
	securityGroups := arn("secgrp")
	if b.isCluster() {
		return pulumi.All(b.db.Cluster.Arn, b.clusterMemberArns()).ApplyT(func(v []any) []string {
			clusterArn, _ := v[0].(string)
			members, _ := v[1].([]string)
			return append(append([]string{clusterArn}, members...), arn("pg"), securityGroups)
		}).(pulumi.StringArrayOutput)
	}
	return pulumi.All(b.db.Instance.Arn, b.db.ParameterGroup.Arn).ApplyT(func(v []any) []string {
		instanceArn, _ := v[0].(string)
		paramsArn, _ := v[1].(string)
		return []string{instanceArn, paramsArn, securityGroups}
	}).(pulumi.StringArrayOutput)
}

// events subscribes the alarm topic to the RDS events of each source type
// of the plan: the instance (Security Hub RDS.20), its parameter group
// (RDS.21) and DB security groups (RDS.22). DB security groups are not the
// VPC security group the instance uses (they belong to EC2-Classic), so
// that subscription names no source and covers every DB security group of
// the account.
//
// A cluster adds its own source type, db-cluster, for the cluster; its
// db-instance subscription names the cluster's DB instances (the writer
// and the readers, as RDS reports them in clusterMembers). Its
// db-parameter-group subscription names no source, so it covers every DB
// parameter group of the account: the cluster's group is a DB cluster
// parameter group, which is no source type of its own, and a
// db-parameter-group subscription's sources must be DB parameter group
// names (CreateEventSubscription SourceType and SourceIds,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateEventSubscription.html).
func (b *builder) events() error {
	for _, es := range b.args.Spec.EventSubscriptions {
		var name string
		var sources pulumi.StringArrayInput
		switch {
		case es.SourceType == "db-cluster" && b.isCluster():
			name, sources = b.child("events-cluster"), pulumi.StringArray{b.db.Cluster.ClusterIdentifier}
		case es.SourceType == "db-instance" && b.isCluster():
			name, sources = b.child("events"), b.db.Cluster.ClusterMembers
		case es.SourceType == "db-parameter-group" && b.isCluster():
			name = b.child("events-params")
		case es.SourceType == "db-instance":
			name, sources = b.child("events"), pulumi.StringArray{b.db.Instance.Identifier}
		case es.SourceType == "db-parameter-group":
			name, sources = b.child("events-params"), pulumi.StringArray{b.db.ParameterGroup.Name}
		case es.SourceType == "db-security-group":
			name = b.child("events-security-groups")
		default:
			return fmt.Errorf("no source of type %q to subscribe to", es.SourceType)
		}
		sub, err := rds.NewEventSubscription(b.ctx, name, &rds.EventSubscriptionArgs{
			SnsTopic:        b.db.AlarmTopic.Arn,
			SourceType:      pulumi.String(es.SourceType),
			SourceIds:       sources,
			EventCategories: pulumi.ToStringArray(es.Categories),
			Enabled:         pulumi.Bool(true),
			Tags:            b.args.Tags.Named(b.name),
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{b.db.TopicPolicy}))
		if err != nil {
			return fmt.Errorf("%s: %w", es.SourceType, err)
		}
		b.db.Events = append(b.db.Events, sub)
	}
	return nil
}
