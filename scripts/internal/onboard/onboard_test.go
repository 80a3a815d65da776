package onboard_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgplatform/platform/database/dbspec"
	"github.com/pgplatform/platform/scripts/internal/onboard"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/spec"
	"github.com/pgplatform/platform/shared/stacks"
)

// tempRepo is a copy of the repository's committed environments/ and its
// go.work in a temporary folder: the command writes there, never into the
// committed tree.
func tempRepo(t *testing.T) string {
	t.Helper()
	real, err := stacks.FindRoot(".")
	require.NoError(t, err)
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "go.work"), []byte("go 1.26.6\n"), 0o644))
	src := filepath.Join(real, stacks.Dir)
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(src, path)
		dst := filepath.Join(root, stacks.Dir, r)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	require.NoError(t, err)
	return root
}

// snapshot is every file under root/environments with its content.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(filepath.Join(root, stacks.Dir), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		out[path] = string(data)
		return err
	})
	require.NoError(t, err)
	return out
}

// refused runs New on a copy of the environments, expects a *config.Error
// naming key and value, and checks that nothing under environments/
// changed.
func refused(t *testing.T, root string, req onboard.Request) *config.Error {
	t.Helper()
	before := snapshot(t, root)
	req.Root = root
	_, err := onboard.New(req)
	require.Error(t, err)
	assert.Equal(t, before, snapshot(t, root), "a refusal changed environments/")
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("New(%+v) = %v, want a *config.Error naming the key", req, err)
	}
	return ce
}

// loadCommitted checks a written stack as the committed-environment table
// tests check every committed file (shared/config committed_test.go), and
// as the program does; it returns the loaded config.
func loadCommitted(t *testing.T, root, name string) config.Database {
	t.Helper()
	all, err := stacks.Discover(root) // the catalog's rules too: one stack per app, one account set per environment
	require.NoError(t, err)
	s, err := stacks.Find(all, "database", name)
	require.NoError(t, err)
	require.NoError(t, config.CheckKeys("database", s.Config, config.DatabaseKeys))
	d, err := config.LoadDatabase(config.MapSource("database", s.Config))
	require.NoError(t, err)
	assert.Equal(t, d.App+"-"+d.Environment, s.Name)
	assert.Equal(t, string(d.Tier), s.Tier)
	assert.Equal(t, d.Environment, s.Environment)
	assert.NotEmpty(t, d.AllowedAccountIDs, "every committed stack file pins its environment's account")
	for k := range s.Config {
		ns, _, _ := strings.Cut(k, ":")
		assert.Contains(t, []string{"database", "aws"}, ns, k)
	}
	spec, err := dbspec.Resolve(config.MapSource("database", s.Config), time.Now())
	require.NoError(t, err)
	require.NoError(t, guardrails.CheckDatabase(spec))
	return d
}

func TestNewWritesAFileThatLoadsAndResolvesInEveryTier(t *testing.T) {
	for _, env := range []string{"dev", "staging", "prod"} {
		t.Run(env, func(t *testing.T) {
			root := tempRepo(t)
			req := onboard.Request{Root: root, App: "billing", Env: env}
			if env == "prod" {
				req.AlarmEmail = "billing-oncall@example.com"
			}
			res, err := onboard.New(req)
			require.NoError(t, err)
			assert.Equal(t, filepath.Join("environments", "database", "Pulumi.billing-"+env+".yaml"), res.File)
			assert.Equal(t, config.Tier(env), res.Tier)

			d := loadCommitted(t, root, "billing-"+env)
			netCfg, err := stacks.ReadConfig(filepath.Join(root, "environments", "network", "Pulumi."+env+".yaml"))
			require.NoError(t, err)
			n, err := config.LoadNetwork(config.MapSource("network", netCfg))
			require.NoError(t, err)
			assert.Equal(t, n.Region, d.Region, "region from the network file")
			assert.Equal(t, n.AllowedAccountIDs, d.AllowedAccountIDs, "accounts from the network file")
			assert.Equal(t, n.Tier, d.Tier, "the environment's tier")
			body, err := os.ReadFile(filepath.Join(root, res.File))
			require.NoError(t, err)
			assert.Contains(t, strings.Join(strings.Fields(strings.ReplaceAll(string(body), "#", "")), " "),
				"copied from environments/network/Pulumi."+env+".yaml, the "+env+" network stack file",
				"the file says where its pinned accounts come from")
			if env == "prod" {
				assert.Equal(t, []config.AlarmSubscription{{Protocol: "email", Endpoint: "billing-oncall@example.com"}}, d.AlarmSubscriptions)
			}
			// Nothing but the stack file is left behind.
			entries, err := os.ReadDir(filepath.Join(root, "environments", "database"))
			require.NoError(t, err)
			for _, e := range entries {
				assert.True(t, strings.HasPrefix(e.Name(), "Pulumi."), "left behind: %s", e.Name())
			}
		})
	}
}

