package fakeaws

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const rdsInstance = "aws:rds/instance:Instance"

// dbInputs are an instance's inputs as the database program sets them, in
// short.
func dbInputs(over map[string]any) map[string]any {
	in := map[string]any{
		"identifier": "orders-staging-1", "engine": "postgres", "engineVersion": "16",
		"instanceClass": "db.t4g.medium", "allocatedStorage": 50, "maxAllocatedStorage": 200,
		"multiAz": true, "dbSubnetGroupName": "g1", "parameterGroupName": "pg16",
		"backupWindow": "02:00-03:00", "applyImmediately": false, "skipFinalSnapshot": true,
	}
	for k, v := range over {
		in[k] = v
	}
	return in
}

// engine drives one instance through the provider the way the engine does:
// it keeps the inputs it sent and the outputs it got back as its state.
type engine struct {
	t      *testing.T
	p      *Provider
	dir    string
	id     string
	inputs resource.PropertyMap // what the engine last sent
	state  resource.PropertyMap // what the provider last returned
}

func newEngine(t *testing.T, in map[string]any) *engine {
	p, dir := newConfigured(t)
	checked := check(t, p, rdsInstance, "db", pm(in), nil, "seed")
	resp, err := p.Create(bg, &pulumirpc.CreateRequest{Urn: urn(rdsInstance, "db"), Type: rdsInstance, Properties: checked.GetInputs()})
	require.NoError(t, err)
	return &engine{t: t, p: p, dir: dir, id: resp.GetId(), inputs: decode(t, checked.GetInputs()), state: decode(t, resp.GetProperties())}
}

// diff asks the provider for the diff of new inputs against the state.
func (e *engine) diff(in map[string]any) *pulumirpc.DiffResponse {
	e.t.Helper()
	news := decode(e.t, check(e.t, e.p, rdsInstance, "db", pm(in), e.inputs, "seed2").GetInputs())
	resp, err := e.p.Diff(bg, &pulumirpc.DiffRequest{Urn: urn(rdsInstance, "db"), Type: rdsInstance, Id: e.id,
		Olds: props(e.t, e.state), OldInputs: props(e.t, e.inputs), News: props(e.t, news)})
	require.NoError(e.t, err)
	return resp
}

// up updates the instance to new inputs when the provider sees a diff.
func (e *engine) up(in map[string]any) {
	e.t.Helper()
	if e.diff(in).GetChanges() != pulumirpc.DiffResponse_DIFF_SOME {
		return
	}
	news := decode(e.t, check(e.t, e.p, rdsInstance, "db", pm(in), e.inputs, "seed2").GetInputs())
	resp, err := e.p.Update(bg, &pulumirpc.UpdateRequest{Urn: urn(rdsInstance, "db"), Type: rdsInstance, Id: e.id,
		Olds: props(e.t, e.state), OldInputs: props(e.t, e.inputs), News: props(e.t, news)})
	require.NoError(e.t, err)
	e.inputs, e.state = news, decode(e.t, resp.GetProperties())
}

// refresh reads the instance back, as preview --refresh does.
func (e *engine) refresh() {
	e.t.Helper()
	resp, err := e.p.Read(bg, &pulumirpc.ReadRequest{Urn: urn(rdsInstance, "db"), Type: rdsInstance, Id: e.id})
	require.NoError(e.t, err)
	e.inputs, e.state = decode(e.t, resp.GetInputs()), decode(e.t, resp.GetProperties())
}

func (e *engine) record() Record {
	e.t.Helper()
	recs, err := Records(e.dir)
	require.NoError(e.t, err)
	for _, r := range recs {
		if r.ID == e.id {
			return r
		}
	}
	e.t.Fatalf("no record %s", e.id)
	return Record{}
}

