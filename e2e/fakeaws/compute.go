package fakeaws

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Account is the AWS account the double pretends to be.
const Account = "123456789012"

// comp computes a resource's ID and its computed outputs from its inputs.
// Every value is derived from the type, the URN, the region and the number of
// times that URN was created, so runs from the same start give the same IDs
// and a replacement gets new ones.
type comp struct {
	typ     string
	urn     string
	gen     int
	region  string
	in      resource.PropertyMap
	id      string // "" while unknown (preview of a create)
	preview bool   // a preview of a create: every computed output is unknown
	out     resource.PropertyMap
	// lookup finds another resource's outputs in the records.
	lookup func(typ, id string) (resource.PropertyMap, bool)

	sawUnknown bool
}

// str reads a string input; an unknown one makes the output being computed
// unknown.
func (c *comp) str(key string) string {
	s, _, unknown := knownString(c.in, key)
	if unknown {
		c.sawUnknown = true
	}
	return s
}

// has reports whether an input is set (known or not).
func (c *comp) has(key string) bool {
	v, ok := c.in[resource.PropertyKey(key)]
	return ok && !v.IsNull()
}

func (c *comp) truthy(key string) bool {
	v, ok := c.in[resource.PropertyKey(key)]
	if !ok {
		return false
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.ContainsUnknowns() {
		c.sawUnknown = true
		return false
	}
	return v.IsBool() && v.BoolValue()
}

func (c *comp) number(key string, def float64) float64 {
	v, ok := c.in[resource.PropertyKey(key)]
	if !ok || v.IsNull() {
		return def
	}
	if v.ContainsUnknowns() {
		c.sawUnknown = true
		return def
	}
	if v.IsNumber() {
		return v.NumberValue()
	}
	return def
}

func (c *comp) strings(key string) []string {
	v, ok := c.in[resource.PropertyKey(key)]
	if !ok {
		return nil
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.ContainsUnknowns() {
		c.sawUnknown = true
		return nil
	}
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

// ID is the resource's own ID.
func (c *comp) ID() string {
	if c.id == "" {
		c.sawUnknown = true
	}
	return c.id
}

// digest is a stable hex digest of the resource's identity and label.
func (c *comp) digest(label string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d\x00%s\x00%s", c.typ, c.urn, c.gen, c.region, label)))
	return hex.EncodeToString(h[:])
}

// hexID is prefix plus n hex characters, the shape of EC2 IDs.
func (c *comp) hexID(prefix string, n int) string { return prefix + c.digest(prefix)[:n] }

// upperID is prefix plus n upper-case letters and digits, the shape of RDS
// resource IDs and IAM unique IDs.
func (c *comp) upperID(prefix string, n int) string {
	return prefix + strings.ToUpper(base32ish(c.digest(prefix), n))
}

func base32ish(hexDigest string, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b, _ := hex.DecodeString(hexDigest)
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[b[i%len(b)]%32]
	}
	return string(out)
}

// uuid is a UUID-shaped digest, the shape of KMS key IDs.
func (c *comp) uuid(label string) string {
	d := c.digest(label)
	return d[0:8] + "-" + d[8:12] + "-" + d[12:16] + "-" + d[16:20] + "-" + d[20:32]
}

// arn builds an ARN in the double's account and region (IAM ARNs have no
// region).
func (c *comp) arn(service, res string) string {
	region := c.region
	if service == "iam" {
		region = ""
	}
	return fmt.Sprintf("arn:aws:%s:%s:%s:%s", service, region, Account, res)
}

// set computes one output; it is unknown during the preview of a create, or
// when an input it reads is unknown.
func (c *comp) set(key string, f func() any) {
	if c.preview {
		c.out[resource.PropertyKey(key)] = resource.MakeComputed(resource.NewStringProperty(""))
		return
	}
	c.sawUnknown = false
	v := f()
	if c.sawUnknown {
		c.out[resource.PropertyKey(key)] = resource.MakeComputed(resource.NewStringProperty(""))
		return
	}
	c.out[resource.PropertyKey(key)] = resource.NewPropertyValue(v)
}

// fill sets an output only when the program did not set that input: the
// provider's (or AWS's) default.
func (c *comp) fill(key string, f func() any) {
	if c.has(key) {
		return
	}
	c.set(key, f)
}

// tags sets tagsAll: the provider's default tags under the resource's own.
func (c *comp) tags(defaultTags map[string]string) {
	c.set("tagsAll", func() any {
		all := map[string]any{}
		for k, v := range defaultTags {
			all[k] = v
		}
		if v, ok := c.in["tags"]; ok {
			if v.ContainsUnknowns() {
				c.sawUnknown = true
				return nil
			}
			if v.IsSecret() {
				v = v.SecretValue().Element
			}
			if v.IsObject() {
				for k, e := range v.ObjectValue() {
					if e.IsString() {
						all[string(k)] = e.StringValue()
					}
				}
			}
		}
		return all
	})
}

// other reads a string output of another resource in the records.
func (c *comp) other(typ, id, key string) string {
	if id == "" {
		return ""
	}
	m, ok := c.lookup(typ, id)
	if !ok {
		return ""
	}
	s, _, _ := knownString(m, key)
	return s
}

// defaultSecurityGroupID is the ID of a VPC's default security group, shared
// by the VPC's output and the DefaultSecurityGroup that adopts it.
func defaultSecurityGroupID(vpcID string) string {
	h := sha256.Sum256([]byte("default-security-group\x00" + vpcID))
	return "sg-" + hex.EncodeToString(h[:])[:17]
}

// zones lists the availability zones the double reports for a region.
func zones(region string) (names, ids []string) {
	code, ok := zoneCodes[region]
	if !ok {
		// us-gov-west-1 -> usgw1: the first part's two letters, the first
		// letter of each middle part, then the number.
		parts := strings.Split(region, "-")
		for i, p := range parts {
			switch {
			case p == "":
			case i == 0:
				code += p[:min(2, len(p))]
			case i == len(parts)-1:
				code += p
			default:
				code += p[:1]
			}
		}
	}
	for i, s := range []string{"a", "b", "c"} {
		names = append(names, region+s)
		ids = append(ids, fmt.Sprintf("%s-az%d", code, i+1))
	}
	return names, ids
}

var zoneCodes = map[string]string{
	"eu-west-1":      "euw1",
	"eu-west-2":      "euw2",
	"eu-central-1":   "euc1",
	"us-east-1":      "use1",
	"us-east-2":      "use2",
	"us-west-2":      "usw2",
	"ap-southeast-2": "apse2",
}

// zoneID maps a zone name to the ID the double reports for it.
func zoneID(zone string) string {
	if len(zone) < 2 {
		return ""
	}
	region := zone[:len(zone)-1]
	names, ids := zones(region)
	for i, n := range names {
		if n == zone {
			return ids[i]
		}
	}
	return ""
}
