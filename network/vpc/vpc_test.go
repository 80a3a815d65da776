package vpc_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/network/netstack"
	"github.com/pgplatform/platform/network/vpc"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/testsupport/committed"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

// The component's type token and its children's names are part of every
// deployed resource's URN: changing them would make the engine replace a
// live VPC and its subnets. The literal URN below is what the deployed
// stacks hold; moving the component between packages must not change it.
func TestURNsOfDeployedNetworksStayTheSame(t *testing.T) {
	s := committed.Named(t, "network", "dev")
	m := pulumimocks.New()
	err := pulumimocks.RunStack(m, s, func(ctx *pulumi.Context) error {
		cfg, err := config.LoadNetwork(config.Source{Namespace: "network", Get: ctx.GetConfig})
		if err != nil {
			return err
		}
		args, err := netstack.Inputs(cfg, []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"})
		if err != nil {
			return err
		}
		_, err = vpc.NewNetwork(ctx, "network", args)
		return err
	})
	require.NoError(t, err)
	const component = "urn:pulumi:dev::network::pgplatform:network:Network::network"
	children := map[string]bool{}
	for _, r := range m.Resources() {
		if !r.Custom {
			assert.Equal(t, "pgplatform:network:Network", r.Type, "component %s", r.Name)
			continue
		}
		assert.Equal(t, component, r.Parent, "%s %s", r.Type, r.Name)
		children[r.Type+"::"+r.Name] = true
	}
	for _, want := range []string{
		"aws:ec2/vpc:Vpc::network-vpc",
		"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup::network-default-sg",
		"aws:ec2/subnet:Subnet::network-db-0",
		"aws:ec2/subnet:Subnet::network-app-2",
		"aws:kms/key:Key::network-flow-logs",
		"aws:cloudwatch/logGroup:LogGroup::network-flow-logs",
		"aws:ec2/flowLog:FlowLog::network-flow-log",
	} {
		assert.True(t, children[want], "no child %s; declared: %s", want, strings.Join(keys(children), ", "))
	}
}

func TestNilArgsAndAnEmptyLayoutAreRefused(t *testing.T) {
	s := committed.Named(t, "network", "dev")
	for name, args := range map[string]*vpc.NetworkArgs{"nil args": nil, "no zones": {}} {
		err := pulumimocks.RunStack(pulumimocks.New(), s, func(ctx *pulumi.Context) error {
			_, err := vpc.NewNetwork(ctx, "network", args)
			return err
		})
		assert.Error(t, err, name)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
