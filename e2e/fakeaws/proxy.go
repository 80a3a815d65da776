package fakeaws

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// RDS Proxy: the proxy, its default target group, its target and its
// extra endpoints.
//
// Sources, cited beside each rule below:
//   - [TF] the Terraform AWS provider v6.0.0 (index repo
//     lonegunmanb/terraform-provider-aws-index, commit 4f930f62,
//     index/internal/service/rds/func.<name>.goindex): resourceProxy,
//     resourceProxyUpdate, resourceProxyDefaultTargetGroup(Put),
//     resourceProxyTarget(Create, Read), proxyTargetCreateResourceID,
//     resourceProxyEndpoint, proxyEndpointCreateResourceID;
//   - [PA] pulumi-aws provider/resources.go at 00ba5ea5 (the four types
//     have no Fields) and provider/autonaming.go (only an input called
//     "name" is autonamed: the proxy's);
//   - [API] aws-sdk-go-v2 service/rds v1.133.0 (api_op_CreateDBProxy.go,
//     types/types.go ConnectionPoolConfiguration and DBProxyTarget,
//     types/enums.go, types/errors.go);
//   - [DOC] the RDS Proxy limitations
//     (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html#rds-proxy.limitations).

const (
	proxyTok         = "aws:rds/proxy:Proxy"
	proxyTargetGrTok = "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup"
	proxyTargetTok   = "aws:rds/proxyTarget:ProxyTarget"
	proxyEndpointTok = "aws:rds/proxyEndpoint:ProxyEndpoint"
)

func init() {
	types[proxyTok] = proxyType()
	types[proxyTargetGrTok] = proxyDefaultTargetGroupType()
	types[proxyTargetTok] = proxyTargetType()
	types[proxyEndpointTok] = proxyEndpointType()
}

// findProxy finds a live proxy by name in a region: [API]
// DBProxyNotFoundFault, "The specified proxy name doesn't correspond to a
// proxy owned by your Amazon Web Services account in the specified Amazon
// Web Services Region."
func findProxy(r *records, region, name string) (Record, error) {
	for _, rec := range r.Resources {
		if rec.Type == proxyTok && rec.Region == region && apiStr(rec.Outputs["name"]) == name {
			return rec, nil
		}
	}
	return Record{}, fmt.Errorf("fakeaws: RDS refuses: DBProxyNotFoundFault: the proxy name %q doesn't correspond to a proxy "+
		"in this account and Region %s", name, region)
}

func proxyType() resourceType {
	return resourceType{
		// [TF] name: Required, validIdentifier, not ForceNew (resourceProxyUpdate
		// sends NewDBProxyName: a rename is in place); [PA] autonamed,
		// AutoName("name", 255, "-"). Unique per region: [API]
		// DBProxyAlreadyExistsFault, "The specified proxy name must be unique
		// for all proxies owned by your Amazon Web Services account in the
		// specified Amazon Web Services Region." No length limit is read
		// (validIdentifier checks none; CreateDBProxy's DBProxyName states
		// none).
		Name: "name", AutoNameMaxLen: 255, NameValid: validIdentifier, Unique: "region",
		// [TF] engine_family and vpc_subnet_ids are ForceNew.
		Replace: []string{"engineFamily", "vpcSubnetIds"},
		InPlace: []string{
			"auths", "debugLogging", "idleClientTimeout", "name", "requireTls", "roleArn", "vpcSecurityGroupIds", "tags",
		},
		Tagged: true,
		Validate: func(in resource.PropertyMap) []failure {
			// [TF] engine_family: enum.Validate[types.EngineFamily]; role_arn:
			// verify.ValidARN; auth elements: auth_scheme
			// enum.Validate[types.AuthScheme], client_password_auth_type
			// enum.Validate[types.ClientPasswordAuthType], iam_auth
			// enum.Validate[types.IAMAuthMode], secret_arn verify.ValidARN
			// ([API] types/enums.go for the values).
			out := oneOf(in, "engineFamily", "MYSQL", "POSTGRESQL", "SQLSERVER")
			out = append(out, validARN(in, "roleArn")...)
			for _, a := range listOf(in, "auths") {
				if v, ok := a["authScheme"]; ok {
					out = append(out, oneOfValue("auths[].authScheme", v, "SECRETS")...)
				}
				if v, ok := a["clientPasswordAuthType"]; ok {
					out = append(out, oneOfValue("auths[].clientPasswordAuthType", v, "MYSQL_NATIVE_PASSWORD",
						"MYSQL_CACHING_SHA2_PASSWORD", "POSTGRES_SCRAM_SHA_256", "POSTGRES_MD5", "SQL_SERVER_AUTHENTICATION")...)
				}
				if v, ok := a["iamAuth"]; ok {
					out = append(out, oneOfValue("auths[].iamAuth", v, "DISABLED", "REQUIRED", "ENABLED")...)
				}
				if v, ok := a["secretArn"]; ok {
					out = append(out, validARNValue("auths[].secretArn", v)...)
				}
			}
			return out
		},
		// [TF] SetId(DBProxyName). A rename keeps the engine's ID (Update
		// returns no ID), so the double finds proxies by their name output.
		ID: func(c *comp) string { return c.str("name") },
		Outputs: func(c *comp) {
			// The shapes of the ARN (db-proxy:prx-<hex>) and endpoint
			// (<name>.proxy-<x>.<region>.rds.amazonaws.com) are the double's,
			// after those in the RDS Proxy pages' examples.
			c.set("arn", func() any { return c.arn("rds", "db-proxy:"+c.hexID("prx-", 17)) })
			c.set("endpoint", func() any { return c.str("name") + ".proxy-c0ffee." + c.region + ".rds.amazonaws.com" })
		},
		CheckCreate: func(c *comp, _ *records) error { return checkProxyAuth(c.str("name"), c.in) },
		CheckUpdate: func(_, next resource.PropertyMap, _ *records) error {
			n, _, _ := knownString(next, "name")
			return checkProxyAuth(n, next)
		},
	}
}

