package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

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
	broken := strings.Replace(outputsJSON, `"instanceIdentifier": "orders-dev",`, "", 1)
	_, err := readOutputs(context.Background(), &options{outputs: "-"}, deps{stdin: strings.NewReader(broken)})
	if err == nil || !strings.Contains(err.Error(), "instanceIdentifier") {
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
