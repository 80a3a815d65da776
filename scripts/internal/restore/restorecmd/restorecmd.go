package restorecmd

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/pgplatform/platform/scripts/internal/cli"
	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/restore"
	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
)

// Main runs the command with the process's arguments and standard
// streams, against AWS, and returns its exit status. The first SIGINT or
// SIGTERM stops the drill; none ends the process before the temporary
// instance is deleted (see interrupts).
func Main(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := cli.Interrupts(onInterrupt(cancel, os.Stderr))
	defer stop()
	return run(ctx, args, deps{stdout: os.Stdout, stderr: os.Stderr, aws: loadAWS})
}

// interrupts cancels the drill on the first SIGINT or SIGTERM and keeps
// the process alive through later ones, so the temporary instance is
// deleted before the command exits.
func interrupts(sigs <-chan os.Signal, cancel context.CancelFunc, stderr io.Writer) {
	cli.Relay(sigs, onInterrupt(cancel, stderr))
}

// onInterrupt is what interrupts does with the nth signal.
func onInterrupt(cancel context.CancelFunc, stderr io.Writer) func(n int, sig os.Signal) {
	return func(n int, sig os.Signal) {
		if n == 1 {
			fmt.Fprintf(stderr, "restore-drill: %s: stopping the drill and deleting its temporary instance before exiting\n", sig)
			cancel()
			return
		}
		fmt.Fprintf(stderr, "restore-drill: %s: still deleting the temporary instance; waiting for it (kill -9 would leave it behind)\n", sig)
	}
}

// clients are the AWS APIs of a region.
type clients struct {
	rds     restore.BackupsRDS
	secrets dbconn.SecretsGetter
}

// deps are the command's connections to the outside, replaced in tests.
type deps struct {
	stdout, stderr io.Writer
	// root is the repository root; "" finds it from the working directory.
	root string
	aws  func(ctx context.Context, region string) (clients, error)
	// connect replaces the real database connections in tests.
	connect restore.Connector
	now     func() time.Time
	sleep   restore.Sleeper
}

var loadAWS = cli.AWSClients(func(cfg aws.Config) clients {
	return clients{rds: rds.NewFromConfig(cfg), secrets: secretsmanager.NewFromConfig(cfg)}
})

type options struct {
	env, stack, outputs, backend, report, caBundle, instanceClass string
	poll, gap, restorableTimeout, availableTimeout, deleteTimeout time.Duration
	connectTimeout                                                time.Duration
	allowProd, sweep                                              bool
	// The drill in the disaster recovery region.
	region, subnetGroup, parameterGroup, securityGroups, kmsKey string
}

const usageHead = `Usage: restore-drill --env ENV --stack NAME --ca-bundle FILE [flags]
       restore-drill --env ENV --stack NAME --ca-bundle FILE --region DR-REGION \
           --security-group SG [--subnet-group NAME] [--parameter-group NAME]
           [--kms-key ARN] [flags]

Restores the stack's database to a point in time between two marker rows
into a temporary instance, checks the markers, and deletes the temporary
instance. With --region, restores the stack's replicated automated backups
in that disaster recovery region, into the recovery network, to the latest
restorable time, and reports the recovery point and time; the region must be
the stack's drRegion output, and the subnet group, parameter group and key
default to its drSubnetGroupName, drParameterGroupName and drKmsKeyArn
outputs. One line per check on stdout,
progress on stderr.

Flags:
`

const usageFoot = `
Exit status: 0 passed, 1 a check failed, 2 could not start (bad flags or
input, no AWS configuration), 3 nothing failed but a check could not tell. Ctrl-C stops the drill and still deletes the temporary
instance before exiting.
`

