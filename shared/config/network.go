package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// NetworkKeys are the keys of the network namespace.
var NetworkKeys = []string{
	"environment", "tier", "vpcCidr", "availabilityZones", "azCount",
	"appSubnetPrefix", "databaseSubnetPrefix", "appSubnetCidrs",
	"databaseSubnetCidrs", "natGateway", "publicSubnetPrefix", "flowLogRetentionDays", "tags",
}

// Defaults of the network config.
const (
	DefaultAZCount              = 3
	DefaultAppSubnetPrefix      = 20
	DefaultDatabaseSubnetPrefix = 24
	DefaultFlowLogRetentionDays = 90
	DefaultPublicSubnetPrefix   = 26
	// MinAZs is the fewest zones a Multi-AZ database can be spread over.
	MinAZs = 2
	// MaxAZs is the most zones a network is spread over; no AWS region
	// offers more.
	MaxAZs = 6
)

// Network is the validated config of a network stack.
type Network struct {
	Environment string
	Tier        Tier
	Region      string
	// AllowedAccountIDs pins the AWS accounts the stack may deploy to
	// (aws:allowedAccountIds, read by the AWS provider too); required in
	// staging and prod tiers.
	AllowedAccountIDs []string
	VpcCidr           netip.Prefix
	// AvailabilityZones named in config; empty means "ask the region".
	AvailabilityZones []string
	// AZCount is how many zones get a subnet of each kind.
	AZCount int
	// AppSubnets and DatabaseSubnets hold one CIDR per zone, in zone order.
	AppSubnets      []netip.Prefix
	DatabaseSubnets []netip.Prefix
	// NatGateway gives the application subnets a way out: one NAT gateway
	// per zone in a small public subnet (PublicSubnets, one per zone).
	NatGateway           bool
	PublicSubnets        []netip.Prefix
	FlowLogRetentionDays int
	Tags                 map[string]string
}

