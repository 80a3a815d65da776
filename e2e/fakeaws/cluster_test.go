package fakeaws

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// diffOne diffs olds against olds with key set to value and returns the
// response.
func diffOne(t *testing.T, p *Provider, typ string, olds map[string]any, key string, value any) *pulumirpc.DiffResponse {
	t.Helper()
	o := pm(olds)
	n := o.Copy()
	n[resource.PropertyKey(key)] = resource.NewPropertyValue(value)
	resp, err := p.Diff(bg, &pulumirpc.DiffRequest{Urn: urn(typ, "r"), Type: typ, Id: "id",
		Olds: props(t, o), OldInputs: props(t, o), News: props(t, n)})
	require.NoError(t, err)
	require.Equal(t, []string{key}, resp.GetDiffs())
	return resp
}

// checkFailures runs Check on in and returns each failure as
// "property: reason".
func checkFailures(t *testing.T, p *Provider, typ string, in map[string]any) []string {
	t.Helper()
	var out []string
	for _, f := range check(t, p, typ, "r", pm(in), nil, "s").GetFailures() {
		out = append(out, f.GetProperty()+": "+f.GetReason())
	}
	return out
}

// createErr runs Check (which must pass) and Create, and returns Create's
// error.
func createErr(t *testing.T, p *Provider, typ, name string, in map[string]any) error {
	t.Helper()
	checked := check(t, p, typ, name, pm(in), nil, "seed-"+name)
	require.Empty(t, checked.GetFailures())
	_, err := p.Create(bg, &pulumirpc.CreateRequest{Urn: urn(typ, name), Type: typ, Properties: checked.GetInputs()})
	return err
}

func del(t *testing.T, p *Provider, typ, name, id string) error {
	t.Helper()
	_, err := p.Delete(bg, &pulumirpc.DeleteRequest{Urn: urn(typ, name), Type: typ, Id: id})
	return err
}

// TestClusterReplacesAndUpdatesAsTheProviderSchemaSays: engine,
// storageType (ForceNewIf for every non-Aurora engine), the subnet group,
// the KMS key and the identifier replace; the class, storage size, IOPS,
// parameter group and deletion protection update in place.
func TestClusterReplacesAndUpdatesAsTheProviderSchemaSays(t *testing.T) {
	p, _ := newConfigured(t)
	base := rdsWorld{group: "g"}.clusterInputs("orders-prod")
	for key, value := range map[string]any{
		"engine": "mysql", "storageType": "io2", "dbSubnetGroupName": "g2", "clusterIdentifier": "orders-prod-2",
		"kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/x", "storageEncrypted": false, "masterUsername": "admin",
		"databaseName": "orders", "availabilityZones": []any{"eu-west-1a"},
	} {
		assert.Equal(t, []string{key}, diffOne(t, p, clusterTok, base, key, value).GetReplaces(), key)
	}
	for key, value := range map[string]any{
		"dbClusterInstanceClass": "db.r6gd.xlarge", "allocatedStorage": 200.0, "iops": 6000.0,
		"dbClusterParameterGroupName": "pg2", "deletionProtection": true, "engineVersion": "16.6", "port": 5433.0,
		"performanceInsightsEnabled": true, "backupRetentionPeriod": 14.0, "skipFinalSnapshot": false,
	} {
		assert.Empty(t, diffOne(t, p, clusterTok, base, key, value).GetReplaces(), key)
	}
}

