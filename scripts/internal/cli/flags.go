package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// NewFlagSet returns a flag set named after the command that reports its
// errors on stderr and whose -h prints head, the flags and foot there.
func NewFlagSet(name string, stderr io.Writer, head, foot string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, head)
		fs.PrintDefaults()
		fmt.Fprint(stderr, foot)
	}
	return fs
}

// FlagExit is the exit status of a command whose flags did not parse: 0
// after -h (the usage was asked for and printed), else usage. The flag set
// has already reported the error.
func FlagExit(err error, usage int) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return usage
}

// Start parses args into fs and then prepares the command's run with
// prepare, which validates the parsed flags and reads the command's input.
// ok is false when the command is to stop with code: FlagExit's status
// when the flags do not parse (the flag set has reported it), usage when
// prepare fails, after printing "<command>: <error>" on stderr.
func Start[T any](fs *flag.FlagSet, args []string, stderr io.Writer, usage int, prepare func() (T, error)) (v T, code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		return v, FlagExit(err, usage), false
	}
	v, err := prepare()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return v, usage, false
	}
	return v, 0, true
}

// BackendFlag declares --backend, the Pulumi backend a tool reads stack
// outputs from.
func BackendFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "backend", "", "Pulumi backend URL (default $PULUMI_BACKEND_URL, else file://<repo>/.pulumi-state)")
}

// ReportFlag declares --report, the file a tool writes its JSON report to.
func ReportFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "report", "", "write the JSON report to this `file`")
}

// CABundleFlag declares --ca-bundle, the RDS certificate authorities a
// tool's verify-full connections trust (see RequireFile).
func CABundleFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "ca-bundle", "", "PEM `file` of the RDS certificate authorities (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem); required")
}

// NoArgs refuses arguments left after the flags of a command that takes
// flags only.
func NoArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see -h)", fs.Arg(0))
	}
	return nil
}

// List is a flag that may be repeated and holds comma-separated values;
// blanks around a value and empty values are dropped.
type List []string

func (l *List) String() string { return strings.Join(*l, ",") }

// Set adds the comma-separated values of v.
func (l *List) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

// Positive checks that every duration flag, by name, is above zero; the
// first bad one in name order is the error.
func Positive(durations map[string]time.Duration) error {
	names := make([]string, 0, len(durations))
	for name := range durations {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if v := durations[name]; v <= 0 {
			return fmt.Errorf("--%s %s: must be positive", name, v)
		}
	}
	return nil
}

// WriteOutput writes data to path, or to stdout when path is "-". flagName
// names the flag that gave path in the error.
func WriteOutput(flagName, path string, data []byte, stdout io.Writer) error {
	if path == "-" {
		if _, err := stdout.Write(data); err != nil {
			return fmt.Errorf("write to stdout (--%s -): %w", flagName, err)
		}
		return nil
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("--%s %s: %w", flagName, path, err)
	}
	return nil
}

// RequireFile checks that a required file flag is set and names a file
// that exists; what says what the file is, for the error when it is not
// set.
func RequireFile(flagName, path, what string) error {
	if path == "" {
		return fmt.Errorf("--%s is required: %s", flagName, what)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("--%s %s: %w", flagName, path, err)
	}
	return nil
}
