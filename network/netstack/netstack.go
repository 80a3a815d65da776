// Package netstack is the network program: the VPC of one environment, its
// isolated database subnets and its application subnets across availability
// zones, flow logs, and the outputs every database stack reads.
package netstack

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/kmspolicy"
	"github.com/pgplatform/platform/shared/tags"
)

// Run is the network program. main calls it, and so does the deploy tool
// through the Automation API.
func Run(ctx *pulumi.Context) error { return Program(ctx, ctx.Export) }

// Program declares the network and exports the layer contract through
// export. Tests pass a recorder; Run passes ctx.Export.
func Program(ctx *pulumi.Context, export contract.ExportFunc) error {
	cfg, err := LoadConfig(ctx)
	if err != nil {
		return err
	}
	azs, err := ResolveZones(ctx, cfg)
	if err != nil {
		return err
	}
	layout, err := NewLayout(cfg, azs)
	if err != nil {
		return err
	}
	net, err := NewNetwork(ctx, "network", &NetworkArgs{Config: cfg, Layout: layout})
	if err != nil {
		return err
	}
	return contract.Export(net.Outputs, export)
}

// LoadConfig reads and validates the stack's network config.
func LoadConfig(ctx *pulumi.Context) (config.Network, error) {
	cfg, err := config.LoadNetwork(config.Source{Namespace: contract.NetworkProject, Get: ctx.GetConfig})
	if err != nil {
		return config.Network{}, fmt.Errorf("network stack %s: %w", ctx.Stack(), err)
	}
	return cfg, nil
}

// ResolveZones returns the zones to use: the ones config names, or the
// first azCount zones the region reports. It fails when config asks for
// more zones than the region has, or names one it does not have.
func ResolveZones(ctx *pulumi.Context, cfg config.Network) ([]string, error) {
	state := "available"
	res, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{State: &state})
	if err != nil {
		return nil, fmt.Errorf("list the availability zones of %s: %w", cfg.Region, err)
	}
	available := res.Names
	if len(cfg.AvailabilityZones) > 0 {
		for _, az := range cfg.AvailabilityZones {
			if !slices.Contains(available, az) {
				return nil, &config.Error{Key: "network:availabilityZones", Value: az, Allowed: fmt.Sprintf("zones the region offers: %v", available)}
			}
		}
		return cfg.AvailabilityZones, nil
	}
	if cfg.AZCount > len(available) {
		return nil, &config.Error{Key: "network:azCount", Value: fmt.Sprint(cfg.AZCount), Allowed: fmt.Sprintf("at most the %d zones %s offers (%v)", len(available), cfg.Region, available)}
	}
	return available[:cfg.AZCount], nil
}

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
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": flowLogService},
			"Action":    "sts:AssumeRole",
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": accountID},
				"ArnLike":      map[string]any{"aws:SourceArn": sourceArn},
			},
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("encode the flow-log trust policy: %w", err)
	}
	return string(b), nil
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
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Effect":   "Allow",
			"Action":   actions,
			"Resource": resources,
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("encode the flow-log policy: %w", err)
	}
	return string(b), nil
}

func stackTags(ctx *pulumi.Context, cfg config.Network) tags.Set {
	return tags.New(cfg.Environment, string(cfg.Tier), ctx.Project(), ctx.Stack(), cfg.Tags)
}