// checkProxyAuth is [API] types.IAMAuthMode: "The ENABLED value is valid
// only for proxies with RDS for Microsoft SQL Server."
func checkProxyAuth(name string, in resource.PropertyMap) error {
	family, _, _ := knownString(in, "engineFamily")
	if family == "SQLSERVER" {
		return nil
	}
	for _, a := range listOf(in, "auths") {
		if a["iamAuth"] == "ENABLED" {
			return fmt.Errorf("fakeaws: RDS refuses DB proxy %s: InvalidParameterValue: auths[].iamAuth ENABLED is valid only "+
				"for proxies with RDS for Microsoft SQL Server (engineFamily SQLSERVER), not %s: use REQUIRED or DISABLED", name, family)
		}
	}
	return nil
}

// poolDefaults are [TF] connection_pool_config's Defaults
// (connection_borrow_timeout 120, max_connections_percent 100,
// max_idle_connections_percent 50).
var poolDefaults = map[string]any{"connectionBorrowTimeout": 120.0, "maxConnectionsPercent": 100.0, "maxIdleConnectionsPercent": 50.0}

// poolWithDefaults is a pool setting (a plain object, or nil) with the
// provider's defaults filled in where it gives none.
func poolWithDefaults(v any) map[string]any {
	out := map[string]any{}
	for k, d := range poolDefaults {
		out[k] = d
	}
	if m, ok := v.(map[string]any); ok {
		for k, e := range m {
			if e != nil {
				out[k] = e
			}
		}
	}
	return out
}

