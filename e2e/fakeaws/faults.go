package fakeaws

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Faults: a test tells the double, through a fault plan, to fail a call the
// way AWS fails it, to make a create take a given time, or to exit in the
// middle of a call, as a provider plugin does when its run is killed.
//
// The plan is a JSON file (FaultPlan), FAKEAWS_FAULTS if that is set, else
// faults.json in the double's folder. Every plugin process reads it at each
// resource call, so a test changes it between runs (SetFaults) without
// restarting anything. The double counts the calls each fault matches in
// faults-state.json (under the folder's lock, since the engine runs one
// plugin process per stack operation); a plan with other content starts
// the counts again. Each fault that fires is appended to faults.jsonl
// (Fired), so a test can wait for one or check which fired.
const (
	// FaultsEnv names the fault plan file; unset, it is faults.json in the
	// double's folder.
	FaultsEnv = "FAKEAWS_FAULTS"

	faultsFile     = "faults.json"
	faultStateFile = "faults-state.json"
	firedFile      = "faults.jsonl"
)

// The actions a fault takes.
const (
	// ActionFail fails the call with an AWS error (Code, Message, Status)
	// before AWS does anything, worded as the real provider words it.
	ActionFail = "fail"
	// ActionDelay makes the call take Delay after AWS accepted it: for a
	// create, the resource exists in the double from the start of the
	// wait, as the real provider's create calls the API and then waits for
	// the resource to become available (resourceInstanceCreate calls
	// CreateDBInstance, then waitDBInstanceAvailable; rds, 4f930f62). A
	// run killed during the wait leaves the resource in "AWS" while the
	// Pulumi state has a pending create. With When "before", the wait
	// comes before AWS acts (a slow request): a run killed then leaves a
	// pending create whose resource does not exist. On an update or a
	// delete the wait likewise comes after the double applied the call
	// (the change made, or the resource gone, from the start of the wait),
	// a test's delay that models no AWS timing: a run killed then leaves a
	// pending update or delete whose change "AWS" has made.
	ActionDelay = "delay"
	// ActionExit ends the plugin process in the middle of the call (When:
	// "before" AWS acts, or "after" it accepted the call), as a killed
	// plugin does: the engine sees the connection drop.
	ActionExit = "exit"
)

// Fault is one entry of a fault plan. The selectors that are set must all
// match a call; Method is required.
type Fault struct {
	// ID names the fault in the fired log; its index in the plan if empty.
	ID string `json:"id,omitempty"`
	// Method is the provider call: Create, Update, Delete or Read. Previews
	// never count: the real provider calls no AWS API in them.
	Method string `json:"method"`
	// Type is the resource type token (aws:rds/instance:Instance).
	Type string `json:"type,omitempty"`
	// Name is the resource's name in its URN (the program's logical name).
	Name string `json:"name,omitempty"`
	// Project and Stack restrict the fault to one stack's resources.
	Project string `json:"project,omitempty"`
	Stack   string `json:"stack,omitempty"`
	// Nth is which matching call fires the fault: 1 (the default) is the
	// first since the plan was written. A fault fires once.
	Nth int `json:"nth,omitempty"`

	Action string `json:"action"`
	// Code and Message are AWS's error code and message (ActionFail);
	// Status is the HTTP status, 400 if zero.
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Status  int    `json:"status,omitempty"`
	// Delay is how long the call takes after AWS accepted it (ActionDelay),
	// a Go duration ("30s").
	Delay string `json:"delay,omitempty"`
	// When is "before" or "after" (the default) the AWS call (ActionExit,
	// ActionDelay).
	When string `json:"when,omitempty"`
	// ExitCode is the plugin's exit status (ActionExit), 2 if zero.
	ExitCode int `json:"exitCode,omitempty"`
}

// FaultPlan is the content of the fault plan file.
type FaultPlan struct {
	Faults []Fault `json:"faults"`
}

// Firing is one line of faults.jsonl: a fault that fired, and on what.
type Firing struct {
	Time    time.Time `json:"time"`
	PID     int       `json:"pid"`
	Fault   string    `json:"fault"`
	Action  string    `json:"action"`
	Method  string    `json:"method"`
	Type    string    `json:"type"`
	URN     string    `json:"urn"`
	Project string    `json:"project,omitempty"`
	Stack   string    `json:"stack,omitempty"`
	// ID is the resource's ID when AWS had accepted the call (a create
	// whose resource exists).
	ID    string `json:"id,omitempty"`
	Error string `json:"error,omitempty"`
}

// SetFaults writes the fault plan into the double's folder dir (the plan a
// plugin reads when FAKEAWS_FAULTS is not set), replacing the one before;
// the counts start again. An empty plan turns faults off.
func SetFaults(dir string, plan FaultPlan) error {
	for i, f := range plan.Faults {
		if err := f.validate(); err != nil {
			return fmt.Errorf("fakeaws: fault %d: %w", i, err)
		}
	}
	data, err := json.MarshalIndent(plan, "", "  ")
	if err != nil {
		return fmt.Errorf("fakeaws: encoding the fault plan: %w", err)
	}
	s := &store{dir: dir}
	return s.locked(func() error {
		if err := writeAtomic(dir, faultsFile, data); err != nil {
			return err
		}
		if err := os.Remove(filepath.Join(dir, faultStateFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("fakeaws: resetting the fault counts: %w", err)
		}
		return nil
	})
}

// Fired returns the faults that fired in the double's folder dir, oldest
// first.
func Fired(dir string) ([]Firing, error) {
	return readLines[Firing](filepath.Join(dir, firedFile), "the fired-fault log")
}

func (f Fault) validate() error {
	switch f.Method {
	case "Create", "Update", "Delete", "Read":
	default:
		return fmt.Errorf("method %q: want Create, Update, Delete or Read", f.Method)
	}
	if f.Nth < 0 {
		return fmt.Errorf("nth %d: want 1 or more (0 means 1)", f.Nth)
	}
	switch f.Action {
	case ActionFail:
		if f.Code == "" || f.Message == "" {
			return fmt.Errorf("action %q needs code and message (AWS's error code and message)", f.Action)
		}
		if _, ok := lookupAPIOp(f.Type, f.Method); !ok {
			return fmt.Errorf("action %q on type %q, method %s: the double words AWS errors only for %s "+
				"(add the provider's message to apiOps in e2e/fakeaws/faults.go, with its source)",
				f.Action, f.Type, f.Method, apiOpList())
		}
	case ActionDelay:
		d, err := time.ParseDuration(f.Delay)
		if err != nil || d <= 0 {
			return fmt.Errorf("delay %q: want a positive Go duration such as 30s", f.Delay)
		}
		if f.Method != "Create" && f.Method != "Update" && f.Method != "Delete" {
			return fmt.Errorf("action %q on method %s: want Create, Update or Delete", f.Action, f.Method)
		}
		if f.When != "" && f.When != "before" && f.When != "after" {
			return fmt.Errorf("when %q: want before or after", f.When)
		}
	case ActionExit:
		if f.When != "" && f.When != "before" && f.When != "after" {
			return fmt.Errorf("when %q: want before or after", f.When)
		}
	default:
		return fmt.Errorf("action %q: want %s, %s or %s", f.Action, ActionFail, ActionDelay, ActionExit)
	}
	return nil
}

func (f Fault) matches(c *Call) bool {
	return f.Method == c.Method &&
		(f.Type == "" || f.Type == c.Type) &&
		(f.Name == "" || f.Name == c.Name) &&
		(f.Project == "" || f.Project == c.Project) &&
		(f.Stack == "" || f.Stack == c.Stack)
}

// faultState is faults-state.json: the matching calls counted per fault of
// the plan whose SHA-256 is Plan.
type faultState struct {
	Plan   string          `json:"plan"`
	Counts map[string]int  `json:"counts"`
	Fired  map[string]bool `json:"fired"`
}

func (s *store) planPath() string {
	if p := os.Getenv(FaultsEnv); p != "" {
		return p
	}
	return filepath.Join(s.dir, faultsFile)
}

// firing is a fault that fires on one call.
type firing struct {
	Fault
	key string
}

// fault counts call (a resource call outside a preview; its Method, Type
// and URN set) against the fault plan and returns the fault that fires on
// it, if any. Without a plan file it does nothing.
func (s *store) fault(c *Call) (*firing, error) {
	if c.Preview {
		return nil, nil
	}
	// The log fields the matching reads.
	fillURN(c)
	var out *firing
	err := s.locked(func() error {
		data, err := os.ReadFile(s.planPath())
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("fakeaws: reading the fault plan: %w", err)
		}
		var plan FaultPlan
		if err := json.Unmarshal(data, &plan); err != nil {
			return fmt.Errorf("fakeaws: decoding the fault plan %s: %w", s.planPath(), err)
		}
		if len(plan.Faults) == 0 {
			return nil
		}
		sum := sha256.Sum256(data)
		st := faultState{Counts: map[string]int{}, Fired: map[string]bool{}}
		if raw, err := os.ReadFile(filepath.Join(s.dir, faultStateFile)); err == nil {
			if err := json.Unmarshal(raw, &st); err != nil {
				return fmt.Errorf("fakeaws: decoding %s: %w", faultStateFile, err)
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("fakeaws: reading the fault counts: %w", err)
		}
		if st.Plan != hex.EncodeToString(sum[:]) || st.Counts == nil || st.Fired == nil {
			st = faultState{Plan: hex.EncodeToString(sum[:]), Counts: map[string]int{}, Fired: map[string]bool{}}
		}
		for i, f := range plan.Faults {
			if err := f.validate(); err != nil {
				return fmt.Errorf("fakeaws: fault plan %s, fault %d: %w", s.planPath(), i, err)
			}
			if !f.matches(c) {
				continue
			}
			key := f.ID
			if key == "" {
				key = strconv.Itoa(i)
			}
			st.Counts[key]++
			nth := max(f.Nth, 1)
			if out == nil && !st.Fired[key] && st.Counts[key] == nth {
				st.Fired[key] = true
				out = &firing{Fault: f, key: key}
			}
		}
		raw, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("fakeaws: encoding the fault counts: %w", err)
		}
		return writeAtomic(s.dir, faultStateFile, raw)
	})
	return out, err
}

// fire records that f fired on call c (with the resource's ID if AWS
// accepted it, and the error it returns).
func (s *store) fire(f *firing, c *Call, id string, ferr error) error {
	fr := Firing{Time: time.Now().UTC(), PID: os.Getpid(), Fault: f.key, Action: f.Action,
		Method: c.Method, Type: c.Type, URN: c.URN, Project: c.Project, Stack: c.Stack, ID: id}
	if ferr != nil {
		fr.Error = ferr.Error()
	}
	line, err := json.Marshal(fr)
	if err != nil {
		return fmt.Errorf("fakeaws: encoding a fired fault: %w", err)
	}
	return s.locked(func() error { return appendLine(filepath.Join(s.dir, firedFile), line) })
}

// faultBefore applies a fault's part before the AWS call: the AWS error of
// ActionFail, or the exit of ActionExit with When "before". It returns the
// error the call fails with.
func (p *Provider) faultBefore(f *firing, c *Call, inputs map[string]any) error {
	if f == nil {
		return nil
	}
	switch {
	case f.Action == ActionFail:
		err := awsError(f.Fault, c, inputs)
		return joinErr(err, p.store.fire(f, c, "", err))
	case f.Action == ActionExit && f.When == "before":
		p.exit(f, c, "")
	case f.Action == ActionDelay && f.When == "before":
		p.wait(f, c, "")
	}
	return nil
}

// wait records the firing of a delay, then sleeps it.
func (p *Provider) wait(f *firing, c *Call, id string) {
	d, _ := time.ParseDuration(f.Delay) // validated when read
	_ = p.store.fire(f, c, id, nil)
	time.Sleep(d)
}

// faultAfter applies a fault's part after AWS accepted the call (id is the
// resource's): the wait of ActionDelay, or the exit of ActionExit.
func (p *Provider) faultAfter(f *firing, c *Call, id string) error {
	if f == nil {
		return nil
	}
	switch {
	case f.Action == ActionDelay && f.When != "before":
		p.wait(f, c, id)
	case f.Action == ActionExit && f.When != "before":
		p.exit(f, c, id)
	}
	return nil
}

// exit ends the plugin process in the middle of call c, after logging the
// call (marked as cut short) and the firing. The process's other calls
// that can reach AWS finish first and new ones wait for the end, so that
// the fault cuts short only the call it names: a test then knows exactly
// what the exit left behind (a crash could also lose the answer of a create
// AWS had accepted, leaving a resource that no state, not even a pending
// operation, records).
func (p *Provider) exit(f *firing, c *Call, id string) {
	p.calls.RUnlock() // this call's own hold
	p.calls.Lock()
	// The answers of the calls that just finished reach the engine.
	time.Sleep(300 * time.Millisecond)
	err := fmt.Errorf("fakeaws: the plugin exited in the middle of %s of %s (fault %s, %s the AWS call)",
		c.Method, c.URN, f.key, map[bool]string{true: "before", false: "after"}[f.When == "before"])
	c.ID, c.Error = id, err.Error()
	_ = p.store.fire(f, c, id, err)
	_ = p.logCall(*c)
	fmt.Fprintln(os.Stderr, err)
	code := f.ExitCode
	if code == 0 {
		code = 2
	}
	os.Exit(code)
}

// apiOp is how the real provider calls AWS for one type and method, and
// how it words that call's failure.
type apiOp struct {
	// Service and Operation are the AWS SDK for Go v2 service ID and
	// operation name (smithy.OperationError).
	Service, Operation string
	// Wrap is the provider's message around the SDK error: a format with
	// the resource's name (the input NameKey) and the error, or with the
	// error alone when NameKey is empty.
	Wrap    string
	NameKey string
	// Modeled lists the error codes the service's SDK client decodes into
	// a typed error, whose text is "<Code>: <Message>"; any other code is
	// a smithy.GenericAPIError, "api error <Code>: <Message>".
	Modeled []string
}

// rdsModeled are error codes the RDS client of aws-sdk-go-v2 models
// (service/rds/types/errors.go, v1.133.0: the ErrorCode of
// DBInstanceAlreadyExistsFault, DBParameterGroupAlreadyExistsFault,
// DBSubnetGroupAlreadyExistsFault, InsufficientDBInstanceCapacityFault,
// InvalidDBInstanceStateFault). InvalidParameterCombination and
// InvalidParameterValue are not modeled there.
var rdsModeled = []string{
	"DBInstanceAlreadyExists", "DBParameterGroupAlreadyExists", "DBSubnetGroupAlreadyExists",
	"InsufficientDBInstanceCapacity", "InvalidDBInstanceState",
}

// apiOps are the calls whose failure the double can word, each from the
// Terraform AWS provider's resource functions (lonegunmanb/terraform-
// provider-aws-index, index/internal/service/<svc>/, commit 4f930f62,
// v6.0.0; pulumi-aws v6.83 bridges a 5.x provider, whose wording was not
// read: e2e/README.md, open questions):
//   - rds resourceInstanceCreate: `sdkdiag.AppendErrorf(diags, "creating
//     RDS DB Instance (%s): %s", identifier, err)` after conn.CreateDBInstance;
//   - rds resourceInstanceUpdate / dbInstanceModify: "updating RDS DB
//     Instance (%s): %s" after ModifyDBInstance;
//   - rds resourceInstanceDelete: "deleting RDS DB Instance (%s): %s"
//     after DeleteDBInstance;
//   - rds resourceSubnetGroupCreate: "creating RDS DB Subnet Group (%s): %s";
//   - rds resourceParameterGroupCreate: "creating RDS DB Parameter Group
//     (%s): %s";
//   - ec2 resourceVPCCreate: "creating EC2 VPC: %s"; resourceSubnetCreate:
//     "creating EC2 Subnet: %s"; resourceSecurityGroupCreate: "creating
//     Security Group (%s): %s" (EC2's SDK client models no error codes).
//
// The SDK error inside is aws-sdk-go-v2's: smithy.OperationError
// ("operation error %s: %s, %v", smithy-go errors.go) around
// awshttp.ResponseError ("https response error StatusCode: %d, RequestID:
// %s, %v", aws/transport/http/response_error.go) around the API error. A
// real one, from aws-samples/eks-workshop-v2#1609: "creating RDS DB
// Instance (eks-workshop-catalog): operation error RDS: CreateDBInstance,
// https response error StatusCode: 400, RequestID: 6399ce33-…, api error
// InvalidParameterValue: Unable to create the resource. …". The bridge
// then hands the provider's diagnostic to the engine as the error; whether
// pulumi-aws v6.83 adds a "1 error occurred" list around it was not read.
var apiOps = map[string]map[string]apiOp{
	"aws:rds/instance:Instance": {
		"Create": {Service: "RDS", Operation: "CreateDBInstance", Wrap: "creating RDS DB Instance (%s): %s", NameKey: "identifier", Modeled: rdsModeled},
		"Update": {Service: "RDS", Operation: "ModifyDBInstance", Wrap: "updating RDS DB Instance (%s): %s", NameKey: "identifier", Modeled: rdsModeled},
		"Delete": {Service: "RDS", Operation: "DeleteDBInstance", Wrap: "deleting RDS DB Instance (%s): %s", NameKey: "identifier", Modeled: rdsModeled},
	},
	"aws:rds/subnetGroup:SubnetGroup": {
		"Create": {Service: "RDS", Operation: "CreateDBSubnetGroup", Wrap: "creating RDS DB Subnet Group (%s): %s", NameKey: "name", Modeled: rdsModeled},
	},
	"aws:rds/parameterGroup:ParameterGroup": {
		"Create": {Service: "RDS", Operation: "CreateDBParameterGroup", Wrap: "creating RDS DB Parameter Group (%s): %s", NameKey: "name", Modeled: rdsModeled},
	},
	"aws:ec2/vpc:Vpc": {
		"Create": {Service: "EC2", Operation: "CreateVpc", Wrap: "creating EC2 VPC: %s"},
	},
	"aws:ec2/subnet:Subnet": {
		"Create": {Service: "EC2", Operation: "CreateSubnet", Wrap: "creating EC2 Subnet: %s"},
	},
	"aws:ec2/securityGroup:SecurityGroup": {
		"Create": {Service: "EC2", Operation: "CreateSecurityGroup", Wrap: "creating Security Group (%s): %s", NameKey: "name"},
	},
}

func lookupAPIOp(typ, method string) (apiOp, bool) {
	op, ok := apiOps[typ][method]
	return op, ok
}

// FaultableCalls lists the type and method pairs an ActionFail fault can
// name, as "Method type".
func FaultableCalls() []string {
	var out []string
	for typ, ops := range apiOps {
		for m := range ops {
			out = append(out, m+" "+typ)
		}
	}
	sort.Strings(out)
	return out
}

func apiOpList() string {
	s := ""
	for i, c := range FaultableCalls() {
		if i > 0 {
			s += ", "
		}
		s += c
	}
	return s
}

// awsError is the error the real provider returns when AWS refuses the
// call with f's code and message.
func awsError(f Fault, c *Call, inputs map[string]any) error {
	op, _ := lookupAPIOp(c.Type, c.Method)
	status := f.Status
	if status == 0 {
		status = 400
	}
	apiErr := "api error " + f.Code + ": " + f.Message
	for _, m := range op.Modeled {
		if m == f.Code {
			apiErr = f.Code + ": " + f.Message
		}
	}
	sdkErr := fmt.Sprintf("operation error %s: %s, https response error StatusCode: %d, RequestID: %s, %s",
		op.Service, op.Operation, status, requestID(), apiErr)
	if op.NameKey == "" {
		return errors.New(fmt.Sprintf(op.Wrap, sdkErr))
	}
	return errors.New(fmt.Sprintf(op.Wrap, Unsecret(inputs[op.NameKey]), sdkErr))
}

func writeAtomic(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, name+".*")
	if err != nil {
		return fmt.Errorf("fakeaws: creating a temporary %s: %w", name, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("fakeaws: writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fakeaws: closing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fakeaws: replacing %s: %w", name, err)
	}
	return nil
}

func appendLine(path string, line []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("fakeaws: opening %s: %w", path, err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("fakeaws: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("fakeaws: closing %s: %w", path, err)
	}
	return nil
}

// fillURN sets a call's stack, project and name from its URN, as the call
// log has them.
func fillURN(c *Call) {
	if u := resource.URN(c.URN); c.URN != "" && u.IsValid() {
		c.Stack, c.Project, c.Name = u.Stack().String(), u.Project().String(), u.Name()
	}
}
