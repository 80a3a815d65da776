package onboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/pgplatform/platform/database/dbspec"
	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/guardrails"
	"github.com/pgplatform/platform/shared/networkref"
	"github.com/pgplatform/platform/shared/stacks"
)

// Request is one app's stack to write.
type Request struct {
	// Root is the repository root (the folder holding go.work).
	Root string
	// App and Env name the stack: Pulumi.<app>-<env>.yaml.
	App, Env string
	// AlarmEmail, when set, is written as the stack's one
	// database:alarmSubscriptions entry (protocol email). The
	// alarm-subscribers guardrail requires a subscriber in prod.
	AlarmEmail string
}

// Result is the written stack file.
type Result struct {
	// File is the path written, relative to the root.
	File string
	// Tier is the stack's tier, its environment's.
	Tier config.Tier
}

// requiredAWS are the aws: keys every committed stack file sets; both are
// copied from the environment's network stack file.
var requiredAWS = []string{"aws:region", config.AllowedAccountIDsKey}

// New writes the database stack file of req.App in req.Env and returns
// what it wrote. It refuses, writing nothing, an environment without a
// network stack file, an app the loader refuses, a stack the guardrails of
// the tier refuse, and an app that already has a stack in the environment.
func New(req Request) (Result, error) {
	all, err := stacks.Discover(req.Root)
	if err != nil {
		return Result{}, fmt.Errorf("read the committed stacks: %w", err)
	}
	network, err := environmentNetwork(all, req.Env)
	if err != nil {
		return Result{}, err
	}
	n, err := config.LoadNetwork(config.MapSource(contract.NetworkProject, network.Config))
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", rel(req.Root, network.File), err)
	}
	if len(n.AllowedAccountIDs) == 0 {
		return Result{}, &config.Error{Key: config.AllowedAccountIDsKey, Value: "", Allowed: fmt.Sprintf("the %s network stack file %s pinning the environment's AWS account: a new database stack pins the same accounts, so pin them there first", req.Env, rel(req.Root, network.File))}
	}

	// The keys a stack must set, then the tier's defaults from the
	// loader itself: a bad app is the loader's refusal.
	required := map[string]string{
		"aws:region":                n.Region,
		config.AllowedAccountIDsKey: jsonList(n.AllowedAccountIDs),
		"database:environment":      req.Env,
		"database:tier":             string(n.Tier),
		"database:app":              req.App,
	}
	if req.AlarmEmail != "" {
		required["database:alarmSubscriptions"] = jsonSubscriptions(req.AlarmEmail)
	}
	if n.Tier == config.Prod {
		// Prod requires DR (guardrail disaster-recovery): to the region
		// of the environment's recovery network when it has one, else
		// an opt-out that says what to add, which every preview shows.
		if rs := stacks.RecoveryNetworks(all, req.Env); len(rs) > 0 {
			required["database:dr"] = drFor(rs, req.Env)
		} else {
			required["database:drOptOut"] = fmt.Sprintf("environment %s has no recovery network yet: add one (network:recoveryOf: %s) and set database:dr", req.Env, req.Env)
		}
	}
	d, err := config.LoadDatabase(config.MapSource(contract.DatabaseProject, required))
	if err != nil {
		return Result{}, err
	}
	if err := dbspec.CheckGuardrails(d); err != nil {
		return Result{}, hint(err, req)
	}

	name := d.App + "-" + d.Environment
	final := filepath.Join(req.Root, stacks.Dir, contract.DatabaseProject, "Pulumi."+name+".yaml")
	if err := refuseExisting(req.Root, all, d, final); err != nil {
		return Result{}, err
	}

	body, err := Render(d, rel(req.Root, network.File))
	if err != nil {
		return Result{}, err
	}
	if err := writeChecked(final, body, req); err != nil {
		return Result{}, err
	}
	return Result{File: rel(req.Root, final), Tier: d.Tier}, nil
}