func proxyDefaultTargetGroupType() resourceType {
	return resourceType{
		// [TF] db_proxy_name: Required, ForceNew, validIdentifier;
		// connection_pool_config (MaxItems 1, a single object in Pulumi)
		// updates in place (Update is resourceProxyDefaultTargetGroupPut too).
		Replace: []string{"dbProxyName"},
		InPlace: []string{"connectionPoolConfig"},
		// The nested Defaults are part of the planned value: a pool the
		// program gives in part equals the state that has them filled in.
		Suppress: func(key string, old, new resource.PropertyValue, _ resource.PropertyMap) bool {
			if key != "connectionPoolConfig" || new.ContainsUnknowns() {
				return false
			}
			return sameValue(old, resource.NewPropertyValue(poolWithDefaults(Unsecret(plainValue(new)))))
		},
		Validate: func(in resource.PropertyMap) []failure {
			out := name(in, "dbProxyName", validIdentifier)
			pool, ok := plainInput(in, "connectionPoolConfig")
			m, _ := pool.(map[string]any)
			if !ok || m == nil {
				return out
			}
			// [TF] connection_borrow_timeout IntBetween(0, 3600),
			// max_connections_percent IntBetween(1, 100),
			// max_idle_connections_percent IntBetween(0, 100),
			// session_pinning_filters elements StringInSlice
			// ["EXCLUDE_VARIABLE_SETS"].
			for _, r := range []struct {
				key    string
				lo, hi int
			}{{"connectionBorrowTimeout", 0, 3600}, {"maxConnectionsPercent", 1, 100}, {"maxIdleConnectionsPercent", 0, 100}} {
				if v, set := m[r.key]; set && v != nil {
					out = append(out, intRangeValue("connectionPoolConfig."+r.key, v, r.lo, r.hi)...)
				}
			}
			filters, _ := m["sessionPinningFilters"].([]any)
			for _, f := range filters {
				out = append(out, oneOfValue("connectionPoolConfig.sessionPinningFilters", f, "EXCLUDE_VARIABLE_SETS")...)
			}
			return out
		},
		// [TF] SetId(dbProxyName).
		ID: func(c *comp) string { return c.str("dbProxyName") },
		Outputs: func(c *comp) {
			// [TF] Put modifies TargetGroupName "default".
			c.set("name", func() any { return "default" })
			c.set("arn", func() any { return c.arn("rds", "target-group:"+c.hexID("prx-tg-", 17)) })
			c.set("connectionPoolConfig", func() any {
				v, _ := plainInput(c.in, "connectionPoolConfig")
				if p, has := c.in["connectionPoolConfig"]; has && p.ContainsUnknowns() {
					c.sawUnknown = true
				}
				return poolWithDefaults(v)
			})
		},
		CheckCreate: func(c *comp, r *records) error {
			return checkPool(c.str("dbProxyName"), c.region, c.in, r)
		},
		CheckUpdate: func(running, next resource.PropertyMap, r *records) error {
			n, _, _ := knownString(next, "dbProxyName")
			region := ""
			if i, ok := r.find(proxyTargetGrTok, n); ok {
				region = r.Resources[i].Region
			}
			return checkPool(n, region, next, r)
		},
		// [TF] DeleteWithoutTimeout: schema.NoopContext: nothing is sent to
		// AWS, the pool settings stay on the proxy.
		CheckDelete: func(map[string]any, *records) (string, error) {
			return "no call to AWS: the provider's delete of a default target group is a no-op", nil
		},
	}
}

// checkPool is what AWS refuses of a pool setting that the provider lets
// through ([API] types.ConnectionPoolConfiguration): ConnectionBorrowTimeout
// "Must be between 0 and 300" (the provider allows 3600);
// MaxIdleConnectionsPercent "between 0 and the value of
// MaxConnectionsPercent". The proxy must exist (DBProxyNotFoundFault).
func checkPool(proxy, region string, in resource.PropertyMap, r *records) error {
	if _, err := findProxy(r, region, proxy); err != nil {
		return err
	}
	v, _ := plainInput(in, "connectionPoolConfig")
	m, _ := v.(map[string]any)
	get := func(k string) float64 {
		if f, ok := m[k].(float64); ok {
			return f
		}
		return poolDefaults[k].(float64)
	}
	if t := get("connectionBorrowTimeout"); t > 300 {
		return fmt.Errorf("fakeaws: RDS refuses the connection pool of proxy %s: InvalidParameterValue: "+
			"connectionPoolConfig.connectionBorrowTimeout %v: must be between 0 and 300 seconds", proxy, t)
	}
	if idle, max := get("maxIdleConnectionsPercent"), get("maxConnectionsPercent"); idle > max {
		return fmt.Errorf("fakeaws: RDS refuses the connection pool of proxy %s: InvalidParameterValue: "+
			"connectionPoolConfig.maxIdleConnectionsPercent %v: must be between 0 and maxConnectionsPercent (%v)", proxy, idle, max)
	}
	return nil
}

func proxyTargetType() resourceType {
	return resourceType{
		// [TF] resourceProxyTarget has no Update: every argument is ForceNew.
		Replace: []string{"dbClusterIdentifier", "dbInstanceIdentifier", "dbProxyName", "targetGroupName"},
		Validate: func(in resource.PropertyMap) []failure {
			// [TF] db_cluster_identifier, db_instance_identifier: ExactlyOneOf
			// the two; all four: validIdentifier.
			out := exactlyOne(in, "dbClusterIdentifier", "dbInstanceIdentifier")
			for _, k := range []string{"dbClusterIdentifier", "dbInstanceIdentifier", "dbProxyName", "targetGroupName"} {
				out = append(out, name(in, k, validIdentifier)...)
			}
			return out
		},
		// [TF] proxyTargetCreateResourceID: proxy/target group/type/RDS
		// resource ID.
		ID: func(c *comp) string {
			t := target(c)
			return strings.Join([]string{c.str("dbProxyName"), c.str("targetGroupName"),
				apiStr(t["type"]), apiStr(t["rdsResourceId"])}, "/")
		},
		Outputs: func(c *comp) {
			for _, k := range []string{"endpoint", "port", "rdsResourceId", "targetArn", "trackedClusterId", "type"} {
				c.set(k, func() any { return target(c)[k] })
			}
		},
		CheckCreate: registerTarget,
	}
}

