package contract

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/networkref"
)

// Project names of the platform's Pulumi projects. They are also the folder
// names and the config namespaces.
const (
	NetworkProject  = networkref.Project
	DatabaseProject = "database"
)

// Network is what the network stack of an environment exports and what every
// database stack of that environment reads.
type Network struct {
	VpcID             pulumi.StringOutput      `pulumi:"vpcId"`
	VpcCidr           pulumi.StringOutput      `pulumi:"vpcCidr"`
	DatabaseSubnetIDs pulumi.StringArrayOutput `pulumi:"databaseSubnetIds"`
	AppSubnetIDs      pulumi.StringArrayOutput `pulumi:"appSubnetIds"`
	AppSubnetCidrs    pulumi.StringArrayOutput `pulumi:"appSubnetCidrs"`
	AvailabilityZones pulumi.StringArrayOutput `pulumi:"availabilityZones"`
	Environment       pulumi.StringOutput      `pulumi:"environment"`
	Tier              pulumi.StringOutput      `pulumi:"tier"`
	// Region is the AWS region the network is in (its stack's aws:region).
	Region pulumi.StringOutput `pulumi:"region"`
	// RecoveryOf says the network's role: empty on an environment's primary
	// network; on a recovery network (network:recoveryOf), the environment
	// whose primary network it stands in for, in another region.
	RecoveryOf pulumi.StringOutput `pulumi:"recoveryOf" contract:"optional"`
}

// Database is what a database stack exports for the applications and the
// operational tools (verify, drills) that use it.
type Database struct {
	Endpoint           pulumi.StringOutput `pulumi:"endpoint"`
	Address            pulumi.StringOutput `pulumi:"address"`
	Port               pulumi.IntOutput    `pulumi:"port"`
	DatabaseName       pulumi.StringOutput `pulumi:"databaseName"`
	MasterUsername     pulumi.StringOutput `pulumi:"masterUsername"`
	MasterSecretArn    pulumi.StringOutput `pulumi:"masterSecretArn"`
	SecurityGroupID    pulumi.StringOutput `pulumi:"securityGroupId"`
	InstanceIdentifier pulumi.StringOutput `pulumi:"instanceIdentifier" contract:"optional"`
	ResourceID         pulumi.StringOutput `pulumi:"resourceId"`
	KmsKeyArn          pulumi.StringOutput `pulumi:"kmsKeyArn"`
	AlarmTopicArn      pulumi.StringOutput `pulumi:"alarmTopicArn"`
	Environment        pulumi.StringOutput `pulumi:"environment"`
	Tier               pulumi.StringOutput `pulumi:"tier"`
	// Deployment is the shape: "instance" or "cluster" (spec.Deployment).
	Deployment pulumi.StringOutput `pulumi:"deployment"`
	// ClusterIdentifier is the Multi-AZ DB cluster's identifier; empty for
	// an instance, whose identifier is InstanceIdentifier (empty for a
	// cluster).
	ClusterIdentifier pulumi.StringOutput `pulumi:"clusterIdentifier" contract:"optional"`
	// ReaderEndpoint is the cluster's reader endpoint; empty for an
	// instance.
	ReaderEndpoint pulumi.StringOutput `pulumi:"readerEndpoint" contract:"optional"`
	// ProxyEndpoint and ProxyReadOnlyEndpoint are the RDS Proxy's default
	// (read/write) endpoint and, for a cluster, its read-only endpoint;
	// empty without a proxy.
	ProxyEndpoint         pulumi.StringOutput `pulumi:"proxyEndpoint" contract:"optional"`
	ProxyReadOnlyEndpoint pulumi.StringOutput `pulumi:"proxyReadOnlyEndpoint" contract:"optional"`
	// ApplicationEndpoint is the host applications connect to: the proxy's
	// endpoint when there is a proxy, otherwise the writer's address.
	ApplicationEndpoint pulumi.StringOutput `pulumi:"applicationEndpoint"`
	// DRRegion, DRKmsKeyArn and DRBackupsArn are the stack's disaster
	// recovery (database:dr): the recovery region, the ARN of the key there
	// that encrypts the replicated backups, and the replication's
	// automated-backups ARN in that region. All empty without DR.
	DRRegion     pulumi.StringOutput `pulumi:"drRegion" contract:"optional"`
	DRKmsKeyArn  pulumi.StringOutput `pulumi:"drKmsKeyArn" contract:"optional"`
	DRBackupsArn pulumi.StringOutput `pulumi:"drBackupsArn" contract:"optional"`
	// DRNetworkStack is the recovery network stack the program read and
	// checked (its fully qualified name, database:dr networkStack or
	// network/<environment>-dr), and DRSubnetGroupName the DB subnet group
	// the stack declares in the recovery region over that network's
	// database subnets: where a restore in the recovery region (the DR
	// drill, the fail-over runbook) places the instance. Both empty
	// without DR.
	DRNetworkStack    pulumi.StringOutput `pulumi:"drNetworkStack" contract:"optional"`
	DRSubnetGroupName pulumi.StringOutput `pulumi:"drSubnetGroupName" contract:"optional"`
	// DRParameterGroupName is the DB parameter group the stack declares in
	// the recovery region with the primary's family and parameters: the
	// group a restore there names, so the restored instance keeps the
	// platform's settings (TLS required). Empty without DR.
	DRParameterGroupName pulumi.StringOutput `pulumi:"drParameterGroupName" contract:"optional"`
}

