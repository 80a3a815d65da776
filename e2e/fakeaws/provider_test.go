package fakeaws

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"
)

var bg = context.Background()

func urn(typ, name string) string {
	return string(resource.NewURN("orders-dev", "database", "", tokens.Type(typ), name))
}

func props(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	require.NoError(t, err)
	return s
}

func pm(m map[string]any) resource.PropertyMap { return resource.NewPropertyMapFromMap(m) }

func decode(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	m, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	require.NoError(t, err)
	return m
}

// newConfigured returns a provider configured for eu-west-1 in a fresh
// folder.
func newConfigured(t *testing.T) (*Provider, string) {
	t.Helper()
	dir := t.TempDir()
	p, err := New(dir)
	require.NoError(t, err)
	_, err = p.Configure(bg, &pulumirpc.ConfigureRequest{Args: props(t, pm(map[string]any{
		"region":      "eu-west-1",
		"defaultTags": `{"tags":{"ManagedBy":"pulumi"}}`,
	}))})
	require.NoError(t, err)
	return p, dir
}

func check(t *testing.T, p *Provider, typ, name string, news, olds resource.PropertyMap, seed string) *pulumirpc.CheckResponse {
	t.Helper()
	resp, err := p.Check(bg, &pulumirpc.CheckRequest{
		Urn: urn(typ, name), Type: typ, News: props(t, news), Olds: props(t, olds), RandomSeed: []byte(seed),
	})
	require.NoError(t, err)
	return resp
}

// create runs Check then Create, as the engine does.
func create(t *testing.T, p *Provider, typ, name string, in map[string]any) (string, resource.PropertyMap) {
	t.Helper()
	checked := check(t, p, typ, name, pm(in), nil, "seed-"+name)
	require.Empty(t, checked.GetFailures())
	resp, err := p.Create(bg, &pulumirpc.CreateRequest{Urn: urn(typ, name), Type: typ, Properties: checked.GetInputs()})
	require.NoError(t, err)
	return resp.GetId(), decode(t, resp.GetProperties())
}

func str(m resource.PropertyMap, key string) string {
	v := m[resource.PropertyKey(key)]
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return fmt.Sprintf("<%s>", v.TypeString())
	}
	return v.StringValue()
}

func TestCheckReturnsInputsAndAutoNames(t *testing.T) {
	p, _ := newConfigured(t)
	const typ = "aws:rds/subnetGroup:SubnetGroup"
	in := map[string]any{"subnetIds": []any{"subnet-1", "subnet-2"}}

	got := decode(t, check(t, p, typ, "orders-dev", pm(in), nil, "a").GetInputs())
	assert.Equal(t, []any{"subnet-1", "subnet-2"}, got["subnetIds"].Mappable(), "inputs come back")
	name := str(got, "name")
	assert.Regexp(t, `^orders-dev-[0-9a-f]{7}$`, name)
	assert.Equal(t, managedByPulumi, str(got, "description"), "the provider's default description")
	assert.Equal(t, []any{"description", "name"}, got["__defaults"].Mappable())

	again := decode(t, check(t, p, typ, "orders-dev", pm(in), nil, "a").GetInputs())
	assert.Equal(t, name, str(again, "name"), "the same seed gives the same name (preview, then up)")
	other := decode(t, check(t, p, typ, "orders-dev", pm(in), nil, "b").GetInputs())
	assert.NotEqual(t, name, str(other, "name"), "another seed gives another name")

	// On an update the engine sends a new seed; the old auto-name stays.
	kept := decode(t, check(t, p, typ, "orders-dev", pm(in), got, "c").GetInputs())
	assert.Equal(t, name, str(kept, "name"))

	// A name the program sets is used as is and is not a default.
	fixed := decode(t, check(t, p, typ, "orders-dev", pm(map[string]any{"name": "fixed"}), nil, "a").GetInputs())
	assert.Equal(t, "fixed", str(fixed, "name"))
	assert.Equal(t, []any{"description"}, fixed["__defaults"].Mappable())

	// No name is lower-cased: the RDS ValidateFuncs refuse an upper-case
	// auto-name in Check, the event subscription's allows it.
	upper := check(t, p, typ, "Orders", pm(in), nil, "a")
	require.Len(t, upper.GetFailures(), 1)
	assert.Equal(t, "name", upper.GetFailures()[0].GetProperty())
	assert.Contains(t, upper.GetFailures()[0].GetReason(), "only lowercase alphanumeric characters")
	events := decode(t, check(t, p, "aws:rds/eventSubscription:EventSubscription", "Events",
		pm(map[string]any{"snsTopic": "arn:aws:sns:eu-west-1:123456789012:t"}), nil, "a").GetInputs())
	assert.Regexp(t, `^Events-[0-9a-f]{7}$`, str(events, "name"))
	// pulumi-aws's per-type forms: the DB instance identifier has no
	// separator, a KMS alias starts with alias/.
	db := decode(t, check(t, p, "aws:rds/instance:Instance", "orders", pm(map[string]any{}), nil, "a").GetInputs())
	assert.Regexp(t, `^orders[0-9a-f]{7}$`, str(db, "identifier"))
	alias := decode(t, check(t, p, "aws:kms/alias:Alias", "key", pm(map[string]any{"targetKeyId": "k"}), nil, "a").GetInputs())
	assert.Regexp(t, `^alias/key-[0-9a-f]{7}$`, str(alias, "name"))
}