func TestADeferredModificationWaitsForTheMaintenanceWindow(t *testing.T) {
	e := newEngine(t, dbInputs(nil))
	bigger := dbInputs(map[string]any{"instanceClass": "db.r6g.large"})
	e.up(bigger)

	assert.Equal(t, "db.t4g.medium", str(e.state, "instanceClass"), "the update returns the class the instance runs with")
	rec := e.record()
	assert.Equal(t, map[string]any{"DBInstanceClass": "db.r6g.large"}, rec.PendingModifiedValues(), "as DescribeDBInstances shows it")
	assert.Equal(t, "db.t4g.medium", rec.Inputs["instanceClass"], "AWS runs the old class until the window")

	again := e.diff(bigger)
	assert.Equal(t, []string{"instanceClass"}, again.GetDiffs(), "the next preview shows the same change again")
	e.refresh()
	assert.Equal(t, []string{"instanceClass"}, e.diff(bigger).GetDiffs(), "also after a refresh")
	assert.Equal(t, "db.t4g.medium", str(e.state, "instanceClass"), "a read returns the running class")

	n, err := PassMaintenanceWindow(e.dir)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Nil(t, e.record().PendingModifiedValues(), "nothing is pending after the window")
	e.refresh()
	assert.Equal(t, "db.r6g.large", str(e.state, "instanceClass"))
	assert.Equal(t, pulumirpc.DiffResponse_DIFF_NONE, e.diff(bigger).GetChanges(), "no diff once the window passed")
}

func TestApplyImmediatelyAppliesTheChangeAndWhatWasPending(t *testing.T) {
	e := newEngine(t, dbInputs(nil))
	e.up(dbInputs(map[string]any{"instanceClass": "db.r6g.large"}))
	require.NotNil(t, e.record().PendingModifiedValues())

	now := dbInputs(map[string]any{"instanceClass": "db.r6g.large", "multiAz": false, "applyImmediately": true})
	e.up(now)
	assert.Equal(t, "db.r6g.large", str(e.state, "instanceClass"), "the pending change is applied too")
	assert.False(t, e.state["multiAz"].BoolValue())
	assert.Nil(t, e.record().PendingModifiedValues())
	assert.Equal(t, pulumirpc.DiffResponse_DIFF_NONE, e.diff(now).GetChanges())
}

func TestWhatAWSAppliesAtOnceIsNotDeferred(t *testing.T) {
	e := newEngine(t, dbInputs(nil))
	in := dbInputs(map[string]any{"backupWindow": "03:00-04:00", "maxAllocatedStorage": 300})
	e.up(in)
	assert.Equal(t, "03:00-04:00", str(e.state, "backupWindow"), "PreferredBackupWindow applies as soon as possible")
	assert.Equal(t, float64(300), e.state["maxAllocatedStorage"].NumberValue())
	assert.Nil(t, e.record().PendingModifiedValues())
	assert.Equal(t, pulumirpc.DiffResponse_DIFF_NONE, e.diff(in).GetChanges())
}

func TestARenameHappensInPlace(t *testing.T) {
	e := newEngine(t, dbInputs(map[string]any{"applyImmediately": true}))
	renamed := dbInputs(map[string]any{"identifier": "orders-staging-2", "applyImmediately": true})
	d := e.diff(renamed)
	assert.Equal(t, []string{"identifier"}, d.GetDiffs())
	assert.Empty(t, d.GetReplaces(), "a rename is no replacement")
	id := e.id
	e.up(renamed)
	assert.Equal(t, id, e.id, "the same instance")
	assert.Equal(t, "orders-staging-2.c0ffee.eu-west-1.rds.amazonaws.com", str(e.state, "address"), "RDS renames the endpoint")

	deferred := dbInputs(map[string]any{"identifier": "orders-staging-3"})
	e.up(deferred)
	assert.Equal(t, map[string]any{"DBInstanceIdentifier": "orders-staging-3"}, e.record().PendingModifiedValues())
	assert.Equal(t, "orders-staging-2", str(e.state, "identifier"))
}

