package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"

	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
	"github.com/pgplatform/platform/shared/stacks"
)

// RDS is the part of the RDS API that verify reads. *rds.Client has it.
type RDS interface {
	DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	DescribeDBParameters(ctx context.Context, in *rds.DescribeDBParametersInput, opts ...func(*rds.Options)) (*rds.DescribeDBParametersOutput, error)
	DescribeDBSubnetGroups(ctx context.Context, in *rds.DescribeDBSubnetGroupsInput, opts ...func(*rds.Options)) (*rds.DescribeDBSubnetGroupsOutput, error)
	DescribeEvents(ctx context.Context, in *rds.DescribeEventsInput, opts ...func(*rds.Options)) (*rds.DescribeEventsOutput, error)
	// A Multi-AZ DB cluster and its cluster parameter group.
	DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, opts ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
	DescribeDBClusterParameters(ctx context.Context, in *rds.DescribeDBClusterParametersInput, opts ...func(*rds.Options)) (*rds.DescribeDBClusterParametersOutput, error)
	// An RDS Proxy and the targets of its default target group.
	DescribeDBProxies(ctx context.Context, in *rds.DescribeDBProxiesInput, opts ...func(*rds.Options)) (*rds.DescribeDBProxiesOutput, error)
	DescribeDBProxyTargets(ctx context.Context, in *rds.DescribeDBProxyTargetsInput, opts ...func(*rds.Options)) (*rds.DescribeDBProxyTargetsOutput, error)
	// The replicated automated backups, in the recovery region.
	DescribeDBInstanceAutomatedBackups(ctx context.Context, in *rds.DescribeDBInstanceAutomatedBackupsInput, opts ...func(*rds.Options)) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error)
}

// EC2 is the part of the EC2 API that verify reads. *ec2.Client has it.
type EC2 interface {
	DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, opts ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
}

// Endpoint is where and as whom the connection check connects.
type Endpoint struct {
	Region   string
	Host     string
	Port     int
	Database string
	// User is LoginRole, never the master user. Through an RDS Proxy
	// (Proxy true) verify does not log in, only names the role in its
	// startup message (PGPinger.handshake).
	User string
	// Proxy says Host is an RDS Proxy endpoint.
	Proxy bool
}

// Pinger opens a TLS verify-full connection as the endpoint's user with an
// IAM authentication token and runs select 1.
type Pinger interface {
	Ping(ctx context.Context, ep Endpoint) error
}

// Clients returns the AWS API clients of a region.
type Clients func(ctx context.Context, region string) (RDS, EC2, error)

// Defaults of the tunable limits.
const (
	DefaultMaxPendingReboot = 24 * time.Hour
	DefaultMaxRestoreLag    = 30 * time.Minute
	// EventWindow is how far back RDS keeps events (14 days).
	EventWindow = 14 * 24 * time.Hour
)

// Verifier runs the checks of one stack.
type Verifier struct {
	AWS Clients
	DB  Pinger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxPendingReboot is how long a parameter change may wait for a
	// reboot before the check fails.
	MaxPendingReboot time.Duration
	// MaxRestoreLag is how far the instance's latest restorable time may
	// lag behind now.
	MaxRestoreLag time.Duration
	// Progress receives a line per stack as it is checked; nil is quiet.
	Progress io.Writer
	// Expect derives a stack's expectations; nil is Expectations.
	Expect func(stacks.Stack) (Expect, error)
}

// Target is one database stack to verify, with its outputs and its
// network's, or the errors that came instead.
type Target struct {
	Stack      stacks.Stack
	Outputs    stackout.Database
	OutputsErr error
	// Network is nil when NetworkErr says why it could not be read.
	Network    *stackout.Network
	NetworkErr error
}

// StackReport is the outcome for one stack.
type StackReport struct {
	Stack       string         `json:"stack"`
	Environment string         `json:"environment"`
	Tier        string         `json:"tier"`
	Region      string         `json:"region,omitempty"`
	Instance    string         `json:"instance,omitempty"`
	Cluster     string         `json:"cluster,omitempty"`
	Proxy       string         `json:"proxy,omitempty"`
	Checks      []check.Result `json:"checks"`
}

