package iampolicy

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Calls records the IAM actions of the AWS calls a tool makes. An AWS API
// operation is authorized as the IAM action <service prefix>:<operation>
// (for the services here, the Service Authorization Reference lists an
// action of the operation's name: rds, ec2, secretsmanager;
// https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html).
type Calls struct {
	mu sync.Mutex
	n  map[string]int
}

// Add records one call authorized as action.
func (c *Calls) Add(action string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[action]++
}

// Actions lists the actions recorded, sorted.
func (c *Calls) Actions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.n))
	for a := range c.n {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// InterfaceActions lists the actions of the methods of an interface over
// AWS clients (a tool's RDS interface, say), as service:Method: what the
// tool can call at most, to be compared with what its tests recorded.
func InterfaceActions(service string, iface reflect.Type) []string {
	var out []string
	for i := range iface.NumMethod() {
		out = append(out, service+":"+iface.Method(i).Name)
	}
	return out
}

// TokenAction reads the IAM action and database user out of an RDS IAM
// authentication token: a presigned request (host:port/?Action=connect&
// DBUser=...&X-Amz-Credential=<key>/<date>/<region>/rds-db/aws4_request...)
// that RDS authorizes as rds-db:connect on the user. The token is read, not
// trusted: the action is the credential scope's service and the Action
// parameter as the SDK signed them.
func TokenAction(token string) (action, user string, err error) {
	u, err := url.Parse("https://" + token)
	if err != nil {
		return "", "", fmt.Errorf("not an IAM authentication token: %w", err)
	}
	q := u.Query()
	scope := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(scope) != 5 || q.Get("Action") == "" || q.Get("DBUser") == "" {
		return "", "", fmt.Errorf("not an IAM authentication token: no credential scope, Action or DBUser in %s", u.Redacted())
	}
	return scope[3] + ":" + q.Get("Action"), q.Get("DBUser"), nil
}

// RDS records each RDS call and passes it to API, which must have the
// method called. It has every RDS method any tool uses, so it stands in
// for each tool's RDS interface.
type RDS struct {
	API   any
	Calls *Calls
}

func api[T any](r any, method string) T {
	a, ok := r.(T)
	if !ok {
		panic(fmt.Sprintf("iampolicy: %T has no %s", r, method))
	}
	return a
}

func (r RDS) DescribeDBInstances(ctx context.Context, in *rds.DescribeDBInstancesInput, o ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	r.Calls.Add("rds:DescribeDBInstances")
	return api[interface {
		DescribeDBInstances(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	}](r.API, "DescribeDBInstances").DescribeDBInstances(ctx, in, o...)
}

func (r RDS) DescribeDBParameters(ctx context.Context, in *rds.DescribeDBParametersInput, o ...func(*rds.Options)) (*rds.DescribeDBParametersOutput, error) {
	r.Calls.Add("rds:DescribeDBParameters")
	return api[interface {
		DescribeDBParameters(context.Context, *rds.DescribeDBParametersInput, ...func(*rds.Options)) (*rds.DescribeDBParametersOutput, error)
	}](r.API, "DescribeDBParameters").DescribeDBParameters(ctx, in, o...)
}

func (r RDS) DescribeDBSubnetGroups(ctx context.Context, in *rds.DescribeDBSubnetGroupsInput, o ...func(*rds.Options)) (*rds.DescribeDBSubnetGroupsOutput, error) {
	r.Calls.Add("rds:DescribeDBSubnetGroups")
	return api[interface {
		DescribeDBSubnetGroups(context.Context, *rds.DescribeDBSubnetGroupsInput, ...func(*rds.Options)) (*rds.DescribeDBSubnetGroupsOutput, error)
	}](r.API, "DescribeDBSubnetGroups").DescribeDBSubnetGroups(ctx, in, o...)
}

func (r RDS) DescribeEvents(ctx context.Context, in *rds.DescribeEventsInput, o ...func(*rds.Options)) (*rds.DescribeEventsOutput, error) {
	r.Calls.Add("rds:DescribeEvents")
	return api[interface {
		DescribeEvents(context.Context, *rds.DescribeEventsInput, ...func(*rds.Options)) (*rds.DescribeEventsOutput, error)
	}](r.API, "DescribeEvents").DescribeEvents(ctx, in, o...)
}

// RestoreDBInstanceToPointInTime records the restore, and
// rds:AddTagsToResource when the request carries tags: RDS authorizes tags
// given at creation as that action too ("Grant permission to tag Amazon RDS
// resources during creation", RDS user guide:
// https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/security_iam_id-based-policy-examples-grant-permissions-tags-on-create.html).
func (r RDS) RestoreDBInstanceToPointInTime(ctx context.Context, in *rds.RestoreDBInstanceToPointInTimeInput, o ...func(*rds.Options)) (*rds.RestoreDBInstanceToPointInTimeOutput, error) {
	r.Calls.Add("rds:RestoreDBInstanceToPointInTime")
	if len(in.Tags) > 0 {
		r.Calls.Add("rds:AddTagsToResource")
	}
	return api[interface {
		RestoreDBInstanceToPointInTime(context.Context, *rds.RestoreDBInstanceToPointInTimeInput, ...func(*rds.Options)) (*rds.RestoreDBInstanceToPointInTimeOutput, error)
	}](r.API, "RestoreDBInstanceToPointInTime").RestoreDBInstanceToPointInTime(ctx, in, o...)
}

func (r RDS) DeleteDBInstance(ctx context.Context, in *rds.DeleteDBInstanceInput, o ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error) {
	r.Calls.Add("rds:DeleteDBInstance")
	return api[interface {
		DeleteDBInstance(context.Context, *rds.DeleteDBInstanceInput, ...func(*rds.Options)) (*rds.DeleteDBInstanceOutput, error)
	}](r.API, "DeleteDBInstance").DeleteDBInstance(ctx, in, o...)
}

func (r RDS) RebootDBInstance(ctx context.Context, in *rds.RebootDBInstanceInput, o ...func(*rds.Options)) (*rds.RebootDBInstanceOutput, error) {
	r.Calls.Add("rds:RebootDBInstance")
	return api[interface {
		RebootDBInstance(context.Context, *rds.RebootDBInstanceInput, ...func(*rds.Options)) (*rds.RebootDBInstanceOutput, error)
	}](r.API, "RebootDBInstance").RebootDBInstance(ctx, in, o...)
}

func (r RDS) DescribeDBClusters(ctx context.Context, in *rds.DescribeDBClustersInput, o ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error) {
	r.Calls.Add("rds:DescribeDBClusters")
	return api[interface {
		DescribeDBClusters(context.Context, *rds.DescribeDBClustersInput, ...func(*rds.Options)) (*rds.DescribeDBClustersOutput, error)
	}](r.API, "DescribeDBClusters").DescribeDBClusters(ctx, in, o...)
}

func (r RDS) DescribeDBClusterParameters(ctx context.Context, in *rds.DescribeDBClusterParametersInput, o ...func(*rds.Options)) (*rds.DescribeDBClusterParametersOutput, error) {
	r.Calls.Add("rds:DescribeDBClusterParameters")
	return api[interface {
		DescribeDBClusterParameters(context.Context, *rds.DescribeDBClusterParametersInput, ...func(*rds.Options)) (*rds.DescribeDBClusterParametersOutput, error)
	}](r.API, "DescribeDBClusterParameters").DescribeDBClusterParameters(ctx, in, o...)
}

func (r RDS) DescribeDBProxies(ctx context.Context, in *rds.DescribeDBProxiesInput, o ...func(*rds.Options)) (*rds.DescribeDBProxiesOutput, error) {
	r.Calls.Add("rds:DescribeDBProxies")
	return api[interface {
		DescribeDBProxies(context.Context, *rds.DescribeDBProxiesInput, ...func(*rds.Options)) (*rds.DescribeDBProxiesOutput, error)
	}](r.API, "DescribeDBProxies").DescribeDBProxies(ctx, in, o...)
}

func (r RDS) DescribeDBProxyTargets(ctx context.Context, in *rds.DescribeDBProxyTargetsInput, o ...func(*rds.Options)) (*rds.DescribeDBProxyTargetsOutput, error) {
	r.Calls.Add("rds:DescribeDBProxyTargets")
	return api[interface {
		DescribeDBProxyTargets(context.Context, *rds.DescribeDBProxyTargetsInput, ...func(*rds.Options)) (*rds.DescribeDBProxyTargetsOutput, error)
	}](r.API, "DescribeDBProxyTargets").DescribeDBProxyTargets(ctx, in, o...)
}

func (r RDS) DescribeDBInstanceAutomatedBackups(ctx context.Context, in *rds.DescribeDBInstanceAutomatedBackupsInput, o ...func(*rds.Options)) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error) {
	r.Calls.Add("rds:DescribeDBInstanceAutomatedBackups")
	return api[interface {
		DescribeDBInstanceAutomatedBackups(context.Context, *rds.DescribeDBInstanceAutomatedBackupsInput, ...func(*rds.Options)) (*rds.DescribeDBInstanceAutomatedBackupsOutput, error)
	}](r.API, "DescribeDBInstanceAutomatedBackups").DescribeDBInstanceAutomatedBackups(ctx, in, o...)
}

func (r RDS) FailoverDBCluster(ctx context.Context, in *rds.FailoverDBClusterInput, o ...func(*rds.Options)) (*rds.FailoverDBClusterOutput, error) {
	r.Calls.Add("rds:FailoverDBCluster")
	return api[interface {
		FailoverDBCluster(context.Context, *rds.FailoverDBClusterInput, ...func(*rds.Options)) (*rds.FailoverDBClusterOutput, error)
	}](r.API, "FailoverDBCluster").FailoverDBCluster(ctx, in, o...)
}

// EC2 records each EC2 call and passes it to API.
type EC2 struct {
	API   any
	Calls *Calls
}

func (e EC2) DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, o ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	e.Calls.Add("ec2:DescribeSecurityGroups")
	return api[interface {
		DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	}](e.API, "DescribeSecurityGroups").DescribeSecurityGroups(ctx, in, o...)
}

// Secrets records each Secrets Manager call and passes it to API.
type Secrets struct {
	API   any
	Calls *Calls
}

func (s Secrets) GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, o ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	s.Calls.Add("secretsmanager:GetSecretValue")
	return api[interface {
		GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	}](s.API, "GetSecretValue").GetSecretValue(ctx, in, o...)
}
