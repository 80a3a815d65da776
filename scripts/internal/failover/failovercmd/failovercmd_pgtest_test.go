//go:build pgtest

package failovercmd

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgplatform/platform/scripts/internal/failover"
	"github.com/pgplatform/platform/scripts/internal/testsupport/pglocal"
)

// restartDrill runs the command end to end against a real server whose
// --trigger-cmd restarts it the hard way (pg_ctl restart -m immediate, a
// crash and crash recovery), with extra flags appended. It returns the exit
// code, the JSON report parsed from stdout and stderr.
func restartDrill(t *testing.T, s *pglocal.Server, c *pglocal.Cluster, extra ...string) (int, failover.Report, string) {
	t.Helper()
	argv := c.Command("pg_ctl", "-D", s.DataDir, "-l", s.LogFile, "-m", "immediate", "-w", "restart")
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	t.Setenv("PGPASSWORD", "")
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append([]string{
		"--host", "127.0.0.1", "--port", strconv.Itoa(s.Port), "--db", "postgres", "--user", pglocal.Superuser,
		"--sslmode", "disable", "--trigger-cmd", strings.Join(quoted, " "),
		"--rate", "100", "--warmup", "1s", "--settle", "2s", "--max-wait", "30s", "--max-rto", "20s",
	}, extra...)
	code := run(ctx, args, deps{stdout: &stdout, stderr: &stderr})
	t.Logf("stderr:\n%s", stderr.String())
	var rep failover.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not the JSON report (exit %d): %v\n%s", code, err, stdout.String())
	}
	return code, rep, stderr.String()
}

// TestCommandTriggerAgainstLocalServer: the drill must see the outage, lose
// nothing, pass, drop its table and print a JSON report on stdout that
// carries the thresholds it was given.
func TestCommandTriggerAgainstLocalServer(t *testing.T) {
	c := pglocal.ForTest(t)
	s, err := c.StartPrimary("solo", nil)
	if err != nil {
		t.Fatal(err)
	}
	code, rep, stderr := restartDrill(t, s, c, "--max-lost", "5")
	if code != exitPassed {
		t.Fatalf("exit code %d, want %d", code, exitPassed)
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
	if rep.TableKept {
		t.Error("report says the table was kept without --keep-table")
	}
	if rep.Thresholds.MaxLostWrites != 5 || rep.Thresholds.MaxDowntimeMs != 20000 {
		t.Errorf("thresholds %+v, want --max-lost 5 and --max-rto 20s", rep.Thresholds)
	}
	if !strings.Contains(stderr, "Failover drill: PASSED") {
		t.Error("no human report on stderr")
	}
}

// TestCommandExitsOneWhenTheRTOIsMissed: a threshold the outage cannot meet
// makes the command exit 1, still with the full JSON report on stdout, and
// the verdict names the RTO. --keep-table leaves the drill table behind.
func TestCommandExitsOneWhenTheRTOIsMissed(t *testing.T) {
	c := pglocal.ForTest(t)
	s, err := c.StartPrimary("solo", nil)
	if err != nil {
		t.Fatal(err)
	}
	code, rep, stderr := restartDrill(t, s, c, "--max-rto", "1ms", "--keep-table", "--table", "drill_kept")
	if code != exitMissed {
		t.Fatalf("exit code %d, want %d (threshold missed)", code, exitMissed)
	}
	if rep.Verdict.Passed || len(rep.Verdict.Failures) == 0 || !strings.Contains(strings.Join(rep.Verdict.Failures, "; "), "RTO") {
		t.Errorf("verdict %+v: want a failure naming the RTO", rep.Verdict)
	}
	if !strings.Contains(stderr, "FAILED") {
		t.Error("the human report on stderr does not say FAILED")
	}
	if !rep.TableKept {
		t.Error("report says the table was dropped despite --keep-table")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := s.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var rows int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{"drill_kept"}.Sanitize()).Scan(&rows); err != nil {
		t.Fatalf("the kept table cannot be read: %v", err)
	}
	if rows == 0 {
		t.Error("the kept table has no rows")
	}
}