// drFor is database:dr into the environment's recovery network: its
// default one (network/<env>-dr, networkref.RecoveryStack) when there is
// one, else the first, named with networkStack, since the program and the
// deploy tool read only the default unless the file names another.
func drFor(rs []stacks.Stack, env string) string {
	for _, r := range rs {
		if r.Name == networkref.RecoveryStack(env) {
			return fmt.Sprintf(`{"region":%q,"mode":"backups"}`, r.Region)
		}
	}
	return fmt.Sprintf(`{"region":%q,"mode":"backups","networkStack":%q}`, rs[0].Region, rs[0].Name)
}

// environmentNetwork is the network stack of env, or an error naming the
// environments that have one.
func environmentNetwork(all []stacks.Stack, env string) (stacks.Stack, error) {
	for _, s := range all {
		if s.Project == contract.NetworkProject && s.Name == env {
			return s, nil
		}
	}
	return stacks.Stack{}, &config.Error{Key: "database:environment", Value: env,
		Allowed: fmt.Sprintf("an environment with a network stack file (%s/%s/Pulumi.<environment>.yaml): %s", stacks.Dir, contract.NetworkProject, strings.Join(stacks.Environments(all), ", "))}
}

// refuseExisting refuses a second stack of one app in one environment, by
// file name or by a stack that states the same app and environment.
func refuseExisting(root string, all []stacks.Stack, d config.Database, final string) error {
	if _, err := os.Lstat(final); err == nil {
		return &config.Error{Key: "database:app", Value: d.App, Allowed: fmt.Sprintf("an app with no stack in %s yet: %s exists (edit it instead)", d.Environment, rel(root, final))}
	}
	for _, s := range all {
		if s.Project == contract.DatabaseProject && s.Environment == d.Environment && strings.TrimSpace(s.Config["database:app"]) == d.App {
			return &config.Error{Key: "database:app", Value: d.App, Allowed: fmt.Sprintf("an app with no stack in %s yet: %s states it (one stack per app and environment)", d.Environment, rel(root, s.File))}
		}
	}
	return nil
}

// writeChecked writes body beside final under a name the stack catalog
// does not read, validates that file as a committed stack file is
// validated, and only then gives it its name (a hard link, which fails
// rather than replace a file that appeared meanwhile). On any refusal the
// temporary file is removed: nothing is left behind.
func writeChecked(final string, body []byte, req Request) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(final), ".new-database-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", final, err)
	}
	defer func() {
		if rmErr := os.Remove(tmp.Name()); rmErr != nil && err == nil {
			err = fmt.Errorf("remove the temporary %s: %w", tmp.Name(), rmErr)
		}
	}()
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := Check(tmp.Name(), time.Now()); err != nil {
		return fmt.Errorf("the written stack file does not validate (a bug of the generator, nothing was written): %w", hint(err, req))
	}
	if err := os.Link(tmp.Name(), final); err != nil {
		return fmt.Errorf("name the stack file %s: %w", final, err)
	}
	return nil
}

// Check validates a database stack file the way the deploy tool's check
// and the program do: no unknown key, the typed load, the resolved spec
// against the guardrails of its tier, and the pinned accounts every
// committed stack file states.
func Check(file string, now time.Time) error {
	cfg, err := stacks.ReadConfig(file)
	if err != nil {
		return err
	}
	if err := config.CheckKeys(contract.DatabaseProject, cfg, config.DatabaseKeys); err != nil {
		return err
	}
	s, err := dbspec.Resolve(config.MapSource(contract.DatabaseProject, cfg), now)
	if err != nil {
		return err
	}
	if err := guardrails.CheckDatabase(s); err != nil {
		return err
	}
	for _, k := range requiredAWS {
		if strings.TrimSpace(cfg[k]) == "" {
			return &config.Error{Key: k, Allowed: "the value of the environment's network stack file"}
		}
	}
	return nil
}

// hint adds, to the alarm-subscribers guardrail's refusal of a stack
// written without a subscriber, how to give one.
func hint(err error, req Request) error {
	var v *guardrails.Violation
	if req.AlarmEmail == "" && errors.As(err, &v) && v.Rule == "alarm-subscribers" {
		return fmt.Errorf("%w (give the team's on-call address: make new-database APP=%s ENV=%s ALARM_EMAIL=<address>)", err, req.App, req.Env)
	}
	return err
}

