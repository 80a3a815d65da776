package fakeaws

import (
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// updateErr runs the engine's diff and update for new inputs and returns
// the update's error.
func (e *engine) updateErr(in map[string]any) error {
	e.t.Helper()
	require.Equal(e.t, pulumirpc.DiffResponse_DIFF_SOME, e.diff(in).GetChanges())
	news := decode(e.t, check(e.t, e.p, rdsInstance, "db", pm(in), e.inputs, "seed2").GetInputs())
	_, err := e.p.Update(bg, &pulumirpc.UpdateRequest{Urn: urn(rdsInstance, "db"), Type: rdsInstance, Id: e.id,
		Olds: props(e.t, e.state), OldInputs: props(e.t, e.inputs), News: props(e.t, news)})
	return err
}

// TestBlueGreenUpdateIsRefusedWithAnRDSManagedPassword: with
// blueGreenUpdate on, the provider sends a change (here a major upgrade
// with its new parameter group) through CreateBlueGreenDeployment, which
// RDS refuses for an instance whose master password it manages; nothing
// changes. It fails if the double applied the change as a plain
// modification.
func TestBlueGreenUpdateIsRefusedWithAnRDSManagedPassword(t *testing.T) {
	bgOn := map[string]any{"enabled": true}
	e := newEngine(t, dbInputs(map[string]any{"manageMasterUserPassword": true, "blueGreenUpdate": bgOn}))
	err := e.updateErr(dbInputs(map[string]any{
		"manageMasterUserPassword": true, "blueGreenUpdate": bgOn, "engineVersion": "17", "parameterGroupName": "pg17",
	}))
	require.Error(t, err)
	assert.ErrorContains(t, err, "SourceDatabaseNotSupportedFault")
	assert.ErrorContains(t, err, "[engineVersion parameterGroupName]")
	rec := e.record()
	assert.Equal(t, "16", rec.Inputs["engineVersion"], "nothing changed")
	assert.Nil(t, rec.PendingModifiedValues())
}

// TestBlueGreenUpdateCoversEveryModification: the provider's blue/green
// path is not limited to engine upgrades; a class change goes through it
// too, while a change of only deletion protection, tags or blueGreenUpdate
// itself does not (resourceInstanceUpdate's HasChangesExcept).
func TestBlueGreenUpdateCoversEveryModification(t *testing.T) {
	bgOn := map[string]any{"enabled": true}
	base := map[string]any{"manageMasterUserPassword": true, "blueGreenUpdate": bgOn}
	e := newEngine(t, dbInputs(base))
	class := dbInputs(map[string]any{"manageMasterUserPassword": true, "blueGreenUpdate": bgOn, "instanceClass": "db.r6g.large"})
	assert.ErrorContains(t, e.updateErr(class), "SourceDatabaseNotSupportedFault")

	protect := dbInputs(map[string]any{"manageMasterUserPassword": true, "blueGreenUpdate": bgOn, "deletionProtection": true})
	e.up(protect)
	assert.Equal(t, true, e.record().Inputs["deletionProtection"], "applied without a blue/green deployment")

	off := dbInputs(map[string]any{"manageMasterUserPassword": true, "deletionProtection": true, "instanceClass": "db.r6g.large"})
	e.up(off)
	assert.Equal(t, map[string]any{"DBInstanceClass": "db.r6g.large"}, e.record().PendingModifiedValues(), "without blueGreenUpdate the class change is a plain, deferred modification")
}