func TestCheckHonoursTheEnginesAutonamingOptions(t *testing.T) {
	p, _ := newConfigured(t)
	const typ = "aws:iam/role:Role"
	req := func(mode pulumirpc.CheckRequest_AutonamingOptions_Mode) *pulumirpc.CheckRequest {
		return &pulumirpc.CheckRequest{Urn: urn(typ, "monitoring"), Type: typ, News: props(t, pm(map[string]any{})),
			Autonaming: &pulumirpc.CheckRequest_AutonamingOptions{ProposedName: "pgp-monitoring", Mode: mode}}
	}
	resp, err := p.Check(bg, req(pulumirpc.CheckRequest_AutonamingOptions_ENFORCE))
	require.NoError(t, err)
	assert.Equal(t, "pgp-monitoring", str(decode(t, resp.GetInputs()), "name"))

	resp, err = p.Check(bg, req(pulumirpc.CheckRequest_AutonamingOptions_DISABLE))
	require.NoError(t, err)
	require.Len(t, resp.GetFailures(), 1)
	assert.Equal(t, "name", resp.GetFailures()[0].GetProperty())
}

func TestCheckRefusesNamesLongerThanAWSAllows(t *testing.T) {
	p, _ := newConfigured(t)
	resp := check(t, p, "aws:rds/instance:Instance", "db", pm(map[string]any{"identifier": strings.Repeat("a", 64)}), nil, "s")
	require.Len(t, resp.GetFailures(), 1)
	assert.Contains(t, resp.GetFailures()[0].GetReason(), "at most 63")
}

