package deploy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stateEngine is the fake engine with state: ExportState answers from
// state, ImportState records what it is given.
type stateEngine struct {
	*fakeEngine
	state     map[string][]byte
	imported  map[string][]byte
	exportErr error
	backend   string
	// broken: "<project>/<stack>" whose export fails with this error.
	broken map[string]error
}

func (s *stateEngine) Backend() string {
	if s.backend != "" {
		return s.backend
	}
	return s.fakeEngine.Backend()
}

func (s *stateEngine) ExportState(_ context.Context, project, stack string) ([]byte, error) {
	s.record("export-state " + project + "/" + stack)
	if s.exportErr != nil {
		return nil, s.exportErr
	}
	if err := s.broken[project+"/"+stack]; err != nil {
		return nil, err
	}
	data, ok := s.state[project+"/"+stack]
	if !ok {
		return nil, ErrNotFound
	}
	return data, nil
}

func (s *stateEngine) ImportState(_ context.Context, project, stack string, state []byte) error {
	s.record("import-state " + project + "/" + stack)
	if s.imported == nil {
		s.imported = map[string][]byte{}
	}
	s.imported[project+"/"+stack] = state
	s.state[project+"/"+stack] = state
	return nil
}

// stackRuns are the operations run on stacks, without the state calls.
func (s *stateEngine) stackRuns() []string {
	var out []string
	for _, c := range s.runs() {
		if !strings.HasPrefix(c, "export-state ") && !strings.HasPrefix(c, "import-state ") {
			out = append(out, c)
		}
	}
	return out
}

func guardedRun(t *testing.T, eng *stateEngine, g *Guard, args ...string) (string, error) {
	t.Helper()
	opts, err := ParseArgs(args)
	require.NoError(t, err)
	// The stacks are in eu-west-1, the region of the default provider the
	// states of these tests record.
	all := catalog()
	for i := range all {
		all[i].Config["aws:region"] = "eu-west-1"
	}
	plan, err := NewPlan(all, opts)
	require.NoError(t, err)
	var out bytes.Buffer
	r := Runner{Engine: eng, Out: &out, Err: &out, Guard: g, Now: func() time.Time { return time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC) }}
	opts.Parallel = 1
	_, err = r.Run(context.Background(), all, plan, opts)
	return out.String(), err
}

func pendingCreateState(t *testing.T) []byte {
	return exported(t, `[{"type": "creating", "resource": {"urn": "`+pendingInstanceURN+`", "custom": true,
	  "type": "aws:rds/instance:Instance", "inputs": {"identifier": "orders-dev-1234abcd"}, "provider": "`+defaultProviderRef+`"}}]`)
}

func TestUpRepairsFirstThenRuns(t *testing.T) {
	eng := &stateEngine{fakeEngine: &fakeEngine{inventory: map[string]map[string]int{"network": {"dev": 3}}},
		state: map[string][]byte{"database/orders-dev": pendingCreateState(t)}}
	f := &fakeFinder{found: map[string]Finding{pendingInstanceURN: {Found: true, ID: "db-XYZ", Evidence: "found it"}}}
	cp := t.TempDir()
	out, err := guardedRun(t, eng, &Guard{Env: "dev", Finder: f, CheckpointRoot: cp}, "up", "--env", "dev", "--stack", "orders-dev")
	require.NoError(t, err, out)
	assert.Contains(t, out, "the state holds 1 pending operation(s) left by an interrupted run")
	assert.Contains(t, out, "repair: adopt "+pendingInstanceURN)
	assert.Contains(t, out, "adopted as db-XYZ")
	assert.Equal(t, []string{"refresh database/orders-dev", "up database/orders-dev"}, eng.stackRuns(), "the repair refreshes, then the up runs")
	ops, err := PendingOps(eng.imported["database/orders-dev"])
	require.NoError(t, err)
	assert.Empty(t, ops)
	assert.Contains(t, string(eng.imported["database/orders-dev"]), `"db-XYZ"`)
	// The state as it was, pending create included, is kept.
	latest, err := LatestCheckpoint(CheckpointDir(cp, "database", "orders-dev"))
	require.NoError(t, err)
	data, err := os.ReadFile(latest)
	require.NoError(t, err)
	assert.Equal(t, pendingCreateState(t), data)
}

