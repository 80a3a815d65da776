package deploy

import (
	"fmt"
	"path/filepath"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
)

// CheckConfig validates, before any stack runs, the config of every stack
// whose program the plan will run (preview and up): unknown keys, then the
// same typed load the program does, then (guardrails, if not nil) a
// database stack's plan against the guardrails of its tier. Without it a bad value in a database
// stack would stop the run only after the network stack before it had
// reached AWS. Refresh and destroy run no program, so their stacks are not
// checked: a stack whose config went bad can still be torn down.
//
// The error is the first stack's: "<op> <project>/<stack>: <file>: <what is
// wrong>", the file relative to root.
func CheckConfig(p Plan, root string, guardrails func(config.Database) error) error {
	if p.Op != Preview && p.Op != Up {
		return nil
	}
	for _, s := range p.Stacks {
		if err := checkStack(s, guardrails); err != nil {
			file := s.File
			if rel, rerr := filepath.Rel(root, s.File); rerr == nil {
				file = rel
			}
			return &StepError{Op: p.Op, Project: s.Project, Stack: s.Name, Err: fmt.Errorf("%s: %w", file, err)}
		}
	}
	return nil
}

func checkStack(s stacks.Stack, guardrails func(config.Database) error) error {
	src := config.MapSource(s.Project, s.Config)
	switch s.Project {
	case contract.NetworkProject:
		if err := config.CheckKeys(s.Project, s.Config, config.NetworkKeys); err != nil {
			return err
		}
		_, err := config.LoadNetwork(src)
		return err
	case contract.DatabaseProject:
		if err := config.CheckKeys(s.Project, s.Config, config.DatabaseKeys); err != nil {
			return err
		}
		cfg, err := config.LoadDatabase(src)
		if err != nil || guardrails == nil {
			return err
		}
		return guardrails(cfg)
	default:
		return fmt.Errorf("unknown project %q (want %s or %s)", s.Project, contract.NetworkProject, contract.DatabaseProject)
	}
}
