package config

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/pgplatform/platform/shared/spec"
)

// AlarmSubscription is one subscriber of a database stack's alarm topic
// (database:alarmSubscriptions).
type AlarmSubscription = spec.Subscription

// SubscriptionProtocols are the SNS protocols an alarm subscriber may use
// (spec.SubscriptionProtocols).
var SubscriptionProtocols = spec.SubscriptionProtocols

// IAM role ARN: arn:<partition>:iam::<account>:role/<path/><name>
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
var roleArnPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)

// CheckSubscription returns "" when the endpoint suits the protocol, and
// otherwise what would be accepted (spec.CheckSubscription).
func CheckSubscription(protocol, endpoint string) string {
	return spec.CheckSubscription(protocol, endpoint)
}

// alarmSubscriptions reads database:alarmSubscriptions: a list of
// {protocol, endpoint}. Whether a tier needs one is the alarm-subscribers
// guardrail's to say (prod does).
func (r reader) alarmSubscriptions() ([]AlarmSubscription, error) {
	const key = "alarmSubscriptions"
	v, ok := r.raw(key)
	if !ok {
		return nil, nil
	}
	var raw []map[string]any
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return nil, r.breaks("alarm-subscribers", key, v, "a list of {protocol, endpoint}, e.g. [{protocol: email, endpoint: orders-oncall@example.com}]")
	}
	var out []AlarmSubscription
	for _, m := range raw {
		for k := range m {
			if k != "protocol" && k != "endpoint" {
				return nil, r.breaks("alarm-subscribers", key, v, "entries with the keys protocol and endpoint only (not "+k+")")
			}
		}
		protocol, _ := m["protocol"].(string)
		endpoint, _ := m["endpoint"].(string)
		if !slices.Contains(SubscriptionProtocols, protocol) {
			return nil, r.breaks("alarm-subscribers", key+".protocol", protocol, "one of "+strings.Join(SubscriptionProtocols, ", "))
		}
		if want := CheckSubscription(protocol, endpoint); want != "" {
			return nil, r.breaks("alarm-subscribers", key+".endpoint", endpoint, "for protocol "+protocol+", "+want)
		}
		s := AlarmSubscription{Protocol: protocol, Endpoint: endpoint}
		if slices.Contains(out, s) {
			return nil, r.fail(key+".endpoint", endpoint, "each subscriber once")
		}
		out = append(out, s)
	}
	return out, nil
}

// RolePartitionAccount returns the partition and account of an IAM role ARN,
// and false when arn is not one.
func RolePartitionAccount(arn string) (partition, account string, ok bool) {
	m := roleArnPattern.FindStringSubmatch(arn)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// RegionPartition is the partition of a region: aws-cn for cn-*, aws-us-gov
// for us-gov-*, aws otherwise
// (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
func RegionPartition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// keyAdminRoleArns reads database:keyAdminRoleArns: IAM roles of this
// account (and the region's partition) that administer the stack's KMS key
// besides the account root. The program checks them again against the
// account it runs in.
func (r reader) keyAdminRoleArns(region string, accounts []string) ([]string, error) {
	const key = "keyAdminRoleArns"
	arns, err := r.list(key)
	if err != nil {
		return nil, err
	}
	partition := RegionPartition(region)
	for i, a := range arns {
		p, acct, ok := RolePartitionAccount(a)
		switch {
		case !ok:
			return nil, r.fail(key, a, "IAM role ARNs, arn:"+partition+":iam::<account>:role/<name>")
		case p != partition:
			return nil, r.fail(key, a, "a role of partition "+partition+" (the partition of "+region+")")
		case len(accounts) > 0 && !slices.Contains(accounts, acct):
			return nil, r.fail(key, a, "a role of this stack's account ("+strings.Join(accounts, ", ")+", aws:allowedAccountIds)")
		}
		if slices.Index(arns, a) != i {
			return nil, r.fail(key, a, "each role once")
		}
	}
	return arns, nil
}