// TestClusterValidatorsFireAtCheck: each plan-time ValidateFunc of the
// provider's schema refuses its bad value in Check, naming the input.
func TestClusterValidatorsFireAtCheck(t *testing.T) {
	p, _ := newConfigured(t)
	ok := rdsWorld{group: "g"}.clusterInputs("orders-prod")
	ok["preferredBackupWindow"], ok["preferredMaintenanceWindow"] = "03:00-04:00", "Sun:04:30-Sun:05:30"
	ok["kmsKeyId"] = "arn:aws:kms:eu-west-1:123456789012:key/k"
	assert.Empty(t, checkFailures(t, p, clusterTok, ok), "a valid Multi-AZ cluster passes")
	cases := map[string]struct {
		key   string
		value any
		want  string
	}{
		"engine enum":              {"engine", "postgresql", "expected engine to be one of [aurora-mysql aurora-postgresql mysql postgres], got postgresql"},
		"aurora is not modelled":   {"engine", "aurora-postgresql", "models Multi-AZ DB clusters (mysql, postgres) only"},
		"identifier":               {"clusterIdentifier", "Orders", "only lowercase alphanumeric characters and hyphens"},
		"identifier length":        {"clusterIdentifier", "a23456789012345678901234567890123456789012345678901234", "AWS allows at most 52"},
		"identifier prefix":        {"clusterIdentifierPrefix", "9orders", "first character of \"clusterIdentifierPrefix\" must be a letter"},
		"backup retention":         {"backupRetentionPeriod", 36.0, "expected backupRetentionPeriod to be at most (35), got 36"},
		"final snapshot hyphens":   {"finalSnapshotIdentifier", "orders--final", "cannot contain two consecutive hyphens"},
		"final snapshot chars":     {"finalSnapshotIdentifier", "orders_final", "only alphanumeric characters and hyphens allowed"},
		"final snapshot trailing":  {"finalSnapshotIdentifier", "orders-", "cannot end in a hyphen"},
		"log exports":              {"enabledCloudwatchLogsExports", []any{"postgresql", "slow"}, "expected enabledCloudwatchLogsExports to be one of"},
		"insights mode":            {"databaseInsightsMode", "full", "expected databaseInsightsMode to be one of [standard advanced], got full"},
		"kms key is an ARN":        {"kmsKeyId", "alias/orders", "kmsKeyId \"alias/orders\" is an invalid ARN"},
		"monitoring role ARN":      {"monitoringRoleArn", "monitoring", "is an invalid ARN"},
		"managed and own password": {"masterPassword", "hunter2hunter2", "conflicts with manageMasterUserPassword"},
		"ARN account":              {"kmsKeyId", "arn:aws:kms:eu-west-1:1234:key/k", `invalid account ID value "1234"`},
		"ARN partition":            {"monitoringRoleArn", "arn:azure:iam::123456789012:role/r", `invalid partition value "azure"`},
		"backup window":            {"preferredBackupWindow", "3:00-04:00", `must satisfy the format of "hh24:mi-hh24:mi"`},
		"maintenance window":       {"preferredMaintenanceWindow", "Sun:25:00-sun:05:00", `(sun:25:00-sun:05:00) must satisfy the format of "ddd:hh24:mi-ddd:hh24:mi"`},
		"secret key empty":         {"masterUserSecretKmsKeyId", "", "must be 1 to 2048 characters"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := map[string]any{}
			for k, v := range ok {
				in[k] = v
			}
			in[tc.key] = tc.value
			if tc.key == "clusterIdentifierPrefix" {
				delete(in, "clusterIdentifier")
			}
			got := checkFailures(t, p, clusterTok, in)
			require.Len(t, got, 1, "%v", got)
			assert.Contains(t, got[0], tc.key+": ")
			assert.Contains(t, got[0], tc.want)
		})
	}
	both := map[string]any{"clusterIdentifier": "a", "clusterIdentifierPrefix": "a-"}
	assert.Equal(t, []string{`clusterIdentifierPrefix: "clusterIdentifierPrefix": conflicts with clusterIdentifier; set only one of clusterIdentifier, clusterIdentifierPrefix`},
		checkFailures(t, p, clusterTok, both))
}

