package affectedcmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/pgplatform/platform/scripts/internal/affected"
	"github.com/pgplatform/platform/scripts/internal/cli"
	"github.com/pgplatform/platform/shared/stacks"
)

// Main runs the command with the process's arguments and standard streams
// and returns its exit status.
func Main(args []string) int {
	return run(args, os.Stdin, os.Stdout, os.Stderr)
}

const usage = `Usage: affected [flags] [PATH...]

Lists the stacks to preview for the changed PATHs (relative to the repository
root), or for the paths read one per line from stdin when none are given.

Flags:
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("affected", stderr, usage, "")
	root := fs.String("root", "", "repository root (default: the folder holding go.work above the current one)")
	listAll := fs.Bool("all", false, "list every stack, whatever changed (the nightly drift check)")
	format := fs.String("format", "matrix", "output: matrix (JSON {\"include\": [...]} for a GitHub Actions matrix), json (a JSON list), text (project/stack and why, one a line)")
	if err := fs.Parse(args); err != nil {
		return cli.FlagExit(err, 2)
	}
	switch *format {
	case "matrix", "json", "text":
	default:
		fmt.Fprintf(stderr, "affected: --format %q: want matrix, json or text\n", *format)
		return 2
	}

	changed := fs.Args()
	if *listAll && len(changed) > 0 {
		fmt.Fprintln(stderr, "affected: --all lists every stack: give it no paths")
		return 2
	}
	if len(changed) == 0 && !*listAll {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
		for sc.Scan() {
			changed = append(changed, sc.Text())
		}
		if err := sc.Err(); err != nil {
			fmt.Fprintf(stderr, "affected: read the changed paths from stdin: %v\n", err)
			return 1
		}
	}

	dir, err := cli.Root(*root)
	if err != nil {
		fmt.Fprintln(stderr, "affected:", err)
		return 1
	}
	all, err := stacks.Discover(dir)
	if err != nil {
		fmt.Fprintln(stderr, "affected:", err)
		return 1
	}
	targets := affected.Stacks(changed, all)
	if *listAll {
		targets = affected.All(all)
	}
	if targets == nil {
		targets = []affected.Target{}
	}
	fmt.Fprintf(stderr, "affected: %d changed paths select %d of %d stacks\n", len(changed), len(targets), len(all))

	switch *format {
	case "text":
		for _, t := range targets {
			fmt.Fprintf(stdout, "%s/%s\t%s\n", t.Project, t.Stack, t.Because)
		}
		return 0
	case "json":
		return writeJSON(stdout, stderr, targets)
	default:
		return writeJSON(stdout, stderr, map[string][]affected.Target{"include": targets})
	}
}

func writeJSON(stdout, stderr io.Writer, v any) int {
	data, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintln(stderr, "affected: encode:", err)
		return 1
	}
	if _, err := fmt.Fprintln(stdout, string(data)); err != nil {
		fmt.Fprintln(stderr, "affected: write:", err)
		return 1
	}
	return 0
}
