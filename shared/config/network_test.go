package config_test

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/config"
)

func loadNetwork(src config.Source) error {
	_, err := config.LoadNetwork(src)
	return err
}

// js is the JSON form of a list or map, as the engine passes config
// objects to a program.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestLoadNetworkRejects(t *testing.T) {
	long := strings.Repeat("k", 129)
	longValue := strings.Repeat("v", 257)
	cases := []rejection{
		// tier, environment, region
		{"tier missing", map[string]string{"network:tier": unset}, "network:tier", "", "one of dev, staging, prod"},
		{"tier unknown", map[string]string{"network:tier": "production"}, "network:tier", "production", "one of dev, staging, prod"},
		{"tier upper case", map[string]string{"network:tier": "Prod"}, "network:tier", "Prod", "one of dev, staging, prod"},
		{"environment missing", map[string]string{"network:environment": unset}, "network:environment", "", "lowercase name of 1-12"},
		{"environment upper case", map[string]string{"network:environment": "Dev"}, "network:environment", "Dev", "lowercase name of 1-12"},
		{"environment with hyphen", map[string]string{"network:environment": "dev-1"}, "network:environment", "dev-1", "letters and digits"},
		{"environment too long", map[string]string{"network:environment": "developmentxx"}, "network:environment", "developmentxx", "1-12"},
		{"recoveryOf another environment", map[string]string{"network:recoveryOf": "prod"}, "network:recoveryOf", "prod", `"dev", the stack's own environment (a recovery network belongs to the environment it recovers`},
		{"recoveryOf in another case", map[string]string{"network:recoveryOf": "Dev"}, "network:recoveryOf", "Dev", "leave the key out on a primary network"},
		{"region missing", map[string]string{"aws:region": unset}, "aws:region", "", "an AWS region name"},
		{"region malformed", map[string]string{"aws:region": "europe"}, "aws:region", "europe", "an AWS region name"},

		// vpcCidr
		{"vpc missing", map[string]string{"network:vpcCidr": unset}, "network:vpcCidr", "", "RFC 1918"},
		{"vpc does not parse", map[string]string{"network:vpcCidr": "10.20.0.0"}, "network:vpcCidr", "10.20.0.0", "not a CIDR"},
		{"vpc prefix out of range", map[string]string{"network:vpcCidr": "10.20.0.0/33"}, "network:vpcCidr", "10.20.0.0/33", "not a CIDR"},
		{"vpc garbage", map[string]string{"network:vpcCidr": "ten.twenty/16"}, "network:vpcCidr", "ten.twenty/16", "not a CIDR"},
		{"vpc public", map[string]string{"network:vpcCidr": "8.8.0.0/16"}, "network:vpcCidr", "8.8.0.0/16", "not in RFC 1918 space"},
		{"vpc just past 172.16/12", map[string]string{"network:vpcCidr": "172.32.0.0/16"}, "network:vpcCidr", "172.32.0.0/16", "10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"},
		{"vpc carrier-grade NAT", map[string]string{"network:vpcCidr": "100.64.0.0/16"}, "network:vpcCidr", "100.64.0.0/16", "not in RFC 1918 space"},
		{"vpc straddles 10/8", map[string]string{"network:vpcCidr": "8.0.0.0/6"}, "network:vpcCidr", "8.0.0.0/6", "not in RFC 1918 space"},
		{"vpc host bits", map[string]string{"network:vpcCidr": "10.20.1.0/16"}, "network:vpcCidr", "10.20.1.0/16", "did you mean 10.20.0.0/16?"},
		{"vpc IPv6", map[string]string{"network:vpcCidr": "fd00::/48"}, "network:vpcCidr", "fd00::/48", "not IPv4"},
		{"vpc IPv4-mapped IPv6", map[string]string{"network:vpcCidr": "::ffff:10.20.0.0/112"}, "network:vpcCidr", "::ffff:10.20.0.0/112", "not IPv4"},
		{"vpc larger than /16", map[string]string{"network:vpcCidr": "10.0.0.0/8"}, "network:vpcCidr", "10.0.0.0/8", "from /16 to /28"},
		{"vpc smaller than /28", map[string]string{"network:vpcCidr": "10.0.0.0/29"}, "network:vpcCidr", "10.0.0.0/29", "from /16 to /28"},

		// zones
		{"azCount 1", map[string]string{"network:azCount": "1"}, "network:azCount", "1", "from 2 to 6 zones"},
		{"azCount 0", map[string]string{"network:azCount": "0"}, "network:azCount", "0", "Multi-AZ needs at least 2"},
		{"azCount negative", map[string]string{"network:azCount": "-3"}, "network:azCount", "-3", "from 2 to 6"},
		{"azCount 7", map[string]string{"network:azCount": "7"}, "network:azCount", "7", "from 2 to 6"},
		{"azCount not a number", map[string]string{"network:azCount": "three"}, "network:azCount", "three", "a whole number"},
		{"azCount fraction", map[string]string{"network:azCount": "2.5"}, "network:azCount", "2.5", "a whole number"},
		{"zones not a list", map[string]string{"network:availabilityZones": "eu-west-1a,eu-west-1b"}, "network:availabilityZones", "eu-west-1a,eu-west-1b", "a list of strings"},
		{"zones list of numbers", map[string]string{"network:availabilityZones": "[1,2]"}, "network:availabilityZones", "[1,2]", "a list of strings"},
		{"one zone listed", map[string]string{"network:availabilityZones": js([]string{"eu-west-1a"})}, "network:availabilityZones", "eu-west-1a", "at least 2 zones"},
		{"one zone listed with azCount 1", map[string]string{"network:availabilityZones": js([]string{"eu-west-1a"}), "network:azCount": "1"}, "network:availabilityZones", "eu-west-1a", "at least 2 zones"},
		{"more zones than azCount", map[string]string{"network:availabilityZones": js([]string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}), "network:azCount": "2"}, "network:azCount", "2", "the number of zones listed in network:availabilityZones (3)"},
		{"fewer zones than azCount", map[string]string{"network:availabilityZones": js([]string{"eu-west-1a", "eu-west-1b"}), "network:azCount": "3"}, "network:azCount", "3", "the number of zones listed in network:availabilityZones (2)"},
		{"seven zones listed", map[string]string{"network:availabilityZones": js([]string{"eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d", "eu-west-1e", "eu-west-1f", "eu-west-1g"})}, "network:availabilityZones", "eu-west-1a,eu-west-1b,eu-west-1c,eu-west-1d,eu-west-1e,eu-west-1f,eu-west-1g", "at most 6 zones"},
		{"zone listed twice", map[string]string{"network:availabilityZones": js([]string{"eu-west-1a", "eu-west-1b", "eu-west-1a"})}, "network:availabilityZones", "eu-west-1a", "each zone once"},
		{"zone of another region", map[string]string{"network:availabilityZones": js([]string{"eu-west-1a", "us-east-1b"})}, "network:availabilityZones", "us-east-1b", "zone names of the stack's region eu-west-1"},
		{"zone of a region with the same stem", map[string]string{"network:availabilityZones": js([]string{"eu-west-1a", "eu-west-2b"})}, "network:availabilityZones", "eu-west-2b", "eu-west-1a"},
		{"zone is a region", map[string]string{"network:availabilityZones": js([]string{"eu-west-1", "eu-west-1b"})}, "network:availabilityZones", "eu-west-1", "zone names of the stack's region"},
		{"zone id instead of name", map[string]string{"network:availabilityZones": js([]string{"euw1-az1", "euw1-az2"})}, "network:availabilityZones", "euw1-az1", "zone names"},
		{"zone upper case", map[string]string{"network:availabilityZones": js([]string{"EU-WEST-1A", "eu-west-1b"})}, "network:availabilityZones", "EU-WEST-1A", "zone names"},

		// prefixes too small or out of range
		{"vpc too small for app subnets", map[string]string{"network:vpcCidr": "10.20.0.0/24"}, "network:appSubnetPrefix", "20", "from /24 (the VPC's) to /28"},
		{"app subnets do not fit", map[string]string{"network:vpcCidr": "10.20.0.0/19"}, "network:appSubnetPrefix", "20", "3 such subnets fit in the VPC 10.20.0.0/19"},
		{"database subnets do not fit after app", map[string]string{"network:vpcCidr": "10.20.0.0/18", "network:databaseSubnetPrefix": "21"}, "network:databaseSubnetPrefix", "21", "3 such subnets fit in the VPC 10.20.0.0/18 after 3 earlier subnets"},
		{"six zones do not fit", map[string]string{"network:vpcCidr": "10.20.0.0/18", "network:azCount": "6"}, "network:appSubnetPrefix", "20", "6 such subnets fit"},
		{"app prefix wider than vpc", map[string]string{"network:appSubnetPrefix": "15"}, "network:appSubnetPrefix", "15", "from /16 (the VPC's) to /28"},
		{"app prefix narrower than /28", map[string]string{"network:appSubnetPrefix": "29"}, "network:appSubnetPrefix", "29", "to /28"},
		{"app prefix not a number", map[string]string{"network:appSubnetPrefix": "/20"}, "network:appSubnetPrefix", "/20", "a whole number"},
		{"database prefix narrower than /28", map[string]string{"network:databaseSubnetPrefix": "32"}, "network:databaseSubnetPrefix", "32", "to /28"},
		{"database prefix negative", map[string]string{"network:databaseSubnetPrefix": "-1"}, "network:databaseSubnetPrefix", "-1", "from /16"},

		// explicit subnet lists
		{"app list too short", map[string]string{"network:appSubnetCidrs": js([]string{"10.20.0.0/20", "10.20.16.0/20"})}, "network:appSubnetCidrs", "10.20.0.0/20,10.20.16.0/20", "exactly one subnet per zone (3)"},
		{"database list too long", map[string]string{"network:azCount": "2", "network:databaseSubnetCidrs": js([]string{"10.20.100.0/24", "10.20.101.0/24", "10.20.102.0/24"})}, "network:databaseSubnetCidrs", "10.20.100.0/24,10.20.101.0/24,10.20.102.0/24", "exactly one subnet per zone (2)"},
		{"app subnet outside vpc", map[string]string{"network:appSubnetCidrs": js([]string{"10.20.0.0/20", "10.21.0.0/20", "10.20.32.0/20"})}, "network:appSubnetCidrs", "10.21.0.0/20", "subnets inside the VPC 10.20.0.0/16"},
		{"database subnet larger than vpc", map[string]string{"network:databaseSubnetCidrs": js([]string{"10.20.0.0/15", "10.20.1.0/24", "10.20.2.0/24"})}, "network:databaseSubnetCidrs", "10.20.0.0/15", "subnets inside the VPC 10.20.0.0/16"},
		{"database subnet is a supernet", map[string]string{"network:databaseSubnetCidrs": js([]string{"10.0.0.0/8", "10.20.1.0/24", "10.20.2.0/24"})}, "network:databaseSubnetCidrs", "10.0.0.0/8", "subnets inside the VPC"},
		{"database subnet public", map[string]string{"network:databaseSubnetCidrs": js([]string{"8.8.8.0/24", "10.20.101.0/24", "10.20.102.0/24"})}, "network:databaseSubnetCidrs", "8.8.8.0/24", "not in RFC 1918 space"},
		{"app subnet host bits", map[string]string{"network:appSubnetCidrs": js([]string{"10.20.0.1/20", "10.20.16.0/20", "10.20.32.0/20"})}, "network:appSubnetCidrs", "10.20.0.1/20", "host bits set (did you mean 10.20.0.0/20?)"},
		{"app subnet does not parse", map[string]string{"network:appSubnetCidrs": js([]string{"10.20.0.0", "10.20.16.0/20", "10.20.32.0/20"})}, "network:appSubnetCidrs", "10.20.0.0", "not a CIDR"},
		{"app subnet IPv6", map[string]string{"network:appSubnetCidrs": js([]string{"fd00::/64", "10.20.16.0/20", "10.20.32.0/20"})}, "network:appSubnetCidrs", "fd00::/64", "not IPv4"},
		{"database subnet smaller than /28", map[string]string{"network:databaseSubnetCidrs": js([]string{"10.20.100.0/29", "10.20.101.0/24", "10.20.102.0/24"})}, "network:databaseSubnetCidrs", "10.20.100.0/29", "/28 or larger"},
		{"app list and prefix", map[string]string{"network:appSubnetCidrs": js([]string{"10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"}), "network:appSubnetPrefix": "20"}, "network:appSubnetPrefix", "20", "no value when network:appSubnetCidrs lists the subnets"},
		{"database list and prefix", map[string]string{"network:databaseSubnetCidrs": js([]string{"10.20.100.0/24", "10.20.101.0/24", "10.20.102.0/24"}), "network:databaseSubnetPrefix": "24"}, "network:databaseSubnetPrefix", "24", "use one or the other"},
		{"app list not JSON", map[string]string{"network:appSubnetCidrs": "10.20.0.0/20"}, "network:appSubnetCidrs", "10.20.0.0/20", "a list of strings"},
		{"database list of objects", map[string]string{"network:databaseSubnetCidrs": `[{"cidr":"10.20.100.0/24"}]`}, "network:databaseSubnetCidrs", `[{"cidr":"10.20.100.0/24"}]`, "a list of strings"},

		// overlaps
		{"app subnets overlap each other", map[string]string{"network:appSubnetCidrs": js([]string{"10.20.0.0/20", "10.20.0.0/21", "10.20.32.0/20"})}, "network:appSubnetCidrs", "10.20.0.0/21", "subnets that do not overlap (it overlaps 10.20.0.0/20)"},
		{"app subnet listed twice", map[string]string{"network:appSubnetCidrs": js([]string{"10.20.0.0/20", "10.20.16.0/20", "10.20.0.0/20"})}, "network:appSubnetCidrs", "10.20.0.0/20", "do not overlap"},
		{"database subnets overlap each other", map[string]string{"network:databaseSubnetCidrs": js([]string{"10.20.100.0/24", "10.20.101.0/24", "10.20.100.128/25"})}, "network:databaseSubnetCidrs", "10.20.100.128/25", "(it overlaps 10.20.100.0/24)"},
		{"database subnet overlaps carved app subnet", map[string]string{"network:databaseSubnetCidrs": js([]string{"10.20.100.0/24", "10.20.17.0/24", "10.20.102.0/24"})}, "network:databaseSubnetCidrs", "10.20.17.0/24", "(it overlaps 10.20.16.0/20)"},
		{"database subnet overlaps listed app subnet", map[string]string{"network:appSubnetCidrs": js([]string{"10.20.128.0/20", "10.20.144.0/20", "10.20.160.0/20"}), "network:databaseSubnetCidrs": js([]string{"10.20.0.0/24", "10.20.1.0/24", "10.20.160.0/24"})}, "network:databaseSubnetCidrs", "10.20.160.0/24", "(it overlaps 10.20.160.0/20)"},
		{"listed app subnet overlaps listed database subnet", map[string]string{"network:appSubnetCidrs": js([]string{"10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"}), "network:databaseSubnetCidrs": js([]string{"10.20.0.0/16", "10.20.1.0/24", "10.20.2.0/24"})}, "network:databaseSubnetCidrs", "10.20.0.0/16", "do not overlap"},

		// NAT gateway and public subnets
		{"natGateway not a boolean", map[string]string{"network:natGateway": "yes"}, "network:natGateway", "yes", "true or false"},
		{"public prefix without NAT", map[string]string{"network:publicSubnetPrefix": "26"}, "network:publicSubnetPrefix", "26", "no value unless natGateway is true"},
		{"public prefix with NAT off", map[string]string{"network:natGateway": "false", "network:publicSubnetPrefix": "28"}, "network:publicSubnetPrefix", "28", "public subnets exist only for NAT gateways"},
		{"public prefix narrower than /28", map[string]string{"network:natGateway": "true", "network:publicSubnetPrefix": "29"}, "network:publicSubnetPrefix", "29", "from /16 (the VPC's) to /28"},
		{"public prefix wider than vpc", map[string]string{"network:natGateway": "true", "network:publicSubnetPrefix": "8"}, "network:publicSubnetPrefix", "8", "from /16"},
		{"public prefix not a number", map[string]string{"network:natGateway": "true", "network:publicSubnetPrefix": "small"}, "network:publicSubnetPrefix", "small", "a whole number"},
		{"public subnets do not fit", map[string]string{"network:vpcCidr": "10.20.0.0/18", "network:natGateway": "true", "network:publicSubnetPrefix": "21"}, "network:publicSubnetPrefix", "21", "3 public subnets for the NAT gateways fit in the VPC 10.20.0.0/18"},

		// flow logs
		{"flow-log retention 0", map[string]string{"network:flowLogRetentionDays": "0"}, "network:flowLogRetentionDays", "0", "a CloudWatch Logs retention in days, one of 1, 3, 5, 7, 14, 30"},
		{"flow-log retention 2", map[string]string{"network:flowLogRetentionDays": "2"}, "network:flowLogRetentionDays", "2", "one of 1, 3, 5"},
		{"flow-log retention 366", map[string]string{"network:flowLogRetentionDays": "366"}, "network:flowLogRetentionDays", "366", "365, 400"},
		{"flow-log retention 3654", map[string]string{"network:flowLogRetentionDays": "3654"}, "network:flowLogRetentionDays", "3654", "3653"},
		{"flow-log retention negative", map[string]string{"network:flowLogRetentionDays": "-7"}, "network:flowLogRetentionDays", "-7", "CloudWatch Logs retention"},
		{"flow-log retention text", map[string]string{"network:flowLogRetentionDays": "forever"}, "network:flowLogRetentionDays", "forever", "a whole number"},

		// tags
		{"tags not a map", map[string]string{"network:tags": "CostCenter=platform"}, "network:tags", "CostCenter=platform", "a map of strings to strings"},
		{"tag value not a string", map[string]string{"network:tags": `{"CostCenter":42}`}, "network:tags", `{"CostCenter":42}`, "a map of strings to strings"},
		{"tag key aws prefix", map[string]string{"network:tags": js(map[string]string{"aws:owner": "me"})}, "network:tags", "aws:owner", "do not start with aws:"},
		{"tag key AWS prefix any case", map[string]string{"network:tags": js(map[string]string{"AWS:Owner": "me"})}, "network:tags", "AWS:Owner", "do not start with aws:"},
		{"tag key Environment reserved", map[string]string{"network:tags": js(map[string]string{"Environment": "prod"})}, "network:tags", "Environment", "tag keys other than Environment, Tier, Project, Stack, ManagedBy, Name"},
		{"tag key Name reserved", map[string]string{"network:tags": js(map[string]string{"Name": "vpc"})}, "network:tags", "Name", "the platform sets those"},
		{"tag key ManagedBy reserved", map[string]string{"network:tags": js(map[string]string{"ManagedBy": "terraform"})}, "network:tags", "ManagedBy", "the platform sets those"},
		{"tag key bad character", map[string]string{"network:tags": js(map[string]string{"cost#center": "x"})}, "network:tags", "cost#center", "letters, digits, spaces and _ . : / = + - @"},
		{"tag key with a newline", map[string]string{"network:tags": js(map[string]string{"cost\ncenter": "x"})}, "network:tags", "cost\ncenter", "tag keys of 1-128 characters"},
		{"tag key empty", map[string]string{"network:tags": js(map[string]string{"": "x"})}, "network:tags", `{"": "x"}`, "tag keys of 1-128 characters (this one is empty)"},
		{"tag key too long", map[string]string{"network:tags": js(map[string]string{long: "x"})}, "network:tags", long, "1-128 characters"},
		{"tag value bad character", map[string]string{"network:tags": js(map[string]string{"Team": "a*b"})}, "network:tags.Team", "a*b", "a tag value of at most 256 characters"},
		{"tag value too long", map[string]string{"network:tags": js(map[string]string{"Team": longValue})}, "network:tags.Team", longValue, "at most 256 characters"},
	}
	runRejections(t, networkBase(), "network", cases, loadNetwork)
}

func prefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func TestLoadNetworkDefaults(t *testing.T) {
	n, err := config.LoadNetwork(config.MapSource("network", networkBase()))
	if err != nil {
		t.Fatal(err)
	}
	if n.Tier != config.Dev || n.Environment != "dev" || n.Region != "eu-west-1" {
		t.Errorf("tier/env/region = %s/%s/%s", n.Tier, n.Environment, n.Region)
	}
	if n.VpcCidr != netip.MustParsePrefix("10.20.0.0/16") {
		t.Errorf("VpcCidr = %s", n.VpcCidr)
	}
	if n.AZCount != config.DefaultAZCount || len(n.AvailabilityZones) != 0 {
		t.Errorf("AZCount = %d, zones %v; want %d and none", n.AZCount, n.AvailabilityZones, config.DefaultAZCount)
	}
	// Three /20s from the start of the VPC, then three /24s right after.
	if want := prefixes(t, "10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20"); !slices.Equal(n.AppSubnets, want) {
		t.Errorf("AppSubnets = %v, want %v", n.AppSubnets, want)
	}
	if want := prefixes(t, "10.20.48.0/24", "10.20.49.0/24", "10.20.50.0/24"); !slices.Equal(n.DatabaseSubnets, want) {
		t.Errorf("DatabaseSubnets = %v, want %v", n.DatabaseSubnets, want)
	}
	if n.NatGateway || n.PublicSubnets != nil {
		t.Errorf("NAT %v with public subnets %v; want neither by default", n.NatGateway, n.PublicSubnets)
	}
	if n.FlowLogRetentionDays != config.DefaultFlowLogRetentionDays {
		t.Errorf("FlowLogRetentionDays = %d", n.FlowLogRetentionDays)
	}
	if n.Tags == nil || len(n.Tags) != 0 {
		t.Errorf("Tags = %#v, want an empty map", n.Tags)
	}
	if n.RecoveryOf != "" {
		t.Errorf("RecoveryOf = %q, want a primary network by default", n.RecoveryOf)
	}
}

func TestLoadNetworkAccepts(t *testing.T) {
	cases := []struct {
		name  string
		set   map[string]string
		check func(t *testing.T, n config.Network)
	}{
		{"recoveryOf its own environment makes a recovery network", map[string]string{"network:recoveryOf": "dev"}, func(t *testing.T, n config.Network) {
			if n.RecoveryOf != "dev" {
				t.Errorf("RecoveryOf = %q, want dev", n.RecoveryOf)
			}
		}},
		{"an empty recoveryOf is a primary network", map[string]string{"network:recoveryOf": ""}, func(t *testing.T, n config.Network) {
			if n.RecoveryOf != "" {
				t.Errorf("RecoveryOf = %q, want none", n.RecoveryOf)
			}
		}},
		{"NAT carves public subnets after the database subnets", map[string]string{"network:natGateway": "true"}, func(t *testing.T, n config.Network) {
			if want := prefixes(t, "10.20.51.0/26", "10.20.51.64/26", "10.20.51.128/26"); !n.NatGateway || !slices.Equal(n.PublicSubnets, want) {
				t.Errorf("NAT %v, PublicSubnets = %v, want %v", n.NatGateway, n.PublicSubnets, want)
			}
		}},
		{"public prefix that just fits", map[string]string{"network:vpcCidr": "10.20.0.0/18", "network:natGateway": "true", "network:publicSubnetPrefix": "22"}, func(t *testing.T, n config.Network) {
			if want := prefixes(t, "10.20.52.0/22", "10.20.56.0/22", "10.20.60.0/22"); !slices.Equal(n.PublicSubnets, want) {
				t.Errorf("PublicSubnets = %v, want %v", n.PublicSubnets, want)
			}
		}},
		{"zones listed set the count", map[string]string{"network:availabilityZones": js([]string{"eu-west-1b", "eu-west-1c"})}, func(t *testing.T, n config.Network) {
			if n.AZCount != 2 || !slices.Equal(n.AvailabilityZones, []string{"eu-west-1b", "eu-west-1c"}) || len(n.AppSubnets) != 2 || len(n.DatabaseSubnets) != 2 {
				t.Errorf("AZCount %d, zones %v, %d app and %d database subnets", n.AZCount, n.AvailabilityZones, len(n.AppSubnets), len(n.DatabaseSubnets))
			}
		}},
		{"zones listed with a matching count", map[string]string{"network:availabilityZones": js([]string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}), "network:azCount": "3"}, func(t *testing.T, n config.Network) {
			if n.AZCount != 3 {
				t.Errorf("AZCount = %d", n.AZCount)
			}
		}},
		{"empty zone list means ask the region", map[string]string{"network:availabilityZones": "[]", "network:azCount": "2"}, func(t *testing.T, n config.Network) {
			if n.AZCount != 2 || len(n.AvailabilityZones) != 0 {
				t.Errorf("AZCount %d, zones %v", n.AZCount, n.AvailabilityZones)
			}
		}},
		{"GovCloud zones", map[string]string{"aws:region": "us-gov-west-1", "network:availabilityZones": js([]string{"us-gov-west-1a", "us-gov-west-1b"})}, func(t *testing.T, n config.Network) {
			if n.Region != "us-gov-west-1" || n.AZCount != 2 {
				t.Errorf("region %s, AZCount %d", n.Region, n.AZCount)
			}
		}},
		{"six zones", map[string]string{"network:azCount": "6"}, func(t *testing.T, n config.Network) {
			if len(n.AppSubnets) != 6 || len(n.DatabaseSubnets) != 6 || n.DatabaseSubnets[0] != netip.MustParsePrefix("10.20.96.0/24") {
				t.Errorf("app %v, database %v", n.AppSubnets, n.DatabaseSubnets)
			}
		}},
		{"explicit lists are used as written", map[string]string{
			"network:appSubnetCidrs":      js([]string{"10.20.128.0/20", "10.20.144.0/20", "10.20.160.0/20"}),
			"network:databaseSubnetCidrs": js([]string{"10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"}),
		}, func(t *testing.T, n config.Network) {
			if want := prefixes(t, "10.20.128.0/20", "10.20.144.0/20", "10.20.160.0/20"); !slices.Equal(n.AppSubnets, want) {
				t.Errorf("AppSubnets = %v", n.AppSubnets)
			}
			if want := prefixes(t, "10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"); !slices.Equal(n.DatabaseSubnets, want) {
				t.Errorf("DatabaseSubnets = %v", n.DatabaseSubnets)
			}
		}},
		{"database subnets carved after a listed app subnet", map[string]string{
			"network:appSubnetCidrs": js([]string{"10.20.0.0/20", "10.20.64.0/20", "10.20.16.0/20"}),
		}, func(t *testing.T, n config.Network) {
			if want := prefixes(t, "10.20.80.0/24", "10.20.81.0/24", "10.20.82.0/24"); !slices.Equal(n.DatabaseSubnets, want) {
				t.Errorf("DatabaseSubnets = %v, want %v", n.DatabaseSubnets, want)
			}
		}},
		{"values are trimmed", map[string]string{"network:vpcCidr": " 192.168.0.0/16 ", "network:tier": " prod ", "network:azCount": " 2 "}, func(t *testing.T, n config.Network) {
			if n.VpcCidr != netip.MustParsePrefix("192.168.0.0/16") || n.Tier != config.Prod || n.AZCount != 2 {
				t.Errorf("VpcCidr %s, tier %q, AZCount %d", n.VpcCidr, n.Tier, n.AZCount)
			}
		}},
		{"an empty value is the default", map[string]string{"network:azCount": "", "network:flowLogRetentionDays": "  "}, func(t *testing.T, n config.Network) {
			if n.AZCount != config.DefaultAZCount || n.FlowLogRetentionDays != config.DefaultFlowLogRetentionDays {
				t.Errorf("AZCount %d, retention %d", n.AZCount, n.FlowLogRetentionDays)
			}
		}},
		{"smallest VPC that fits two zones", map[string]string{"network:vpcCidr": "172.16.0.0/26", "network:azCount": "2", "network:appSubnetPrefix": "28", "network:databaseSubnetPrefix": "28"}, func(t *testing.T, n config.Network) {
			if want := prefixes(t, "172.16.0.32/28", "172.16.0.48/28"); !slices.Equal(n.DatabaseSubnets, want) {
				t.Errorf("DatabaseSubnets = %v, want %v", n.DatabaseSubnets, want)
			}
		}},
		{"every CloudWatch retention", nil, func(t *testing.T, _ config.Network) {
			for _, days := range []string{"1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545", "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653"} {
				if _, err := config.LoadNetwork(config.MapSource("network", with(networkBase(), map[string]string{"network:flowLogRetentionDays": days}))); err != nil {
					t.Errorf("retention %s: %v", days, err)
				}
			}
		}},
		{"tags with the allowed characters", map[string]string{"network:tags": js(map[string]string{"cost-center/team_a.b:c=d+e@f": "Plätze 1 _.:/=+-@", "environment": "lower-case keys are not reserved", "Empty": ""})}, func(t *testing.T, n config.Network) {
			if len(n.Tags) != 3 || n.Tags["cost-center/team_a.b:c=d+e@f"] != "Plätze 1 _.:/=+-@" {
				t.Errorf("Tags = %v", n.Tags)
			}
		}},
		{"tag key of 128 and value of 256 characters", map[string]string{"network:tags": js(map[string]string{strings.Repeat("ä", 128): strings.Repeat("é", 256)})}, func(t *testing.T, n config.Network) {
			if len(n.Tags) != 1 {
				t.Errorf("Tags = %v", n.Tags)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := config.LoadNetwork(config.MapSource("network", with(networkBase(), tc.set)))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, n)
		})
	}
}

