package failovercmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/jackc/pgx/v5"

	"github.com/pgplatform/platform/scripts/internal/cli"
	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/scripts/internal/stackout"
	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/spec"
)

// Exit codes.
const (
	exitPassed = 0
	exitMissed = 1
	exitError  = 2
)

// Main runs the command with the process's arguments and standard
// streams, against AWS and the Pulumi backend, and returns its exit
// status. SIGINT or SIGTERM stops the drill.
func Main(args []string) int {
	ctx, stop := cli.NotifyContext(context.Background())
	defer stop()
	return run(ctx, args, deps{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		aws: loadAWS, stackOutputs: backendOutputs,
	})
}

// awsClients are the AWS APIs the drill calls.
type awsClients struct {
	rds     failover.RDSAPI
	cluster failover.ClusterAPI
	secrets dbconn.SecretsGetter
	creds   aws.CredentialsProvider
	region  string
}

// deps are the command's connections to the outside, replaced in tests.
type deps struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// aws returns AWS clients for region ("" = the SDK's default chain).
	aws func(ctx context.Context, region string) (awsClients, error)
	// stackOutputs reads a database stack's outputs from the backend.
	stackOutputs func(ctx context.Context, stack string) (map[string]any, error)
}

func loadAWS(ctx context.Context, region string) (awsClients, error) {
	cfg, err := cli.AWSConfig(ctx, region)
	if errors.Is(err, cli.ErrNoRegion) {
		return awsClients{}, fmt.Errorf("%w: pass --region or set AWS_REGION", err)
	}
	if err != nil {
		return awsClients{}, err
	}
	client := rds.NewFromConfig(cfg)
	return awsClients{
		rds:     client,
		cluster: client,
		secrets: secretsmanager.NewFromConfig(cfg),
		creds:   cfg.Credentials,
		region:  cfg.Region,
	}, nil
}

type options struct {
	outputs, stack                  string
	host, db, user, secretArn, inst string
	region                          string
	port                            int
	target, clusterID, proxyHost    string
	via                             cli.List

	sslmode, caBundle, dnsServer string
	iamAuth                      bool
	connectTimeout               time.Duration

	triggerCmd string
	triggerTO  time.Duration

	rate                                  float64
	writeTimeout, probeInterval, dnsEvery time.Duration
	warmup, settle, maxWait, maxRTO       time.Duration
	maxLost                               int
	table                                 string
	keepTable                             bool
	jsonOut                               string
}

const usageHead = `Usage: failover-drill [flags]

Fails a PostgreSQL database over under a steady write workload and reports
the client-observed downtime, the DNS flip, the availability zones and any
lost acknowledged write. Human report on stderr, JSON report on stdout.

The target comes from a database stack's outputs (--outputs or --stack);
a flag given explicitly overrides the output it names.

Flags:
`

const usageFoot = `
Exit status: 0 thresholds met, 1 a threshold missed, 2 the drill could not run.
Without --secret-arn or --iam-auth the password is read from $PGPASSWORD.
`

