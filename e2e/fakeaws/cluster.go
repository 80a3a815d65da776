package fakeaws

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// RDS Multi-AZ DB clusters and their cluster parameter groups.
//
// Sources, cited beside each rule below:
//   - [TF] the Terraform AWS provider that pulumi-aws v6 bridges, read at
//     v6.0.0 (github.com/lonegunmanb/terraform-provider-aws-index, commit
//     4f930f62, index/internal/service/rds/func.<name>.goindex): the schema
//     (resourceCluster, resourceClusterParameterGroup), create
//     (resourceClusterCreate), delete (resourceClusterDelete,
//     resourceClusterParameterGroupDelete);
//   - [PA] pulumi-aws provider/resources.go and provider/autonaming.go at
//     00ba5ea5: aws_rds_cluster has no Fields for cluster_identifier, and
//     setAutonaming autonames only an input called "name";
//   - [API] the RDS API reference as aws-sdk-go-v2 service/rds v1.133.0
//     carries it (api_op_CreateDBCluster.go, api_op_ModifyDBCluster.go,
//     api_op_DeleteDBClusterParameterGroup.go, types/errors.go);
//   - [DOC] the RDS User Guide pages named where used;
//   - [PSDK] the pulumi-aws v6.83.4 Go SDK's doc comments
//     (sdk/go/aws/rds/cluster.go).
//
// The double models Multi-AZ DB clusters (engine mysql or postgres) only: an
// Aurora engine fails Check loudly, since the provider's rules differ for it
// (storage_type updates in place, CustomizeDiff in resourceCluster).

const (
	clusterTok   = "aws:rds/cluster:Cluster"
	clusterPGTok = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
)

func init() {
	types[clusterTok] = clusterType()
	types[clusterPGTok] = clusterParameterGroupType()
	// DeleteDBSubnetGroup: "The specified database subnet group must not be
	// associated with any DB instances" (the subnet group's entry in
	// types.go); a Multi-AZ DB cluster's writer and readers are DB instances
	// in the group, so a cluster naming the group holds it too.
	sg := types[subnetGrpType]
	held := sg.InUseBy
	sg.InUseBy = func(user Record, id string) bool {
		return held(user, id) || (user.Type == clusterTok && Unsecret(user.Inputs["dbSubnetGroupName"]) == id)
	}
	types[subnetGrpType] = sg
}

