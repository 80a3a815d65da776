package stackout

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/pgplatform/platform/shared/contract"
	"github.com/pgplatform/platform/shared/networkref"
)

// Source returns the outputs of one stack of a project, as JSON values
// (strings, float64 numbers, []any, map[string]any).
type Source interface {
	Outputs(ctx context.Context, project, stack string) (map[string]any, error)
}

// Database is what a database stack exports, as plain values. The field set
// mirrors contract.Database; a test keeps the two in step.
type Database struct {
	Endpoint           string `json:"endpoint"`
	Address            string `json:"address"`
	Port               int    `json:"port"`
	DatabaseName       string `json:"databaseName"`
	MasterUsername     string `json:"masterUsername"`
	MasterSecretArn    string `json:"masterSecretArn"`
	SecurityGroupID    string `json:"securityGroupId"`
	InstanceIdentifier string `json:"instanceIdentifier"`
	ResourceID         string `json:"resourceId"`
	KmsKeyArn          string `json:"kmsKeyArn"`
	AlarmTopicArn      string `json:"alarmTopicArn"`
	Environment        string `json:"environment"`
	Tier               string `json:"tier"`
	// The shape and its endpoints (contract.Database): empty where the
	// stack has none.
	Deployment            string `json:"deployment"`
	ClusterIdentifier     string `json:"clusterIdentifier"`
	ReaderEndpoint        string `json:"readerEndpoint"`
	ProxyEndpoint         string `json:"proxyEndpoint"`
	ProxyReadOnlyEndpoint string `json:"proxyReadOnlyEndpoint"`
	ApplicationEndpoint   string `json:"applicationEndpoint"`
	// The disaster recovery (contract.Database): the recovery region, its
	// key and the replicated automated backups' ARN; empty without DR.
	DRRegion     string `json:"drRegion"`
	DRKmsKeyArn  string `json:"drKmsKeyArn"`
	DRBackupsArn string `json:"drBackupsArn"`
	// The recovery network the stack read and its DB subnet group in the
	// recovery region, where a DR restore places the instance, and its DB
	// parameter group there, which a DR restore names; empty without DR.
	DRNetworkStack       string `json:"drNetworkStack"`
	DRSubnetGroupName    string `json:"drSubnetGroupName"`
	DRParameterGroupName string `json:"drParameterGroupName"`
}

// Network is what a network stack exports, as plain values. The field set
// mirrors contract.Network.
type Network struct {
	VpcID             string   `json:"vpcId"`
	VpcCidr           string   `json:"vpcCidr"`
	DatabaseSubnetIDs []string `json:"databaseSubnetIds"`
	AppSubnetIDs      []string `json:"appSubnetIds"`
	AppSubnetCidrs    []string `json:"appSubnetCidrs"`
	AvailabilityZones []string `json:"availabilityZones"`
	Environment       string   `json:"environment"`
	Tier              string   `json:"tier"`
	// Region and RecoveryOf are the network's role (contract.Network):
	// RecoveryOf is empty on a primary network.
	Region     string `json:"region"`
	RecoveryOf string `json:"recoveryOf"`
}

// ReadDatabase reads and maps the outputs of a database stack.
func ReadDatabase(ctx context.Context, src Source, stack string) (Database, error) {
	return read[Database](ctx, src, contract.DatabaseProject, stack, contract.Database{}, "database stack "+stack)
}

// ReadNetwork reads and maps the outputs of a stack of the network project.
func ReadNetwork(ctx context.Context, src Source, stack string) (Network, error) {
	return ReadNetworkRef(ctx, src, networkref.Ref{Project: contract.NetworkProject, Stack: stack})
}

// ReadNetworkRef reads and maps the outputs of the network stack a database
// stack references (networkref.Of), in the reference's project; a reference
// that names an organization reads the stack by its full name.
func ReadNetworkRef(ctx context.Context, src Source, ref networkref.Ref) (Network, error) {
	stack := RefStack(ref)
	return read[Network](ctx, src, ref.Project, stack, contract.Network{}, "network stack "+stack)
}

