//go:build pgtest

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pgplatform/platform/scripts/failover"
	"github.com/pgplatform/platform/scripts/pglocal"
)

// TestCommandTriggerAgainstLocalServer runs the command end to end against
// a real server: --trigger-cmd restarts it the hard way (pg_ctl restart -m
// immediate, a crash and crash recovery), and the drill must see the outage,
// lose nothing, pass, and print a JSON report on stdout.
func TestCommandTriggerAgainstLocalServer(t *testing.T) {
	c := pglocal.ForTest(t)
	s, err := c.StartPrimary("solo", nil)
	if err != nil {
		t.Fatal(err)
	}
	argv := c.Command("pg_ctl", "-D", s.DataDir, "-l", s.LogFile, "-m", "immediate", "-w", "restart")
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	t.Setenv("PGPASSWORD", "")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, []string{
		"--host", "127.0.0.1", "--port", strconv.Itoa(s.Port), "--db", "postgres", "--user", pglocal.Superuser,
		"--sslmode", "disable", "--trigger-cmd", strings.Join(quoted, " "),
		"--rate", "100", "--warmup", "1s", "--settle", "2s", "--max-wait", "30s", "--max-rto", "20s",
	}, deps{stdout: &stdout, stderr: &stderr})
	t.Logf("stderr:\n%s", stderr.String())
	if code != exitPassed {
		t.Fatalf("exit code %d, want %d", code, exitPassed)
	}
	var rep failover.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout.String())
	}
	if !rep.Outage.Observed || !rep.Outage.Recovered || rep.Outage.DowntimeMs <= 0 {
		t.Errorf("outage %+v: the restart was not measured", rep.Outage)
	}
	if rep.Loss.LostAcknowledged != 0 || !rep.Verdict.Passed {
		t.Errorf("loss %+v verdict %+v", rep.Loss, rep.Verdict)
	}
	if rep.DNS.Probed {
		t.Error("DNS probed for an IP address")
	}
	if rep.Target.Port != s.Port || rep.Trigger.ReturnedAfterMs == nil {
		t.Errorf("target %+v trigger %+v", rep.Target, rep.Trigger)
	}
	if !strings.Contains(stderr.String(), "Failover drill: PASSED") {
		t.Error("no human report on stderr")
	}
}
