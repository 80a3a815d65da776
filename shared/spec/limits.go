package spec

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
)

// The limits a spec is held to: what RDS and SNS accept and what the
// platform allows. The config loader refuses values outside them with the
// key that set them, and the guardrails check the resolved spec against
// them, so both read them from here.

// MinEngineMajor is the oldest PostgreSQL major the platform deploys.
const MinEngineMajor = 14

// MinLogMinDurationMs is the lowest slow-query threshold: below it the
// log holds nearly every statement.
const MinLogMinDurationMs = 100

// MonitoringIntervals are the enhanced-monitoring intervals RDS accepts
// (0, off, is not offered).
var MonitoringIntervals = []int{1, 5, 10, 15, 30, 60}

// CACertIdentifiers are the current RDS certificate authorities.
var CACertIdentifiers = []string{"rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"}

// ForbiddenUsernames are master user names that scanners flag as defaults
// (Security Hub RDS.25) or that RDS reserves.
var ForbiddenUsernames = []string{"postgres", "admin", "root", "rdsadmin", "rdsrepladmin", "master", "administrator"}

// MinMaxAllocatedStorageGb is the smallest storage autoscaling ceiling RDS
// accepts for an allocated size: 10% above it, rounded up.
func MinMaxAllocatedStorageGb(allocated int) int { return (allocated*11 + 9) / 10 }

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