func newFlags(o *options, stderr io.Writer) *flag.FlagSet {
	fs := cli.NewFlagSet("restore-drill", stderr, usageHead, usageFoot)
	fs.StringVar(&o.env, "env", "", "environment of the stack; required")
	fs.StringVar(&o.stack, "stack", "", "database stack to drill (e.g. orders-staging); required")
	fs.StringVar(&o.outputs, "outputs", "", "outputs `file` of the stack, as printed by 'pulumi stack output --json' (instead of the backend)")
	cli.BackendFlag(fs, &o.backend)
	cli.ReportFlag(fs, &o.report)
	cli.CABundleFlag(fs, &o.caBundle)
	fs.StringVar(&o.instanceClass, "instance-class", "", "instance class of the temporary instance (default: the source's)")
	fs.DurationVar(&o.poll, "poll", restore.DefaultPoll, "interval between status reads; each prints a progress line")
	fs.DurationVar(&o.gap, "gap", restore.DefaultGap, "time between each marker and the restore target (at least 2s)")
	fs.DurationVar(&o.restorableTimeout, "restorable-timeout", restore.DefaultRestorableTimeout, "longest wait for RDS to be able to restore past the second marker")
	fs.DurationVar(&o.availableTimeout, "available-timeout", restore.DefaultAvailableTimeout, "longest wait for the restored instance to become available")
	fs.DurationVar(&o.deleteTimeout, "delete-timeout", restore.DefaultDeleteTimeout, "longest wait for the temporary instance to be deleted")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", 10*time.Second, "timeout of one connection attempt")
	fs.BoolVar(&o.sweep, "sweep", false, "instead of a drill, delete the temporary instances earlier drills of --stack left behind (a runner killed before its cleanup); run it after a cancelled job")
	fs.StringVar(&o.region, "region", "", "restore in this disaster recovery `region` from the stack's replicated automated backups (default: restore in the stack's region from its own backups)")
	fs.StringVar(&o.subnetGroup, "subnet-group", "", "with --region: the recovery network's DB subnet group `name` to restore into (default: the stack's drSubnetGroupName output)")
	fs.StringVar(&o.parameterGroup, "parameter-group", "", "with --region: the DB parameter group `name` in the DR region the restored instance gets (default: the stack's drParameterGroupName output, the primary's parameters)")
	fs.StringVar(&o.securityGroups, "security-group", "", "with --region: the recovery network's security group `ids` (comma-separated) for the restored instance; they must admit this host")
	fs.StringVar(&o.kmsKey, "kms-key", "", "with --region: `ARN` of the DR region's KMS key the replicated backups are encrypted with (default: the stack's drKmsKeyArn output)")
	fs.BoolVar(&o.allowProd, "allow-prod", false, "allow a drill on a prod-tier stack (it writes two marker rows into the production database)")
	return fs
}

