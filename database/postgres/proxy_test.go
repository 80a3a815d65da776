package postgres

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/naming"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/tags"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

var (
	proxyAppCidrs = []string{"10.0.10.0/24", "10.0.11.0/24"}
	proxySubnets  = []string{"subnet-b", "subnet-a"}
)

// proxyPlan is an instance behind a proxy, with the settings every step up
// to the proxy reads.
func proxyPlan(proxy spec.Proxy) spec.Database {
	return spec.Database{
		App: "orders", Environment: "dev", Region: pulumimocks.Region, Tier: spec.Dev,
		DatabaseName: "orders", Port: 5432,
		KeyRotation: true,
		Deployment:  spec.DeployInstance,
		Instance: spec.Instance{
			Engine: "postgres", EngineVersion: "16", InstanceClass: "db.t4g.micro", StorageType: "gp3",
			StorageEncrypted: true, KmsKeyID: guardrails.StackKey,
			ManageMasterUserPassword: true, MasterUserSecretKmsKeyID: guardrails.StackKey, MasterUsername: "orders_admin",
			LogExports: []string{"postgresql", "upgrade"},
		},
		Ingress: []spec.Ingress{
			{FromApps: true, Port: 5432},
			{CIDR: "10.0.99.0/24", Port: 5432},
			{SecurityGroupID: "sg-0123456789abcdef0", Port: 5432},
		},
		Proxy:                  proxy,
		LogGroupRetentionDays:  7,
		LogGroupKmsKeyID:       guardrails.StackKey,
		ParameterFamily:        "postgres16",
		MonitoringTrustService: guardrails.MonitoringService,
		MonitoringPolicy:       "service-role/AmazonRDSEnhancedMonitoringRole",
	}
}

var onProxy = spec.Proxy{
	Enabled: true, RequireTLS: true, IAMAuth: "REQUIRED", IdleClientTimeoutSeconds: 1800,
	MaxConnectionsPercent: 90, MaxIdleConnectionsPercent: 40, ConnectionBorrowTimeoutSeconds: 60,
	Ingress: []spec.Ingress{{FromApps: true, Port: 5432}},
}

// proxyRun is the declared resources of the steps up to the proxy, and the
// builder, for its outputs.
type proxyRun struct {
	m   *pulumimocks.Mocks
	err error
	// endpoints are the component's proxyEndpoint, proxyReadOnlyEndpoint
	// and applicationEndpoint.
	endpoints [3]string
}

func runProxy(t *testing.T, plan spec.Database) proxyRun {
	t.Helper()
	m := pulumimocks.New()
	var run proxyRun
	run.m = m
	var outs [3]pulumi.StringOutput
	err := pulumimocks.Run(m, "database", "orders-dev", nil, func(ctx *pulumi.Context) error {
		b := &builder{ctx: ctx, name: "orders-dev", db: &MultiAZ{}, parent: pulumi.Protect(false), args: &Args{
			Spec: plan,
			Network: contract.Network{
				VpcID:             pulumi.String("vpc-1").ToStringOutput(),
				DatabaseSubnetIDs: pulumi.ToStringArray(proxySubnets).ToStringArrayOutput(),
			},
			AppSubnetCidrs: proxyAppCidrs,
			AccountID:      pulumimocks.Account,
			Partition:      "aws",
			Tags:           tags.New("dev", "dev", "database", "orders-dev", nil),
		}}
		for _, step := range []func() error{b.key, b.subnetGroup, b.keyPolicy, b.securityGroup, b.monitoringRole, b.parameterGroup, b.database, b.proxy} {
			if run.err = step(); run.err != nil {
				return nil
			}
		}
		outs = [3]pulumi.StringOutput{b.proxyEndpoint(), b.proxyReadOnlyEndpoint(), b.applicationEndpoint(b.writer().Address)}
		return nil
	})
	require.NoError(t, err)
	if run.err == nil {
		for i, o := range outs {
			v, err := pulumimocks.Await(o)
			require.NoError(t, err)
			run.endpoints[i], _ = v.(string)
		}
	}
	return run
}

func one(t *testing.T, m *pulumimocks.Mocks, token, name string) pulumimocks.Resource {
	t.Helper()
	r, ok := m.Named(token, name)
	require.True(t, ok, "no %s %s", token, name)
	return r
}

const (
	sgTok      = "aws:ec2/securityGroup:SecurityGroup"
	ingressTok = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	egressTok  = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
)

