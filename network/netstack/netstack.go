package netstack

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/network/vpc"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
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
	args, err := Inputs(cfg, azs)
	if err != nil {
		return err
	}
	net, err := vpc.NewNetwork(ctx, "network", args)
	if err != nil {
		return err
	}
	return contract.Export(net.Outputs, export)
}

// Inputs resolves the validated config and the resolved zones into the
// network component's inputs: its layout, environment, tier, region, role
// (recoveryOf) and tags. The component reads nothing else.
func Inputs(cfg config.Network, zones []string) (*vpc.NetworkArgs, error) {
	layout, err := vpc.NewLayout(vpc.LayoutInputs{
		Environment:          cfg.Environment,
		VpcCidr:              cfg.VpcCidr,
		Zones:                zones,
		DatabaseSubnets:      cfg.DatabaseSubnets,
		AppSubnets:           cfg.AppSubnets,
		NatGateway:           cfg.NatGateway,
		PublicSubnets:        cfg.PublicSubnets,
		FlowLogRetentionDays: cfg.FlowLogRetentionDays,
	})
	if err != nil {
		return nil, err
	}
	return &vpc.NetworkArgs{
		Environment: cfg.Environment,
		Tier:        cfg.Tier,
		Region:      cfg.Region,
		RecoveryOf:  cfg.RecoveryOf,
		Tags:        cfg.Tags,
		Layout:      layout,
	}, nil
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