// TestNewProdRecoversIntoTheEnvironmentsRecoveryNetwork: in a prod with a
// recovery network, the new stack's database:dr is that network's region,
// and names the network (networkStack) only when it is not the default
// network/prod-dr that the program and the deploy tool read otherwise.
func TestNewProdRecoversIntoTheEnvironmentsRecoveryNetwork(t *testing.T) {
	for _, tc := range []struct{ name, wantStack string }{
		{"prod-dr", ""},
		{"prod-frankfurt", "prod-frankfurt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := tempRepo(t)
			primary, err := os.ReadFile(filepath.Join(root, "environments", "network", "Pulumi.prod.yaml"))
			require.NoError(t, err)
			recovery := strings.Replace(strings.Replace(strings.Replace(string(primary),
				"aws:region: eu-west-1", "aws:region: eu-central-1", 1),
				"network:vpcCidr: 10.40.0.0/16", "network:vpcCidr: 10.41.0.0/16", 1),
				"network:environment: prod\n", "network:environment: prod\n  network:recoveryOf: prod\n", 1)
			recovery = strings.Replace(recovery, "    - eu-west-1a\n    - eu-west-1b\n    - eu-west-1c\n", "    - eu-central-1a\n    - eu-central-1b\n    - eu-central-1c\n", 1)
			require.Contains(t, recovery, "network:recoveryOf: prod")
			require.NoError(t, os.WriteFile(filepath.Join(root, "environments", "network", "Pulumi."+tc.name+".yaml"), []byte(recovery), 0o644))

			_, err = onboard.New(onboard.Request{Root: root, App: "billing", Env: "prod", AlarmEmail: "billing-oncall@example.com"})
			require.NoError(t, err)
			d := loadCommitted(t, root, "billing-prod")
			assert.Equal(t, "eu-central-1", d.DR.Region)
			assert.Equal(t, tc.wantStack, d.DR.NetworkStack)
			assert.Empty(t, d.DR.OptOutReason)
		})
	}
}

func TestNewRefusesAnAppThatHasAStackInTheEnvironment(t *testing.T) {
	root := tempRepo(t)
	ce := refused(t, root, onboard.Request{App: "orders", Env: "dev"})
	assert.Equal(t, "database:app", ce.Key)
	assert.Equal(t, "orders", ce.Value)
	assert.Contains(t, ce.Allowed, "Pulumi.orders-dev.yaml exists")

	// A stack stating the app under another file name is the same app.
	db := filepath.Join(root, "environments", "database")
	require.NoError(t, os.Rename(filepath.Join(db, "Pulumi.orders-dev.yaml"), filepath.Join(db, "Pulumi.legacy-dev.yaml")))
	ce = refused(t, root, onboard.Request{App: "orders", Env: "dev"})
	assert.Equal(t, "database:app", ce.Key)
	assert.Contains(t, ce.Allowed, "Pulumi.legacy-dev.yaml states it")

	// The same app in another environment is a new stack.
	_, err := onboard.New(onboard.Request{Root: root, App: "payments", Env: "staging"})
	require.NoError(t, err)
}