var azPattern = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9][a-z]$`)

// LoadNetwork reads and validates the network config. It returns the first
// problem found as an *Error naming the key, the value and what is allowed.
func LoadNetwork(src Source) (Network, error) {
	r := reader{src: src}
	var n Network
	var err error
	if n.Tier, err = r.tier(); err != nil {
		return Network{}, err
	}
	if n.Environment, err = r.environment(); err != nil {
		return Network{}, err
	}
	if n.Region, err = region(src); err != nil {
		return Network{}, err
	}
	if err = r.checkTierFloor(n.Tier, n.Environment); err != nil {
		return Network{}, err
	}
	if n.AllowedAccountIDs, err = allowedAccountIDs(src, n.Tier); err != nil {
		return Network{}, err
	}
	cidr := r.str("vpcCidr", "")
	if n.VpcCidr, err = parsePrivateCIDR(cidr); err != nil {
		return Network{}, r.fail("vpcCidr", cidr, "an IPv4 CIDR in RFC 1918 space ("+privateRangesText+") with no host bits set ("+err.Error()+")")
	}
	if b := n.VpcCidr.Bits(); b < 16 || b > 28 {
		return Network{}, r.fail("vpcCidr", cidr, "a prefix length from /16 to /28 (the sizes AWS allows for a VPC)")
	}

	if n.AvailabilityZones, err = r.list("availabilityZones"); err != nil {
		return Network{}, err
	}
	seen := map[string]bool{}
	for _, az := range n.AvailabilityZones {
		if !azPattern.MatchString(az) || !strings.HasPrefix(az, n.Region) {
			return Network{}, r.fail("availabilityZones", az, "zone names of the stack's region "+n.Region+" (e.g. "+n.Region+"a)")
		}
		if seen[az] {
			return Network{}, r.fail("availabilityZones", az, "each zone once")
		}
		seen[az] = true
	}
	if len(n.AvailabilityZones) == 1 {
		return Network{}, r.fail("availabilityZones", n.AvailabilityZones[0], "at least 2 zones")
	}
	if len(n.AvailabilityZones) > MaxAZs {
		return Network{}, r.fail("availabilityZones", strings.Join(n.AvailabilityZones, ","), fmt.Sprintf("at most %d zones", MaxAZs))
	}
	defCount := DefaultAZCount
	if len(n.AvailabilityZones) > 0 {
		defCount = len(n.AvailabilityZones)
	}
	if n.AZCount, err = r.integer("azCount", defCount); err != nil {
		return Network{}, err
	}
	if n.AZCount < MinAZs || n.AZCount > MaxAZs {
		return Network{}, r.fail("azCount", strconv.Itoa(n.AZCount), fmt.Sprintf("from %d to %d zones (Multi-AZ needs at least 2)", MinAZs, MaxAZs))
	}
	if len(n.AvailabilityZones) > 0 && len(n.AvailabilityZones) != n.AZCount {
		return Network{}, r.fail("azCount", strconv.Itoa(n.AZCount), fmt.Sprintf("the number of zones listed in %s (%d), or leave azCount out", r.full("availabilityZones"), len(n.AvailabilityZones)))
	}

	if n.AppSubnets, err = r.subnets("appSubnetCidrs", "appSubnetPrefix", DefaultAppSubnetPrefix, n, nil); err != nil {
		return Network{}, err
	}
	// Database subnets are carved after the application subnets.
	if n.DatabaseSubnets, err = r.subnets("databaseSubnetCidrs", "databaseSubnetPrefix", DefaultDatabaseSubnetPrefix, n, n.AppSubnets); err != nil {
		return Network{}, err
	}
	all := append(append([]netip.Prefix(nil), n.AppSubnets...), n.DatabaseSubnets...)
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if all[i].Overlaps(all[j]) {
				key := "databaseSubnetCidrs"
				if j < len(n.AppSubnets) {
					key = "appSubnetCidrs"
				}
				return Network{}, r.fail(key, all[j].String(), fmt.Sprintf("subnets that do not overlap (it overlaps %s)", all[i]))
			}
		}
	}

	if n.NatGateway, _, err = r.boolean("natGateway", false); err != nil {
		return Network{}, err
	}
	if n.NatGateway {
		bits, err := r.integer("publicSubnetPrefix", DefaultPublicSubnetPrefix)
		if err != nil {
			return Network{}, err
		}
		if bits < n.VpcCidr.Bits() || bits > 28 {
			return Network{}, r.fail("publicSubnetPrefix", strconv.Itoa(bits), fmt.Sprintf("a prefix length from /%d (the VPC's) to /28", n.VpcCidr.Bits()))
		}
		var ok bool
		if n.PublicSubnets, ok = Carve(n.VpcCidr, bits, n.AZCount, all); !ok {
			return Network{}, r.fail("publicSubnetPrefix", strconv.Itoa(bits), fmt.Sprintf("a prefix small enough that %d public subnets for the NAT gateways fit in the VPC %s after the other subnets", n.AZCount, n.VpcCidr))
		}
	} else if v, set := r.raw("publicSubnetPrefix"); set {
		return Network{}, r.fail("publicSubnetPrefix", v, "no value unless natGateway is true (public subnets exist only for NAT gateways)")
	}
	if n.FlowLogRetentionDays, err = r.logRetention("flowLogRetentionDays", DefaultFlowLogRetentionDays); err != nil {
		return Network{}, err
	}
	if n.Tags, err = r.stringMap("tags"); err != nil {
		return Network{}, err
	}
	if err := r.validateTags("tags", n.Tags); err != nil {
		return Network{}, err
	}
	return n, nil
}

// subnets returns AZCount subnets: the explicit list under listKey when it is
// set, otherwise consecutive blocks of the prefix under prefixKey carved from
// the VPC after the subnets in `after`.
func (r reader) subnets(listKey, prefixKey string, defPrefix int, n Network, after []netip.Prefix) ([]netip.Prefix, error) {
	explicit, err := r.list(listKey)
	if err != nil {
		return nil, err
	}
	if len(explicit) > 0 {
		if v, set := r.raw(prefixKey); set {
			return nil, r.fail(prefixKey, v, "no value when "+r.full(listKey)+" lists the subnets (use one or the other)")
		}
		if len(explicit) != n.AZCount {
			return nil, r.fail(listKey, strings.Join(explicit, ","), fmt.Sprintf("exactly one subnet per zone (%d)", n.AZCount))
		}
		out := make([]netip.Prefix, 0, len(explicit))
		for _, s := range explicit {
			p, err := parsePrivateCIDR(s)
			if err != nil {
				return nil, r.fail(listKey, s, "IPv4 CIDRs with no host bits set ("+err.Error()+")")
			}
			if !contains(n.VpcCidr, p) {
				return nil, r.fail(listKey, s, "subnets inside the VPC "+n.VpcCidr.String())
			}
			if p.Bits() > 28 {
				return nil, r.fail(listKey, s, "subnets of /28 or larger (AWS's smallest subnet)")
			}
			out = append(out, p)
		}
		return out, nil
	}
	bits, err := r.integer(prefixKey, defPrefix)
	if err != nil {
		return nil, err
	}
	if bits < n.VpcCidr.Bits() || bits > 28 {
		return nil, r.fail(prefixKey, strconv.Itoa(bits), fmt.Sprintf("a prefix length from /%d (the VPC's) to /28", n.VpcCidr.Bits()))
	}
	out, ok := Carve(n.VpcCidr, bits, n.AZCount, after)
	if !ok {
		return nil, r.fail(prefixKey, strconv.Itoa(bits), fmt.Sprintf("a prefix small enough that %d such subnets fit in the VPC %s after %d earlier subnets", n.AZCount, n.VpcCidr, len(after)))
	}
	return out, nil
}

// Carve returns count consecutive /bits blocks of vpc, starting at the first
// /bits boundary past the end of every prefix in after. It reports false when
// they do not fit in the VPC.
func Carve(vpc netip.Prefix, bits, count int, after []netip.Prefix) ([]netip.Prefix, bool) {
	base := u32(vpc.Addr())
	vpcEnd := uint64(base) + 1<<(32-vpc.Bits())
	start := uint64(base)
	for _, p := range after {
		if end := uint64(u32(p.Addr())) + 1<<(32-p.Bits()); end > start {
			start = end
		}
	}
	size := uint64(1) << (32 - bits)
	start = (start + size - 1) / size * size
	out := make([]netip.Prefix, 0, count)
	for i := range count {
		lo := start + uint64(i)*size
		if lo+size > vpcEnd {
			return nil, false
		}
		addr := netip.AddrFrom4([4]byte{byte(lo >> 24), byte(lo >> 16), byte(lo >> 8), byte(lo)})
		out = append(out, netip.PrefixFrom(addr, bits))
	}
	return out, true
}

func u32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
