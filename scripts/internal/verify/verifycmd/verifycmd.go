package verifycmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/pgplatform/platform/scripts/internal/cli"
	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/verify"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/stacks"
)

// Main runs the command with the process's arguments and standard
// streams, against AWS, and returns its exit status. SIGINT or SIGTERM
// cancels the checks.
func Main(args []string) int {
	ctx, stop := cli.NotifyContext(context.Background())
	defer stop()
	return run(ctx, args, deps{stdout: os.Stdout, stderr: os.Stderr, aws: loadAWS})
}

// clients are the AWS APIs of one region, and the credentials that sign
// the IAM token of the connection check. verify reads no secret.
type clients struct {
	rds   verify.RDS
	ec2   verify.EC2
	creds aws.CredentialsProvider
}

// deps are the command's connections to the outside, replaced in tests.
type deps struct {
	stdout, stderr io.Writer
	// root is the repository root; "" finds it from the working directory.
	root string
	aws  func(ctx context.Context, region string) (clients, error)
	// db replaces the real connection check in tests.
	db  verify.Pinger
	now func() time.Time
}

var loadAWS = cli.AWSClients(func(cfg aws.Config) clients {
	return clients{rds: rds.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg), creds: cfg.Credentials}
})

type options struct {
	env              string
	stacks           cli.List
	outputs          string
	networkOutputs   string
	backend          string
	report           string
	caBundle         string
	maxPendingReboot time.Duration
	maxRestoreLag    time.Duration
	connectTimeout   time.Duration
}

const usageHead = `Usage: verify --env ENV [--stack NAME ...] --ca-bundle FILE [flags]

Checks each database stack of ENV (or the stacks named) against the
guardrails through the AWS API, and connects to it with TLS verify-full.
One line per check on stdout, progress on stderr.

Flags:
`

const usageFoot = `
Exit status: 0 all passed, 1 a check failed, 2 bad usage, 3 nothing failed
but a check could not tell.
`

func newFlags(o *options, stderr io.Writer) *flag.FlagSet {
	fs := cli.NewFlagSet("verify", stderr, usageHead, usageFoot)
	fs.StringVar(&o.env, "env", "", "environment to verify (dev, staging, prod); required")
	fs.Var(&o.stacks, "stack", "database stack to verify (repeatable or comma-separated; default: every database stack of --env)")
	fs.StringVar(&o.outputs, "outputs", "", "outputs `file` of the one --stack, as printed by 'pulumi stack output --json' (instead of the backend)")
	fs.StringVar(&o.networkOutputs, "network-outputs", "", "outputs `file` of the environment's network stack (with --outputs; without it the network checks cannot tell)")
	cli.BackendFlag(fs, &o.backend)
	cli.ReportFlag(fs, &o.report)
	cli.CABundleFlag(fs, &o.caBundle)
	fs.DurationVar(&o.maxPendingReboot, "max-pending-reboot", verify.DefaultMaxPendingReboot, "longest a parameter change may wait for a reboot")
	fs.DurationVar(&o.maxRestoreLag, "max-restore-lag", verify.DefaultMaxRestoreLag, "how far the latest restorable time may trail now")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", 10*time.Second, "timeout of the connection check")
	return fs
}

