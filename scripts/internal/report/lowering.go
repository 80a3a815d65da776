package report

import (
	"encoding/json"
	"strings"
)

// A lowering rule names an in-place update that cannot be undone, or that
// lowers a protection the platform's guardrails require. The gate treats
// such an update like the replacement of a stateful resource: it needs the
// same explicit override.
type loweringRule struct {
	// Path is the property path, as the engine's diff names it.
	Path string
	// Why is shown in the report.
	Why string
	// Lowers reports whether the change from old to new is one to gate.
	// old and new are the property's values as JSON; either is "" when the
	// property is absent on that side.
	Lowers func(old, new string) bool
}

// Lowering lists, per resource type, the updates the gate holds. This is
// the one table of them: add a rule here and the report, the gate and
// their tests pick it up.
var Lowering = map[string][]loweringRule{
	rdsInstanceType:           databaseLowering,
	"aws:rds/cluster:Cluster": databaseLowering,
	"aws:ec2/vpc:Vpc":         placementLowering,
}

var placementLowering = []loweringRule{
	{Path: "tags.Tier", Why: "the tier changes, and with it which guardrails hold", Lowers: changed},
	{Path: "tags.Environment", Why: "the environment changes: the stack moves to another environment's network and promotion", Lowers: changed},
}

var databaseLowering = append([]loweringRule{
	{
		Path: "engineVersion",
		// AWS: "you can't revert to a previous major version" after a
		// major version upgrade of RDS for PostgreSQL (Upgrading the
		// PostgreSQL DB engine for Amazon RDS).
		Why:    "a major version upgrade cannot be undone: RDS cannot downgrade a major version",
		Lowers: func(old, new string) bool { return old != "" && new != "" && major(old) != major(new) },
	},
	{Path: "deletionProtection", Why: "deletion protection is turned off", Lowers: turnedOff},
	{Path: "multiAz", Why: "Multi-AZ is turned off: the database no longer survives losing a zone", Lowers: turnedOff},
	{Path: "backupRetentionPeriod", Why: "backup retention is lowered: RDS deletes the automated backups older than the new period", Lowers: lowered},
	{
		Path: "storageType",
		// AWS: after a storage modification, further storage changes are
		// refused for six hours or until storage optimization completes
		// (Working with storage for Amazon RDS DB instances).
		Why:    "the storage type changes: RDS rewrites the volume, and no further storage change is possible for at least six hours",
		Lowers: changed,
	},
}, placementLowering...)

// loweringReasons returns why an update is gated, one reason per property.
func loweringReasons(resourceType string, props []PropertyChange) []string {
	var out []string
	for _, rule := range Lowering[resourceType] {
		for _, p := range props {
			old, new, ok := ruleValues(rule.Path, p)
			if ok && rule.Lowers(old, new) {
				out = append(out, rule.Why)
			}
		}
	}
	return out
}

// ruleValues are the old and new values of the rule's path in a property
// change: the change's own when it names the path, or the entry of the
// rule's path inside a change of the whole enclosing map. A diff may name
// a changed map entry ("tags.Tier") or the map as a whole ("tags"), as the
// provider double does; the rule must hold either way.
func ruleValues(rulePath string, p PropertyChange) (old, new string, ok bool) {
	if p.Path == rulePath {
		return p.Old, p.New, true
	}
	key, inside := strings.CutPrefix(rulePath, p.Path+".")
	if !inside || strings.ContainsAny(key, ".[") {
		return "", "", false
	}
	return mapEntry(p.Old, key), mapEntry(p.New, key), true
}

// mapEntry is the JSON of key in a JSON object, or "" when the object or
// the key is absent.
func mapEntry(object, key string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(object), &m) != nil {
		return ""
	}
	v, ok := m[key]
	if !ok {
		return ""
	}
	return string(v)
}

func changed(old, new string) bool { return old != new }

// turnedOff: a boolean goes from true to false or away (the provider's
// default for these is false).
func turnedOff(old, new string) bool { return old == "true" && new != "true" }

func lowered(old, new string) bool {
	var o, n float64
	if json.Unmarshal([]byte(old), &o) != nil {
		return false
	}
	if json.Unmarshal([]byte(new), &n) != nil {
		// Absent or unknown: AWS's default retention (1 day, or 7 for
		// some engines) is never above the platform's floor of 7.
		return true
	}
	return n < o
}

// major is the major version of an engine version shown as JSON ("16",
// "16.4").
func major(v string) string {
	var s string
	if json.Unmarshal([]byte(v), &s) != nil {
		s = v
	}
	m, _, _ := strings.Cut(s, ".")
	return m
}