func clusterType() resourceType {
	return resourceType{
		// [TF] cluster_identifier: Optional, Computed, ForceNew, validIdentifier,
		// ConflictsWith cluster_identifier_prefix. [PA] pulumi-aws does not
		// autoname it; [TF] resourceClusterCreate makes it with
		// create.NewNameGenerator(WithConfiguredName, WithConfiguredPrefix,
		// WithDefaultPrefix("tf-")) when neither is set. [API]
		// DBClusterIdentifier: "1 to 52 (for Multi-AZ DB clusters) letters,
		// numbers, or hyphens". Unique per region: [API] DBClusterAlreadyExistsFault,
		// "The user already has a DB cluster with the given identifier."
		Name: "clusterIdentifier", NamePrefix: "clusterIdentifierPrefix", NoDefaultName: true,
		NameNotAutoNamed: true, CreateNamePrefix: "tf-", NameMaxLen: 52, NameValid: validIdentifier,
		Unique: "region",
		// [TF] resourceCluster: the ForceNew attributes, and storage_type,
		// which customdiff.ForceNewIf replaces for every engine not starting
		// with "aurora" (the only engines the double takes). s3_import and
		// restore_to_point_in_time are ForceNew blocks (every s3_import field
		// is ForceNew).
		Replace: []string{
			"availabilityZones", "clusterIdentifier", "clusterIdentifierPrefix", "clusterScalabilityType",
			"databaseName", "dbSubnetGroupName", "dbSystemId", "engine", "engineMode", "kmsKeyId",
			"masterUsername", "restoreToPointInTime", "s3Import", "snapshotIdentifier", "sourceRegion",
			"storageEncrypted", "storageType",
		},
		// [TF] every other configurable attribute of resourceCluster, under
		// the Pulumi names of pulumi-aws v6.83.4's ClusterArgs (which has no
		// master_password_wo).
		InPlace: []string{
			"allocatedStorage", "allowMajorVersionUpgrade", "applyImmediately", "backtrackWindow",
			"backupRetentionPeriod", "caCertificateIdentifier", "clusterMembers", "copyTagsToSnapshot",
			"databaseInsightsMode", "dbClusterInstanceClass", "dbClusterParameterGroupName",
			"dbInstanceParameterGroupName", "deleteAutomatedBackups", "deletionProtection", "domain",
			"domainIamRoleName", "enableGlobalWriteForwarding", "enableHttpEndpoint", "enableLocalWriteForwarding",
			"enabledCloudwatchLogsExports", "engineLifecycleSupport", "engineVersion", "finalSnapshotIdentifier",
			"globalClusterIdentifier", "iamDatabaseAuthenticationEnabled", "iamRoles", "iops",
			"manageMasterUserPassword", "masterPassword", "masterUserSecretKmsKeyId", "monitoringInterval",
			"monitoringRoleArn", "networkType", "performanceInsightsEnabled", "performanceInsightsKmsKeyId",
			"performanceInsightsRetentionPeriod", "port", "preferredBackupWindow", "preferredMaintenanceWindow",
			"replicationSourceIdentifier", "scalingConfiguration", "serverlessv2ScalingConfiguration",
			"skipFinalSnapshot", "vpcSecurityGroupIds", "tags",
		},
		Tagged: true,
		// [API] ModifyDBCluster: ApplyImmediately "If this parameter is
		// disabled, changes to the DB cluster are applied during the next
		// maintenance window ... Some modifications, such as turning on
		// deletion protection and changing the master password, are applied
		// immediately"; of the parameters only EngineVersion says which ("The
		// change is applied during the next maintenance window unless
		// ApplyImmediately is enabled"). The double holds only that one; the
		// others apply at once (e2e/README.md, open questions).
		Defer:    func(key string, _, _ resource.PropertyMap) bool { return key == "engineVersion" },
		Validate: validateCluster,
		ID:       func(c *comp) string { return c.str("clusterIdentifier") },
		Outputs:  clusterOutputs,
		CheckCreate: func(c *comp, r *records) error {
			return checkMultiAZCluster(c.str("clusterIdentifier"), c.region, c.in, r, true)
		},
		CheckUpdate: func(running, next resource.PropertyMap, r *records) error {
			id, _, _ := knownString(running, "clusterIdentifier")
			// [API] ModifyDBCluster Port: "Valid for Cluster Type: Aurora DB
			// clusters only"; [DOC] multi-az-db-clusters-concepts.Limitations
			// lists "Modifying the port" as not supported. [TF] plans it as an
			// update (port has no ForceNew), so the apply fails.
			if from, to := clusterPort(running), clusterPort(next); from != to {
				return fmt.Errorf("fakeaws: RDS refuses to modify DB cluster %s: InvalidParameterCombination: "+
					"the port of a Multi-AZ DB cluster cannot be modified (port %d -> %d); only Aurora DB clusters take a new Port",
					id, from, to)
			}
			return checkMultiAZCluster(id, "", next, r, false)
		},
		CheckDelete: deleteCluster,
	}
}

// clusterEngines is [TF] clusterEngine_Values(); the engine's ValidateFunc is
// validation.Any(StringMatch("^custom-"), StringInSlice(clusterEngine_Values())).
var clusterEngines = []string{"aurora-mysql", "aurora-postgresql", "mysql", "postgres"}

// clusterLogTypes is [TF] clusterExportableLogType_Values(), the
// enabled_cloudwatch_logs_exports elements' StringInSlice.
var clusterLogTypes = []string{"audit", "error", "general", "iam-db-auth-error", "instance", "postgresql", "slowquery", "upgrade"}