func newFlags(o *options, stderr io.Writer) *flag.FlagSet {
	fs := cli.NewFlagSet("failover-drill", stderr, usageHead, usageFoot)
	fs.StringVar(&o.outputs, "outputs", "", "database stack outputs `file` as printed by 'pulumi stack output --json' (- for stdin)")
	fs.StringVar(&o.stack, "stack", "", "database stack whose outputs to read from the Pulumi backend (e.g. orders-staging)")
	fs.StringVar(&o.host, "host", "", "endpoint host name (outputs: address)")
	fs.IntVar(&o.port, "port", 5432, "endpoint port (outputs: port)")
	fs.StringVar(&o.db, "db", "postgres", "database name (outputs: databaseName)")
	fs.StringVar(&o.user, "user", "", "database user (outputs: masterUsername; default: the secret's username)")
	fs.StringVar(&o.secretArn, "secret-arn", "", "ARN of the RDS-managed master user secret (outputs: masterSecretArn)")
	fs.StringVar(&o.inst, "instance-id", "", "RDS DB instance identifier to fail over (outputs: instanceIdentifier)")
	fs.StringVar(&o.target, "target", "", "what to fail over: instance (rds:RebootDBInstance ForceFailover on --instance-id) or cluster (rds:FailoverDBCluster on --cluster-id); default: the outputs' deployment, else instance")
	fs.StringVar(&o.clusterID, "cluster-id", "", "RDS Multi-AZ DB cluster identifier to fail over (outputs: clusterIdentifier)")
	fs.Var(&o.via, "via", "where the probes connect: writer (the database's endpoint, --host) or proxy (the RDS Proxy, --proxy-host, with an IAM token as --user); both (proxy,writer, or the flag twice) run one drill each, in that order, and report them side by side (default writer)")
	fs.StringVar(&o.proxyHost, "proxy-host", "", "RDS Proxy endpoint for --via proxy (outputs: proxyEndpoint)")
	fs.StringVar(&o.region, "region", "", "AWS region (default: from the endpoint name, else the AWS SDK's chain)")
	fs.StringVar(&o.sslmode, "sslmode", dbconn.SSLVerifyFull, "TLS mode: "+strings.Join(dbconn.SSLModes, ", "))
	fs.StringVar(&o.caBundle, "ca-bundle", "", "PEM file of trusted CAs; for RDS the global bundle (global-bundle.pem)")
	fs.BoolVar(&o.iamAuth, "iam-auth", false, "authenticate with an RDS IAM auth token instead of a password")
	fs.DurationVar(&o.connectTimeout, "connect-timeout", 3*time.Second, "timeout of one connection attempt")
	fs.StringVar(&o.dnsServer, "dns-server", "", "resolve the endpoint through this DNS server (host:port) instead of the system resolver, e.g. to bypass a local cache")
	fs.StringVar(&o.triggerCmd, "trigger-cmd", "", "shell command that fails the database over (instead of rds:RebootDBInstance ForceFailover)")
	fs.DurationVar(&o.triggerTO, "trigger-timeout", 10*time.Minute, "timeout of --trigger-cmd")
	fs.Float64Var(&o.rate, "rate", failover.DefaultRate, "write attempts per second")
	fs.DurationVar(&o.writeTimeout, "write-timeout", failover.DefaultWriteTimeout, "deadline of one write attempt, reconnect included")
	fs.DurationVar(&o.probeInterval, "probe-interval", failover.DefaultProbeInterval, "period of the read probe")
	fs.DurationVar(&o.dnsEvery, "dns-interval", failover.DefaultDNSInterval, "period of the DNS probe")
	fs.DurationVar(&o.warmup, "warmup", failover.DefaultWarmup, "steady writes before the trigger")
	fs.DurationVar(&o.settle, "settle", failover.DefaultSettle, "writes must succeed this long after the last failure before the drill ends")
	fs.DurationVar(&o.maxWait, "max-wait", failover.DefaultMaxWait, "longest observation after the trigger")
	fs.DurationVar(&o.maxRTO, "max-rto", failover.DefaultMaxDowntime, "RTO threshold: the longest acceptable client-observed write downtime")
	fs.IntVar(&o.maxLost, "max-lost", 0, "RPO threshold: the most acknowledged writes that may be lost")
	fs.StringVar(&o.table, "table", "", "drill table name (default failover_drill_<random>)")
	fs.BoolVar(&o.keepTable, "keep-table", false, "keep the drill table afterwards")
	fs.StringVar(&o.jsonOut, "json", "-", "`file` to write the JSON report to (- for stdout)")
	return fs
}

