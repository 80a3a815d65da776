package fakeaws

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Cross-Region automated backup replication, modelled from the Terraform
// resource pulumi-aws bridges as aws.rds.InstanceAutomatedBackupsReplication:
//
//	[TF] lonegunmanb/terraform-provider-aws-index,
//	     index/internal/service/rds/func.resourceInstanceAutomatedBackupsReplication.goindex
//	     (schema) and ...Create.goindex (create).
//	[API] StartDBInstanceAutomatedBackupsReplication,
//	     https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_StartDBInstanceAutomatedBackupsReplication.html
const backupsReplicationTok = "aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication"

func init() { types[backupsReplicationTok] = backupsReplicationType() }

func backupsReplicationType() resourceType {
	return resourceType{
		// [TF] every argument is ForceNew and the resource has no Update:
		// any change replaces it.
		Replace: []string{"kmsKeyId", "preSignedUrl", "retentionPeriod", "sourceDbInstanceArn"},
		// [TF] retention_period: TypeInt, Optional, ForceNew, Default 7.
		Defaults: map[string]any{"retentionPeriod": 7.0},
		// [TF] source_db_instance_arn and kms_key_id: ValidateFunc
		// verify.ValidARN (a key ID or alias is refused at Check).
		Validate: func(in resource.PropertyMap) []failure {
			var out []failure
			if _, ok := plainInput(in, "sourceDbInstanceArn"); !ok {
				out = append(out, failure{"sourceDbInstanceArn", `Missing required argument: The argument "source_db_instance_arn" is required, but no definition was found.`})
			}
			out = append(out, validARN(in, "sourceDbInstanceArn")...)
			return append(out, validARN(in, "kmsKeyId")...)
		},
		// [TF] d.SetId(output.DBInstanceAutomatedBackup.DBInstanceAutomatedBackupsArn).
		// The ARN's resource part (auto-backup:ab-<id>) is the double's
		// shape, not a sourced one.
		ID: func(c *comp) string { return c.arn("rds", "auto-backup:ab-"+c.hexID("", 26)) },
		Outputs: func(c *comp) {
			// [TF] kms_key_id is Computed: AWS reports the key it used.
			c.fill("kmsKeyId", func() any { return "" })
		},
		CheckCreate: checkBackupsReplication,
		// [TF] Delete calls StopDBInstanceAutomatedBackupsReplication.
		CheckDelete: func(map[string]any, *records) (string, error) {
			return "StopDBInstanceAutomatedBackupsReplication", nil
		},
	}
}

// checkBackupsReplication refuses a start the way the API does, with its
// documented errors ([API] Errors): the source DB instance must exist
// (DBInstanceNotFound), in another Region than the call, which is made in
// the destination Region ("Enables replication of automated backups to a
// different AWS Region", [API]; "This resource has to be created in the
// destination region", pulumi-aws docs; the error code of a same-Region
// call is not documented, InvalidParameterValue is the double's); it must have automated backups on
// (InvalidDBInstanceState; terraform-aws-rds's replication example notes
// "Backups are required for replication"); and the KMS key must be "the
// KMS encryption key in the destination AWS Region" ([API] KmsKeyId), an
// existing key of the double there (KMSKeyNotAccessible).
func checkBackupsReplication(c *comp, r *records) error {
	src := c.str("sourceDbInstanceArn")
	var inst *Record
	for i := range r.Resources {
		rec := &r.Resources[i]
		if rec.Type == "aws:rds/instance:Instance" && Unsecret(rec.Outputs["arn"]) == src {
			inst = rec
		}
	}
	switch {
	case inst == nil:
		return fmt.Errorf("fakeaws: RDS refuses to start backup replication in %s: DBInstanceNotFound: DB instance %s not found", c.region, src)
	case inst.Region == c.region:
		return fmt.Errorf("fakeaws: RDS refuses to start backup replication in %s: InvalidParameterValue: the source DB instance %s is in the same Region; replication is started in the destination Region", c.region, src)
	}
	if n, _ := inst.Outputs["backupRetentionPeriod"].(float64); n < 1 {
		return fmt.Errorf("fakeaws: RDS refuses to start backup replication of %s: InvalidDBInstanceState: automated backups are off (backupRetentionPeriod %v)", src, inst.Outputs["backupRetentionPeriod"])
	}
	key := c.str("kmsKeyId")
	if key == "" {
		return nil
	}
	for _, rec := range r.Resources {
		if rec.Type == "aws:kms/key:Key" && Unsecret(rec.Outputs["arn"]) == key {
			if rec.Region != c.region {
				return fmt.Errorf("fakeaws: RDS refuses to start backup replication in %s: KMSKeyNotAccessible: key %s is in %s, not in the destination Region", c.region, key, rec.Region)
			}
			return nil
		}
	}
	return fmt.Errorf("fakeaws: RDS refuses to start backup replication in %s: KMSKeyNotAccessible: key %s not found", c.region, key)
}
