// Command record re-records the preview fixtures in scripts/internal/report/testdata
// with the real engine: the pinned CLI (bin/pulumi), a local file://
// backend, inline programs shaped like the platform's, and itself standing
// in for the AWS provider plugin. For each scenario it deploys a "before"
// program, then previews an "after" program and keeps both forms the engine
// writes: the event log (<stack>.events.ndjson) and `pulumi preview --json`
// (<stack>.preview.json).
//
//	go run ./report/internal/record            (from scripts/, after tools/install.sh)
//
// It needs no network and no AWS account, and takes about a minute.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/stacks"
)

type scenario struct {
	project, stack, env string
	before, after       pulumi.RunFunc
	// previewEnv scripts the stand-in provider during the preview.
	previewEnv map[string]string
	refresh    bool
}

func scenarios() []scenario {
	orders := func(env, dbName, logMin, class string, protect bool) pulumi.RunFunc {
		return databaseProgram(databaseVersion{app: "orders", env: env, dbName: dbName, logMinMs: logMin, instanceClass: class, protect: protect})
	}
	return []scenario{
		{
			// Tags change everywhere, flow logs are kept longer, a route
			// table is added: updates and a create, nothing destructive.
			project: "network", stack: "dev", env: "dev",
			before: networkProgram(networkVersion{env: "dev", costCenter: "platform", retention: 30}),
			after:  networkProgram(networkVersion{env: "dev", costCenter: "platform-shared", retention: 90, routeTable: true}),
		},
		{
			// Nothing changes.
			project: "network", stack: "staging", env: "staging",
			before: networkProgram(networkVersion{env: "staging", costCenter: "platform", retention: 30}),
			after:  networkProgram(networkVersion{env: "staging", costCenter: "platform", retention: 30}),
		},
		{
			// The database is renamed: RDS replaces the instance (a new
			// identifier), its log group follows, and a parameter changes.
			project: "database", stack: "orders-dev", env: "dev",
			before: orders("dev", "orders", "500", "db.t4g.medium", false),
			after:  orders("dev", "orders_app", "250", "db.t4g.medium", false),
		},
		{
			// The log group moves to the stack's key; its own key goes.
			project: "database", stack: "payments-dev", env: "dev",
			before: databaseProgram(databaseVersion{app: "payments", env: "dev", dbName: "payments", logMinMs: "500", instanceClass: "db.t4g.medium", logsKey: true}),
			after:  databaseProgram(databaseVersion{app: "payments", env: "dev", dbName: "payments", logMinMs: "500", instanceClass: "db.t4g.medium"}),
		},
		{
			// Someone shortened the backup retention and dropped a tag in
			// the console; a refreshing preview finds it and would undo it.
			project: "database", stack: "orders-staging", env: "staging",
			before:  orders("staging", "orders", "500", "db.r6g.large", false),
			after:   orders("staging", "orders", "500", "db.r6g.large", false),
			refresh: true,
			previewEnv: map[string]string{
				"RECORD_DRIFT": `orders-staging-db.backupRetentionPeriod=1;orders-staging-db.tags={"App":"orders","Environment":"staging","Name":"pgp-orders-staging"}`,
			},
		},
		{
			// A typo in the instance class: the provider rejects it and the
			// preview fails.
			project: "database", stack: "orders-prod", env: "prod",
			before: orders("prod", "orders", "500", "db.r6g.xlarge", true),
			after:  orders("prod", "orders", "500", "r6g.xlarge", true),
			previewEnv: map[string]string{
				"RECORD_CHECK_FAIL": `orders-prod-db.instanceClass=expected instance_class to match "^db\." (got "r6g.xlarge")`,
			},
		},
	}
}