// rulesOf lists the rules of a type on one security group as
// "<source> <port>" strings, sorted.
func rulesOf(t *testing.T, m *pulumimocks.Mocks, token, groupID string) []string {
	var out []string
	for _, r := range m.OfType(token) {
		if r.String("securityGroupId") != groupID {
			continue
		}
		src := r.String("cidrIpv4") + r.String("referencedSecurityGroupId")
		assert.Equal(t, "tcp", r.String("ipProtocol"), r.Name)
		assert.Equal(t, r.Input("fromPort"), r.Input("toPort"), r.Name)
		out = append(out, src+" "+jsonNum(r.Input("fromPort")))
	}
	sort.Strings(out)
	return out
}

func jsonNum(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestProxySecurityGroups: with the proxy on, the proxy's group admits the
// database port from each application subnet and sends only to the
// database's group; the database's group admits only the proxy's group,
// unless DirectAccess keeps the application subnets and the configured
// sources too. Without the proxy there is no proxy group and the database
// admits its sources directly.
func TestProxySecurityGroups(t *testing.T) {
	const dbSG, proxySG = "orders-dev-sg-id", "orders-dev-proxy-sg-id"
	direct := []string{"10.0.10.0/24 5432", "10.0.11.0/24 5432", "10.0.99.0/24 5432", "sg-0123456789abcdef0 5432"}
	for _, tc := range []struct {
		name     string
		proxy    spec.Proxy
		database []string
	}{
		{"proxy only", onProxy, []string{proxySG + " 5432"}},
		{"proxy with direct access", func() spec.Proxy { p := onProxy; p.DirectAccess = true; return p }(),
			append([]string{proxySG + " 5432"}, direct...)},
		{"no proxy", spec.Proxy{}, direct},
		{"proxy sources from the spec", func() spec.Proxy {
			p := onProxy
			p.Ingress = []spec.Ingress{{FromApps: true, Port: 5432}, {CIDR: "10.0.50.0/24", Port: 5432}}
			return p
		}(), []string{proxySG + " 5432"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := runProxy(t, proxyPlan(tc.proxy))
			require.NoError(t, run.err)
			want := append([]string(nil), tc.database...)
			sort.Strings(want)
			assert.Equal(t, want, rulesOf(t, run.m, ingressTok, dbSG), "the database group's ingress")
			assert.Empty(t, rulesOf(t, run.m, egressTok, dbSG), "the database group has no egress rule")
			if !tc.proxy.Enabled {
				assert.Len(t, run.m.OfType(sgTok), 1, "only the database's group")
				assert.Empty(t, run.m.OfType("aws:rds/proxy:Proxy"))
				return
			}
			sg := one(t, run.m, sgTok, "orders-dev-proxy-sg")
			assert.Equal(t, "vpc-1", sg.String("vpcId"))
			var sources []string
			for _, in := range tc.proxy.Ingress {
				if in.FromApps {
					sources = append(sources, "10.0.10.0/24 5432", "10.0.11.0/24 5432")
				} else {
					sources = append(sources, in.CIDR+" 5432")
				}
			}
			sort.Strings(sources)
			assert.Equal(t, sources, rulesOf(t, run.m, ingressTok, proxySG), "the proxy admits its sources in the spec: the application subnets")
			assert.Equal(t, []string{dbSG + " 5432"}, rulesOf(t, run.m, egressTok, proxySG), "the proxy sends to the database only")
		})
	}
}

// TestProxyRoleChecksWhatItDeclares: the proxy role's trust names RDS for
// this account's proxies, and its policy, rendered once the instance's
// secret exists, allows GetSecretValue on exactly that secret and Decrypt
// with the stack's key through Secrets Manager, and is the document the
// guardrails pass.
func TestProxyRoleChecksWhatItDeclares(t *testing.T) {
	run := runProxy(t, proxyPlan(onProxy))
	require.NoError(t, run.err)
	inst := run.m.OfType("aws:rds/instance:Instance")
	require.Len(t, inst, 1)
	secret := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-" + inst[0].ID + "-AbCdEf"
	keyArn := stackArn(run.m.OfType("aws:kms/key:Key")[0].ID)

	role := one(t, run.m, "aws:iam/role:Role", "orders-dev-proxy")
	source := "arn:aws:rds:eu-west-1:123456789012:db-proxy:*"
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
		"Principal":{"Service":"rds.amazonaws.com"},"Action":"sts:AssumeRole",
		"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},
		"ArnLike":{"aws:SourceArn":"`+source+`"}}}]}`, role.String("assumeRolePolicy"))
	require.NoError(t, guardrails.CheckTrustPolicy(role.String("assumeRolePolicy"), guardrails.PolicyScope{
		Account: pulumimocks.Account, TrustService: "rds.amazonaws.com", TrustSourceArn: source}))

	policies := run.m.OfType("aws:iam/rolePolicy:RolePolicy")
	require.Len(t, policies, 1)
	assert.Equal(t, role.ID, policies[0].String("role"), "the policy is the proxy role's")
	doc := policies[0].String("policy")
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[
		{"Sid":"ReadThisStacksMasterSecret","Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"`+secret+`"},
		{"Sid":"DecryptItThroughSecretsManager","Effect":"Allow","Action":"kms:Decrypt","Resource":"`+keyArn+`",
		 "Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"}}}]}`, doc)
	require.NoError(t, guardrails.CheckProxyPolicy(doc, guardrails.ProxyPolicyScope{SecretArn: secret, KeyArn: keyArn, Region: "eu-west-1"}))
	// The same document does not pass for another stack's secret: the
	// check the component runs can fail.
	assert.Error(t, guardrails.CheckProxyPolicy(doc, guardrails.ProxyPolicyScope{SecretArn: secret + "x", KeyArn: keyArn, Region: "eu-west-1"}))

	proxy := one(t, run.m, "aws:rds/proxy:Proxy", "orders-dev-proxy")
	assert.Equal(t, "arn:aws:iam:eu-west-1:123456789012:"+role.ID, proxy.String("roleArn"), "the proxy assumes the proxy role")
	waits := false
	for _, d := range proxy.Dependencies {
		waits = waits || strings.HasSuffix(d, ":aws:iam/rolePolicy:RolePolicy::orders-dev-proxy")
	}
	assert.True(t, waits, "the proxy waits for the role's policy: %v", proxy.Dependencies)
}

