package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// NetworkKeys are the keys of the network namespace, in the order of
// NetworkKeyTable.
var NetworkKeys = networkKeyNames()

// RecoveryOfKey is the network key that makes a stack the recovery network
// of its environment (see Network.RecoveryOf).
const RecoveryOfKey = "recoveryOf"

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
	// RecoveryOf is set on a recovery network: the environment whose
	// primary network (the network stack named after the environment) it
	// stands in for, in another region. It is always the stack's own
	// environment; empty on a primary network.
	RecoveryOf string
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

// NetworkKey is one key of the network namespace: its name, the form of
// its value, its default and what it allows (as the README's network key
// table shows them, generated from this table), the guardrail its
// validation enforces, and how it is read and checked.
type NetworkKey struct {
	Name, Type, Default, Allowed, Rule string
	// load reads the key into n, with its default, and validates it; it
	// may read keys loaded before it (the table's order).
	load func(k keyReader, n *Network) error
}

// NetworkKeyTable is every key of the network namespace, in the order the
// loader reads them. It generates NetworkKeys (the unknown-key check) and
// the README's network key table (go generate ./shared/config).
var NetworkKeyTable = []NetworkKey{
	{Name: "tier", Type: "string", Default: "required", Allowed: "`dev`, `staging` or `prod`, no looser than the environment's",
		load: func(k keyReader, n *Network) (err error) {
			n.Tier, err = k.tier()
			return err
		}},
	{Name: "environment", Type: "string", Default: "required", Allowed: "a lowercase name of 1-12 letters and digits; it binds the tier (see above) and the pinned AWS accounts",
		load: func(k keyReader, n *Network) (err error) {
			n.Environment, n.Region, n.AllowedAccountIDs, err = k.bind(n.Tier)
			return err
		}},
	{Name: RecoveryOfKey, Type: "string", Default: "none: the environment's primary network", Allowed: "the stack's own `environment`: this stack is that environment's recovery network, in another region than its primary network (checked across the stack files)",
		load: func(k keyReader, n *Network) error {
			v, set := k.raw(k.name)
			if !set {
				return nil
			}
			// A recovery network belongs to the environment it recovers:
			// its tier floor and pinned accounts are that environment's,
			// so naming another environment cannot loosen either.
			if v != n.Environment {
				return k.fail(v, fmt.Sprintf("%q, the stack's own environment (a recovery network belongs to the environment it recovers: same tier floor, same AWS accounts); leave the key out on a primary network", n.Environment))
			}
			n.RecoveryOf = v
			return nil
		}},
	{Name: "vpcCidr", Type: "string", Default: "required", Allowed: "an IPv4 CIDR in RFC 1918 space, /16 to /28",
		load: func(k keyReader, n *Network) (err error) {
			cidr := k.value("")
			if n.VpcCidr, err = parsePrivateCIDR(cidr); err != nil {
				return k.fail(cidr, "an IPv4 CIDR in RFC 1918 space ("+privateRangesText+") with no host bits set ("+err.Error()+")")
			}
			if b := n.VpcCidr.Bits(); b < 16 || b > 28 {
				return k.fail(cidr, "a prefix length from /16 to /28 (the sizes AWS allows for a VPC)")
			}
			return nil
		}},
	{Name: "availabilityZones", Type: "list of strings", Default: "the first `azCount` zones the region reports", Allowed: fmt.Sprintf("%d to %d zone names of the stack's region, each once", MinAZs, MaxAZs),
		load: func(k keyReader, n *Network) (err error) {
			if n.AvailabilityZones, err = k.list(); err != nil {
				return err
			}
			seen := map[string]bool{}
			for _, az := range n.AvailabilityZones {
				if !azPattern.MatchString(az) || !strings.HasPrefix(az, n.Region) {
					return k.fail(az, "zone names of the stack's region "+n.Region+" (e.g. "+n.Region+"a)")
				}
				if seen[az] {
					return k.fail(az, "each zone once")
				}
				seen[az] = true
			}
			if len(n.AvailabilityZones) == 1 {
				return k.fail(n.AvailabilityZones[0], "at least 2 zones")
			}
			if len(n.AvailabilityZones) > MaxAZs {
				return k.fail(strings.Join(n.AvailabilityZones, ","), fmt.Sprintf("at most %d zones", MaxAZs))
			}
			return nil
		}},
	{Name: "azCount", Type: "integer", Default: fmt.Sprintf("%d, or the number of `availabilityZones`", DefaultAZCount), Allowed: fmt.Sprintf("%d to %d, the number of `availabilityZones` when they are listed", MinAZs, MaxAZs),
		load: func(k keyReader, n *Network) (err error) {
			defCount := DefaultAZCount
			if len(n.AvailabilityZones) > 0 {
				defCount = len(n.AvailabilityZones)
			}
			if n.AZCount, err = k.integer(defCount); err != nil {
				return err
			}
			if n.AZCount < MinAZs || n.AZCount > MaxAZs {
				return k.fail(strconv.Itoa(n.AZCount), fmt.Sprintf("from %d to %d zones (Multi-AZ needs at least 2)", MinAZs, MaxAZs))
			}
			if len(n.AvailabilityZones) > 0 && len(n.AvailabilityZones) != n.AZCount {
				return k.fail(strconv.Itoa(n.AZCount), fmt.Sprintf("the number of zones listed in %s (%d), or leave azCount out", k.full("availabilityZones"), len(n.AvailabilityZones)))
			}
			return nil
		}},
	{Name: "appSubnetCidrs", Type: "list of strings", Default: "carved from `vpcCidr` (first)", Allowed: "one subnet per zone inside the VPC, /28 or larger, not overlapping; instead of `appSubnetPrefix`",
		load: func(k keyReader, n *Network) (err error) {
			n.AppSubnets, err = k.subnets(k.name, "appSubnetPrefix", DefaultAppSubnetPrefix, *n, nil)
			return err
		}},
	{Name: "appSubnetPrefix", Type: "integer", Default: strconv.Itoa(DefaultAppSubnetPrefix), Allowed: "a prefix length from the VPC's to /28; only when `appSubnetCidrs` is not set",
		// Read with appSubnetCidrs: the prefix carves the subnets the list
		// does not name.
		load: func(keyReader, *Network) error { return nil }},
	{Name: "databaseSubnetCidrs", Type: "list of strings", Default: "carved from `vpcCidr` after the application subnets", Allowed: "one subnet per zone inside the VPC, /28 or larger, not overlapping; instead of `databaseSubnetPrefix`",
		load: func(k keyReader, n *Network) (err error) {
			// Database subnets are carved after the application subnets.
			if n.DatabaseSubnets, err = k.subnets(k.name, "databaseSubnetPrefix", DefaultDatabaseSubnetPrefix, *n, n.AppSubnets); err != nil {
				return err
			}
			all := append(append([]netip.Prefix(nil), n.AppSubnets...), n.DatabaseSubnets...)
			for i := range all {
				for j := i + 1; j < len(all); j++ {
					if all[i].Overlaps(all[j]) {
						key := "databaseSubnetCidrs"
						if j < len(n.AppSubnets) {
							key = "appSubnetCidrs"
						}
						return k.reader.fail(key, all[j].String(), fmt.Sprintf("subnets that do not overlap (it overlaps %s)", all[i]))
					}
				}
			}
			return nil
		}},
	{Name: "databaseSubnetPrefix", Type: "integer", Default: strconv.Itoa(DefaultDatabaseSubnetPrefix), Allowed: "a prefix length from the VPC's to /28; only when `databaseSubnetCidrs` is not set",
		// Read with databaseSubnetCidrs.
		load: func(keyReader, *Network) error { return nil }},
	{Name: "natGateway", Type: "boolean", Default: "`false`", Allowed: "`true` gives each zone a NAT gateway in a small public subnet, the application subnets' way out",
		load: func(k keyReader, n *Network) (err error) {
			n.NatGateway, err = k.boolean(false)
			return err
		}},
	{Name: "publicSubnetPrefix", Type: "integer", Default: strconv.Itoa(DefaultPublicSubnetPrefix), Allowed: "a prefix length from the VPC's to /28; only with `natGateway: true`",
		load: func(k keyReader, n *Network) error {
			if !n.NatGateway {
				if v, set := k.raw(k.name); set {
					return k.fail(v, "no value unless natGateway is true (public subnets exist only for NAT gateways)")
				}
				return nil
			}
			bits, err := k.integer(DefaultPublicSubnetPrefix)
			if err != nil {
				return err
			}
			if bits < n.VpcCidr.Bits() || bits > 28 {
				return k.fail(strconv.Itoa(bits), fmt.Sprintf("a prefix length from /%d (the VPC's) to /28", n.VpcCidr.Bits()))
			}
			all := append(append([]netip.Prefix(nil), n.AppSubnets...), n.DatabaseSubnets...)
			var ok bool
			if n.PublicSubnets, ok = Carve(n.VpcCidr, bits, n.AZCount, all); !ok {
				return k.fail(strconv.Itoa(bits), fmt.Sprintf("a prefix small enough that %d public subnets for the NAT gateways fit in the VPC %s after the other subnets", n.AZCount, n.VpcCidr))
			}
			return nil
		}},
	{Name: "flowLogRetentionDays", Type: "integer", Default: strconv.Itoa(DefaultFlowLogRetentionDays), Allowed: "a CloudWatch Logs retention in days",
		load: func(k keyReader, n *Network) (err error) {
			n.FlowLogRetentionDays, err = k.logRetention(k.name, DefaultFlowLogRetentionDays)
			return err
		}},
	{Name: "tags", Type: "map of strings", Default: "none", Allowed: "AWS tag rules; not the platform's own keys",
		load: func(k keyReader, n *Network) (err error) {
			if n.Tags, err = k.stringMap(k.name); err != nil {
				return err
			}
			return k.validateTags(k.name, n.Tags)
		}},
}

func networkKeyNames() []string {
	names := make([]string, len(NetworkKeyTable))
	for i, k := range NetworkKeyTable {
		names[i] = k.Name
	}
	return names
}

// LoadNetwork reads and validates the network config, key by key in the
// order of NetworkKeyTable. It returns the first problem found as an
// *Error naming the key, the value and what is allowed.
func LoadNetwork(src Source) (Network, error) {
	r := reader{src: src}
	var n Network
	for _, k := range NetworkKeyTable {
		if err := k.load(keyReader{reader: r, name: k.Name, rule: k.Rule}, &n); err != nil {
			return Network{}, err
		}
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