func run(ctx context.Context, args []string, d deps) int {
	var o options
	fs := newFlags(&o, d.stderr)
	if err := fs.Parse(args); err != nil {
		return cli.FlagExit(err, exitError)
	}
	if err := cli.NoArgs(fs); err != nil {
		fmt.Fprintf(d.stderr, "failover-drill: %v\n", err)
		return exitError
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	runs, err := drill(ctx, &o, set, d)
	if len(runs) > 1 || (len(runs) == 1 && err != nil) {
		// Several runs, or one before a later one could not run: each
		// run's report, then the runs side by side.
		for _, r := range runs {
			fmt.Fprintf(d.stderr, "== via %s ==\n", r.Via)
			if werr := r.Report.WriteHuman(d.stderr); werr != nil {
				fmt.Fprintf(d.stderr, "failover-drill: write the report: %v\n", werr)
				return exitError
			}
		}
	}
	if err != nil {
		fmt.Fprintf(d.stderr, "failover-drill: %v\n", err)
		return exitError
	}
	if len(runs) == 1 {
		rep := runs[0].Report
		if err := rep.WriteHuman(d.stderr); err != nil {
			fmt.Fprintf(d.stderr, "failover-drill: write the report: %v\n", err)
			return exitError
		}
		if err := writeJSON(rep, o.jsonOut, d.stdout); err != nil {
			fmt.Fprintf(d.stderr, "failover-drill: %v\n", err)
			return exitError
		}
		if !rep.Verdict.Passed {
			return exitMissed
		}
		return exitPassed
	}
	cmp := failover.NewComparison(runs)
	if err := cmp.WriteHuman(d.stderr); err != nil {
		fmt.Fprintf(d.stderr, "failover-drill: write the report: %v\n", err)
		return exitError
	}
	if err := writeJSON(cmp, o.jsonOut, d.stdout); err != nil {
		fmt.Fprintf(d.stderr, "failover-drill: %v\n", err)
		return exitError
	}
	if !cmp.Passed {
		return exitMissed
	}
	return exitPassed
}

// writeJSON writes the report of one run (a *failover.Report, as before
// --via) or of several (a *failover.Comparison).
func writeJSON(rep any, path string, stdout io.Writer) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the JSON report: %w", err)
	}
	return cli.WriteOutput("json", path, append(b, '\n'), stdout)
}

// applyOutputs fills the target from stack outputs, for every flag the
// user did not set.
func applyOutputs(o *options, set map[string]bool, db stackout.Database) {
	fill := func(name string, dst *string, v string) {
		if !set[name] && v != "" {
			*dst = v
		}
	}
	fill("host", &o.host, db.Address)
	fill("db", &o.db, db.DatabaseName)
	fill("user", &o.user, db.MasterUsername)
	fill("secret-arn", &o.secretArn, db.MasterSecretArn)
	fill("instance-id", &o.inst, db.InstanceIdentifier)
	fill("cluster-id", &o.clusterID, db.ClusterIdentifier)
	fill("proxy-host", &o.proxyHost, db.ProxyEndpoint)
	fill("target", &o.target, db.Deployment)
	if !set["port"] && db.Port != 0 {
		o.port = db.Port
	}
}

// rawSource serves outputs already read.
type rawSource map[string]any

func (r rawSource) Outputs(context.Context, string, string) (map[string]any, error) { return r, nil }

func readOutputs(ctx context.Context, o *options, d deps) (*stackout.Database, error) {
	var raw map[string]any
	var what string
	switch {
	case o.outputs != "" && o.stack != "":
		return nil, errors.New("give --outputs or --stack, not both")
	case o.outputs == "-":
		data, err := io.ReadAll(d.stdin)
		if err != nil {
			return nil, fmt.Errorf("read --outputs from stdin: %w", err)
		}
		if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
			return nil, fmt.Errorf("--outputs -: stdin is not a JSON object of stack outputs (`pulumi stack output --json` prints one): %v", err)
		}
		what = "stdin"
	case o.outputs != "":
		r, err := stackout.ReadFile(o.outputs)
		if err != nil {
			return nil, fmt.Errorf("--outputs %s: %w", o.outputs, err)
		}
		raw, what = r, o.outputs
	case o.stack != "":
		if d.stackOutputs == nil {
			return nil, errors.New("--stack: no Pulumi backend reader")
		}
		r, err := d.stackOutputs(ctx, o.stack)
		if err != nil {
			return nil, fmt.Errorf("--stack %s: %w", o.stack, err)
		}
		raw, what = r, o.stack
	default:
		return nil, nil
	}
	db, err := stackout.ReadDatabase(ctx, rawSource(raw), what)
	if err != nil {
		return nil, err
	}
	return &db, nil
}

