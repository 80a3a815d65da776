package verify

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// checkSubnetGroup reads the instance's subnet group: complete, all subnets
// active, at least two AZs including the primary's and the standby's, and,
// when the network stack could be read, exactly its database subnets in its
// VPC.
func checkSubnetGroup(ctx context.Context, api RDS, inst rdstypes.DBInstance, net *stackout.Network, netErr error) check.Result {
	var name string
	if inst.DBSubnetGroup != nil {
		name = deref(inst.DBSubnetGroup.DBSubnetGroupName)
	}
	return subnetGroupResult(ctx, api, name, "instance", []string{deref(inst.AvailabilityZone), deref(inst.SecondaryAvailabilityZone)}, net, netErr)
}

// subnetGroupResult checks the subnet group name of a database (what is
// "instance" or "cluster") whose servers run in zones.
func subnetGroupResult(ctx context.Context, api RDS, name, what string, zones []string, net *stackout.Network, netErr error) check.Result {
	if name == "" {
		return check.Failf(CheckSubnetGroup, "the %s reports no subnet group", what)
	}
	out, err := api.DescribeDBSubnetGroups(ctx, &rds.DescribeDBSubnetGroupsInput{DBSubnetGroupName: &name})
	if err != nil {
		return check.Unknownf(CheckSubnetGroup, "describe subnet group %s: %v", name, err)
	}
	var sg *rdstypes.DBSubnetGroup
	for i := range out.DBSubnetGroups {
		if deref(out.DBSubnetGroups[i].DBSubnetGroupName) == name {
			sg = &out.DBSubnetGroups[i]
		}
	}
	if sg == nil {
		return check.Failf(CheckSubnetGroup, "subnet group %s does not exist", name)
	}
	var bad []string
	if st := deref(sg.SubnetGroupStatus); st != "Complete" {
		bad = append(bad, fmt.Sprintf("status %s, want Complete", orNone(st)))
	}
	azs := map[string]bool{}
	var ids []string
	for _, s := range sg.Subnets {
		id := deref(s.SubnetIdentifier)
		ids = append(ids, id)
		if st := deref(s.SubnetStatus); st != "Active" {
			bad = append(bad, fmt.Sprintf("subnet %s is %s", id, orNone(st)))
		}
		if s.SubnetAvailabilityZone != nil {
			azs[deref(s.SubnetAvailabilityZone.Name)] = true
		}
	}
	if len(azs) < 2 {
		bad = append(bad, fmt.Sprintf("subnets span %d AZ(s), want at least 2 for a standby", len(azs)))
	}
	for _, az := range zones {
		if az != "" && !azs[az] {
			bad = append(bad, fmt.Sprintf("the %s runs in %s, which none of the group's subnets is in", what, az))
		}
	}
	sort.Strings(ids)
	if net != nil {
		if got := deref(sg.VpcId); got != net.VpcID {
			bad = append(bad, fmt.Sprintf("VPC %s is not the network's %s", got, net.VpcID))
		}
		want := slices.Clone(net.DatabaseSubnetIDs)
		sort.Strings(want)
		if !slices.Equal(ids, want) {
			bad = append(bad, fmt.Sprintf("subnets [%s] are not the network's database subnets [%s]", strings.Join(ids, ", "), strings.Join(want, ", ")))
		}
	}
	if len(bad) > 0 {
		return check.Failf(CheckSubnetGroup, "subnet group %s: %s", name, strings.Join(bad, "; "))
	}
	if net == nil {
		return check.Unknownf(CheckSubnetGroup, "subnet group %s is complete over %d AZs, but the network stack could not be read to compare subnets: %v", name, len(azs), netErr)
	}
	return check.Passf(CheckSubnetGroup, "subnet group %s: the network's %d database subnets over %d AZs", name, len(ids), len(azs))
}

