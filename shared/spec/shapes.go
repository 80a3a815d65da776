package spec

import (
	"fmt"
	"slices"
	"strings"
)

// The limits of the two shapes (Deployment) and of the RDS Proxy: what AWS
// accepts for a Multi-AZ DB cluster of PostgreSQL and for a proxy's
// settings, and the platform's choices within them. The config loader
// refuses values outside them with the key that set them; the guardrails
// hold the resolved spec to them.

// InstanceStorageType is the one storage type an instance gets: gp3, with
// its baseline IOPS and storage autoscaling (unchanged from before
// clusters existed).
const InstanceStorageType = "gp3"

// ClusterStorageTypes are the storage types of a Multi-AZ DB cluster:
// "Valid values are: ... io1, io2, gp3 (Multi-AZ DB Clusters). Default:
// ... io1 (Multi-AZ DB Clusters)" (pulumi-aws rds.Cluster storageType, the
// Terraform AWS provider's aws_rds_cluster storage_type, which also says
// it forces a new cluster for Multi-AZ DB clusters).
var ClusterStorageTypes = []string{"io1", "io2", "gp3"}

// ClusterEngineMajors are the PostgreSQL majors RDS offers Multi-AZ DB
// clusters for in every commercial Region that has them: "All PostgreSQL
// 18 versions, All PostgreSQL 17 versions, All PostgreSQL 16 versions, All
// PostgreSQL 15 versions, Version 14.5 and higher, Version 13.4 and
// version 13.7 and higher" (RDS User Guide, "Supported Regions and DB
// engines for Multi-AZ DB clusters in Amazon RDS",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.RDS_Fea_Regions_DB-eng.Feature.MultiAZDBClusters.html),
// from MinEngineMajor on. The engineVersion key takes a major only, and RDS
// picks the minor when it creates the cluster: for 14 that must be 14.5 or
// later. Open question: AWS does not say which minor a major-only
// EngineVersion gets for a Multi-AZ DB cluster (presumably the major's
// default, or the orderable minor that supports clusters); a minor below
// 14.5 would make CreateDBCluster fail, not run a cluster the table
// forbids. 13 is below the platform's floor.
var ClusterEngineMajors = []int{14, 15, 16, 17, 18}