var rdsHost = regexp.MustCompile(`\.([a-z]{2}(-[a-z]+)+-\d)\.rds\.amazonaws\.com\.?$`)

// regionOf returns the region in an RDS endpoint name, or "".
func regionOf(host string) string {
	if m := rdsHost.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	return ""
}

// drill runs one drill per --via, in order, and returns the runs done;
// an error stops the runs that remain.
func drill(ctx context.Context, o *options, set map[string]bool, d deps) ([]failover.ViaRun, error) {
	planned, err := plans(ctx, o, set, d)
	if err != nil {
		return nil, err
	}
	var runs []failover.ViaRun
	for _, p := range planned {
		if len(planned) > 1 {
			fmt.Fprintf(d.stderr, "failover-drill: drill %d of %d, via %s (%s:%d)\n", len(runs)+1, len(planned), p.via, p.cfg.Host, p.port)
		}
		rep, err := failover.Run(ctx, p.cfg)
		if err != nil {
			return runs, fmt.Errorf("the drill via %s: %w", p.via, err)
		}
		rep.Target.Port = p.port
		runs = append(runs, failover.ViaRun{Via: p.via, Report: rep})
	}
	return runs, nil
}

// proxyPort is the port a PostgreSQL RDS Proxy listens on: the engine
// family's default, whatever the database's port (RDS Proxy limitations,
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy.html#rds-proxy.limitations).
const proxyPort = 5432

// viaPlan is the drill of one --via.
type viaPlan struct {
	via  string
	port int
	cfg  failover.Config
	// conn is how cfg.Connect connects.
	conn dbconn.Options
}

// plan is the drill of the first --via (tests read it).
func plan(ctx context.Context, o *options, set map[string]bool, d deps) (failover.Config, error) {
	ps, err := plans(ctx, o, set, d)
	if err != nil {
		return failover.Config{}, err
	}
	return ps[0].cfg, nil
}

// vias checks --via: writer, proxy or both, each once; writer by default.
func vias(l cli.List) ([]string, error) {
	if len(l) == 0 {
		return []string{failover.ViaWriter}, nil
	}
	var out []string
	for _, v := range l {
		switch {
		case v != failover.ViaWriter && v != failover.ViaProxy:
			return nil, fmt.Errorf("--via %q: want %s or %s (or both, comma-separated)", v, failover.ViaProxy, failover.ViaWriter)
		case slices.Contains(out, v):
			return nil, fmt.Errorf("--via %s is given twice: each endpoint is drilled once", v)
		}
		out = append(out, v)
	}
	return out, nil
}