// TestClusterIdentifierIsMadeAtCreateNotInCheck: pulumi-aws does not
// autoname cluster_identifier; the provider's create makes "tf-<26>".
func TestClusterIdentifierIsMadeAtCreateNotInCheck(t *testing.T) {
	p, _ := newConfigured(t)
	w := newRDSWorld(t, p, "w")
	in := w.clusterInputs("")
	delete(in, "clusterIdentifier")
	checked := decode(t, check(t, p, clusterTok, "orders", pm(in), nil, "s").GetInputs())
	_, named := checked["clusterIdentifier"]
	assert.False(t, named, "Check leaves cluster_identifier to the provider's create")
	id, out := create(t, p, clusterTok, "orders", in)
	assert.Regexp(t, `^tf-[0-9a-f]{26}$`, id)
	assert.Equal(t, id, str(out, "clusterIdentifier"))

	in["clusterIdentifierPrefix"] = "orders-"
	id, _ = create(t, p, clusterTok, "orders2", in)
	assert.Regexp(t, `^orders-[0-9a-f]{26}$`, id)
}

func TestClusterOutputsTheProgramsRead(t *testing.T) {
	p, _ := newConfigured(t)
	w := newRDSWorld(t, p, "w")
	in := w.clusterInputs("orders-prod")
	in["masterUserSecretKmsKeyId"] = "arn:aws:kms:eu-west-1:123456789012:key/k"
	id, out := create(t, p, clusterTok, "orders", in)
	assert.Equal(t, "orders-prod", id)
	assert.Equal(t, "arn:aws:rds:eu-west-1:123456789012:cluster:orders-prod", str(out, "arn"))
	assert.Equal(t, "orders-prod.cluster-c0ffee.eu-west-1.rds.amazonaws.com", str(out, "endpoint"))
	assert.Equal(t, "orders-prod.cluster-ro-c0ffee.eu-west-1.rds.amazonaws.com", str(out, "readerEndpoint"))
	assert.Regexp(t, `^cluster-[A-Z2-7]{26}$`, str(out, "clusterResourceId"))
	assert.Equal(t, 5432.0, out["port"].NumberValue())
	assert.Equal(t, []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, out["availabilityZones"].Mappable())
	secrets := out["masterUserSecrets"].ArrayValue()
	require.Len(t, secrets, 1)
	secret := secrets[0].ObjectValue()
	assert.Regexp(t, `^arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-[a-z2-7]{26}-[0-9a-f]{6}$`, str(secret, "secretArn"))
	assert.Equal(t, "arn:aws:kms:eu-west-1:123456789012:key/k", str(secret, "kmsKeyId"))
	assert.Contains(t, str(secret, "secretArn"), "rds!"+lower(str(out, "clusterResourceId")))
	assert.Regexp(t, `^arn:aws:kms:eu-west-1:123456789012:key/`, str(out, "kmsKeyId"), "AWS's key when encrypted without one")
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// TestAWSRefusesAMultiAZClusterItDoesNotSupport: the CreateDBCluster
// settings required for a Multi-AZ DB cluster, its instance classes,
// storage types, IOPS ratio, PostgreSQL versions and Regions, and a subnet
// group over three zones.
func TestAWSRefusesAMultiAZClusterItDoesNotSupport(t *testing.T) {
	p, _ := newConfigured(t)
	w := newRDSWorld(t, p, "w")
	cases := map[string]struct {
		key   string
		value any
		want  string
	}{
		"no class":           {"dbClusterInstanceClass", nil, "dbClusterInstanceClass required to create a Multi-AZ DB cluster"},
		"no iops":            {"iops", nil, "iops required to create a Multi-AZ DB cluster"},
		"graviton non-nvme":  {"dbClusterInstanceClass", "db.m6g.large", `dbClusterInstanceClass "db.m6g.large" is not available for Multi-AZ DB clusters`},
		"medium not c6gd":    {"dbClusterInstanceClass", "db.m6gd.medium", "size medium only for c6gd"},
		"gp2":                {"storageType", "gp2", `storageType "gp2": a Multi-AZ DB cluster takes io1, io2 or gp3`},
		"iops above 50x":     {"iops", 5001.0, "iops 5001 for 100 GiB: Iops must be between 0.5 and 50 times"},
		"iops below half":    {"iops", 49.0, "iops 49 for 100 GiB"},
		"postgres 13.5":      {"engineVersion", "13.5", "PostgreSQL 13.5 is not a version Multi-AZ DB clusters support"},
		"postgres 14.4":      {"engineVersion", "14.4", "PostgreSQL 14.4 is not a version"},
		"no subnet group":    {"dbSubnetGroupName", "missing", "DBSubnetGroupNotFoundFault: DBSubnetGroupName missing"},
		"two-zone subnet gr": {"dbSubnetGroupName", "two", "covers 2 Availability Zones; a Multi-AZ DB cluster's must cover at least three"},
	}
	create(t, p, subnetGrpType, "two", map[string]any{"name": "two", "subnetIds": w.subnets[:2]})
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := w.clusterInputs("c")
			if tc.value == nil {
				delete(in, tc.key)
			} else {
				in[tc.key] = tc.value
			}
			assert.ErrorContains(t, createErr(t, p, clusterTok, "c", in), tc.want)
		})
	}
	for _, ok := range []map[string]any{
		{"engineVersion": "13.4"}, {"engineVersion": "14.5"}, {"engineVersion": "17"},
		{"dbClusterInstanceClass": "db.c6gd.medium"}, {"storageType": "gp3"}, {"iops": 50.0},
	} {
		in := w.clusterInputs("")
		delete(in, "clusterIdentifier")
		for k, v := range ok {
			in[k] = v
		}
		assert.NoError(t, createErr(t, p, clusterTok, "ok", in), "%v", ok)
	}
	// Regions without Multi-AZ DB clusters for PostgreSQL.
	west, _ := New(t.TempDir())
	_, err := west.Configure(bg, &pulumirpc.ConfigureRequest{Args: props(t, pm(map[string]any{"region": "us-west-1"}))})
	require.NoError(t, err)
	assert.ErrorContains(t, createErr(t, west, clusterTok, "c", w.clusterInputs("c")),
		"Multi-AZ DB clusters for postgres are not available in us-west-1")
	// A second cluster with the same identifier.
	create(t, p, clusterTok, "first", w.clusterInputs("dup"))
	assert.ErrorContains(t, createErr(t, p, clusterTok, "second", w.clusterInputs("dup")), `clusterIdentifier "dup" already exists`)
}

