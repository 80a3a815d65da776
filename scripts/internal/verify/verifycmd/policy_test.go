package verifycmd

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/pgplatform/platform/scripts/internal/iampolicy"
	"github.com/pgplatform/platform/scripts/internal/testsupport/recorded"
	"github.com/pgplatform/platform/scripts/internal/verify"
)

// tokenPinger is verify's real connection settings up to the network: it
// builds them as PGPinger does, with a token the AWS SDK really signs, and
// records the IAM action and user the token asks RDS for instead of
// connecting.
type tokenPinger struct {
	calls *iampolicy.Calls
	users *[]string
	p     verify.PGPinger
}

func (t tokenPinger) Ping(ctx context.Context, ep verify.Endpoint) error {
	opts, err := t.p.Options(ctx, ep)
	if err != nil {
		return err
	}
	if err := opts.Validate(); err != nil {
		return err
	}
	if opts.Credentials == nil {
		// Through an RDS Proxy verify does not log in: no token, and
		// so no IAM action (PGPinger.Options).
		return nil
	}
	_, token, err := opts.Credentials.Get(ctx, opts)
	if err != nil {
		return err
	}
	action, user, err := iampolicy.TokenAction(token)
	if err != nil {
		return err
	}
	t.calls.Add(action)
	*t.users = append(*t.users, user)
	return nil
}

// Every AWS call verify makes over all the recorded situations, and the
// IAM authentication of its connection, is allowed by
// .github/policies/verify.json, and the policy allows nothing else: no
// secret, no KMS key, and rds-db:connect only for pgplatform_verify.
func TestPolicyAllowsEveryCallAndNothingMore(t *testing.T) {
	path, err := iampolicy.ToolPolicy("verify")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := iampolicy.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	calls := &iampolicy.Calls{}
	var users []string
	for _, scenario := range []string{"compliant", "drifted-multi-az", "drifted-console", "half-created", "deleted", "cluster-proxy", "dr"} {
		root := repo(t, scenario)
		api := recorded.New(filepath.Join(fixtures, scenario))
		d := deps{
			stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, root: root,
			aws: func(_ context.Context, region string) (clients, error) {
				// The dr scenario's recovery region answers from the same
				// recordings (its replicated automated backups).
				if region != "eu-west-1" && (scenario != "dr" || region != "eu-central-1") {
					return clients{}, errors.New("wrong region " + region)
				}
				return clients{rds: iampolicy.RDS{API: api, Calls: calls}, ec2: iampolicy.EC2{API: api, Calls: calls}}, nil
			},
			db: tokenPinger{calls: calls, users: &users, p: verify.PGPinger{
				Credentials: func(context.Context, string) (aws.CredentialsProvider, error) {
					return credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "not-a-secret", ""), nil
				},
				CABundle: filepath.Join(root, "ca.pem"),
			}},
			now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
		}
		run(context.Background(), args(root, scenario), d)
	}
	used := calls.Actions()
	// The recordings must reach every call verify's interfaces allow, or
	// a call could hide from this test.
	for _, a := range append(iampolicy.InterfaceActions("rds", reflect.TypeFor[verify.RDS]()), iampolicy.InterfaceActions("ec2", reflect.TypeFor[verify.EC2]())...) {
		if !slices.Contains(used, a) {
			t.Errorf("no recorded situation calls %s: add one", a)
		}
	}
	if !slices.Contains(used, "rds-db:connect") {
		t.Errorf("the connection check signed no IAM token: recorded %v", used)
	}
	for _, err := range iampolicy.Check(doc, used, nil) {
		t.Errorf("%s: %v", path, err)
	}
	// Tokens are signed only for pgplatform_verify, on the databases
	// themselves: through a proxy verify signs none (it would be the
	// master user's session there, see PGPinger.handshake).
	if len(users) == 0 {
		t.Error("no IAM token was signed")
	}
	for _, u := range users {
		if u != verify.LoginRole {
			t.Errorf("token for database user %q, want only %s", u, verify.LoginRole)
		}
	}
	for _, s := range doc.Allowed("rds-db:connect") {
		for _, r := range s.Resources {
			if !strings.HasSuffix(r, ":dbuser:<resourceId>/"+verify.LoginRole) {
				t.Errorf("%s: rds-db:connect on %s, want only dbuser:<resourceId>/%s", path, r, verify.LoginRole)
			}
		}
	}
}