func TestCreateComputesDeterministicOutputs(t *testing.T) {
	run := func() (map[string]string, resource.PropertyMap) {
		p, _ := newConfigured(t)
		ids := map[string]string{}
		vpcID, vpc := create(t, p, "aws:ec2/vpc:Vpc", "vpc", map[string]any{"cidrBlock": "10.20.0.0/16", "tags": map[string]any{"Name": "dev"}})
		ids["vpc"] = vpcID
		assert.Regexp(t, `^vpc-[0-9a-f]{17}$`, vpcID)
		assert.Equal(t, "arn:aws:ec2:eu-west-1:123456789012:vpc/"+vpcID, str(vpc, "arn"))
		assert.Equal(t, map[string]any{"Name": "dev", "ManagedBy": "pulumi"}, vpc["tagsAll"].Mappable(), "default tags under the resource's")

		subnetID, subnet := create(t, p, "aws:ec2/subnet:Subnet", "db-a", map[string]any{
			"vpcId": vpcID, "cidrBlock": "10.20.0.0/24", "availabilityZone": "eu-west-1a"})
		ids["subnet"] = subnetID
		assert.Equal(t, "euw1-az1", str(subnet, "availabilityZoneId"))

		_, group := create(t, p, "aws:rds/subnetGroup:SubnetGroup", "db", map[string]any{"subnetIds": []any{subnetID}})
		assert.Equal(t, vpcID, str(group, "vpcId"), "the subnet group's VPC is its subnets' VPC")

		keyID, key := create(t, p, "aws:kms/key:Key", "key", map[string]any{})
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, keyID)
		assert.Equal(t, "arn:aws:kms:eu-west-1:123456789012:key/"+keyID, str(key, "arn"))

		dbID, db := create(t, p, "aws:rds/instance:Instance", "db", map[string]any{
			"identifier": "orders-dev-1a2b3c4d", "engine": "postgres", "dbSubnetGroupName": str(group, "name"),
			"storageEncrypted": true, "kmsKeyId": str(key, "arn"), "manageMasterUserPassword": true,
			"masterUserSecretKmsKeyId": str(key, "arn"), "password": resource.MakeSecret(resource.NewStringProperty("hunter2")),
		})
		ids["db"] = dbID
		assert.Regexp(t, `^db-[A-Z2-7]{26}$`, dbID)
		assert.Equal(t, dbID, str(db, "resourceId"))
		assert.Equal(t, "orders-dev-1a2b3c4d.c0ffee.eu-west-1.rds.amazonaws.com", str(db, "address"))
		assert.Equal(t, "orders-dev-1a2b3c4d.c0ffee.eu-west-1.rds.amazonaws.com:5432", str(db, "endpoint"))
		assert.Equal(t, float64(5432), db["port"].NumberValue())
		secrets := db["masterUserSecrets"].ArrayValue()
		require.Len(t, secrets, 1)
		secret := secrets[0].ObjectValue()
		assert.Regexp(t, `^arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-[a-z2-7]{26}-[0-9a-f]{6}$`, str(secret, "secretArn"))
		assert.Equal(t, "active", str(secret, "secretStatus"))
		assert.Equal(t, str(key, "arn"), str(secret, "kmsKeyId"))
		assert.True(t, db["password"].IsSecret(), "a secret input stays secret in the outputs")
		return ids, db
	}
	first, _ := run()
	second, _ := run()
	assert.Equal(t, first, second, "a fresh double gives the same IDs for the same creates")
}

func TestCreatePreviewLeavesComputedOutputsUnknown(t *testing.T) {
	p, dir := newConfigured(t)
	const typ = "aws:rds/instance:Instance"
	checked := check(t, p, typ, "db", pm(map[string]any{"identifier": "x", "engine": "postgres"}), nil, "s")
	resp, err := p.Create(bg, &pulumirpc.CreateRequest{Urn: urn(typ, "db"), Type: typ, Properties: checked.GetInputs(), Preview: true})
	require.NoError(t, err)
	assert.Empty(t, resp.GetId())
	out := decode(t, resp.GetProperties())
	assert.Equal(t, "x", str(out, "identifier"), "known inputs stay known")
	assert.True(t, out["endpoint"].IsComputed(), "endpoint is unknown in a preview")
	assert.True(t, out["resourceId"].IsComputed())
	recs, err := Records(dir)
	require.NoError(t, err)
	assert.Empty(t, recs, "a preview creates nothing")
}

