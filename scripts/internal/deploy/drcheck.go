package deploy

import (
	"fmt"
	"path/filepath"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
)

// CheckRecoveryNetworks refuses, before any stack runs, a preview or up of
// a database stack whose database:dr names a recovery network (its
// networkStack, else network/<environment>-dr) that is not a committed
// recovery network of its environment in the recovery region
// (RecoveryNetwork): the
// deploy tool runs every recovery network of an environment before its
// database stacks, so the network must be a committed file of the
// catalog all. Refresh and destroy run no program and are not checked.
func CheckRecoveryNetworks(p Plan, all []stacks.Stack, root string) error {
	if p.Op != Preview && p.Op != Up {
		return nil
	}
	for _, s := range p.Stacks {
		if s.Project != contract.DatabaseProject {
			continue
		}
		cfg, err := config.LoadDatabase(config.MapSource(s.Project, s.Config))
		if err == nil && cfg.DR.Region != "" {
			_, err = RecoveryNetwork(all, s, "database:dr", cfg.DR.NetworkStack, cfg.DR.Region)
		}
		if err != nil {
			file := s.File
			if rel, rerr := filepath.Rel(root, s.File); rerr == nil {
				file = rel
			}
			return &StepError{Op: p.Op, Project: s.Project, Stack: s.Name, Err: fmt.Errorf("%s: %w", file, err)}
		}
	}
	return nil
}
