package stacks

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Dir is the folder, relative to the repository root, that holds one
// sub-folder of stack config files per project.
const Dir = "environments"

// Stack is one committed stack config file.
type Stack struct {
	// Project is the Pulumi project: "network" or "database".
	Project string
	// Name is the stack name: the environment for a primary network
	// stack ("dev"), any other name for a recovery network ("prod-dr"),
	// <app>-<environment> for a database stack ("orders-dev").
	Name string
	// Environment the stack belongs to, from its <project>:environment key.
	Environment string
	// Tier from its <project>:tier key: dev, staging or prod.
	Tier string
	// Region is the stack's aws:region.
	Region string
	// RecoveryOf is, on a recovery network, its network:recoveryOf key: the
	// environment whose primary network (the network stack named after
	// the environment) it stands in for in another region. It is empty on
	// a primary network and on every database stack.
	RecoveryOf string
	// File is the path of the config file.
	File string
	// Config is the file's config, flattened the way the Pulumi engine
	// hands it to a program: "<namespace>:<key>" to a string, with objects
	// and lists JSON-encoded.
	Config map[string]string
}

// FindRoot walks up from start to the folder that holds go.work, the root of
// the repository.
func FindRoot(start string) (string, error) {
	dir, err := filepath.Abs(start)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", start, err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.work found above %s: run from inside the repository", start)
		}
		dir = parent
	}
}

