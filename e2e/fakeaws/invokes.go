package fakeaws

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// invokes answers the data-source functions the programs call, by token. An
// invoke that is not here fails loudly, naming the token.
var invokes = map[string]func(region string, args resource.PropertyMap) (map[string]any, error){
	"aws:index/getAvailabilityZones:getAvailabilityZones": func(region string, args resource.PropertyMap) (map[string]any, error) {
		if s, ok, _ := knownString(args, "state"); ok && s != "available" {
			// Every zone the double reports is available.
			return map[string]any{"id": region, "names": []any{}, "zoneIds": []any{}, "groupNames": []any{}, "state": s}, nil
		}
		exclude := map[string]bool{}
		for _, key := range []string{"excludeNames", "excludeZoneIds"} {
			if v, ok := args[resource.PropertyKey(key)]; ok && v.IsArray() {
				for _, e := range v.ArrayValue() {
					if e.IsString() {
						exclude[e.StringValue()] = true
					}
				}
			}
		}
		names, ids := zones(region)
		out := map[string]any{"id": region, "names": []any{}, "zoneIds": []any{}, "groupNames": []any{}}
		for i := range names {
			if exclude[names[i]] || exclude[ids[i]] {
				continue
			}
			out["names"] = append(out["names"].([]any), names[i])
			out["zoneIds"] = append(out["zoneIds"].([]any), ids[i])
			out["groupNames"] = append(out["groupNames"].([]any), region)
		}
		if s, ok, _ := knownString(args, "state"); ok {
			out["state"] = s
		}
		return out, nil
	},
	"aws:index/getCallerIdentity:getCallerIdentity": func(string, resource.PropertyMap) (map[string]any, error) {
		return map[string]any{
			"accountId": Account,
			"arn":       "arn:aws:iam::" + Account + ":user/fakeaws",
			"id":        Account,
			"userId":    "AIDAFAKEAWSTESTDOUBLE",
		}, nil
	},
	"aws:index/getRegion:getRegion": func(region string, args resource.PropertyMap) (map[string]any, error) {
		name := region
		if s, ok, _ := knownString(args, "name"); ok && s != "" {
			name = s
		}
		return map[string]any{
			"id":          name,
			"name":        name,
			"description": "fakeaws " + name,
			"endpoint":    "ec2." + name + ".amazonaws.com",
		}, nil
	},
	"aws:index/getPartition:getPartition": func(string, resource.PropertyMap) (map[string]any, error) {
		return map[string]any{
			"id":               "aws",
			"partition":        "aws",
			"dnsSuffix":        "amazonaws.com",
			"reverseDnsPrefix": "com.amazonaws",
		}, nil
	},
}

func lookupInvoke(token string) (func(string, resource.PropertyMap) (map[string]any, error), error) {
	f, ok := invokes[token]
	if !ok {
		return nil, fmt.Errorf("fakeaws: invoke %s is not in the test double's invoke table "+
			"(e2e/fakeaws/invokes.go): add it there", token)
	}
	return f, nil
}

// Invokes lists the invoke tokens the double answers.
func Invokes() []string {
	out := make([]string, 0, len(invokes))
	for k := range invokes {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
