//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
)

// TestDevEnvironment runs the platform's dev environment through its whole
// life with the real engine, the real CLI, the deploy tool, a file://
// backend, the passphrase secrets provider and the committed environment
// files; only AWS is the test double. The steps build on each other, so a
// failed step skips the rest.
func TestDevEnvironment(t *testing.T) {
	w := newWorld(t)
	sb := w.sandbox()

	all, err := stacks.Discover(sb.root)
	require.NoError(t, err)
	network, err := stacks.Find(all, contract.NetworkProject, "dev")
	require.NoError(t, err)
	databases := stacks.Filter(all, contract.DatabaseProject, "dev")
	require.Len(t, databases, 2, "the committed dev environment has two app database stacks")

	step := sb.steps(t)

	step("create", func(t *testing.T, w *world, sb *sandbox) {
		jsonDir := filepath.Join(w.dir, "events-up")
		r := sb.deploy("up", "--env", "dev", "--json-dir", jsonDir)
		require.Zero(t, r.code, "deploy up --env dev\n%s", r)

		// The deploy tool ran the network first.
		var order []string
		for _, line := range strings.Split(r.stdout, "\n") {
			if label, found := strings.CutPrefix(line, "--> up "); found {
				order = append(order, strings.Fields(label)[0])
			}
		}
		require.Len(t, order, 3, "three stacks ran:\n%s", r.stdout)
		assert.Equal(t, "network/dev", order[0], "the network runs first")
		assert.ElementsMatch(t, []string{"database/orders-dev", "database/payments-dev"}, order[1:])

		// ...and every network resource existed before the first database
		// resource was created.
		creates := changedCalls(w.calls())
		lastNetwork, firstDatabase := -1, len(creates)
		for i, c := range creates {
			require.Equal(t, "Create", c.Method)
			if c.Project == contract.NetworkProject {
				lastNetwork = i
			} else if firstDatabase == len(creates) {
				firstDatabase = i
			}
		}
		assert.Less(t, lastNetwork, firstDatabase, "network creates all come before database creates")

		netState := w.state(contract.NetworkProject, network.Name)
		netOut := netState.outputs()
		for _, name := range contract.Names(contract.Network{}) {
			assert.Contains(t, netOut, name, "network/dev exports %s", name)
		}
		subnetIDs := netOut["databaseSubnetIds"]
		require.NotEmpty(t, subnetIDs)
		// The component registered its outputs, as the stack's exports.
		comps := netState.ofType("pgplatform:network:Network")
		require.Len(t, comps, 1)
		assert.Equal(t, netOut["vpcId"], comps[0].Outputs["vpcId"], "the Network component's registered outputs")
		// The exported IDs are the subnets the network stack created.
		var created []any
		for _, rec := range w.records() {
			if rec.Type == "aws:ec2/subnet:Subnet" && strings.Contains(rec.URN, "::"+contract.NetworkProject+"::") {
				created = append(created, rec.ID)
			}
		}
		assert.Subset(t, created, subnetIDs, "databaseSubnetIds are subnets the double created")

		for _, db := range databases {
			st := w.state(contract.DatabaseProject, db.Name)
			out := st.outputs()
			dbComps := st.ofType("pgplatform:database:MultiAZPostgres")
			require.Len(t, dbComps, 1)
			assert.NotEmpty(t, dbComps[0].Outputs["endpoint"], "%s: the MultiAZPostgres component's registered outputs", db.Name)
			assert.Equal(t, out["endpoint"], dbComps[0].Outputs["endpoint"], db.Name)
			for _, name := range contract.Names(contract.Database{}) {
				assert.Contains(t, out, name, "%s exports %s", db.Name, name)
			}
			endpoint, _ := out["endpoint"].(string)
			assert.Regexp(t, `^[a-z][a-z0-9-]*\.c0ffee\.eu-west-1\.rds\.amazonaws\.com:5432$`, endpoint, "%s endpoint", db.Name)
			assert.Equal(t, fmt.Sprintf("%v.c0ffee.eu-west-1.rds.amazonaws.com:5432", out["instanceIdentifier"]), endpoint)
			assert.Regexp(t, `^arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-`, out["masterSecretArn"], db.Name)

			// The subnet group got the network's subnet IDs, read through a
			// real StackReference to the network stack.
			refs := st.ofType("pulumi:pulumi:StackReference")
			require.Len(t, refs, 1, "%s reads one stack", db.Name)
			assert.Equal(t, "organization/network/dev", refs[0].Inputs["name"], "%s reads the dev network", db.Name)
			refOutputs, _ := refs[0].Outputs["outputs"].(map[string]any)
			assert.Equal(t, subnetIDs, refOutputs["databaseSubnetIds"], "%s's reference carries the network's outputs", db.Name)

			var groups []fakeaws.Call
			for _, c := range creates {
				if c.Type == "aws:rds/subnetGroup:SubnetGroup" && c.Project == contract.DatabaseProject && c.Stack == db.Name {
					groups = append(groups, c)
				}
			}
			require.Len(t, groups, 1, "%s creates one subnet group", db.Name)
			assert.Equal(t, subnetIDs, fakeaws.Unsecret(groups[0].Inputs["subnetIds"]),
				"%s's subnet group was created with the network's subnet IDs", db.Name)
		}
	})

	step("idempotent", func(t *testing.T, w *world, sb *sandbox) {
		before := len(w.calls())
		jsonDir := filepath.Join(w.dir, "events-up-again")
		r := sb.deploy("up", "--env", "dev", "--json-dir", jsonDir)
		require.Zero(t, r.code, "second deploy up --env dev\n%s", r)
		stacksSeen := 0
		for _, st := range append([]stacks.Stack{network}, databases...) {
			summary := w.summary(filepath.Join(jsonDir, st.Project+"-"+st.Name+".json"))
			stacksSeen++
			for op, n := range summary.ResourceChanges {
				if op != apitype.OpSame && n > 0 {
					t.Errorf("%s/%s: second up has %d %s", st.Project, st.Name, n, op)
				}
			}
			assert.Positive(t, summary.ResourceChanges[apitype.OpSame], "%s/%s has resources", st.Project, st.Name)
		}
		assert.Equal(t, 3, stacksSeen)

		// A refresh reads every resource back from the double: no drift.
		drift := sb.deploy("preview", "--env", "dev", "--refresh", "--expect-no-changes")
		assert.Zero(t, drift.code, "preview --refresh --expect-no-changes\n%s", drift)
		reads := 0
		for _, c := range w.calls()[before:] {
			if c.Method == "Read" {
				reads++
				assert.Empty(t, c.Note, "%s was read back", c.URN)
			}
		}
		assert.Positive(t, reads, "the refresh read the resources from the double")
		assert.Empty(t, changedCalls(w.calls()[before:]), "the second up changed nothing in AWS")
	})

	step("no secrets in state or the call log", func(t *testing.T, w *world, sb *sandbox) {
		env := w.env()
		canaries := []string{env["PULUMI_CONFIG_PASSPHRASE"], env["AWS_SECRET_ACCESS_KEY"]}
		leaks, err := findLeaks(w.backend, canaries)
		require.NoError(t, err)
		assert.Empty(t, leaks, "the state files")
		leaks, err = findLeaks(w.awsDir, canaries)
		require.NoError(t, err)
		assert.Empty(t, leaks, "the double's call log and records")
		// Each stack's full engine log, which CI uploads as an artifact.
		logs := filepath.Join(sb.root, ".deploy-logs")
		entries, err := os.ReadDir(logs)
		require.NoError(t, err, "the runs so far kept their engine logs")
		require.NotEmpty(t, entries, "the runs so far kept their engine logs")
		leaks, err = findLeaks(logs, canaries)
		require.NoError(t, err)
		assert.Empty(t, leaks, "the deploy tool's engine logs")

		// The programs hand AWS no secret: RDS manages the master password.
		raw, err := os.ReadFile(fakeaws.CallLogPath(w.awsDir))
		require.NoError(t, err)
		assert.NotContains(t, string(raw), `"__secret"`, "no value the engine holds as secret reached AWS")
		for _, c := range w.calls() {
			if c.Type == "aws:rds/instance:Instance" && c.Method == "Create" {
				assert.NotContains(t, c.Inputs, "password", "%s: the instance is given no password", c.URN)
				assert.Equal(t, true, c.Inputs["manageMasterUserPassword"], "%s: RDS manages the password", c.URN)
			}
		}
	})

	step("destructive change is gated", func(t *testing.T, w *world, sb *sandbox) {
		db := databases[0]
		before := len(w.calls())
		// dbName forces RDS to replace the instance (a new, empty database).
		sb.editEnv(contract.DatabaseProject, db.Name,
			"database:databaseName: "+db.Config["database:databaseName"],
			"database:databaseName: "+db.Config["database:databaseName"]+"_v2")
		defer sb.restoreEnv(contract.DatabaseProject, db.Name)

		jsonDir := filepath.Join(w.dir, "events-preview")
		r := sb.deploy("preview", "--env", "dev", "--stack", db.Name, "--json-dir", jsonDir)
		require.Zero(t, r.code, "deploy preview\n%s", r)

		events := filepath.Join(jsonDir, contract.DatabaseProject+"-"+db.Name+".json")
		var replaced []string
		for _, e := range w.engineEvents(events) {
			if e.ResourcePreEvent == nil {
				continue
			}
			m := e.ResourcePreEvent.Metadata
			if m.Type == "aws:rds/instance:Instance" && (m.Op == apitype.OpReplace || m.Op == apitype.OpCreateReplacement) {
				replaced = append(replaced, string(m.Op)+" "+resource.URN(m.URN).Name())
			}
		}
		assert.NotEmpty(t, replaced, "the engine's preview replaces the RDS instance:\n%s", r.stdout)

		var reasons []string
		for _, c := range w.calls()[before:] {
			if c.Method == "Diff" && c.Type == "aws:rds/instance:Instance" && c.Stack == db.Name {
				reasons = append(reasons, c.Replaces...)
			}
		}
		assert.Contains(t, reasons, "dbName", "the double reported dbName as forcing the replacement")
		assert.Empty(t, changedCalls(w.calls()[before:]), "a preview changes nothing")

		gate := sb.previewReport(events)
		assert.Equal(t, 2, gate.code, "the gate blocks the replacement\n%s", gate)
		assert.Contains(t, gate.stdout+gate.stderr, "aws:rds/instance:Instance")
		allowed := sb.previewReport("--allow-destructive", events)
		assert.Zero(t, allowed.code, "the override lets it through\n%s", allowed)
	})

	step("a replacement and its revert each get their own final snapshot", func(t *testing.T, w *world, sb *sandbox) {
		db := databases[0]
		const instance = "aws:rds/instance:Instance"
		// replace runs up and returns the instance it created and the final
		// snapshot its predecessor was deleted with.
		replace := func(what string) (created fakeaws.Call, deletedWith string) {
			t.Helper()
			before := len(w.calls())
			r := sb.deploy("up", "--env", "dev", "--stack", db.Name)
			require.Zero(t, r.code, "deploy up (%s)\n%s", what, r)
			var creates, deletes []fakeaws.Call
			for _, c := range changedCalls(w.calls()[before:]) {
				if c.Type == instance && c.Stack == db.Name {
					switch c.Method {
					case "Create":
						creates = append(creates, c)
					case "Delete":
						deletes = append(deletes, c)
					}
				}
			}
			require.Len(t, creates, 1, "%s creates one instance", what)
			require.Len(t, deletes, 1, "%s deletes one instance", what)
			note, found := strings.CutPrefix(deletes[0].Note, "final snapshot ")
			require.True(t, found, "the old instance was deleted with a final snapshot: %q", deletes[0].Note)
			return creates[0], note
		}
		snapshotOf := func(c fakeaws.Call) (id, snap string) {
			id, _ = c.Inputs["identifier"].(string)
			snap, _ = c.Inputs["finalSnapshotIdentifier"].(string)
			return id, snap
		}

		sb.editEnv(contract.DatabaseProject, db.Name,
			"database:databaseName: "+db.Config["database:databaseName"],
			"database:databaseName: "+db.Config["database:databaseName"]+"_v2")
		b, first := replace("the replacement")
		bID, bSnap := snapshotOf(b)
		assert.True(t, strings.HasPrefix(bSnap, bID+"-final-"), "the new instance's snapshot %q is named after its own identifier %q", bSnap, bID)
		assert.NotEqual(t, first, bSnap, "the new instance must not carry its predecessor's snapshot name")

		// Reverting brings the first identifier back: its new incarnation
		// still needs a name of its own, as the first one's snapshot exists.
		sb.restoreEnv(contract.DatabaseProject, db.Name)
		a, second := replace("the revert")
		aID, aSnap := snapshotOf(a)
		assert.Equal(t, bSnap, second, "the replacement was deleted with its own snapshot name")
		assert.True(t, strings.HasPrefix(aSnap, aID+"-final-"), "snapshot %q, identifier %q", aSnap, aID)
		assert.True(t, strings.HasPrefix(first, aID+"-final-"), "the revert brought the first identifier %q back (first snapshot %q)", aID, first)
		assert.NotEqual(t, first, aSnap, "the revert must not reuse the first incarnation's snapshot name")

		// And the name stays put from run to run.
		again := sb.deploy("up", "--env", "dev", "--stack", db.Name, "--expect-no-changes")
		require.Zero(t, again.code, "a run after the revert changes nothing\n%s", again)
	})

	step("refusals", func(t *testing.T, w *world, sb *sandbox) {
		before := len(w.calls())
		recordsBefore := len(w.records())

		prod := sb.deploy("destroy", "--env", "prod")
		assert.NotZero(t, prod.code, "destroy --env prod\n%s", prod)
		assert.Contains(t, prod.stdout+prod.stderr, "refusing to destroy")
		assert.Contains(t, prod.stdout+prod.stderr, "prod is never destroyed")

		net := sb.deploy("destroy", "--env", "dev", "--stack", network.Name)
		assert.NotZero(t, net.code, "destroy of the dev network under live database stacks\n%s", net)
		out := net.stdout + net.stderr
		assert.Contains(t, out, "refusing to destroy network/dev")
		for _, db := range databases {
			assert.Contains(t, out, db.Name, "the refusal names the stacks that hold the network")
		}

		assert.Empty(t, changedCalls(w.calls()[before:]), "a refusal changes nothing in AWS")
		assert.Len(t, w.records(), recordsBefore)
	})

	step("destroy in order", func(t *testing.T, w *world, sb *sandbox) {
		before := len(w.calls())
		r := sb.deploy("destroy", "--env", "dev")
		require.Zero(t, r.code, "deploy destroy --env dev\n%s", r)

		deletes := changedCalls(w.calls()[before:])
		require.NotEmpty(t, deletes)
		lastDatabase, firstNetwork := -1, len(deletes)
		for i, c := range deletes {
			require.Equal(t, "Delete", c.Method, "%s %s", c.Method, c.URN)
			if c.Project == contract.DatabaseProject {
				lastDatabase = i
			} else if firstNetwork == len(deletes) {
				firstNetwork = i
			}
		}
		assert.Less(t, lastDatabase, firstNetwork, "database stacks are destroyed before their network")

		var left []string
		for _, rec := range w.records() {
			left = append(left, rec.Type+" "+rec.URN)
		}
		sort.Strings(left)
		assert.Empty(t, left, "the double holds no resources after the destroy")
	})
}