// read reads the outputs of a stack of project and maps them by the layer
// contract c (see Map); what names the stack in errors.
func read[T any](ctx context.Context, src Source, project, stack string, c any, what string) (T, error) {
	var v T
	raw, err := src.Outputs(ctx, project, stack)
	if err != nil {
		return v, err
	}
	if err := Map(raw, c, what, &v); err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// RefStack is the stack name a Source takes for ref within its project:
// the stack, or the full name when ref names an organization.
func RefStack(ref networkref.Ref) string {
	if ref.Org != "" {
		return ref.String()
	}
	return ref.Stack
}

// Map checks raw outputs against the fields of a contract struct (every
// output present, of the contract's kind) and decodes them into dst, a
// pointer to a struct whose json tags carry the output names. what names the
// stack in errors. Outputs the contract does not list are ignored.
//
// An optional string field (contract:"optional") that is absent reads as
// empty, as it would from a stack without that thing: a stack deployed
// before the field was added to the contract still reads, so verify,
// restore-drill and the failover drill work on it until its next deploy,
// and their own checks of the empty value say what it lacks.
func Map(raw map[string]any, contractType any, what string, dst any) error {
	var missing []string
	clean := map[string]any{}
	for _, f := range contract.Fields(contractType) {
		v, ok := raw[f.Name]
		if (!ok || v == nil) && f.Optional && f.Kind == contract.KindString {
			clean[f.Name] = ""
			continue
		}
		if !ok || v == nil {
			missing = append(missing, f.Name)
			continue
		}
		cv, err := convert(v, f.Kind)
		if err != nil {
			return fmt.Errorf("%s: output %q: %w", what, f.Name, err)
		}
		clean[f.Name] = cv
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("%s is missing output(s) %s: the stack was never deployed completely, or its program does not export the layer contract (deploy it, or check the outputs file)", what, strings.Join(missing, ", "))
	}
	b, err := json.Marshal(clean)
	if err != nil {
		return fmt.Errorf("%s: encode outputs: %w", what, err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("%s: decode outputs: %w", what, err)
	}
	return nil
}

func convert(v any, kind contract.Kind) (any, error) {
	switch kind {
	case contract.KindString:
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("want a string, got %v (%T)", v, v)
		}
		return s, nil
	case contract.KindInt:
		switch n := v.(type) {
		case float64:
			if n != math.Trunc(n) || math.Abs(n) > 1<<31 {
				return nil, fmt.Errorf("want a whole number, got %v", n)
			}
			return int(n), nil
		case int:
			return n, nil
		case json.Number:
			i, err := n.Int64()
			if err != nil {
				return nil, fmt.Errorf("want a whole number, got %v", n)
			}
			return int(i), nil
		}
		return nil, fmt.Errorf("want a whole number, got %v (%T)", v, v)
	case contract.KindStringArray:
		switch items := v.(type) {
		case []string:
			return items, nil
		case []any:
			out := make([]string, 0, len(items))
			for i, it := range items {
				s, ok := it.(string)
				if !ok {
					return nil, fmt.Errorf("want a list of strings, element %d is %v (%T)", i, it, it)
				}
				out = append(out, s)
			}
			return out, nil
		}
		return nil, fmt.Errorf("want a list of strings, got %v (%T)", v, v)
	}
	return nil, fmt.Errorf("unsupported contract kind %s", kind)
}

// Files is a Source over JSON files written by `pulumi stack output --json`,
// keyed by "<project>/<stack>".
type Files map[string]string

// Key is the Files key of a stack.
func Key(project, stack string) string { return project + "/" + stack }

// Outputs reads the file given for the stack.
func (f Files) Outputs(_ context.Context, project, stack string) (map[string]any, error) {
	path, ok := f[Key(project, stack)]
	if !ok {
		return nil, fmt.Errorf("no outputs file was given for %s stack %q", project, stack)
	}
	return ReadFile(path)
}

// ReadFile reads a JSON object of outputs, as `pulumi stack output --json`
// (or `--json --show-secrets`) prints it.
func ReadFile(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read outputs file: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("outputs file %s is not a JSON object of outputs (`pulumi stack output --json` writes one): %w", path, err)
	}
	if out == nil {
		return nil, fmt.Errorf("outputs file %s holds null, not a JSON object of outputs", path)
	}
	return out, nil
}

// NetworkStack names the network stack a database stack reads, in the
// network project: the stack of its database:networkStack config (parsed by
// networkref.Parse), else its environment (network stacks are named
// after their environment). A value that does not parse is returned as it
// is, so that reading that stack fails naming it.
func NetworkStack(databaseConfig map[string]string, environment string) string {
	ref, err := networkref.Of(databaseConfig, environment)
	if err != nil {
		return strings.TrimSpace(databaseConfig[networkref.Key])
	}
	return ref.Stack
}
