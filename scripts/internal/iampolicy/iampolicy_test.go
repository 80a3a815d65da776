package iampolicy

import (
	"context"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

const good = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Describe", "Effect": "Allow", "Action": ["rds:DescribeDBInstances", "rds:RebootDBInstance"], "Resource": "arn:aws:rds:<region>:<account>:db:*-<env>-*"},
    {"Sid": "Secret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": ["arn:aws:secretsmanager:<region>:<account>:secret:rds!db-*"]},
    {"Sid": "Decrypt", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:<region>:<account>:key/*",
     "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.<region>.amazonaws.com"}}},
    {"Sid": "Never", "Effect": "Deny", "Action": "rds:DeleteDBInstance", "Resource": "*"}
  ]
}`

func TestParse(t *testing.T) {
	d, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"kms:Decrypt", "rds:DescribeDBInstances", "rds:RebootDBInstance", "secretsmanager:GetSecretValue"}
	if got := d.AllowedActions(); !slices.Equal(got, want) {
		t.Errorf("allowed %v, want %v (a Deny grants nothing)", got, want)
	}
	if len(d.Allowed("RDS:describedbinstances")) != 1 {
		t.Error("action names compare case-insensitively in IAM")
	}
}

func TestParseRefuses(t *testing.T) {
	stmt := func(body string) string {
		return `{"Version": "2012-10-17", "Statement": [` + body + `]}`
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"wildcard action", stmt(`{"Effect": "Allow", "Action": "rds:Describe*", "Resource": "*"}`), `Action "rds:Describe*": want one service:Operation, without wildcards`},
		{"all actions", stmt(`{"Effect": "Allow", "Action": "*", "Resource": "*"}`), `Action "*"`},
		{"NotAction", stmt(`{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}`), "NotAction"},
		{"Principal", stmt(`{"Effect": "Allow", "Principal": "*", "Action": "rds:DescribeDBInstances", "Resource": "*"}`), "Principal"},
		{"no resource", stmt(`{"Effect": "Allow", "Action": "rds:DescribeDBInstances"}`), "no Resource"},
		{"bad resource", stmt(`{"Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": "orders"}`), `Resource "orders"`},
		{"effect", stmt(`{"Effect": "allow", "Action": "rds:DescribeDBInstances", "Resource": "*"}`), `Effect "allow": want Allow or Deny`},
		{"version", `{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": "*"}]}`, `Version "2008-10-17"`},
		{"statement object", `{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": "*"}}`, "Statement (a list)"},
		{"duplicate sid", stmt(`{"Sid": "A", "Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": "*"}, {"Sid": "A", "Effect": "Allow", "Action": "rds:DescribeEvents", "Resource": "*"}`), `Sid "A" is used twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	d, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	decrypt := []Implied{{Action: "kms:Decrypt", By: "secretsmanager:GetSecretValue", Reason: "Secrets Manager decrypts for the caller"}}
	all := []string{"rds:DescribeDBInstances", "rds:RebootDBInstance", "secretsmanager:GetSecretValue"}
	if errs := Check(d, all, decrypt); len(errs) != 0 {
		t.Errorf("exact policy: %v", errs)
	}
	msgs := func(errs []error) string {
		var s []string
		for _, e := range errs {
			s = append(s, e.Error())
		}
		return strings.Join(s, "\n")
	}
	// A new call the policy lacks.
	if got := msgs(Check(d, append(all, "rds:ModifyDBInstance"), decrypt)); !strings.Contains(got, "the tool calls rds:ModifyDBInstance, which the policy does not allow") {
		t.Errorf("unallowed call: %q", got)
	}
	// A grant nothing uses: the reboot is never called, and without the
	// secret read kms:Decrypt is no longer implied.
	got := msgs(Check(d, []string{"rds:DescribeDBInstances"}, decrypt))
	for _, want := range []string{"allows rds:RebootDBInstance, which no recorded call uses", "allows kms:Decrypt, which no recorded call uses or implies", "allows secretsmanager:GetSecretValue"} {
		if !strings.Contains(got, want) {
			t.Errorf("unused grants: %q lacks %q", got, want)
		}
	}
	// An implied action the policy lacks.
	noKMS, _ := Parse([]byte(strings.Replace(good, `"kms:Decrypt"`, `"kms:DescribeKey"`, 1)))
	if got := msgs(Check(noKMS, all, decrypt)); !strings.Contains(got, "also authorizes kms:Decrypt") {
		t.Errorf("missing implied action: %q", got)
	}
}

type describeOnly struct{}

func (describeOnly) DescribeDBInstances(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error) {
	return &rds.DescribeDBInstancesOutput{}, nil
}

func (describeOnly) RestoreDBInstanceToPointInTime(context.Context, *rds.RestoreDBInstanceToPointInTimeInput, ...func(*rds.Options)) (*rds.RestoreDBInstanceToPointInTimeOutput, error) {
	return &rds.RestoreDBInstanceToPointInTimeOutput{}, nil
}

func TestRecorder(t *testing.T) {
	var c Calls
	r := RDS{API: describeOnly{}, Calls: &c}
	if _, err := r.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RestoreDBInstanceToPointInTime(context.Background(), &rds.RestoreDBInstanceToPointInTimeInput{}); err != nil {
		t.Fatal(err)
	}
	if got := c.Actions(); !slices.Equal(got, []string{"rds:DescribeDBInstances", "rds:RestoreDBInstanceToPointInTime"}) {
		t.Errorf("recorded %v", got)
	}
	if _, err := r.RestoreDBInstanceToPointInTime(context.Background(), &rds.RestoreDBInstanceToPointInTimeInput{Tags: []rdstypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Actions(), "rds:AddTagsToResource") {
		t.Errorf("a restore with tags did not record rds:AddTagsToResource: %v", c.Actions())
	}
	got := InterfaceActions("rds", reflect.TypeFor[interface {
		DescribeDBInstances(context.Context, *rds.DescribeDBInstancesInput, ...func(*rds.Options)) (*rds.DescribeDBInstancesOutput, error)
	}]())
	if !slices.Equal(got, []string{"rds:DescribeDBInstances"}) {
		t.Errorf("interface actions %v", got)
	}
}

// The action and user come out of a token the AWS SDK really signs.
func TestTokenAction(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "not-a-secret", "")
	token, err := auth.BuildAuthToken(context.Background(), "db.example.eu-west-1.rds.amazonaws.com:5432", "eu-west-1", "pgplatform_verify", creds)
	if err != nil {
		t.Fatal(err)
	}
	action, user, err := TokenAction(token)
	if err != nil || action != "rds-db:connect" || user != "pgplatform_verify" {
		t.Errorf("TokenAction = %q, %q, %v; want rds-db:connect, pgplatform_verify", action, user, err)
	}
	if _, _, err := TokenAction("s3cret-password"); err == nil {
		t.Error("a password read as a token")
	}
}

// Each tool's README quotes its policy file verbatim, so the documented
// policy is the one CI uses and the tests check.
func TestReadmesQuoteThePolicyFiles(t *testing.T) {
	for tool, readme := range map[string]string{
		"verify":           "../verify/README.md",
		"restore-drill":    "../restore/README.md",
		"restore-drill-dr": "../restore/README.md",
		"failover-drill":   "../failover/README.md",
	} {
		path, err := ToolPolicy(tool)
		if err != nil {
			t.Fatal(err)
		}
		policy, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), "```json\n"+string(policy)+"```") {
			t.Errorf("%s does not quote %s as it is", readme, path)
		}
	}
}