func TestCarve(t *testing.T) {
	vpc := netip.MustParsePrefix("10.0.0.0/16")
	cases := []struct {
		name  string
		bits  int
		count int
		after []netip.Prefix
		want  []netip.Prefix
	}{
		{"from the start", 24, 2, nil, prefixes(t, "10.0.0.0/24", "10.0.1.0/24")},
		{"after a block, aligned up", 20, 1, prefixes(t, "10.0.0.0/24"), prefixes(t, "10.0.16.0/20")},
		{"after the furthest block", 24, 1, prefixes(t, "10.0.64.0/20", "10.0.0.0/20"), prefixes(t, "10.0.80.0/24")},
		{"fills the VPC exactly", 18, 4, nil, prefixes(t, "10.0.0.0/18", "10.0.64.0/18", "10.0.128.0/18", "10.0.192.0/18")},
		{"one too many", 18, 5, nil, nil},
		{"nothing left", 28, 1, prefixes(t, "10.0.0.0/16"), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := config.Carve(vpc, tc.bits, tc.count, tc.after)
			if ok != (tc.want != nil) || !slices.Equal(got, tc.want) {
				t.Errorf("Carve = %v, %v; want %v", got, ok, tc.want)
			}
		})
	}
	// The top of the address space must not wrap around.
	top := netip.MustParsePrefix("192.168.255.0/24")
	if got, ok := config.Carve(top, 26, 5, nil); ok {
		t.Errorf("Carve past 192.168.255.255 = %v, want no fit", got)
	}
}