var finalSnapshotChars = regexp.MustCompile(`^[0-9A-Za-z-]+$`)

func validateCluster(in resource.PropertyMap) []failure {
	var out []failure
	if v, ok := plainInput(in, "engine"); ok {
		s, _ := v.(string)
		switch {
		case s == "mysql" || s == "postgres":
		case slices.Contains(clusterEngines, s) || strings.HasPrefix(s, "custom-"):
			out = append(out, failure{"engine", fmt.Sprintf("engine %q: the test double models Multi-AZ DB clusters "+
				"(mysql, postgres) only; Aurora's rules differ (storage_type updates in place): add them to e2e/fakeaws/cluster.go first", s)})
		default:
			out = append(out, oneOfValue("engine", v, clusterEngines...)...)
		}
	}
	out = append(out, name(in, "clusterIdentifierPrefix", validIdentifierPrefix)...)
	out = append(out, conflicts(in, "clusterIdentifier", "clusterIdentifierPrefix")...)
	// [TF] manage_master_user_password ConflictsWith master_password.
	out = append(out, conflicts(in, "manageMasterUserPassword", "masterPassword")...)
	// [TF] backup_retention_period: validation.IntAtMost(35).
	if v, ok := plainInput(in, "backupRetentionPeriod"); ok {
		if f, isNum := v.(float64); !isNum || f > 35 {
			out = append(out, failure{"backupRetentionPeriod", fmt.Sprintf("expected backupRetentionPeriod to be at most (35), got %v", v)})
		}
	}
	// [TF] final_snapshot_identifier's own ValidateFunc.
	if v, ok := plainInput(in, "finalSnapshotIdentifier"); ok {
		s, _ := v.(string)
		switch {
		case !finalSnapshotChars.MatchString(s):
			out = append(out, failure{"finalSnapshotIdentifier", fmt.Sprintf("finalSnapshotIdentifier %q: only alphanumeric characters and hyphens allowed", s)})
		case strings.Contains(s, "--"):
			out = append(out, failure{"finalSnapshotIdentifier", fmt.Sprintf("finalSnapshotIdentifier %q cannot contain two consecutive hyphens", s)})
		case strings.HasSuffix(s, "-"):
			out = append(out, failure{"finalSnapshotIdentifier", fmt.Sprintf("finalSnapshotIdentifier %q cannot end in a hyphen", s)})
		}
	}
	if v, ok := plainInput(in, "enabledCloudwatchLogsExports"); ok {
		l, _ := v.([]any)
		for _, e := range l {
			out = append(out, oneOfValue("enabledCloudwatchLogsExports", e, clusterLogTypes...)...)
		}
	}
	// [TF] database_insights_mode: enum.Validate[types.DatabaseInsightsMode]
	// ([API] types/enums.go: standard, advanced).
	out = append(out, oneOf(in, "databaseInsightsMode", "standard", "advanced")...)
	// [TF] kms_key_id, monitoring_role_arn, performance_insights_kms_key_id:
	// verify.ValidARN.
	for _, k := range []string{"kmsKeyId", "monitoringRoleArn", "performanceInsightsKmsKeyId"} {
		out = append(out, validARN(in, k)...)
	}
	// [TF] preferred_backup_window: verify.ValidOnceADayWindowFormat;
	// preferred_maintenance_window: verify.ValidOnceAWeekWindowFormat.
	out = append(out, window(in, "preferredBackupWindow", false)...)
	out = append(out, window(in, "preferredMaintenanceWindow", true)...)
	// [TF] master_user_secret_kms_key_id: verify.ValidKMSKeyID, 1 to 2048
	// characters.
	if v, ok := plainInput(in, "masterUserSecretKmsKeyId"); ok {
		if s, _ := v.(string); len(s) < 1 || len(s) > 2048 {
			out = append(out, failure{"masterUserSecretKmsKeyId", fmt.Sprintf("masterUserSecretKmsKeyId %q: must be 1 to 2048 characters", s)})
		}
	}
	return out
}

