package guardrails

import (
	"slices"
	"strings"
)

// The RDS Proxy's role reads the database's master secret from Secrets
// Manager and decrypts it with the key that encrypts it. AWS documents the
// role's policy as secretsmanager:GetSecretValue on the secret and
// kms:Decrypt on the key, the latter bound with kms:ViaService to
// secretsmanager.<region>.amazonaws.com (RDS User Guide, "Configuring IAM
// authentication for RDS Proxy",
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-iam-setup.html;
// kms:ViaService:
// https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service).
// The rules below hold the rendered policy to exactly that, for this
// stack's secret and key.

// ProxySecretAction and ProxyDecryptAction are the only actions the proxy
// role's policy may allow.
const (
	ProxySecretAction  = "secretsmanager:GetSecretValue"
	ProxyDecryptAction = "kms:Decrypt"
)

// ProxyPolicyScope is what the proxy role's rendered policy is checked
// against: the stack's RDS-managed master secret, the stack's KMS key that
// encrypts it, and the stack's region (the Secrets Manager endpoint the key
// may be used through).
type ProxyPolicyScope struct {
	SecretArn string
	KeyArn    string
	Region    string
}

// ViaService is the kms:ViaService value that binds decryption to Secrets
// Manager in the scope's region.
func (s ProxyPolicyScope) ViaService() string {
	return "secretsmanager." + s.Region + ".amazonaws.com"
}

// ProxyPolicyRules are the rules on the rendered permissions policy of the
// RDS Proxy's IAM role.
var ProxyPolicyRules = []PolicyRule{
	{
		ID:          "proxy-role-secret-scoped",
		Sources:     "RDS Proxy IAM setup (RDS User Guide); IAM least privilege",
		Requirement: "the proxy role's policy allows `secretsmanager:GetSecretValue` on exactly the stack's master secret ARN and `kms:Decrypt` on exactly the stack's key ARN, and nothing else: no other or wildcard action, no other resource, no `NotAction` or `NotResource`",
		check: func(sts []Statement, scope PolicyScope) *Violation {
			ps := scope.Proxy
			readsSecret, decrypts := false, false
			for i, s := range sts {
				if s.Effect != "Allow" {
					continue // a Deny only takes away
				}
				key := "proxyRole.policy " + s.name(i)
				if len(s.NotActions) > 0 {
					return &Violation{Key: key + " NotAction", Value: strings.Join(s.NotActions, ","), Want: "Action " + ProxySecretAction + " or " + ProxyDecryptAction + " only: NotAction allows every other action"}
				}
				if len(s.NotResources) > 0 {
					return &Violation{Key: key + " NotResource", Value: strings.Join(s.NotResources, ","), Want: "Resource the stack's secret or key only: NotResource allows every other resource"}
				}
				for _, a := range s.Actions {
					switch {
					case strings.EqualFold(a, ProxySecretAction):
						if !slices.Equal(s.Resources, []string{ps.SecretArn}) {
							return &Violation{Key: key + " Resource", Value: strings.Join(s.Resources, ","), Want: ProxySecretAction + " on the stack's master secret only: " + ps.SecretArn}
						}
						readsSecret = true
					case strings.EqualFold(a, ProxyDecryptAction):
						if !slices.Equal(s.Resources, []string{ps.KeyArn}) {
							return &Violation{Key: key + " Resource", Value: strings.Join(s.Resources, ","), Want: ProxyDecryptAction + " with the stack's key only: " + ps.KeyArn}
						}
						decrypts = true
					default:
						return &Violation{Key: key + " Action", Value: a, Want: "only " + ProxySecretAction + " (on the stack's secret) and " + ProxyDecryptAction + " (with the stack's key), each named exactly"}
					}
				}
			}
			if !readsSecret || !decrypts {
				return &Violation{Key: "proxyRole.policy", Value: "", Want: ProxySecretAction + " on " + ps.SecretArn + " and " + ProxyDecryptAction + " with " + ps.KeyArn + ": without both the proxy cannot read the master secret"}
			}
			return nil
		},
	},
	{
		ID:          "proxy-role-decrypt-via-secrets-manager",
		Sources:     "RDS Proxy IAM setup (RDS User Guide); AWS KMS kms:ViaService",
		Requirement: "every statement of the proxy role's policy that allows `kms:Decrypt` (also through a wildcard) requires `kms:ViaService` = `secretsmanager.<region>.amazonaws.com` of the stack's region (StringEquals), so the key decrypts only the secret, through Secrets Manager",
		check: func(sts []Statement, scope PolicyScope) *Violation {
			want := scope.Proxy.ViaService()
			for i, s := range sts {
				if !s.allows(ProxyDecryptAction) {
					continue
				}
				if v := s.condition("kms:ViaService", "StringEquals"); !slices.Equal(v, []string{want}) {
					return &Violation{Key: "proxyRole.policy " + s.name(i) + " Condition kms:ViaService", Value: strings.Join(v, ","), Want: "StringEquals kms:ViaService = " + want + ": decryption only through Secrets Manager"}
				}
			}
			return nil
		},
	},
}

// CheckProxyPolicy returns the first proxy-role rule the rendered policy
// document breaks, as a *Violation. The proxy component renders the role's
// policy, checks that string with it, and gives the role that same string.
func CheckProxyPolicy(doc string, scope ProxyPolicyScope) error {
	return checkPolicy(ProxyPolicyRules, doc, PolicyScope{Proxy: scope})
}