func rel(root, file string) string {
	if r, err := filepath.Rel(root, file); err == nil {
		return r
	}
	return file
}

func jsonList(ids []string) string {
	b, _ := json.Marshal(ids) // a []string always encodes
	return string(b)
}

func jsonSubscriptions(email string) string {
	b, _ := json.Marshal([]map[string]string{{"protocol": "email", "endpoint": email}}) // always encodes
	return string(b)
}

// ---- rendering ------------------------------------------------------------

// Required is whether a key of the table must be set: the file sets it.
func Required(k config.DatabaseKey) bool { return k.Default == "required" }

// yamlValue is v as the YAML of a value: a scalar, or for a struct the
// "name: value" lines of its fields, by their json tags, in field order.
func yamlValue(v any) (scalarText string, fields []string, err error) {
	switch t := v.(type) {
	case string:
		return scalar(t), nil, nil
	case int:
		return strconv.Itoa(t), nil, nil
	case bool:
		return strconv.FormatBool(t), nil, nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Struct {
		return "", nil, fmt.Errorf("a default of type %T: want a string, int, bool or struct", v)
	}
	for i := range rv.NumField() {
		name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		text, nested, err := yamlValue(rv.Field(i).Interface())
		if err != nil || name == "" || nested != nil {
			return "", nil, fmt.Errorf("field %s of %T: want a json-tagged scalar (%v)", rv.Type().Field(i).Name, v, err)
		}
		fields = append(fields, name+": "+text)
	}
	return "", fields, nil
}

// plainScalar is a string YAML reads back as the same string unquoted.
var plainScalar = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-/]*$`)

// scalar is a string as a YAML scalar: plain when YAML reads it back as
// that string, else double-quoted (JSON's quoting, which YAML reads).
func scalar(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
	default:
		if plainScalar.MatchString(s) {
			return s
		}
	}
	b, _ := json.Marshal(s) // a string always encodes
	return string(b)
}

// Doc is the comment the file gives a key: what the key table says of its
// type, default, allowed values and guardrail, in plain text.
func Doc(k config.DatabaseKey) string {
	doc := fmt.Sprintf("%s (%s, default %s): %s.", k.Name, k.Type, k.Default, k.Allowed)
	if k.Rule != "" {
		doc += " Guardrail " + k.Rule + "."
	}
	return plainText(doc)
}

// seeSection is the key table's pointer to a README section, which the
// stack file points to in the README.
var seeSection = regexp.MustCompile(`\(see \*([^*]+)\*\)`)

// plainText drops the Markdown of the key table (code spans, bold,
// emphasis) and points its references to the README there.
func plainText(s string) string {
	s = seeSection.ReplaceAllString(s, "(see the README's $1)")
	s = strings.ReplaceAll(s, "(see below)", "(see the README)")
	return strings.NewReplacer("`", "", "**", "").Replace(s)
}

const width = 78