// The names of the checks, in the order they run.
const (
	CheckConfig             = "config"
	CheckOutputs            = "outputs"
	CheckInstance           = "instance"
	CheckMultiAZ            = "multi-az"
	CheckEncryption         = "encryption"
	CheckNotPublic          = "not-public"
	CheckBackupRetention    = "backup-retention"
	CheckRestorable         = "restorable"
	CheckDeletionProtection = "deletion-protection"
	CheckIAMAuth            = "iam-auth"
	CheckPerformanceInsight = "performance-insights"
	CheckLogExports         = "log-exports"
	CheckEngine             = "engine"
	CheckMonitoring         = "monitoring"
	CheckCACertificate      = "ca-certificate"
	CheckForceSSL           = "force-ssl"
	CheckParameters         = "parameters"
	CheckPendingReboot      = "pending-reboot"
	CheckSubnetGroup        = "subnet-group"
	CheckSecurityGroup      = "security-group"
	CheckConnect            = "connect"
)

// AllChecks lists every check name in order.
var AllChecks = []string{
	CheckConfig, CheckOutputs, CheckInstance, CheckMultiAZ, CheckEncryption, CheckNotPublic,
	CheckBackupRetention, CheckRestorable, CheckDeletionProtection, CheckIAMAuth,
	CheckPerformanceInsight, CheckLogExports, CheckEngine, CheckMonitoring, CheckCACertificate,
	CheckPendingModifications, CheckForceSSL, CheckParameters, CheckPendingReboot,
	CheckSubnetGroup, CheckSecurityGroup, CheckConnect,
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) progress(format string, args ...any) {
	if v.Progress != nil {
		fmt.Fprintf(v.Progress, format+"\n", args...)
	}
}

// results collects the checks of a stack and fills in the ones that could
// not run with the reason.
type results struct {
	stack string
	// names are the checks of the stack's shape; nil is AllChecks.
	names []string
	out   []check.Result
	done  map[string]bool
}

func (r *results) add(res check.Result) {
	res.Stack = r.stack
	r.out = append(r.out, res)
	r.done[res.Name] = true
}

// rest marks every check not yet reported as unknown, for reason.
func (r *results) rest(format string, args ...any) {
	reason := fmt.Sprintf(format, args...)
	names := r.names
	if names == nil {
		names = AllChecks
	}
	for _, name := range names {
		if !r.done[name] {
			r.add(check.Unknownf(name, "not checked: %s", reason))
		}
	}
}

// Verify runs every check on one stack. It never stops early: a check that
// cannot run is reported as unknown with the reason.
func (v *Verifier) Verify(ctx context.Context, t Target) StackReport {
	rep := StackReport{Stack: t.Stack.Name, Environment: t.Stack.Environment, Tier: t.Stack.Tier}
	r := &results{stack: t.Stack.Name, done: map[string]bool{}}
	v.verify(ctx, t, &rep, r)
	rep.Checks = r.out
	return rep
}