func TestDiffReportsReplacementsFromTheTable(t *testing.T) {
	p, _ := newConfigured(t)
	base := map[string]map[string]any{
		"aws:rds/instance:Instance": {"identifier": "orders-dev-1", "engine": "postgres", "dbSubnetGroupName": "g1",
			"storageEncrypted": true, "kmsKeyId": "arn:k1", "instanceClass": "db.t4g.medium", "__defaults": []any{}},
		"aws:ec2/subnet:Subnet": {"cidrBlock": "10.0.0.0/24", "availabilityZone": "eu-west-1a", "vpcId": "vpc-1", "tags": map[string]any{"a": "b"}},
		"aws:ec2/vpc:Vpc":       {"cidrBlock": "10.0.0.0/16", "enableDnsHostnames": true},
	}
	cases := []struct {
		typ, key string
		value    any
		replace  bool
	}{
		// A rename (ModifyDBInstance NewDBInstanceIdentifier) and a move to
		// another subnet group happen in place.
		{"aws:rds/instance:Instance", "identifier", "orders-dev-2", false},
		{"aws:rds/instance:Instance", "engine", "mysql", true},
		{"aws:rds/instance:Instance", "dbSubnetGroupName", "g2", false},
		{"aws:rds/instance:Instance", "storageEncrypted", false, true},
		{"aws:rds/instance:Instance", "kmsKeyId", "arn:k2", true},
		{"aws:rds/instance:Instance", "instanceClass", "db.r6g.large", false},
		{"aws:ec2/subnet:Subnet", "cidrBlock", "10.0.1.0/24", true},
		{"aws:ec2/subnet:Subnet", "availabilityZone", "eu-west-1b", true},
		{"aws:ec2/subnet:Subnet", "tags", map[string]any{"a": "c"}, false},
		{"aws:ec2/vpc:Vpc", "cidrBlock", "10.1.0.0/16", true},
		{"aws:ec2/vpc:Vpc", "enableDnsHostnames", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.typ+"/"+tc.key, func(t *testing.T) {
			olds := pm(base[tc.typ])
			news := olds.Copy()
			news[resource.PropertyKey(tc.key)] = resource.NewPropertyValue(tc.value)
			resp, err := p.Diff(bg, &pulumirpc.DiffRequest{Urn: urn(tc.typ, "r"), Type: tc.typ, Id: "id",
				Olds: props(t, olds), OldInputs: props(t, olds), News: props(t, news)})
			require.NoError(t, err)
			assert.Equal(t, pulumirpc.DiffResponse_DIFF_SOME, resp.GetChanges())
			assert.Equal(t, []string{tc.key}, resp.GetDiffs())
			if tc.replace {
				assert.Equal(t, []string{tc.key}, resp.GetReplaces())
				assert.Equal(t, pulumirpc.PropertyDiff_UPDATE_REPLACE, resp.GetDetailedDiff()[tc.key].GetKind())
			} else {
				assert.Empty(t, resp.GetReplaces())
				assert.Equal(t, pulumirpc.PropertyDiff_UPDATE, resp.GetDetailedDiff()[tc.key].GetKind())
			}

			same, err := p.Diff(bg, &pulumirpc.DiffRequest{Urn: urn(tc.typ, "r"), Type: tc.typ, Id: "id",
				Olds: props(t, olds), OldInputs: props(t, olds), News: props(t, olds)})
			require.NoError(t, err)
			assert.Equal(t, pulumirpc.DiffResponse_DIFF_NONE, same.GetChanges())
		})
	}
	// The provider's ForceNew attributes are in the table, and what it
	// updates in place is not.
	for typ, keys := range map[string][]string{
		"aws:rds/instance:Instance": {"engine", "dbName", "username", "storageEncrypted", "kmsKeyId"},
		"aws:ec2/subnet:Subnet":     {"cidrBlock", "availabilityZone"},
		"aws:ec2/vpc:Vpc":           {"cidrBlock"},
	} {
		got, ok := ReplaceProperties(typ)
		require.True(t, ok)
		assert.Subset(t, got, keys, typ)
	}
	for typ, keys := range map[string][]string{
		"aws:rds/instance:Instance":                   {"identifier", "identifierPrefix", "dbSubnetGroupName", "instanceClass"},
		"aws:rds/eventSubscription:EventSubscription": {"snsTopic", "sourceIds"},
	} {
		got, ok := ReplaceProperties(typ)
		require.True(t, ok)
		for _, k := range keys {
			assert.NotContains(t, got, k, "%s: the provider updates %s in place", typ, k)
		}
	}
}

func TestDiffTreatsUnknownsAndEmptyValues(t *testing.T) {
	p, _ := newConfigured(t)
	const typ = "aws:ec2/subnet:Subnet"
	olds := pm(map[string]any{"cidrBlock": "10.0.0.0/24", "tags": map[string]any{}})
	news := pm(map[string]any{"cidrBlock": resource.MakeComputed(resource.NewStringProperty(""))})
	resp, err := p.Diff(bg, &pulumirpc.DiffRequest{Urn: urn(typ, "s"), Type: typ, OldInputs: props(t, olds), News: props(t, news)})
	require.NoError(t, err)
	assert.Equal(t, []string{"cidrBlock"}, resp.GetReplaces(), "an unknown replace-forcing input may change: replace")
	assert.Equal(t, []string{"cidrBlock"}, resp.GetDiffs(), "an empty map equals an absent one")
}

