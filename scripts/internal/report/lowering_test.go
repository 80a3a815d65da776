package report

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const instanceType = "aws:rds/instance:Instance"

// update is one in-place update of an RDS instance, as the engine reports
// it: a detailed diff of input properties and the old and new inputs.
func inPlaceUpdate(typ string, diff map[string]apitype.DiffKind, old, new map[string]any) Preview {
	d := map[string]apitype.PropertyDiff{}
	for path, kind := range diff {
		d[path] = apitype.PropertyDiff{Kind: kind, InputDiff: true}
	}
	return Preview{
		Project: "database", Stack: "orders-prod", Finished: true,
		Steps: []Step{{
			Op: apitype.OpUpdate, URN: "urn:pulumi:orders-prod::database::" + typ + "::db",
			Type: typ, DetailedDiff: d,
			Old: &State{Inputs: old}, New: &State{Inputs: new},
		}},
	}
}

// TestUpdatesThatLowerAProtectionAreGated: each update the issue names is
// blocked without the override, like a replacement; its harmless twin is
// not.
func TestUpdatesThatLowerAProtectionAreGated(t *testing.T) {
	u := apitype.DiffUpdate
	cases := []struct {
		name     string
		typ      string
		diff     map[string]apitype.DiffKind
		old, new map[string]any
		gated    string // the reason shown; empty when not gated
	}{
		{"engine major upgrade", instanceType, map[string]apitype.DiffKind{"engineVersion": u},
			map[string]any{"engineVersion": "16"}, map[string]any{"engineVersion": "17"}, "major version upgrade cannot be undone"},
		{"engine minor pin within the major", instanceType, map[string]apitype.DiffKind{"engineVersion": u},
			map[string]any{"engineVersion": "16"}, map[string]any{"engineVersion": "16.4"}, ""},
		{"deletion protection off", instanceType, map[string]apitype.DiffKind{"deletionProtection": u},
			map[string]any{"deletionProtection": true}, map[string]any{"deletionProtection": false}, "deletion protection is turned off"},
		{"deletion protection removed", instanceType, map[string]apitype.DiffKind{"deletionProtection": apitype.DiffDelete},
			map[string]any{"deletionProtection": true}, map[string]any{}, "deletion protection is turned off"},
		{"deletion protection on", instanceType, map[string]apitype.DiffKind{"deletionProtection": u},
			map[string]any{"deletionProtection": false}, map[string]any{"deletionProtection": true}, ""},
		{"multi-az off", instanceType, map[string]apitype.DiffKind{"multiAz": u},
			map[string]any{"multiAz": true}, map[string]any{"multiAz": false}, "Multi-AZ is turned off"},
		{"multi-az on", instanceType, map[string]apitype.DiffKind{"multiAz": u},
			map[string]any{"multiAz": false}, map[string]any{"multiAz": true}, ""},
		{"backup retention lowered", instanceType, map[string]apitype.DiffKind{"backupRetentionPeriod": u},
			map[string]any{"backupRetentionPeriod": 14}, map[string]any{"backupRetentionPeriod": 7}, "backup retention is lowered"},
		{"backup retention raised", instanceType, map[string]apitype.DiffKind{"backupRetentionPeriod": u},
			map[string]any{"backupRetentionPeriod": 7}, map[string]any{"backupRetentionPeriod": 14}, ""},
		{"storage type changed", instanceType, map[string]apitype.DiffKind{"storageType": u},
			map[string]any{"storageType": "gp3"}, map[string]any{"storageType": "io2"}, "storage type changes"},
		{"tier changed", instanceType, map[string]apitype.DiffKind{"tags.Tier": u},
			map[string]any{"tags": map[string]any{"Tier": "prod"}}, map[string]any{"tags": map[string]any{"Tier": "staging"}}, "tier changes"},
		{"environment changed on the VPC", "aws:ec2/vpc:Vpc", map[string]apitype.DiffKind{"tags.Environment": u},
			map[string]any{"tags": map[string]any{"Environment": "prod"}}, map[string]any{"tags": map[string]any{"Environment": "staging"}}, "environment changes"},
		// A diff that names the whole tags map (as the provider double's
		// does) is looked into: the rule holds on the entry it names.
		{"tier changed, the diff naming the whole tags map", instanceType, map[string]apitype.DiffKind{"tags": u},
			map[string]any{"tags": map[string]any{"Tier": "prod", "Service": "a"}}, map[string]any{"tags": map[string]any{"Tier": "staging", "Service": "a"}}, "tier changes"},
		{"environment tag removed, the diff naming the whole tags map", "aws:ec2/vpc:Vpc", map[string]apitype.DiffKind{"tags": u},
			map[string]any{"tags": map[string]any{"Environment": "prod"}}, map[string]any{"tags": map[string]any{}}, "environment changes"},
		{"another tag changed, the diff naming the whole tags map", instanceType, map[string]apitype.DiffKind{"tags": u},
			map[string]any{"tags": map[string]any{"Tier": "prod", "Service": "a"}}, map[string]any{"tags": map[string]any{"Tier": "prod", "Service": "b"}}, ""},
		{"another tag changed", instanceType, map[string]apitype.DiffKind{"tags.Service": u},
			map[string]any{"tags": map[string]any{"Service": "a"}}, map[string]any{"tags": map[string]any{"Service": "b"}}, ""},
		{"class changed", instanceType, map[string]apitype.DiffKind{"instanceClass": u},
			map[string]any{"instanceClass": "db.r6g.large"}, map[string]any{"instanceClass": "db.r6g.xlarge"}, ""},
		{"retention lowered on a type without rules", "aws:cloudwatch/logGroup:LogGroup", map[string]apitype.DiffKind{"retentionInDays": u},
			map[string]any{"retentionInDays": 365}, map[string]any{"retentionInDays": 30}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(inPlaceUpdate(tc.typ, tc.diff, tc.old, tc.new))
			require.Len(t, r.Changes, 1)
			c := r.Changes[0]
			v := Decide([]StackReport{r}, false)
			if tc.gated == "" {
				assert.False(t, c.Destructive(), "gated: %v", c.Lowers)
				assert.False(t, v.Blocked())
				return
			}
			assert.True(t, c.Destructive())
			assert.Contains(t, c.Reason(), tc.gated)
			assert.True(t, v.Blocked(), "the gate let %s through without the override", tc.name)
			assert.False(t, Decide([]StackReport{r}, true).Blocked(), "the override does not let it through")
			md := Render([]StackReport{r}, v, Options{})
			assert.Contains(t, md, "⛔ **Blocked.** 1 change cannot be undone or lowers a protection of a stateful resource")
			assert.Contains(t, strings.ToLower(md), strings.ToLower(tc.gated))
		})
	}
}