// plans turns the parsed flags (and the stack outputs they name) into one
// drill configuration per --via, without touching the database.
func plans(ctx context.Context, o *options, set map[string]bool, d deps) ([]viaPlan, error) {
	db, err := readOutputs(ctx, o, d)
	if err != nil {
		return nil, err
	}
	if db != nil {
		applyOutputs(o, set, *db)
	}
	via, err := vias(o.via)
	if err != nil {
		return nil, err
	}
	if slices.Contains(via, failover.ViaWriter) && o.host == "" {
		return nil, errors.New("no target: give --outputs FILE, --stack NAME or --host")
	}
	if slices.Contains(via, failover.ViaProxy) {
		if o.proxyHost == "" {
			return nil, errors.New("--via proxy: the stack has no RDS Proxy (its proxyEndpoint output is empty); give --proxy-host, or drill --via writer")
		}
		if o.user == "" {
			return nil, errors.New("--via proxy: give --user, the database user whose secret the proxy holds (outputs: masterUsername); the proxy takes an IAM token for it")
		}
	}
	if o.target == "" {
		o.target = string(spec.DeployInstance)
	}
	if o.target != string(spec.DeployInstance) && o.target != string(spec.DeployCluster) {
		return nil, fmt.Errorf("--target %q: want %s (rds:RebootDBInstance ForceFailover) or %s (rds:FailoverDBCluster)", o.target, spec.DeployInstance, spec.DeployCluster)
	}
	switch {
	case o.triggerCmd != "":
	case o.target == string(spec.DeployCluster) && o.clusterID == "":
		return nil, errors.New("no trigger: --target cluster needs --cluster-id (rds:FailoverDBCluster; also in the stack outputs) or --trigger-cmd")
	case o.target == string(spec.DeployInstance) && o.inst == "":
		return nil, errors.New("no trigger: give --instance-id (RDS forced failover; also in the stack outputs), --target cluster with --cluster-id, or --trigger-cmd")
	}
	if o.iamAuth && o.secretArn != "" && set["secret-arn"] {
		return nil, errors.New("give --iam-auth or --secret-arn, not both")
	}
	if o.region == "" {
		o.region = regionOf(o.host)
	}
	if o.region == "" {
		o.region = regionOf(o.proxyHost)
	}

	needAWS := o.triggerCmd == "" || o.iamAuth || o.secretArn != "" || slices.Contains(via, failover.ViaProxy)
	var clients awsClients
	if needAWS {
		if d.aws == nil {
			return nil, errors.New("no AWS client factory")
		}
		clients, err = d.aws(ctx, o.region)
		if err != nil {
			return nil, err
		}
	}

	var trigger failover.Trigger
	switch {
	case o.triggerCmd != "":
		trigger = failover.CommandTrigger{Command: o.triggerCmd, Timeout: o.triggerTO, Output: d.stderr}
	case o.target == string(spec.DeployCluster):
		trigger = failover.ClusterTrigger{API: clients.cluster, ClusterID: o.clusterID}
	default:
		trigger = failover.RDSTrigger{API: clients.rds, InstanceID: o.inst}
	}
	if err := cli.Positive(map[string]time.Duration{"warmup": o.warmup, "settle": o.settle, "max-wait": o.maxWait, "max-rto": o.maxRTO, "write-timeout": o.writeTimeout, "probe-interval": o.probeInterval, "dns-interval": o.dnsEvery}); err != nil {
		return nil, err
	}
	if o.maxLost < 0 {
		return nil, fmt.Errorf("--max-lost %d: must be 0 or more", o.maxLost)
	}
	var out []viaPlan
	for _, v := range via {
		vo := *o
		if v == failover.ViaProxy {
			// The proxy requires IAM authentication from clients (the
			// spec's proxy: IAMAuth REQUIRED), whatever the writer takes.
			vo.host, vo.port, vo.iamAuth, vo.secretArn = o.proxyHost, proxyPort, true, ""
		}
		cfg, conn, err := viaConfig(&vo, clients, trigger, d)
		if err != nil {
			if len(via) > 1 {
				return nil, fmt.Errorf("--via %s: %w", v, err)
			}
			return nil, err
		}
		out = append(out, viaPlan{via: v, port: vo.port, cfg: cfg, conn: conn})
	}
	return out, nil
}

