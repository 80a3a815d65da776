package config

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pgplatform/platform/shared/spec"
)

// Tier is how strict the guardrails are for a stack (spec.Tier). It is
// stated in every stack's config file, never guessed from its name.
type Tier = spec.Tier

// The tiers. dev may relax what docs/guardrails.md marks prod/staging; staging and
// prod may not.
const (
	Dev     = spec.Dev
	Staging = spec.Staging
	Prod    = spec.Prod
)

func (r reader) tier() (Tier, error) {
	v, _ := r.raw("tier")
	switch Tier(v) {
	case Dev, Staging, Prod:
		return Tier(v), nil
	}
	return "", r.fail("tier", v, "one of dev, staging, prod")
}

var (
	envPattern    = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`)
)

func (r reader) environment() (string, error) {
	v, _ := r.raw("environment")
	if !envPattern.MatchString(v) {
		return "", r.fail("environment", v, "a lowercase name of 1-12 letters and digits starting with a letter (e.g. dev, staging, prod)")
	}
	return v, nil
}

// awsRegion reads aws:region, which every stack sets.
func awsRegion(src Source) (string, error) {
	v, _ := src.Get("aws:region")
	v = strings.TrimSpace(v)
	if !regionPattern.MatchString(v) {
		return "", &Error{Key: "aws:region", Value: v, Allowed: "an AWS region name such as eu-west-1"}
	}
	return v, nil
}

// Tags the platform sets on every resource; config may not override them.
var reservedTags = []string{"Environment", "Tier", "Project", "Stack", "ManagedBy", "Name"}

var tagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// validateTags applies AWS's tag rules: keys 1-128 characters, values up to
// 256, letters, digits, spaces and _ . : / = + - @ only, no aws: prefix.
func (r reader) validateTags(key string, tags map[string]string) error {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := tags[k]
		switch {
		case k == "":
			// The value names the entry: an empty one would read as "tags
			// is missing".
			return r.fail(key, fmt.Sprintf(`{"": %q}`, v), "tag keys of 1-128 characters (this one is empty)")
		case len([]rune(k)) > 128 || !tagChars.MatchString(k):
			return r.fail(key, k, "tag keys of 1-128 characters: letters, digits, spaces and _ . : / = + - @")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return r.fail(key, k, "tag keys that do not start with aws: (AWS reserves that prefix)")
		case slices.Contains(reservedTags, k):
			return r.fail(key, k, "tag keys other than "+strings.Join(reservedTags, ", ")+" (the platform sets those)")
		case len([]rune(v)) > 256 || !tagChars.MatchString(v):
			return r.fail(key+"."+k, v, "a tag value of at most 256 characters: letters, digits, spaces and _ . : / = + - @")
		}
	}
	return nil
}

// CloudWatch Logs accepts only these retention periods (0, never expire, is
// deliberately not offered: every log group here has a retention).
var logRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

func (r reader) logRetention(key string, def int) (int, error) {
	n, err := r.integer(key, def)
	if err != nil {
		return 0, err
	}
	if !slices.Contains(logRetentionDays, n) {
		return 0, r.fail(key, strconv.Itoa(n), "a CloudWatch Logs retention in days, one of "+joinInts(logRetentionDays))
	}
	return n, nil
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// privateRanges is RFC 1918 space.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

const privateRangesText = "10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"

// parsePrivateCIDR parses an IPv4 CIDR that lies inside RFC 1918 space and is
// written in canonical form (no host bits set).
func parsePrivateCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("not a CIDR")
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("not IPv4")
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("host bits set (did you mean %s?)", p.Masked())
	}
	if !inPrivate(p) {
		return netip.Prefix{}, fmt.Errorf("not in RFC 1918 space")
	}
	return p, nil
}

func inPrivate(p netip.Prefix) bool {
	for _, r := range privateRanges {
		if contains(r, p) {
			return true
		}
	}
	return false
}

// contains reports whether inner lies wholly inside outer.
func contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// Overlaps reports whether two prefixes share any address.
func Overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }
