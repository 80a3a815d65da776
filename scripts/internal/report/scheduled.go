package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/pgplatform/platform/scripts/internal/rdspending"
)

// A change scheduled for the maintenance window is not drift.
//
// With applyImmediately off, RDS holds most instance modifications until
// the instance's maintenance window and DescribeDBInstances returns them in
// PendingModifiedValues
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_PendingModifiedValues.html).
// The provider reads back the values the instance runs with
// (resourceInstanceRead, terraform-provider-aws
// internal/service/rds/instance.go), so until the window every preview
// shows the same diff again. deploy preview records each RDS instance's
// pending modifications and window beside the stack's events
// (PendingSuffix); a diff on the instance whose changed properties are
// exactly the pending ones, with the same values, is reported as
// "scheduled for <window>": not drift, not a new change, and
// --expect-no-changes passes on it. Anything else stays a change.

// PendingSuffix replaces a preview file's extension to name the file of
// its stack's pending modifications: <project>-<stack>.pending beside
// <project>-<stack>.json. The extension is not one Files searches for, so
// a report built before this file existed skips it.
const PendingSuffix = ".pending"

// PendingFile is what deploy preview records about a stack's RDS
// instances.
type PendingFile struct {
	// Stack is project/stack.
	Stack string `json:"stack"`
	// ReadAt is when DescribeDBInstances was asked.
	ReadAt time.Time `json:"readAt"`
	// Instances are the stack's RDS instances that exist in AWS.
	Instances []PendingInstance `json:"instances"`
	// Error says why the pending modifications could not be read (a
	// role without rds:DescribeDBInstances, say); diffs are then reported
	// as changes.
	Error string `json:"error,omitempty"`
}

// PendingInstance is one instance as DescribeDBInstances reported it.
type PendingInstance struct {
	URN        string `json:"urn"`
	Identifier string `json:"identifier"`
	Region     string `json:"region"`
	// MaintenanceWindow is PreferredMaintenanceWindow,
	// ddd:hh24:mi-ddd:hh24:mi in UTC.
	MaintenanceWindow string `json:"maintenanceWindow"`
	// Pending is PendingModifiedValues by AWS field name; empty when
	// nothing is pending.
	Pending map[string]any `json:"pendingModifiedValues,omitempty"`
}

// Scheduled says that a change waits in AWS for the maintenance window.
type Scheduled struct {
	Window string
	// Next is the start of the next window after the pending
	// modifications were read, empty when unknown.
	Next string
	// RefreshReadsRunning is true when the preview's refresh read the
	// running values, which differ from the state's until the window.
	RefreshReadsRunning bool
}

// pendingProperty maps a PendingModifiedValues field to the instance input
// it holds, as the provider maps them (resourceInstanceRead and
// resourceInstanceUpdate, terraform-provider-aws
// internal/service/rds/instance.go: instance_class = DBInstanceClass,
// allocated_storage = AllocatedStorage, ...). A field not listed here
// (PendingCloudwatchLogsExports, ProcessorFeatures, AutomationMode, ...)
// never matches, so a diff next to it stays a change.
var pendingProperty = map[string]string{
	"AllocatedStorage":                 "allocatedStorage",
	"BackupRetentionPeriod":            "backupRetentionPeriod",
	"CACertificateIdentifier":          "caCertIdentifier",
	"DBInstanceClass":                  "instanceClass",
	"DBInstanceIdentifier":             "identifier",
	"DBSubnetGroupName":                "dbSubnetGroupName",
	"EngineVersion":                    "engineVersion",
	"IAMDatabaseAuthenticationEnabled": "iamDatabaseAuthenticationEnabled",
	"Iops":                             "iops",
	"MultiAZ":                          "multiAz",
	"Port":                             "port",
	"StorageThroughput":                "storageThroughput",
	"StorageType":                      "storageType",
}

// InstanceFacts is what, beside the diff, tells whether an instance's change is
// the one AWS holds: what the preview knows of the instance and its
// parameter groups.
type InstanceFacts struct {
	// RunningEngine is the engine version the instance runs, as the
	// provider last read it; empty when unknown.
	RunningEngine string
	// GroupFamilies maps the names of the stack's RDS parameter groups to
	// their families, as the preview declares them.
	GroupFamilies map[string]string
}

// MatchPending reports whether an RDS instance update is exactly what AWS
// holds for the window: every changed property is pending with the value
// the program asks for, and nothing else is pending. newInputs are the
// program's inputs; why says what differs when it is not.
//
// parameterGroupName is the one property that is held without a field of
// its own: see pendingWithEngine.
func MatchPending(props []PropertyChange, newInputs map[string]any, pending map[string]any, in InstanceFacts) (ok bool, why string) {
	if len(pending) == 0 {
		return false, "nothing is pending in AWS"
	}
	if len(props) == 0 {
		return false, "the change names no property"
	}
	want := map[string]any{}
	for field, v := range pending {
		prop, known := pendingProperty[field]
		if !known {
			return false, fmt.Sprintf("AWS holds %s for the window, which this report cannot compare with the program", field)
		}
		want[prop] = v
	}
	changed := map[string]bool{}
	for _, p := range props {
		prop := topLevel(p.Path)
		changed[prop] = true
		v, isPending := want[prop]
		if !isPending && prop == "parameterGroupName" {
			held, why := pendingWithEngine(newInputs[prop], pending, in)
			if held {
				continue
			}
			if why != "" {
				return false, "parameterGroupName changes but is not pending in AWS: " + why
			}
		}
		if !isPending {
			return false, fmt.Sprintf("%s changes but is not pending in AWS", prop)
		}
		got, has := newInputs[prop]
		if !has || isSecret(got) {
			return false, fmt.Sprintf("%s: the program's value cannot be compared with the pending %s", prop, rdspending.Scalar(v))
		}
		if !samePending(prop, got, v) {
			return false, fmt.Sprintf("%s is pending as %s but the program asks for %s", prop, rdspending.Scalar(v), rdspending.Scalar(got))
		}
	}
	var extra []string
	for prop, v := range want {
		if !changed[prop] {
			extra = append(extra, fmt.Sprintf("%s (%s)", prop, rdspending.Scalar(v)))
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return false, "AWS also holds " + strings.Join(extra, ", ") + " for the window, which the program does not ask for"
	}
	return true, ""
}

// pendingWithEngine reports whether a change of the instance's parameter
// group to group is held with a pending major engine upgrade, and if not,
// why (empty when no major upgrade is pending).
//
// PendingModifiedValues has no field for the parameter group
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_PendingModifiedValues.html),
// and a group change alone is not held ("The parameter group name itself
// is changed immediately", ModifyDBInstance, DBParameterGroupName). A major
// upgrade names the new major's group in the same request: the provider
// sends the changed engine_version and parameter_group_name in one
// ModifyDBInstance (resourceInstanceUpdate, terraform-provider-aws
// internal/service/rds, v6.0.0 index commit 4f930f62), and AWS requires
// it, "For major version upgrades, if a nondefault DB parameter group is
// currently in use, a new DB parameter group in the DB parameter group
// family for the new engine version must be specified", while the
// upgrade "is applied during the next maintenance window unless the
// ApplyImmediately parameter is enabled" (ModifyDBInstance, EngineVersion,
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html).
// So the group waits with the engine version: the change is the held one
// when EngineVersion is pending with a major other than the running one
// and the group the program names is, as the preview declares it, of that
// major's family. The family is read from the group's own declaration,
// never from its name.
func pendingWithEngine(group any, pending map[string]any, in InstanceFacts) (bool, string) {
	engine, ok := pending["EngineVersion"]
	if !ok {
		return false, ""
	}
	next := engineMajor(rdspending.Scalar(engine))
	if in.RunningEngine == "" {
		return false, "the engine version the instance runs is unknown, so the pending EngineVersion " + rdspending.Scalar(engine) + " cannot be told a major upgrade"
	}
	if engineMajor(in.RunningEngine) == next {
		return false, fmt.Sprintf("the pending EngineVersion %s keeps the running major %s", rdspending.Scalar(engine), engineMajor(in.RunningEngine))
	}
	name, isString := group.(string)
	if !isString || name == "" {
		return false, "the program's group cannot be compared"
	}
	family, known := in.GroupFamilies[name]
	if !known {
		return false, fmt.Sprintf("the group %s is not one the preview declares, so its family is unknown", name)
	}
	if want := parameterFamily(next); family != want {
		return false, fmt.Sprintf("the group %s is of family %s, not %s of the pending major upgrade to %s", name, family, want, rdspending.Scalar(engine))
	}
	return true, ""
}

// engineMajor is the major of a PostgreSQL engine version: the part before
// the first dot ("17.2" is 17), the numbering since PostgreSQL 10, the
// oldest major the platform accepts.
func engineMajor(version string) string {
	major, _, _ := strings.Cut(version, ".")
	return major
}

// parameterFamily is the parameter group family of a PostgreSQL major, as
// RDS names it (DBParameterGroupFamily "postgres17" in
// DescribeDBEngineVersions) and as the database program declares its
// groups (config.Database.ParameterGroupFamily).
func parameterFamily(major string) string { return "postgres" + major }

// groupFamilies maps the names of a preview's RDS parameter groups to the
// families they are declared with. The name is the provider's name input
// (auto-named groups get it at check) or, failing that, its name output.
func groupFamilies(steps []Step) map[string]string {
	out := map[string]string{}
	for _, s := range steps {
		if s.Type != rdsParameterGroupType || s.Refresh {
			continue
		}
		st := s.New
		if st == nil {
			st = s.Old
		}
		if st == nil {
			continue
		}
		family, _ := st.Inputs["family"].(string)
		name, _ := st.Inputs["name"].(string)
		if name == "" {
			name, _ = st.Outputs["name"].(string)
		}
		if family != "" && name != "" {
			out[name] = family
		}
	}
	return out
}

// samePending compares a program value with a pending one. An engine
// version is the same when the program names a prefix of the pending one
// ("17" and "17.2"), the rule by which the provider keeps a configured
// engine_version that AWS runs with a patch level added
// (compareActualEngineVersion, called by
// dbSetResourceDataEngineVersionFromInstance, terraform-provider-aws
// internal/service/rds, v6.0.0 index commit 4f930f62).
func samePending(prop string, program, pending any) bool {
	a, b := rdspending.Scalar(program), rdspending.Scalar(pending)
	if a == b {
		return true
	}
	return prop == "engineVersion" && strings.HasPrefix(b, a+".")
}

// ReadPending reads the pending modifications recorded beside a preview
// file, if any: nil when there is none.
func ReadPending(previewFile string) (*PendingFile, error) {
	path := strings.TrimSuffix(previewFile, filepath.Ext(previewFile)) + PendingSuffix
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read pending modifications: %w", err)
	}
	var pf PendingFile
	if err := json.Unmarshal(data, &pf); err != nil {
		return nil, fmt.Errorf("%s: not a pending-modifications file: %w", path, err)
	}
	return &pf, nil
}

// ApplyPending marks the RDS instance updates of a stack that equal the
// pending modifications as scheduled: they leave the update count and
// count as Scheduled. A mismatch on an instance with pending modifications,
// or pending modifications that could not be read, is told in a warning.
func ApplyPending(r *StackReport, p Preview, pf *PendingFile) {
	if pf == nil || r.Failed {
		return
	}
	// The program's inputs per resource; for a refresh, the inputs the
	// state held before it (what the last update asked for).
	steps, stateInputs := map[string]map[string]any{}, map[string]map[string]any{}
	// running is the engine version each instance runs: what the refresh
	// read, or else the state the update starts from.
	running := map[string]string{}
	for _, s := range p.Steps {
		switch {
		case s.Refresh && s.Old != nil:
			stateInputs[s.URN] = s.Old.Inputs
			if s.New != nil {
				if v, ok := s.New.Outputs["engineVersion"].(string); ok {
					running[s.URN] = v
				}
			}
		case !s.Refresh && s.New != nil:
			steps[s.URN] = s.New.Inputs
			if s.Old != nil && running[s.URN] == "" {
				running[s.URN], _ = s.Old.Outputs["engineVersion"].(string)
			}
		}
	}
	families := groupFamilies(p.Steps)
	if pf.Error != "" {
		// Said only where it matters: an update of an RDS instance might
		// be one AWS already holds for the window.
		for _, c := range r.Changes {
			if c.Op == apitype.OpUpdate && c.Type == rdsInstanceType {
				r.Diagnostics = append(r.Diagnostics, Diagnostic{URN: c.URN, Severity: "warning",
					Message: "the RDS pending modifications could not be read, so this update shows as a change even if AWS already holds it for the maintenance window: " + pf.Error})
			}
		}
		return
	}
	byURN := map[string]PendingInstance{}
	for _, in := range pf.Instances {
		byURN[in.URN] = in
	}
	scheduled := map[string]*Scheduled{}
	for i := range r.Changes {
		c := &r.Changes[i]
		in, ok := byURN[c.URN]
		if !ok || c.Op != apitype.OpUpdate || c.Type != rdsInstanceType || len(in.Pending) == 0 {
			continue
		}
		match, why := MatchPending(c.Properties, steps[c.URN], in.Pending, InstanceFacts{RunningEngine: running[c.URN], GroupFamilies: families})
		if !match {
			r.Diagnostics = append(r.Diagnostics, Diagnostic{URN: c.URN, Severity: "warning",
				Message: fmt.Sprintf("RDS instance %s has modifications pending for its maintenance window (%s), but this change is not them: %s",
					in.Identifier, rdspending.List(in.Pending), why)})
			continue
		}
		c.Scheduled = &Scheduled{Window: in.MaintenanceWindow, Next: rdspending.NextWindow(in.MaintenanceWindow, pf.ReadAt)}
		r.Counts.Update--
		r.Counts.Scheduled++
		scheduled[c.URN] = c.Scheduled
	}
	// A refresh reads the values the instance runs with, which differ
	// from the ones the last update asked for while AWS holds them: that
	// difference is the scheduled change seen from the other side, not
	// drift, when the state's values are exactly the pending ones and the
	// same change is scheduled above.
	drift := r.Drift[:0]
	for _, c := range r.Drift {
		sch := scheduled[c.URN]
		in := byURN[c.URN]
		if sch != nil && c.Op == apitype.OpUpdate {
			if match, _ := MatchPending(c.Properties, stateInputs[c.URN], in.Pending, InstanceFacts{RunningEngine: running[c.URN], GroupFamilies: families}); match {
				sch.RefreshReadsRunning = true
				continue
			}
		}
		drift = append(drift, c)
	}
	r.Drift = drift
}

// When says when a scheduled change lands.
func (s Scheduled) When() string {
	w := s.Window
	if w == "" {
		w = "the next maintenance window"
	}
	if s.Next != "" {
		return w + " (next: " + s.Next + ")"
	}
	return w
}

// scheduledList says, for each change AWS already holds for the window,
// when it lands.
func scheduledList(b *strings.Builder, changes []Change) {
	first := true
	for _, c := range changes {
		if c.Scheduled == nil {
			continue
		}
		if first {
			b.WriteString("\n**Scheduled for the maintenance window** (already in AWS as pending modifications: not drift, not a new change)\n\n")
			first = false
		}
		var props []string
		for _, p := range c.Properties {
			props = append(props, p.Path)
		}
		note := ""
		if c.Scheduled.RefreshReadsRunning {
			note = " Until then a refresh reads the values the instance runs with: not drift."
		}
		fmt.Fprintf(b, "- %s %s: scheduled for %s.%s\n", code(c.Name), joinCode(props), cellEscaper.Replace(c.Scheduled.When()), note)
	}
}

// scheduledNote counts the changes scheduled for the window, for the drift
// verdict.
func scheduledNote(stacks []StackReport) string {
	n := 0
	for _, s := range stacks {
		n += s.Counts.Scheduled
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" %s already scheduled for the maintenance window %s not drift.", capitalize(plural(n, "change")), them(n, "is", "are"))
}
