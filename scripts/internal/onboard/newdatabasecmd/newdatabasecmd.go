package newdatabasecmd

import (
	"fmt"
	"io"
	"os"

	"github.com/pgplatform/platform/scripts/internal/cli"
	"github.com/pgplatform/platform/scripts/internal/onboard"
)

// Main runs the command with the process's arguments and standard streams
// and returns its exit status.
func Main(args []string) int { return run(args, os.Stdout, os.Stderr) }

const usage = `Usage: new-database --app APP --env ENV [--alarm-email ADDRESS]

Writes environments/database/Pulumi.<app>-<env>.yaml: the keys a stack must
set, the region and AWS accounts of the environment's network stack file, and
every other database key commented out at the tier's default with what the key
table says of it. The file is validated (unknown keys, the loader, the resolved
spec against the guardrails) before it takes its name; a refusal writes
nothing. make new-database APP=<app> ENV=<env> runs it.

Flags:
`

const foot = `
Exit status: 0 written, 1 refused (nothing written), 2 bad usage.
`

func run(args []string, stdout, stderr io.Writer) int {
	fs := cli.NewFlagSet("new-database", stderr, usage, foot)
	root := fs.String("root", "", "repository root (default: the folder holding go.work above the current one)")
	app := fs.String("app", "", "the owning service (database:app)")
	env := fs.String("env", "", "the environment (database:environment); it needs a network stack file")
	email := fs.String("alarm-email", "", "an address to subscribe to the alarms and RDS events (database:alarmSubscriptions); required in prod")
	if err := fs.Parse(args); err != nil {
		return cli.FlagExit(err, 2)
	}
	if err := cli.NoArgs(fs); err != nil {
		fmt.Fprintln(stderr, "new-database:", err)
		return 2
	}
	if err := write(*root, onboard.Request{App: *app, Env: *env, AlarmEmail: *email}, stdout); err != nil {
		fmt.Fprintln(stderr, "new-database:", err)
		return 1
	}
	return 0
}

// write writes the stack file of req under the repository root (root, or
// the one above the working directory) and says what it wrote.
func write(root string, req onboard.Request, stdout io.Writer) error {
	dir, err := cli.Root(root)
	if err != nil {
		return err
	}
	req.Root = dir
	res, err := onboard.New(req)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "wrote %s (%s tier), validated against the loader and the guardrails.\n"+
		"Next: edit the keys you need (uncomment a line to change its default), then open a pull request; its preview comment shows the stack.\n", res.File, res.Tier); err != nil {
		return fmt.Errorf("write to stdout: %w", err)
	}
	return nil
}
