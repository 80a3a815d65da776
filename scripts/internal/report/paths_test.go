package report

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEachDatabaseChangeNamesItsPath: the report tells, per change, whether
// it lands now, at the window, after a reboot, by blue/green or by
// replacement, following ModifyDBInstance's documented behaviour.
func TestEachDatabaseChangeNamesItsPath(t *testing.T) {
	u := apitype.DiffUpdate
	base := map[string]any{"maintenanceWindow": "sun:04:00-sun:05:00", "engineVersion": "16", "instanceClass": "db.r6g.large"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name     string
		diff     map[string]apitype.DiffKind
		old, new map[string]any
		path     string
		when     string
		downtime string
	}{
		{"class change waits for the window", map[string]apitype.DiffKind{"instanceClass": u},
			base, with("instanceClass", "db.r6g.xlarge"), PathWindow, "sun:04:00-sun:05:00", "failover"},
		{"class change with applyImmediately lands now", map[string]apitype.DiffKind{"instanceClass": u, "applyImmediately": apitype.DiffAdd},
			base, with("instanceClass", "db.r6g.xlarge", "applyImmediately", true), PathNow, "applyImmediately is set", "failover"},
		{"storage growth waits for the window, without downtime", map[string]apitype.DiffKind{"allocatedStorage": u},
			with("allocatedStorage", 100), with("allocatedStorage", 200), PathWindow, "sun:04:00", "none"},
		{"deletion protection applies at once", map[string]apitype.DiffKind{"deletionProtection": u},
			with("deletionProtection", false), with("deletionProtection", true), PathNow, "whatever applyImmediately says", "none"},
		{"major upgrade by blue/green", map[string]apitype.DiffKind{"engineVersion": u},
			base, with("engineVersion", "17", "blueGreenUpdate", map[string]any{"enabled": true}), PathBlueGreen, "green copy", "under a minute"},
		{"major upgrade in place", map[string]apitype.DiffKind{"engineVersion": u},
			base, with("engineVersion", "17"), PathWindow, "in-place major upgrade", "whole upgrade"},
		{"a new family's parameter group goes with the major upgrade", map[string]apitype.DiffKind{"engineVersion": u, "parameterGroupName": u},
			with("parameterGroupName", "a"), with("engineVersion", "17", "parameterGroupName", "b"), PathWindow, "in-place major upgrade", "whole upgrade"},
		{"a new parameter group applies at the reboot", map[string]apitype.DiffKind{"parameterGroupName": u},
			with("parameterGroupName", "a"), with("parameterGroupName", "b"), PathReboot, "next reboot", "reboot"},
		{"the final snapshot name changes nothing in AWS", map[string]apitype.DiffKind{"finalSnapshotIdentifier": u},
			with("finalSnapshotIdentifier", "a"), with("finalSnapshotIdentifier", "b"), PathNoAWS, "nothing changes in AWS", "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(inPlaceUpdate(instanceType, tc.diff, tc.old, tc.new))
			require.Len(t, r.Changes, 1)
			var found *Landing
			for _, l := range r.Changes[0].Landings {
				if l.Path == tc.path {
					found = &l
				}
			}
			require.NotNil(t, found, "no %q landing in %+v", tc.path, r.Changes[0].Landings)
			assert.Contains(t, found.When, tc.when)
			assert.Contains(t, found.Downtime, tc.downtime)
			md := Render([]StackReport{r}, Decide([]StackReport{r}, true), Options{})
			assert.Contains(t, md, "**"+tc.path+"**: "+found.When)
		})
	}
}

func TestParameterChangesLandByApplyMethod(t *testing.T) {
	params := func(v string) map[string]any {
		return map[string]any{"parameters": []any{
			map[string]any{"name": "log_min_duration_statement", "value": v, "applyMethod": "immediate"},
			map[string]any{"name": "shared_preload_libraries", "value": v, "applyMethod": "pending-reboot"},
		}}
	}
	r := Analyze(inPlaceUpdate("aws:rds/parameterGroup:ParameterGroup", map[string]apitype.DiffKind{
		"parameters[0].value": apitype.DiffUpdate, "parameters[1].value": apitype.DiffUpdate,
	}, params("1"), params("2")))
	require.Len(t, r.Changes, 1)
	got := map[string][]string{}
	for _, l := range r.Changes[0].Landings {
		got[l.Path] = l.Properties
	}
	assert.Equal(t, map[string][]string{
		PathNow:    {"log_min_duration_statement"},
		PathReboot: {"shared_preload_libraries"},
	}, got)
}

func TestTheNewFamilysGroupLandsWithTheUpgradeNotAtAReboot(t *testing.T) {
	r := Analyze(inPlaceUpdate(instanceType,
		map[string]apitype.DiffKind{"engineVersion": apitype.DiffUpdate, "parameterGroupName": apitype.DiffUpdate},
		map[string]any{"engineVersion": "16", "parameterGroupName": "a"},
		map[string]any{"engineVersion": "17", "parameterGroupName": "b"}))
	require.Len(t, r.Changes, 1)
	require.Len(t, r.Changes[0].Landings, 1, "%+v", r.Changes[0].Landings)
	assert.Equal(t, PathWindow, r.Changes[0].Landings[0].Path)
	assert.Equal(t, []string{"engineVersion", "parameterGroupName"}, r.Changes[0].Landings[0].Properties)
}
