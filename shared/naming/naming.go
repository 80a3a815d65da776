package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Prefix starts the names of everything the platform creates, so an operator
// can tell them apart in a shared account.
const Prefix = "pgp"

// Base is the stem of a database stack's names: <app>-<environment>.
func Base(app, environment string) string { return app + "-" + environment }

var identifierPattern = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)

// Digest is a short, stable hex digest of parts.
func Digest(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])[:8]
}

// InstanceIdentifier is the RDS instance identifier of an incarnation:
// <app>-<environment>-<digest>. The digest covers every input that makes AWS
// replace the instance, so a replacement gets a new identifier and Pulumi can
// create it before deleting the old one, and its final snapshot name (derived
// from the identifier) is new as well.
func InstanceIdentifier(app, environment string, replaceInputs ...string) (string, error) {
	id := fmt.Sprintf("%s-%s-%s", app, environment, Digest(replaceInputs...))
	if len(id) > 63 || !identifierPattern.MatchString(id) || strings.Contains(id, "--") {
		return "", fmt.Errorf("instance identifier %q is not valid for RDS: 1-63 lowercase letters, digits and single hyphens, starting with a letter", id)
	}
	return id, nil
}

// FinalSnapshotSuffix is the part of the final snapshot name that tells
// incarnations apart even when an identifier comes back (a change reverted
// after a replacement): the UTC time the incarnation was first planned. The
// program sets it with ignoreChanges, so it is stable across runs and new
// only when the instance is replaced.
func FinalSnapshotSuffix(created time.Time) string {
	return "final-" + created.UTC().Format("20060102-150405")
}

// FinalSnapshotIdentifier is the name of the snapshot RDS takes when an
// incarnation of the instance is deleted.
func FinalSnapshotIdentifier(instanceIdentifier, suffix string) string {
	return instanceIdentifier + "-" + suffix
}

// KeyAlias is the KMS alias of a database stack's key.
func KeyAlias(app, environment string) string {
	return "alias/" + Prefix + "/" + Base(app, environment)
}

// InstanceLogGroup is the CloudWatch log group RDS writes an export to.
func InstanceLogGroup(instanceIdentifier, export string) string {
	return "/aws/rds/instance/" + instanceIdentifier + "/" + export
}

// ClusterIdentifier is the RDS identifier of a Multi-AZ DB cluster
// incarnation: <app>-<environment>-<digest>, as InstanceIdentifier, with
// the digest over every input that makes AWS replace the cluster. The RDS
// API allows 1 to 52 characters for a Multi-AZ DB cluster's identifier
// (CreateDBCluster, DBClusterIdentifier).
func ClusterIdentifier(app, environment string, replaceInputs ...string) (string, error) {
	id := fmt.Sprintf("%s-%s-%s", app, environment, Digest(replaceInputs...))
	if len(id) > 52 || !identifierPattern.MatchString(id) || strings.Contains(id, "--") {
		return "", fmt.Errorf("cluster identifier %q is not valid for RDS: 1-52 lowercase letters, digits and single hyphens, starting with a letter", id)
	}
	return id, nil
}

// ClusterLogGroup is the CloudWatch log group RDS writes a Multi-AZ DB
// cluster's export to: /aws/rds/cluster/<cluster>/<log type> (RDS User
// Guide, "Publishing PostgreSQL logs to Amazon CloudWatch Logs",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_LogAccess.Concepts.PostgreSQL.html#USER_LogAccess.Concepts.PostgreSQL.PublishtoCloudWatchLogs).
func ClusterLogGroup(clusterIdentifier, export string) string {
	return "/aws/rds/cluster/" + clusterIdentifier + "/" + export
}
