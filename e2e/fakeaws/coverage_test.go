package fakeaws

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbstack"
	"github.com/pgplatform/platform/network/netstack"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

// programInputs runs the network and database programs under the
// project's mocks, for every committed environment file and for variants
// that turn on what the committed files leave off (extra ingress sources),
// and returns, per resource type, every input property the programs set.
func programInputs(t *testing.T) map[string][]string {
	t.Helper()
	root, err := stacks.FindRoot(".")
	require.NoError(t, err)
	all, err := stacks.Discover(root)
	require.NoError(t, err)

	seen := map[string]map[string]bool{}
	collect := func(m *pulumimocks.Mocks) {
		for _, r := range m.Resources() {
			if !r.Custom || !strings.HasPrefix(r.Type, "aws:") {
				continue
			}
			if seen[r.Type] == nil {
				seen[r.Type] = map[string]bool{}
			}
			for k, v := range r.Inputs {
				if !v.IsNull() {
					seen[r.Type][string(k)] = true
				}
			}
		}
	}
	networks := map[string]map[string]any{}
	for _, s := range all {
		if s.Project != contract.NetworkProject {
			continue
		}
		m := pulumimocks.New()
		exports := pulumimocks.Exports{}
		require.NoError(t, pulumimocks.RunStack(m, s, func(ctx *pulumi.Context) error {
			return netstack.Program(ctx, exports.Export)
		}))
		collect(m)
		out := map[string]any{}
		for k, in := range exports {
			v, err := pulumimocks.Await(in.(pulumi.Output))
			require.NoError(t, err, k)
			if ss, ok := v.([]string); ok {
				items := make([]any, len(ss))
				for i, s := range ss {
					items[i] = s
				}
				v = items
			}
			out[k] = v
		}
		networks[s.Environment] = out
	}
	require.NotEmpty(t, networks, "the committed network stacks ran")

	now := func() time.Time { return time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC) }
	ran := 0
	for _, s := range all {
		if s.Project != contract.DatabaseProject {
			continue
		}
		variants := []map[string]string{s.Config}
		extra := maps(s.Config)
		extra["database:allowedCidrs"] = `["10.99.0.0/24"]`
		extra["database:allowedSecurityGroupIds"] = `["sg-0123456789abcdef0"]`
		variants = append(variants, extra)
		// Behind an RDS Proxy, with direct access kept (every proxy
		// resource and both kinds of database ingress).
		proxied := maps(extra)
		proxied["database:proxy"] = "true"
		proxied["database:proxyDirectAccess"] = "true"
		variants = append(variants, proxied)
		// A Multi-AZ DB cluster behind the proxy (its read-only endpoint),
		// made of an instance stack (a cluster stack is one already).
		cluster := maps(proxied)
		cluster["database:deployment"] = "cluster"
		cluster["database:instanceClass"] = "db.m6gd.large"
		cluster["database:allocatedStorageGb"] = "100"
		delete(cluster, "database:maxAllocatedStorageGb")
		delete(cluster, "database:multiAz")
		if s.Config["database:deployment"] != "cluster" {
			variants = append(variants, cluster)
		}
		for _, cfg := range variants {
			m := pulumimocks.New()
			m.StackOutputs[dbstack.LocalOrganization+"/network/"+s.Environment] = networks[s.Environment]
			err := pulumimocks.Run(m, s.Project, s.Name, cfg, func(ctx *pulumi.Context) error {
				return dbstack.Program(ctx, pulumimocks.Exports{}.Export, now)
			})
			require.NoError(t, err, "%s/%s", s.Project, s.Name)
			collect(m)
			ran++
		}
	}
	require.Positive(t, ran, "the committed database stacks ran")

	out := map[string][]string{}
	for typ, keys := range seen {
		for k := range keys {
			out[typ] = append(out[typ], k)
		}
		sort.Strings(out[typ])
	}
	return out
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestEveryPropertyTheProgramsSetIsClassified fails when a program sets a
// property that the double's table does not say either forces a
// replacement or updates in place: the double would then guess, and a
// change of it could pass the tests while AWS replaces the resource.
func TestEveryPropertyTheProgramsSetIsClassified(t *testing.T) {
	inputs := programInputs(t)
	require.Contains(t, inputs, "aws:rds/instance:Instance", "the database program declares an RDS instance")
	require.Contains(t, inputs, "aws:ec2/vpc:Vpc", "the network program declares a VPC")
	require.Contains(t, inputs, "aws:rds/proxyTarget:ProxyTarget", "the database program declares an RDS Proxy and its target")
	require.Contains(t, inputs, "aws:rds/proxyEndpoint:ProxyEndpoint", "the database program declares a cluster's read-only proxy endpoint")
	var missing []string
	for typ, keys := range inputs {
		rt, ok := types[typ]
		if !ok {
			missing = append(missing, typ+": the type is not in the table")
			continue
		}
		for _, k := range keys {
			if !slices.Contains(rt.Replace, k) && !slices.Contains(rt.InPlace, k) {
				missing = append(missing, fmt.Sprintf("%s: %s", typ, k))
			}
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "properties the programs set that e2e/fakeaws/types.go classifies neither as Replace nor as InPlace")
}

// TestTheTableNeverListsAPropertyTwice keeps the classification one
// answer per property.
func TestTheTableNeverListsAPropertyTwice(t *testing.T) {
	for typ, rt := range types {
		for _, k := range rt.Replace {
			assert.NotContains(t, rt.InPlace, k, "%s: %s is both Replace and InPlace", typ, k)
		}
	}
}