// targetKey is where registerTarget leaves the target it found for the
// outputs: an engine-internal key, so it is neither recorded nor returned.
const targetKey = "__fakeawsTarget"

func target(c *comp) map[string]any {
	v, ok := c.in[targetKey]
	if !ok {
		c.sawUnknown = true
		return map[string]any{}
	}
	m, _ := Unsecret(plainValue(v)).(map[string]any)
	return m
}

// registerTarget is RegisterDBProxyTargets. [API] errors: DBProxyNotFoundFault,
// DBClusterNotFoundFault ("DBClusterIdentifier doesn't refer to an existing
// DB cluster"), DBInstanceNotFoundFault ("DBInstanceIdentifier doesn't refer
// to an existing DB instance"), DBProxyTargetAlreadyRegisteredFault ("The
// proxy is already associated with the specified RDS DB instance or Aurora
// DB cluster"). [DOC] limitations: "Each proxy can be associated with a
// single target DB instance or cluster", and "For RDS DB instances in replication
// configurations, you can associate a proxy only with the writer DB
// instance, not a read replica."
//
// The DBProxyTarget it records ([API] types.DBProxyTarget; [TF]
// resourceProxyTargetRead sets db_instance_identifier from RdsResourceId for
// type RDS_INSTANCE and db_cluster_identifier otherwise): an instance is
// RDS_INSTANCE with its identifier; a cluster is TRACKED_CLUSTER with the
// cluster identifier as RdsResourceId and TrackedClusterId, and its writer
// endpoint ("The writer endpoint for the RDS DB instance or Aurora DB
// cluster"). That a Multi-AZ DB cluster registers as TRACKED_CLUSTER is
// read by analogy with Aurora (e2e/README.md, open questions).
func registerTarget(c *comp, r *records) error {
	proxy := c.str("dbProxyName")
	if _, err := findProxy(r, c.region, proxy); err != nil {
		return err
	}
	cluster, instance := c.str("dbClusterIdentifier"), c.str("dbInstanceIdentifier")
	var t map[string]any
	for _, rec := range r.Resources {
		if rec.Region != c.region {
			continue
		}
		out := Unsecret(rec.Outputs).(map[string]any)
		switch {
		case cluster != "" && rec.Type == clusterTok && out["clusterIdentifier"] == cluster:
			t = map[string]any{"type": "TRACKED_CLUSTER", "rdsResourceId": cluster, "trackedClusterId": cluster,
				"endpoint": out["endpoint"], "port": out["port"], "targetArn": out["arn"]}
		case instance != "" && rec.Type == instanceType && out["identifier"] == instance:
			if apiStr(rec.Inputs["replicateSourceDb"]) != "" {
				return fmt.Errorf("fakeaws: RDS refuses to register DB instance %s with proxy %s: it is a read replica; "+
					"a proxy can be associated only with the writer DB instance", instance, proxy)
			}
			t = map[string]any{"type": "RDS_INSTANCE", "rdsResourceId": instance, "trackedClusterId": "",
				"endpoint": out["address"], "port": out["port"], "targetArn": out["arn"]}
		}
	}
	switch {
	case t == nil && cluster != "":
		return fmt.Errorf("fakeaws: RDS refuses to register a target with proxy %s: DBClusterNotFoundFault: "+
			"DBClusterIdentifier %s doesn't refer to an existing DB cluster", proxy, cluster)
	case t == nil:
		return fmt.Errorf("fakeaws: RDS refuses to register a target with proxy %s: DBInstanceNotFoundFault: "+
			"DBInstanceIdentifier %s doesn't refer to an existing DB instance", proxy, instance)
	}
	for _, rec := range r.Resources {
		if rec.Type != proxyTargetTok || rec.Region != c.region || apiStr(rec.Outputs["dbProxyName"]) != proxy {
			continue
		}
		if apiStr(rec.Outputs["rdsResourceId"]) == t["rdsResourceId"] {
			return fmt.Errorf("fakeaws: RDS refuses to register %s with proxy %s: DBProxyTargetAlreadyRegisteredFault: "+
				"the proxy is already associated with it (%s)", t["rdsResourceId"], proxy, rec.URN)
		}
		return fmt.Errorf("fakeaws: RDS refuses to register %s with proxy %s: the proxy already has the target %s (%s), "+
			"and each proxy can be associated with a single target", t["rdsResourceId"], proxy, apiStr(rec.Outputs["rdsResourceId"]), rec.URN)
	}
	c.in[targetKey] = resource.NewPropertyValue(t)
	return nil
}