// multiAZClasses are the instance class families [DOC] "Instance class
// availability" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.html)
// lists for Multi-AZ DB clusters: "db.m5d, db.m6gd, db.m6id, db.m6idn,
// db.r5d, db.r6gd, db.x2iedn, db.r6id, db.r6idn, and db.c6gd ... The c6gd
// instance classes are the only ones that support the medium instance size."
var multiAZClasses = []string{"m5d", "m6gd", "m6id", "m6idn", "r5d", "r6gd", "x2iedn", "r6id", "r6idn", "c6gd"}

// multiAZMissing are the Regions where [DOC]
// Concepts.RDS_Fea_Regions_DB-eng.Feature.MultiAZDBClusters.html says
// Multi-AZ DB clusters are "Not available" for every RDS for MySQL and RDS
// for PostgreSQL version (those whose Region code the page's names give
// without doubt: US West (N. California), AWS GovCloud (US-East, US-West)).
var multiAZMissing = []string{"us-west-1", "us-gov-east-1", "us-gov-west-1"}

// supportedPostgresVersion is the same page's list for PostgreSQL: "all
// PostgreSQL 18, 17, 16, 15 versions; 14.5 and higher; 13.4 and 13.7 and
// higher". A major version alone lets RDS choose the minor, so only an
// explicit minor outside the list is refused.
func supportedPostgresVersion(v string) bool {
	major, minor, hasMinor := strings.Cut(v, ".")
	m, err := strconv.Atoi(major)
	if err != nil {
		return false
	}
	n, _ := strconv.Atoi(minor)
	switch {
	case m >= 15:
		return true
	case m == 14:
		return !hasMinor || n >= 5
	case m == 13:
		return !hasMinor || n == 4 || n >= 7
	}
	return false
}

