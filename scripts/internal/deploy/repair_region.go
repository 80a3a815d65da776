package deploy

import (
	"fmt"
	"strings"
)

// Which region a pending create is looked up in. A resource lives in the
// region of the provider that created it, not necessarily the stack's: a
// database stack with database:dr declares its DR key, alias, backup
// replication and subnet group through an explicit aws provider for the
// recovery region (database/postgres/dr.go). The state says which provider
// owns each resource and what that provider was configured with:
//
//   - a pending operation's resource carries `provider`, a reference
//     `<provider URN>::<provider ID>` (pulumi sdk v3.274.1,
//     go/common/apitype ResourceV3.Provider; the reference's form and its
//     parse at the last "::", go/common/providers ParseReference);
//   - the provider is itself a resource of the state, of type
//     `pulumi:providers:<package>`, with that URN and ID, whose inputs are
//     its configuration: `region` for an aws provider;
//   - a default provider (name `default...`, go/common/providers
//     IsDefaultProvider) has as inputs the stack's configuration of its
//     package with the namespace dropped, so `aws:region` is its `region`
//     (pkg v3.274.1 resource/deploy default_providers.go
//     newRegisterDefaultProviderEvent, target.go GetPackageConfig).
//
// A region that cannot be read with certainty from the state is never
// guessed: the decision stops with the manual step.

// secretSig marks a secret value in an exported state: an object whose
// signature key holds this value (pulumi sdk go/common/resource/sig: Key,
// Secret).
const (
	sigKey    = "4dabf18193072939515e22adb298388d"
	secretSig = "1b47061264138c4ac30d75fd1eb44270"
)

// ProviderRegion is what the state records of the region of a pending
// operation's provider.
type ProviderRegion struct {
	// Found is true when the state's resources hold the provider the
	// reference names (same URN and ID).
	Found bool
	// Region is the provider's `region` input, when it is a plain string.
	Region string
	// Secret is true when that input is a secret.
	Secret bool
}

// providerRegion reads the region input of a provider resource's inputs.
func providerRegion(inputs map[string]any) ProviderRegion {
	pr := ProviderRegion{Found: true}
	switch v := inputs["region"].(type) {
	case string:
		pr.Region = v
	case map[string]any:
		pr.Secret = v[sigKey] == secretSig
	}
	return pr
}

// providerURN splits a provider reference into the provider's URN; ok is
// false when the reference is not `<URN>::<ID>` with a provider URN.
func providerURN(ref string) (urn, pkg string, ok bool) {
	i := strings.LastIndex(ref, "::")
	if i < 0 {
		return "", "", false
	}
	urn = ref[:i]
	// urn:pulumi:<stack>::<project>::<qualified type>::<name>; the type is
	// the qualified type's last part ($-separated).
	parts := strings.SplitN(urn, "::", 4)
	if len(parts) != 4 {
		return "", "", false
	}
	typ := parts[2][strings.LastIndex(parts[2], "$")+1:]
	pkg, ok = strings.CutPrefix(typ, "pulumi:providers:")
	return urn, pkg, ok && pkg != ""
}

// isDefaultProvider reports whether urn is the engine's default provider
// of its package: named "default..." (go/common/providers
// IsDefaultProvider) and, unlike a program's explicit provider of a name
// that happens to start so (an app called "defaults" makes
// "defaults-prod-dr"), a top-level resource: the engine registers default
// providers without a parent (pkg v3.274.1 resource/deploy
// default_providers.go), so their type carries no parent's qualifier
// ("$").
func isDefaultProvider(urn string) bool {
	parts := strings.SplitN(urn, "::", 4)
	return len(parts) == 4 && !strings.Contains(parts[2], "$") && strings.HasPrefix(parts[3], "default")
}

// lookupRegion is the region a pending operation's resource is looked up
// in, and which provider's it is; an error says why it cannot be known.
func lookupRegion(t RepairTarget, op PendingOp) (region, provider string, err error) {
	if op.Provider == "" {
		return "", "", fmt.Errorf("the state records no provider for it")
	}
	urn, pkg, ok := providerURN(op.Provider)
	if !ok {
		return "", op.Provider, fmt.Errorf("its provider reference %q is not <provider URN>::<ID>", op.Provider)
	}
	name := urnName(urn)
	provider = fmt.Sprintf("provider %s (%s)", name, urn)
	pr := op.ProviderRegion
	switch {
	case pkg != "aws":
		return "", provider, fmt.Errorf("its %s is not an aws provider", provider)
	case !pr.Found:
		return "", provider, fmt.Errorf("the state holds no %s with ID %s", provider, op.Provider[len(urn)+2:])
	case pr.Secret:
		return "", provider, fmt.Errorf("the region of its %s is a secret in the state", provider)
	case pr.Region == "":
		return "", provider, fmt.Errorf("its %s records no region", provider)
	case isDefaultProvider(urn) && pr.Region != t.Region:
		// A default provider's region is the stack's aws:region of the run
		// that created it; a stack whose aws:region has changed since is
		// not guessed at.
		return "", provider, fmt.Errorf("its default %s records region %s but the stack's aws:region is %q", provider, pr.Region, t.Region)
	}
	return pr.Region, provider, nil
}