// TestProxySettings: the proxy requires TLS and IAM authentication from
// clients, logs in with the instance's master secret, lives in the
// database subnets behind its own group and is named for them; its pool
// and timeouts are the spec's; its target is the instance.
func TestProxySettings(t *testing.T) {
	for _, debug := range []bool{false, true} {
		p := onProxy
		p.DebugLogging = debug
		run := runProxy(t, proxyPlan(p))
		require.NoError(t, run.err)
		inst := run.m.OfType("aws:rds/instance:Instance")[0]
		proxy := one(t, run.m, "aws:rds/proxy:Proxy", "orders-dev-proxy")
		name, err := naming.ProxyName("orders", "dev", proxySubnets)
		require.NoError(t, err)
		assert.Equal(t, name, proxy.String("name"))
		assert.Equal(t, "POSTGRESQL", proxy.String("engineFamily"))
		assert.Equal(t, true, proxy.Input("requireTls"))
		assert.Equal(t, debug, proxy.Input("debugLogging"))
		assert.EqualValues(t, 1800, proxy.Input("idleClientTimeout"))
		assert.Equal(t, []any{"subnet-b", "subnet-a"}, proxy.Input("vpcSubnetIds"))
		assert.Equal(t, []any{"orders-dev-proxy-sg-id"}, proxy.Input("vpcSecurityGroupIds"))
		assert.Equal(t, []any{map[string]any{
			"authScheme": "SECRETS", "iamAuth": "REQUIRED",
			"secretArn":   "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-" + inst.ID + "-AbCdEf",
			"description": "the master user, through its RDS-managed secret",
		}}, proxy.Input("auths"))

		pool := one(t, run.m, "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", "orders-dev-proxy-pool")
		assert.Equal(t, name, pool.String("dbProxyName"))
		assert.Equal(t, map[string]any{"maxConnectionsPercent": 90.0, "maxIdleConnectionsPercent": 40.0, "connectionBorrowTimeout": 60.0},
			pool.Input("connectionPoolConfig"))

		target := one(t, run.m, "aws:rds/proxyTarget:ProxyTarget", "orders-dev-proxy-target")
		assert.Equal(t, name, target.String("dbProxyName"))
		assert.Equal(t, inst.String("identifier"), target.String("dbInstanceIdentifier"))
		assert.Nil(t, target.Input("dbClusterIdentifier"))
		assert.True(t, target.DeleteBeforeReplace, "a proxy has one target: the old one goes before the new one comes")
		assert.Empty(t, run.m.OfType("aws:rds/proxyEndpoint:ProxyEndpoint"), "an instance has no read-only proxy endpoint")

		host := name + ".proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com"
		assert.Equal(t, [3]string{host, "", host}, run.endpoints, "proxyEndpoint, proxyReadOnlyEndpoint, applicationEndpoint")
	}
}

