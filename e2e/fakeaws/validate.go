package fakeaws

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// failure is one input the provider schema's validation refuses at plan
// time (the bridge runs the Terraform ValidateFuncs in Check): the input's
// Pulumi name and a reason naming the value and what is allowed.
type failure struct{ Property, Reason string }

// The validators below are the shapes of the Terraform plugin SDK's
// helper/validation functions the provider schemas use
// (validation.StringInSlice, validation.IntBetween, validation.IntAtMost),
// of enum.Validate (a value of the AWS SDK's enum type), and of
// verify.ValidARN (the value must parse as an ARN). The messages are the
// double's, worded after the SDK's ("expected %s to be one of %q, got %s",
// "expected %s to be in the range (%d - %d), got %d").

// plainInput reads an input as a plain value; ok is false when it is
// absent or null, or still unknown (a preview): nothing to validate yet.
func plainInput(in resource.PropertyMap, key string) (v any, ok bool) {
	p, has := in[resource.PropertyKey(key)]
	if !has || p.IsNull() || p.ContainsUnknowns() {
		return nil, false
	}
	return Unsecret(plainValue(p)), true
}

// oneOf checks a string input against the allowed values.
func oneOf(in resource.PropertyMap, key string, allowed ...string) []failure {
	v, ok := plainInput(in, key)
	if !ok {
		return nil
	}
	return oneOfValue(key, v, allowed...)
}

func oneOfValue(key string, v any, allowed ...string) []failure {
	s, isString := v.(string)
	for _, a := range allowed {
		if isString && s == a {
			return nil
		}
	}
	return []failure{{key, fmt.Sprintf("expected %s to be one of [%s], got %v", key, strings.Join(allowed, " "), v)}}
}

// intRange checks a whole-number input against min..max (inclusive).
func intRange(in resource.PropertyMap, key string, lo, hi int) []failure {
	v, ok := plainInput(in, key)
	if !ok {
		return nil
	}
	return intRangeValue(key, v, lo, hi)
}

func intRangeValue(key string, v any, lo, hi int) []failure {
	f, isNum := v.(float64)
	if !isNum || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return []failure{{key, fmt.Sprintf("expected %s to be in the range (%d - %d), got %v", key, lo, hi, v)}}
	}
	return nil
}

// validARN is verify.ValidARN (ValidARNCheck, index/internal/verify at
// v6.0.0): arn.Parse must accept the value
// ("arn:<partition>:<service>:<region>:<account>:<resource>"), the
// partition must match ^aws(-[a-z]+)*$, an account ID
// ^(aws|aws-managed|third-party|aws-marketplace|\d{12}|cw.{10})$, and the
// resource must not be empty. (Its check that a region is an AWS Region is
// left out.)
func validARN(in resource.PropertyMap, key string) []failure {
	v, ok := plainInput(in, key)
	if !ok {
		return nil
	}
	return validARNValue(key, v)
}

func validARNValue(key string, v any) []failure {
	s, _ := v.(string)
	if s == "" {
		return nil // ValidARN accepts the empty string
	}
	parts := strings.SplitN(s, ":", 6)
	switch {
	case len(parts) < 6 || parts[0] != "arn" || parts[2] == "":
		return []failure{{key, fmt.Sprintf("%s %q is an invalid ARN: want arn:<partition>:<service>:<region>:<account>:<resource>", key, s)}}
	case !arnPartition.MatchString(parts[1]):
		return []failure{{key, fmt.Sprintf("%s %q is an invalid ARN: invalid partition value %q", key, s, parts[1])}}
	case parts[4] != "" && !arnAccount.MatchString(parts[4]):
		return []failure{{key, fmt.Sprintf("%s %q is an invalid ARN: invalid account ID value %q", key, s, parts[4])}}
	case parts[5] == "":
		return []failure{{key, fmt.Sprintf("%s %q is an invalid ARN: missing resource value", key, s)}}
	}
	return nil
}

var (
	arnPartition = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	arnAccount   = regexp.MustCompile(`^(aws|aws-managed|third-party|aws-marketplace|\d{12}|cw.{10})$`)
	// Timestamp.ValidateOnceADayWindowFormat and ValidateOnceAWeekWindowFormat
	// (index/internal/types/timestamp at v6.0.0), behind
	// verify.ValidOnceADayWindowFormat and ValidOnceAWeekWindowFormat; the
	// weekly one lower-cases the value first.
	onceADay  = regexp.MustCompile(`^(([0-1][0-9]|2[0-3]):([0-5][0-9])-([0-1][0-9]|2[0-3]):([0-5][0-9])|)$`)
	onceAWeek = regexp.MustCompile(`^((sun|mon|tue|wed|thu|fri|sat):([0-1][0-9]|2[0-3]):([0-5][0-9])-(sun|mon|tue|wed|thu|fri|sat):([0-1][0-9]|2[0-3]):([0-5][0-9])|)$`)
)

