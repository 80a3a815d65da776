package failovercmd

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/pgplatform/platform/scripts/internal/dbconn"
	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/shared/contract"
)

// fakeRDS is a Single-AZ or Multi-AZ instance; it fails the test if the
// drill reboots it.
type fakeRDS struct {
	t       *testing.T
	multiAZ bool
	asked   string
	reboots int
}

func (f *fakeRDS) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	f.asked = aws.ToString(in.DBInstanceIdentifier)
	return &rds.DescribeDBInstancesOutput{DBInstances: []types.DBInstance{{
		DBInstanceIdentifier: in.DBInstanceIdentifier,
		MultiAZ:              aws.Bool(f.multiAZ),
		DBInstanceStatus:     aws.String("available"),
		AvailabilityZone:     aws.String("eu-west-1a"),
	}}}, nil
}

func (f *fakeRDS) RebootDBInstance(context.Context, *rds.RebootDBInstanceInput, ...func(*rds.Options)) (*rds.RebootDBInstanceOutput, error) {
	f.reboots++
	return &rds.RebootDBInstanceOutput{}, nil
}

type fakeSecrets struct{ calls int }

func (f *fakeSecrets) GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	f.calls++
	return &secretsmanager.GetSecretValueOutput{SecretString: aws.String(`{"username":"dbadmin","password":"pw"}`)}, nil
}

// outputsJSON is what `pulumi stack output --json` prints for a dev
// database stack: every output of the contract.
const outputsJSON = `{
  "endpoint": "orders-dev.c1abc.eu-west-1.rds.amazonaws.com:5432",
  "address": "orders-dev.c1abc.eu-west-1.rds.amazonaws.com",
  "port": 5432,
  "databaseName": "orders",
  "masterUsername": "dbadmin",
  "masterSecretArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-1",
  "securityGroupId": "sg-0123",
  "instanceIdentifier": "orders-dev",
  "resourceId": "db-ABC",
  "kmsKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/1",
  "alarmTopicArn": "arn:aws:sns:eu-west-1:111122223333:orders-dev-alarms",
  "applicationEndpoint": "orders-dev.c1abc.eu-west-1.rds.amazonaws.com",
  "clusterIdentifier": "",
  "deployment": "instance",
  "proxyEndpoint": "",
  "proxyReadOnlyEndpoint": "",
  "readerEndpoint": "",
  "drRegion": "",
  "drKmsKeyArn": "",
  "drBackupsArn": "",
  "drNetworkStack": "",
  "drSubnetGroupName": "",
  "drParameterGroupName": "",
  "environment": "dev",
  "tier": "dev"
}`

func caBundle(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "global-bundle.pem")
	if err := os.WriteFile(p, []byte("not parsed before a connection\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRefusesSingleAZInstanceFromStackOutputs(t *testing.T) {
	api := &fakeRDS{t: t, multiAZ: false}
	var gotRegion string
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--outputs", "-", "--ca-bundle", caBundle(t)}, deps{
		stdin: strings.NewReader(outputsJSON), stdout: &stdout, stderr: &stderr,
		aws: func(_ context.Context, region string) (awsClients, error) {
			gotRegion = region
			return awsClients{rds: api, secrets: &fakeSecrets{}, region: region}, nil
		},
	})
	if code != exitError {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitError, stderr.String())
	}
	msg := stderr.String()
	for _, want := range []string{"refusing to fail over", `"orders-dev"`, "not a Multi-AZ DB instance", "MultiAZ=false"} {
		if !strings.Contains(msg, want) {
			t.Errorf("stderr does not say %q:\n%s", want, msg)
		}
	}
	if api.asked != "orders-dev" {
		t.Errorf("described instance %q, want orders-dev from the outputs", api.asked)
	}
	if api.reboots != 0 {
		t.Errorf("rebooted a Single-AZ instance %d times", api.reboots)
	}
	if gotRegion != "eu-west-1" {
		t.Errorf("region %q, want eu-west-1 from the endpoint name", gotRegion)
	}
	if stdout.Len() != 0 {
		t.Errorf("a refused drill printed a report: %s", stdout.String())
	}
}

