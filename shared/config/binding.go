package config

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// This file binds a stack to where it runs: its tier to its environment,
// and its AWS provider to the accounts the environment lives in.

// EnvironmentFloor is the loosest tier a stack of the environment may state:
// dev allows any tier, staging requires staging or prod, and prod requires
// prod. An environment of any other name is held to prod: a name the
// platform does not know (say "production" or "live") must not be a way to
// run a dev-tier stack where prod data lives. Relaxing a new environment
// means adding it here, in a reviewed change.
func EnvironmentFloor(environment string) Tier {
	switch environment {
	case "dev":
		return Dev
	case "staging":
		return Staging
	}
	return Prod
}

// tiersFrom lists the tiers at least as strict as floor, for messages.
func tiersFrom(floor Tier) string {
	var out []string
	for _, t := range []Tier{Dev, Staging, Prod} {
		if t.AtLeast(floor) {
			out = append(out, string(t))
		}
	}
	return strings.Join(out, " or ")
}

// checkTierFloor refuses a tier looser than its environment's: a stack's
// tier may be stricter than its environment's, never looser.
func (r reader) checkTierFloor(t Tier, environment string) error {
	floor := EnvironmentFloor(environment)
	if t.AtLeast(floor) {
		return nil
	}
	why := fmt.Sprintf("tier %q is looser than environment %q", t, environment)
	if environment != string(floor) {
		why += fmt.Sprintf(", which is held to %s (only dev and staging may relax it)", floor)
	}
	return r.fail("tier", string(t), tiersFrom(floor)+": "+why+"; a stack's tier may be stricter than its environment's, never looser")
}

// AWSKeys are the keys a stack file may set in the aws: namespace, which the
// AWS provider reads as its own configuration. Anything else there
// (endpoints, skipCredentialsValidation, assumeRole, ...) would redirect or
// loosen the provider without passing through the platform's validation.
var AWSKeys = []string{"region", "allowedAccountIds"}

// AllowedAccountIDsKey is the provider setting that pins a stack's account:
// the provider refuses to configure itself with credentials of any other
// account (Terraform AWS provider, internal/conns/config.go
// ConfigureProvider, via aws-sdk-go-base Config.VerifyAccountIDAllowed:
// "AWS account ID not allowed: <id>").
const AllowedAccountIDsKey = "aws:allowedAccountIds"

var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

const accountIDsAllowed = `a list of quoted 12-digit AWS account IDs, e.g. ["111122223333"]`

// allowedAccountIDs reads aws:allowedAccountIds: a list of 12-digit account
// IDs, each once. It is required in staging and prod tiers.
func allowedAccountIDs(src Source, tier Tier) ([]string, error) {
	v, _ := src.Get(AllowedAccountIDsKey)
	v = strings.TrimSpace(v)
	if v == "" {
		if tier.Strict() {
			return nil, &Error{Key: AllowedAccountIDsKey, Allowed: accountIDsAllowed + ": a " + string(tier) + "-tier stack pins the account it deploys to, so credentials for any other account are refused before anything changes"}
		}
		return nil, nil
	}
	var ids []string
	if err := json.Unmarshal([]byte(v), &ids); err != nil {
		return nil, &Error{Key: AllowedAccountIDsKey, Value: v, Allowed: accountIDsAllowed + " (quote each ID: unquoted, YAML reads it as a number)"}
	}
	if len(ids) == 0 {
		return nil, &Error{Key: AllowedAccountIDsKey, Value: v, Allowed: accountIDsAllowed + " with at least one ID (an empty list pins nothing)"}
	}
	for i, id := range ids {
		if !accountIDPattern.MatchString(id) {
			return nil, &Error{Key: AllowedAccountIDsKey, Value: id, Allowed: accountIDsAllowed + " (an account ID is exactly 12 digits)"}
		}
		if slices.Contains(ids[:i], id) {
			return nil, &Error{Key: AllowedAccountIDsKey, Value: id, Allowed: accountIDsAllowed + ", each ID once"}
		}
	}
	return ids, nil
}

// bind reads a stack's environment and binds the stack to it: the region
// it runs in (aws:region), its tier no looser than the environment's, and
// the accounts it may deploy to (aws:allowedAccountIds).
func (r reader) bind(tier Tier) (environment, region string, accounts []string, err error) {
	if environment, err = r.environment(); err != nil {
		return "", "", nil, err
	}
	if region, err = awsRegion(r.src); err != nil {
		return "", "", nil, err
	}
	if err = r.checkTierFloor(tier, environment); err != nil {
		return "", "", nil, err
	}
	if accounts, err = allowedAccountIDs(r.src, tier); err != nil {
		return "", "", nil, err
	}
	return environment, region, accounts, nil
}
