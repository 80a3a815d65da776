package restorecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/pgplatform/platform/scripts/internal/restore"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

const outputsJSON = `{
  "address": "orders-staging-5e1f0a9c.c9akciq32.eu-west-1.rds.amazonaws.com",
  "alarmTopicArn": "arn:aws:sns:eu-west-1:111122223333:orders-staging-alarms",
  "applicationEndpoint": "orders-staging-5e1f0a9c.c9akciq32.eu-west-1.rds.amazonaws.com",
  "clusterIdentifier": "",
  "deployment": "instance",
  "drBackupsArn": "",
  "drKmsKeyArn": "",
  "drNetworkStack": "",
  "drSubnetGroupName": "",
  "drParameterGroupName": "",
  "drRegion": "",
  "proxyEndpoint": "",
  "proxyReadOnlyEndpoint": "",
  "readerEndpoint": "",
  "databaseName": "orders",
  "endpoint": "orders-staging-5e1f0a9c.c9akciq32.eu-west-1.rds.amazonaws.com:5432",
  "environment": "%ENV%",
  "instanceIdentifier": "orders-staging-5e1f0a9c",
  "kmsKeyArn": "arn:aws:kms:eu-west-1:111122223333:key/k",
  "masterSecretArn": "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-1",
  "masterUsername": "orders_admin",
  "port": 5432,
  "resourceId": "db-7QXKD2M4HBVN3Y5ZJ6RTAE4WLU",
  "securityGroupId": "sg-0c1d2e3f4a5b6c7d8",
  "tier": "%ENV%"
}`

func repo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.work": "go 1.26\n",
		"ca.pem":  "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
	}
	for _, env := range []string{"dev", "staging", "prod"} {
		files["environments/network/Pulumi."+env+".yaml"] = "config:\n  aws:region: eu-west-1\n  aws:allowedAccountIds:\n    - \"111122223333\"\n  network:environment: " + env + "\n  network:tier: " + env + "\n"
		files["environments/database/Pulumi.orders-"+env+".yaml"] = "config:\n  aws:region: eu-west-1\n  aws:allowedAccountIds:\n    - \"111122223333\"\n  database:environment: " + env + "\n  database:tier: " + env + "\n  database:app: orders\n"
		files["outputs-"+env+".json"] = strings.ReplaceAll(outputsJSON, "%ENV%", env)
	}
	// A staging stack with DR to eu-central-1, as the database program
	// exports it, as a stack deployed with DR before the program exported
	// the recovery network's subnet group, and as one deployed before it
	// declared the DR region's parameter group.
	dr := strings.NewReplacer(`"drRegion": ""`, `"drRegion": "eu-central-1"`, `"drKmsKeyArn": ""`, `"drKmsKeyArn": "`+drKey+`"`,
		`"drNetworkStack": ""`, `"drNetworkStack": "organization/network/staging-dr"`, `"drSubnetGroupName": ""`, `"drSubnetGroupName": "`+drSubnetGroup+`"`,
		`"drParameterGroupName": ""`, `"drParameterGroupName": "`+drParameterGroup+`"`)
	files["outputs-staging-dr.json"] = dr.Replace(files["outputs-staging.json"])
	files["outputs-staging-dr-before.json"] = strings.Replace(files["outputs-staging-dr.json"], `"drSubnetGroupName": "`+drSubnetGroup+`"`, `"drSubnetGroupName": ""`, 1)
	files["outputs-staging-dr-no-params.json"] = strings.Replace(files["outputs-staging-dr.json"], `"drParameterGroupName": "`+drParameterGroup+`"`, `"drParameterGroupName": ""`, 1)
	for rel, data := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// goneRDS has no instances at all: the drill stops at the source check.
type goneRDS struct {
	mu                 sync.Mutex
	restores, deletes  int
	describedInstances []string
	// listed counts the listings of every instance (the sweep's).
	listed int
	// backups lists the automated backups; nil answers none.
	backups func(*rds.DescribeDBInstanceAutomatedBackupsInput) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error)
}

