package verify

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
)

// RequiredLogExports are the log types every instance exports to CloudWatch.
var RequiredLogExports = []string{"postgresql", "upgrade"}

// MinPIRetentionDays is the shortest Performance Insights retention allowed.
const MinPIRetentionDays = 7

// Expect is what the live instance of a stack must show: the stack's config
// (its environment file), never weaker than the floors of its tier.
type Expect struct {
	Tier   config.Tier
	Region string
	// MultiAZ: a standby in a second AZ is required. Always in staging and
	// prod; in dev unless the stack sets database:multiAz false.
	MultiAZ bool
	// DeletionProtection: always in staging and prod; in dev unless the
	// stack sets database:deletionProtection false.
	DeletionProtection bool
	// MinBackupRetention is the larger of the tier floor (7, prod 14) and
	// the stack's database:backupRetentionDays.
	MinBackupRetention int
	// AllowedCidrs and AllowedSecurityGroups are the extra ingress sources
	// the stack config names; the network's application subnets come on
	// top.
	AllowedCidrs          []netip.Prefix
	AllowedSecurityGroups []string
}

// Expectations derives what a stack's live instance must show.
func Expectations(s stacks.Stack) (Expect, error) {
	if s.Project != contract.DatabaseProject {
		return Expect{}, fmt.Errorf("stack %s belongs to project %s: verify checks %s stacks", s.Name, s.Project, contract.DatabaseProject)
	}
	cfg, err := config.LoadDatabase(config.MapSource(contract.DatabaseProject, s.Config))
	if err != nil {
		return Expect{}, fmt.Errorf("stack %s (%s): %w", s.Name, s.File, err)
	}
	floor := config.MinBackupRetentionDays
	if cfg.Tier == config.Prod {
		floor = config.MinProdBackupRetentionDays
	}
	return Expect{
		Tier:                  cfg.Tier,
		Region:                cfg.Region,
		MultiAZ:               cfg.MultiAZ || cfg.Tier.Strict(),
		DeletionProtection:    cfg.DeletionProtection || cfg.Tier.Strict(),
		MinBackupRetention:    max(floor, cfg.BackupRetentionDays),
		AllowedCidrs:          cfg.AllowedCidrs,
		AllowedSecurityGroups: cfg.AllowedSecurityGroups,
	}, nil
}

// Summary is a short description of the expectations for the config line.
func (e Expect) Summary() string {
	var parts []string
	if e.MultiAZ {
		parts = append(parts, "Multi-AZ required")
	} else {
		parts = append(parts, "single-AZ allowed")
	}
	if e.DeletionProtection {
		parts = append(parts, "deletion protection required")
	} else {
		parts = append(parts, "deletion protection optional")
	}
	parts = append(parts, fmt.Sprintf("backup retention >= %d days", e.MinBackupRetention))
	var extra []string
	for _, c := range e.AllowedCidrs {
		extra = append(extra, c.String())
	}
	extra = append(extra, e.AllowedSecurityGroups...)
	if len(extra) > 0 {
		parts = append(parts, "extra ingress "+strings.Join(extra, ", "))
	}
	return strings.Join(parts, ", ")
}