// TestNoProxyKeepsTheWriter: without a proxy the proxy outputs are empty
// and applications are sent to the instance.
func TestNoProxyKeepsTheWriter(t *testing.T) {
	run := runProxy(t, proxyPlan(spec.Proxy{}))
	require.NoError(t, run.err)
	inst := run.m.OfType("aws:rds/instance:Instance")[0]
	assert.Equal(t, [3]string{"", "", inst.ID + ".abcdefghijkl.eu-west-1.rds.amazonaws.com"}, run.endpoints)
	for _, tok := range []string{"aws:rds/proxy:Proxy", "aws:iam/rolePolicy:RolePolicy", "aws:rds/proxyTarget:ProxyTarget"} {
		assert.Empty(t, run.m.OfType(tok), tok)
	}
}

// TestProxyInFrontOfACluster: with a Multi-AZ DB cluster the proxy logs in
// with the cluster's master secret, its target is the cluster, and a
// read-only endpoint in the database subnets, behind the proxy's group and
// named for what replaces it, serves the readers and is the contract's
// proxyReadOnlyEndpoint.
func TestProxyInFrontOfACluster(t *testing.T) {
	plan := proxyPlan(onProxy)
	plan.Deployment = spec.DeployCluster
	plan.Instance.InstanceClass, plan.Instance.StorageType, plan.Instance.Iops, plan.Instance.AllocatedStorageGb = "db.m6gd.large", "io1", 3000, 100
	run := runProxy(t, plan)
	require.NoError(t, run.err)
	clusters := run.m.OfType("aws:rds/cluster:Cluster")
	require.Len(t, clusters, 1)
	cluster := clusters[0]
	assert.Empty(t, run.m.OfType("aws:rds/instance:Instance"))

	proxy := one(t, run.m, "aws:rds/proxy:Proxy", "orders-dev-proxy")
	auths, _ := proxy.Input("auths").([]any)
	require.Len(t, auths, 1)
	secret := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-" + cluster.ID + "-AbCdEf"
	assert.Equal(t, secret, auths[0].(map[string]any)["secretArn"])
	policies := run.m.OfType("aws:iam/rolePolicy:RolePolicy")
	require.Len(t, policies, 1)
	keyArn := stackArn(run.m.OfType("aws:kms/key:Key")[0].ID)
	require.NoError(t, guardrails.CheckProxyPolicy(policies[0].String("policy"), guardrails.ProxyPolicyScope{SecretArn: secret, KeyArn: keyArn, Region: "eu-west-1"}))

	target := one(t, run.m, "aws:rds/proxyTarget:ProxyTarget", "orders-dev-proxy-target")
	assert.Equal(t, cluster.String("clusterIdentifier"), target.String("dbClusterIdentifier"))
	assert.Nil(t, target.Input("dbInstanceIdentifier"))

	ro := one(t, run.m, "aws:rds/proxyEndpoint:ProxyEndpoint", "orders-dev-proxy-read-only")
	name := proxy.String("name")
	want, err := naming.ProxyEndpointName("orders", "dev", name, "READ_ONLY", proxySubnets)
	require.NoError(t, err)
	assert.Equal(t, want, ro.String("dbProxyEndpointName"))
	assert.Equal(t, name, ro.String("dbProxyName"))
	assert.Equal(t, "READ_ONLY", ro.String("targetRole"))
	assert.Equal(t, []any{"subnet-b", "subnet-a"}, ro.Input("vpcSubnetIds"))
	assert.Equal(t, []any{"orders-dev-proxy-sg-id"}, ro.Input("vpcSecurityGroupIds"))

	host := name + ".proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com"
	assert.Equal(t, [3]string{host, want + ".endpoint.proxy-abcdefghijkl.eu-west-1.rds.amazonaws.com", host}, run.endpoints,
		"proxyEndpoint, proxyReadOnlyEndpoint, applicationEndpoint")
}
