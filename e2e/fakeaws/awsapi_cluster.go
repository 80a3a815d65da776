package fakeaws

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// The AWS API side of the double for Multi-AZ DB clusters and RDS Proxy
// (awsapi.go has the protocol): DescribeDBClusters, FailoverDBCluster and
// DescribeDBProxyTargets, from the records the provider double writes. The
// element names are the RDS API Reference's data types (DBCluster,
// DBClusterMember, ClusterPendingModifiedValues, DBProxyTarget,
// TargetHealth) and aws-sdk-go-v2 service/rds v1.133.0's schema
// (schemas/schemas.go: DBClusterList members "DBCluster",
// DBClusterMemberList "DBClusterMember", AvailabilityZones
// "AvailabilityZone", TargetList and LogTypeList "member").

func init() {
	rdsActions["DescribeDBClusters"] = (*APIServer).describeDBClusters
	rdsActions["FailoverDBCluster"] = (*APIServer).failoverDBCluster
	rdsActions["DescribeDBProxyTargets"] = (*APIServer).describeDBProxyTargets
}

// clusterWriter is the cluster's writer: its first member until a failover
// moved it (records.Writers).
func clusterWriter(rec Record, all *records) string {
	if w, ok := all.Writers[rec.ID]; ok {
		return w
	}
	return clusterMemberIDs(rec.ID)[0]
}

// clusterMemberZone is the zone of the cluster's nth member: one member in
// each of the cluster's three zones ([DOC] multi-az-db-clusters-concepts:
// "a writer DB instance and two reader DB instances in three separate
// Availability Zones").
func clusterMemberZone(rec Record, n int) string {
	zs := list(rec.Outputs["availabilityZones"])
	if n < len(zs) {
		return apiStr(zs[n])
	}
	return ""
}

// findCluster finds a cluster of the request's region by identifier or
// ARN; the identifier "isn't case-sensitive" (FailoverDBCluster) and is
// "stored as a lowercase string" (CreateDBCluster).
func (s *APIServer) findCluster(q query, id string) (Record, *records, error) {
	recs, all, err := s.inRegion(q, clusterTok)
	if err != nil {
		return Record{}, nil, err
	}
	for _, rec := range recs {
		if apiStr(rec.Outputs["clusterIdentifier"]) == strings.ToLower(id) || apiStr(rec.Outputs["arn"]) == id {
			return rec, all, nil
		}
	}
	return Record{}, all, &apiError{status: http.StatusNotFound, code: "DBClusterNotFoundFault",
		message: "DBCluster " + id + " not found."}
}

// DescribeDBClusters
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusters.html):
// DBClusterIdentifier takes the identifier or the ARN; an unknown one is
// DBClusterNotFoundFault.
func (s *APIServer) describeDBClusters(q query) (any, error) {
	if err := q.only("DescribeDBClusters", "DBClusterIdentifier", "MaxRecords", "Marker"); err != nil {
		return nil, err
	}
	var out []xmlDBCluster
	if id := q.get("DBClusterIdentifier"); id != "" {
		rec, all, err := s.findCluster(q, id)
		if err != nil {
			return nil, err
		}
		out = append(out, dbCluster(rec, all))
	} else {
		recs, all, err := s.inRegion(q, clusterTok)
		if err != nil {
			return nil, err
		}
		for _, rec := range recs {
			out = append(out, dbCluster(rec, all))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DBClusterIdentifier < out[j].DBClusterIdentifier })
	items, marker, err := page(q, out)
	if err != nil {
		return nil, err
	}
	return struct {
		Clusters []xmlDBCluster `xml:"DBClusters>DBCluster"`
		Marker   string         `xml:"Marker,omitempty"`
	}{items, marker}, nil
}