func (g *goneRDS) DescribeDBInstanceAutomatedBackups(_ context.Context, in *rds.DescribeDBInstanceAutomatedBackupsInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error) {
	if g.backups == nil {
		return &rds.DescribeDBInstanceAutomatedBackupsOutput{}, nil
	}
	return g.backups(in)
}

func (g *goneRDS) DescribeDBInstances(_ context.Context, in *rds.DescribeDBInstancesInput, _ ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if in.DBInstanceIdentifier == nil {
		g.listed++
		return &rds.DescribeDBInstancesOutput{}, nil // an account with no instances
	}
	g.describedInstances = append(g.describedInstances, *in.DBInstanceIdentifier)
	return nil, &rdstypes.DBInstanceNotFoundFault{Message: new("not found")}
}

func (g *goneRDS) RestoreDBInstanceToPointInTime(context.Context, *rds.RestoreDBInstanceToPointInTimeInput, ...func(*rds.Options)) (*rds.RestoreDBInstanceToPointInTimeOutput, error) {
	g.restores++
	return nil, errors.New("unexpected")
}

func (g *goneRDS) DeleteDBInstance(context.Context, *rds.DeleteDBInstanceInput, ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error) {
	g.deletes++
	return nil, errors.New("unexpected")
}

func testDeps(root string, api restore.BackupsRDS, stdout, stderr *bytes.Buffer) deps {
	return testDepsDR(root, map[string]restore.BackupsRDS{"eu-west-1": api}, stdout, stderr)
}

// testDepsDR answers each region with its API.
func testDepsDR(root string, apis map[string]restore.BackupsRDS, stdout, stderr *bytes.Buffer) deps {
	return deps{
		stdout: stdout, stderr: stderr, root: root,
		aws: func(_ context.Context, region string) (clients, error) {
			api, ok := apis[region]
			if !ok {
				return clients{}, errors.New("wrong region " + region)
			}
			return clients{rds: api}, nil
		},
		connect: func(context.Context, restore.Endpoint) (restore.Markers, error) {
			return nil, errors.New("no database in this test")
		},
	}
}

