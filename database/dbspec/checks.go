package dbspec

import (
	"fmt"
	"net/netip"

	"github.com/pgplatform/platform/shared/config"
)

// CheckKeyAdmins holds the roles database:keyAdminRoleArns names to the
// account and partition the stack deploys to: the key policy may name
// only roles of its own account.
func CheckKeyAdmins(arns []string, partition, account string) error {
	for _, a := range arns {
		if p, acct, ok := config.RolePartitionAccount(a); !ok || p != partition || acct != account {
			return &config.Error{Key: "database:keyAdminRoleArns", Value: a, Allowed: fmt.Sprintf("IAM roles of the account this stack deploys to, arn:%s:iam::%s:role/<name>", partition, account)}
		}
	}
	return nil
}

// CheckAppSubnets holds the application subnet CIDRs a network stack
// exports to the least-privilege-ingress guardrail before the database
// opens its port to them: the guardrail checks config-given CIDRs before
// anything is declared, but these come from another stack's outputs, so a
// wrong or tampered output (0.0.0.0/0, a public range, a range outside the
// VPC) is caught here, still before any rule is declared.
func CheckAppSubnets(netStack, vpcCidr string, cidrs []string) error {
	vpc, err := netip.ParsePrefix(vpcCidr)
	if err != nil {
		return fmt.Errorf("guardrail least-privilege-ingress: network stack %s output vpcCidr = %q is not a CIDR", netStack, vpcCidr)
	}
	if len(cidrs) == 0 {
		return fmt.Errorf("guardrail least-privilege-ingress: network stack %s output appSubnetCidrs is empty: want the application subnets the database admits", netStack)
	}
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil || p != p.Masked() || !p.Addr().Is4() || p.Bits() < vpc.Bits() || !vpc.Contains(p.Addr()) {
			return fmt.Errorf("guardrail least-privilege-ingress: network stack %s output appSubnetCidrs holds %q: want IPv4 subnets inside the VPC %s, with no host bits set", netStack, c, vpcCidr)
		}
	}
	return nil
}