func proxyEndpointType() resourceType {
	return resourceType{
		// [TF] db_proxy_endpoint_name: Required, ForceNew, validIdentifier;
		// [PA] not autonamed (it is not called "name"). Unique per region:
		// [API] DBProxyEndpointAlreadyExistsFault, "The specified DB proxy
		// endpoint name must be unique for all DB proxy endpoints owned by
		// your Amazon Web Services account in the specified Amazon Web
		// Services Region."
		Name: "dbProxyEndpointName", NoDefaultName: true, NameNotAutoNamed: true, NameValid: validIdentifier,
		Unique: "region",
		// [TF] db_proxy_endpoint_name, db_proxy_name, target_role and
		// vpc_subnet_ids are ForceNew; vpc_security_group_ids and tags are
		// not.
		Replace: []string{"dbProxyEndpointName", "dbProxyName", "targetRole", "vpcSubnetIds"},
		InPlace: []string{"vpcSecurityGroupIds", "tags"},
		Tagged:  true,
		Validate: func(in resource.PropertyMap) []failure {
			// [TF] db_proxy_name validIdentifier; target_role
			// enum.Validate[types.DBProxyEndpointTargetRole].
			out := name(in, "dbProxyName", validIdentifier)
			return append(out, oneOf(in, "targetRole", "READ_WRITE", "READ_ONLY")...)
		},
		// [TF] proxyEndpointCreateResourceID: proxy/endpoint.
		ID: func(c *comp) string { return c.str("dbProxyName") + "/" + c.str("dbProxyEndpointName") },
		Outputs: func(c *comp) {
			// [TF] target_role Default READ_WRITE.
			c.fill("targetRole", func() any { return "READ_WRITE" })
			c.set("arn", func() any { return c.arn("rds", "db-proxy-endpoint:"+c.hexID("prx-endpoint-", 17)) })
			// The endpoint's shape is the double's.
			c.set("endpoint", func() any {
				return c.str("dbProxyEndpointName") + ".endpoint.proxy-c0ffee." + c.region + ".rds.amazonaws.com"
			})
			// [API] DBProxyEndpoint.IsDefault: the endpoints a program creates
			// are not the proxy's default one.
			c.set("isDefault", func() any { return false })
			c.set("vpcId", func() any {
				ids := c.strings("vpcSubnetIds")
				if len(ids) == 0 {
					return ""
				}
				return c.other("aws:ec2/subnet:Subnet", ids[0], "vpcId")
			})
		},
		// [DOC] rds-proxy-endpoints.html, "Limitations for proxy endpoints":
		// "The maximum number of user-defined endpoints for a proxy is 20."
		// A READ_ONLY endpoint on a proxy whose target is a DB instance is
		// not refused: the same page says reader endpoints "only work for
		// proxies associated with Multi-AZ DB clusters" and that "You can
		// take advantage of such proxies by changing the target of a proxy
		// from an RDS DB instance to a Multi-AZ DB cluster".
		CheckCreate: func(c *comp, r *records) error {
			proxy := c.str("dbProxyName")
			if _, err := findProxy(r, c.region, proxy); err != nil {
				return err
			}
			n := 0
			for _, rec := range r.Resources {
				if rec.Type == proxyEndpointTok && rec.Region == c.region && apiStr(rec.Outputs["dbProxyName"]) == proxy {
					n++
				}
			}
			if n >= 20 {
				return fmt.Errorf("fakeaws: RDS refuses endpoint %s of proxy %s: the proxy has %d user-defined endpoints, "+
					"the most a proxy can have", c.str("dbProxyEndpointName"), proxy, n)
			}
			return nil
		},
	}
}

// proxyTargetsOf lists the proxy target records of a proxy.
func proxyTargetsOf(r *records, region, proxy string) []Record {
	var out []Record
	for _, rec := range r.Resources {
		if rec.Type == proxyTargetTok && rec.Region == region && apiStr(rec.Outputs["dbProxyName"]) == proxy {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b Record) int { return strings.Compare(a.ID, b.ID) })
	return out
}
