package recorded

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// DescribeDBInstanceAutomatedBackups answers from
// describe-db-instance-automated-backups.json (or its .error.json), as the
// region the fixture was recorded in would. Like the real API it applies
// the request's identifying parameters: DbiResourceId and
// DBInstanceIdentifier case-insensitively ("This parameter isn't
// case-sensitive", the API reference's DescribeDBInstanceAutomatedBackups
// request parameters), DBInstanceAutomatedBackupsArn exactly; a filter
// that matches nothing returns no backups.
func (r *API) DescribeDBInstanceAutomatedBackups(_ context.Context, in *rds.DescribeDBInstanceAutomatedBackupsInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error) {
	var all rds.DescribeDBInstanceAutomatedBackupsOutput
	if err := r.load("describe-db-instance-automated-backups", &all); err != nil {
		return nil, err
	}
	match := func(want *string, got *string) bool {
		return want == nil || strings.EqualFold(*want, deref(got))
	}
	exact := func(want *string, got *string) bool { return want == nil || *want == deref(got) }
	out := &rds.DescribeDBInstanceAutomatedBackupsOutput{}
	for _, b := range all.DBInstanceAutomatedBackups {
		if match(in.DbiResourceId, b.DbiResourceId) && exact(in.DBInstanceAutomatedBackupsArn, b.DBInstanceAutomatedBackupsArn) && match(in.DBInstanceIdentifier, b.DBInstanceIdentifier) {
			out.DBInstanceAutomatedBackups = append(out.DBInstanceAutomatedBackups, b)
		}
	}
	if out.DBInstanceAutomatedBackups == nil {
		out.DBInstanceAutomatedBackups = []rdstypes.DBInstanceAutomatedBackup{}
	}
	return out, nil
}
