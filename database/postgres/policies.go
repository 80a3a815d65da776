package postgres

import (
	"fmt"
	"strings"

	"github.com/pgplatform/platform/shared/iamdoc"
	"github.com/pgplatform/platform/shared/kmspolicy"
	"github.com/pgplatform/platform/shared/naming"
)

type statement = kmspolicy.Statement

func encode(what string, statements ...statement) (string, error) {
	return kmspolicy.Encode(what, statements...)
}

// keyScope is what the key policy binds each principal to: the account,
// the roles that administer the key and the stack's log groups.
type keyScope struct {
	Partition, Account, Region string
	// AdminRoleArns are the roles database:keyAdminRoleArns names.
	AdminRoleArns []string
	// LogGroupArns are the exact ARNs of the instance's log groups.
	LogGroupArns []string
}

func (k keyScope) root() string { return kmspolicy.Root(k.Partition, k.Account) }

// keyUse are the actions a service uses the key with on the caller's
// behalf (kms:CreateGrant is granted apart, for AWS resources only).
var keyUse = []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"}

// administration lets the account root and the configured roles
// administer the key, and not use it.
func (k keyScope) administration() statement {
	return kmspolicy.Administration(append([]string{k.root()}, k.AdminRoleArns...))
}

// bootstrapKeyPolicy is the policy the key is created with: administration
// only. Nothing uses the key until the stack's full policy (keyPolicy)
// replaces it; that one names the log groups, whose names hold the
// instance identifier, which digests the key's ARN, so it cannot be
// written before the key exists.
func bootstrapKeyPolicy(k keyScope) (string, error) {
	return encode("the bootstrap key policy", k.administration())
}

// keyPolicy names every principal and binds each service to this stack:
//   - administration for the account root and the configured roles;
//   - RDS (storage, Performance Insights) and Secrets Manager (the master
//     secret) for principals of this account only through those services
//     (kms:ViaService, kms:CallerAccount:
//     https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service),
//     grants only for AWS resources (kms:GrantIsForAWSResource:
//     https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource);
//   - Secrets Manager only for secrets of this account and region, by the
//     SecretARN encryption context it sends with every call
//     (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
//     The master secret's own ARN cannot be named: RDS creates the secret
//     with the instance, encrypted under this key, so the key must allow
//     it before its ARN exists, and again for a replacement instance;
//   - CloudWatch Logs for this instance's log groups only, by their exact
//     ARNs in the kms:EncryptionContext:aws:logs:arn context
//     (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html);
//   - CloudWatch alarms and RDS events publishing to the encrypted alarm
//     topic, for this account (aws:SourceAccount:
//     https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount);
//     the topic's own policy binds them to this stack's alarms and sources
//     by aws:SourceArn. Whether those services send aws:SourceArn with
//     their KMS calls for an encrypted topic is not documented where the
//     SNS guide describes the key policy they need
//     (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html),
//     so the key does not require it: an alarm that cannot publish would
//     reach nobody.
func keyPolicy(k keyScope) (string, error) {
	root := map[string]any{"AWS": k.root()}
	via := func(service string) map[string]any {
		return map[string]any{"kms:ViaService": service + "." + k.Region + ".amazonaws.com", "kms:CallerAccount": k.Account}
	}
	rds := k.rdsUse()
	return encode("the key policy",
		k.administration(),
		rds[0],
		rds[1],
		statement{
			"Sid":       "SecretsManagerForThisAccountsSecrets",
			"Effect":    "Allow",
			"Principal": root,
			"Action":    keyUse,
			"Resource":  "*",
			"Condition": map[string]any{
				"StringEquals": via("secretsmanager"),
				"ArnLike": map[string]any{
					"kms:EncryptionContext:SecretARN": fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:*", k.Partition, k.Region, k.Account),
				},
			},
		},
		kmspolicy.LogsFor("CloudWatchLogsForThisInstance", k.Region, k.LogGroupArns),
		statement{
			"Sid":       "AlarmAndEventPublishers",
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": []string{"cloudwatch.amazonaws.com", "events.rds.amazonaws.com"}},
			"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey*"},
			"Resource":  "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": k.Account}},
		},
	)
}

// rdsUse lets principals of this account use the key, and create grants
// for AWS resources, only through RDS in the key's region (kms:ViaService,
// kms:CallerAccount, kms:GrantIsForAWSResource; see keyPolicy).
func (k keyScope) rdsUse() []statement {
	root := map[string]any{"AWS": k.root()}
	via := map[string]any{"kms:ViaService": "rds." + k.Region + ".amazonaws.com", "kms:CallerAccount": k.Account}
	return []statement{
		{
			"Sid":       "RdsUseForThisAccount",
			"Effect":    "Allow",
			"Principal": root,
			"Action":    keyUse,
			"Resource":  "*",
			"Condition": map[string]any{"StringEquals": via},
		},
		{
			"Sid":       "RdsGrantsForAwsResources",
			"Effect":    "Allow",
			"Principal": root,
			"Action":    "kms:CreateGrant",
			"Resource":  "*",
			"Condition": map[string]any{
				"StringEquals": via,
				"Bool":         map[string]any{"kms:GrantIsForAWSResource": "true"},
			},
		},
	}
}

// monitoringSourceArn is what the monitoring role's trust binds
// aws:SourceArn to: the DB instances of this stack,
// arn:<partition>:rds:<region>:<account>:db:<app>-<environment>-<digest>
// (naming.InstanceIdentifier), with one ? per character of the digest. The
// RDS User Guide has the trust name the instance's ARN, db:<name>, under
// StringLike ("Protecting against the confused deputy problem",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html#USER_Monitoring.OS.confused-deputy).
// The pattern rather than the one identifier: a replacement gets a new
// identifier (created before the old instance is deleted) and a subnet
// group change renames the instance, in staging and prod only in the
// maintenance window, so a trust naming one identifier would, while the
// role is shared, refuse the other instance or the not yet renamed one.
func monitoringSourceArn(partition, region, account, app, environment string) string {
	return fmt.Sprintf("arn:%s:rds:%s:%s:db:%s-%s", partition, region, account,
		naming.Base(app, environment), strings.Repeat("?", len(naming.Digest())))
}

// monitoringTrust lets only the enhanced-monitoring service, acting for this
// account (aws:SourceAccount) and this stack's instances (aws:SourceArn),
// assume the monitoring role, as the User Guide's confused-deputy example
// has it (see monitoringSourceArn).
func monitoringTrust(service, account, sourceArn string) (string, error) {
	return iamdoc.ServiceTrust("the monitoring trust policy", service, account, "StringLike", sourceArn)
}

// topicPolicy lets exactly this stack's CloudWatch alarms and RDS event
// sources publish to the alarm topic: aws:SourceArn names the alarms
// (https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html)
// and the RDS sources, the instance, its parameter group and the DB
// security groups of the account
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.GrantingPermissions.html),
// and aws:SourceAccount this account.
func topicPolicy(topicArn, account string, alarmArns, rdsSourceArns []string) (string, error) {
	publish := func(sid, service string, sources []string) statement {
		return statement{
			"Sid":       sid,
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": service},
			"Action":    "sns:Publish",
			"Resource":  topicArn,
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": account},
				"ArnLike":      map[string]any{"aws:SourceArn": sources},
			},
		}
	}
	return encode("the alarm topic policy",
		publish("ThisStacksAlarms", "cloudwatch.amazonaws.com", alarmArns),
		publish("ThisStacksRdsEvents", "events.rds.amazonaws.com", rdsSourceArns),
	)
}