// comment wraps text into "  # " lines of at most width columns.
func comment(b *strings.Builder, text string) {
	line := "  #"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > width && line != "  #" {
			b.WriteString(line + "\n")
			line = "  #"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
}

// Render is the stack file of d: its required keys set, its other keys
// commented out at the tier's defaults under their docs. networkFile is the
// environment's network stack file, named where the file says where its
// region and accounts come from.
func Render(d config.Database, networkFile string) ([]byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# The %s service's PostgreSQL in %s. Owned by the %s team.\n", d.App, d.Environment, d.App)
	fmt.Fprintf(&b, "# Written by `make new-database APP=%s ENV=%s`. The keys below the\n", d.App, d.Environment)
	b.WriteString("# required ones are commented out at the value a " + string(d.Tier) + "-tier stack gets\n")
	b.WriteString("# without them, under what the README's key table says of them: uncomment\n")
	b.WriteString("# and edit the ones to change, then open a pull request.\n")
	b.WriteString("config:\n")
	// That the provider refuses other accounts' credentials is the
	// Terraform AWS provider's ConfigureProvider check, cited at
	// config.AllowedAccountIDsKey.
	comment(&b, fmt.Sprintf("The region and the only AWS accounts this stack may deploy to, copied from %s, the %s network stack file: every stack of an environment pins its network's account. The AWS provider refuses credentials of any other account.", networkFile, d.Environment))
	fmt.Fprintf(&b, "  aws:region: %s\n", scalar(d.Region))
	fmt.Fprintf(&b, "  %s:\n", config.AllowedAccountIDsKey)
	for _, id := range d.AllowedAccountIDs {
		fmt.Fprintf(&b, "    - %q\n", id)
	}
	var rest []config.DatabaseKey
	for _, k := range config.DatabaseKeyTable {
		switch k.Name {
		case "tier":
			fmt.Fprintf(&b, "  database:tier: %s\n", scalar(string(d.Tier)))
		case "environment":
			fmt.Fprintf(&b, "  database:environment: %s\n", scalar(d.Environment))
		case "app":
			fmt.Fprintf(&b, "  database:app: %s\n", scalar(d.App))
		default:
			if Required(k) {
				return nil, fmt.Errorf("key database:%s is required (config.DatabaseKeyTable) and the generator does not set it: teach package onboard its value", k.Name)
			}
			rest = append(rest, k)
		}
	}
	if len(d.AlarmSubscriptions) > 0 {
		comment(&b, "Who hears the alarms and RDS events. An email subscriber receives nothing until it confirms from the message AWS sends.")
		b.WriteString("  database:alarmSubscriptions:\n")
		for _, s := range d.AlarmSubscriptions {
			fmt.Fprintf(&b, "    - protocol: %s\n      endpoint: %s\n", scalar(s.Protocol), scalar(s.Endpoint))
		}
	}
	if d.DR.Region != "" {
		comment(&b, "A copy in a second region (required in prod): RDS replicates the instance's automated backups there, under the stack's own key in that region.")
		if d.DR.NetworkStack != "" {
			fmt.Fprintf(&b, "  database:dr: {region: %s, mode: %s, retentionDays: %d, networkStack: %s}\n", d.DR.Region, d.DR.Mode, d.DR.RetentionDays, scalar(d.DR.NetworkStack))
		} else {
			fmt.Fprintf(&b, "  database:dr: {region: %s, mode: %s, retentionDays: %d}\n", d.DR.Region, d.DR.Mode, d.DR.RetentionDays)
		}
	}
	if d.DR.OptOutReason != "" {
		comment(&b, "Prod requires database:dr or the reason the stack has none; every preview of the stack warns with it.")
		fmt.Fprintf(&b, "  database:drOptOut: %q\n", d.DR.OptOutReason)
	}
	for _, k := range rest {
		if k.Name == "alarmSubscriptions" && len(d.AlarmSubscriptions) > 0 {
			continue
		}
		if (k.Name == "dr" && d.DR.Region != "") || (k.Name == "drOptOut" && d.DR.OptOutReason != "") {
			continue
		}
		b.WriteString("\n")
		comment(&b, Doc(k))
		// The value a stack of d's tier has without the key, from the
		// key's own entry in the table (its loader's default, never a
		// copy); a key whose default is no value is documented only.
		value, ok := k.Current(d)
		if !ok {
			if strings.HasPrefix(k.Default, "none") {
				continue
			}
			return nil, fmt.Errorf("key database:%s of config.DatabaseKeyTable has the default %s but no current value to show: give its entry one", k.Name, k.Default)
		}
		text, fields, err := yamlValue(value)
		if err != nil {
			return nil, fmt.Errorf("key database:%s: %w", k.Name, err)
		}
		if fields == nil {
			fmt.Fprintf(&b, "  # database:%s: %s\n", k.Name, text)
			continue
		}
		fmt.Fprintf(&b, "  # database:%s:\n", k.Name)
		for _, line := range fields {
			fmt.Fprintf(&b, "  #   %s\n", line)
		}
	}
	return []byte(b.String()), nil
}
