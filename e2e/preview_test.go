//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/e2e/fakeaws"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
)

// TestPreviewWritesNothingToTheBackend shows that previews, the ones a pull
// request runs with a read-only role included, leave the shared backend
// byte for byte as they found it: a new database stack (a file the backend
// has no stack for) is previewed on a throwaway backend that holds a copy of
// its network; existing stacks, refreshed or not, are previewed in place; a
// new environment's network is previewed on an empty throwaway backend and
// its database stacks are refused. The tests run as root, which ignores
// file modes, so a read-only folder would prove nothing: every file and
// folder of the backend is compared by name and SHA-256 digest. `up` of the
// new stack then creates it on the backend as before.
func TestPreviewWritesNothingToTheBackend(t *testing.T) {
	w := newWorld(t)
	sb := w.sandbox()

	r := sb.deploy("up", "--env", "dev")
	require.Zero(t, r.code, "deploy up --env dev\n%s", r)
	netOut := w.state(contract.NetworkProject, "dev").outputs()
	require.NotEmpty(t, netOut["databaseSubnetIds"], "network/dev exports its database subnets")

	// A new app's stack file, as a pull request adds it.
	sb.addStackFile(contract.DatabaseProject, "orders-dev", "billing-dev", "orders", "billing")
	all, err := stacks.Discover(sb.root)
	require.NoError(t, err)
	_, err = stacks.Find(all, contract.DatabaseProject, "billing-dev")
	require.NoError(t, err, "the new stack file is part of the dev environment")

	before := digestTree(t, w.backend)
	require.Contains(t, before, ".pulumi/stacks/database/orders-dev.json", "the digests cover the stacks' state")
	unchanged := func(t *testing.T, what string) {
		t.Helper()
		after := digestTree(t, w.backend)
		if diff := diffDigests(before, after); diff != "" {
			t.Fatalf("%s wrote to the shared backend %s:\n%s", what, w.backend, diff)
		}
	}
	callsBefore := len(w.calls())
	nothingChangedInAWS := func(t *testing.T, what string) {
		t.Helper()
		assert.Empty(t, changedCalls(w.calls()[callsBefore:]), "%s changed nothing in the double", what)
	}

	t.Run("new database stack", func(t *testing.T) {
		jsonDir := filepath.Join(w.dir, "events-new-stack")
		r := sb.deploy("preview", "--env", "dev", "--json-dir", jsonDir)
		require.Zero(t, r.code, "deploy preview --env dev\n%s", r)
		assert.Contains(t, r.stdout, "[database/billing-dev] new stack: previewing in a throwaway backend; nothing is written to file://"+w.backend+"\n")
		for _, existing := range []string{"network/dev", "database/orders-dev", "database/payments-dev"} {
			assert.NotContains(t, r.stdout, "["+existing+"] new stack", "%s is on the backend", existing)
		}

		// The preview showed the new stack's resources being created...
		creates := map[string]int{}
		var summary map[string]int
		for _, e := range w.engineEvents(filepath.Join(jsonDir, "database-billing-dev.json")) {
			if e.ResourcePreEvent != nil && e.ResourcePreEvent.Metadata.Op == "create" {
				creates[e.ResourcePreEvent.Metadata.Type]++
			}
			if e.SummaryEvent != nil {
				summary = map[string]int{}
				for op, n := range e.SummaryEvent.ResourceChanges {
					summary[string(op)] = n
				}
			}
		}
		assert.Equal(t, 1, creates["aws:rds/instance:Instance"], "the preview creates the RDS instance: %v", creates)
		assert.Equal(t, 1, creates["aws:rds/subnetGroup:SubnetGroup"], "the preview creates the subnet group: %v", creates)
		require.NotNil(t, summary, "the preview ended with a summary")
		assert.Greater(t, summary["create"], 10, "summary %v", summary)
		assert.Regexp(t, `database/billing-dev\s+preview\s+ok\s+create \d+`, r.stdout)

		// ...with the network's real outputs, read through the StackReference
		// from the copy of network/dev.
		var groups []fakeaws.Call
		for _, c := range w.calls()[callsBefore:] {
			if c.Method == "Create" && c.Preview && c.Stack == "billing-dev" && c.Type == "aws:rds/subnetGroup:SubnetGroup" {
				groups = append(groups, c)
			}
		}
		require.Len(t, groups, 1, "the double saw the new stack's subnet group in the preview")
		assert.Equal(t, netOut["databaseSubnetIds"], fakeaws.Unsecret(groups[0].Inputs["subnetIds"]),
			"the new stack read network/dev's subnets through the copy")

		unchanged(t, "the preview of a new stack")
		nothingChangedInAWS(t, "the preview of a new stack")
		_, err := os.Stat(filepath.Join(w.backend, ".pulumi", "stacks", "database", "billing-dev.json"))
		assert.True(t, os.IsNotExist(err), "billing-dev has no state on the backend: %v", err)
	})

	t.Run("existing stacks, refreshed", func(t *testing.T) {
		r := sb.deploy("preview", "--env", "dev", "--stack", "dev", "--stack", "orders-dev", "--refresh", "--expect-no-changes")
		require.Zero(t, r.code, "drift check of existing stacks\n%s", r)
		assert.NotContains(t, r.stdout, "throwaway")
		unchanged(t, "the preview of existing stacks")
		nothingChangedInAWS(t, "the preview of existing stacks")
	})

	t.Run("new environment", func(t *testing.T) {
		// staging's files are committed; nothing of staging is deployed.
		r := sb.deploy("preview", "--env", "staging", "--stack", "staging")
		require.Zero(t, r.code, "preview of a new network\n%s", r)
		assert.Contains(t, r.stdout, "[network/staging] new stack: previewing in a throwaway backend; nothing is written to file://"+w.backend+"\n")
		assert.Regexp(t, `network/staging\s+preview\s+ok\s+create \d+`, r.stdout)
		unchanged(t, "the preview of a new network")

		r = sb.deploy("preview", "--env", "staging")
		require.Equal(t, 1, r.code, "its database stacks cannot be previewed before it is deployed\n%s", r)
		assert.Contains(t, r.stderr, "deploy: preview database/orders-staging: new stack: it reads network/staging, which is not deployed on file://"+w.backend+" either")
		assert.Regexp(t, `database/orders-staging\s+preview\s+refused`, r.stdout)
		unchanged(t, "the preview of a new environment")
		nothingChangedInAWS(t, "the preview of a new environment")
	})

	t.Run("up still creates a new stack", func(t *testing.T) {
		r := sb.deploy("up", "--env", "dev", "--stack", "billing-dev")
		require.Zero(t, r.code, "deploy up of the new stack\n%s", r)
		assert.NotContains(t, r.stdout, "throwaway")
		out := w.state(contract.DatabaseProject, "billing-dev").outputs()
		assert.NotEmpty(t, out["endpoint"], "billing-dev was deployed on the shared backend")
	})
}