func TestNewRefusesAnEnvironmentWithoutANetworkStackFile(t *testing.T) {
	root := tempRepo(t)
	for _, env := range []string{"qa", "", "../network", "Dev"} {
		ce := refused(t, root, onboard.Request{App: "billing", Env: env})
		assert.Equal(t, "database:environment", ce.Key)
		assert.Equal(t, env, ce.Value)
		assert.Contains(t, ce.Allowed, "dev, staging, prod", "names the environments that have a network stack file")
	}
}

func TestNewRefusesABadAppWithTheLoadersError(t *testing.T) {
	root := tempRepo(t)
	for _, app := range []string{"", "Billing", "billing-eu", "pg", "postgres", "rdsbilling", "template1", "1billing", "abcdefghijklmnopqrstu", "../../x", "a b", "billing\nx"} {
		ce := refused(t, root, onboard.Request{App: app, Env: "staging"})
		assert.Equal(t, "database:app", ce.Key, "app %q", app)
		assert.Equal(t, strings.TrimSpace(app), ce.Value, "app %q", app)
		assert.NotEmpty(t, ce.Allowed)
	}
}

func TestNewRefusesProdWithoutAnAlarmSubscriber(t *testing.T) {
	root := tempRepo(t)
	before := snapshot(t, root)
	_, err := onboard.New(onboard.Request{Root: root, App: "billing", Env: "prod"})
	var v *guardrails.Violation
	require.ErrorAs(t, err, &v)
	assert.Equal(t, "alarm-subscribers", v.Rule)
	assert.Equal(t, "database:alarmSubscriptions", v.Key)
	assert.Contains(t, err.Error(), "ALARM_EMAIL=")
	assert.Equal(t, before, snapshot(t, root))

	// A subscriber the loader refuses is the loader's error, naming it.
	ce := refused(t, root, onboard.Request{App: "billing", Env: "prod", AlarmEmail: "not-an-address"})
	assert.Equal(t, "database:alarmSubscriptions.endpoint", ce.Key)
	assert.Equal(t, "not-an-address", ce.Value)
}

// keyLines parses a written file: for each database key, its comment text
// (joined, whitespace-normalised) and, when commented out, the YAML lines
// that uncomment it.
type keyLines struct {
	doc   string
	value []string // "  database:key: v" and any nested lines, uncommented
}

func parseWritten(t *testing.T, body string) (map[string]keyLines, []string) {
	t.Helper()
	out := map[string]keyLines{}
	lines := strings.Split(body, "\n")
	var doc []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "  # database:"):
			key := strings.TrimSuffix(strings.SplitN(strings.TrimPrefix(l, "  # database:"), ":", 2)[0], ":")
			kl := keyLines{doc: strings.Join(strings.Fields(strings.Join(doc, " ")), " "), value: []string{"  " + strings.TrimPrefix(l, "  # ")}}
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "  #   ") {
				i++
				kl.value = append(kl.value, "  "+strings.TrimPrefix(lines[i], "  # "))
			}
			out[key] = kl
			doc = nil
		case strings.HasPrefix(l, "  # "):
			doc = append(doc, strings.TrimPrefix(l, "  # "))
		case l == "" && len(doc) > 0:
			// A key documented with nothing to uncomment.
			text := strings.Join(strings.Fields(strings.Join(doc, " ")), " ")
			key, _, _ := strings.Cut(text, " ")
			out[key] = keyLines{doc: text}
			doc = nil
		default:
			doc = nil
		}
	}
	if len(doc) > 0 {
		text := strings.Join(strings.Fields(strings.Join(doc, " ")), " ")
		key, _, _ := strings.Cut(text, " ")
		out[key] = keyLines{doc: text}
	}
	return out, lines
}

// markdownFree is the key table's text as a reader of the file sees it.
func markdownFree(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("`", "", "**", "").Replace(s)), " ")
}