// TestAClusterPortChangeIsPlannedInPlaceButAWSRefusesIt: port has no
// ForceNew, and ModifyDBCluster takes Port for Aurora only.
func TestAClusterPortChangeIsPlannedInPlaceButAWSRefusesIt(t *testing.T) {
	p, _ := newConfigured(t)
	w := newRDSWorld(t, p, "w")
	in := w.clusterInputs("orders")
	in["port"] = 5432.0
	id, out := create(t, p, clusterTok, "orders", in)
	news := out.Copy()
	news["port"] = resource.NewNumberProperty(5433)
	_, err := p.Update(bg, &pulumirpc.UpdateRequest{Urn: urn(clusterTok, "orders"), Type: clusterTok, Id: id, News: props(t, news)})
	assert.ErrorContains(t, err, "the port of a Multi-AZ DB cluster cannot be modified (port 5432 -> 5433)")

	news = out.Copy()
	news["dbClusterInstanceClass"] = resource.NewStringProperty("db.r6gd.xlarge")
	news["applyImmediately"] = resource.NewBoolProperty(true)
	upd, err := p.Update(bg, &pulumirpc.UpdateRequest{Urn: urn(clusterTok, "orders"), Type: clusterTok, Id: id, News: props(t, news)})
	require.NoError(t, err)
	assert.Equal(t, "db.r6gd.xlarge", str(decode(t, upd.GetProperties()), "dbClusterInstanceClass"))
	news["dbClusterInstanceClass"] = resource.NewStringProperty("db.r6g.xlarge")
	_, err = p.Update(bg, &pulumirpc.UpdateRequest{Urn: urn(clusterTok, "orders"), Type: clusterTok, Id: id, News: props(t, news)})
	assert.ErrorContains(t, err, `RDS refuses to modify Multi-AZ DB cluster orders: dbClusterInstanceClass "db.r6g.xlarge" is not available`)
}