// Discover lists every stack committed under root/environments, sorted by
// project (network first) and then by name.
func Discover(root string) ([]Stack, error) {
	var out []Stack
	for _, project := range []string{"network", "database"} {
		files, err := filepath.Glob(filepath.Join(root, Dir, project, "Pulumi.*.yaml"))
		if err != nil {
			return nil, fmt.Errorf("list %s stacks: %w", project, err)
		}
		sort.Strings(files)
		for _, f := range files {
			s, err := Load(project, f)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	if err := checkCatalog(root, out); err != nil {
		return nil, err
	}
	return out, nil
}

// checkCatalog applies the rules that no single file can break on its own:
// one database stack per app and environment (two would declare the same
// physical names and fight over them), and one set of pinned AWS accounts
// per environment (a database stack must deploy to the account its
// network is in).
func checkCatalog(root string, all []Stack) error {
	rel := func(file string) string {
		if r, err := filepath.Rel(root, file); err == nil {
			return r
		}
		return file
	}
	apps := map[[2]string]Stack{}
	for _, s := range all {
		app := strings.TrimSpace(s.Config["database:app"])
		if s.Project != "database" || app == "" {
			continue // a missing app is the config loader's to report
		}
		k := [2]string{s.Environment, app}
		if first, dup := apps[k]; dup {
			return fmt.Errorf("%s and %s both state database:app %q in environment %q: one database stack per app and environment (they would declare the same resources)", rel(first.File), rel(s.File), app, s.Environment)
		}
		apps[k] = s
	}

	if err := checkRecoveryNetworks(all, rel); err != nil {
		return err
	}

	// The primary network stack of an environment sets the accounts;
	// without one, its first network, else its first stack does. A
	// recovery network pins its environment's accounts like any other.
	rank := func(s Stack) int {
		switch {
		case s.Project == "network" && s.RecoveryOf == "":
			return 0
		case s.Project == "network":
			return 1
		}
		return 2
	}
	pins := map[string]Stack{}
	for _, s := range all {
		if first, ok := pins[s.Environment]; !ok || rank(s) < rank(first) {
			pins[s.Environment] = s
		}
	}
	for _, s := range all {
		ref := pins[s.Environment]
		want, werr := accounts(ref)
		got, gerr := accounts(s)
		if werr != nil || gerr != nil {
			continue // malformed: the config loader names the key and value
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("%s: %s is %s, but in %s, of the same environment %q, it is %s: every stack of an environment pins the same AWS accounts", rel(s.File), AllowedAccountIDsKey, show(got), rel(ref.File), s.Environment, show(want))
		}
	}
	return nil
}

// RecoveryOfKey is the network config key that makes a stack its
// environment's recovery network (shared/config Network.RecoveryOf).
const RecoveryOfKey = "network:recoveryOf"

// checkRecoveryNetworks holds every recovery network to its environment's
// primary network: the primary is committed (the network stack named
// after the environment, not itself a recovery network), the recovery
// network is in another region, and no two recovery networks of an
// environment share a region (a database stack finds its DR network by
// region). A malformed value (a recoveryOf that is not the stack's own
// environment, a missing region) is the config loader's to report.
func checkRecoveryNetworks(all []Stack, rel func(string) string) error {
	byRegion := map[[2]string]Stack{}
	for _, s := range all {
		if s.Project != "network" || s.RecoveryOf == "" || s.RecoveryOf != s.Environment {
			continue
		}
		primary, ok := primaryNetwork(all, s.Environment)
		if !ok {
			return fmt.Errorf("%s states %s %q, but environment %q has no primary network stack (%s/network/Pulumi.%s.yaml without %s): a recovery network stands in for its environment's primary network in another region", rel(s.File), RecoveryOfKey, s.RecoveryOf, s.Environment, Dir, s.Environment, RecoveryOfKey)
		}
		if s.Region == "" || primary.Region == "" {
			continue
		}
		if s.Region == primary.Region {
			return fmt.Errorf("%s: aws:region is %s, the region of its primary network %s: a recovery network (%s) is in another region than the network it recovers", rel(s.File), s.Region, rel(primary.File), RecoveryOfKey)
		}
		k := [2]string{s.Environment, s.Region}
		if first, dup := byRegion[k]; dup {
			return fmt.Errorf("%s and %s are both recovery networks of environment %q in %s: one recovery network per environment and region (a database stack finds its DR network by region)", rel(first.File), rel(s.File), s.Environment, s.Region)
		}
		byRegion[k] = s
	}
	return nil
}

// primaryNetwork returns the primary network stack of an environment: the
// network stack named after it that is not a recovery network.
func primaryNetwork(all []Stack, environment string) (Stack, bool) {
	for _, s := range all {
		if s.Project == "network" && s.Name == environment && s.Environment == environment && s.RecoveryOf == "" {
			return s, true
		}
	}
	return Stack{}, false
}

// RecoveryNetworks returns the recovery networks of an environment (network
// stacks whose network:recoveryOf names it), by name.
func RecoveryNetworks(all []Stack, environment string) []Stack {
	var out []Stack
	for _, s := range all {
		if s.Project == "network" && s.RecoveryOf != "" && s.Environment == environment {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b Stack) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// AllowedAccountIDsKey is the AWS provider setting that pins the accounts a
// stack may deploy to.
const AllowedAccountIDsKey = "aws:allowedAccountIds"

// accounts returns the stack's pinned accounts, sorted; nil when it pins
// none.
func accounts(s Stack) ([]string, error) {
	v := strings.TrimSpace(s.Config[AllowedAccountIDsKey])
	if v == "" {
		return nil, nil
	}
	var ids []string
	if err := json.Unmarshal([]byte(v), &ids); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", s.File, AllowedAccountIDsKey, err)
	}
	slices.Sort(ids)
	return ids, nil
}

func show(ids []string) string {
	if len(ids) == 0 {
		return "unset"
	}
	return "[" + strings.Join(ids, ", ") + "]"
}

// Load reads one stack config file of a project.
func Load(project, file string) (Stack, error) {
	base := filepath.Base(file)
	name, pre := strings.CutPrefix(base, "Pulumi.")
	name, suf := strings.CutSuffix(name, ".yaml")
	if !pre || !suf || name == "" {
		return Stack{}, fmt.Errorf("%s: a stack config file is named Pulumi.<stack>.yaml", file)
	}
	cfg, err := ReadConfig(file)
	if err != nil {
		return Stack{}, err
	}
	s := Stack{
		Project:     project,
		Name:        name,
		File:        file,
		Config:      cfg,
		Environment: cfg[project+":environment"],
		Tier:        cfg[project+":tier"],
		Region:      strings.TrimSpace(cfg["aws:region"]),
	}
	if project == "network" {
		s.RecoveryOf = strings.TrimSpace(cfg[RecoveryOfKey])
	}
	if s.Environment == "" {
		return Stack{}, fmt.Errorf("%s: key %s:environment is missing: every stack states its environment", file, project)
	}
	if s.Tier == "" {
		return Stack{}, fmt.Errorf("%s: key %s:tier is missing: every stack states its tier (dev, staging or prod)", file, project)
	}
	return s, nil
}

// ReadConfig reads the config: block of a Pulumi stack file and flattens it
// as the engine does: scalar values become the engine's string form, objects and
// lists become JSON. Secure values are refused: committed config holds no
// secrets.
func ReadConfig(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read stack config: %w", err)
	}
	var doc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: not valid YAML: %w", file, err)
	}
	out := make(map[string]string, len(doc.Config))
	for k, v := range doc.Config {
		if !strings.Contains(k, ":") {
			return nil, fmt.Errorf("%s: config key %q has no namespace (want <project>:%s)", file, k, k)
		}
		if m, ok := v.(map[string]any); ok {
			if _, secure := m["secure"]; secure && len(m) == 1 {
				return nil, fmt.Errorf("%s: key %s holds a secret: committed stack config must not (the platform keeps secrets in AWS Secrets Manager)", file, k)
			}
		}
		s, err := flatten(v)
		if err != nil {
			return nil, fmt.Errorf("%s: key %s: %w", file, k, err)
		}
		out[k] = s
	}
	return out, nil
}

// flatten gives v the string form the Pulumi engine gives a config value
// (sdk/go/common/resource/config, object.MarshalString): strings as they
// are, numbers and booleans as JSON, timestamps in Go's time.String form,
// objects and lists as JSON.
func flatten(v any) (string, error) {
	switch t := plain(v).(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case bool, int, int64, uint64, float64, map[string]any, []any:
		b, err := json.Marshal(t)
		if err != nil {
			return "", fmt.Errorf("encode value: %w", err)
		}
		return string(b), nil
	default:
		return "", fmt.Errorf("unsupported value %v (%T)", v, v)
	}
}

// plain turns the timestamps YAML decodes, at any depth, into the strings
// the engine makes of them.
func plain(v any) any {
	switch t := v.(type) {
	case time.Time:
		return t.String()
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = plain(e)
		}
		return out
	default:
		return v
	}
}