// TestDiffDeletesFirstWhenTheProgramFixedTheName follows the bridge: a
// replacement deletes first when the program set an auto-named name, whether
// or not the name changes, never when the name came from the auto-namer, and
// always for a type pulumi-aws marks DeleteBeforeReplace. The DB instance
// identifier is not auto-named in pulumi-aws v6, so it never counts.
func TestDiffDeletesFirstWhenTheProgramFixedTheName(t *testing.T) {
	p, _ := newConfigured(t)
	diff := func(typ string, olds, news map[string]any) *pulumirpc.DiffResponse {
		resp, err := p.Diff(bg, &pulumirpc.DiffRequest{Urn: urn(typ, "r"), Type: typ,
			OldInputs: props(t, pm(olds)), News: props(t, pm(news))})
		require.NoError(t, err)
		require.NotEmpty(t, resp.GetReplaces())
		return resp
	}
	const pg = "aws:rds/parameterGroup:ParameterGroup"
	fixed := diff(pg, map[string]any{"name": "a", "family": "postgres16", "__defaults": []any{}},
		map[string]any{"name": "a", "family": "postgres17", "__defaults": []any{}})
	assert.True(t, fixed.GetDeleteBeforeReplace(), "same fixed name: AWS cannot hold both")
	renamed := diff(pg, map[string]any{"name": "a", "family": "postgres16", "__defaults": []any{}},
		map[string]any{"name": "b", "family": "postgres17", "__defaults": []any{}})
	assert.True(t, renamed.GetDeleteBeforeReplace(), "a fixed name deletes first even when it changes (no UniqueNameFields)")
	auto := diff(pg, map[string]any{"name": "a", "family": "postgres16", "__defaults": []any{"name"}},
		map[string]any{"name": "a", "family": "postgres17", "__defaults": []any{"name"}})
	assert.False(t, auto.GetDeleteBeforeReplace(), "an auto-name is made anew for the replacement")

	const db = "aws:rds/instance:Instance"
	instance := diff(db, map[string]any{"identifier": "a", "engine": "postgres", "__defaults": []any{}},
		map[string]any{"identifier": "a", "engine": "mysql", "__defaults": []any{}})
	assert.False(t, instance.GetDeleteBeforeReplace(), "the identifier's default is not AutoNamed: created first")

	const att = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	attachment := diff(att, map[string]any{"role": "r", "policyArn": "arn:a"}, map[string]any{"role": "r", "policyArn": "arn:b"})
	assert.True(t, attachment.GetDeleteBeforeReplace(), "pulumi-aws marks the attachment DeleteBeforeReplace")
}

func TestReadUpdateDeleteWorkOnTheRecords(t *testing.T) {
	p, dir := newConfigured(t)
	const typ = "aws:rds/parameterGroup:ParameterGroup"
	id, out := create(t, p, typ, "pg", map[string]any{"family": "postgres16", "parameters": []any{}})
	assert.Equal(t, str(out, "name"), id)
	assert.Equal(t, "arn:aws:rds:eu-west-1:123456789012:pg:"+id, str(out, "arn"))

	read, err := p.Read(bg, &pulumirpc.ReadRequest{Urn: urn(typ, "pg"), Type: typ, Id: id})
	require.NoError(t, err)
	assert.Equal(t, id, read.GetId())
	assert.Equal(t, str(out, "arn"), str(decode(t, read.GetProperties()), "arn"))
	assert.Equal(t, "postgres16", str(decode(t, read.GetInputs()), "family"))

	news := out.Copy()
	news["tags"] = resource.NewPropertyValue(map[string]any{"Team": "orders"})
	upd, err := p.Update(bg, &pulumirpc.UpdateRequest{Urn: urn(typ, "pg"), Type: typ, Id: id, News: props(t, news)})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"Team": "orders", "ManagedBy": "pulumi"}, decode(t, upd.GetProperties())["tagsAll"].Mappable())
	recs, err := Records(dir)
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, map[string]any{"Team": "orders"}, recs[0].Inputs["tags"], "the update is recorded")

	_, err = p.Delete(bg, &pulumirpc.DeleteRequest{Urn: urn(typ, "pg"), Type: typ, Id: id})
	require.NoError(t, err)
	recs, err = Records(dir)
	require.NoError(t, err)
	assert.Empty(t, recs)
	gone, err := p.Read(bg, &pulumirpc.ReadRequest{Urn: urn(typ, "pg"), Type: typ, Id: id})
	require.NoError(t, err)
	assert.Empty(t, gone.GetId(), "a deleted resource reads as gone")
	_, err = p.Update(bg, &pulumirpc.UpdateRequest{Urn: urn(typ, "pg"), Type: typ, Id: id, News: props(t, news)})
	assert.ErrorContains(t, err, "no aws:rds/parameterGroup:ParameterGroup with id "+id)
}

