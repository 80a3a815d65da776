package pulumimocks_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/pgplatform/platform/shared/stacks"
	"github.com/pgplatform/platform/shared/testsupport/pulumimocks"
)

type anyResource struct {
	pulumi.CustomResourceState
	Name pulumi.StringOutput `pulumi:"name"`
	Arn  pulumi.StringOutput `pulumi:"arn"`
}

type instance struct {
	pulumi.CustomResourceState
	Address    pulumi.StringOutput `pulumi:"address"`
	Endpoint   pulumi.StringOutput `pulumi:"endpoint"`
	ResourceID pulumi.StringOutput `pulumi:"resourceId"`
	Secrets    pulumi.ArrayOutput  `pulumi:"masterUserSecrets"`
}

type zones struct {
	Names []string `pulumi:"names"`
}

func TestRunRecordsResourcesAndAnswersInvokes(t *testing.T) {
	m := pulumimocks.New()
	m.StackOutputs["acme/network/dev"] = map[string]any{"vpcId": "vpc-1"}
	var (
		bucket anyResource
		db     instance
		vpcID  pulumi.AnyOutput
		zs     zones
	)
	err := pulumimocks.Run(m, "database", "orders-dev", map[string]string{"database:app": "orders"}, func(ctx *pulumi.Context) error {
		if app, _ := ctx.GetConfig("database:app"); app != "orders" {
			t.Errorf("config database:app = %q", app)
		}
		if err := ctx.RegisterResource("aws:s3/bucket:Bucket", "logs", pulumi.Map{
			"tags": pulumi.StringMap{"Team": pulumi.String("db")},
		}, &bucket, pulumi.Protect(true), pulumi.IgnoreChanges([]string{"tags"})); err != nil {
			return err
		}
		if err := ctx.RegisterResource("aws:rds/instance:Instance", "db", pulumi.Map{
			"identifier": pulumi.String("orders-dev-0a1b2c3d"),
			"port":       pulumi.Int(6432),
		}, &db, pulumi.DependsOn([]pulumi.Resource{&bucket})); err != nil {
			return err
		}
		ref, err := pulumi.NewStackReference(ctx, "acme/network/dev", nil)
		if err != nil {
			return err
		}
		vpcID = ref.GetOutput(pulumi.String("vpcId"))
		return ctx.Invoke("aws:index/getAvailabilityZones:getAvailabilityZones", map[string]any{}, &zs)
	})
	if err != nil {
		t.Fatal(err)
	}

	if !slices.Equal(zs.Names, []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}) {
		t.Errorf("zones = %v", zs.Names)
	}
	for name, c := range map[string]struct {
		out  pulumi.Output
		want any
	}{
		"bucket name":  {bucket.Name, pulumimocks.AutoName("logs")},
		"bucket arn":   {bucket.Arn, "arn:aws:s3:eu-west-1:123456789012:logs-id"},
		"address":      {db.Address, "orders-dev-0a1b2c3d.abcdefghijkl.eu-west-1.rds.amazonaws.com"},
		"endpoint":     {db.Endpoint, "orders-dev-0a1b2c3d.abcdefghijkl.eu-west-1.rds.amazonaws.com:6432"},
		"resource id":  {db.ResourceID, "db-ORDERSDEV0A1B2C3D"},
		"stack output": {vpcID, "vpc-1"},
	} {
		got, err := pulumimocks.Await(c.out)
		if err != nil || got != c.want {
			t.Errorf("%s = %#v (%v), want %#v", name, got, err, c.want)
		}
	}
	secrets, err := pulumimocks.Await(db.Secrets)
	if err != nil || !strings.Contains(strings.ToLower(stringOf(secrets)), "rds!db-orders-dev-0a1b2c3d") {
		t.Errorf("masterUserSecrets = %#v (%v)", secrets, err)
	}

	b, ok := m.Named("aws:s3/bucket:Bucket", "logs")
	if !ok {
		t.Fatalf("bucket not recorded; recorded %d resources", len(m.Resources()))
	}
	if !b.Protect || !slices.Equal(b.IgnoreChanges, []string{"tags"}) || b.Tags()["Team"] != "db" || !b.Custom {
		t.Errorf("bucket recorded as %+v", b)
	}
	if b.Input("bucket") != nil || b.String("bucket") != "" {
		t.Error("an unset input reads as set")
	}
	d, ok := m.Named("aws:rds/instance:Instance", "db")
	if !ok || d.String("identifier") != "orders-dev-0a1b2c3d" || d.Input("port") != float64(6432) || d.ID != "orders-dev-0a1b2c3d" {
		t.Errorf("instance recorded as %+v", d)
	}
	// Resource.URN is "<type>::<name>"; Dependencies hold the engine's full
	// URNs, which end with it.
	if !slices.ContainsFunc(d.Dependencies, func(u string) bool { return strings.HasSuffix(u, "::"+b.URN) }) {
		t.Errorf("instance dependencies %v do not include the bucket %s", d.Dependencies, b.URN)
	}
	if n := len(m.OfType("pulumi:pulumi:StackReference")); n != 1 {
		t.Errorf("%d stack references recorded", n)
	}
	if _, ok := m.Named("aws:s3/bucket:Bucket", "nope"); ok {
		t.Error("Named found a resource that was never registered")
	}
}

func stringOf(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				walk(e)
			}
		case map[string]any:
			for _, e := range t {
				walk(e)
			}
		case string:
			b.WriteString(t + " ")
		}
	}
	walk(v)
	return b.String()
}

func TestUnknownInvokeAndStackFail(t *testing.T) {
	m := pulumimocks.New()
	err := pulumimocks.Run(m, "network", "dev", nil, func(ctx *pulumi.Context) error {
		var out map[string]any
		return ctx.Invoke("aws:ec2/getVpc:getVpc", map[string]any{}, &out)
	})
	if err == nil || !strings.Contains(err.Error(), "no answer for invoke aws:ec2/getVpc:getVpc") {
		t.Errorf("unknown invoke: %v", err)
	}

	m = pulumimocks.New()
	m.StackOutputs["acme/network/prod"] = map[string]any{}
	s := stacks.Stack{Project: "database", Name: "orders-dev", Config: map[string]string{}}
	err = pulumimocks.RunStack(m, s, func(ctx *pulumi.Context) error {
		_, err := pulumi.NewStackReference(ctx, "acme/network/dev", nil)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "stack database/orders-dev") || !strings.Contains(err.Error(), `no stack "acme/network/dev" (known: acme/network/prod)`) {
		t.Errorf("unknown stack reference: %v", err)
	}
}

func TestExports(t *testing.T) {
	e := pulumimocks.Exports{}
	e.Export("vpcId", pulumi.String("vpc-1"))
	if got, err := pulumimocks.Await(e["vpcId"].(pulumi.String).ToStringOutput()); err != nil || got != "vpc-1" {
		t.Errorf("recorded export = %#v (%v)", got, err)
	}
}
