package naming

import (
	"fmt"
	"slices"
	"strings"
)

// The RDS Proxy's names. The provider replaces a proxy when its
// vpc_subnet_ids change and a proxy endpoint when its name, proxy, target
// role or vpc_subnet_ids change (ForceNew in the Terraform AWS provider's
// aws_db_proxy and aws_db_proxy_endpoint schemas, v6.0.0). Both names are
// unique per account and Region (CreateDBProxy DBProxyAlreadyExistsFault,
// CreateDBProxyEndpoint DBProxyEndpointAlreadyExistsFault), so each name
// carries a digest of the inputs that force its replacement: a replacement
// gets a new name, and Pulumi can create it before it deletes the old one.
// Names follow the provider's validIdentifier: a lowercase letter first,
// then lowercase letters, digits and single hyphens, no hyphen at the end.

// ProxyName is the name of a stack's RDS Proxy:
// <app>-<environment>-proxy-<digest of the subnets>. The subnet IDs are a
// set to the provider, so their order does not change the name.
func ProxyName(app, environment string, subnetIDs []string) (string, error) {
	return proxyIdentifier(fmt.Sprintf("%s-%s-proxy-%s", app, environment, Digest(sorted(subnetIDs)...)))
}

// ProxyEndpointName is the name of an extra endpoint of a stack's proxy:
// <app>-<environment>-<ro|rw>-<digest of the proxy, the target role and
// the subnets>.
func ProxyEndpointName(app, environment, proxyName, targetRole string, subnetIDs []string) (string, error) {
	short := map[string]string{"READ_ONLY": "ro", "READ_WRITE": "rw"}[targetRole]
	if short == "" {
		return "", fmt.Errorf("proxy endpoint target role %q: want READ_ONLY or READ_WRITE", targetRole)
	}
	parts := append([]string{proxyName, targetRole}, sorted(subnetIDs)...)
	return proxyIdentifier(fmt.Sprintf("%s-%s-%s-%s", app, environment, short, Digest(parts...)))
}

func proxyIdentifier(name string) (string, error) {
	if !identifierPattern.MatchString(name) || strings.Contains(name, "--") {
		return "", fmt.Errorf("proxy name %q is not valid for RDS: lowercase letters, digits and single hyphens, starting with a letter", name)
	}
	return name, nil
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