// The file documents every key of the table that it does not set, with the
// table's type, default, allowed values and guardrail; and each key
// commented out at a value is at the loader's default for the tier:
// uncommenting it, alone or with all the others, loads and resolves to the
// same stack. A default or doc that drifts from the table or the loader
// fails here.
func TestCommentedDefaultsAreTheKeyTablesAndTheLoaders(t *testing.T) {
	for _, env := range []string{"dev", "staging", "prod"} {
		t.Run(env, func(t *testing.T) {
			root := tempRepo(t)
			res, err := onboard.New(onboard.Request{Root: root, App: "billing", Env: env, AlarmEmail: map[bool]string{true: "billing-oncall@example.com"}[env == "prod"]})
			require.NoError(t, err)
			file := filepath.Join(root, res.File)
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			body := string(raw)
			keys, lines := parseWritten(t, body)
			base := loadCommitted(t, root, "billing-"+env)
			baseSpec, err := dbspec.Resolve(config.MapSource("database", mustRead(t, file)), time.Unix(0, 0))
			require.NoError(t, err)

			var valued []string
			for _, k := range config.DatabaseKeyTable {
				if strings.Contains(body, "\n  database:"+k.Name+":") {
					continue // set, not commented
				}
				kl, ok := keys[k.Name]
				if !ok {
					t.Errorf("key %s of the table is neither set nor documented in the file", k.Name)
					continue
				}
				for _, part := range []string{k.Name, k.Type, markdownFree(k.Default), k.Rule} {
					assert.Contains(t, kl.doc, part, "the doc of %s", k.Name)
				}
				allowed := markdownFree(strings.ReplaceAll(k.Allowed, "(see below)", "(see the README)"))
				if !strings.Contains(allowed, "(see *") {
					assert.Contains(t, kl.doc, allowed, "the doc of %s", k.Name)
				}
				if kl.value == nil {
					assert.True(t, strings.HasPrefix(k.Default, "none"), "key %s is documented without a value, but the table gives it the default %q", k.Name, k.Default)
					continue
				}
				valued = append(valued, k.Name)
				one := uncomment(t, lines, kl.value)
				assertSameStack(t, k.Name, base, baseSpec, one)
			}
			assert.GreaterOrEqual(t, len(valued), 20, "keys commented out at a value: %v", valued)
			// All of them at once.
			all := lines
			for _, name := range valued {
				all = strings.Split(uncomment(t, all, keys[name].value), "\n")
			}
			assertSameStack(t, "all commented keys", base, baseSpec, strings.Join(all, "\n"))
		})
	}
}

func mustRead(t *testing.T, file string) map[string]string {
	t.Helper()
	cfg, err := stacks.ReadConfig(file)
	require.NoError(t, err)
	return cfg
}

// uncomment returns the file with the commented lines of one key replaced
// by their uncommented form.
func uncomment(t *testing.T, lines, value []string) string {
	t.Helper()
	out := slices.Clone(lines)
	for _, v := range value {
		i := slices.Index(out, "  # "+strings.TrimPrefix(v, "  "))
		require.GreaterOrEqual(t, i, 0, "line %q", v)
		out[i] = v
	}
	return strings.Join(out, "\n")
}

func assertSameStack(t *testing.T, what string, base config.Database, baseSpec spec.Database, body string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "Pulumi.billing.yaml")
	require.NoError(t, os.WriteFile(f, []byte(body), 0o644))
	cfg := mustRead(t, f)
	d, err := config.LoadDatabase(config.MapSource("database", cfg))
	require.NoError(t, err, what)
	// networkStack's default is the environment's network, which the
	// commented network/<env> names in another form.
	want, err := networkref.Parse(base.NetworkStack, base.Environment)
	require.NoError(t, err)
	got, err := networkref.Parse(d.NetworkStack, d.Environment)
	require.NoError(t, err)
	assert.Equal(t, want, got, "%s: network reference", what)
	d.NetworkStack = base.NetworkStack
	if !reflect.DeepEqual(base, d) {
		t.Errorf("%s uncommented loads a different stack:\n got %+v\nwant %+v", what, d, base)
	}
	s, err := dbspec.Resolve(config.MapSource("database", cfg), time.Unix(0, 0))
	require.NoError(t, err)
	s.NetworkStack = baseSpec.NetworkStack
	if !reflect.DeepEqual(baseSpec, s) {
		t.Errorf("%s uncommented resolves to a different spec:\n got %+v\nwant %+v", what, s, baseSpec)
	}
}
