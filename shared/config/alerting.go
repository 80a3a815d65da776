package config

import (
	"encoding/json"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/pgplatform/platform/shared/spec"
)

// AlarmSubscription is one subscriber of a database stack's alarm topic
// (database:alarmSubscriptions).
type AlarmSubscription = spec.Subscription

// SubscriptionProtocols are the SNS protocols an alarm subscriber may use:
// a person's or team's mailbox, an HTTPS endpoint, an SQS queue or a Lambda
// function (the protocols of the SNS Subscribe API,
// https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html, that
// reach a person or a pager; sms and application push are left out).
var SubscriptionProtocols = []string{"email", "https", "sqs", "lambda"}

var (
	// SQS queue ARN; a FIFO queue (.fifo) cannot subscribe to the standard
	// alarm topic (SNS Subscribe API: "FIFO topics only support SQS
	// endpoints" and the reverse for standard topics and FIFO queues).
	sqsArnPattern    = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:sqs:[a-z]{2}(-gov)?-[a-z]+-[0-9]:[0-9]{12}:[A-Za-z0-9_-]{1,80}$`)
	lambdaArnPattern = regexp.MustCompile(`^arn:aws(-cn|-us-gov)?:lambda:[a-z]{2}(-gov)?-[a-z]+-[0-9]:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$`)
	// IAM role ARN: arn:<partition>:iam::<account>:role/<path/><name>
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
	roleArnPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
)

// CheckSubscription returns "" when the endpoint suits the protocol, and
// otherwise what would be accepted. The guardrails call it on the rendered
// subscriptions too.
func CheckSubscription(protocol, endpoint string) string {
	switch protocol {
	case "email":
		a, err := mail.ParseAddress(endpoint)
		if err != nil || a.Address != endpoint || a.Name != "" {
			return "an email address such as orders-oncall@example.com"
		}
	case "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			return "an https:// URL without credentials in it"
		}
	case "sqs":
		if !sqsArnPattern.MatchString(endpoint) {
			return "the ARN of a standard SQS queue, arn:aws:sqs:<region>:<account>:<queue>"
		}
	case "lambda":
		if !lambdaArnPattern.MatchString(endpoint) {
			return "the ARN of a Lambda function, arn:aws:lambda:<region>:<account>:function:<name>"
		}
	default:
		return "a protocol, one of " + strings.Join(SubscriptionProtocols, ", ")
	}
	return ""
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