func (v *Verifier) verify(ctx context.Context, t Target, rep *StackReport, r *results) {
	v.progress("verify: checking stack %s (%s, tier %s)", t.Stack.Name, t.Stack.Environment, t.Stack.Tier)

	expect := v.Expect
	if expect == nil {
		expect = Expectations
	}
	exp, err := expect(t.Stack)
	if err != nil {
		r.add(check.Failf(CheckConfig, "%v", err))
		r.rest("the stack config does not load")
		return
	}
	rep.Region = exp.Region
	r.add(check.Passf(CheckConfig, "tier %s in %s: %s", exp.Tier, exp.Region, exp.Summary()))

	if t.OutputsErr != nil {
		r.add(check.Failf(CheckOutputs, "%v", t.OutputsErr))
		r.rest("no stack outputs to find the instance by")
		return
	}
	out := t.Outputs
	rep.Instance = out.InstanceIdentifier
	rep.Cluster = out.ClusterIdentifier
	r.names = checksFor(out, exp)
	res := checkOutputs(t.Stack, out, exp)
	r.add(res)
	if res.Status != check.Pass {
		r.rest("the stack outputs do not belong to this stack")
		return
	}

	rdsAPI, ec2API, err := v.AWS(ctx, exp.Region)
	if err != nil {
		r.rest("no AWS clients for %s: %v", exp.Region, err)
		return
	}
	// The proxy is read first: with it, the database's security group
	// admits the proxy's.
	var px *proxyView
	if hasProxy(out, exp) {
		px = describeProxy(ctx, rdsAPI, out)
		rep.Proxy = px.name()
	}
	if isCluster(out) {
		v.verifyCluster(ctx, t, exp, rdsAPI, ec2API, px, r)
		return
	}

	inst, err := describeInstance(ctx, rdsAPI, out.InstanceIdentifier)
	switch {
	case isCode(err, "DBInstanceNotFound", "DBInstanceNotFoundFault"):
		r.add(check.Failf(CheckInstance, "instance %s (the stack's instanceIdentifier output) does not exist in %s: deleted outside Pulumi, or the stack outputs are stale", out.InstanceIdentifier, exp.Region))
		r.rest("the instance does not exist")
		return
	case err != nil:
		r.add(check.Unknownf(CheckInstance, "%v", err))
		r.rest("the instance could not be described")
		return
	}
	r.add(checkInstance(inst, out))

	live := instanceLive(inst)
	st := instanceSettings(inst)
	r.add(checkMultiAZ(inst, exp, live))
	v.settingsChecks(st, out, exp, live, r)
	r.add(checkPendingModifications(inst, v.now()))

	group, status := parameterGroup(inst)
	pg := readGroup(ctx, rdsAPI, group, status)
	r.add(v.checkForceSSL(pg, exp))
	r.add(checkParameters(pg, exp))
	r.add(v.checkPendingReboot(ctx, rdsAPI, inst, group, status))
	r.add(checkSubnetGroup(ctx, rdsAPI, inst, t.Network, t.NetworkErr))
	r.add(checkSecurityGroups(ctx, ec2API, securityGroupIDs(inst.VpcSecurityGroups), "instance", out, exp, px, t.Network, t.NetworkErr))
	r.add(v.checkConnect(ctx, deref(inst.DBInstanceStatus), out, exp, live))
	if px != nil {
		v.proxyChecks(ctx, rdsAPI, px, out, exp, r)
	}
	v.drChecks(ctx, out, exp, r)
}

// settingsChecks are the checks of the spec's settings that an instance
// and a cluster share, in the order of AllChecks.
func (v *Verifier) settingsChecks(st settings, out stackout.Database, exp Expect, live bool, r *results) {
	r.add(checkEncryption(st, out, exp))
	r.add(checkNotPublic(st))
	r.add(checkBackupRetention(st, exp))
	r.add(checkRestorable(st, live, v.now(), v.MaxRestoreLag))
	r.add(checkDeletionProtection(st, exp))
	r.add(checkIAMAuth(st, exp))
	r.add(checkPerformanceInsights(st, out, exp))
	r.add(checkLogExports(st, exp))
	r.add(checkEngine(st, exp))
	r.add(checkMonitoring(st, exp))
	r.add(checkCACertificate(st, exp))
}

func securityGroupIDs(ms []rdstypes.VpcSecurityGroupMembership) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, deref(m.VpcSecurityGroupId))
	}
	return ids
}

func describeInstance(ctx context.Context, api RDS, id string) (rdstypes.DBInstance, error) {
	out, err := api.DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{DBInstanceIdentifier: &id})
	if err != nil {
		return rdstypes.DBInstance{}, fmt.Errorf("describe instance %s: %w", id, err)
	}
	for _, inst := range out.DBInstances {
		if deref(inst.DBInstanceIdentifier) == id {
			return inst, nil
		}
	}
	return rdstypes.DBInstance{}, &smithy.GenericAPIError{Code: "DBInstanceNotFound", Message: fmt.Sprintf("DescribeDBInstances returned no instance %s", id)}
}

// isCode reports whether err is an AWS API error with one of the codes.
func isCode(err error, codes ...string) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	for _, c := range codes {
		if api.ErrorCode() == c {
			return true
		}
	}
	return false
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
