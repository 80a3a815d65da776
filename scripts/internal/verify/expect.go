package verify

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/pgplatform/platform/database/dbspec"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/stacks"
)

// Expect is what the live instance of a stack must show: the stack's spec,
// resolved from its environment file as the program resolves it
// (dbspec.Resolve), never weaker than the floors of its tier.
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
	// the spec's backup retention (database:backupRetentionDays).
	MinBackupRetention int
	// AllowedCidrs and AllowedSecurityGroups are the extra ingress sources
	// the stack config names; the network's application subnets come on
	// top.
	AllowedCidrs          []netip.Prefix
	AllowedSecurityGroups []string
	// Instance is the spec's instance, which the checks of its settings
	// read (log exports, Performance Insights, monitoring interval, CA,
	// IAM auth, storage encryption and its key, engine and major version):
	// what the program gave the instance is what the live one must show.
	Instance spec.Instance
	// Parameters are the entries the program gave the parameter group
	// (spec.Database.Parameters, declared in database/dbspec): each
	// must be in the live group with its value and apply method, and the
	// group may set nothing else.
	Parameters []spec.Parameter
	// Deployment is the spec's shape (spec.Database.Deployment); the
	// deployment output must name it. Empty (a spec resolved without the
	// key) compares with nothing: the outputs then decide the shape.
	Deployment spec.Deployment
	// Proxy is the spec's RDS Proxy: with Enabled, the proxyEndpoint
	// output must name one, and without DirectAccess the database's
	// security group admits only the proxy's.
	Proxy spec.Proxy
	// DR is the spec's disaster recovery (database:dr, database:drOptOut):
	// with a Region, the drRegion output must name it and the replicated
	// backups there may lag behind now by at most RPOMinutes; without one,
	// the outputs must name no recovery region.
	DR spec.DR
}

// Expectations derives what a stack's live instance must show.
func Expectations(s stacks.Stack) (Expect, error) {
	if s.Project != contract.DatabaseProject {
		return Expect{}, fmt.Errorf("stack %s belongs to project %s: verify checks %s stacks", s.Name, s.Project, contract.DatabaseProject)
	}
	sp, err := dbspec.Resolve(config.MapSource(contract.DatabaseProject, s.Config), time.Now())
	if err != nil {
		return Expect{}, fmt.Errorf("stack %s (%s): %w", s.Name, s.File, err)
	}
	e := Expect{
		Tier:               sp.Tier,
		Region:             sp.Region,
		MultiAZ:            sp.Instance.MultiAZ || sp.Tier.Strict(),
		DeletionProtection: sp.Instance.DeletionProtection || sp.Tier.Strict(),
		MinBackupRetention: max(sp.Tier.MinBackupRetentionDays(), sp.Instance.BackupRetentionDays),
		Instance:           sp.Instance,
		Parameters:         sp.Parameters,
		Deployment:         sp.Deployment,
		Proxy:              sp.Proxy,
		DR:                 sp.DR,
	}
	for _, in := range sp.Ingress {
		switch {
		case in.CIDR != "":
			p, err := netip.ParsePrefix(in.CIDR)
			if err != nil {
				return Expect{}, fmt.Errorf("stack %s (%s): ingress CIDR %q: %w", s.Name, s.File, in.CIDR, err)
			}
			e.AllowedCidrs = append(e.AllowedCidrs, p)
		case in.SecurityGroupID != "":
			e.AllowedSecurityGroups = append(e.AllowedSecurityGroups, in.SecurityGroupID)
		}
	}
	return e, nil
}

// Summary is a short description of the expectations for the config line.
func (e Expect) Summary() string {
	var parts []string
	if e.Deployment == spec.DeployCluster {
		parts = append(parts, "Multi-AZ DB cluster")
	}
	if e.Proxy.Enabled {
		parts = append(parts, "behind an RDS Proxy")
	}
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
