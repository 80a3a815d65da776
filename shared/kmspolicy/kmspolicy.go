package kmspolicy

import (
	"fmt"

	"github.com/pgplatform/platform/shared/iamdoc"
)

// Statement is one policy statement.
type Statement = iamdoc.Statement

// Encode renders a policy document.
func Encode(what string, statements ...Statement) (string, error) {
	return iamdoc.Encode(what, statements...)
}

// Root is the ARN of an account's root principal; naming it in a key
// policy delegates to IAM, so a principal of the account also needs an IAM
// policy allowing the action
// (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
func Root(partition, account string) string {
	return fmt.Sprintf("arn:%s:iam::%s:root", partition, account)
}

// AdminActions administer a key and never use it: no Encrypt, Decrypt,
// ReEncrypt, GenerateDataKey or CreateGrant. The list is the "Allows key
// administrators to administer the KMS key" statement of the AWS KMS
// default key policy
// (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-administrators)
// with its wildcards spelt out, so that kms:Create* does not bring in
// kms:CreateGrant.
var AdminActions = []string{
	"kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias",
	"kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus",
	"kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:RotateKeyOnDemand", "kms:ListKeyRotations",
	"kms:EnableKey", "kms:DisableKey", "kms:UpdateKeyDescription",
	"kms:ListResourceTags", "kms:TagResource", "kms:UntagResource",
	"kms:ListGrants", "kms:RevokeGrant",
	"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
}

// Administration lets the named principals administer the key.
func Administration(principals []string) Statement {
	return Statement{
		"Sid":       "KeyAdministration",
		"Effect":    "Allow",
		"Principal": map[string]any{"AWS": principals},
		"Action":    AdminActions,
		"Resource":  "*",
	}
}

// LogsFor lets CloudWatch Logs of the region use the key for the named log
// groups only, by their exact ARNs in the kms:EncryptionContext:aws:logs:arn
// context CloudWatch Logs sends
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html).
func LogsFor(sid, region string, logGroupArns []string) Statement {
	return Statement{
		"Sid":       sid,
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": "logs." + region + ".amazonaws.com"},
		"Action":    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
		"Resource":  "*",
		"Condition": map[string]any{
			"ArnEquals": map[string]any{"kms:EncryptionContext:aws:logs:arn": logGroupArns},
		},
	}
}