// viaConfig is the drill's configuration for the connection o describes.
func viaConfig(o *options, clients awsClients, trigger failover.Trigger, d deps) (failover.Config, dbconn.Options, error) {
	opts := connOptions(o, clients, os.LookupEnv)
	if err := requireVerifyFull(opts, o); err != nil {
		return failover.Config{}, dbconn.Options{}, err
	}
	var resolver *net.Resolver
	if o.dnsServer != "" {
		if _, _, err := net.SplitHostPort(o.dnsServer); err != nil {
			return failover.Config{}, dbconn.Options{}, fmt.Errorf("--dns-server %q: want host:port, e.g. 169.254.169.253:53: %w", o.dnsServer, err)
		}
		server := o.dnsServer
		resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var dd net.Dialer
			return dd.DialContext(ctx, network, server)
		}}
		opts.Resolver = resolver
	}
	if err := opts.Validate(); err != nil {
		return failover.Config{}, dbconn.Options{}, fmt.Errorf("connection: %w", err)
	}

	cfg := failover.Config{
		Connect: func(ctx context.Context) (*pgx.Conn, error) { return dbconn.Connect(ctx, opts) },
		Host:    o.host,
		Trigger: trigger,
		Rate:    o.rate, WriteTimeout: o.writeTimeout, ProbeInterval: o.probeInterval, DNSInterval: o.dnsEvery,
		Warmup: o.warmup, Settle: o.settle, MaxWait: o.maxWait,
		Table: o.table, KeepTable: o.keepTable,
		MaxDowntime: o.maxRTO, MaxLost: o.maxLost,
		Progress: d.stderr,
	}
	if resolver != nil {
		cfg.Resolver = resolver
	}
	return cfg, opts, nil
}

// connOptions builds the connection to the target from the flags and the
// AWS clients. The credentials are, in this order: with --iam-auth an IAM
// auth token signed for the clients' region; with a secret ARN (--secret-arn
// or the masterSecretArn output) the RDS-managed secret; otherwise the
// password in $PGPASSWORD when it is set (lookupEnv is os.LookupEnv), else
// none.
func connOptions(o *options, clients awsClients, lookupEnv func(string) (string, bool)) dbconn.Options {
	opts := dbconn.Options{
		Host: o.host, Port: o.port, Database: o.db, User: o.user,
		SSLMode: o.sslmode, CABundle: o.caBundle,
		ConnectTimeout: o.connectTimeout, ApplicationName: "failover-drill",
	}
	switch {
	case o.iamAuth:
		opts.Credentials = &dbconn.IAMToken{Region: clients.region, AWS: clients.creds}
	case o.secretArn != "":
		opts.Credentials = &dbconn.ManagedSecret{Client: clients.secrets, ARN: o.secretArn}
	default:
		if pw, ok := lookupEnv("PGPASSWORD"); ok && pw != "" {
			opts.Credentials = dbconn.Static{Password: pw}
		}
	}
	return opts
}

// requireVerifyFull refuses to send a password or token over anything but
// sslmode verify-full: require, verify-ca, prefer and disable do not check
// that the server is the database named by --host (libpq's "SSL Mode
// Descriptions": only verify-full protects against an impostor with a
// certificate of the same CA; https://www.postgresql.org/docs/current/libpq-ssl.html),
// so the master password, an IAM token or $PGPASSWORD could go to whoever
// answers. Other modes stay for servers that need no password (trust
// authentication on a test server).
func requireVerifyFull(opts dbconn.Options, o *options) error {
	if opts.Credentials == nil || o.sslmode == dbconn.SSLVerifyFull {
		return nil
	}
	var what string
	switch opts.Credentials.(type) {
	case *dbconn.IAMToken:
		what = "an IAM authentication token (--iam-auth)"
	case *dbconn.ManagedSecret:
		what = "the password from the secret " + o.secretArn
	default:
		what = "the password in $PGPASSWORD"
	}
	return fmt.Errorf("--sslmode %s: the drill would send %s, which only sslmode %s protects from a server posing as %s; use --sslmode %s with --ca-bundle (other modes are allowed only without a password)", o.sslmode, what, dbconn.SSLVerifyFull, o.host, dbconn.SSLVerifyFull)
}

// backendOutputs reads a database stack's outputs through the Automation
// API from the repository's Pulumi backend.
func backendOutputs(ctx context.Context, stack string) (map[string]any, error) {
	root, err := cli.Root("")
	if err != nil {
		return nil, err
	}
	return workspace.StackOutputs{Root: root}.Outputs(ctx, contract.DatabaseProject, stack)
}