func run(ctx context.Context, args []string, d deps) int {
	var o options
	fs := newFlags(&o, d.stderr)
	src, code, ok := cli.Start(fs, args, d.stderr, check.ExitUsage, func() (restore.Source, error) { return prepare(ctx, &o, fs, d) })
	if !ok {
		return code
	}
	c, err := d.aws(ctx, src.Region)
	if err != nil {
		fmt.Fprintf(d.stderr, "restore-drill: %v\n", err)
		return check.ExitUsage
	}
	var recovery *restore.Recovery
	if o.region != "" {
		cdr, err := d.aws(ctx, o.region)
		if err != nil {
			fmt.Fprintf(d.stderr, "restore-drill: %v\n", err)
			return check.ExitUsage
		}
		recovery = &restore.Recovery{Region: o.region, RDS: cdr.rds, SubnetGroup: o.subnetGroup, ParameterGroup: o.parameterGroup, SecurityGroups: splitList(o.securityGroups), KmsKey: o.kmsKey}
	}
	connect := d.connect
	if connect == nil {
		connect = restore.PGConnector{
			// Every secret the drill reads is the source's, in the
			// source's region, also for a restored instance in the DR
			// region.
			Secrets: func(_ context.Context, region string) (dbconn.SecretsGetter, error) {
				if region != src.Region {
					return nil, fmt.Errorf("no Secrets Manager client for %s: the drill reads the source's secret in %s", region, src.Region)
				}
				return c.secrets, nil
			},
			CABundle:       o.caBundle,
			ConnectTimeout: o.connectTimeout,
		}.Connect
	}
	drill := &restore.Drill{
		RDS: c.rds, Connect: connect, Now: d.now, Sleep: d.sleep,
		Poll: o.poll, Gap: o.gap,
		RestorableTimeout: o.restorableTimeout, AvailableTimeout: o.availableTimeout, DeleteTimeout: o.deleteTimeout,
		InstanceClass: o.instanceClass,
		Progress:      d.stderr,
		Recovery:      recovery,
	}
	if o.sweep {
		results := drill.Sweep(ctx, src)
		if err := check.Print(d.stdout, results); err != nil {
			fmt.Fprintf(d.stderr, "restore-drill: %v\n", err)
		}
		if !check.WriteReport(d.stderr, "restore-drill", o.report, map[string]any{"tool": "restore-drill --sweep", "stack": src.Stack, "region": cmp.Or(o.region, src.Region), "checks": results, "summary": check.Summarize(results)}) {
			return check.ExitFail
		}
		return check.ExitCode(results)
	}
	rep := drill.Run(ctx, src)
	if err := check.Print(d.stdout, rep.Checks); err != nil {
		fmt.Fprintf(d.stderr, "restore-drill: %v\n", err)
	}
	code = check.ExitCode(rep.Checks)
	restored := "no restore"
	switch {
	case rep.RestoreTime != nil:
		restored = "restore time " + rep.RestoreTime.UTC().Format(time.RFC3339)
	case rep.RecoveryPoint != nil:
		rp := rep.RecoveryPoint
		restored = fmt.Sprintf("restored in %s: recovery point %s (%.0fs old at the restore request), recovery time %.0fs", rep.RecoveryRegion, rp.WrittenAt.UTC().Format(time.RFC3339), rp.AgeAtRestoreSeconds, rep.RecoverySeconds)
	case o.region != "":
		restored = "no restore in " + o.region
	}
	fmt.Fprintf(d.stdout, "restore-drill %s: %s, %s\n", src.Stack, restored, rep.Summary)
	if !check.WriteReport(d.stderr, "restore-drill", o.report, rep) {
		return check.ExitFail
	}
	return code
}

// prepare validates the flags, finds the stack and reads its outputs.
func prepare(ctx context.Context, o *options, fs *flag.FlagSet, d deps) (restore.Source, error) {
	if err := cli.NoArgs(fs); err != nil {
		return restore.Source{}, err
	}
	if o.env == "" || o.stack == "" {
		return restore.Source{}, errors.New("--env and --stack are required: the environment and the database stack to drill")
	}
	if err := cli.RequireFile("ca-bundle", o.caBundle, dbconn.RDSCABundle); err != nil {
		return restore.Source{}, err
	}
	if o.gap < 2*time.Second {
		return restore.Source{}, fmt.Errorf("--gap %s: at least 2s, since restore targets are whole seconds", o.gap)
	}
	if err := cli.Positive(map[string]time.Duration{"poll": o.poll, "restorable-timeout": o.restorableTimeout, "available-timeout": o.availableTimeout, "delete-timeout": o.deleteTimeout, "connect-timeout": o.connectTimeout}); err != nil {
		return restore.Source{}, err
	}
	if o.instanceClass != "" && !strings.HasPrefix(o.instanceClass, "db.") {
		return restore.Source{}, fmt.Errorf("--instance-class %q: an RDS instance class such as db.t4g.medium (it starts with db.)", o.instanceClass)
	}
	if err := checkRecoveryFlags(o); err != nil {
		return restore.Source{}, err
	}
	root, err := cli.Root(d.root)
	if err != nil {
		return restore.Source{}, err
	}
	all, err := stacks.Discover(root)
	if err != nil {
		return restore.Source{}, err
	}
	selected, err := stackout.Select(all, o.env, []string{o.stack})
	if err != nil {
		return restore.Source{}, err
	}
	st := selected[0]
	if st.Tier == "prod" && !o.allowProd {
		return restore.Source{}, fmt.Errorf("--stack %s is a prod-tier stack: the drill writes marker rows into its database and starts an instance next to it; pass --allow-prod to mean it", st.Name)
	}
	region := st.Config["aws:region"]
	if region == "" {
		return restore.Source{}, fmt.Errorf("%s: aws:region is not set: the drill needs the stack's region", st.File)
	}
	if o.region == region {
		return restore.Source{}, fmt.Errorf("--region %s is the stack's own region (aws:region in %s): a DR drill restores in another region; omit --region to drill in the stack's region", o.region, st.File)
	}
	var src stackout.Source = workspace.StackOutputs{Root: root, URL: o.backend}
	if o.outputs != "" {
		src = stackout.Files{stackout.Key(contract.DatabaseProject, st.Name): o.outputs}
	}
	fmt.Fprintf(d.stderr, "restore-drill: reading the outputs of %s\n", st.Name)
	out, err := stackout.ReadDatabase(ctx, src, st.Name)
	if err != nil {
		return restore.Source{}, err
	}
	if out.Environment != st.Environment || out.Tier != st.Tier {
		return restore.Source{}, fmt.Errorf("the outputs of %s say environment %q, tier %q, but its stack file says %q, %q: wrong --outputs file?", st.Name, out.Environment, out.Tier, st.Environment, st.Tier)
	}
	if err := recoveryFromOutputs(o, out, st.Name, d.stderr); err != nil {
		return restore.Source{}, err
	}
	return restore.Source{Stack: st.Name, Environment: st.Environment, Tier: st.Tier, Region: region, Outputs: out}, nil
}