func TestFlagsOverrideOutputs(t *testing.T) {
	var o options
	fs := newFlags(&o, &bytes.Buffer{})
	if err := fs.Parse([]string{"--outputs", "-", "--host", "writer.example.internal", "--db", "drills"}); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	db, err := readOutputs(context.Background(), &o, deps{stdin: strings.NewReader(outputsJSON)})
	if err != nil {
		t.Fatal(err)
	}
	applyOutputs(&o, set, *db)
	if o.host != "writer.example.internal" || o.db != "drills" {
		t.Errorf("explicit flags lost: host %q db %q", o.host, o.db)
	}
	if o.user != "dbadmin" || o.inst != "orders-dev" || o.port != 5432 || !strings.HasSuffix(o.secretArn, "rds!db-1") {
		t.Errorf("outputs not applied: %+v", o)
	}
}

func TestOutputKeysFollowTheContract(t *testing.T) {
	for _, f := range contract.Fields(contract.Database{}) {
		if !strings.Contains(outputsJSON, `"`+f.Name+`"`) {
			t.Errorf("test outputs lack contract output %q", f.Name)
		}
	}
	// A stack that lacks an output the drill needs is one clear error.
	broken := strings.Replace(outputsJSON, `"masterUsername": "dbadmin",`, "", 1)
	if broken == outputsJSON {
		t.Fatal("the test outputs hold no masterUsername to remove")
	}
	_, err := readOutputs(context.Background(), &options{outputs: "-"}, deps{stdin: strings.NewReader(broken)})
	if err == nil || !strings.Contains(err.Error(), "masterUsername") {
		t.Fatalf("missing output: err = %v", err)
	}
}

