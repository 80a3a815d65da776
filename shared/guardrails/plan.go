// Package guardrails enforces the platform's security and reliability rules
// (docs/guardrails.md) in code. Each program first turns its validated
// config into a plan: the plain-Go settings it is about to give its
// resources. The rules are checked on that plan before any resource is
// declared, and the program then renders the plan into resource inputs
// mechanically, so what is checked is what is deployed.
package guardrails

import "github.com/pgplatform/platform/shared/config"

// Parameter is one entry of the database parameter group.
type Parameter struct {
	Name        string
	Value       string
	ApplyMethod string // "immediate" or "pending-reboot"
}

// Ingress is one source the database security group admits.
type Ingress struct {
	// Exactly one of CIDR and SecurityGroupID is set.
	CIDR            string
	SecurityGroupID string
	// FromApps marks the network's application subnet CIDRs, which are
	// known only once the network stack is read.
	FromApps bool
	Port     int
}

// Database is the plan of a database stack.
type Database struct {
	Tier config.Tier
	// Key is the customer-managed KMS key of the stack.
	KeyRotation bool
	// Protect is Pulumi's protect option on the instance.
	Protect  bool
	Instance Instance
	// ParameterGroupName is a fixed physical name; empty means auto-named.
	ParameterGroupName string
	ParameterFamily    string
	// PreviousParameterFamily is the family of the engine major before
	// ParameterFamily, whose group the stack keeps next to the current one
	// (database/postgres parameterGroup): an instance still running, or
	// waiting for its window on, the previous major keeps using it, so a
	// major upgrade never has to delete a group in use. Empty when that
	// major is older than config.MinEngineMajor.
	PreviousParameterFamily string
	Parameters              []Parameter
	// Monitoring role: the service its trust policy names and the managed
	// policy attached to it. The trust policy itself names the account and
	// instance too, known only once the program runs: the component renders
	// it, checks that string with CheckTrustPolicy and gives the role that
	// same string (database/postgres monitoringRole).
	MonitoringTrustService string
	MonitoringPolicy       string
	// Log groups declared for the instance's exports, and the kmsKeyId
	// input each gets (a key reference, see StackKey).
	LogGroupRetentionDays int
	LogGroupKmsKeyID      string
	// Security group.
	Ingress []Ingress
	// Alarm topic's kmsMasterKeyId input (a key reference, see StackKey),
	// its subscribers and the RDS event subscriptions.
	TopicKmsMasterKeyID string
	EventSubscriptions  []EventSubscription
	// AlarmSubscriptions are the alarm topic's subscriptions, one
	// sns.TopicSubscription each, rendered from this list.
	AlarmSubscriptions []Subscription
}

// StackKey is the key reference a plan gives a resource's KMS key input
// to mean the stack's own customer-managed key; the component passes that
// key's ARN for it (database/postgres keyInput). A reference left empty
// leaves the input unset, so AWS uses its managed key; any other reference
// (a key ARN, id or alias) is passed to the provider as written. The rules
// read the reference, so what they check is what the resource gets.
const StackKey = "the stack's key"

// MonitoringService is the service principal that assumes the enhanced
// monitoring role.
const MonitoringService = "monitoring.rds.amazonaws.com"

// EventSubscription is one RDS event subscription to the alarm topic: the
// source type (its source is the stack's own instance or parameter group)
// and the categories.
type EventSubscription struct {
	SourceType string
	Categories []string
}

// Subscription is one subscriber of the alarm topic.
type Subscription struct {
	Protocol string
	Endpoint string
}

// Instance holds the RDS instance settings that the rules look at.
type Instance struct {
	Engine                           string
	EngineVersion                    string
	InstanceClass                    string
	StorageType                      string
	AllocatedStorageGb               int
	MaxAllocatedStorageGb            int
	PubliclyAccessible               bool
	StorageEncrypted                 bool
	KmsKeyID                         string // key reference (StackKey) of the storage
	MultiAZ                          bool
	AvailabilityZone                 string
	BackupRetentionDays              int
	BackupWindow                     string
	MaintenanceWindow                string
	DeletionProtection               bool
	SkipFinalSnapshot                bool
	FinalSnapshotIdentifier          string
	ManageMasterUserPassword         bool
	MasterUserSecretKmsKeyID         string // key reference (StackKey) of the master secret
	Password                         string
	MasterUsername                   string
	IAMAuth                          bool
	MonitoringInterval               int
	PerformanceInsights              bool
	PerformanceInsightsKmsKeyID      string // key reference (StackKey) of Performance Insights
	PerformanceInsightsRetentionDays int
	LogExports                       []string
	AutoMinorVersionUpgrade          bool
	CACertIdentifier                 string
	CopyTagsToSnapshot               bool
}

// Network is the plan of a network stack.
type Network struct {
	Tier            config.Tier
	VpcCidr         string
	AZs             []string
	DatabaseSubnets []string
	AppSubnets      []string
	// DatabaseRoutesToGateway counts routes from the database route tables
	// to an internet or NAT gateway.
	DatabaseRoutesToGateway int
	// DefaultSecurityGroupRules counts the rules left on the VPC's default
	// security group.
	DefaultSecurityGroupRules int
	FlowLogs                  bool
	FlowLogRetentionDays      int
	// FlowLogRoleActions and FlowLogRoleResources are the one statement
	// of the flow-log role's policy as the program renders it, with
	// FlowLogGroupArn standing for the flow-log group's ARN.
	FlowLogRoleActions   []string
	FlowLogRoleResources []string
}