// ClusterInstanceClasses are the instance classes of a Multi-AZ DB cluster
// of PostgreSQL, by family, with the sizes of each. The families: "Multi-AZ
// DB cluster deployments are supported for the following DB instance
// classes: db.m5d, db.m6gd, db.m6id, db.m6idn, db.r5d, db.r6gd, db.x2iedn,
// db.r6id, and db.r6idn, and db.c6gd. ... The c6gd instance classes are the
// only ones that support the medium instance size" (RDS User Guide,
// "Instance class availability for Multi-AZ DB clusters",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.html#multi-az-db-clusters-concepts.InstanceAvailability).
// The sizes: each family's rows whose PostgreSQL column lists 14.5 and
// later 14 versions and every 15, 16 and 17 version (RDS User Guide,
// "Supported DB engines for DB instance classes",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Support.html);
// the metal sizes say No for PostgreSQL, and db.r6idn lists no large.
var ClusterInstanceClasses = map[string][]string{
	"c6gd":   {"medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"},
	"m5d":    {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"},
	"m6gd":   {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"},
	"m6id":   {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"},
	"m6idn":  {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"},
	"r5d":    {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"},
	"r6gd":   {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"},
	"r6id":   {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"},
	"r6idn":  {"xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"},
	"x2iedn": {"xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge", "24xlarge", "32xlarge"},
}

// CheckClusterInstanceClass returns "" when class may run a Multi-AZ DB
// cluster of PostgreSQL, and otherwise what would be accepted.
func CheckClusterInstanceClass(class string) string {
	family, size, ok := strings.Cut(strings.TrimPrefix(class, "db."), ".")
	if sizes := ClusterInstanceClasses[family]; ok && strings.HasPrefix(class, "db.") && slices.Contains(sizes, size) {
		return ""
	} else if sizes != nil && ok && strings.HasPrefix(class, "db.") {
		return fmt.Sprintf("a size of db.%s that Multi-AZ DB clusters support: %s", family, strings.Join(sizes, ", "))
	}
	return "an instance class Multi-AZ DB clusters support: db.<family>.<size> with family one of " + strings.Join(ClusterInstanceFamilies(), ", ") + " (only c6gd comes in medium), e.g. db.m6gd.large"
}

// ClusterInstanceFamilies are the keys of ClusterInstanceClasses, sorted.
func ClusterInstanceFamilies() []string {
	var out []string
	for f := range ClusterInstanceClasses {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

// Storage limits of a Multi-AZ DB cluster of PostgreSQL, per storage type
// (RDS User Guide, "Amazon RDS DB instance storage",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Storage.html):
//   - io2: "Db2, MariaDB, MySQL, and PostgreSQL 100–65,536 GiB 1,000–256,000
//     IOPS"; "The ratio of IOPS to allocated storage (in GiB) must be from
//     0.5–1,000" on the Nitro System (for others it is 0.5–500; every
//     ClusterInstanceClasses family is an EC2 type built on the Nitro
//     System: https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-nitro-instances.html);
//   - io1: "100–399 GiB 1,000–19,950 IOPS", "400–65,536 GiB 1,000–256,000
//     IOPS"; "The ratio of IOPS to allocated storage (in GiB) must be from
//     ... 0.5–50 on other RDS DB engines" (than SQL Server);
//   - gp3: 20–399 GiB have a fixed baseline of 3,000 IOPS ("Range of
//     Provisioned IOPS: N/A"); 400–65,536 GiB take 12,000–64,000 provisioned
//     IOPS; "The maximum ratio of IOPS to allocated storage is 500".
//
// A Multi-AZ DB cluster needs an IOPS value whatever its storage type
// (CreateDBCluster Iops: "This setting is required to create a Multi-AZ DB
// cluster"; pulumi-aws rds.Cluster storageType: "For Multi-AZ DB Clusters,
// the iops argument must also be set"), and gp3 takes one only from 400
// GiB, so a gp3 cluster starts at 400 GiB.
const (
	ClusterMaxStorageGb       = 65536
	ClusterMinProvisionedGb   = 100   // io1, io2
	ClusterMinGp3Gb           = 400   // gp3 with provisioned IOPS
	clusterIo1SmallMaxGb      = 399   // io1 up to here takes at most
	clusterIo1SmallMaxIops    = 19950 // this many IOPS
	ClusterMinProvisionedIops = 1000
	ClusterMaxProvisionedIops = 256000
	ClusterMinGp3Iops         = 12000
	ClusterMaxGp3Iops         = 64000
)

// ClusterMinStorageGb is the smallest allocated storage of a cluster with
// the storage type.
func ClusterMinStorageGb(storageType string) int {
	if storageType == "gp3" {
		return ClusterMinGp3Gb
	}
	return ClusterMinProvisionedGb
}

// ClusterIopsRange is the IOPS a cluster with the storage type and size
// accepts, from lo to hi.
func ClusterIopsRange(storageType string, allocatedGb int) (lo, hi int) {
	// minRatio returns the IOPS at the minimum ratio of 0.5 per GiB,
	// rounded up.
	minRatio := (allocatedGb + 1) / 2
	switch storageType {
	case "io1":
		hi = min(ClusterMaxProvisionedIops, 50*allocatedGb)
		if allocatedGb <= clusterIo1SmallMaxGb {
			hi = min(hi, clusterIo1SmallMaxIops)
		}
		return max(ClusterMinProvisionedIops, minRatio), hi
	case "io2":
		return max(ClusterMinProvisionedIops, minRatio), min(ClusterMaxProvisionedIops, 1000*allocatedGb)
	case "gp3":
		return ClusterMinGp3Iops, min(ClusterMaxGp3Iops, 500*allocatedGb)
	}
	return 0, -1
}

// DefaultClusterIops is the IOPS a cluster gets when config gives none:
// 3,000 on io1/io2, gp3's own baseline for smaller volumes, so that a
// stack that moves to a cluster keeps the IOPS it had, raised to the
// storage type's floor (12,000 on gp3, 0.5 per GiB on io1/io2).
func DefaultClusterIops(storageType string, allocatedGb int) int {
	lo, hi := ClusterIopsRange(storageType, allocatedGb)
	return min(max(3000, lo), hi)
}

// CheckClusterStorage returns "" when a Multi-AZ DB cluster accepts the
// storage, and otherwise what would be accepted, naming what is wrong
// first: the type, the size, then the IOPS.
func CheckClusterStorage(storageType string, allocatedGb, iops int) (what, want string) {
	if !slices.Contains(ClusterStorageTypes, storageType) {
		return "storageType", "one of " + strings.Join(ClusterStorageTypes, ", ") + " (the storage types of a Multi-AZ DB cluster)"
	}
	if lo := ClusterMinStorageGb(storageType); allocatedGb < lo || allocatedGb > ClusterMaxStorageGb {
		return "allocatedStorageGb", fmt.Sprintf("from %d to %d GiB on %s in a Multi-AZ DB cluster", lo, ClusterMaxStorageGb, storageType)
	}
	if lo, hi := ClusterIopsRange(storageType, allocatedGb); iops < lo || iops > hi {
		return "iops", fmt.Sprintf("from %d to %d IOPS on %d GiB of %s (%s)", lo, hi, allocatedGb, storageType, iopsRule(storageType))
	}
	return "", ""
}

func iopsRule(storageType string) string {
	switch storageType {
	case "io1":
		return "1,000-256,000 IOPS, at most 19,950 below 400 GiB, 0.5-50 IOPS per GiB"
	case "io2":
		return "1,000-256,000 IOPS, 0.5-1,000 IOPS per GiB"
	}
	return "12,000-64,000 provisioned IOPS from 400 GiB, at most 500 IOPS per GiB"
}

// MinClusterZones is the number of availability zones a Multi-AZ DB
// cluster spans: "a writer DB instance and two reader DB instances in
// three separate Availability Zones in the same AWS Region" (RDS User
// Guide, "Multi-AZ DB cluster deployments for Amazon RDS",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts.html).
const MinClusterZones = 3

// RDS Proxy limits (RDS API Reference): DBProxy IdleClientTimeout
// "Default: 1800 (30 minutes) Constraints: 1 to 28,800"
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBProxy.html);
// ConnectionPoolConfiguration MaxConnectionsPercent "Must be between 1 and
// 100", MaxIdleConnectionsPercent "Must be between 0 and the value of
// MaxConnectionsPercent" (default half of MaxConnectionsPercent),
// ConnectionBorrowTimeout "Default: 120" within 0 to 300 (the current API
// reference; the Terraform provider's aws_db_proxy_default_target_group
// validates 0-3600, from an older reference, so the platform holds to the
// narrower range both accept)
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ConnectionPoolConfiguration.html).
//
// The platform starts the idle share and the borrow timeout at 1, not 0:
// the Terraform provider's aws_db_proxy_default_target_group gives
// max_idle_connections_percent "Default: 50" and connection_borrow_timeout
// "Default: 120" (resourceProxyDefaultTargetGroup), and a 0 in an SDK v2
// schema cannot be told apart from no value, so a 0 in the spec would
// render as AWS's default instead.
const (
	MinProxyIdleClientTimeoutSeconds       = 1
	MaxProxyIdleClientTimeoutSeconds       = 28800
	MinProxyMaxConnectionsPercent          = 1
	MaxProxyMaxConnectionsPercent          = 100
	MinProxyMaxIdleConnectionsPercent      = 1
	MinProxyConnectionBorrowTimeoutSeconds = 1
	MaxProxyConnectionBorrowTimeoutSeconds = 300
)

// ProxyIAMAuthRequired is the proxy auth's iamAuth that makes clients
// authenticate with IAM (UserAuthConfig IAMAuth: DISABLED | REQUIRED |
// ENABLED, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_UserAuthConfig.html).
const ProxyIAMAuthRequired = "REQUIRED"
