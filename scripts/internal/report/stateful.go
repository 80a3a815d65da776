package report

// Stateful lists the resource types whose replacement or deletion loses
// data or breaks what depends on them, with the reason shown in the report.
// The gate blocks a replace or delete of any of them unless overridden.
//
// This is the one table of stateful types: add a type here and the report,
// the gate and their tests pick it up.
var Stateful = map[string]string{
	"aws:rds/instance:Instance":        "the RDS instance holds the database: replacing or deleting it loses every write since its last snapshot and changes its endpoint",
	"aws:kms/key:Key":                  "the KMS key encrypts the database storage, snapshots and secret: once deleted, everything it encrypted is unreadable",
	"aws:rds/subnetGroup:SubnetGroup":  "the DB subnet group places the instance: replacing it moves the instance into another network, which forces its replacement",
	"aws:ec2/vpc:Vpc":                  "the VPC holds every subnet, database and application of the environment: replacing it replaces all of them",
	"aws:ec2/subnet:Subnet":            "a subnet holds database or application interfaces: replacing it forces their replacement and changes addresses",
	"aws:cloudwatch/logGroup:LogGroup": "a log group holds the PostgreSQL and flow logs: replacing or deleting it loses their history",
}

// StatefulReason returns why a resource type is stateful, and whether it is.
func StatefulReason(resourceType string) (string, bool) {
	r, ok := Stateful[resourceType]
	return r, ok
}