func main() {
	if filepath.Base(os.Args[0]) == "pulumi-resource-aws" {
		if err := serveProvider(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

func run() error {
	out := flag.String("out", "", "folder to write the fixtures to (default: scripts/internal/report/testdata)")
	only := flag.String("stack", "", "record only this stack")
	flag.Parse()
	root, err := stacks.FindRoot(".")
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join(root, "scripts", "internal", "report", "testdata")
	}
	cli, err := newRecordingCLI(root)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "record-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	// A fixed folder for the stand-in provider keeps the engine's warning
	// "using pulumi-resource-aws from $PATH at ..." the same in every
	// recording.
	plugins := filepath.Join(os.TempDir(), "pgplatform-record-plugins")
	if err := installSelfAsProvider(plugins); err != nil {
		return err
	}
	defer os.RemoveAll(plugins)
	ctx := context.Background()
	for _, sc := range scenarios() {
		if *only != "" && sc.stack != *only {
			continue
		}
		start := time.Now()
		fmt.Printf("==> %s/%s: deploying the before program\n", sc.project, sc.stack)
		if err := record(ctx, cli, sc, tmp, plugins, *out); err != nil {
			return fmt.Errorf("%s/%s: %w", sc.project, sc.stack, err)
		}
		fmt.Printf("==> %s/%s: recorded in %s\n", sc.project, sc.stack, time.Since(start).Round(time.Second))
	}
	return nil
}

func installSelfAsProvider(dir string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own executable: %w", err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		return fmt.Errorf("read own executable: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("plugin dir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pulumi-resource-aws"), data, 0o755); err != nil {
		return fmt.Errorf("install stand-in provider: %w", err)
	}
	return nil
}

func record(ctx context.Context, cli *recordingCLI, sc scenario, tmp, plugins, out string) error {
	state := filepath.Join(tmp, "state-"+sc.stack)
	work := filepath.Join(tmp, "work-"+sc.stack)
	for _, d := range []string{state, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("mkdir: %w", err)
		}
	}
	env := map[string]string{
		"PULUMI_BACKEND_URL":       "file://" + state,
		"PULUMI_CONFIG_PASSPHRASE": "record",
		"PULUMI_HOME":              filepath.Join(tmp, "home"),
		"PULUMI_SKIP_UPDATE_CHECK": "true",
		"PATH":                     plugins + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
	st, err := auto.UpsertStackInlineSource(ctx, sc.stack, sc.project, sc.before,
		auto.Pulumi(cli), auto.EnvVars(env), auto.WorkDir(work))
	if err != nil {
		return fmt.Errorf("create stack: %w", err)
	}
	if err := st.SetAllConfig(ctx, auto.ConfigMap{
		"aws:region":                {Value: "eu-west-1"},
		sc.project + ":environment": {Value: sc.env},
		sc.project + ":tier":        {Value: sc.env},
	}); err != nil {
		return fmt.Errorf("set config: %w", err)
	}
	if _, err := st.Up(ctx, optup.SuppressProgress()); err != nil {
		return fmt.Errorf("up: %w", err)
	}
	fmt.Printf("    previewing the after program\n")
	st.Workspace().SetProgram(sc.after)
	if len(sc.previewEnv) > 0 {
		if err := st.Workspace().SetEnvVars(sc.previewEnv); err != nil {
			return fmt.Errorf("set env: %w", err)
		}
	}
	var (
		mu     sync.Mutex
		stream bytes.Buffer
	)
	ch := make(chan events.EngineEvent)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e := range ch {
			line, err := json.Marshal(e.EngineEvent)
			if err != nil {
				continue
			}
			mu.Lock()
			stream.Write(line)
			stream.WriteByte('\n')
			mu.Unlock()
		}
	}()
	popts := []optpreview.Option{optpreview.EventStreams(ch), optpreview.SuppressProgress()}
	if sc.refresh {
		popts = append(popts, optpreview.Refresh())
	}
	cli.capture = true
	_, previewErr := st.Preview(ctx, popts...)
	cli.capture = false
	<-done
	for k := range sc.previewEnv {
		st.Workspace().UnsetEnvVar(k)
	}
	if previewErr != nil {
		fmt.Printf("    the preview failed (as the scenario may intend): %s\n", firstLine(previewErr.Error()))
	}
	base := filepath.Join(out, sc.stack)
	mu.Lock()
	defer mu.Unlock()
	if stream.Len() == 0 {
		return fmt.Errorf("the engine sent no events")
	}
	if err := os.WriteFile(base+".events.ndjson", stream.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write event stream: %w", err)
	}
	var digest any
	if err := json.Unmarshal([]byte(cli.stdout), &digest); err != nil {
		return fmt.Errorf("the CLI printed no preview document: %w\n%s", err, cli.stdout)
	}
	if err := os.WriteFile(base+".preview.json", []byte(cli.stdout), 0o644); err != nil {
		return fmt.Errorf("write preview document: %w", err)
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// recordingCLI runs bin/pulumi and, for previews, adds --json and keeps
// what the CLI printed.
type recordingCLI struct {
	inner   auto.PulumiCommand
	capture bool
	stdout  string
}

func newRecordingCLI(root string) (*recordingCLI, error) {
	inner, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return nil, fmt.Errorf("bin/pulumi: %w (build it with tools/install.sh pulumi)", err)
	}
	return &recordingCLI{inner: inner}, nil
}

func (c *recordingCLI) Version() semver.Version { return c.inner.Version() }

func (c *recordingCLI) Run(ctx context.Context, workdir string, stdin io.Reader,
	additionalOutput, additionalErrorOutput []io.Writer, additionalEnv []string, args ...string,
) (string, string, int, error) {
	capture := c.capture && len(args) > 0 && args[0] == "preview"
	if capture {
		args = append(append([]string{}, args...), "--json")
	}
	stdout, stderr, code, err := c.inner.Run(ctx, workdir, stdin, additionalOutput, additionalErrorOutput, additionalEnv, args...)
	if capture {
		c.stdout = stdout
	}
	return stdout, stderr, code, err
}