// Field describes one output of a contract: its name and the kind of value
// it carries. An optional field (tag contract:"optional") is still
// exported by every producer, but may be empty where the stack has no such
// thing (a cluster's reader endpoint on an instance stack); every other
// string must be non-empty.
type Field struct {
	Name     string
	Kind     Kind
	Optional bool
}

// Kind is the shape of an output's value.
type Kind string

// The kinds of value a contract field can carry.
const (
	KindString      Kind = "string"
	KindInt         Kind = "int"
	KindStringArray Kind = "[]string"
)

var (
	stringOutputType      = reflect.TypeOf(pulumi.StringOutput{})
	intOutputType         = reflect.TypeOf(pulumi.IntOutput{})
	stringArrayOutputType = reflect.TypeOf(pulumi.StringArrayOutput{})
)

// Fields lists the outputs of a contract struct (Network or Database), in
// declaration order. It panics on a struct that is not a valid contract,
// which only a programming error in this package can cause; the package
// tests check every contract type.
func Fields(contract any) []Field {
	fields, err := fieldsOf(reflect.TypeOf(contract))
	if err != nil {
		panic(err)
	}
	return fields
}

func fieldsOf(t reflect.Type) ([]Field, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("contract: %s is not a struct", t)
	}
	out := make([]Field, 0, t.NumField())
	seen := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("pulumi")
		if name == "" {
			return nil, fmt.Errorf("contract: field %s.%s has no pulumi tag", t.Name(), f.Name)
		}
		if seen[name] {
			return nil, fmt.Errorf("contract: output name %q is used twice in %s", name, t.Name())
		}
		seen[name] = true
		var k Kind
		switch f.Type {
		case stringOutputType:
			k = KindString
		case intOutputType:
			k = KindInt
		case stringArrayOutputType:
			k = KindStringArray
		default:
			return nil, fmt.Errorf("contract: field %s.%s has unsupported type %s", t.Name(), f.Name, f.Type)
		}
		opt := f.Tag.Get("contract")
		if opt != "" && opt != "optional" {
			return nil, fmt.Errorf("contract: field %s.%s has contract tag %q; the only one is \"optional\"", t.Name(), f.Name, opt)
		}
		out = append(out, Field{Name: name, Kind: k, Optional: opt == "optional"})
	}
	return out, nil
}

// Names returns the output names of a contract, sorted.
func Names(contract any) []string {
	var names []string
	for _, f := range Fields(contract) {
		names = append(names, f.Name)
	}
	sort.Strings(names)
	return names
}

// ExportFunc is the signature of ctx.Export, so tests can record exports.
type ExportFunc func(name string, value pulumi.Input)

// Export exports every field of a contract struct under its output name. It
// fails if a field was left unset, so a producer cannot forget an output.
func Export(contract any, export ExportFunc) error {
	v := reflect.ValueOf(contract)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	fields, err := fieldsOf(v.Type())
	if err != nil {
		return err
	}
	for i, f := range fields {
		fv := v.Field(i)
		out, ok := fv.Interface().(pulumi.Output)
		if !ok || isZeroOutput(fv) {
			return fmt.Errorf("contract: output %q (%s.%s) was not set", f.Name, v.Type().Name(), v.Type().Field(i).Name)
		}
		export(f.Name, out)
	}
	return nil
}

// isZeroOutput reports whether an output-typed struct field was never
// assigned. The Output types wrap a pointer to their state; the zero value
// has none.
func isZeroOutput(fv reflect.Value) bool {
	return fv.IsZero()
}
