package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The programs below register the same resource types, names and shapes as
// the platform's network and database programs, as raw resources, so the
// recordings need no AWS SDK and no AWS account.

type component struct{ pulumi.ResourceState }

type res struct {
	pulumi.CustomResourceState
	Arn pulumi.StringOutput `pulumi:"arn"`
}

func register(ctx *pulumi.Context, typ, name string, props pulumi.Map, opts ...pulumi.ResourceOption) (*res, error) {
	var r res
	if err := ctx.RegisterResource(typ, name, props, &r, opts...); err != nil {
		return nil, fmt.Errorf("register %s %s: %w", typ, name, err)
	}
	return &r, nil
}

type networkVersion struct {
	env        string
	costCenter string
	retention  int
	routeTable bool
}

func networkProgram(v networkVersion) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		var comp component
		if err := ctx.RegisterComponentResource("pgplatform:network:Network", "network", &comp); err != nil {
			return err
		}
		parent := pulumi.Parent(&comp)
		tags := func(name string) pulumi.StringMap {
			return pulumi.StringMap{
				"Name":        pulumi.String(name),
				"Environment": pulumi.String(v.env),
				"ManagedBy":   pulumi.String("pulumi"),
				"CostCenter":  pulumi.String(v.costCenter),
			}
		}
		vpc, err := register(ctx, "aws:ec2/vpc:Vpc", "network-vpc", pulumi.Map{
			"cidrBlock":          pulumi.String("10.20.0.0/16"),
			"enableDnsHostnames": pulumi.Bool(true),
			"enableDnsSupport":   pulumi.Bool(true),
			"tags":               tags("pgp-" + v.env),
		}, parent)
		if err != nil {
			return err
		}
		var dbSubnets pulumi.StringArray
		for i, az := range []string{"a", "b", "c"} {
			db, err := register(ctx, "aws:ec2/subnet:Subnet", "network-db-"+az, pulumi.Map{
				"vpcId":               vpc.ID(),
				"cidrBlock":           pulumi.String(fmt.Sprintf("10.20.%d.0/24", i)),
				"availabilityZone":    pulumi.String("eu-west-1" + az),
				"mapPublicIpOnLaunch": pulumi.Bool(false),
				"tags":                tags(fmt.Sprintf("pgp-%s-db-%s", v.env, az)),
			}, parent)
			if err != nil {
				return err
			}
			dbSubnets = append(dbSubnets, db.ID().ToStringOutput())
			if _, err := register(ctx, "aws:ec2/subnet:Subnet", "network-app-"+az, pulumi.Map{
				"vpcId":               vpc.ID(),
				"cidrBlock":           pulumi.String(fmt.Sprintf("10.20.%d.0/20", 16*(i+1))),
				"availabilityZone":    pulumi.String("eu-west-1" + az),
				"mapPublicIpOnLaunch": pulumi.Bool(false),
				"tags":                tags(fmt.Sprintf("pgp-%s-app-%s", v.env, az)),
			}, parent); err != nil {
				return err
			}
		}
		if _, err := register(ctx, "aws:cloudwatch/logGroup:LogGroup", "network-flow-logs", pulumi.Map{
			"name":            pulumi.String("/pgp/" + v.env + "/vpc-flow-logs"),
			"retentionInDays": pulumi.Int(v.retention),
			"tags":            tags("pgp-" + v.env + "-flow-logs"),
		}, parent); err != nil {
			return err
		}
		if v.routeTable {
			if _, err := register(ctx, "aws:ec2/routeTable:RouteTable", "network-db-rt", pulumi.Map{
				"vpcId": vpc.ID(),
				"tags":  tags("pgp-" + v.env + "-db"),
			}, parent); err != nil {
				return err
			}
		}
		ctx.Export("vpcId", vpc.ID())
		ctx.Export("databaseSubnetIds", dbSubnets)
		return nil
	}
}

type databaseVersion struct {
	app, env      string
	dbName        string
	logMinMs      string
	instanceClass string
	// logsKey gives the PostgreSQL log group a KMS key of its own.
	logsKey bool
	protect bool
}