func TestBadInputIsOneClearError(t *testing.T) {
	noAWS := func(context.Context, string) (awsClients, error) { return awsClients{}, errors.New("no AWS in tests") }
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no target", []string{"--trigger-cmd", "true"}, "no target"},
		{"no trigger", []string{"--host", "db.internal", "--sslmode", "disable"}, "no trigger"},
		{"both sources", []string{"--outputs", "x.json", "--stack", "orders-dev"}, "not both"},
		{"dns server", []string{"--host", "db.internal", "--sslmode", "disable", "--trigger-cmd", "true", "--dns-server", "10.0.0.2"}, `--dns-server "10.0.0.2"`},
		{"sslmode", []string{"--host", "db.internal", "--sslmode", "allow", "--trigger-cmd", "true"}, `sslmode "allow" is not supported`},
		{"no bundle", []string{"--host", "db.internal", "--trigger-cmd", "true"}, "needs a CA bundle"},
		{"zero rto", []string{"--host", "db.internal", "--sslmode", "disable", "--trigger-cmd", "true", "--max-rto", "0s"}, "--max-rto 0s: must be positive"},
		{"outputs file", []string{"--outputs", "/nonexistent/outputs.json"}, "--outputs /nonexistent/outputs.json"},
		{"argument", []string{"extra"}, `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(context.Background(), tc.args, deps{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr, aws: noAWS})
			if code != exitError || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, stderr.String(), exitError, tc.want)
			}
		})
	}
}

func TestRegionOf(t *testing.T) {
	for host, want := range map[string]string{
		"orders-prod.c1abc.eu-west-1.rds.amazonaws.com":    "eu-west-1",
		"x.cluster-c1.us-gov-west-1.rds.amazonaws.com.":    "us-gov-west-1",
		"writer.drill.test":                                "",
		"orders.c1abc.ap-southeast-2.rds.amazonaws.com.cn": "",
	} {
		if got := regionOf(host); got != want {
			t.Errorf("regionOf(%q) = %q, want %q", host, got, want)
		}
	}
}

// fakeCreds stands in for the caller's AWS credentials; the test only
// checks that the IAM token is signed with this provider.
type fakeCreds struct{}

func (*fakeCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
}

// parseFlags parses args as the command does and applies outputs (stack
// outputs as in outputsJSON when withOutputs) under the flags given.
func parseFlags(t *testing.T, args []string, withOutputs bool) (*options, map[string]bool) {
	t.Helper()
	var o options
	fs := newFlags(&o, &bytes.Buffer{})
	if withOutputs {
		args = append([]string{"--outputs", "-"}, args...)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if withOutputs {
		db, err := readOutputs(context.Background(), &o, deps{stdin: strings.NewReader(outputsJSON)})
		if err != nil {
			t.Fatal(err)
		}
		applyOutputs(&o, set, *db)
	}
	return &o, set
}

// Each way of authenticating picks its own credentials: --iam-auth an IAM
// token for the AWS clients' region, a secret ARN the RDS-managed secret
// through the Secrets Manager client, neither $PGPASSWORD.
func TestConnOptionsPicksCredentials(t *testing.T) {
	secrets := &fakeSecrets{}
	creds := &fakeCreds{}
	clients := awsClients{secrets: secrets, creds: creds, region: "eu-central-1"}
	const arn = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:rds!db-9"
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	for _, tc := range []struct {
		name        string
		args        []string
		withOutputs bool
		env         map[string]string
		check       func(t *testing.T, c dbconn.Credentials)
	}{
		{"secret arn flag", []string{"--host", "db.internal", "--secret-arn", arn}, false, map[string]string{"PGPASSWORD": "ignored"},
			func(t *testing.T, c dbconn.Credentials) {
				ms, ok := c.(*dbconn.ManagedSecret)
				if !ok {
					t.Fatalf("credentials %T, want *dbconn.ManagedSecret", c)
				}
				if ms.ARN != arn || ms.Client != secrets {
					t.Errorf("managed secret ARN %q client %v, want %q and the Secrets Manager client", ms.ARN, ms.Client, arn)
				}
			}},
		{"secret arn from outputs", nil, true, nil,
			func(t *testing.T, c dbconn.Credentials) {
				ms, ok := c.(*dbconn.ManagedSecret)
				if !ok || !strings.HasSuffix(ms.ARN, "rds!db-1") || ms.Client != secrets {
					t.Fatalf("credentials %#v, want the masterSecretArn output read through the Secrets Manager client", c)
				}
			}},
		{"iam auth", []string{"--host", "db.internal", "--iam-auth"}, false, map[string]string{"PGPASSWORD": "ignored"},
			func(t *testing.T, c dbconn.Credentials) {
				tok, ok := c.(*dbconn.IAMToken)
				if !ok {
					t.Fatalf("credentials %T, want *dbconn.IAMToken", c)
				}
				if tok.Region != "eu-central-1" || tok.AWS != creds {
					t.Errorf("IAM token region %q provider %v, want eu-central-1 and the AWS credentials", tok.Region, tok.AWS)
				}
			}},
		// The outputs always carry masterSecretArn; --iam-auth still wins.
		{"iam auth over secret from outputs", []string{"--iam-auth"}, true, nil,
			func(t *testing.T, c dbconn.Credentials) {
				if tok, ok := c.(*dbconn.IAMToken); !ok || tok.Region != "eu-central-1" {
					t.Fatalf("credentials %#v, want an IAM token for eu-central-1", c)
				}
			}},
		{"pgpassword", []string{"--host", "db.internal"}, false, map[string]string{"PGPASSWORD": "s3cret"},
			func(t *testing.T, c dbconn.Credentials) {
				if s, ok := c.(dbconn.Static); !ok || s.Password != "s3cret" || s.User != "" {
					t.Fatalf("credentials %#v, want the static password from $PGPASSWORD", c)
				}
			}},
		{"no password", []string{"--host", "db.internal"}, false, nil,
			func(t *testing.T, c dbconn.Credentials) {
				if c != nil {
					t.Fatalf("credentials %#v without $PGPASSWORD, want none", c)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, _ := parseFlags(t, tc.args, tc.withOutputs)
			opts := connOptions(o, clients, env(tc.env))
			tc.check(t, opts.Credentials)
			if opts.Host != o.host || opts.Port != o.port || opts.SSLMode != dbconn.SSLVerifyFull || opts.ApplicationName != "failover-drill" {
				t.Errorf("connection options %+v do not follow the flags", opts)
			}
		})
	}
}

// Both thresholds reach the drill: --max-lost and --max-rto end up in the
// configuration that failover.Run gets, and their defaults are 0 and 120 s.
func TestThresholdFlagsReachTheDrill(t *testing.T) {
	base := []string{"--host", "db.internal", "--sslmode", "disable", "--trigger-cmd", "true"}
	for _, tc := range []struct {
		name     string
		extra    []string
		wantLost int
		wantRTO  time.Duration
	}{
		{"defaults", nil, 0, failover.DefaultMaxDowntime},
		{"max-lost 5", []string{"--max-lost", "5"}, 5, failover.DefaultMaxDowntime},
		{"max-rto 45s", []string{"--max-rto", "45s"}, 0, 45 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, set := parseFlags(t, append(append([]string{}, base...), tc.extra...), false)
			cfg, err := plan(context.Background(), o, set, deps{stderr: &bytes.Buffer{}})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.MaxLost != tc.wantLost {
				t.Errorf("drill MaxLost = %d, want %d", cfg.MaxLost, tc.wantLost)
			}
			if cfg.MaxDowntime != tc.wantRTO {
				t.Errorf("drill MaxDowntime = %s, want %s", cfg.MaxDowntime, tc.wantRTO)
			}
		})
	}
	o, set := parseFlags(t, append(append([]string{}, base...), "--max-lost", "-1"), false)
	if _, err := plan(context.Background(), o, set, deps{stderr: &bytes.Buffer{}}); err == nil || !strings.Contains(err.Error(), "--max-lost -1") {
		t.Fatalf("--max-lost -1: err = %v, want a refusal", err)
	}
}

// A password or token goes only over verify-full: every weaker mode is
// refused with one error that names the flag, the value and the remedy,
// before any connection or AWS call; without a password the weaker modes
// stay usable (trust authentication on a test server).
func TestPasswordOrTokenRequiresVerifyFull(t *testing.T) {
	const arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-1"
	secrets := &fakeSecrets{}
	clients := func(context.Context, string) (awsClients, error) {
		return awsClients{rds: &fakeRDS{multiAZ: true}, secrets: secrets, creds: &fakeCreds{}, region: "eu-west-1"}, nil
	}
	ca := caBundle(t)
	for _, mode := range []string{dbconn.SSLRequire, dbconn.SSLPrefer, dbconn.SSLDisable, dbconn.SSLVerifyCA} {
		for _, tc := range []struct {
			name, pgpassword string
			args             []string
			what             string
		}{
			{"secret", "", []string{"--secret-arn", arn}, "the password from the secret " + arn},
			{"iam token", "", []string{"--iam-auth", "--user", "pgplatform_drill"}, "an IAM authentication token (--iam-auth)"},
			{"pgpassword", "s3cret", nil, "the password in $PGPASSWORD"},
		} {
			t.Run(mode+"/"+tc.name, func(t *testing.T) {
				t.Setenv("PGPASSWORD", tc.pgpassword)
				args := append([]string{"--host", "db.internal", "--trigger-cmd", "true", "--ca-bundle", ca, "--sslmode", mode}, tc.args...)
				o, set := parseFlags(t, args, false)
				_, err := plan(context.Background(), o, set, deps{stderr: &bytes.Buffer{}, aws: clients})
				want := "--sslmode " + mode + ": the drill would send " + tc.what + ", which only sslmode verify-full protects"
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want %q", err, want)
				}
			})
		}
	}
	if secrets.calls != 0 {
		t.Errorf("the secret was read %d times before the refusal", secrets.calls)
	}
	t.Run("verify-full with the secret", func(t *testing.T) {
		o, set := parseFlags(t, []string{"--host", "db.internal", "--trigger-cmd", "true", "--ca-bundle", ca, "--secret-arn", arn}, false)
		if _, err := plan(context.Background(), o, set, deps{stderr: &bytes.Buffer{}, aws: clients}); err != nil {
			t.Fatalf("verify-full with a password refused: %v", err)
		}
	})
	t.Run("disable without a password", func(t *testing.T) {
		t.Setenv("PGPASSWORD", "")
		o, set := parseFlags(t, []string{"--host", "127.0.0.1", "--trigger-cmd", "true", "--sslmode", "disable"}, false)
		if _, err := plan(context.Background(), o, set, deps{stderr: &bytes.Buffer{}}); err != nil {
			t.Fatalf("sslmode disable without a password refused: %v", err)
		}
	})
}