func TestRepairStopsWithoutWritingWhenUnsure(t *testing.T) {
	eng := &stateEngine{fakeEngine: &fakeEngine{}, state: map[string][]byte{"database/orders-dev": pendingCreateState(t)}}
	out, err := guardedRun(t, eng, &Guard{Env: "dev", CheckpointRoot: t.TempDir()}, "repair", "--env", "dev", "--stack", "orders-dev")
	var re *RepairError
	require.ErrorAs(t, err, &re, out)
	assert.Contains(t, err.Error(), "deploy repair --env dev --stack orders-dev --adopt '"+pendingInstanceURN+"=<its ID>'")
	assert.Empty(t, eng.imported, "nothing is written")
	assert.Empty(t, eng.stackRuns(), "nothing runs")

	// With the person's decision it goes through.
	out, err = guardedRun(t, eng, &Guard{Env: "dev", CheckpointRoot: t.TempDir(), Overrides: Overrides{Forget: map[string]bool{pendingInstanceURN: true}}},
		"repair", "--env", "dev", "--stack", "orders-dev", "--forget", pendingInstanceURN)
	require.NoError(t, err, out)
	assert.Contains(t, out, "clear "+pendingInstanceURN)
	assert.Equal(t, []string{"refresh database/orders-dev"}, eng.stackRuns(), "repair runs only the refresh")
}

func TestPreviewReportsPendingOperationsAndResolvesNothing(t *testing.T) {
	eng := &stateEngine{fakeEngine: &fakeEngine{inventory: map[string]map[string]int{"network": {"dev": 3}}},
		state: map[string][]byte{"database/orders-dev": pendingCreateState(t)}}
	cp := t.TempDir()
	out, err := guardedRun(t, eng, &Guard{Env: "dev", CheckpointRoot: cp}, "preview", "--env", "dev", "--stack", "orders-dev")
	require.NoError(t, err, out)
	assert.Contains(t, out, "creating "+pendingInstanceURN)
	assert.Contains(t, out, "`deploy up` resolves them first")
	assert.Empty(t, eng.imported)
	assert.Equal(t, []string{"preview database/orders-dev"}, eng.stackRuns())
	list, err := Checkpoints(CheckpointDir(cp, "database", "orders-dev"))
	require.NoError(t, err)
	assert.Empty(t, list, "a preview writes nothing, not even a checkpoint")
}

func TestUnreadableStateStopsBeforeTheRunAndNamesTheRestore(t *testing.T) {
	cp := t.TempDir()
	_, err := SaveCheckpoint(CheckpointDir(cp, "database", "orders-dev"), time.Now(), Up, exported(t, `[]`))
	require.NoError(t, err)
	eng := &stateEngine{fakeEngine: &fakeEngine{inventory: map[string]map[string]int{"network": {"dev": 3}}},
		exportErr: errors.New("could not deserialize deployment: unexpected end of JSON input")}
	out, err := guardedRun(t, eng, &Guard{Env: "dev", CheckpointRoot: cp}, "up", "--env", "dev", "--stack", "orders-dev")
	var ue *StateUnreadableError
	require.ErrorAs(t, err, &ue, out)
	assert.Contains(t, err.Error(), "deploy restore-state --env dev --stack orders-dev")
	assert.Empty(t, eng.stackRuns(), "nothing ran")
}

func TestRestoreStateImportsTheNewestCheckpoint(t *testing.T) {
	cp := t.TempDir()
	dir := CheckpointDir(cp, "database", "orders-dev")
	_, err := SaveCheckpoint(dir, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Up, exported(t, `[]`))
	require.NoError(t, err)
	newest, err := SaveCheckpoint(dir, time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Destroy, pendingCreateState(t))
	require.NoError(t, err)
	eng := &stateEngine{fakeEngine: &fakeEngine{}, state: map[string][]byte{}}
	out, err := guardedRun(t, eng, &Guard{Env: "dev", CheckpointRoot: cp}, "restore-state", "--env", "dev", "--stack", "orders-dev")
	require.NoError(t, err, out)
	assert.Contains(t, out, "restored the state from "+newest)
	assert.Contains(t, out, "warning: the checkpoint held pending operations")
	assert.Equal(t, pendingCreateState(t), eng.imported["database/orders-dev"])

	// A file that is not a whole state is refused before the CLI sees it.
	bad := t.TempDir() + "/bad.json"
	require.NoError(t, os.WriteFile(bad, []byte(`{"version": 3, "deploy`), 0o600))
	eng.imported = nil
	_, err = guardedRun(t, eng, &Guard{Env: "dev", CheckpointRoot: cp, From: bad}, "restore-state", "--env", "dev", "--stack", "orders-dev", "--from", bad)
	require.ErrorContains(t, err, "not a whole exported state")
	assert.Empty(t, eng.imported)
}

