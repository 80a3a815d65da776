package iamdoc

import (
	"encoding/json"
	"fmt"
)

// Statement is one policy statement.
type Statement = map[string]any

// Encode renders a policy document; what names it in the error.
func Encode(what string, statements ...Statement) (string, error) {
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		return "", fmt.Errorf("encode %s: %w", what, err)
	}
	return string(b), nil
}

// ServiceTrust renders a role trust policy that lets only service assume
// the role, and only when it acts for account (aws:SourceAccount under
// StringEquals) and for a resource matching sourceArn (aws:SourceArn under
// arnOperator, ArnLike or StringLike), the cross-service confused-deputy
// protection of the IAM User Guide
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
func ServiceTrust(what, service, account, arnOperator, sourceArn string) (string, error) {
	return Encode(what, Statement{
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": service},
		"Action":    "sts:AssumeRole",
		"Condition": map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": account},
			arnOperator:    map[string]any{"aws:SourceArn": sourceArn},
		},
	})
}
