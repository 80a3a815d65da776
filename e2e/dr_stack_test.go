//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/contract"
)

// TestDRBackupsStack deploys dev with a recovery network in eu-central-1
// and its orders database with database:dr {mode: backups} through the
// deploy tool, the real programs, the engine and the double: every DR
// resource is recorded in the recovery region (made through the program's
// explicit provider, the double running one plugin per provider), the
// replication uses the DR key and the instance's ARN, everything else of
// the database stack is in the primary region, a refreshed preview has no
// changes, and destroy leaves nothing and no failed call. Dev, not prod:
// the deploy tool never destroys prod.
func TestDRBackupsStack(t *testing.T) {
	const (
		primary = "eu-west-1"
		dr      = "eu-central-1"
		stack   = "orders-dev"
	)
	w := newWorld(t)
	sb := w.sandbox()
	sb.addStackFile(contract.NetworkProject, "dev", "dev-dr", "  network:environment: dev\n", "  network:environment: dev\n  network:recoveryOf: dev\n")
	sb.editEnv(contract.NetworkProject, "dev-dr", "  aws:region: "+primary+"\n", "  aws:region: "+dr+"\n")
	sb.editEnv(contract.NetworkProject, "dev-dr", "network:vpcCidr: 10.20.0.0/16\n", "network:vpcCidr: 10.21.0.0/16\n")
	sb.editEnv(contract.DatabaseProject, stack, "  database:databaseName: orders\n",
		"  database:databaseName: orders\n  database:dr: {region: "+dr+", mode: backups, retentionDays: 9}\n")

	// One run, the stacks named out of order: the deploy tool runs the
	// primary network, then the recovery network, then the database, which
	// reads both; in any other order the database stack's reference to
	// dev-dr would fail.
	up := sb.deploy("up", "--env", "dev", "--stack", stack, "--stack", "dev-dr", "--stack", "dev")
	require.Zero(t, up.code, "deploy up of dev, dev-dr and %s\n%s", stack, up)

	repl := recordOf(t, w, "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication")
	inst := recordOf(t, w, "aws:rds/instance:Instance")
	assert.Equal(t, dr, repl.Region, "the replication is made in the recovery region")
	assert.Equal(t, inst.Outputs["arn"], fakeaws.Unsecret(repl.Inputs["sourceDbInstanceArn"]), "it replicates the stack's instance")
	assert.Equal(t, 9.0, repl.Inputs["retentionPeriod"], "the stack's retention, not the default of 7")
	var drKey fakeaws.Record
	for _, rec := range w.records() {
		if !strings.Contains(rec.URN, "::"+contract.DatabaseProject+"::") {
			continue
		}
		name := rec.URN[strings.LastIndex(rec.URN, "::")+2:]
		if strings.HasPrefix(name, stack+"-dr") {
			assert.Equal(t, dr, rec.Region, "%s is a DR resource", rec.URN)
			if rec.Type == "aws:kms/key:Key" {
				drKey = rec
			}
			continue
		}
		assert.Equal(t, primary, rec.Region, "%s is not a DR resource", rec.URN)
	}
	require.NotEmpty(t, drKey.ID, "a key in the recovery region")
	assert.Equal(t, drKey.Outputs["arn"], fakeaws.Unsecret(repl.Inputs["kmsKeyId"]), "the replication uses the DR key")
	assert.Contains(t, drKey.Outputs["arn"], ":"+dr+":")
	// The DR outputs name the recovery region, the DR key and the
	// replicated backups, as verify and the DR drill read them.
	out := w.state(contract.DatabaseProject, stack).outputs()
	assert.Equal(t, dr, out["drRegion"])
	assert.Equal(t, drKey.Outputs["arn"], out["drKmsKeyArn"])
	assert.Equal(t, repl.ID, out["drBackupsArn"], "drBackupsArn is the replication's automated-backups ARN, its ID")
	assert.Contains(t, out["drBackupsArn"], ":"+dr+":")
	// The recovery network the program read (its default name,
	// network/<environment>-dr), and the DB subnet group it declares
	// there over that network's database subnets, which the DR drill and
	// the fail-over runbook restore into.
	assert.Equal(t, "organization/network/dev-dr", out["drNetworkStack"])
	var drGroup fakeaws.Record
	var drDBSubnets []any
	for _, rec := range w.records() {
		switch {
		case rec.Type == "aws:rds/subnetGroup:SubnetGroup" && rec.Region == dr:
			drGroup = rec
		case rec.Type == "aws:ec2/subnet:Subnet" && strings.HasPrefix(rec.URN, "urn:pulumi:dev-dr::"+contract.NetworkProject+"::") && strings.Contains(rec.URN, "-db-"):
			drDBSubnets = append(drDBSubnets, rec.ID)
		}
	}
	require.NotEmpty(t, drGroup.ID, "a DB subnet group in the recovery region")
	require.NotEmpty(t, drDBSubnets, "the recovery network's database subnets")
	assert.Equal(t, drGroup.Outputs["name"], out["drSubnetGroupName"])
	assert.NotEmpty(t, out["drSubnetGroupName"])
	assert.ElementsMatch(t, drDBSubnets, fakeaws.Unsecret(drGroup.Inputs["subnetIds"]), "the DR group is over the recovery network's database subnets")
	// The DB parameter group it declares in the recovery region, which a
	// restore there names: the primary's family and parameters, TLS
	// required among them.
	var drParams fakeaws.Record
	var primaryParams []fakeaws.Record
	for _, rec := range w.records() {
		if rec.Type != "aws:rds/parameterGroup:ParameterGroup" {
			continue
		}
		if rec.Region == dr {
			drParams = rec
		} else {
			primaryParams = append(primaryParams, rec)
		}
	}
	require.NotEmpty(t, drParams.ID, "a DB parameter group in the recovery region")
	assert.NotEmpty(t, out["drParameterGroupName"])
	assert.Equal(t, drParams.Outputs["name"], out["drParameterGroupName"])
	instParams := fakeaws.Unsecret(inst.Inputs["parameterGroupName"])
	var primaryGroup fakeaws.Record
	for _, rec := range primaryParams {
		if rec.Outputs["name"] == instParams {
			primaryGroup = rec
		}
	}
	require.NotEmpty(t, primaryGroup.ID, "the instance's parameter group %v in the primary", instParams)
	assert.Equal(t, primaryGroup.Inputs["family"], drParams.Inputs["family"], "the DR group is of the primary's family")
	drEntries, _ := fakeaws.Unsecret(drParams.Inputs["parameters"]).([]any)
	assert.ElementsMatch(t, fakeaws.Unsecret(primaryGroup.Inputs["parameters"]), drEntries, "the DR group carries the primary's parameters")
	forceSSL := false
	for _, e := range drEntries {
		if m, ok := e.(map[string]any); ok && m["name"] == "rds.force_ssl" && m["value"] == "1" {
			forceSSL = true
		}
	}
	assert.True(t, forceSSL, "rds.force_ssl = 1 in the recovery region's group: %v", drEntries)
	drVPCs := 0
	for _, rec := range w.records() {
		if rec.Type == "aws:ec2/vpc:Vpc" && strings.HasPrefix(rec.URN, "urn:pulumi:dev-dr::"+contract.NetworkProject+"::") {
			drVPCs++
			assert.Equal(t, dr, rec.Region, "the recovery network is in the recovery region")
		}
	}
	assert.Equal(t, 1, drVPCs, "the recovery network's VPC")

	pre := sb.deploy("preview", "--env", "dev", "--stack", stack, "--refresh", "--expect-no-changes")
	require.Zero(t, pre.code, "a refreshed preview of %s has no changes\n%s", stack, pre)

	// Destroy runs in reverse, in one run: the database, then the networks.
	down := sb.deploy("destroy", "--env", "dev", "--stack", "dev", "--stack", "dev-dr", "--stack", stack)
	require.Zero(t, down.code, "deploy destroy of %s, dev-dr and dev\n%s", stack, down)
	var left []string
	for _, rec := range w.records() {
		left = append(left, rec.Type+" "+rec.URN)
	}
	assert.Empty(t, left, "records after destroy")
	for _, c := range w.calls() {
		assert.Empty(t, c.Error, "%s %s %s failed in the double", c.Method, c.Type, c.URN)
	}
}