func run(ctx context.Context, args []string, d deps) int {
	var o options
	fs := newFlags(&o, d.stderr)
	targets, code, ok := cli.Start(fs, args, d.stderr, check.ExitUsage, func() ([]verify.Target, error) { return prepare(ctx, &o, fs, d) })
	if !ok {
		return code
	}

	now := time.Now
	if d.now != nil {
		now = d.now
	}
	var mu sync.Mutex
	cache := map[string]clients{}
	regional := func(ctx context.Context, region string) (clients, error) {
		mu.Lock()
		defer mu.Unlock()
		if c, ok := cache[region]; ok {
			return c, nil
		}
		c, err := d.aws(ctx, region)
		if err != nil {
			return clients{}, err
		}
		cache[region] = c
		return c, nil
	}
	pinger := d.db
	if pinger == nil {
		pinger = verify.PGPinger{
			Credentials: func(ctx context.Context, region string) (aws.CredentialsProvider, error) {
				c, err := regional(ctx, region)
				return c.creds, err
			},
			CABundle:       o.caBundle,
			ConnectTimeout: o.connectTimeout,
		}
	}
	v := &verify.Verifier{
		AWS: func(ctx context.Context, region string) (verify.RDS, verify.EC2, error) {
			c, err := regional(ctx, region)
			return c.rds, c.ec2, err
		},
		DB:               pinger,
		Now:              now,
		MaxPendingReboot: o.maxPendingReboot,
		MaxRestoreLag:    o.maxRestoreLag,
		Progress:         d.stderr,
	}

	rep := report{Tool: "verify", Environment: o.env, StartedAt: now().UTC()}
	var all []check.Result
	for _, t := range targets {
		sr := v.Verify(ctx, t)
		rep.Stacks = append(rep.Stacks, sr)
		all = append(all, sr.Checks...)
		if err := check.Print(d.stdout, sr.Checks); err != nil {
			fmt.Fprintf(d.stderr, "verify: %v\n", err)
		}
	}
	rep.FinishedAt = now().UTC()
	rep.Summary = check.Summarize(all)
	rep.ExitCode = check.ExitCode(all)
	fmt.Fprintf(d.stdout, "verify %s: %d stack(s), %s\n", o.env, len(targets), rep.Summary)
	if !check.WriteReport(d.stderr, "verify", o.report, rep) {
		return check.ExitFail
	}
	return rep.ExitCode
}

// report is the JSON report.
type report struct {
	Tool        string               `json:"tool"`
	Environment string               `json:"environment"`
	StartedAt   time.Time            `json:"startedAt"`
	FinishedAt  time.Time            `json:"finishedAt"`
	Stacks      []verify.StackReport `json:"stacks"`
	Summary     check.Summary        `json:"summary"`
	ExitCode    int                  `json:"exitCode"`
}

// prepare validates the flags, selects the stacks and reads their outputs.
func prepare(ctx context.Context, o *options, fs *flag.FlagSet, d deps) ([]verify.Target, error) {
	if err := cli.NoArgs(fs); err != nil {
		return nil, err
	}
	if o.env == "" {
		return nil, errors.New("--env is required: the environment to verify (dev, staging or prod)")
	}
	if err := cli.RequireFile("ca-bundle", o.caBundle, dbconn.RDSCABundle); err != nil {
		return nil, err
	}
	if err := cli.Positive(map[string]time.Duration{"max-pending-reboot": o.maxPendingReboot, "max-restore-lag": o.maxRestoreLag, "connect-timeout": o.connectTimeout}); err != nil {
		return nil, err
	}
	root, err := cli.Root(d.root)
	if err != nil {
		return nil, err
	}
	all, err := stacks.Discover(root)
	if err != nil {
		return nil, err
	}
	selected, err := stackout.Select(all, o.env, o.stacks)
	if err != nil {
		return nil, err
	}
	var src stackout.Source
	switch {
	case o.outputs != "" && len(selected) != 1:
		return nil, fmt.Errorf("--outputs holds one stack's outputs: name that stack with --stack (environment %s has %d database stacks)", o.env, len(selected))
	case o.outputs != "":
		files := stackout.Files{stackout.Key(contract.DatabaseProject, selected[0].Name): o.outputs}
		if o.networkOutputs != "" {
			ref, err := networkref.Of(selected[0].Config, o.env)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", selected[0].Name, err)
			}
			files[stackout.Key(ref.Project, stackout.RefStack(ref))] = o.networkOutputs
		}
		src = files
	case o.networkOutputs != "":
		return nil, errors.New("--network-outputs goes with --outputs; without --outputs both are read from the backend")
	default:
		src = workspace.StackOutputs{Root: root, URL: o.backend}
	}
	type network struct {
		n   *stackout.Network
		err error
	}
	networks := map[string]network{}
	var targets []verify.Target
	for _, s := range selected {
		fmt.Fprintf(d.stderr, "verify: reading the outputs of %s\n", s.Name)
		t := verify.Target{Stack: s}
		t.Outputs, t.OutputsErr = stackout.ReadDatabase(ctx, src, s.Name)
		ref, err := networkref.Of(s.Config, s.Environment)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		name := ref.String()
		net, ok := networks[name]
		if !ok {
			n, err := stackout.ReadNetworkRef(ctx, src, ref)
			if err == nil {
				net.n = &n
			}
			net.err = err
			networks[name] = net
		}
		t.Network, t.NetworkErr = net.n, net.err
		targets = append(targets, t)
	}
	return targets, nil
}
