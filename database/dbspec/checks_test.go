package dbspec_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbspec"
	"github.com/pgplatform/platform/shared/config"
)

// TestCheckKeyAdmins: the key policy may name only roles of the account
// and partition the stack deploys to; anything else is refused naming the
// key, the value and the form allowed.
func TestCheckKeyAdmins(t *testing.T) {
	require.NoError(t, dbspec.CheckKeyAdmins(nil, "aws", "123456789012"), "no administrators")
	require.NoError(t, dbspec.CheckKeyAdmins([]string{
		"arn:aws:iam::123456789012:role/platform-admin",
		"arn:aws:iam::123456789012:role/teams/dba",
	}, "aws", "123456789012"))
	for _, tc := range []struct{ name, arn string }{
		{"another account", "arn:aws:iam::111122223333:role/platform-admin"},
		{"another partition", "arn:aws-cn:iam::123456789012:role/platform-admin"},
		{"a user, not a role", "arn:aws:iam::123456789012:user/alice"},
		{"not an ARN", "platform-admin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := dbspec.CheckKeyAdmins([]string{"arn:aws:iam::123456789012:role/ok", tc.arn}, "aws", "123456789012")
			var ce *config.Error
			require.True(t, errors.As(err, &ce), "%v", err)
			assert.Equal(t, "database:keyAdminRoleArns", ce.Key)
			assert.Equal(t, tc.arn, ce.Value)
			assert.Contains(t, ce.Allowed, "arn:aws:iam::123456789012:role/<name>")
		})
	}
}

// TestCheckAppSubnets: the application subnets a network stack exports
// must be IPv4 subnets inside its VPC, with no host bits set, before the
// database opens its port to them; the refusal names the guardrail, the
// output and the value.
func TestCheckAppSubnets(t *testing.T) {
	const vpc = "10.20.0.0/16"
	require.NoError(t, dbspec.CheckAppSubnets("organization/network/dev", vpc, []string{"10.20.0.0/20", "10.20.16.0/20"}))
	for _, tc := range []struct {
		name, vpc string
		cidrs     []string
		want      string
	}{
		{"everywhere", vpc, []string{"10.20.0.0/20", "0.0.0.0/0"}, `appSubnetCidrs holds "0.0.0.0/0"`},
		{"a public range", vpc, []string{"8.8.8.0/24"}, `"8.8.8.0/24"`},
		{"outside the VPC", vpc, []string{"10.99.0.0/20"}, `"10.99.0.0/20"`},
		{"wider than the VPC", vpc, []string{"10.0.0.0/8"}, `"10.0.0.0/8"`},
		{"host bits set", vpc, []string{"10.20.0.1/20"}, `"10.20.0.1/20"`},
		{"IPv6", vpc, []string{"2001:db8::/64"}, `"2001:db8::/64"`},
		{"not a CIDR", vpc, []string{"app-subnet-a"}, `"app-subnet-a"`},
		{"none", vpc, nil, "appSubnetCidrs is empty"},
		{"VPC not a CIDR", "vpc-1", []string{"10.20.0.0/20"}, `vpcCidr = "vpc-1" is not a CIDR`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := dbspec.CheckAppSubnets("organization/network/dev", tc.vpc, tc.cidrs)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "guardrail least-privilege-ingress")
			assert.Contains(t, err.Error(), "organization/network/dev")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
