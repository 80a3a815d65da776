package verify

import (
	"time"

	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// settings are the database settings the spec checks read, the same for a
// DB instance and a Multi-AZ DB cluster: the fields carry the names of
// rdstypes.DBInstance, and a DBCluster reports each under the same name
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBCluster.html),
// except the CA, which a cluster reports in CertificateDetails.
type settings struct {
	// kind is "instance" or "cluster", for messages.
	kind                               string
	DBInstanceStatus                   *string
	StorageEncrypted                   *bool
	KmsKeyId                           *string
	PubliclyAccessible                 *bool
	BackupRetentionPeriod              *int32
	PreferredBackupWindow              *string
	LatestRestorableTime               *time.Time
	DeletionProtection                 *bool
	IAMDatabaseAuthenticationEnabled   *bool
	PerformanceInsightsEnabled         *bool
	PerformanceInsightsKMSKeyId        *string
	PerformanceInsightsRetentionPeriod *int32
	EnabledCloudwatchLogsExports       []string
	Engine                             *string
	EngineVersion                      *string
	MonitoringInterval                 *int32
	MonitoringRoleArn                  *string
	CACertificateIdentifier            *string
	// PendingModifiedValues holds the pending engine version and CA, the
	// two the checks read.
	PendingModifiedValues *rdstypes.PendingModifiedValues
}

func instanceSettings(i rdstypes.DBInstance) settings {
	return settings{
		kind: "instance", DBInstanceStatus: i.DBInstanceStatus,
		StorageEncrypted: i.StorageEncrypted, KmsKeyId: i.KmsKeyId, PubliclyAccessible: i.PubliclyAccessible,
		BackupRetentionPeriod: i.BackupRetentionPeriod, PreferredBackupWindow: i.PreferredBackupWindow,
		LatestRestorableTime: i.LatestRestorableTime, DeletionProtection: i.DeletionProtection,
		IAMDatabaseAuthenticationEnabled: i.IAMDatabaseAuthenticationEnabled,
		PerformanceInsightsEnabled:       i.PerformanceInsightsEnabled, PerformanceInsightsKMSKeyId: i.PerformanceInsightsKMSKeyId,
		PerformanceInsightsRetentionPeriod: i.PerformanceInsightsRetentionPeriod,
		EnabledCloudwatchLogsExports:       i.EnabledCloudwatchLogsExports,
		Engine:                             i.Engine, EngineVersion: i.EngineVersion,
		MonitoringInterval: i.MonitoringInterval, MonitoringRoleArn: i.MonitoringRoleArn,
		CACertificateIdentifier: i.CACertificateIdentifier, PendingModifiedValues: i.PendingModifiedValues,
	}
}

// clusterSettings reads a Multi-AZ DB cluster's settings. A change that
// waits for the maintenance window is in ClusterPendingModifiedValues
// (EngineVersion, CertificateDetails;
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ClusterPendingModifiedValues.html).
func clusterSettings(c rdstypes.DBCluster) settings {
	s := settings{
		kind: "cluster", DBInstanceStatus: c.Status,
		StorageEncrypted: c.StorageEncrypted, KmsKeyId: c.KmsKeyId, PubliclyAccessible: c.PubliclyAccessible,
		BackupRetentionPeriod: c.BackupRetentionPeriod, PreferredBackupWindow: c.PreferredBackupWindow,
		LatestRestorableTime: c.LatestRestorableTime, DeletionProtection: c.DeletionProtection,
		IAMDatabaseAuthenticationEnabled: c.IAMDatabaseAuthenticationEnabled,
		PerformanceInsightsEnabled:       c.PerformanceInsightsEnabled, PerformanceInsightsKMSKeyId: c.PerformanceInsightsKMSKeyId,
		PerformanceInsightsRetentionPeriod: c.PerformanceInsightsRetentionPeriod,
		EnabledCloudwatchLogsExports:       c.EnabledCloudwatchLogsExports,
		Engine:                             c.Engine, EngineVersion: c.EngineVersion,
		MonitoringInterval: c.MonitoringInterval, MonitoringRoleArn: c.MonitoringRoleArn,
	}
	if c.CertificateDetails != nil {
		s.CACertificateIdentifier = c.CertificateDetails.CAIdentifier
	}
	if p := c.PendingModifiedValues; p != nil {
		pm := &rdstypes.PendingModifiedValues{EngineVersion: p.EngineVersion}
		if p.CertificateDetails != nil {
			pm.CACertificateIdentifier = p.CertificateDetails.CAIdentifier
		}
		s.PendingModifiedValues = pm
	}
	return s
}
