package networkref

import (
	"fmt"
	"strings"
)

// Project is the network project, where a bare <stack> is.
const Project = "network"

// Key is the database config key naming the network stack a database stack
// reads.
const Key = "database:networkStack"

// LocalOrganization is the only organization a self-managed backend (file://,
// s3://, ...) knows: the CLI refuses any other name on them, and a program
// run on one gets it as its organization. Pulumi Cloud uses the team's.
const LocalOrganization = "organization"

// Forms is what database:networkStack allows.
const Forms = "<stack>, <project>/<stack> or <organization>/<project>/<stack>"

// Ref names the network stack a database stack reads through a
// StackReference. It is the one parser of database:networkStack: the
// database program, the deploy tool and the operational tools all use it.
type Ref struct {
	// Org is the organization, when the reference names one (or after
	// Qualify).
	Org string
	// Project and Stack name the stack in its project.
	Project, Stack string
}

// Parse reads a database:networkStack value: <stack> (in the
// network project), <project>/<stack> or <organization>/<project>/<stack>.
// An empty value is the default, the network stack of the environment
// (network/<environment>). A bad value is an error naming the key, the value
// and the forms allowed.
func Parse(value, environment string) (Ref, error) {
	return parse(Key, value, environment)
}

// RecoveryKey names the networkStack entry of database:dr in messages.
const RecoveryKey = "database:dr networkStack"

// RecoverySuffix makes an environment's recovery network stack name:
// <environment>-dr, the file environments/network/Pulumi.<environment>-dr.yaml.
const RecoverySuffix = "-dr"

// RecoveryStack is the network stack a database stack's DR recovers into
// when database:dr names none: <environment>-dr in the network project. It
// is the one rule the database program (which reads that stack) and the
// deploy tool (which checks its committed file and runs it first) share.
func RecoveryStack(environment string) string { return environment + RecoverySuffix }

// ParseRecovery reads the networkStack entry of database:dr, the recovery
// network a DR stack restores into: the forms of Parse, and an empty value
// is the default, network/<environment>-dr (RecoveryStack). A bad value is
// an error naming the entry, the value and the forms allowed.
func ParseRecovery(value, environment string) (Ref, error) {
	if strings.TrimSpace(value) == "" {
		return Ref{Project: Project, Stack: RecoveryStack(environment)}, nil
	}
	return parse(RecoveryKey, value, environment)
}

func parse(key, value, environment string) (Ref, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return Ref{Project: Project, Stack: environment}, nil
	}
	parts := strings.Split(value, "/")
	for _, p := range parts {
		if p == "" {
			return Ref{}, fmt.Errorf("%s: %q has an empty part (allowed: %s)", key, value, Forms)
		}
		if i := strings.IndexFunc(p, func(r rune) bool { return !nameRune(r) }); i >= 0 {
			return Ref{}, fmt.Errorf("%s: %q has the character %q in %q (allowed: %s, each part of letters, digits, '_', '.' and '-')", key, value, p[i:i+1], p, Forms)
		}
	}
	switch len(parts) {
	case 1:
		return Ref{Project: Project, Stack: parts[0]}, nil
	case 2:
		return Ref{Project: parts[0], Stack: parts[1]}, nil
	case 3:
		return Ref{Org: parts[0], Project: parts[1], Stack: parts[2]}, nil
	}
	return Ref{}, fmt.Errorf("%s: %q has %d parts (allowed: %s)", key, value, len(parts), Forms)
}

// Of is the network reference of a database stack: its
// database:networkStack config, else its environment's network.
func Of(databaseConfig map[string]string, environment string) (Ref, error) {
	return Parse(databaseConfig[Key], environment)
}

func nameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-'
}

// Qualify completes the reference with the organization a program runs in
// when it names none; an empty org is LocalOrganization, as on a
// self-managed backend.
func (r Ref) Qualify(org string) Ref {
	if r.Org != "" {
		return r
	}
	if org == "" {
		org = LocalOrganization
	}
	r.Org = org
	return r
}

// Names reports whether the reference names the stack of the project. The
// organization is not compared: it is the same for every stack of one
// backend.
func (r Ref) Names(project, stack string) bool {
	return r.Project == project && r.Stack == stack
}

// String is the reference as the CLI and a StackReference take it:
// <project>/<stack> when it names no organization, else
// <organization>/<project>/<stack>.
func (r Ref) String() string {
	if r.Org == "" {
		return r.Project + "/" + r.Stack
	}
	return r.Org + "/" + r.Project + "/" + r.Stack
}