// Filter returns the stacks of a project in one environment.
func Filter(all []Stack, project, environment string) []Stack {
	var out []Stack
	for _, s := range all {
		if s.Project == project && s.Environment == environment {
			out = append(out, s)
		}
	}
	return out
}

// Find returns the stack of a project with the given name.
func Find(all []Stack, project, name string) (Stack, error) {
	for _, s := range all {
		if s.Project == project && s.Name == name {
			return s, nil
		}
	}
	var names []string
	for _, s := range all {
		if s.Project == project {
			names = append(names, s.Name)
		}
	}
	return Stack{}, fmt.Errorf("no %s stack %q under %s/%s (committed: %s)", project, name, Dir, project, strings.Join(names, ", "))
}

// ByRank orders names by their rank in rank, lowest first, and the names
// rank does not hold after them, by name (for slices.SortFunc).
func ByRank(rank map[string]int) func(a, b string) int {
	return func(a, b string) int {
		ra, aok := rank[a]
		rb, bok := rank[b]
		switch {
		case aok && bok:
			return cmp.Compare(ra, rb)
		case aok != bok:
			if aok {
				return -1
			}
			return 1
		default:
			return strings.Compare(a, b)
		}
	}
}

// Environments lists the environments that have a primary network stack,
// in the promotion order dev, staging, prod, then any others by name. A
// recovery network belongs to its environment and adds none.
func Environments(all []Stack) []string {
	rank := map[string]int{"dev": 0, "staging": 1, "prod": 2}
	var envs []string
	for _, s := range all {
		if s.Project == "network" && s.RecoveryOf == "" {
			envs = append(envs, s.Environment)
		}
	}
	slices.SortStableFunc(envs, ByRank(rank))
	return envs
}
