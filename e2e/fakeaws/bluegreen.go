package fakeaws

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The provider's blue/green update of an RDS DB instance.
//
// With blue_green_update.enabled, the real provider's Update
// (resourceInstanceUpdate, terraform-provider-aws v6.0.0,
// lonegunmanb/terraform-provider-aws-index commit 4f930f62) sends every
// change except the attributes below through an RDS Blue/Green Deployment,
// not only an engine upgrade: CreateBlueGreenDeployment (with
// TargetEngineVersion and TargetDBParameterGroupName when those changed),
// ModifyDBInstance on the green instance with ApplyImmediately for the
// rest, SwitchoverBlueGreenDeployment, then it turns deletion protection
// off on the old (blue) instance and deletes it with SkipFinalSnapshot,
// and deletes the deployment. After the switchover the green instance has
// the old identifier and endpoint but its own DbiResourceId, which becomes
// the resource's ID and resourceId.
//
// RDS refuses the first step for an instance whose master password it
// manages in Secrets Manager: "Blue/green deployments don't support
// managing master user passwords with AWS Secrets Manager" (RDS User
// Guide, "Limitations and considerations for Amazon RDS blue/green
// deployments",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/blue-green-deployments-considerations.html;
// CreateBlueGreenDeployment's error for an unsupported source is
// SourceDatabaseNotSupportedFault,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateBlueGreenDeployment.html).
// The double refuses it the same way. It does not model the deployment
// itself, which no program of the platform asks for: such an update fails
// loudly, naming this file.

// notBlueGreen are the inputs whose change alone the provider applies
// without a blue/green deployment (resourceInstanceUpdate's
// HasChangesExcept: allow_major_version_upgrade, blue_green_update,
// delete_automated_backups, final_snapshot_identifier, replicate_source_db,
// skip_final_snapshot, tags, tags_all, deletion_protection, password).
var notBlueGreen = map[string]bool{
	"allowMajorVersionUpgrade": true, "blueGreenUpdate": true, "deleteAutomatedBackups": true,
	"finalSnapshotIdentifier": true, "replicateSourceDb": true, "skipFinalSnapshot": true,
	"tags": true, "tagsAll": true, "deletionProtection": true, "password": true,
}

// blueGreenEnabled reports whether inputs ask for blue/green updates.
func blueGreenEnabled(in resource.PropertyMap) bool {
	v := in["blueGreenUpdate"]
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsObject() {
		return false
	}
	e := v.ObjectValue()["enabled"]
	return e.IsBool() && e.BoolValue()
}

// checkBlueGreen refuses an update of an RDS DB instance that the real
// provider would run as a blue/green deployment.
func checkBlueGreen(token string, running, news resource.PropertyMap) error {
	if token != "aws:rds/instance:Instance" || !blueGreenEnabled(news) {
		return nil
	}
	var changed []string
	for _, k := range userKeys(running, news) {
		if !notBlueGreen[k] && !sameValue(running[resource.PropertyKey(k)], news[resource.PropertyKey(k)]) {
			changed = append(changed, k)
		}
	}
	if len(changed) == 0 {
		return nil
	}
	sort.Strings(changed)
	id := Unsecret(Plain(running)["identifier"])
	if m := running["manageMasterUserPassword"]; m.IsBool() && m.BoolValue() {
		return fmt.Errorf("fakeaws: updating RDS DB Instance (%v): creating Blue/Green Deployment for %v: SourceDatabaseNotSupportedFault: "+
			"blue/green deployments don't support managing master user passwords with AWS Secrets Manager", id, changed)
	}
	return fmt.Errorf("fakeaws: updating RDS DB Instance (%v): the provider would run a blue/green deployment for %v, which the double does not model (e2e/fakeaws/bluegreen.go)", id, changed)
}