// checkSecurityGroups compares what the instance's security groups admit
// with the config: only TCP on the database port, only from the network's
// application subnets, the stack's allowedCidrs and its
// allowedSecurityGroupIds, and each of those admitted.
//
// With an RDS Proxy (px not nil) the proxy's security groups are admitted
// too, and unless the spec keeps direct access (spec.Proxy.DirectAccess)
// they are the only sources: no subnet, CIDR or other group may reach the
// database past the proxy.
func checkSecurityGroups(ctx context.Context, api EC2, attached []string, what string, out stackout.Database, exp Expect, px *proxyView, net *stackout.Network, netErr error) check.Result {
	var bad []string
	if !slices.Contains(attached, out.SecurityGroupID) {
		bad = append(bad, fmt.Sprintf("the stack's security group %s is not attached to the %s", out.SecurityGroupID, what))
	}
	for _, id := range attached {
		if id != out.SecurityGroupID {
			bad = append(bad, fmt.Sprintf("security group %s is attached to the %s but is not the stack's (attached outside Pulumi?)", id, what))
		}
	}
	proxyOnly := px != nil && !exp.Proxy.DirectAccess
	allowedGroups := map[string]string{}
	if !proxyOnly {
		for _, g := range exp.AllowedSecurityGroups {
			allowedGroups[g] = "database:allowedSecurityGroupIds"
		}
	}
	if px != nil {
		if px.err != nil {
			return check.Unknownf(CheckSecurityGroup, "the proxy could not be read to learn its security groups: %v", px.err)
		}
		for _, g := range px.proxy.VpcSecurityGroupIds {
			allowedGroups[g] = "the RDS Proxy's"
		}
	}
	ids := slices.Clone(attached)
	if !slices.Contains(ids, out.SecurityGroupID) {
		ids = append(ids, out.SecurityGroupID)
	}
	res, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: ids})
	if err != nil {
		return check.Unknownf(CheckSecurityGroup, "describe security groups %s: %v", strings.Join(ids, ", "), err)
	}

	wantCidrs := map[netip.Prefix]string{}
	for _, c := range exp.AllowedCidrs {
		wantCidrs[c.Masked()] = "database:allowedCidrs"
	}
	if proxyOnly {
		wantCidrs = map[netip.Prefix]string{}
	}
	if net != nil && !proxyOnly {
		for _, c := range net.AppSubnetCidrs {
			p, err := netip.ParsePrefix(c)
			if err != nil {
				bad = append(bad, fmt.Sprintf("network output appSubnetCidrs holds %q, not a CIDR", c))
				continue
			}
			wantCidrs[p.Masked()] = "an application subnet"
		}
	}
	seenCidrs := map[netip.Prefix]bool{}
	seenGroups := map[string]bool{}
	var unsure []string
	port := int32(out.Port)
	for _, g := range res.SecurityGroups {
		gid := deref(g.GroupId)
		for _, p := range g.IpPermissions {
			what, ok := portsOK(p, port)
			if !ok {
				bad = append(bad, fmt.Sprintf("%s admits %s", gid, what))
			}
			for _, r := range p.IpRanges {
				c := deref(r.CidrIp)
				pre, err := netip.ParsePrefix(c)
				switch {
				case err != nil:
					bad = append(bad, fmt.Sprintf("%s admits %q, not a CIDR", gid, c))
				case pre.Bits() == 0:
					bad = append(bad, fmt.Sprintf("%s admits %s on %s: the database is open to the whole internet", gid, c, what))
				case wantCidrs[pre.Masked()] != "":
					if ok {
						seenCidrs[pre.Masked()] = true
					}
				case proxyOnly:
					bad = append(bad, fmt.Sprintf("%s admits %s, but behind the RDS Proxy only the proxy's security group may reach the database (the spec keeps no direct access)", gid, c))
				case net == nil:
					unsure = append(unsure, fmt.Sprintf("%s admits %s", gid, c))
				default:
					bad = append(bad, fmt.Sprintf("%s admits %s, which is neither an application subnet nor in database:allowedCidrs", gid, c))
				}
			}
			for _, r := range p.Ipv6Ranges {
				c := deref(r.CidrIpv6)
				if pre, err := netip.ParsePrefix(c); err == nil && pre.Bits() == 0 {
					bad = append(bad, fmt.Sprintf("%s admits %s on %s: the database is open to the whole IPv6 internet", gid, c, what))
				} else {
					bad = append(bad, fmt.Sprintf("%s admits IPv6 range %s, which the config does not name", gid, c))
				}
			}
			for _, pl := range p.PrefixListIds {
				bad = append(bad, fmt.Sprintf("%s admits prefix list %s, which the config does not name", gid, deref(pl.PrefixListId)))
			}
			for _, pair := range p.UserIdGroupPairs {
				src := deref(pair.GroupId)
				if allowedGroups[src] != "" {
					if ok {
						seenGroups[src] = true
					}
					continue
				}
				if proxyOnly {
					bad = append(bad, fmt.Sprintf("%s admits security group %s, but behind the RDS Proxy only the proxy's security group may reach the database", gid, src))
					continue
				}
				bad = append(bad, fmt.Sprintf("%s admits security group %s, which database:allowedSecurityGroupIds does not name", gid, src))
			}
		}
	}
	if !slices.ContainsFunc(res.SecurityGroups, func(g ec2types.SecurityGroup) bool { return deref(g.GroupId) == out.SecurityGroupID }) {
		bad = append(bad, fmt.Sprintf("security group %s does not exist", out.SecurityGroupID))
	}
	var missing []string
	for c, why := range wantCidrs {
		if !seenCidrs[c] {
			missing = append(missing, fmt.Sprintf("%s (%s)", c, why))
		}
	}
	for sg, why := range allowedGroups {
		if !seenGroups[sg] {
			missing = append(missing, sg+" ("+why+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		bad = append(bad, fmt.Sprintf("no rule admits %s on port %d: those clients cannot connect", strings.Join(missing, ", "), port))
	}
	if len(bad) > 0 {
		return check.Failf(CheckSecurityGroup, "%s", strings.Join(bad, "; "))
	}
	if proxyOnly {
		return check.Passf(CheckSecurityGroup, "%s admits only TCP %d from the RDS Proxy's security group(s) %s", out.SecurityGroupID, port, strings.Join(px.proxy.VpcSecurityGroupIds, ", "))
	}
	if net == nil {
		if len(unsure) > 0 {
			return check.Unknownf(CheckSecurityGroup, "%s: the network stack could not be read to tell whether these are application subnets: %v", strings.Join(unsure, "; "), netErr)
		}
		return check.Unknownf(CheckSecurityGroup, "nothing beyond the config is admitted, but the network stack could not be read to check the application subnets: %v", netErr)
	}
	return check.Passf(CheckSecurityGroup, "%s admits only TCP %d from %d application subnet(s), %d configured CIDR(s) and %d configured security group(s)", out.SecurityGroupID, port, len(net.AppSubnetCidrs), len(exp.AllowedCidrs), len(allowedGroups))
}

// portsOK reports whether a rule admits TCP on port only, and describes
// what it admits.
func portsOK(p ec2types.IpPermission, port int32) (string, bool) {
	proto := deref(p.IpProtocol)
	from, to := deref(p.FromPort), deref(p.ToPort)
	switch proto {
	case "-1", "all":
		return "all traffic (every protocol and port)", false
	case "tcp", "6":
	default:
		return fmt.Sprintf("protocol %s ports %d-%d", proto, from, to), false
	}
	if from != port || to != port {
		if from == to {
			return fmt.Sprintf("TCP port %d, not the database port %d", from, port), false
		}
		return fmt.Sprintf("TCP ports %d-%d, not only the database port %d", from, to, port), false
	}
	return fmt.Sprintf("TCP %d", port), true
}
