package verify

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
	"github.com/pgplatform/platform/scripts/internal/verify/check"
)

// verifyScenario runs every check on a recorded scenario.
func verifyScenario(t *testing.T, scenario string) StackReport {
	t.Helper()
	dir := filepath.Join("testdata", scenario)
	return newVerifier(recorded.New(dir), &fakePinger{}).Verify(context.Background(), loadTarget(t, dir))
}

// The parameters check compares the recorded group with the spec
// dbspec.Resolve gives the scenario's stack file: drifted-parameters is
// compliant with log_disconnections reset to the engine default and
// log_min_duration_statement set to 0 by hand.
func TestParametersAgainstTheSpec(t *testing.T) {
	t.Run("compliant group passes", func(t *testing.T) {
		rep := verifyScenario(t, "compliant")
		r := result(t, rep, CheckParameters)
		checkResult(t, r, check.Pass, "holds the spec's 6 parameters", "(in-sync)")
	})
	t.Run("a spec parameter the group does not set fails, naming it", func(t *testing.T) {
		rep := verifyScenario(t, "drifted-parameters")
		r := result(t, rep, CheckParameters)
		checkResult(t, r, check.Fail, "log_disconnections is missing", "source engine-default", "the spec sets 1 (immediate)")
	})
	t.Run("a changed value fails, naming the parameter and both values", func(t *testing.T) {
		rep := verifyScenario(t, "drifted-parameters")
		r := result(t, rep, CheckParameters)
		checkResult(t, r, check.Fail, `log_min_duration_statement is "0" (source user), the spec sets "500"`)
		// Only the parameters drifted: the rest of the scenario is the
		// compliant one.
		got := statuses(rep)
		for name, want := range allPassExcept(map[string]check.Status{CheckParameters: check.Fail}) {
			if got[name] != want {
				t.Errorf("%s: %s (%s), want %s", name, got[name], detail(rep, name), want)
			}
		}
	})
}

// compliantGroup is the compliant scenario's live group as verify reads it.
func compliantGroup(t *testing.T) (liveGroup, Expect) {
	t.Helper()
	dir := filepath.Join("testdata", "compliant")
	tg := loadTarget(t, dir)
	exp, err := Expectations(tg.Stack)
	if err != nil {
		t.Fatal(err)
	}
	g := readGroup(context.Background(), recorded.New(dir), "orders-staging-pg16-20261120083011223300000001", "in-sync")
	if g.err != nil {
		t.Fatal(g.err)
	}
	return g, exp
}

func TestParametersDrift(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(g *liveGroup, exp *Expect)
		want    check.Status
		details []string
	}{
		{
			name: "a spec parameter absent from the listing fails, naming it (the API double lists only the group's own)",
			edit: func(g *liveGroup, _ *Expect) { delete(g.params, "shared_preload_libraries") },
			want: check.Fail, details: []string{"shared_preload_libraries is missing (the spec sets pg_stat_statements, pending-reboot)"},
		},
		{
			name: "another apply method than the spec's fails",
			edit: func(g *liveGroup, _ *Expect) {
				p := g.params["log_statement"]
				p.ApplyMethod = "pending-reboot"
				g.params["log_statement"] = p
			},
			want: check.Fail, details: []string{"log_statement=ddl has apply method pending-reboot, the spec sets immediate"},
		},
		{
			name: "a parameter the group sets and the spec does not fails",
			edit: func(g *liveGroup, _ *Expect) {
				p := g.params["autovacuum"]
				p.Source, p.ParameterValue = new("user"), new("0")
				g.params["autovacuum"] = p
			},
			want: check.Fail, details: []string{"set in the group but not in the spec: autovacuum=0"},
		},
		{
			name: "a value other than the spec.s fails (the expectation comes from the spec, not the recording)",
			edit: func(_ *liveGroup, exp *Expect) {
				for i := range exp.Parameters {
					if exp.Parameters[i].Name == "log_min_duration_statement" {
						exp.Parameters[i].Value = "1000"
					}
				}
			},
			want: check.Fail, details: []string{`log_min_duration_statement is "500" (source user), the spec sets "1000"`},
		},
		{
			name: "a matching group waiting for a reboot is pending, not drift",
			edit: func(g *liveGroup, _ *Expect) { g.status = "pending-reboot" },
			want: check.Pass, details: []string{"pending a reboot", "rds.force_ssl, shared_preload_libraries", CheckPendingReboot},
		},
		{
			name: "no parameter group fails",
			edit: func(g *liveGroup, _ *Expect) { g.name = "" },
			want: check.Fail, details: []string{"no parameter group"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, exp := compliantGroup(t)
			exp.Parameters = append(exp.Parameters[:0:0], exp.Parameters...)
			tc.edit(&g, &exp)
			checkResult(t, checkParameters(g, exp), tc.want, tc.details...)
		})
	}
}

// The force-ssl check reads the value it wants from the spec, not a
// constant of its own.
func TestForceSSLWantsTheSpecValue(t *testing.T) {
	g, exp := compliantGroup(t)
	exp.Parameters = append(exp.Parameters[:0:0], exp.Parameters...)
	for i := range exp.Parameters {
		if exp.Parameters[i].Name == forceSSL {
			exp.Parameters[i].Value = "2"
		}
	}
	r := (&Verifier{}).checkForceSSL(g, exp)
	checkResult(t, r, check.Fail, `rds.force_ssl is "1"`, "want 2")

	_, exp = compliantGroup(t)
	exp.Parameters = nil
	checkResult(t, (&Verifier{}).checkForceSSL(g, exp), check.Fail, "declares no rds.force_ssl")
}

func result(t *testing.T, rep StackReport, name string) check.Result {
	t.Helper()
	for _, r := range rep.Checks {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s result", name)
	return check.Result{}
}
