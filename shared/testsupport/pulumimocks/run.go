package pulumimocks

import (
	"context"
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"github.com/pgplatform/platform/shared/stacks"
)

// Run runs a program under the mocks as the given project and stack, with
// the given flattened config ("namespace:key" -> value).
func Run(m *Mocks, project, stack string, cfg map[string]string, program pulumi.RunFunc) error {
	return pulumi.RunErr(program, pulumi.WithMocks(project, stack, m), func(info *pulumi.RunInfo) {
		info.Config = cfg
	})
}

// RunStack runs a program for a committed stack file.
func RunStack(m *Mocks, s stacks.Stack, program pulumi.RunFunc) error {
	if err := Run(m, s.Project, s.Name, s.Config, program); err != nil {
		return fmt.Errorf("stack %s/%s: %w", s.Project, s.Name, err)
	}
	return nil
}

// Await returns the resolved value of an output, or the error it failed
// with. It gives up after ten seconds instead of hanging a test.
func Await(o pulumi.Output) (any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := internals.UnsafeAwaitOutput(ctx, o)
	if err != nil {
		return nil, err
	}
	if !res.Known {
		return nil, fmt.Errorf("pulumimocks: output is unknown")
	}
	return res.Value, nil
}

// Exports records what a program exports, for programs that take an
// export function.
type Exports map[string]pulumi.Input

// Export is a contract.ExportFunc that records into e.
func (e Exports) Export(name string, v pulumi.Input) { e[name] = v }
