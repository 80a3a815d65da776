package postgres

import (
	"fmt"

	"github.com/pgplatform/platform/shared/iamdoc"
)

// ProxyService is the service principal that assumes the RDS Proxy's role:
// the role is created for the "RDS" use case (RDS User Guide, "Configuring
// IAM authentication for RDS Proxy",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-iam-setup.html).
const ProxyService = "rds.amazonaws.com"

// proxySourceArn is what the proxy role's trust binds aws:SourceArn to:
// the DB proxies of this account and Region,
// arn:<partition>:rds:<region>:<account>:db-proxy:*. A proxy's ARN holds an
// ID RDS gives it (db-proxy:prx-...), not its name, and the role must exist
// before the proxy (the proxy's roleArn), so the trust cannot name the one
// proxy; it names the resource type of this account and Region.
//
// Open question: the RDS User Guide recommends aws:SourceArn and
// aws:SourceAccount against the confused deputy
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/cross-service-confused-deputy-prevention.html),
// but the RDS Proxy pages do not say that RDS sends either key when it
// assumes the proxy's role. If it sent neither, this trust would refuse
// the proxy; the e2e double cannot tell.
func proxySourceArn(partition, region, account string) string {
	return fmt.Sprintf("arn:%s:rds:%s:%s:db-proxy:*", partition, region, account)
}

// proxyTrust lets only RDS, acting for this account and this account's
// proxies in the Region, assume the proxy's role.
func proxyTrust(account, sourceArn string) (string, error) {
	return iamdoc.ServiceTrust("the proxy trust policy", ProxyService, account, "ArnLike", sourceArn)
}

// proxyPolicy is the proxy role's permissions policy, as the RDS User
// Guide's "Configuring IAM authentication for RDS Proxy" has it
// (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-iam-setup.html):
// secretsmanager:GetSecretValue on the secret the proxy logs in with (here
// only the stack's RDS-managed master secret) and kms:Decrypt with the key
// that encrypts it (the stack's key), only through Secrets Manager in the
// stack's Region (kms:ViaService,
// https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service).
//
// The key policy needs no statement of its own for the role: it already
// lets principals of the account use the key through Secrets Manager for
// the account's secrets (keyPolicy, SecretsManagerForThisAccountsSecrets),
// and a key policy that allows the account enables IAM policies of the
// account to grant that use (AWS KMS Developer Guide, "Allows access to the
// AWS account and enables IAM policies",
// https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam),
// which this policy does for the one key, through Secrets Manager only.
func proxyPolicy(region, secretArn, keyArn string) (string, error) {
	return iamdoc.Encode("the proxy role policy",
		iamdoc.Statement{
			"Sid":      "ReadThisStacksMasterSecret",
			"Effect":   "Allow",
			"Action":   "secretsmanager:GetSecretValue",
			"Resource": secretArn,
		},
		iamdoc.Statement{
			"Sid":       "DecryptItThroughSecretsManager",
			"Effect":    "Allow",
			"Action":    "kms:Decrypt",
			"Resource":  keyArn,
			"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + region + ".amazonaws.com"}},
		},
	)
}
