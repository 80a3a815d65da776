package fakeaws

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// rdsWorld is a network a Multi-AZ DB cluster can be created in: a VPC, a
// subnet in each of eu-west-1's three zones and a DB subnet group over
// them.
type rdsWorld struct {
	vpc     string
	subnets []any
	group   string
}

func newRDSWorld(t *testing.T, p *Provider, prefix string) rdsWorld {
	t.Helper()
	w := rdsWorld{}
	w.vpc, _ = create(t, p, "aws:ec2/vpc:Vpc", prefix+"-vpc", map[string]any{"cidrBlock": "10.0.0.0/16"})
	for i, zone := range []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"} {
		id, _ := create(t, p, "aws:ec2/subnet:Subnet", fmt.Sprintf("%s-s%d", prefix, i), map[string]any{
			"vpcId": w.vpc, "cidrBlock": fmt.Sprintf("10.0.%d.0/24", i), "availabilityZone": zone})
		w.subnets = append(w.subnets, id)
	}
	w.group, _ = create(t, p, subnetGrpType, prefix+"-group", map[string]any{"name": prefix + "-group", "subnetIds": w.subnets})
	return w
}

// clusterInputs are a valid Multi-AZ DB cluster for PostgreSQL in w.
func (w rdsWorld) clusterInputs(id string) map[string]any {
	return map[string]any{
		"clusterIdentifier": id, "engine": "postgres", "engineVersion": "16.4",
		"dbClusterInstanceClass": "db.m6gd.large", "storageType": "io1", "allocatedStorage": 100.0, "iops": 3000.0,
		"dbSubnetGroupName": w.group, "manageMasterUserPassword": true, "masterUsername": "postgres",
		"storageEncrypted": true, "skipFinalSnapshot": true,
	}
}

// proxyInputs are a valid PostgreSQL proxy in w.
func (w rdsWorld) proxyInputs() map[string]any {
	return map[string]any{
		"engineFamily": "POSTGRESQL", "roleArn": "arn:aws:iam::123456789012:role/proxy", "requireTls": true,
		"vpcSubnetIds": w.subnets,
		"auths": []any{map[string]any{"authScheme": "SECRETS", "iamAuth": "REQUIRED",
			"secretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-x"}},
	}
}

// prerequisites makes what AWS needs before it creates a resource of typ
// and returns the inputs that name it, for TestEveryTypeCreates; nil for
// the types that need nothing.
func prerequisites(t *testing.T, p *Provider, typ string) map[string]any {
	t.Helper()
	prefix := "pre-" + strings.ToLower(resource.URN(urn(typ, "x")).Type().Name().String())
	switch typ {
	case clusterTok:
		w := newRDSWorld(t, p, prefix)
		in := w.clusterInputs("")
		delete(in, "clusterIdentifier")
		return in
	case proxyTargetGrTok, proxyEndpointTok, proxyTargetTok:
		w := newRDSWorld(t, p, prefix)
		_, proxy := create(t, p, proxyTok, prefix+"-proxy", w.proxyInputs())
		in := map[string]any{"dbProxyName": str(proxy, "name")}
		switch typ {
		case proxyEndpointTok:
			in["dbProxyEndpointName"] = "reader"
			in["vpcSubnetIds"] = w.subnets
		case proxyTargetTok:
			create(t, p, clusterTok, prefix+"-cluster", w.clusterInputs("pre-target"))
			in["targetGroupName"] = "default"
			in["dbClusterIdentifier"] = "pre-target"
		}
		return in
	case backupsReplicationTok:
		src, key := replicationSource(t, p, prefix, 7)
		return map[string]any{"sourceDbInstanceArn": src, "kmsKeyId": key}
	}
	return nil
}