// addStackFile writes a new stack file into the sandbox's environments, made
// from an existing one with every old replaced by new.
func (s *sandbox) addStackFile(project, from, to, old, new string) {
	s.w.t.Helper()
	dir := filepath.Join(s.root, stacks.Dir, project)
	data, err := os.ReadFile(filepath.Join(dir, "Pulumi."+from+".yaml"))
	require.NoError(s.w.t, err)
	require.Contains(s.w.t, string(data), old)
	dst := filepath.Join(dir, "Pulumi."+to+".yaml")
	_, err = os.Stat(dst)
	require.True(s.w.t, os.IsNotExist(err), "%s exists already", dst)
	require.NoError(s.w.t, os.WriteFile(dst, []byte(strings.ReplaceAll(string(data), old, new)), 0o600))
}

// digestTree maps every file and folder under root, by its slash-separated
// path relative to root, to the SHA-256 of its content ("dir" for a
// folder, "link -> <target>" for a symbolic link): a file added, removed,
// renamed or changed changes the map.
func digestTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			out[rel] = "dir"
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			out[rel] = "link -> " + target
		default:
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			out[rel] = hex.EncodeToString(sum[:])
		}
		return nil
	})
	require.NoError(t, err, "digesting %s", root)
	return out
}

// diffDigests lists what differs between two digestTree maps, one line a
// path; empty when they are equal.
func diffDigests(before, after map[string]string) string {
	var lines []string
	for p, d := range before {
		switch a, ok := after[p]; {
		case !ok:
			lines = append(lines, "removed "+p)
		case a != d:
			lines = append(lines, "changed "+p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			lines = append(lines, "added   "+p)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestDiffDigestsSeesEveryChange(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600))
	}
	write(".pulumi/meta.yaml", "version: 1\n")
	write(".pulumi/stacks/network/dev.json", "{}")
	before := digestTree(t, dir)
	assert.Empty(t, diffDigests(before, digestTree(t, dir)))

	write(".pulumi/stacks/network/dev.json", "{ }")
	write(".pulumi/stacks/database/billing-dev.json", "{}")
	require.NoError(t, os.Remove(filepath.Join(dir, ".pulumi/meta.yaml")))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".pulumi/locks"), 0o700))
	assert.Equal(t, strings.Join([]string{
		"added   .pulumi/locks",
		"added   .pulumi/stacks/database",
		"added   .pulumi/stacks/database/billing-dev.json",
		"changed .pulumi/stacks/network/dev.json",
		"removed .pulumi/meta.yaml",
	}, "\n"), diffDigests(before, digestTree(t, dir)))
}
