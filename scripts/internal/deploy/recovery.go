package deploy

import (
	"fmt"
	"strings"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/stacks"
)

// RecoveryNetwork returns the committed recovery network that a database
// stack's disaster-recovery config names, or an error naming the config
// key, the value and what is allowed when that network does not exist.
// The deploy tool orders every recovery network of an environment before
// its database stacks (NewPlan), so a DR network must be a committed
// network stack of the network project: the recovery network of the
// database stack's environment (network:recoveryOf), in the recovery
// region.
//
// key is the DR config key the values come from (for messages), ref the
// network it names (database:dr networkStack: <stack> or network/<stack>;
// empty is the environment's default recovery network,
// network/<environment>-dr, networkref.ParseRecovery: the one rule the
// database program reads the same stack by) and region the recovery
// region (required when ref is empty; when given, the network must be in
// it).
//
// The deploy tool calls this for every database stack of a run that sets
// database:dr, before the first stack starts, and refuses the run on the
// error (CheckRecoveryNetworks).
func RecoveryNetwork(all []stacks.Stack, db stacks.Stack, key, ref, region string) (stacks.Stack, error) {
	recovery := stacks.RecoveryNetworks(all, db.Environment)
	have := describeRecovery(recovery)
	fail := func(value, allowed string) error {
		return fmt.Errorf("database stack %s: config %s = %q is not allowed: want %s (recovery networks of environment %s: %s)", db.Name, key, value, allowed, db.Environment, have)
	}
	if region != "" && region == db.Region {
		return stacks.Stack{}, fail(region, "a recovery region other than the stack's own region "+db.Region)
	}
	// The value quoted is the one the file gives: the network it names,
	// else the recovery region that its default network must be in.
	value, named := ref, strings.TrimSpace(ref) != ""
	if !named {
		if region == "" {
			return stacks.Stack{}, fail("", "a recovery region, or a recovery network")
		}
		value = region
	}
	r, err := networkref.ParseRecovery(ref, db.Environment)
	if err != nil || r.Org != "" || r.Project != contract.NetworkProject {
		return stacks.Stack{}, fail(value, "a committed network stack, <stack> or network/<stack>, that the deploy tool orders before the database stacks")
	}
	// elsewhere names, for a default that does not fit, the recovery
	// network of the region that networkStack could name instead.
	elsewhere := ""
	if !named {
		for _, n := range recovery {
			if n.Region == region && n.Name != r.Stack {
				elsewhere = fmt.Sprintf("; or name %s, the recovery network in %s, with database:dr networkStack: %s", n.Name, region, n.Name)
			}
		}
	}
	n, err := stacks.Find(all, contract.NetworkProject, r.Stack)
	switch {
	case err != nil && !named:
		return stacks.Stack{}, fail(value, fmt.Sprintf("the environment's recovery network %s, the default of database:dr networkStack: add %s/%s/Pulumi.%s.yaml with aws:region: %s and network:recoveryOf: %s, and deploy it%s", r, stacks.Dir, contract.NetworkProject, r.Stack, region, db.Environment, elsewhere))
	case err != nil:
		return stacks.Stack{}, fail(value, fmt.Sprintf("a recovery network with a committed file (there is no %s/%s/Pulumi.%s.yaml)", stacks.Dir, contract.NetworkProject, r.Stack))
	case n.RecoveryOf == "":
		return stacks.Stack{}, fail(value, fmt.Sprintf("a recovery network, not a primary network (%s sets no network:recoveryOf)", n.Name))
	case n.Environment != db.Environment:
		return stacks.Stack{}, fail(value, fmt.Sprintf("a recovery network of the stack's own environment %s (%s recovers %s)", db.Environment, n.Name, n.Environment))
	case region != "" && n.Region != region:
		return stacks.Stack{}, fail(value, fmt.Sprintf("a recovery network in the recovery region %s (%s is in %s)%s", region, n.Name, n.Region, elsewhere))
	}
	return n, nil
}

// describeRecovery lists recovery networks as <stack> (<region>).
func describeRecovery(ns []stacks.Stack) string {
	if len(ns) == 0 {
		return "none"
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprintf("%s (%s)", n.Name, n.Region)
	}
	return strings.Join(parts, ", ")
}
