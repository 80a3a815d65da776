package netstack_test

import (
	"iter"
	"maps"
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/network/netstack"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

func sortedKeys(seq iter.Seq[string]) []string { return slices.Sorted(seq) }

// TestBadConfigDeclaresNothing changes one value of the committed dev file
// at a time and checks that the run stops with one error naming the key and
// the value, before a single resource is registered.
func TestBadConfigDeclaresNothing(t *testing.T) {
	var dev map[string]string
	for _, s := range networkStacks(t) {
		if s.Name == "dev" {
			dev = s.Config
		}
	}
	require.NotNil(t, dev, "the dev network stack file is missing")

	cases := []struct {
		name    string
		set     map[string]string
		zones   []string
		wantKey string
		wantVal string
	}{
		{name: "unparsable CIDR", set: map[string]string{"network:vpcCidr": "10.20.0.0/33"}, wantKey: "network:vpcCidr", wantVal: "10.20.0.0/33"},
		{name: "public CIDR", set: map[string]string{"network:vpcCidr": "8.8.0.0/16"}, wantKey: "network:vpcCidr", wantVal: "8.8.0.0/16"},
		{name: "VPC too small for its subnets", set: map[string]string{"network:vpcCidr": "10.20.0.0/22"}, wantKey: "network:appSubnetPrefix", wantVal: "20"},
		{name: "one zone", set: map[string]string{"network:azCount": "1"}, wantKey: "network:azCount", wantVal: "1"},
		{name: "more zones than the region offers", set: map[string]string{"network:azCount": "4"}, wantKey: "network:azCount", wantVal: "4"},
		{name: "zone the region lacks", set: map[string]string{"network:availabilityZones": `["eu-west-1a","eu-west-1z"]`, "network:azCount": "2"}, wantKey: "network:availabilityZones", wantVal: "eu-west-1z"},
		{name: "unknown tier", set: map[string]string{"network:tier": "production"}, wantKey: "network:tier", wantVal: "production"},
		{name: "bad tag key", set: map[string]string{"network:tags": `{"aws:owner":"x"}`}, wantKey: "network:tags", wantVal: "aws:owner"},
		{name: "overlapping explicit subnets", set: map[string]string{"network:databaseSubnetCidrs": `["10.20.0.0/24","10.20.1.0/24","10.20.2.0/24"]`, "network:databaseSubnetPrefix": ""}, wantKey: "network:databaseSubnetCidrs", wantVal: "10.20.0.0/24"},
		{name: "flow-log retention CloudWatch lacks", set: map[string]string{"network:flowLogRetentionDays": "10"}, wantKey: "network:flowLogRetentionDays", wantVal: "10"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := maps.Clone(dev)
			for k, v := range tc.set {
				if v == "" {
					delete(cfg, k)
				} else {
					cfg[k] = v
				}
			}
			m := pulumimocks.New()
			err := pulumimocks.Run(m, "network", "dev", cfg, func(ctx *pulumi.Context) error {
				return netstack.Program(ctx, pulumimocks.Exports{}.Export)
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantKey)
			assert.Contains(t, err.Error(), tc.wantVal)
			assert.Empty(t, m.Resources(), "resources were declared despite bad config")
		})
	}
}
