package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"

	"github.com/pgplatform/platform/scripts/internal/workspace"
	"github.com/pgplatform/platform/shared/stacks"
)

// record previews one scenario on the deployed stack and writes its two
// fixture files.
func record(ctx context.Context, cli *recordingCLI, settings workspace.Settings, sb *sandbox, w *world, sc scenario, out string) (err error) {
	restore, err := sb.apply(sc.project, sc.stack, sc.edits)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, restore()) }()
	if sc.drift != nil {
		if err := w.changeAWS(sc.stack, *sc.drift); err != nil {
			return err
		}
	}
	st, err := stacks.Load(sc.project, sb.file(sc.project, sc.stack))
	if err != nil {
		// A scenario may break the config on purpose; the program, not the
		// catalog, is to refuse it. Open needs only the names and the file.
		st = stacks.Stack{Project: sc.project, Name: sc.stack, File: sb.file(sc.project, sc.stack)}
	}
	s, err := settings.Open(ctx, cli, st, program(sc.project), false)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Close()) }()

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
	opts := []optpreview.Option{optpreview.EventStreams(ch), optpreview.SuppressProgress(), optpreview.ProgressStreams(io.Discard)}
	if sc.refresh {
		opts = append(opts, optpreview.Refresh())
	}
	cli.capture = true
	_, previewErr := s.Preview(ctx, opts...)
	cli.capture = false
	<-done
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
// what the CLI printed: the document `pulumi preview --json` writes.
type recordingCLI struct {
	inner   auto.PulumiCommand
	capture bool
	stdout  string
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
