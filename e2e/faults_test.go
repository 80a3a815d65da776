//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
)

// The harness side of the double's faults (fakeaws/faults.go) and of its
// inventory (fakeaws/inventory.go).

// setFaults replaces the double's fault plan; an empty plan turns faults
// off.
func (w *world) setFaults(faults ...fakeaws.Fault) {
	w.t.Helper()
	if err := fakeaws.SetFaults(w.awsDir, fakeaws.FaultPlan{Faults: faults}); err != nil {
		w.t.Fatalf("setting the double's faults: %v", err)
	}
}

// fired lists the faults that fired.
func (w *world) fired() []fakeaws.Firing {
	w.t.Helper()
	f, err := fakeaws.Fired(w.awsDir)
	if err != nil {
		w.t.Fatalf("reading the fired faults: %v", err)
	}
	return f
}

// backendStacks lists the stacks the file:// backend holds, as
// "project/stack".
func (w *world) backendStacks() []string {
	w.t.Helper()
	var out []string
	root := filepath.Join(w.backend, ".pulumi", "stacks")
	projects, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		w.t.Fatalf("listing the backend's stacks: %v", err)
	}
	for _, p := range projects {
		if !p.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, p.Name()))
		if err != nil {
			w.t.Fatalf("listing the backend's stacks: %v", err)
		}
		for _, f := range files {
			if name, ok := strings.CutSuffix(f.Name(), ".json"); ok && !f.IsDir() {
				out = append(out, p.Name()+"/"+name)
			}
		}
	}
	return out
}

// exportAll runs `pulumi stack export` for every stack of the backend (at
// once) and returns the deployments by "project/stack".
func (s *sandbox) exportAll() map[string]apitype.DeploymentV3 {
	s.w.t.Helper()
	names := s.w.backendStacks()
	type export struct {
		d   apitype.DeploymentV3
		err error
	}
	results := make([]export, len(names))
	var wg sync.WaitGroup
	for i, qn := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i].d, results[i].err = s.export(qn)
		}()
	}
	wg.Wait()
	out := map[string]apitype.DeploymentV3{}
	for i, qn := range names {
		if results[i].err != nil {
			s.w.t.Fatalf("exporting %s: %v", qn, results[i].err)
		}
		out[qn] = results[i].d
	}
	return out
}

// export runs `pulumi stack export` for one stack ("project/stack").
func (s *sandbox) export(qn string) (apitype.DeploymentV3, error) {
	var d apitype.DeploymentV3
	project, stack, _ := strings.Cut(qn, "/")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(repoRoot, "bin", "pulumi"),
		"stack", "export", "--stack", "organization/"+project+"/"+stack)
	cmd.Dir = filepath.Join(s.root, project)
	cmd.Env = s.w.environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return d, fmt.Errorf("pulumi stack export: %w\n%s", err, stderr.String())
	}
	var ud apitype.UntypedDeployment
	if err := json.Unmarshal(stdout.Bytes(), &ud); err != nil {
		return d, fmt.Errorf("decoding the export: %w", err)
	}
	if len(ud.Deployment) > 0 && string(ud.Deployment) != "null" {
		if err := json.Unmarshal(ud.Deployment, &d); err != nil {
			return d, fmt.Errorf("decoding the deployment: %w", err)
		}
	}
	return d, nil
}

// audit compares the double's inventory with every stack's export.
func (s *sandbox) audit() fakeaws.Audit {
	s.w.t.Helper()
	deps := s.exportAll()
	a, err := fakeaws.AuditDir(s.w.awsDir, deps)
	if err != nil {
		s.w.t.Fatalf("auditing the double: %v", err)
	}
	return a
}

// TestAFailedCallStopsTheRunAndTheNextUpConverges: AWS refuses the create
// of orders-dev's RDS instance (InsufficientDBInstanceCapacity) in the
// middle of the dev environment's first `up`. The run stops with an error
// that names the stack, the resource and AWS's code and message; the
// double holds nothing the states do not. Once the fault is gone, a second
// `up` creates what is missing with no manual step, and the double then
// holds exactly the states' resources, each once.
func TestAFailedCallStopsTheRunAndTheNextUpConverges(t *testing.T) {
	w := newWorld(t)
	sb := w.sandbox()
	const (
		code = "InsufficientDBInstanceCapacity"
		msg  = "Cannot create a db.t4g.micro database instance because there are no availability zones with sufficient capacity for VPC and storage type : gp3 for db.t4g.micro. Please try the request again at a later time."
	)
	w.setFaults(fakeaws.Fault{ID: "capacity", Method: "Create", Type: "aws:rds/instance:Instance",
		Project: "database", Stack: "orders-dev", Action: fakeaws.ActionFail, Code: code, Message: msg})

	r := sb.deploy("up", "--env", "dev")
	require.NotZero(t, r.code, "the up must fail\n%s", r)
	fired := w.fired()
	require.Len(t, fired, 1, "the fault fired once\n%s", r)
	instance := fired[0].URN[strings.LastIndex(fired[0].URN, "::")+2:]

	// The error the deploy tool ends with names the stack, the resource,
	// AWS's code and message.
	out := r.stdout + r.stderr
	var last string
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if strings.Contains(l, code) {
			last = l
		}
	}
	require.NotEmpty(t, last, "no line of stderr names %s:\n%s", code, r)
	t.Logf("the run ends with: %s", last)
	assert.Contains(t, last, "database/orders-dev", "the error names the stack")
	assert.Contains(t, last, instance, "the error names the resource")
	assert.Contains(t, last, msg, "the error carries AWS's message")
	assert.Contains(t, last, "operation error RDS: CreateDBInstance", "the error names the AWS call")
	// The summary says which stack failed, and which never ran.
	assert.Regexp(t, `database/orders-dev\s+up\s+failed`, out)

	// Nothing exists that the states do not hold, nothing twice, and no
	// pending operation: the refused create left nothing behind.
	a := sb.audit()
	assert.True(t, a.Clean(), "after the failed up:\n%s", a)
	for _, it := range w.inventory() {
		assert.NotEqual(t, fired[0].URN, it.URN, "AWS refused the instance: it must not exist")
	}

	// The fault is gone: the next up converges with no manual step.
	w.setFaults()
	r = sb.deploy("up", "--env", "dev")
	require.Zero(t, r.code, "the second up\n%s", r)
	a = sb.audit()
	assert.True(t, a.Clean(), "after the second up:\n%s", a)
	var instances int
	for _, it := range w.inventory() {
		if it.URN == fired[0].URN {
			instances++
		}
	}
	assert.Equal(t, 1, instances, "the instance exists once")

	// And it is converged: a preview expects no change.
	r = sb.deploy("preview", "--env", "dev", "--expect-no-changes")
	require.Zero(t, r.code, "preview --expect-no-changes after the second up\n%s", r)
}

// inventory lists what the double holds.
func (w *world) inventory() []fakeaws.Item {
	w.t.Helper()
	items, err := fakeaws.Inventory(w.awsDir)
	if err != nil {
		w.t.Fatalf("reading the double's inventory: %v", err)
	}
	return items
}
