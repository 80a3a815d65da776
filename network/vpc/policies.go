package vpc

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/iamdoc"
	"github.com/pgplatform/platform/shared/kmspolicy"
	"github.com/pgplatform/platform/shared/tags"
)

// flowLogSourceArn is what the flow-log role's trust binds aws:SourceArn
// to: the VPC flow logs of this account and region, as the VPC User Guide's
// role for publishing flow logs to CloudWatch Logs has it
// (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html).
func flowLogSourceArn(partition, region, accountID string) string {
	return fmt.Sprintf("arn:%s:ec2:%s:%s:vpc-flow-log/*", partition, region, accountID)
}

// flowLogTrust lets only the flow-logs service, acting for a flow log of
// this account and region, assume the role (aws:SourceAccount and
// aws:SourceArn: https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
func flowLogTrust(accountID, sourceArn string) (string, error) {
	return iamdoc.ServiceTrust("the flow-log trust policy", flowLogService, accountID, "ArnLike", sourceArn)
}

// flowLogService is the service principal that assumes the flow-log role.
const flowLogService = "vpc-flow-logs.amazonaws.com"

// flowLogKeyPolicy lets the account root administer the flow-log key and
// CloudWatch Logs use it for the flow-log group only.
func flowLogKeyPolicy(partition, region, accountID, groupArn string) (string, error) {
	return kmspolicy.Encode("the flow-log key policy",
		kmspolicy.Administration([]string{kmspolicy.Root(partition, accountID)}),
		kmspolicy.LogsFor("CloudWatchLogsForTheFlowLogGroup", region, []string{groupArn}),
	)
}

// flowLogPolicy allows the actions on the resources, and nothing else.
// The layout gives both (FlowLogs), and its plan checks them.
func flowLogPolicy(actions, resources []string) (string, error) {
	return iamdoc.Encode("the flow-log policy", iamdoc.Statement{
		"Effect":   "Allow",
		"Action":   actions,
		"Resource": resources,
	})
}

func stackTags(ctx *pulumi.Context, in NetworkArgs) tags.Set {
	return tags.New(in.Environment, string(in.Tier), ctx.Project(), ctx.Stack(), in.Tags)
}
