package verifycmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
	"github.com/pgplatform/platform/scripts/internal/verify"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

const fixtures = "../testdata"

// repo builds a repository root with the staging network and the
// orders-staging stack file of a scenario.
func repo(t *testing.T, scenario string) string {
	t.Helper()
	root := t.TempDir()
	write := func(rel, data string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.work", "go 1.26\n")
	write("environments/network/Pulumi.staging.yaml", "config:\n  aws:region: eu-west-1\n  aws:allowedAccountIds:\n    - \"111122223333\"\n  network:environment: staging\n  network:tier: staging\n")
	write("environments/network/Pulumi.dev.yaml", "config:\n  aws:region: eu-west-1\n  network:environment: dev\n  network:tier: dev\n")
	stack, err := os.ReadFile(filepath.Join(fixtures, scenario, "Pulumi.orders-staging.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write("environments/database/Pulumi.orders-staging.yaml", string(stack))
	write("ca.pem", "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
	return root
}

type okPinger struct{ calls int }

func (p *okPinger) Ping(context.Context, verify.Endpoint) error { p.calls++; return nil }

func testDeps(root, scenario string, stdout, stderr *bytes.Buffer, db verify.Pinger) deps {
	api := recorded.New(filepath.Join(fixtures, scenario))
	return deps{
		stdout: stdout, stderr: stderr, root: root, db: db,
		aws: func(_ context.Context, region string) (clients, error) {
			if region != "eu-west-1" {
				return clients{}, errors.New("wrong region " + region)
			}
			return clients{rds: api, ec2: api}, nil
		},
		now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	}
}

func args(root, scenario string, extra ...string) []string {
	dir := filepath.Join(fixtures, scenario)
	return append([]string{
		"--env", "staging", "--stack", "orders-staging",
		"--outputs", filepath.Join(dir, "outputs.json"),
		"--network-outputs", filepath.Join(dir, "network-outputs.json"),
		"--ca-bundle", filepath.Join(root, "ca.pem"),
	}, extra...)
}

func TestRunScenarios(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		code     int
		line     string
	}{
		{"compliant", check.ExitOK, "PASS    orders-staging     multi-az"},
		{"drifted-multi-az", check.ExitFail, "FAIL    orders-staging     multi-az               Multi-AZ is off"},
		{"half-created", check.ExitFail, "FAIL    orders-staging     instance"},
		{"cluster-proxy", check.ExitOK, "PASS    orders-staging     proxy-targets"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			root := repo(t, tc.scenario)
			var stdout, stderr bytes.Buffer
			reportFile := filepath.Join(t.TempDir(), "verify.json")
			code := run(context.Background(), args(root, tc.scenario, "--report", reportFile), testDeps(root, tc.scenario, &stdout, &stderr, &okPinger{}))
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			checks := len(verify.AllChecks)
			if tc.scenario == "cluster-proxy" {
				checks = len(verify.ClusterChecks) + len(verify.ProxyChecks)
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if len(lines) != checks+1 {
				t.Errorf("%d lines, want one per check and a summary:\n%s", len(lines), stdout.String())
			}
			if !strings.Contains(stdout.String(), tc.line) {
				t.Errorf("stdout lacks %q:\n%s", tc.line, stdout.String())
			}
			data, err := os.ReadFile(reportFile)
			if err != nil {
				t.Fatal(err)
			}
			var rep report
			if err := json.Unmarshal(data, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Environment != "staging" || len(rep.Stacks) != 1 || rep.Stacks[0].Stack != "orders-staging" || rep.ExitCode != tc.code || len(rep.Stacks[0].Checks) != checks {
				t.Errorf("report %s", data)
			}
		})
	}
}

func TestRunWithoutNetworkOutputsCannotTell(t *testing.T) {
	root := repo(t, "compliant")
	var stdout, stderr bytes.Buffer
	a := args(root, "compliant")
	a = append(a[:6], a[8:]...) // drop --network-outputs
	code := run(context.Background(), a, testDeps(root, "compliant", &stdout, &stderr, &okPinger{}))
	if code != check.ExitUnknown {
		t.Errorf("exit %d, want %d\n%s", code, check.ExitUnknown, stdout.String())
	}
	if !strings.Contains(stdout.String(), "UNKNOWN orders-staging     security-group") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
}

func TestUsageErrors(t *testing.T) {
	root := repo(t, "compliant")
	ca := filepath.Join(root, "ca.pem")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no env", []string{"--ca-bundle", ca}, "--env is required"},
		{"unknown env", []string{"--env", "qa", "--ca-bundle", ca}, `--env "qa" is not an environment of this repository: want one of dev, staging`},
		{"stack of another env", []string{"--env", "dev", "--stack", "orders-staging", "--ca-bundle", ca}, `--stack "orders-staging" is not a database stack of environment dev`},
		{"no ca bundle", []string{"--env", "staging"}, "--ca-bundle is required"},
		{"missing ca bundle", []string{"--env", "staging", "--ca-bundle", filepath.Join(root, "nope.pem")}, "--ca-bundle " + filepath.Join(root, "nope.pem")},
		{"network outputs alone", []string{"--env", "staging", "--ca-bundle", ca, "--network-outputs", "x.json"}, "--network-outputs goes with --outputs"},
		{"bad duration", []string{"--env", "staging", "--ca-bundle", ca, "--max-pending-reboot", "0s"}, "--max-pending-reboot 0s: must be positive"},
		{"argument", []string{"--env", "staging", "--ca-bundle", ca, "orders"}, `unexpected argument "orders"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, testDeps(root, "compliant", &stdout, &stderr, &okPinger{}))
			if code != check.ExitUsage {
				t.Errorf("exit %d, want %d", code, check.ExitUsage)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
		})
	}
}