// regionPattern is the shape of an AWS region name (eu-central-1,
// us-gov-west-1).
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// kmsKeyPattern is a KMS key ARN: arn:<partition>:kms:<region>:<account>:key/<id>.
var kmsKeyPattern = regexp.MustCompile(`^arn:aws[a-z-]*:kms:([a-z0-9-]+):[0-9]{12}:key/[A-Za-z0-9-]+$`)

// checkRecoveryFlags validates the flags of a drill in the DR region.
func checkRecoveryFlags(o *options) error {
	drFlags := o.subnetGroup != "" || o.parameterGroup != "" || o.securityGroups != "" || o.kmsKey != ""
	if o.region == "" {
		if drFlags {
			return errors.New("--subnet-group, --parameter-group, --security-group and --kms-key are for a drill in the disaster recovery region: pass --region too")
		}
		return nil
	}
	if !regionPattern.MatchString(o.region) {
		return fmt.Errorf("--region %q: an AWS region such as eu-central-1", o.region)
	}
	if o.sweep {
		// The sweep lists and deletes drill instances in the region; it
		// needs no network or key.
		return nil
	}
	for _, sg := range splitList(o.securityGroups) {
		if !strings.HasPrefix(sg, "sg-") {
			return fmt.Errorf("--security-group %q: security group ids such as sg-0123456789abcdef0, comma-separated", o.securityGroups)
		}
	}
	if o.kmsKey != "" {
		return checkKmsKey("--kms-key", o.kmsKey, o.region)
	}
	return nil
}

// checkKmsKey holds the DR key, from flag (--kms-key, or the output that
// defaulted it), to a key ARN of the DR region.
func checkKmsKey(flag, key, region string) error {
	m := kmsKeyPattern.FindStringSubmatch(key)
	if m == nil {
		return fmt.Errorf("%s %q: the ARN of a KMS key, arn:aws:kms:%s:<account>:key/<id> (an alias or bare key id is not compared with the key RDS reports)", flag, key, region)
	}
	if m[1] != region {
		return fmt.Errorf("%s %q is a key in %s, not in --region %s: the replicated backups are encrypted with a key of the DR region", flag, key, m[1], region)
	}
	return nil
}