func TestAFileBackendsStaleLockIsTakenOverAndALiveOneStops(t *testing.T) {
	backend := t.TempDir()
	eng := &stateEngine{fakeEngine: &fakeEngine{inventory: map[string]map[string]int{"network": {"dev": 3}}},
		state: map[string][]byte{"database/orders-dev": exported(t, `[]`)}, backend: "file://" + backend}
	file := writeLock(t, backend, "database", "orders-dev", "abc", 4242, "runner-1")
	live := fakeProcs{host: "runner-1", started: map[int]time.Time{4242: lockTime}}
	_, err := guardedRun(t, eng, &Guard{Env: "dev", CheckpointRoot: t.TempDir(), Processes: live}, "up", "--env", "dev", "--stack", "orders-dev")
	var le *LockedError
	require.ErrorAs(t, err, &le)
	assert.Empty(t, eng.stackRuns())
	assert.FileExists(t, file)

	out, err := guardedRun(t, eng, &Guard{Env: "dev", CheckpointRoot: t.TempDir(), Processes: fakeProcs{host: "runner-1"}}, "up", "--env", "dev", "--stack", "orders-dev")
	require.NoError(t, err, out)
	assert.Contains(t, out, "took over the lock "+file)
	assert.Equal(t, []string{"up database/orders-dev"}, eng.stackRuns())
}

func TestRecoveryFlags(t *testing.T) {
	o, err := ParseArgs([]string{"repair", "--env", "dev", "--adopt", pendingInstanceURN + "=db-1", "--forget", pendingKeyURN})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{pendingInstanceURN: "db-1"}, o.Adopt)
	assert.Equal(t, map[string]bool{pendingKeyURN: true}, o.Forget)
	for _, args := range [][]string{
		{"up", "--env", "dev", "--adopt", pendingInstanceURN + "=db-1"},
		{"repair", "--env", "dev", "--adopt", "orders-dev-db=db-1"},
		{"repair", "--env", "dev", "--adopt", pendingInstanceURN + "="},
		{"repair", "--env", "dev", "--forget", "x"},
		{"repair", "--env", "dev", "--adopt", pendingInstanceURN + "=db-1", "--forget", pendingInstanceURN},
		{"restore-state", "--env", "dev"},
		{"restore-state", "--env", "dev", "--stack", "orders-dev,payments-dev"},
		{"up", "--env", "dev", "--from", "x.json"},
		{"repair", "--env", "dev", "--diff"},
	} {
		_, err := ParseArgs(args)
		assert.Error(t, err, "%v", args)
	}
	o, err = ParseArgs([]string{"restore-state", "--env", "dev", "--stack", "orders-dev", "--from", "x.json"})
	require.NoError(t, err)
	assert.Equal(t, "x.json", o.From)
}

func TestAnUnreadableStateMetBeforeAnyStackIsNamed(t *testing.T) {
	// Listing the database stacks (the storage and network checks) reads
	// every state file of the project: a truncated one fails it without
	// naming the stack. The tool finds it and points to its restore.
	cause := errors.New("list the database stacks on the backend: place 1: unexpected end of JSON input")
	eng := &stateEngine{fakeEngine: &fakeEngine{inventoryErr: cause},
		state:  map[string][]byte{"database/orders-dev": exported(t, `[]`), "network/dev": exported(t, `[]`)},
		broken: map[string]error{"database/payments-dev": errors.New("could not deserialize deployment: unexpected end of JSON input")}}
	cp := t.TempDir()
	saved, err := SaveCheckpoint(CheckpointDir(cp, "database", "payments-dev"), time.Now(), Up, exported(t, `[]`))
	require.NoError(t, err)
	out, err := guardedRun(t, eng, &Guard{Env: "dev", CheckpointRoot: cp}, "up", "--env", "dev", "--stack", "orders-dev")
	var ue *StateUnreadableError
	require.ErrorAs(t, err, &ue, out)
	assert.Equal(t, "payments-dev", ue.Stack)
	assert.Equal(t, saved, ue.Latest)
	assert.Contains(t, err.Error(), "deploy restore-state --env dev --stack payments-dev")
	assert.Empty(t, eng.stackRuns())

	// Any other failure of the listing is left as it is.
	eng.inventoryErr = errors.New("AccessDenied")
	_, err = guardedRun(t, eng, &Guard{Env: "dev", CheckpointRoot: t.TempDir()}, "up", "--env", "dev", "--stack", "orders-dev")
	require.ErrorContains(t, err, "AccessDenied")
	assert.False(t, errors.As(err, &ue))
}
