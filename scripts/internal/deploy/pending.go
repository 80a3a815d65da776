package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/cli"
	"github.com/pgplatform/platform/scripts/internal/rdspending"
	"github.com/pgplatform/platform/scripts/internal/report"
	"github.com/pgplatform/platform/shared/stacks"
)

// PendingReader asks AWS about one RDS instance: its maintenance window and
// its PendingModifiedValues by AWS field name (empty when nothing is
// pending). found is false when the instance does not exist.
type PendingReader func(ctx context.Context, region, identifier string) (window string, pending map[string]any, found bool, err error)

const rdsInstanceType = "aws:rds/instance:Instance"

// recordPending writes, beside a preview's events file, the pending
// modifications and maintenance window of every RDS instance the preview
// saw (report.PendingFile), so that the preview report can tell a change
// AWS already holds for the window from drift. A failure to ask AWS is
// recorded in the file, and the report then shows every diff as a change:
// it never fails the preview.
func (r *Runner) recordPending(ctx context.Context, st stacks.Stack, label, eventsFile string) error {
	pf := report.PendingFile{Stack: st.Project + "/" + st.Name, ReadAt: r.now().UTC(), Instances: []report.PendingInstance{}}
	ids, err := rdsInstances(eventsFile)
	switch {
	case err != nil:
		pf.Error = err.Error()
	case len(ids) == 0:
		return nil
	}
	region := st.Config["aws:region"]
	for _, in := range ids {
		if pf.Error != "" {
			break
		}
		window, pending, found, err := r.Pending(ctx, region, in.Identifier)
		if err != nil {
			pf.Error = fmt.Sprintf("DescribeDBInstances %s in %s: %v", in.Identifier, region, err)
			break
		}
		if !found {
			continue
		}
		in.Region, in.MaintenanceWindow, in.Pending = region, window, pending
		pf.Instances = append(pf.Instances, in)
		if len(pending) > 0 {
			r.logf("[%s] RDS instance %s holds modifications for its maintenance window %s: %s", label, in.Identifier, window, rdspending.List(pending))
		}
	}
	if pf.Error != "" {
		r.logf("[%s] warning: the RDS pending modifications could not be read (the report shows every diff as a change): %s", label, pf.Error)
	}
	data, err := json.MarshalIndent(pf, "", "  ")
	if err != nil {
		return fmt.Errorf("--json-dir: encode the pending modifications: %w", err)
	}
	path := strings.TrimSuffix(eventsFile, filepath.Ext(eventsFile)) + report.PendingSuffix
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("--json-dir: %w", err)
	}
	return nil
}

// rdsInstances lists the RDS instances a preview's events name, by URN,
// with the identifier the instance has in AWS now (its state's, not the
// program's: a rename waits for the window too).
func rdsInstances(eventsFile string) ([]report.PendingInstance, error) {
	p, err := report.ReadFile(eventsFile)
	if err != nil {
		return nil, fmt.Errorf("read the preview's events: %w", err)
	}
	seen := map[string]bool{}
	var out []report.PendingInstance
	for _, s := range p.Steps {
		if s.Type != rdsInstanceType || seen[s.URN] || s.Old == nil {
			continue
		}
		id, _ := s.Old.Outputs["identifier"].(string)
		if id == "" {
			id, _ = s.Old.Inputs["identifier"].(string)
		}
		if id == "" {
			continue
		}
		seen[s.URN] = true
		out = append(out, report.PendingInstance{URN: s.URN, Identifier: id})
	}
	return out, nil
}

// AWSPending is the PendingReader of the AWS API: DescribeDBInstances with
// the default credential chain (AWS_ENDPOINT_URL_RDS points it elsewhere,
// as the end-to-end tests do).
func AWSPending(ctx context.Context, region, identifier string) (string, map[string]any, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cfg, err := cli.AWSConfig(ctx, region)
	if err != nil {
		return "", nil, false, err
	}
	out, err := rds.NewFromConfig(cfg).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &identifier})
	var notFound *rdstypes.DBInstanceNotFoundFault
	if errors.As(err, &notFound) {
		return "", nil, false, nil
	}
	if err != nil {
		return "", nil, false, err
	}
	for _, db := range out.DBInstances {
		if db.DBInstanceIdentifier == nil || *db.DBInstanceIdentifier != identifier {
			continue
		}
		window := ""
		if db.PreferredMaintenanceWindow != nil {
			window = *db.PreferredMaintenanceWindow
		}
		pending, err := rdspending.Fields(db.PendingModifiedValues)
		return window, pending, true, err
	}
	return "", nil, false, nil
}
