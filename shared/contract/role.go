package contract

import "fmt"

// The role a network stack states in its outputs (Network.Region and
// Network.RecoveryOf) lets a database stack check, before it declares
// anything, that the network it reads is the one it means: its primary
// network in its own region, or its environment's recovery network in the
// region it recovers to.

// CheckPrimaryNetwork checks the values read from the network stack a
// database stack deploys into (ReadNetwork): a primary network (no
// recoveryOf) in the database stack's own region. stack names the network
// stack in errors.
func CheckPrimaryNetwork(stack string, v Values, region string) error {
	if of := v.String("recoveryOf"); of != "" {
		return fmt.Errorf("network stack %q is the recovery network of environment %q (output recoveryOf), not a primary network: a database stack deploys into its environment's primary network and names the recovery network only in its DR config", stack, of)
	}
	if got := v.String("region"); got != region {
		return fmt.Errorf("network stack %q is in region %q (output region), but this stack deploys to %q: a database stack uses a network of its own region", stack, got, region)
	}
	return nil
}

// CheckRecoveryNetwork checks the values read from the network stack a
// database stack names as its recovery network (ReadNetwork): the recovery
// network of the database stack's environment (output recoveryOf), of that
// environment (output environment), in the region the database recovers to
// (output region), which is not the primary's. stack names the network
// stack in errors.
func CheckRecoveryNetwork(stack string, v Values, environment, primaryRegion, recoveryRegion string) error {
	of := v.String("recoveryOf")
	switch {
	case of == "":
		return fmt.Errorf("network stack %q is a primary network (its output recoveryOf is empty), not a recovery network: name a network stack whose file sets network:recoveryOf: %s", stack, environment)
	case of != environment || v.String("environment") != environment:
		return fmt.Errorf("network stack %q is the recovery network of environment %q (outputs recoveryOf and environment: %q, %q), not of %q", stack, of, of, v.String("environment"), environment)
	}
	got := v.String("region")
	if got != recoveryRegion {
		return fmt.Errorf("network stack %q is in region %q (output region), not in the recovery region %q", stack, got, recoveryRegion)
	}
	if got == primaryRegion {
		return fmt.Errorf("network stack %q is in region %q, the primary's own region: a recovery network is in another region", stack, got)
	}
	return nil
}