// FailoverDBCluster
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_FailoverDBCluster.html):
// "For a Multi-AZ DB cluster, after RDS terminates the primary DB instance,
// the internal monitoring system detects that the primary DB instance is
// unhealthy and promotes a readable standby (read replica)";
// TargetDBInstanceIdentifier names "a Multi-AZ readable standby in the DB
// cluster" ("isn't supported for RDS for MySQL Multi-AZ DB clusters"). The
// writer moves to that standby, in its own zone; without one the double
// promotes the next member (AWS promotes the standby with the most recent
// change record, which the double does not model). The answer is the
// cluster after the failover; the double completes it at once.
func (s *APIServer) failoverDBCluster(q query) (any, error) {
	if err := q.only("FailoverDBCluster", "DBClusterIdentifier", "TargetDBInstanceIdentifier"); err != nil {
		return nil, err
	}
	id := q.get("DBClusterIdentifier")
	if id == "" {
		return nil, invalidParam("DBClusterIdentifier is required")
	}
	var result xmlDBCluster
	err := s.store.update(func(r *records) error {
		var rec Record
		found := false
		for _, x := range r.Resources {
			if x.Type == clusterTok && x.Region == q.region &&
				(apiStr(x.Outputs["clusterIdentifier"]) == strings.ToLower(id) || apiStr(x.Outputs["arn"]) == id) {
				rec, found = x, true
			}
		}
		if !found {
			return &apiError{status: http.StatusNotFound, code: "DBClusterNotFoundFault", message: "DBCluster " + id + " not found."}
		}
		members, writer := clusterMemberIDs(rec.ID), clusterWriter(rec, r)
		target := q.get("TargetDBInstanceIdentifier")
		switch {
		case target != "" && apiStr(rec.Inputs["engine"]) == "mysql":
			return invalidParam("TargetDBInstanceIdentifier isn't supported for RDS for MySQL Multi-AZ DB clusters")
		case target != "" && !slices.Contains(members, target):
			return invalidParam("TargetDBInstanceIdentifier %s is not a DB instance of the DB cluster %s (its members are %s)",
				target, rec.ID, strings.Join(members, ", "))
		case target == writer:
			return invalidParam("TargetDBInstanceIdentifier %s is already the writer of the DB cluster %s: name a readable standby", target, rec.ID)
		case target == "":
			target = members[(slices.Index(members, writer)+1)%len(members)]
		}
		if r.Writers == nil {
			r.Writers = map[string]string{}
		}
		r.Writers[rec.ID] = target
		result = dbCluster(rec, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return struct {
		Cluster xmlDBCluster `xml:"DBCluster"`
	}{result}, nil
}

// DescribeDBProxyTargets
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBProxyTargets.html):
// DBProxyName is required (DBProxyNotFoundFault for an unknown one),
// TargetGroupName defaults to the default group.
//
// A DB instance target is one RDS_INSTANCE row with Role READ_WRITE. A
// Multi-AZ DB cluster target is its TRACKED_CLUSTER row and an
// RDS_INSTANCE row per member, READ_WRITE for the writer and READ_ONLY for
// the readers: read by analogy with Aurora (the DBProxyTarget data type's
// TrackedClusterId "when the target represents an Aurora DB cluster"); no
// source read says how a Multi-AZ DB cluster's targets are listed
// (e2e/README.md, open questions). Every target is AVAILABLE: the double
// does not model the proxy's connections (TargetHealth State).
func (s *APIServer) describeDBProxyTargets(q query) (any, error) {
	if err := q.only("DescribeDBProxyTargets", "DBProxyName", "TargetGroupName", "MaxRecords", "Marker"); err != nil {
		return nil, err
	}
	proxy := q.get("DBProxyName")
	if proxy == "" {
		return nil, invalidParam("DBProxyName is required")
	}
	group := q.get("TargetGroupName")
	if group == "" {
		group = "default"
	}
	var out []xmlProxyTarget
	err := s.store.view(func(r *records) error {
		if _, err := findProxy(r, q.region, proxy); err != nil {
			return &apiError{status: http.StatusNotFound, code: "DBProxyNotFoundFault",
				message: "The specified proxy name " + proxy + " doesn't correspond to a proxy owned by your account in " + q.region + "."}
		}
		for _, t := range proxyTargetsOf(r, q.region, proxy) {
			if apiStr(t.Outputs["targetGroupName"]) != group {
				continue
			}
			row := xmlProxyTarget{
				TargetArn: apiStr(t.Outputs["targetArn"]), Endpoint: apiStr(t.Outputs["endpoint"]),
				TrackedClusterID: apiStr(t.Outputs["trackedClusterId"]), RdsResourceID: apiStr(t.Outputs["rdsResourceId"]),
				Port: integer(t.Outputs["port"]), Type: apiStr(t.Outputs["type"]), Health: &xmlTargetHealth{State: "AVAILABLE"},
			}
			if row.Type == "RDS_INSTANCE" {
				row.Role = "READ_WRITE"
				out = append(out, row)
				continue
			}
			out = append(out, row)
			i, ok := r.find(clusterTok, row.RdsResourceID)
			if !ok {
				continue
			}
			c := r.Resources[i]
			writer := clusterWriter(c, r)
			for _, m := range clusterMemberIDs(c.ID) {
				role := "READ_ONLY"
				if m == writer {
					role = "READ_WRITE"
				}
				out = append(out, xmlProxyTarget{
					TargetArn: strings.Replace(apiStr(c.Outputs["arn"]), ":cluster:"+c.ID, ":db:"+m, 1),
					Endpoint:  m + ".c0ffee." + c.Region + ".rds.amazonaws.com", TrackedClusterID: c.ID, RdsResourceID: m,
					Port: integer(c.Outputs["port"]), Type: "RDS_INSTANCE", Role: role, Health: &xmlTargetHealth{State: "AVAILABLE"},
				})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, marker, err := page(q, out)
	if err != nil {
		return nil, err
	}
	return struct {
		Targets []xmlProxyTarget `xml:"Targets>member"`
		Marker  string           `xml:"Marker,omitempty"`
	}{items, marker}, nil
}

// dbCluster renders a record as the DBCluster data type
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBCluster.html):
// running values from the inputs, EngineVersion pending in
// PendingModifiedValues.
func dbCluster(rec Record, all *records) xmlDBCluster {
	in, out := Unsecret(rec.Inputs).(map[string]any), Unsecret(rec.Outputs).(map[string]any)
	d := xmlDBCluster{
		DBClusterIdentifier: rec.ID, DBClusterArn: apiStr(out["arn"]), DbClusterResourceID: apiStr(out["clusterResourceId"]),
		Status: "available", Engine: apiStr(in["engine"]), EngineVersion: apiStr(out["engineVersionActual"]),
		Endpoint: apiStr(out["endpoint"]), ReaderEndpoint: apiStr(out["readerEndpoint"]), Port: integer(out["port"]),
		MultiAZ: true, DBClusterInstanceClass: apiStr(in["dbClusterInstanceClass"]), StorageType: apiStr(out["storageType"]),
		Iops: integer(in["iops"]), AllocatedStorage: integer(in["allocatedStorage"]),
		StorageEncrypted: in["storageEncrypted"] == true, KmsKeyID: apiStr(out["kmsKeyId"]),
		MasterUsername: apiStr(in["masterUsername"]), DatabaseName: apiStr(in["databaseName"]),
		DeletionProtection: in["deletionProtection"] == true, BackupRetentionPeriod: integer(out["backupRetentionPeriod"]),
		PreferredBackupWindow:            apiStr(in["preferredBackupWindow"]),
		PreferredMaintenanceWindow:       apiStr(in["preferredMaintenanceWindow"]),
		IAMDatabaseAuthenticationEnabled: in["iamDatabaseAuthenticationEnabled"] == true,
		PerformanceInsightsEnabled:       in["performanceInsightsEnabled"] == true,
		MonitoringInterval:               integer(in["monitoringInterval"]),
		DBClusterParameterGroup:          apiStr(in["dbClusterParameterGroupName"]),
		DBSubnetGroup:                    apiStr(in["dbSubnetGroupName"]),
	}
	for _, z := range list(out["availabilityZones"]) {
		d.AvailabilityZones = append(d.AvailabilityZones, apiStr(z))
	}
	for _, l := range list(in["enabledCloudwatchLogsExports"]) {
		d.LogExports = append(d.LogExports, apiStr(l))
	}
	for _, sg := range list(in["vpcSecurityGroupIds"]) {
		d.SecurityGroups = append(d.SecurityGroups, xmlVpcSG{ID: apiStr(sg), Status: "active"})
	}
	writer := clusterWriter(rec, all)
	for _, m := range clusterMemberIDs(rec.ID) {
		d.Members = append(d.Members, xmlClusterMember{DBInstanceIdentifier: m, IsClusterWriter: m == writer,
			ParameterGroupStatus: "in-sync"})
	}
	if secrets := list(out["masterUserSecrets"]); len(secrets) > 0 {
		m, _ := secrets[0].(map[string]any)
		d.MasterUserSecret = &xmlMasterUserSecret{SecretArn: apiStr(m["secretArn"]), SecretStatus: apiStr(m["secretStatus"]), KmsKeyID: apiStr(m["kmsKeyId"])}
	}
	if v, ok := rec.Pending["engineVersion"]; ok {
		d.Pending = &xmlFields{{Name: "EngineVersion", Value: apiStr(v)}}
	}
	return d
}

type xmlClusterMember struct {
	DBInstanceIdentifier string
	IsClusterWriter      bool
	ParameterGroupStatus string `xml:"DBClusterParameterGroupStatus"`
}

type xmlDBCluster struct {
	DBClusterIdentifier              string
	DBClusterArn                     string
	DbClusterResourceID              string `xml:"DbClusterResourceId"`
	Status                           string
	Engine                           string
	EngineVersion                    string
	Endpoint                         string
	ReaderEndpoint                   string
	Port                             int
	MultiAZ                          bool
	AvailabilityZones                []string `xml:"AvailabilityZones>AvailabilityZone"`
	DBClusterInstanceClass           string
	StorageType                      string `xml:",omitempty"`
	Iops                             int    `xml:",omitempty"`
	AllocatedStorage                 int
	StorageEncrypted                 bool
	KmsKeyID                         string `xml:"KmsKeyId,omitempty"`
	MasterUsername                   string `xml:",omitempty"`
	DatabaseName                     string `xml:",omitempty"`
	DeletionProtection               bool
	BackupRetentionPeriod            int
	PreferredBackupWindow            string `xml:",omitempty"`
	PreferredMaintenanceWindow       string `xml:",omitempty"`
	IAMDatabaseAuthenticationEnabled bool
	PerformanceInsightsEnabled       bool
	MonitoringInterval               int
	LogExports                       []string             `xml:"EnabledCloudwatchLogsExports>member"`
	DBClusterParameterGroup          string               `xml:",omitempty"`
	DBSubnetGroup                    string               `xml:",omitempty"`
	SecurityGroups                   []xmlVpcSG           `xml:"VpcSecurityGroups>VpcSecurityGroupMembership"`
	Members                          []xmlClusterMember   `xml:"DBClusterMembers>DBClusterMember"`
	MasterUserSecret                 *xmlMasterUserSecret `xml:",omitempty"`
	Pending                          *xmlFields           `xml:"PendingModifiedValues,omitempty"`
}

type xmlTargetHealth struct {
	State string
}

type xmlProxyTarget struct {
	TargetArn        string
	Endpoint         string `xml:",omitempty"`
	TrackedClusterID string `xml:"TrackedClusterId,omitempty"`
	RdsResourceID    string `xml:"RdsResourceId"`
	Port             int
	Type             string
	Role             string           `xml:",omitempty"`
	Health           *xmlTargetHealth `xml:"TargetHealth,omitempty"`
}

// clusterMemberInstances renders the writer and readers of the region's
// Multi-AZ DB clusters as DescribeDBInstances returns them (only the one
// named id, when id is set): [API] DBClusterMember has no zone, so a
// member's AvailabilityZone is read from DescribeDBInstances
// (DBInstance.AvailabilityZone, DBInstance.DBClusterIdentifier). Each
// member is in its own zone of the cluster's three (clusterMemberZone);
// class, storage and engine are the cluster's. What the double does not
// know of a member (its auto minor version upgrade, monitoring, Performance
// Insights) is left at the zero value.
func clusterMemberInstances(region, id string, all *records) []xmlDBInstance {
	var out []xmlDBInstance
	for _, rec := range all.Resources {
		if rec.Type != clusterTok || rec.Region != region {
			continue
		}
		in, o := Unsecret(rec.Inputs).(map[string]any), Unsecret(rec.Outputs).(map[string]any)
		for n, m := range clusterMemberIDs(rec.ID) {
			arn := strings.Replace(apiStr(o["arn"]), ":cluster:"+rec.ID, ":db:"+m, 1)
			if id != "" && id != m && id != arn {
				continue
			}
			out = append(out, xmlDBInstance{
				DBInstanceIdentifier: m, DBInstanceArn: arn, DBClusterIdentifier: rec.ID,
				AvailabilityZone: clusterMemberZone(rec, n), DBInstanceClass: apiStr(in["dbClusterInstanceClass"]),
				Engine: apiStr(in["engine"]), EngineVersion: apiStr(o["engineVersionActual"]), DBInstanceStatus: "available",
				AllocatedStorage: integer(in["allocatedStorage"]), StorageType: apiStr(o["storageType"]), Iops: integer(in["iops"]),
				StorageEncrypted: in["storageEncrypted"] == true, KmsKeyID: apiStr(o["kmsKeyId"]),
				DbiResourceID:         memberResourceID(rec.Region, m),
				Endpoint:              &xmlEndpoint{Address: m + ".c0ffee." + rec.Region + ".rds.amazonaws.com", Port: integer(o["port"])},
				BackupRetentionPeriod: integer(o["backupRetentionPeriod"]),
			})
		}
	}
	return out
}

// memberResourceID is a stable DbiResourceId for a cluster member, in the
// shape of the instance's (db- and 26 upper-case letters and digits).
func memberResourceID(region, member string) string {
	h := sha256.Sum256([]byte(region + "\x00" + member))
	return "db-" + strings.ToUpper(base32ish(hex.EncodeToString(h[:]), 26))
}