func databaseProgram(v databaseVersion) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		base := v.app + "-" + v.env
		var comp component
		if err := ctx.RegisterComponentResource("pgplatform:database:MultiAZPostgres", base, &comp); err != nil {
			return err
		}
		parent := pulumi.Parent(&comp)
		tags := pulumi.StringMap{
			"Name":        pulumi.String("pgp-" + base),
			"App":         pulumi.String(v.app),
			"Environment": pulumi.String(v.env),
			"ManagedBy":   pulumi.String("pulumi"),
		}
		key, err := register(ctx, "aws:kms/key:Key", base+"-key", pulumi.Map{
			"description":           pulumi.String("PostgreSQL storage, snapshots and master secret of " + base),
			"enableKeyRotation":     pulumi.Bool(true),
			"deletionWindowInDays":  pulumi.Int(30),
			"keyUsage":              pulumi.String("ENCRYPT_DECRYPT"),
			"customerMasterKeySpec": pulumi.String("SYMMETRIC_DEFAULT"),
			"tags":                  tags,
		}, parent)
		if err != nil {
			return err
		}
		if _, err := register(ctx, "aws:kms/alias:Alias", base+"-key-alias", pulumi.Map{
			"name":        pulumi.String("alias/pgp/" + base),
			"targetKeyId": key.ID(),
		}, parent); err != nil {
			return err
		}
		logKeyArn := key.Arn
		if v.logsKey {
			lk, err := register(ctx, "aws:kms/key:Key", base+"-logs-key", pulumi.Map{
				"description":           pulumi.String("CloudWatch Logs of " + base),
				"enableKeyRotation":     pulumi.Bool(true),
				"deletionWindowInDays":  pulumi.Int(30),
				"keyUsage":              pulumi.String("ENCRYPT_DECRYPT"),
				"customerMasterKeySpec": pulumi.String("SYMMETRIC_DEFAULT"),
				"tags":                  tags,
			}, parent)
			if err != nil {
				return err
			}
			logKeyArn = lk.Arn
		}
		sg, err := register(ctx, "aws:ec2/securityGroup:SecurityGroup", base+"-sg", pulumi.Map{
			"name":        pulumi.String("pgp-" + base + "-db"),
			"description": pulumi.String("PostgreSQL of " + base),
			"vpcId":       pulumi.String("vpc-0c9a3f2e7b1d45a60"),
			"ingress": pulumi.Array{pulumi.Map{
				"protocol":   pulumi.String("tcp"),
				"fromPort":   pulumi.Int(5432),
				"toPort":     pulumi.Int(5432),
				"cidrBlocks": pulumi.ToStringArray([]string{"10.20.16.0/20", "10.20.32.0/20", "10.20.48.0/20"}),
			}},
			"tags": tags,
		}, parent)
		if err != nil {
			return err
		}
		subnets, err := register(ctx, "aws:rds/subnetGroup:SubnetGroup", base+"-subnets", pulumi.Map{
			"name":      pulumi.String("pgp-" + base),
			"subnetIds": pulumi.ToStringArray([]string{"subnet-0a4f1c2e9b7d35c81", "subnet-0b8e2d3f1a6c47d92", "subnet-0c1d3e4f2b7a58e03"}),
			"tags":      tags,
		}, parent)
		if err != nil {
			return err
		}
		params, err := register(ctx, "aws:rds/parameterGroup:ParameterGroup", base+"-params", pulumi.Map{
			"name":   pulumi.String("pgp-" + base + "-pg16"),
			"family": pulumi.String("postgres16"),
			"parameters": pulumi.Array{
				pulumi.Map{"name": pulumi.String("log_min_duration_statement"), "value": pulumi.String(v.logMinMs), "applyMethod": pulumi.String("immediate")},
				pulumi.Map{"name": pulumi.String("rds.force_ssl"), "value": pulumi.String("1"), "applyMethod": pulumi.String("pending-reboot")},
			},
			"tags": tags,
		}, parent)
		if err != nil {
			return err
		}
		// Like the platform's naming, the identifier carries a digest of the
		// inputs that force a replacement.
		h := sha256.Sum256([]byte(v.dbName + "\x00" + "orders_admin"))
		identifier := base + "-" + hex.EncodeToString(h[:])[:8]
		logGroup, err := register(ctx, "aws:cloudwatch/logGroup:LogGroup", base+"-log-postgresql", pulumi.Map{
			"name":            pulumi.String("/aws/rds/instance/" + identifier + "/postgresql"),
			"retentionInDays": pulumi.Int(30),
			"kmsKeyId":        logKeyArn,
			"tags":            tags,
		}, parent)
		if err != nil {
			return err
		}
		inst, err := register(ctx, "aws:rds/instance:Instance", base+"-db", pulumi.Map{
			"identifier":                         pulumi.String(identifier),
			"engine":                             pulumi.String("postgres"),
			"engineVersion":                      pulumi.String("16"),
			"instanceClass":                      pulumi.String(v.instanceClass),
			"allocatedStorage":                   pulumi.Int(20),
			"maxAllocatedStorage":                pulumi.Int(100),
			"storageType":                        pulumi.String("gp3"),
			"storageEncrypted":                   pulumi.Bool(true),
			"kmsKeyId":                           key.Arn,
			"dbName":                             pulumi.String(v.dbName),
			"username":                           pulumi.String(v.app + "_admin"),
			"manageMasterUserPassword":           pulumi.Bool(true),
			"masterUserSecretKmsKeyId":           key.Arn,
			"multiAz":                            pulumi.Bool(true),
			"dbSubnetGroupName":                  subnets.ID(),
			"vpcSecurityGroupIds":                pulumi.StringArray{sg.ID().ToStringOutput()},
			"parameterGroupName":                 params.ID(),
			"backupRetentionPeriod":              pulumi.Int(7),
			"backupWindow":                       pulumi.String("02:00-03:00"),
			"maintenanceWindow":                  pulumi.String("sun:04:00-sun:05:00"),
			"copyTagsToSnapshot":                 pulumi.Bool(true),
			"deletionProtection":                 pulumi.Bool(v.env == "prod"),
			"skipFinalSnapshot":                  pulumi.Bool(false),
			"finalSnapshotIdentifier":            pulumi.String(identifier + "-final-20250301-101500"),
			"performanceInsightsEnabled":         pulumi.Bool(true),
			"performanceInsightsRetentionPeriod": pulumi.Int(7),
			"enabledCloudwatchLogsExports":       pulumi.ToStringArray([]string{"postgresql", "upgrade"}),
			"autoMinorVersionUpgrade":            pulumi.Bool(true),
			"applyImmediately":                   pulumi.Bool(false),
			"tags":                               tags,
		}, parent, pulumi.DependsOn([]pulumi.Resource{logGroup}), pulumi.Protect(v.protect),
			pulumi.IgnoreChanges([]string{"finalSnapshotIdentifier", "allocatedStorage"}))
		if err != nil {
			return err
		}
		ctx.Export("instanceIdentifier", inst.ID())
		ctx.Export("kmsKeyArn", key.Arn)
		return nil
	}
}
