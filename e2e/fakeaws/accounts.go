package fakeaws

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// checkAllowedAccount models the provider's allowedAccountIds: when the
// list is set, Configure fails unless the caller's account (Account, the one
// getCallerIdentity reports) is in it. Source: terraform-provider-aws
// internal/conns/config.go, ConfigureProvider, which after looking up the
// caller's account calls awsbaseConfig.VerifyAccountIDAllowed(accountID) and
// returns its error; hashicorp/aws-sdk-go-base v2 Config.VerifyAccountIDAllowed
// returns fmt.Errorf("AWS account ID not allowed: %s", accountID) when
// AllowedAccountIds is non-empty and does not contain the ID, and nil when it
// is empty. The value arrives as a list, or as the JSON string stack
// configuration produces (as defaultTags does).
func checkAllowedAccount(args resource.PropertyMap) error {
	v, ok := args["allowedAccountIds"]
	if !ok || v.IsNull() {
		return nil
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.ContainsUnknowns() {
		return nil
	}
	var plain any = plainValue(v)
	if s, isString := plain.(string); isString {
		if err := json.Unmarshal([]byte(s), &plain); err != nil {
			return fmt.Errorf("fakeaws: aws:allowedAccountIds %q is not a JSON list: %w", s, err)
		}
	}
	list, isList := plain.([]any)
	if !isList {
		return fmt.Errorf("fakeaws: aws:allowedAccountIds is %v, not a list of account IDs", plain)
	}
	var ids []string
	for _, e := range list {
		s, isString := e.(string)
		if !isString {
			return fmt.Errorf("fakeaws: aws:allowedAccountIds holds %v, not a string", e)
		}
		ids = append(ids, s)
	}
	if len(ids) > 0 && !slices.Contains(ids, Account) {
		return fmt.Errorf("AWS account ID not allowed: %s", Account)
	}
	return nil
}
