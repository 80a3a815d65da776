package dbstack

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/spec"
)

// RecoveryKey is the config key the recovery network comes from.
const RecoveryKey = "database:dr"

// RecoveryNetworkStackName is the fully qualified recovery network stack
// a DR stack reads: database:dr networkStack, completed with the
// organization and project when it names only a stack, or
// <organization>/network/<environment>-dr (networkref.ParseRecovery, the
// rule the deploy tool checks the committed file by).
func RecoveryNetworkStackName(ctx *pulumi.Context, s spec.Database) (string, error) {
	ref, err := networkref.ParseRecovery(s.DR.NetworkStack, s.Environment)
	if err != nil {
		return "", err
	}
	return ref.Qualify(ctx.Organization()).String(), nil
}

// readRecoveryNetwork reads the recovery network of a stack with DR
// through a StackReference and the network contract, as the primary
// network is read, and checks its role before anything is declared: the
// recovery network of the stack's environment, in the recovery region
// (contract.CheckRecoveryNetwork). A stack without DR reads nothing and
// gets nil. Every refusal is a config error naming database:dr, the
// network stack and what is allowed.
func readRecoveryNetwork(ctx *pulumi.Context, s spec.Database) (*contract.Network, string, error) {
	if !s.DR.Enabled() {
		return nil, "", nil
	}
	stack, err := RecoveryNetworkStackName(ctx, s)
	if err != nil {
		return nil, "", &config.Error{Key: RecoveryKey, Value: s.DR.NetworkStack, Allowed: fmt.Sprintf("networkStack a recovery network stack, %s (%v)", networkref.Forms, err)}
	}
	deployed := fmt.Sprintf("networkStack a deployed recovery network stack of environment %s in %s (default %s)", s.Environment, s.DR.Region, networkref.Project+"/"+networkref.RecoveryStack(s.Environment))
	// A stack that does not exist fails the StackReference's read in the
	// engine ("unknown stack"), which a program cannot catch
	// (pulumi/pulumi#19202) and whose failure the run reports in place of
	// the program's error; the refusal is also logged on the stack, so the
	// key shows among the run's diagnostics. A stack that exists without
	// the contract's outputs (never deployed, or destroyed) is refused
	// here.
	notRead := func(what string, err error) error {
		ce := &config.Error{Key: RecoveryKey, Value: stack, Allowed: fmt.Sprintf("%s: %s: %v", deployed, what, err)}
		if lerr := ctx.Log.Error(ce.Error(), nil); lerr != nil {
			return errors.Join(ce, fmt.Errorf("log the refusal: %w", lerr))
		}
		return ce
	}
	ref, err := pulumi.NewStackReference(ctx, stack, nil)
	if err != nil {
		return nil, "", notRead("reference it", err)
	}
	network, values, err := contract.ReadNetwork(ref, stack)
	if err != nil {
		return nil, "", notRead("read it", err)
	}
	if err := contract.CheckRecoveryNetwork(stack, values, s.Environment, s.Region, s.DR.Region); err != nil {
		return nil, "", &config.Error{Key: RecoveryKey, Value: stack, Allowed: fmt.Sprintf("networkStack the recovery network of environment %s in the recovery region %s (%v)", s.Environment, s.DR.Region, err)}
	}
	return &network, stack, nil
}