// window checks a maintenance or backup window input.
func window(in resource.PropertyMap, key string, weekly bool) []failure {
	v, ok := plainInput(in, key)
	if !ok {
		return nil
	}
	s, _ := v.(string)
	re, format := onceADay, "hh24:mi-hh24:mi"
	if weekly {
		re, format, s = onceAWeek, "ddd:hh24:mi-ddd:hh24:mi", strings.ToLower(s)
	}
	if !re.MatchString(s) {
		return []failure{{key, fmt.Sprintf("%s (%s) must satisfy the format of %q", key, s, format)}}
	}
	return nil
}

// name runs a name ValidateFunc (validIdentifier, ...) on any input.
func name(in resource.PropertyMap, key string, valid func(key, name string) string) []failure {
	v, ok := plainInput(in, key)
	if !ok {
		return nil
	}
	s, _ := v.(string)
	if reason := valid(key, s); reason != "" {
		return []failure{{key, fmt.Sprintf("%s %q: %s", key, s, reason)}}
	}
	return nil
}

// conflicts is the schema's ConflictsWith: at most one of the keys is set.
func conflicts(in resource.PropertyMap, keys ...string) []failure {
	var set []string
	for _, k := range keys {
		if p, ok := in[resource.PropertyKey(k)]; ok && !p.IsNull() {
			if p.IsBool() && !p.BoolValue() {
				continue // a false bool is the zero value: not "set" for ConflictsWith
			}
			set = append(set, k)
		}
	}
	if len(set) > 1 {
		return []failure{{set[1], fmt.Sprintf("%q: conflicts with %s; set only one of %s", set[1], set[0], strings.Join(keys, ", "))}}
	}
	return nil
}

// exactlyOne is the schema's ExactlyOneOf.
func exactlyOne(in resource.PropertyMap, keys ...string) []failure {
	n := 0
	for _, k := range keys {
		if p, ok := in[resource.PropertyKey(k)]; ok && !p.IsNull() {
			n++
		}
	}
	if n != 1 {
		return []failure{{keys[0], fmt.Sprintf("exactly one of %s must be set, %d are", strings.Join(keys, ", "), n)}}
	}
	return nil
}

// validIdentifierPrefix is the provider's validIdentifierPrefix
// (func.validIdentifierPrefix, rds, 4f930f62): lower-case letters, digits
// and hyphens, a letter first, no "--" (a trailing "-" is allowed).
func validIdentifierPrefix(key, s string) string {
	return prefixRules(key, s, "only lowercase alphanumeric characters and hyphens allowed in %q",
		"first character of %q must be a letter", "%q cannot contain two consecutive hyphens", 0)
}

// validParamGroupNamePrefix is the provider's validParamGroupNamePrefix
// (func.validParamGroupNamePrefix, rds, 4f930f62): the same rules, and at
// most 255 characters (its message says 226).
func validParamGroupNamePrefix(key, s string) string {
	return prefixRules(key, s, "only lowercase alphanumeric characters and hyphens allowed in parameter group %q",
		"first character of parameter group %q must be a letter",
		"parameter group %q cannot contain two consecutive hyphens", 255)
}

func prefixRules(key, s, charset, letter, hyphens string, maxLen int) string {
	switch {
	case !regexp.MustCompile(`^[0-9a-z-]+$`).MatchString(s):
		return fmt.Sprintf(charset, key)
	case !regexp.MustCompile(`^[a-z]`).MatchString(s):
		return fmt.Sprintf(letter, key)
	case strings.Contains(s, "--"):
		return fmt.Sprintf(hyphens, key)
	case maxLen > 0 && len(s) > maxLen:
		return fmt.Sprintf("parameter group %q cannot be greater than 226 characters", key)
	}
	return ""
}

// listOf reads a list input of objects (a nested block) as plain maps.
func listOf(in resource.PropertyMap, key string) []map[string]any {
	v, ok := plainInput(in, key)
	if !ok {
		return nil
	}
	l, _ := v.([]any)
	var out []map[string]any
	for _, e := range l {
		if m, isMap := e.(map[string]any); isMap {
			out = append(out, m)
		}
	}
	return out
}
