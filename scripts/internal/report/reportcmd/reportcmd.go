package reportcmd

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/pgplatform/platform/scripts/internal/cli"
	"github.com/pgplatform/platform/scripts/internal/report"
)

const (
	exitOK      = 0
	exitInput   = 1
	exitBlocked = 2
	exitDrift   = 3
)

// Main runs the command with the process's arguments and standard streams
// and returns its exit status.
func Main(args []string) int {
	return run(args, os.Stdout, os.Stderr)
}

type options struct {
	out              string
	allowDestructive bool
	expectNoChanges  bool
	noGate           bool
	allowEmpty       bool
	expect           cli.List
	title            string
	commit           string
	runURL           string
	maxLen           int
	approved         string
	approvedCommit   string
}

const usageHead = `Usage: preview-report [flags] PATH...

Writes one Markdown report of the previews under PATH (files or folders of
*.json, *.ndjson, *.jsonl: 'pulumi preview --json' output or engine event
logs) and gates the change.

Flags:
`

const usageFoot = `
Exit status: 0 pass; 1 bad flags or input; 2 blocked (a replace or delete of
a stateful resource, or an update that cannot be undone or lowers a
protection, without --allow-destructive; or a failed preview); 3 with
--expect-no-changes, a stack has changes.
`

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := cli.NewFlagSet("preview-report", stderr, usageHead, usageFoot)
	fs.StringVar(&o.out, "out", "-", "`file` to write the Markdown report to (- for stdout)")
	fs.BoolVar(&o.allowDestructive, "allow-destructive", false, "let replaces and deletes of stateful resources, and updates that cannot be undone or lower a protection, through (CI sets it when the pull request has the label "+report.OverrideLabel+")")
	fs.StringVar(&o.approved, "approved", "", "with --allow-destructive, a `report` (the merged pull request's report comment, as Markdown) whose destructive changes the override approved: any other destructive change still blocks")
	fs.StringVar(&o.approvedCommit, "approved-commit", "", "with --approved, the `sha` the override was given for: a report made for another commit approves nothing")
	fs.BoolVar(&o.expectNoChanges, "expect-no-changes", false, "drift check: word the report as drift and exit 3 when any stack has changes (an RDS change that AWS already holds for the maintenance window, as deploy preview --json-dir records it in <project>-<stack>.pending, is reported as scheduled and is not one)")
	fs.BoolVar(&o.noGate, "no-gate", false, "write the report and exit 0 even when the gate would block (the gate runs as its own step)")
	fs.Var(&o.expect, "expect", "stacks (`project/stack`, comma-separated or repeated) that must have a preview; a missing one counts as a failed preview")
	fs.BoolVar(&o.allowEmpty, "allow-empty", false, "accept no previews at all (no PATH, or folders without previews): the report says no stack is affected")
	fs.StringVar(&o.title, "title", "", "heading of the report (default \"Pulumi preview\", or \"Drift check\")")
	fs.StringVar(&o.commit, "commit", "", "commit `sha` the previews ran on, shown in the footer")
	fs.StringVar(&o.runURL, "run-url", "", "`url` of the workflow run, linked in the footer")
	fs.IntVar(&o.maxLen, "max-len", report.DefaultMaxLen, "longest report in characters; longer ones drop property values, then per-stack details")
	paths, err := parse(fs, args)
	if err != nil {
		return cli.FlagExit(err, exitInput)
	}
	if len(paths) == 0 && !o.allowEmpty {
		fmt.Fprintln(stderr, "preview-report: no preview given: pass preview files or folders (e.g. the --json-dir of deploy preview), or --allow-empty when no stack is affected")
		return exitInput
	}
	if o.maxLen < 1000 {
		fmt.Fprintf(stderr, "preview-report: --max-len %d is too small: allow at least 1000 characters\n", o.maxLen)
		return exitInput
	}

	var stacks []report.StackReport
	if len(paths) > 0 {
		// Expected stacks without a preview are reported as failed, so
		// an empty folder is no error then.
		if stacks, err = report.Load(paths, o.allowEmpty || len(o.expect) > 0); err != nil {
			fmt.Fprintln(stderr, "preview-report:", err)
			return exitInput
		}
	}
	stacks, err = report.Expect(stacks, o.expect)
	if err != nil {
		fmt.Fprintln(stderr, "preview-report: --expect:", err)
		return exitInput
	}
	verdict := report.Decide(stacks, o.allowDestructive)
	if o.approved != "" {
		keys, err := approvedKeys(o.approved, o.approvedCommit, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "preview-report: --approved:", err)
			return exitInput
		}
		verdict = verdict.Approve(keys)
	}
	md := report.Render(stacks, verdict, report.Options{
		Title:           o.title,
		Commit:          o.commit,
		RunURL:          o.runURL,
		ExpectNoChanges: o.expectNoChanges,
		MaxLen:          o.maxLen,
	})
	if err := cli.WriteOutput("out", o.out, []byte(md), stdout); err != nil {
		fmt.Fprintln(stderr, "preview-report:", err)
		return exitInput
	}

	changes := 0
	for _, s := range stacks {
		fmt.Fprintf(stderr, "preview-report: %s: %s\n", s.Name(), describe(s))
		changes += s.Counts.Changed() + len(s.Drift)
	}
	switch {
	case o.expectNoChanges && len(verdict.Failed) > 0:
		fmt.Fprintln(stderr, "preview-report: FAILED:", verdict)
		return exitBlocked
	case o.expectNoChanges && changes > 0:
		fmt.Fprintf(stderr, "preview-report: DRIFT: %d changes where none were expected\n", changes)
		return exitDrift
	case o.expectNoChanges:
		fmt.Fprintln(stderr, "preview-report: no changes")
		return exitOK
	}
	fmt.Fprintln(stderr, "preview-report:", verdict)
	if verdict.Blocked() && !o.noGate {
		return exitBlocked
	}
	return exitOK
}

// parse parses flags before, between and after the paths.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return paths, nil
		}
		if args[0] == "--" {
			return append(paths, args[1:]...), nil
		}
		paths = append(paths, args[0])
		args = args[1:]
	}
}

func describe(s report.StackReport) string {
	if s.Failed {
		return "preview failed"
	}
	c := s.Counts
	out := fmt.Sprintf("%d to create, %d to update, %d to replace, %d to delete", c.Create, c.Update, c.Replace, c.Delete)
	if n := len(s.Destructive()); n > 0 {
		out += fmt.Sprintf(", %d destructive", n)
	}
	if n := c.Scheduled; n > 0 {
		out += fmt.Sprintf(", %d scheduled for the maintenance window", n)
	}
	if n := len(s.Drift); n > 0 {
		out += fmt.Sprintf(", %d drifted", n)
	}
	return out
}

// approvedKeys reads the destructive changes a pull request's report
// showed. A report made for another commit than the one the override was
// given for approves nothing.
func approvedKeys(path, commit string, stderr io.Writer) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	made, keys, err := report.ParseApproved(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if commit != "" && made != commit {
		fmt.Fprintf(stderr, "preview-report: the approved report was made for commit %q, not %s: it approves nothing\n", made, commit)
		return map[string]bool{}, nil
	}
	fmt.Fprintf(stderr, "preview-report: the pull request approved %d destructive changes\n", len(keys))
	return keys, nil
}