// checkMultiAZCluster is what AWS refuses of a Multi-AZ DB cluster's
// settings, at create (create) or at modify.
func checkMultiAZCluster(id, region string, in resource.PropertyMap, r *records, create bool) error {
	refuse := func(format string, args ...any) error {
		verb := "modify"
		if create {
			verb = "create"
		}
		return fmt.Errorf("fakeaws: RDS refuses to %s Multi-AZ DB cluster %s: %s", verb, id, fmt.Sprintf(format, args...))
	}
	engine, _, _ := knownString(in, "engine")
	if create {
		// [API] CreateDBCluster: AllocatedStorage, DBClusterInstanceClass,
		// DBSubnetGroupName and Iops: "This setting is required to create a
		// Multi-AZ DB cluster." (StorageType says so too, but also
		// "Default: Multi-AZ DB clusters - io1".)
		var missing []string
		for _, k := range []string{"allocatedStorage", "dbClusterInstanceClass", "dbSubnetGroupName", "iops"} {
			if !in.HasValue(resource.PropertyKey(k)) {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return refuse("InvalidParameterCombination: %s required to create a Multi-AZ DB cluster (engine %s)",
				strings.Join(missing, ", "), engine)
		}
		if slices.Contains(multiAZMissing, region) {
			return refuse("Multi-AZ DB clusters for %s are not available in %s", engine, region)
		}
	}
	if v, ok, _ := knownString(in, "engineVersion"); ok && engine == "postgres" && !supportedPostgresVersion(v) {
		return refuse("PostgreSQL %s is not a version Multi-AZ DB clusters support (15 and later, 14.5 and later, 13.4, 13.7 and later)", v)
	}
	if class, ok, _ := knownString(in, "dbClusterInstanceClass"); ok {
		parts := strings.Split(class, ".")
		if len(parts) != 3 || parts[0] != "db" || !slices.Contains(multiAZClasses, parts[1]) ||
			(parts[2] == "medium" && parts[1] != "c6gd") {
			return refuse("dbClusterInstanceClass %q is not available for Multi-AZ DB clusters: the classes are db.<family>.<size> "+
				"with family one of %s, and size medium only for c6gd", class, strings.Join(multiAZClasses, ", "))
		}
	}
	// [API] CreateDBCluster StorageType "Multi-AZ DB clusters - io1 | io2 |
	// gp3"; "When specified for a Multi-AZ DB cluster, a value for the Iops
	// parameter is required."
	storage, hasStorage, _ := knownString(in, "storageType")
	if hasStorage && !slices.Contains([]string{"io1", "io2", "gp3"}, storage) {
		return refuse("storageType %q: a Multi-AZ DB cluster takes io1, io2 or gp3", storage)
	}
	// [API] CreateDBCluster Iops: "Must be a multiple between .5 and 50 of
	// the storage amount for the DB cluster."
	gb, iops := numberOf(in["allocatedStorage"]), numberOf(in["iops"])
	if in.HasValue("iops") && in.HasValue("allocatedStorage") && (iops < 0.5*gb || iops > 50*gb) {
		return refuse("iops %v for %v GiB: Iops must be between 0.5 and 50 times the allocated storage (%v to %v)",
			iops, gb, 0.5*gb, 50*gb)
	}
	if !create {
		return nil
	}
	// [API] DBSubnetGroupName: "Must match the name of an existing DB subnet
	// group" (DBSubnetGroupNotFoundFault); [DOC] create-multi-az-db-cluster
	// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/create-multi-az-db-cluster.html):
	// the DB subnet group "must cover at least three Availability Zones".
	group, _, _ := knownString(in, "dbSubnetGroupName")
	i, ok := r.find(subnetGrpType, group)
	if !ok {
		return refuse("DBSubnetGroupNotFoundFault: DBSubnetGroupName %s doesn't refer to an existing DB subnet group", group)
	}
	zones := map[string]bool{}
	for _, sn := range list(r.Resources[i].Inputs["subnetIds"]) {
		if j, found := r.find("aws:ec2/subnet:Subnet", apiStr(sn)); found {
			zones[apiStr(r.Resources[j].Outputs["availabilityZone"])] = true
		}
	}
	if len(zones) < 3 {
		return refuse("the DB subnet group %s covers %d Availability Zones; a Multi-AZ DB cluster's must cover at least three", group, len(zones))
	}
	return nil
}

// clusterMemberIDs names the cluster's writer and two readers. The names
// are the double's (<cluster>-instance-<n>): no source read gives the names
// RDS uses (e2e/README.md, open questions).
func clusterMemberIDs(id string) []string {
	return []string{id + "-instance-1", id + "-instance-2", id + "-instance-3"}
}

// clusterPort is the port a cluster runs on: the port input, else the
// engine's default (as for the instance in types.go: 3306 for MySQL, 5432
// for PostgreSQL).
func clusterPort(in resource.PropertyMap) int {
	if p := numberOf(in["port"]); p != 0 {
		return int(p)
	}
	if e, _, _ := knownString(in, "engine"); strings.Contains(e, "mysql") {
		return 3306
	}
	return 5432
}

func clusterOutputs(c *comp) {
	id := func() string { return c.str("clusterIdentifier") }
	port := func() int {
		c.number("port", 0) // an unknown port makes the output unknown
		return clusterPort(c.in)
	}
	c.set("arn", func() any { return c.arn("rds", "cluster:"+id()) })
	// DbClusterResourceId, "cluster-" and upper-case letters and digits, as
	// in the IAM database authentication policy examples
	// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html).
	c.set("clusterResourceId", func() any { return c.upperID("cluster-", 26) })
	// The writer (cluster) and reader endpoints, <id>.cluster-<x> and
	// <id>.cluster-ro-<x> ([DOC] multi-az-db-clusters-concepts-connection-management.html);
	// [TF] endpoint and reader_endpoint are the DBCluster's Endpoint and
	// ReaderEndpoint, host names without the port.
	c.set("endpoint", func() any { return id() + ".cluster-c0ffee." + c.region + ".rds.amazonaws.com" })
	c.set("readerEndpoint", func() any { return id() + ".cluster-ro-c0ffee." + c.region + ".rds.amazonaws.com" })
	c.fill("port", func() any { return port() })
	c.set("hostedZoneId", func() any { return "Z29XKXDKYMONMX" })
	c.set("engineVersionActual", func() any { return c.str("engineVersion") })
	// [API] CreateDBCluster StorageType "Default: ... Multi-AZ DB clusters -
	// io1"; BackupRetentionPeriod "Default: 1".
	c.fill("storageType", func() any { return "io1" })
	c.fill("backupRetentionPeriod", func() any { return 1 })
	// [TF] schema Defaults: skip_final_snapshot false, delete_automated_backups
	// true, copy_tags_to_snapshot false, engine_mode "provisioned".
	c.fill("skipFinalSnapshot", func() any { return false })
	c.fill("deleteAutomatedBackups", func() any { return true })
	c.fill("copyTagsToSnapshot", func() any { return false })
	c.fill("engineMode", func() any { return "provisioned" })
	// [PSDK] rds.Cluster availabilityZones (pulumi-aws v6.83.4
	// sdk/go/aws/rds/cluster.go): "RDS automatically assigns 3 AZs if less
	// than 3 AZs are configured, which will show as a difference requiring
	// resource recreation next pulumi up." The zones given come first, then
	// the region's others up to three.
	c.set("availabilityZones", func() any {
		out := []any{}
		for _, z := range c.strings("availabilityZones") {
			out = append(out, z)
		}
		names, _ := zones(c.region)
		for _, n := range names {
			if len(out) < 3 && !slices.Contains(out, any(n)) {
				out = append(out, n)
			}
		}
		return out
	})
	c.fill("clusterMembers", func() any {
		ids := clusterMemberIDs(id())
		return []any{ids[0], ids[1], ids[2]}
	})
	if c.truthy("storageEncrypted") {
		c.fill("kmsKeyId", func() any { return c.arn("kms", "key/"+c.uuid("aws/rds")) })
	}
	// The RDS-managed master secret, as for the instance (types.go): its
	// name starts "rds!" and the resource ID, here the cluster's.
	c.set("masterUserSecrets", func() any { return managedMasterSecret(c, c.upperID("cluster-", 26)) })
}

// deleteCluster is [TF] resourceClusterDelete and DeleteDBCluster: with
// skip_final_snapshot false it needs final_snapshot_identifier and fails
// before calling AWS ("RDS Cluster final_snapshot_identifier is required
// when skip_final_snapshot is false"); a protected cluster is refused with
// InvalidParameterCombination, which the provider matches on "disable
// deletion pro" and only retries, after turning protection off, when the
// configuration leaves deletion_protection unset or false and
// apply_immediately is on (the double's records hold what runs: a
// protected cluster's configuration sets it, so it is refused); an
// existing final snapshot name is [API] DBClusterSnapshotAlreadyExistsFault
// ("The user already has a DB cluster snapshot with the given
// identifier."). The rest of the message texts are the double's.
func deleteCluster(out map[string]any, r *records) (string, error) {
	id := Unsecret(out["clusterIdentifier"])
	if Unsecret(out["deletionProtection"]) == true {
		return "", fmt.Errorf("fakeaws: RDS refuses to delete DB cluster %v: InvalidParameterCombination: "+
			"Cannot delete protected Cluster, please disable deletion protection and try again", id)
	}
	delete(r.Writers, fmt.Sprint(id))
	if Unsecret(out["skipFinalSnapshot"]) == true {
		return "deleted without a final snapshot", nil
	}
	snap, _ := Unsecret(out["finalSnapshotIdentifier"]).(string)
	if snap == "" {
		return "", fmt.Errorf("fakeaws: deleting RDS Cluster %v: RDS Cluster final_snapshot_identifier is required "+
			"when skip_final_snapshot is false", id)
	}
	if slices.Contains(r.ClusterSnapshots, snap) {
		return "", fmt.Errorf("fakeaws: deleting RDS Cluster %v: DBClusterSnapshotAlreadyExistsFault: "+
			"The user already has a DB cluster snapshot with the given identifier %s", id, snap)
	}
	r.ClusterSnapshots = append(r.ClusterSnapshots, snap)
	return "final cluster snapshot " + snap, nil
}

func clusterParameterGroupType() resourceType {
	return resourceType{
		// [TF] resourceClusterParameterGroup: name and name_prefix Optional,
		// Computed, ForceNew, validParamGroupName(Prefix); [PA] name is
		// autonamed (setAutonaming: AutoName("name", 255, "-")). Unique per
		// region: [API] DBParameterGroupAlreadyExistsFault, "A DB parameter
		// group with the same name exists."
		Name: "name", NamePrefix: "namePrefix", AutoNameMaxLen: 255, NameMaxLen: 255, NameValid: validParamGroupName,
		Unique: "region",
		// [TF] family and description are ForceNew; parameter (a set) and
		// tags update in place.
		Replace: []string{"description", "family", "name", "namePrefix"},
		InPlace: []string{"parameters", "tags"},
		// [PA] aws_rds_cluster_parameter_group description Default
		// managedByPulumi.
		Defaults: map[string]any{"description": managedByPulumi},
		Tagged:   true,
		Validate: func(in resource.PropertyMap) []failure {
			out := name(in, "namePrefix", validParamGroupNamePrefix)
			out = append(out, conflicts(in, "name", "namePrefix")...)
			// [TF] parameter.apply_method: Default "immediate",
			// enum.ValidateIgnoreCase[types.ApplyMethod] ([API] immediate,
			// pending-reboot).
			for _, p := range listOf(in, "parameters") {
				if m, ok := p["applyMethod"].(string); ok {
					out = append(out, oneOfValue("parameters[].applyMethod", strings.ToLower(m), "immediate", "pending-reboot")...)
				}
			}
			return out
		},
		ID: func(c *comp) string { return c.str("name") },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("rds", "cluster-pg:"+c.str("name")) })
		},
		// [API] DeleteDBClusterParameterGroup DBClusterParameterGroupName:
		// "Can't be associated with any DB clusters"; else
		// InvalidDBParameterGroupStateFault ("The DB parameter group is in use
		// or is in an invalid state"). [TF]
		// resourceClusterParameterGroupDelete retries it for 3 minutes, then
		// fails; the double fails at once.
		CheckDelete: func(out map[string]any, r *records) (string, error) {
			name := Unsecret(out["name"])
			for _, rec := range r.Resources {
				if rec.Type == clusterTok && Unsecret(rec.Inputs["dbClusterParameterGroupName"]) == name {
					return "", fmt.Errorf("fakeaws: RDS refuses to delete DB cluster parameter group %v: "+
						"InvalidDBParameterGroupState: DB cluster %v uses it", name, Unsecret(rec.Outputs["clusterIdentifier"]))
				}
			}
			return "", nil
		},
	}
}

// managedMasterSecret is the masterUserSecrets output of an instance or a
// cluster whose master password RDS manages (manageMasterUserPassword):
// one active secret under the given key, or AWS's managed Secrets Manager
// key, named "rds!" and the resource's ID in lower case (the RDS User
// Guide, "Password management with Amazon RDS and AWS Secrets Manager").
func managedMasterSecret(c *comp, resourceID string) []any {
	if !c.truthy("manageMasterUserPassword") {
		return []any{}
	}
	key := c.str("masterUserSecretKmsKeyId")
	if key == "" {
		key = c.arn("kms", "alias/aws/secretsmanager")
	}
	return []any{map[string]any{
		"secretArn":    c.arn("secretsmanager", "secret:rds!"+strings.ToLower(resourceID)+"-"+c.digest("secret")[:6]),
		"secretStatus": "active",
		"kmsKeyId":     key,
	}}
}