// TestAClusterEngineUpgradeWaitsForTheWindowUnlessApplyImmediately:
// ModifyDBCluster EngineVersion "is applied during the next maintenance
// window unless ApplyImmediately is enabled".
func TestAClusterEngineUpgradeWaitsForTheWindowUnlessApplyImmediately(t *testing.T) {
	p, dir := newConfigured(t)
	w := newRDSWorld(t, p, "w")
	id, out := create(t, p, clusterTok, "orders", w.clusterInputs("orders"))
	news := out.Copy()
	news["engineVersion"] = resource.NewStringProperty("16.6")
	upd, err := p.Update(bg, &pulumirpc.UpdateRequest{Urn: urn(clusterTok, "orders"), Type: clusterTok, Id: id, News: props(t, news)})
	require.NoError(t, err)
	assert.Equal(t, "16.4", str(decode(t, upd.GetProperties()), "engineVersion"), "runs the old version until the window")
	n, err := PassMaintenanceWindow(dir)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	recs, err := Records(dir)
	require.NoError(t, err)
	for _, r := range recs {
		if r.Type == clusterTok {
			assert.Equal(t, "16.6", r.Outputs["engineVersionActual"])
		}
	}
}

// TestClusterDeleteRefusals: deletion protection (AWS), no final snapshot
// name (the provider, before AWS), and a final snapshot name already used
// (AWS); DB snapshots and DB cluster snapshots are separate names.
func TestClusterDeleteRefusals(t *testing.T) {
	p, dir := newConfigured(t)
	w := newRDSWorld(t, p, "w")
	in := w.clusterInputs("protected")
	in["deletionProtection"] = true
	protected, _ := create(t, p, clusterTok, "protected", in)
	assert.ErrorContains(t, del(t, p, clusterTok, "protected", protected),
		"RDS refuses to delete DB cluster protected: InvalidParameterCombination: Cannot delete protected Cluster, please disable deletion protection")

	in = w.clusterInputs("nosnap")
	delete(in, "skipFinalSnapshot")
	nosnap, _ := create(t, p, clusterTok, "nosnap", in)
	assert.ErrorContains(t, del(t, p, clusterTok, "nosnap", nosnap),
		"RDS Cluster final_snapshot_identifier is required when skip_final_snapshot is false")

	in["clusterIdentifier"], in["finalSnapshotIdentifier"] = "snap", "orders-final"
	snap, _ := create(t, p, clusterTok, "snap", in)
	require.NoError(t, del(t, p, clusterTok, "snap", snap))
	in["clusterIdentifier"] = "snap2"
	snap2, _ := create(t, p, clusterTok, "snap2", in)
	assert.ErrorContains(t, del(t, p, clusterTok, "snap2", snap2), "DBClusterSnapshotAlreadyExistsFault")
	// An instance may leave a DB snapshot of the same name.
	inst, _ := create(t, p, "aws:rds/instance:Instance", "i", map[string]any{"identifier": "i", "finalSnapshotIdentifier": "orders-final"})
	assert.NoError(t, del(t, p, "aws:rds/instance:Instance", "i", inst))

	skip, _ := create(t, p, clusterTok, "skip", w.clusterInputs("skip"))
	assert.ErrorContains(t, del(t, p, subnetGrpType, "w-group", w.group), "(InvalidDBSubnetGroupStateFault): "+clusterTok+" ",
		"the cluster's instances are in the subnet group")
	assert.NoError(t, del(t, p, clusterTok, "skip", skip))

	recs, err := Records(dir)
	require.NoError(t, err)
	var left []string
	for _, r := range recs {
		if r.Type == clusterTok {
			left = append(left, r.ID)
		}
	}
	assert.ElementsMatch(t, []string{"protected", "nosnap", "snap2"}, left, "refused deletes leave the cluster")
}