func TestAMajorUpgradeTakesItsParameterGroupWithIt(t *testing.T) {
	p, dir := newConfigured(t)
	const pg = "aws:rds/parameterGroup:ParameterGroup"
	oldID, _ := create(t, p, pg, "old", map[string]any{"name": "pg16", "family": "postgres16"})
	newID, _ := create(t, p, pg, "new", map[string]any{"name": "pg17", "family": "postgres17"})
	_ = dir
	e := &engine{t: t, p: p}
	in := dbInputs(nil)
	checked := check(t, p, rdsInstance, "db", pm(in), nil, "seed")
	resp, err := p.Create(bg, &pulumirpc.CreateRequest{Urn: urn(rdsInstance, "db"), Type: rdsInstance, Properties: checked.GetInputs()})
	require.NoError(t, err)
	e.dir, e.id, e.inputs, e.state = dir, resp.GetId(), decode(t, checked.GetInputs()), decode(t, resp.GetProperties())

	e.up(dbInputs(map[string]any{"engineVersion": "17", "parameterGroupName": "pg17"}))
	rec := e.record()
	assert.Equal(t, map[string]any{"EngineVersion": "17"}, rec.PendingModifiedValues())
	assert.Equal(t, "pg16", rec.Inputs["parameterGroupName"], "the running engine keeps its family's group")
	assert.Equal(t, "pg17", rec.Pending["parameterGroupName"])

	del := func(name, id string) error {
		_, err := p.Delete(bg, &pulumirpc.DeleteRequest{Urn: urn(pg, name), Type: pg, Id: id})
		return err
	}
	assert.ErrorContains(t, del("old", oldID), "InvalidDBParameterGroupState", "the running instance uses the old group")
	assert.ErrorContains(t, del("new", newID), "InvalidDBParameterGroupState", "the pending upgrade needs the new group")

	_, err = PassMaintenanceWindow(dir)
	require.NoError(t, err)
	assert.NoError(t, del("old", oldID), "free once the window applied the upgrade")
	assert.ErrorContains(t, del("new", newID), "InvalidDBParameterGroupState")

	// A parameter group change alone applies at once.
	e.refresh()
	e.up(dbInputs(map[string]any{"engineVersion": "17", "parameterGroupName": "pg17b"}))
	assert.Nil(t, e.record().PendingModifiedValues())
	assert.NoError(t, del("new", newID))
}

func TestAutoscalingGrowthShowsNoDiffButAnIncreaseApplies(t *testing.T) {
	e := newEngine(t, dbInputs(map[string]any{"applyImmediately": true}))
	in := dbInputs(map[string]any{"applyImmediately": true})

	require.NoError(t, GrowStorage(e.dir, "orders-staging-1", 80))
	e.refresh()
	assert.Equal(t, float64(80), e.state["allocatedStorage"].NumberValue(), "the volume grew")
	assert.Equal(t, pulumirpc.DiffResponse_DIFF_NONE, e.diff(in).GetChanges(),
		"50 configured under 80 running with autoscaling up to 200: no shrink, no diff")

	more := dbInputs(map[string]any{"applyImmediately": true, "allocatedStorage": 100})
	assert.Equal(t, []string{"allocatedStorage"}, e.diff(more).GetDiffs(), "an increase past the running size is a change")
	e.up(more)
	assert.Equal(t, float64(100), e.state["allocatedStorage"].NumberValue())

	// An unrelated change after growth leaves the grown size alone.
	require.NoError(t, GrowStorage(e.dir, "orders-staging-1", 150))
	e.refresh()
	e.up(dbInputs(map[string]any{"applyImmediately": true, "allocatedStorage": 100, "backupWindow": "03:00-04:00"}))
	assert.Equal(t, float64(150), e.state["allocatedStorage"].NumberValue(), "the suppressed size is not sent")

	noAutoscaling := dbInputs(map[string]any{"applyImmediately": true, "allocatedStorage": 100, "maxAllocatedStorage": 100,
		"backupWindow": "03:00-04:00"})
	assert.Contains(t, e.diff(noAutoscaling).GetDiffs(), "allocatedStorage", "without autoscaling above it, a smaller size is a diff")

	assert.ErrorContains(t, GrowStorage(e.dir, "orders-staging-1", 250), "up to its maxAllocatedStorage")
}