// recoveryFromOutputs holds a drill in the DR region to the stack's own
// DR (its drRegion output is --region) and completes its flags from the
// outputs the database program exports for it: --subnet-group from
// drSubnetGroupName (the DB subnet group the stack declares over its
// recovery network's database subnets), --parameter-group from
// drParameterGroupName (the DB parameter group the stack declares there
// with the primary's parameters) and --kms-key from drKmsKeyArn
// (the key the replicated backups are encrypted with). A flag given
// explicitly wins. --security-group has no output to come from (the
// recovery network exports no group for the drill) and stays required.
// The defaults taken are named on progress.
func recoveryFromOutputs(o *options, out stackout.Database, stack string, progress io.Writer) error {
	if o.region == "" || o.sweep {
		// A sweep deletes what earlier drills left in --region, also
		// after the stack's recovery region changed.
		return nil
	}
	if out.DRRegion != o.region {
		why := fmt.Sprintf("the stack replicates its backups to %s", out.DRRegion)
		if out.DRRegion == "" {
			why = "the stack replicates its backups to no other region (no database:dr, or not deployed since it was set)"
		}
		return fmt.Errorf("--region %s: the outputs of %s say drRegion %q: %s; a DR drill restores the stack's replicated backups in its drRegion", o.region, stack, out.DRRegion, why)
	}
	keyFlag := "--kms-key"
	var taken []string
	if o.subnetGroup == "" && out.DRSubnetGroupName != "" {
		o.subnetGroup = out.DRSubnetGroupName
		taken = append(taken, "subnet group "+o.subnetGroup+" (drSubnetGroupName)")
	}
	if o.parameterGroup == "" && out.DRParameterGroupName != "" {
		o.parameterGroup = out.DRParameterGroupName
		taken = append(taken, "parameter group "+o.parameterGroup+" (drParameterGroupName)")
	}
	if o.kmsKey == "" && out.DRKmsKeyArn != "" {
		o.kmsKey, keyFlag = out.DRKmsKeyArn, "the output drKmsKeyArn of "+stack
		taken = append(taken, "key "+o.kmsKey+" (drKmsKeyArn)")
	}
	var missing []string
	for flag, v := range map[string]string{"--subnet-group": o.subnetGroup, "--security-group": o.securityGroups, "--kms-key": o.kmsKey} {
		if v == "" {
			missing = append(missing, flag)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		why := ""
		if o.subnetGroup == "" || o.kmsKey == "" {
			why = fmt.Sprintf("; --subnet-group and --kms-key default to the stack's drSubnetGroupName and drKmsKeyArn outputs, which the outputs of %s leave empty (deploy the stack again to export them)", stack)
		}
		return fmt.Errorf("--region %s needs %s: the recovery network's DB subnet group and security group to restore into, and the key of the replicated backups in %s%s", o.region, strings.Join(missing, ", "), o.region, why)
	}
	if o.parameterGroup == "" {
		// Without DBParameterGroupName the restored instance gets "the
		// default DB parameter group" (RDS API reference,
		// RestoreDBInstanceToPointInTime,
		// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBInstanceToPointInTime.html):
		// not the platform's settings, so the drill refuses rather than
		// restoring something unlike what a fail-over would run.
		return fmt.Errorf("--region %s needs --parameter-group: the outputs of %s have drRegion %q but drParameterGroupName is empty (the stack was deployed before the program declared a DB parameter group in %s; deploy it again to export one); without one RDS restores with the default DB parameter group, without the platform's settings such as rds.force_ssl", o.region, stack, out.DRRegion, o.region)
	}
	if err := checkKmsKey(keyFlag, o.kmsKey, o.region); err != nil {
		return err
	}
	if len(taken) > 0 {
		list := strings.Join(taken, " and ")
		if n := len(taken); n > 2 {
			list = strings.Join(taken[:n-1], ", ") + " and " + taken[n-1]
		}
		fmt.Fprintf(progress, "restore-drill: restoring in %s with %s from the outputs of %s\n", o.region, list, stack)
	}
	return nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