func TestClusterParameterGroup(t *testing.T) {
	p, _ := newConfigured(t)
	base := map[string]any{"name": "orders-pg16", "family": "postgres16", "description": managedByPulumi}
	for key, value := range map[string]any{"family": "postgres17", "name": "orders-pg17", "description": "x"} {
		assert.Equal(t, []string{key}, diffOne(t, p, clusterPGTok, base, key, value).GetReplaces(), key)
	}
	assert.Empty(t, diffOne(t, p, clusterPGTok, base, "parameters",
		[]any{map[string]any{"name": "rds.force_ssl", "value": "1"}}).GetReplaces())

	checked := decode(t, check(t, p, clusterPGTok, "orders", pm(map[string]any{"family": "postgres16"}), nil, "a").GetInputs())
	assert.Regexp(t, `^orders-[0-9a-f]{7}$`, str(checked, "name"), "pulumi-aws autonames name")
	assert.Equal(t, managedByPulumi, str(checked, "description"))
	assert.Equal(t, []string{`name: name "Orders": only lowercase alphanumeric characters, periods, and hyphens allowed in parameter group "name"`},
		checkFailures(t, p, clusterPGTok, map[string]any{"name": "Orders", "family": "postgres16"}))
	assert.Equal(t, []string{`namePrefix: namePrefix "a--": parameter group "namePrefix" cannot contain two consecutive hyphens`},
		checkFailures(t, p, clusterPGTok, map[string]any{"namePrefix": "a--", "family": "postgres16"}))
	assert.Equal(t, []string{"parameters[].applyMethod: expected parameters[].applyMethod to be one of [immediate pending-reboot], got later"},
		checkFailures(t, p, clusterPGTok, map[string]any{"family": "postgres16",
			"parameters": []any{map[string]any{"name": "a", "value": "1", "applyMethod": "later"}}}))
	assert.Empty(t, checkFailures(t, p, clusterPGTok, map[string]any{"family": "postgres16",
		"parameters": []any{map[string]any{"name": "a", "value": "1", "applyMethod": "Pending-Reboot"}}}), "case is ignored")

	w := newRDSWorld(t, p, "w")
	pg, out := create(t, p, clusterPGTok, "pg", map[string]any{"name": "orders-pg", "family": "postgres16"})
	assert.Equal(t, "arn:aws:rds:eu-west-1:123456789012:cluster-pg:orders-pg", str(out, "arn"))
	in := w.clusterInputs("orders")
	in["dbClusterParameterGroupName"] = pg
	cluster, _ := create(t, p, clusterTok, "orders", in)
	assert.ErrorContains(t, del(t, p, clusterPGTok, "pg", pg), "InvalidDBParameterGroupState: DB cluster orders uses it")
	assert.NoError(t, del(t, p, clusterTok, "orders", cluster))
	assert.NoError(t, del(t, p, clusterPGTok, "pg", pg))
	create(t, p, clusterPGTok, "dup", map[string]any{"name": "dup", "family": "postgres16"})
	assert.ErrorContains(t, createErr(t, p, clusterPGTok, "dup2", map[string]any{"name": "dup", "family": "postgres16"}),
		`name "dup" already exists`)
}

// TestFewerThanThreeZonesShowAsAReplacementNextTime: RDS assigns three
// zones, so a cluster configured with fewer differs from its state on the
// next preview, and availabilityZones is ForceNew.
func TestFewerThanThreeZonesShowAsAReplacementNextTime(t *testing.T) {
	p, _ := newConfigured(t)
	w := newRDSWorld(t, p, "w")
	in := w.clusterInputs("orders")
	in["availabilityZones"] = []any{"eu-west-1b"}
	id, out := create(t, p, clusterTok, "orders", in)
	assert.Equal(t, []any{"eu-west-1b", "eu-west-1a", "eu-west-1c"}, out["availabilityZones"].Mappable())
	resp, err := p.Diff(bg, &pulumirpc.DiffRequest{Urn: urn(clusterTok, "orders"), Type: clusterTok, Id: id,
		Olds: props(t, out), OldInputs: props(t, pm(in)), News: props(t, pm(in))})
	require.NoError(t, err)
	assert.Equal(t, []string{"availabilityZones"}, resp.GetReplaces())
}