func TestReplacementGetsANewID(t *testing.T) {
	p, _ := newConfigured(t)
	first, _ := create(t, p, "aws:ec2/vpc:Vpc", "vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	second, _ := create(t, p, "aws:ec2/vpc:Vpc", "vpc", map[string]any{"cidrBlock": "10.1.0.0/16"})
	assert.NotEqual(t, first, second, "create-before-delete of the same URN")
}

func TestCreateRefusesADuplicateName(t *testing.T) {
	p, _ := newConfigured(t)
	const typ = "aws:rds/instance:Instance"
	create(t, p, typ, "db", map[string]any{"identifier": "orders-dev-1", "engine": "postgres"})
	checked := check(t, p, typ, "db2", pm(map[string]any{"identifier": "orders-dev-1", "engine": "postgres"}), nil, "s")
	_, err := p.Create(bg, &pulumirpc.CreateRequest{Urn: urn(typ, "db2"), Type: typ, Properties: checked.GetInputs()})
	assert.ErrorContains(t, err, `identifier "orders-dev-1" already exists`)
}

func TestUnknownTypesAndInvokesFailLoudly(t *testing.T) {
	p, dir := newConfigured(t)
	const typ = "aws:s3/bucket:Bucket"
	_, err := p.Check(bg, &pulumirpc.CheckRequest{Urn: urn(typ, "b"), Type: typ, News: props(t, pm(nil))})
	assert.ErrorContains(t, err, "resource type aws:s3/bucket:Bucket is not in the test double's type table")
	_, err = p.Create(bg, &pulumirpc.CreateRequest{Urn: urn(typ, "b"), Type: typ, Properties: props(t, pm(nil))})
	assert.ErrorContains(t, err, "aws:s3/bucket:Bucket")
	_, err = p.Diff(bg, &pulumirpc.DiffRequest{Urn: urn(typ, "b"), Type: typ})
	assert.ErrorContains(t, err, "aws:s3/bucket:Bucket")
	_, err = p.Delete(bg, &pulumirpc.DeleteRequest{Urn: urn(typ, "b"), Type: typ, Id: "b"})
	assert.ErrorContains(t, err, "aws:s3/bucket:Bucket")
	_, err = p.Invoke(bg, &pulumirpc.InvokeRequest{Tok: "aws:ec2/getVpc:getVpc", Args: props(t, pm(nil))})
	assert.ErrorContains(t, err, "invoke aws:ec2/getVpc:getVpc is not in the test double's invoke table")
	_, err = p.Construct(bg, &pulumirpc.ConstructRequest{Type: "aws:x:Y"})
	assert.ErrorContains(t, err, "does not implement Construct")

	calls, err := Calls(dir)
	require.NoError(t, err)
	var failed []string
	for _, c := range calls {
		if c.Error != "" {
			failed = append(failed, c.Method+" "+c.Type)
		}
	}
	assert.Equal(t, []string{
		"Check aws:s3/bucket:Bucket", "Create aws:s3/bucket:Bucket", "Diff aws:s3/bucket:Bucket",
		"Delete aws:s3/bucket:Bucket", "Invoke aws:ec2/getVpc:getVpc", "Construct aws:x:Y",
	}, failed, "the failures are in the call log too")
}

func TestInvokesAnswerForTheConfiguredRegion(t *testing.T) {
	p, _ := newConfigured(t)
	invoke := func(tok string, args map[string]any) map[string]any {
		resp, err := p.Invoke(bg, &pulumirpc.InvokeRequest{Tok: tok, Args: props(t, pm(args))})
		require.NoError(t, err)
		return resp.GetReturn().AsMap()
	}
	azs := invoke("aws:index/getAvailabilityZones:getAvailabilityZones", map[string]any{"state": "available"})
	assert.Equal(t, []any{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, azs["names"])
	assert.Equal(t, []any{"euw1-az1", "euw1-az2", "euw1-az3"}, azs["zoneIds"])
	excluded := invoke("aws:index/getAvailabilityZones:getAvailabilityZones", map[string]any{"excludeNames": []any{"eu-west-1b"}})
	assert.Equal(t, []any{"eu-west-1a", "eu-west-1c"}, excluded["names"])
	assert.Equal(t, Account, invoke("aws:index/getCallerIdentity:getCallerIdentity", nil)["accountId"])
	assert.Equal(t, "eu-west-1", invoke("aws:index/getRegion:getRegion", nil)["name"])
	assert.Equal(t, "aws", invoke("aws:index/getPartition:getPartition", nil)["partition"])
	assert.Equal(t, []string{
		"aws:index/getAvailabilityZones:getAvailabilityZones", "aws:index/getCallerIdentity:getCallerIdentity",
		"aws:index/getPartition:getPartition", "aws:index/getRegion:getRegion",
	}, Invokes())
}

func TestConfigNeedsAValidRegion(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	p, err := New(t.TempDir())
	require.NoError(t, err)
	for _, tc := range []struct {
		cfg  map[string]any
		want string
	}{
		{map[string]any{}, "has no region"},
		{map[string]any{"region": "Ireland"}, `"Ireland" is not an AWS region name`},
	} {
		resp, err := p.CheckConfig(bg, &pulumirpc.CheckRequest{News: props(t, pm(tc.cfg))})
		require.NoError(t, err)
		require.Len(t, resp.GetFailures(), 1)
		assert.Contains(t, resp.GetFailures()[0].GetReason(), tc.want)
	}
	_, err = p.Create(bg, &pulumirpc.CreateRequest{Urn: urn("aws:ec2/vpc:Vpc", "v"), Type: "aws:ec2/vpc:Vpc", Properties: props(t, pm(nil))})
	assert.ErrorContains(t, err, "before Configure")
}

func TestCallLogRecordsEveryCallWithRealValues(t *testing.T) {
	p, dir := newConfigured(t)
	create(t, p, "aws:rds/instance:Instance", "db", map[string]any{
		"identifier": "x", "engine": "postgres", "password": resource.MakeSecret(resource.NewStringProperty("hunter2")),
	})
	calls, err := Calls(dir)
	require.NoError(t, err)
	var methods []string
	for _, c := range calls {
		methods = append(methods, c.Method)
	}
	assert.Equal(t, []string{"Configure", "Check", "Create"}, methods)
	c := calls[2]
	assert.Equal(t, "aws:rds/instance:Instance", c.Type)
	assert.Equal(t, "orders-dev", c.Stack)
	assert.Equal(t, "database", c.Project)
	assert.Equal(t, "db", c.Name)
	assert.NotEmpty(t, c.ID)
	assert.Equal(t, map[string]any{"__secret": "hunter2"}, c.Inputs["password"],
		"secrets are logged in plain text, marked, so a test can see one reached AWS")
	assert.Equal(t, "hunter2", Unsecret(c.Inputs["password"]))
}

func TestProcessesSharingAFolderSeeEachOthersRecords(t *testing.T) {
	dir := t.TempDir()
	const perProvider = 15
	var wg sync.WaitGroup
	for i := range 3 {
		p, err := New(dir)
		require.NoError(t, err)
		_, err = p.Configure(bg, &pulumirpc.ConfigureRequest{Args: props(t, pm(map[string]any{"region": "eu-west-1"}))})
		require.NoError(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range perProvider {
				name := fmt.Sprintf("vpc-%d-%d", i, j)
				_, err := p.Create(bg, &pulumirpc.CreateRequest{Urn: urn("aws:ec2/vpc:Vpc", name), Type: "aws:ec2/vpc:Vpc",
					Properties: props(t, pm(map[string]any{"cidrBlock": "10.0.0.0/16"}))})
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	recs, err := Records(dir)
	require.NoError(t, err)
	assert.Equal(t, 3*perProvider, len(recs), "no create lost to a concurrent write")
	calls, err := Calls(dir)
	require.NoError(t, err)
	assert.Equal(t, 3+3*perProvider, len(calls), "every call logged on its own line")
}

// TestEveryTypeCreates runs every type of the table through Check and
// Create with bare inputs, so a broken entry shows here.
func TestEveryTypeCreates(t *testing.T) {
	p, _ := newConfigured(t)
	for _, typ := range Types() {
		t.Run(typ, func(t *testing.T) {
			in := map[string]any{
				"vpcId": "vpc-1", "role": "role-1", "routeTableId": "rtb-1", "arn": "arn:aws:sns:eu-west-1:123456789012:t",
				"targetKeyId": "k", "subnetIds": []any{}, "destinationCidrBlock": "0.0.0.0/0", "keyId": "k",
			}
			// Types whose create AWS refuses without other resources get
			// them made first (rdsfixture_test.go).
			for k, v := range prerequisites(t, p, typ) {
				in[k] = v
			}
			id, out := create(t, p, typ, "r", in)
			assert.NotEmpty(t, id)
			for k, v := range out {
				assert.False(t, v.ContainsUnknowns(), "%s is unknown after a create", k)
			}
		})
	}
}

func TestDeleteRefusesWhatAWSRefuses(t *testing.T) {
	p, dir := newConfigured(t)
	del := func(typ, name, id string) error {
		_, err := p.Delete(bg, &pulumirpc.DeleteRequest{Urn: urn(typ, name), Type: typ, Id: id})
		return err
	}
	subnetID, _ := create(t, p, "aws:ec2/subnet:Subnet", "s", map[string]any{"vpcId": "vpc-1", "cidrBlock": "10.0.0.0/24"})
	groupID, _ := create(t, p, "aws:rds/subnetGroup:SubnetGroup", "g", map[string]any{"subnetIds": []any{subnetID}})
	assert.ErrorContains(t, del("aws:ec2/subnet:Subnet", "s", subnetID),
		"DependencyViolation): aws:rds/subnetGroup:SubnetGroup "+groupID, "a subnet in use by a subnet group stays")

	const db = "aws:rds/instance:Instance"
	protected, _ := create(t, p, db, "p", map[string]any{"identifier": "p", "deletionProtection": true})
	assert.ErrorContains(t, del(db, "p", protected), "Cannot delete protected DB Instance")
	noSnapshot, _ := create(t, p, db, "n", map[string]any{"identifier": "n", "skipFinalSnapshot": false})
	assert.ErrorContains(t, del(db, "n", noSnapshot), "final_snapshot_identifier is required")
	snapshot, _ := create(t, p, db, "s", map[string]any{"identifier": "s", "finalSnapshotIdentifier": "s-final"})
	assert.NoError(t, del(db, "s", snapshot))
	assert.NoError(t, del("aws:rds/subnetGroup:SubnetGroup", "g", groupID))
	assert.NoError(t, del("aws:ec2/subnet:Subnet", "s", subnetID), "free once the group is gone")

	recs, err := Records(dir)
	require.NoError(t, err)
	var left []string
	for _, r := range recs {
		left = append(left, Unsecret(r.Outputs["identifier"]).(string))
	}
	assert.ElementsMatch(t, []string{"p", "n"}, left, "refused deletes leave the resource")
	calls, err := Calls(dir)
	require.NoError(t, err)
	assert.Equal(t, "final snapshot s-final", calls[len(calls)-3].Note)

	// RDS keeps the final snapshot: a later instance deleted with the same
	// snapshot name is refused and stays.
	again, _ := create(t, p, db, "s2", map[string]any{"identifier": "s2", "finalSnapshotIdentifier": "s-final"})
	assert.ErrorContains(t, del(db, "s2", again), "DBSnapshotAlreadyExists")
	recs, err = Records(dir)
	require.NoError(t, err)
	assert.Len(t, recs, 3, "the refused instance stays")
}
