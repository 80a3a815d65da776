package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/database/dbstack"
	"github.com/pgplatform/platform/network/netstack"
	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/stacks"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

// pluginDir is where the double is built: a fixed folder keeps the
// engine's warning "using pulumi-resource-aws from $PATH at ..." the same
// in every recording.
var pluginDir = filepath.Join(os.TempDir(), "pgplatform-record-plugins")

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
	todo := scenarios()
	if *only != "" {
		var picked []scenario
		var names []string
		for _, sc := range todo {
			names = append(names, sc.stack)
			if sc.stack == *only {
				picked = append(picked, sc)
			}
		}
		if len(picked) == 0 {
			return fmt.Errorf("-stack %q: no scenario records that stack (scenarios: %s)", *only, strings.Join(names, ", "))
		}
		todo = picked
	}
	inner, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		return fmt.Errorf("bin/pulumi: %w (build it with tools/install.sh pulumi)", err)
	}
	cli := &recordingCLI{inner: inner}
	tmp, err := os.MkdirTemp("", "record-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := buildDouble(root); err != nil {
		return err
	}
	defer os.RemoveAll(pluginDir)
	sandbox, err := newSandbox(root, filepath.Join(tmp, "repo"))
	if err != nil {
		return err
	}
	ctx := context.Background()
	var envs []string
	for _, sc := range todo {
		if len(envs) == 0 || envs[len(envs)-1] != sc.env {
			envs = append(envs, sc.env)
		}
	}
	for _, env := range envs {
		w, err := newWorld(root, filepath.Join(tmp, env))
		if err != nil {
			return err
		}
		settings, err := workspace.FromEnv(sandbox.root, os.LookupEnv)
		if err != nil {
			return err
		}
		var these []scenario
		for _, sc := range todo {
			if sc.env == env {
				these = append(these, sc)
			}
		}
		if err := deployBefore(ctx, cli, settings, sandbox, env, these); err != nil {
			return fmt.Errorf("%s: %w", env, err)
		}
		for _, sc := range these {
			start := time.Now()
			fmt.Printf("==> %s/%s: previewing the change\n", sc.project, sc.stack)
			if err := record(ctx, cli, settings, sandbox, w, sc, *out); err != nil {
				return fmt.Errorf("%s/%s: %w", sc.project, sc.stack, err)
			}
			fmt.Printf("==> %s/%s: recorded in %s\n", sc.project, sc.stack, time.Since(start).Round(time.Second))
		}
	}
	return nil
}

// buildDouble builds the e2e suite's AWS provider double into pluginDir,
// inside its own module, as e2e/harness_test.go does.
func buildDouble(root string) error {
	if err := os.MkdirAll(pluginDir, 0o755); err != nil {
		return fmt.Errorf("plugin dir: %w", err)
	}
	start := time.Now()
	build := exec.Command("go", "build", "-o", filepath.Join(pluginDir, "pulumi-resource-aws"), "./cmd/pulumi-resource-aws")
	build.Dir = filepath.Join(root, "e2e")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build the AWS provider double e2e/cmd/pulumi-resource-aws: %w\n%s", err, out)
	}
	fmt.Printf("==> built the AWS provider double in %s\n", time.Since(start).Round(time.Second))
	return nil
}

// program is the platform's program of a project, as bin/deploy wires it
// (scripts/cmd/deploy).
func program(project string) pulumi.RunFunc {
	if project == contract.NetworkProject {
		return netstack.Run
	}
	return dbstack.Run
}

// deployBefore deploys, from the committed files, the network of env and
// every database stack the scenarios preview.
func deployBefore(ctx context.Context, cli *recordingCLI, settings workspace.Settings, sb *sandbox, env string, these []scenario) error {
	all, err := stacks.Discover(sb.root)
	if err != nil {
		return err
	}
	network, err := stacks.Find(all, contract.NetworkProject, env)
	if err != nil {
		return err
	}
	todo := []stacks.Stack{network}
	for _, sc := range these {
		if sc.project == contract.DatabaseProject {
			st, err := stacks.Find(all, sc.project, sc.stack)
			if err != nil {
				return err
			}
			todo = append(todo, st)
		}
	}
	for _, st := range todo {
		start := time.Now()
		fmt.Printf("==> %s/%s: deploying the committed file\n", st.Project, st.Name)
		s, err := settings.Open(ctx, cli, st, program(st.Project), true)
		if err != nil {
			return err
		}
		_, err = s.Up(ctx, optup.ProgressStreams(io.Discard), optup.SuppressProgress())
		if cerr := s.Close(); cerr != nil && err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("up %s/%s: %w", st.Project, st.Name, err)
		}
		fmt.Printf("    deployed in %s\n", time.Since(start).Round(time.Second))
	}
	return nil
}
