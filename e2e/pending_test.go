//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/contract"
)

// Pending updates and deletes (issue 16, item 3): a run killed while AWS
// works on an update or a delete leaves the operation pending in the
// state, with the state's copy of the resource as it was before. The tool
// refreshes such a resource (repair's "refresh" decision): the refresh
// reads what AWS holds now, which the next `up` then converges from.

// extraCidr is a source for the database port that orders-dev's file gets
// for this test, so that removing it deletes one ingress rule.
const extraCidr = "10.200.0.0/24"

// TestPendingUpdateAndDeleteAreRefreshed runs dev's network and orders-dev
// (with one extra allowed CIDR) through two killed runs, in one world (a
// failed step skips the rest):
//
//   - a bigger allocatedStorageGb updates the RDS instance in place; the
//     double's update takes ten minutes after AWS accepted it, and the
//     deploy is SIGKILLed (the whole process tree) during it: the state
//     holds a pending update and the old size while AWS runs the new one.
//     The next `deploy up` reports the refresh decision, refreshes, and
//     converges: nothing pending, the double holding exactly the states'
//     resources, each once;
//   - the extra CIDR removed from the file deletes its ingress rule; the
//     double's delete takes ten minutes after AWS deleted the rule, and the
//     deploy is killed during it: the state holds a pending delete of a
//     rule AWS no longer has. `deploy repair` reports the refresh decision
//     and the refresh drops the rule: nothing is left behind;
//   - a final preview shows no changes.
func TestPendingUpdateAndDeleteAreRefreshed(t *testing.T) {
	subreaper(t)
	w := newWorld(t)
	sb := w.sandbox()
	const (
		project = contract.DatabaseProject
		stack   = "orders-dev"
	)

	step := sb.steps(t)

	step("deploy", func(t *testing.T, w *world, sb *sandbox) {
		sb.editEnv(project, stack, "  database:tags:\n",
			"  database:allowedCidrs:\n    - "+extraCidr+"\n  database:tags:\n")
		for _, s := range []string{"dev", stack} {
			r := sb.deploy("up", "--env", "dev", "--stack", s)
			require.Zero(t, r.code, "%s", r)
		}
		require.Len(t, ingressRules(w, stack, extraCidr), 1, "the extra CIDR has its ingress rule")
		a := sb.audit()
		require.True(t, a.Clean(), "%s", a)
	})

	step("a run killed during an update: up refreshes it", func(t *testing.T, w *world, sb *sandbox) {
		sb.editEnv(project, stack, "database:allocatedStorageGb: 20", "database:allocatedStorageGb: 30")
		w.setFaults(fakeaws.Fault{ID: "slow-update", Method: "Update", Type: "aws:rds/instance:Instance",
			Project: project, Stack: stack, Action: fakeaws.ActionDelay, Delay: "10m"})
		run := sb.start("up", "--env", "dev", "--stack", stack)
		fired := w.waitFired("slow-update", 5*time.Minute)
		killTree(run.cmd.Process.Pid)
		<-run.done
		w.setFaults()

		pending := w.pendingOps(project, stack)
		require.Len(t, pending, 1, "the killed run left its update pending\n%s", run.result())
		assert.Equal(t, apitype.OperationTypeUpdating, pending[0].Type)
		assert.Equal(t, fired.URN, string(pending[0].Resource.URN))
		assert.EqualValues(t, 30, w.instanceRecord(stack).Inputs["allocatedStorage"], "AWS accepted the modification")
		assert.EqualValues(t, 20, stateInstance(w, stack).Outputs["allocatedStorage"], "the state has the size before it")

		r := sb.deploy("up", "--env", "dev", "--stack", stack)
		require.Zero(t, r.code, "%s", r)
		assert.Contains(t, r.stdout, "updating "+fired.URN, "%s", r)
		assert.Contains(t, r.stdout, "repair: refresh "+fired.URN+" (aws:rds/instance:Instance, pending updating)")
		assert.Contains(t, r.stdout, "repair: done")
		assert.Empty(t, w.pendingOps(project, stack))
		assert.EqualValues(t, 30, stateInstance(w, stack).Outputs["allocatedStorage"])
		require.Len(t, w.instances(stack), 1, "the instance was updated, not replaced")
		assert.Equal(t, fired.ID, w.instances(stack)[0].ID)
		a := sb.audit()
		assert.True(t, a.Clean(), "%s", a)
	})

	step("a run killed during a delete: repair refreshes it", func(t *testing.T, w *world, sb *sandbox) {
		sb.editEnv(project, stack, "  database:allowedCidrs:\n    - "+extraCidr+"\n", "")
		const ruleType = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
		w.setFaults(fakeaws.Fault{ID: "slow-delete", Method: "Delete", Type: ruleType,
			Project: project, Stack: stack, Action: fakeaws.ActionDelay, Delay: "10m"})
		rules := ingressRules(w, stack, extraCidr)
		require.Len(t, rules, 1)
		run := sb.start("up", "--env", "dev", "--stack", stack)
		fired := w.waitFired("slow-delete", 5*time.Minute)
		killTree(run.cmd.Process.Pid)
		<-run.done
		w.setFaults()

		assert.Equal(t, rules[0].ID, fired.ID, "the delete was the extra CIDR's rule")
		pending := w.pendingOps(project, stack)
		require.Len(t, pending, 1, "the killed run left its delete pending\n%s", run.result())
		assert.Equal(t, apitype.OperationTypeDeleting, pending[0].Type)
		assert.Equal(t, fired.URN, string(pending[0].Resource.URN))
		assert.Empty(t, ingressRules(w, stack, extraCidr), "AWS deleted the rule")
		assert.Len(t, w.state(project, stack).ofType(ruleType), len(ingressRulesOf(w, stack))+1,
			"the state still holds the rule")

		r := sb.deploy("repair", "--env", "dev", "--stack", stack)
		require.Zero(t, r.code, "%s", r)
		assert.Contains(t, r.stdout, "deleting "+fired.URN, "%s", r)
		assert.Contains(t, r.stdout, "repair: refresh "+fired.URN+" ("+ruleType+", pending deleting)")
		assert.Contains(t, r.stdout, "repair: done")
		assert.Empty(t, w.pendingOps(project, stack))
		assert.Empty(t, w.lockFiles(project, stack))
		for _, res := range w.state(project, stack).ofType(ruleType) {
			assert.NotEqual(t, fired.URN, string(res.URN), "the refresh dropped the rule AWS deleted")
		}
		a := sb.audit()
		assert.True(t, a.Clean(), "nothing left behind\n%s", a)
	})

	step("a final preview shows no changes", func(t *testing.T, w *world, sb *sandbox) {
		for _, s := range []string{"dev", stack} {
			r := sb.deploy("preview", "--env", "dev", "--stack", s, "--expect-no-changes")
			require.Zero(t, r.code, "converged\n%s", r)
		}
	})
}

// ingressRulesOf lists the double's ingress rules of a stack.
func ingressRulesOf(w *world, stack string) []fakeaws.Item {
	var out []fakeaws.Item
	for _, it := range w.inventory() {
		if it.Type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && it.Stack == stack {
			out = append(out, it)
		}
	}
	return out
}

// ingressRules lists the double's ingress rules of a stack from cidr.
func ingressRules(w *world, stack, cidr string) []fakeaws.Record {
	var out []fakeaws.Record
	for _, rec := range w.records() {
		if rec.Type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" &&
			strings.HasPrefix(rec.URN, "urn:pulumi:"+stack+"::") &&
			fakeaws.Unsecret(rec.Inputs["cidrIpv4"]) == cidr {
			out = append(out, rec)
		}
	}
	return out
}

// stateInstance is the RDS instance in a stack's state.
func stateInstance(w *world, stack string) apitype.ResourceV3 {
	w.t.Helper()
	res := w.state(contract.DatabaseProject, stack).ofType("aws:rds/instance:Instance")
	require.Len(w.t, res, 1, "one instance in the state of %s", stack)
	return res[0]
}
