package guardrails

import (
	"github.com/pgplatform/platform/shared/spec"
)

// StackKey is the key reference a spec gives a resource's KMS key input
// to mean the stack's own customer-managed key (spec.StackKey).
const StackKey = spec.StackKey

// MonitoringService is the service principal that assumes the enhanced
// monitoring role.
const MonitoringService = "monitoring.rds.amazonaws.com"

// RequiredLogExports are the instance's log types that must go to
// CloudWatch (logs-to-cloudwatch): the spec exports them
// (database/dbspec Resolve) and verify checks the live instance for the
// spec's exports.
var RequiredLogExports = []string{"postgresql", "upgrade"}

// MinPerformanceInsightsRetentionDays is the shortest Performance Insights
// retention the performance-insights rule allows (and verify expects).
const MinPerformanceInsightsRetentionDays = 7

// Network is the plan of a network stack.
type Network struct {
	Tier            spec.Tier
	VpcCidr         string
	AZs             []string
	DatabaseSubnets []string
	AppSubnets      []string
	// DatabaseRoutesToGateway counts routes from the database route tables
	// to an internet or NAT gateway.
	DatabaseRoutesToGateway int
	// DefaultSecurityGroupRules counts the rules left on the VPC's default
	// security group.
	DefaultSecurityGroupRules int
	FlowLogs                  bool
	FlowLogRetentionDays      int
	// FlowLogRoleActions and FlowLogRoleResources are the one statement
	// of the flow-log role's policy as the program renders it, with
	// FlowLogGroupArn standing for the flow-log group's ARN.
	FlowLogRoleActions   []string
	FlowLogRoleResources []string
}
