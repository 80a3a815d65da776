package config_test

import (
	"slices"
	"testing"

	"github.com/pgplatform/platform/shared/config"
)

func TestAlarmSubscriptionsAndKeyAdmins(t *testing.T) {
	d, err := config.LoadDatabase(config.MapSource("database", with(databaseBase(), map[string]string{
		"database:alarmSubscriptions": `[{"protocol":"email","endpoint":"orders-oncall@example.com"},` +
			`{"protocol":"https","endpoint":"https://events.example.com/hook"},` +
			`{"protocol":"sqs","endpoint":"arn:aws:sqs:eu-west-1:111122223333:alarms"},` +
			`{"protocol":"lambda","endpoint":"arn:aws:lambda:eu-west-1:111122223333:function:page:live"}]`,
		"database:keyAdminRoleArns": `["arn:aws:iam::111122223333:role/platform-admin","arn:aws:iam::111122223333:role/teams/dba"]`,
	})))
	if err != nil {
		t.Fatal(err)
	}
	want := []config.AlarmSubscription{
		{Protocol: "email", Endpoint: "orders-oncall@example.com"},
		{Protocol: "https", Endpoint: "https://events.example.com/hook"},
		{Protocol: "sqs", Endpoint: "arn:aws:sqs:eu-west-1:111122223333:alarms"},
		{Protocol: "lambda", Endpoint: "arn:aws:lambda:eu-west-1:111122223333:function:page:live"},
	}
	if !slices.Equal(d.AlarmSubscriptions, want) {
		t.Errorf("AlarmSubscriptions = %v, want %v", d.AlarmSubscriptions, want)
	}
	if want := []string{"arn:aws:iam::111122223333:role/platform-admin", "arn:aws:iam::111122223333:role/teams/dba"}; !slices.Equal(d.KeyAdminRoleArns, want) {
		t.Errorf("KeyAdminRoleArns = %v, want %v", d.KeyAdminRoleArns, want)
	}

	// Both keys are optional in the config: whether a tier needs a
	// subscriber is the alarm-subscribers guardrail's to say.
	d, err = config.LoadDatabase(config.MapSource("database", databaseBase()))
	if err != nil || d.AlarmSubscriptions != nil || d.KeyAdminRoleArns != nil {
		t.Errorf("without the keys: %v, %v, %v", d.AlarmSubscriptions, d.KeyAdminRoleArns, err)
	}
}

func TestAlarmSubscriptionAndKeyAdminRejections(t *testing.T) {
	sub := func(v string) map[string]string { return map[string]string{"database:alarmSubscriptions": v} }
	admins := func(v string) map[string]string { return map[string]string{"database:keyAdminRoleArns": v} }
	runRejections(t, databaseBase(), "database", []rejection{
		{name: "subscriptions not a list", set: sub(`"orders-oncall@example.com"`), key: "database:alarmSubscriptions", value: `"orders-oncall@example.com"`, allowed: "a list of {protocol, endpoint}"},
		{name: "unknown protocol", set: sub(`[{"protocol":"sms","endpoint":"+15555550100"}]`), key: "database:alarmSubscriptions.protocol", value: "sms", allowed: "email, https, sqs, lambda"},
		{name: "missing protocol", set: sub(`[{"endpoint":"a@example.com"}]`), key: "database:alarmSubscriptions.protocol", value: "", allowed: "one of email"},
		{name: "unknown entry key", set: sub(`[{"protocol":"email","endpoint":"a@example.com","filter":"x"}]`), key: "database:alarmSubscriptions", value: `[{"protocol":"email","endpoint":"a@example.com","filter":"x"}]`, allowed: "protocol and endpoint only"},
		{name: "email that is not an address", set: sub(`[{"protocol":"email","endpoint":"orders on-call"}]`), key: "database:alarmSubscriptions.endpoint", value: "orders on-call", allowed: "an email address"},
		{name: "email with a display name", set: sub(`[{"protocol":"email","endpoint":"Ops <ops@example.com>"}]`), key: "database:alarmSubscriptions.endpoint", value: "Ops <ops@example.com>", allowed: "an email address"},
		{name: "http endpoint", set: sub(`[{"protocol":"https","endpoint":"http://hooks.example.com"}]`), key: "database:alarmSubscriptions.endpoint", value: "http://hooks.example.com", allowed: "https:// URL"},
		{name: "https endpoint with credentials", set: sub(`[{"protocol":"https","endpoint":"https://user:pw@hooks.example.com"}]`), key: "database:alarmSubscriptions.endpoint", value: "https://user:pw@hooks.example.com", allowed: "without credentials"},
		{name: "FIFO queue", set: sub(`[{"protocol":"sqs","endpoint":"arn:aws:sqs:eu-west-1:111122223333:alarms.fifo"}]`), key: "database:alarmSubscriptions.endpoint", value: "arn:aws:sqs:eu-west-1:111122223333:alarms.fifo", allowed: "standard SQS queue"},
		{name: "lambda that is not an ARN", set: sub(`[{"protocol":"lambda","endpoint":"notify"}]`), key: "database:alarmSubscriptions.endpoint", value: "notify", allowed: "ARN of a Lambda function"},
		{name: "subscriber twice", set: sub(`[{"protocol":"email","endpoint":"a@example.com"},{"protocol":"email","endpoint":"a@example.com"}]`), key: "database:alarmSubscriptions.endpoint", value: "a@example.com", allowed: "each subscriber once"},

		{name: "admins not a list", set: admins(`"arn:aws:iam::111122223333:role/admin"`), key: "database:keyAdminRoleArns", value: `"arn:aws:iam::111122223333:role/admin"`, allowed: "a list of strings"},
		{name: "admin a user", set: admins(`["arn:aws:iam::111122223333:user/alice"]`), key: "database:keyAdminRoleArns", value: "arn:aws:iam::111122223333:user/alice", allowed: "IAM role ARNs"},
		{name: "admin the root", set: admins(`["arn:aws:iam::111122223333:root"]`), key: "database:keyAdminRoleArns", value: "arn:aws:iam::111122223333:root", allowed: "IAM role ARNs"},
		{name: "admin a wildcard", set: admins(`["arn:aws:iam::111122223333:role/*"]`), key: "database:keyAdminRoleArns", value: "arn:aws:iam::111122223333:role/*", allowed: "IAM role ARNs"},
		{name: "admin of another partition", set: admins(`["arn:aws-cn:iam::111122223333:role/admin"]`), key: "database:keyAdminRoleArns", value: "arn:aws-cn:iam::111122223333:role/admin", allowed: "partition aws"},
		{name: "admin of another account", set: admins(`["arn:aws:iam::444455556666:role/admin"]`), key: "database:keyAdminRoleArns", value: "arn:aws:iam::444455556666:role/admin", allowed: "111122223333"},
		{name: "admin twice", set: admins(`["arn:aws:iam::111122223333:role/a","arn:aws:iam::111122223333:role/a"]`), key: "database:keyAdminRoleArns", value: "arn:aws:iam::111122223333:role/a", allowed: "each role once"},
	}, func(src config.Source) error { _, err := config.LoadDatabase(src); return err })
}

func TestRegionPartition(t *testing.T) {
	for region, want := range map[string]string{"eu-west-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "us-east-1": "aws"} {
		if got := config.RegionPartition(region); got != want {
			t.Errorf("RegionPartition(%s) = %s, want %s", region, got, want)
		}
	}
}