func TestRunSourceMissing(t *testing.T) {
	root := repo(t)
	api := &goneRDS{}
	var stdout, stderr bytes.Buffer
	reportFile := filepath.Join(t.TempDir(), "drill.json")
	code := run(context.Background(), []string{
		"--env", "staging", "--stack", "orders-staging",
		"--outputs", filepath.Join(root, "outputs-staging.json"),
		"--ca-bundle", filepath.Join(root, "ca.pem"), "--report", reportFile,
	}, testDeps(root, api, &stdout, &stderr))
	if code != check.ExitFail {
		t.Errorf("exit %d, want %d\n%s\n%s", code, check.ExitFail, stdout.String(), stderr.String())
	}
	if len(api.describedInstances) == 0 || api.describedInstances[0] != "orders-staging-5e1f0a9c" {
		t.Errorf("described %v, want the source from the outputs", api.describedInstances)
	}
	if api.restores != 0 || api.deletes != 0 {
		t.Errorf("restores %d, deletes %d; want none", api.restores, api.deletes)
	}
	out := stdout.String()
	for _, want := range []string{"FAIL    orders-staging     source", "PASS    orders-staging     cleanup                nothing to delete", "restore-drill orders-staging: no restore"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(reportFile)
	if err != nil {
		t.Fatal(err)
	}
	var rep restore.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Tool != "restore-drill" || rep.Stack != "orders-staging" || rep.Region != "eu-west-1" || len(rep.Checks) != len(restore.AllChecks) || !rep.Deleted {
		t.Errorf("report %s", data)
	}
}

func TestUsageErrors(t *testing.T) {
	root := repo(t)
	ca := filepath.Join(root, "ca.pem")
	out := func(env string) string { return filepath.Join(root, "outputs-"+env+".json") }
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no stack", []string{"--env", "staging", "--ca-bundle", ca}, "--env and --stack are required"},
		{"no ca", []string{"--env", "staging", "--stack", "orders-staging"}, "--ca-bundle is required"},
		{"stack of another env", []string{"--env", "dev", "--stack", "orders-staging", "--ca-bundle", ca}, `--stack "orders-staging" is not a database stack of environment dev: want one of orders-dev`},
		{"prod without consent", []string{"--env", "prod", "--stack", "orders-prod", "--ca-bundle", ca, "--outputs", out("prod")}, "pass --allow-prod"},
		{"short gap", []string{"--env", "staging", "--stack", "orders-staging", "--ca-bundle", ca, "--gap", "1s"}, "--gap 1s: at least 2s"},
		{"bad class", []string{"--env", "staging", "--stack", "orders-staging", "--ca-bundle", ca, "--instance-class", "t4g.medium"}, `--instance-class "t4g.medium"`},
		{"outputs of another stack", []string{"--env", "staging", "--stack", "orders-staging", "--ca-bundle", ca, "--outputs", out("dev")}, "wrong --outputs file?"},
		{"zero poll", []string{"--env", "staging", "--stack", "orders-staging", "--ca-bundle", ca, "--poll", "0s"}, "--poll 0s: must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &goneRDS{}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, testDeps(root, api, &stdout, &stderr))
			if code != check.ExitUsage {
				t.Errorf("exit %d, want %d", code, check.ExitUsage)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
			if len(api.describedInstances) != 0 {
				t.Errorf("AWS called on bad usage: %v", api.describedInstances)
			}
		})
	}
}

func TestProdWithConsentRuns(t *testing.T) {
	root := repo(t)
	api := &goneRDS{}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--env", "prod", "--stack", "orders-prod", "--ca-bundle", filepath.Join(root, "ca.pem"),
		"--outputs", filepath.Join(root, "outputs-prod.json"), "--allow-prod"}, testDeps(root, api, &stdout, &stderr))
	if code != check.ExitFail || len(api.describedInstances) == 0 {
		t.Errorf("exit %d, described %v: want the drill to start and fail at the missing source", code, api.describedInstances)
	}
}

// The first signal cancels the drill; later ones only say the cleanup is
// still running, so the process lives until the instance is deleted.
func TestInterrupts(t *testing.T) {
	sigs := make(chan os.Signal, 3)
	var stderr bytes.Buffer
	cancels := 0
	sigs <- syscall.SIGINT
	sigs <- syscall.SIGINT
	sigs <- syscall.SIGTERM
	close(sigs)
	done := make(chan struct{})
	go func() {
		interrupts(sigs, func() { cancels++ }, &stderr)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("interrupts did not return after its channel closed")
	}
	if cancels != 1 {
		t.Errorf("cancel called %d times, want once", cancels)
	}
	out := stderr.String()
	if strings.Count(out, "stopping the drill") != 1 || strings.Count(out, "still deleting") != 2 {
		t.Errorf("messages:\n%s", out)
	}
}

func TestSweepMode(t *testing.T) {
	root := repo(t)
	api := &goneRDS{}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--env", "staging", "--stack", "orders-staging", "--ca-bundle", filepath.Join(root, "ca.pem"),
		"--outputs", filepath.Join(root, "outputs-staging.json"), "--sweep"}, testDeps(root, api, &stdout, &stderr))
	if code != check.ExitOK || !strings.Contains(stdout.String(), "PASS    orders-staging     sweep                  no temporary instance of orders-staging-5e1f0a9c left behind") {
		t.Errorf("exit %d, stdout:\n%s", code, stdout.String())
	}
	if api.restores != 0 {
		t.Error("--sweep started a drill")
	}
}
