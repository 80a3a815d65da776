package postgres

import (
	"encoding/json"
	"fmt"
)

type statement = map[string]any

func encode(what string, statements ...statement) (string, error) {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

// keyPolicy lets the account administer the key and lets exactly the
// services that encrypt with it use it: RDS (storage, Performance Insights)
// and Secrets Manager (the master secret) on behalf of this account,
// CloudWatch Logs for the instance's log groups, and CloudWatch and RDS
// events publishing to the encrypted alarm topic.
func keyPolicy(partition, account, region string) (string, error) {
	root := fmt.Sprintf("arn:%s:iam::%s:root", partition, account)
	use := []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"}
	return encode("the key policy",
		statement{
			"Sid":       "AccountAdministers",
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": root},
			"Action":    "kms:*",
			"Resource":  "*",
		},
		statement{
			"Sid":       "RdsAndSecretsManagerForThisAccount",
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": "*"},
			"Action":    use,
			"Resource":  "*",
			"Condition": map[string]any{
				"StringEquals": map[string]any{
					"kms:CallerAccount": account,
					"kms:ViaService": []string{
						"rds." + region + ".amazonaws.com",
						"secretsmanager." + region + ".amazonaws.com",
					},
				},
			},
		},
		statement{
			"Sid":       "CloudWatchLogsForRdsLogGroups",
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": "logs." + region + ".amazonaws.com"},
			"Action":    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
			"Resource":  "*",
			"Condition": map[string]any{
				"ArnLike": map[string]any{
					"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:/aws/rds/instance/*", partition, region, account),
				},
			},
		},
		statement{
			"Sid":       "AlarmAndEventPublishers",
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": []string{"cloudwatch.amazonaws.com", "events.rds.amazonaws.com"}},
			"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey*"},
			"Resource":  "*",
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
		},
	)
}

// monitoringTrust lets only the enhanced-monitoring service, acting for this
// account, assume the monitoring role.
func monitoringTrust(service, account string) (string, error) {
	return encode("the monitoring trust policy", statement{
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": service},
		"Action":    "sts:AssumeRole",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
	})
}

// topicPolicy lets CloudWatch alarms and RDS events of this account publish
// to the alarm topic.
func topicPolicy(topicArn, account string) (string, error) {
	return encode("the alarm topic policy", statement{
		"Sid":       "AlarmAndEventPublishers",
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": []string{"cloudwatch.amazonaws.com", "events.rds.amazonaws.com"}},
		"Action":    "sns:Publish",
		"Resource":  topicArn,
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
	})
}