// TestBadConfigStopsBeforeAWS changes one value of a copied environment
// file to one the validation refuses: the deploy stops with the validation
// message before any call reaches the double, even when the bad stack is
// not the first to run.
func TestBadConfigStopsBeforeAWS(t *testing.T) {
	cases := []struct {
		name, project, stack string
		old, new             string
		want                 []string
		env                  string // the environment deployed; "" is dev
	}{
		{
			name: "network cidr", project: contract.NetworkProject, stack: "dev",
			old: "network:vpcCidr: 10.20.0.0/16", new: "network:vpcCidr: 10.20.0.0/33",
			want: []string{"network:vpcCidr", `"10.20.0.0/33"`},
		},
		{
			name: "database instance class", project: contract.DatabaseProject, stack: "orders-dev",
			old: "database:instanceClass: db.t4g.medium", new: "database:instanceClass: t4g.medium",
			want: []string{"database:instanceClass", `"t4g.medium"`},
		},
		{
			// Valid as a value, but below the tier's guardrail: checked
			// before the run too, by the guardrails the program applies.
			name: "database guardrail", project: contract.DatabaseProject, stack: "orders-dev",
			old: "database:backupRetentionDays: 7", new: "database:backupRetentionDays: 3",
			want: []string{"guardrail backups", "database:backupRetentionDays", `"3"`},
		},
		{
			// Valid as a tier, but looser than the environment's.
			name: "tier looser than environment", project: contract.DatabaseProject, stack: "orders-staging", env: "staging",
			old: "database:tier: staging", new: "database:tier: dev",
			want: []string{"database:tier", `"dev"`, `looser than environment "staging"`},
		},
		{
			// A provider setting the platform does not validate.
			name: "aws key other than region and account", project: contract.NetworkProject, stack: "dev",
			old: "network:natGateway: false", new: "network:natGateway: false\n  aws:skipCredentialsValidation: true",
			want: []string{"aws:skipCredentialsValidation", `"true"`, "allowedAccountIds, region"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			sb := w.sandbox()
			sb.editEnv(tc.project, tc.stack, tc.old, tc.new)

			env := tc.env
			if env == "" {
				env = "dev"
			}
			r := sb.deploy("up", "--env", env)
			assert.NotZero(t, r.code, "deploy up with %s\n%s", tc.new, r)
			for _, want := range tc.want {
				assert.Contains(t, r.stdout+r.stderr, want, "the validation message names the key and the value")
			}
			// The deploy tool checks every stack's config before the first
			// one runs: the bad database stack must stop the network too.
			assert.Contains(t, r.stdout+r.stderr, "up "+tc.project+"/"+tc.stack+": environments/"+tc.project+"/Pulumi."+tc.stack+".yaml: ",
				"the error names the step, the stack and its file")
			assert.Empty(t, w.calls(), "calls reached the double although the config was bad")
		})
	}
}

// summary reads the summary event of an engine event log.
func (w *world) summary(path string) apitype.SummaryEvent {
	w.t.Helper()
	for _, e := range w.engineEvents(path) {
		if e.SummaryEvent != nil {
			return *e.SummaryEvent
		}
	}
	w.t.Fatalf("%s has no summary event", path)
	return apitype.SummaryEvent{}
}
