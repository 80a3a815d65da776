package fakeaws

import (
	"fmt"
	"hash/crc32"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// resourceType is what the double knows of one AWS resource type.
type resourceType struct {
	// Name is the input holding the physical name that the real provider
	// fills in (autonaming) when the program leaves it out. Empty for types
	// AWS names itself (IDs like vpc-...).
	Name string
	// NamePrefix is the input asking AWS to make a unique name from a
	// prefix instead.
	NamePrefix string
	// AutoNameMaxLen is the longest auto-name pulumi-aws makes (the maxlen
	// of its AutoName option for the type), AutoPrefix what its
	// PostTransform puts first (KMS aliases: "alias/"), and
	// AutoNameNoSeparator drops the "-" between the resource name and the
	// random part (aws_db_instance's identifier default). See autoName in
	// provider.go for the sources.
	AutoNameMaxLen      int
	AutoPrefix          string
	AutoNameNoSeparator bool
	// NameNotAutoNamed marks a name whose pulumi-aws default is a plain
	// DefaultInfo.From rather than AutoName (aws_db_instance's identifier):
	// the bridge does not count it when it decides on delete-before-replace.
	NameNotAutoNamed bool
	// NameMaxLen is the longest name the provider's validation (or AWS)
	// accepts; longer names fail Check.
	NameMaxLen int
	// NameValid, if set, is the provider schema's ValidateFunc for the
	// name: it returns the provider's message for a name it refuses, or "".
	NameValid func(key, name string) string
	// Unique is where AWS refuses a second resource of the same name:
	// "region", "account", "vpc" (the vpcId input) or "" (no check).
	Unique string
	// DeleteBeforeReplace is pulumi-aws's ResourceInfo.DeleteBeforeReplace:
	// every replacement of the type deletes the old resource first.
	DeleteBeforeReplace bool
	// Replace lists the inputs whose change forces a replacement: the
	// provider schema's ForceNew attributes (see the table's comment).
	Replace []string
	// InPlace lists the inputs the provider updates in place (attributes
	// without ForceNew). Every input a program sets is in one of the two
	// lists; TestEveryPropertyTheProgramsSetIsClassified holds that.
	InPlace []string
	// Defer, if set, reports whether AWS holds a change of key for the
	// maintenance window unless applyImmediately is on (modify.go).
	Defer func(key string, running, next resource.PropertyMap) bool
	// Suppress, if set, is the provider schema's DiffSuppressFunc: a
	// change it suppresses is no diff and is not sent to AWS.
	Suppress func(key string, old, new resource.PropertyValue, news resource.PropertyMap) bool
	// Defaults are inputs the real provider fills in when they are absent.
	Defaults map[string]any
	// Tagged types get tagsAll (default tags merged with tags).
	Tagged bool
	// ID computes the ID AWS assigns.
	ID func(c *comp) string
	// Outputs computes the outputs beyond the inputs (into c.out).
	Outputs func(c *comp)
	// CheckDelete, if set, refuses a delete the way AWS would, given the
	// resource's outputs and the records (which it may add to); a note it
	// returns goes to the call log.
	CheckDelete func(outputs map[string]any, r *records) (note string, err error)
	// InUseBy, if set, says which other live resource AWS counts as still
	// using this one (user names the resource's ID id in its inputs), so
	// that it refuses the delete with the error InUseError. Only types whose
	// delete API documents such a refusal have it; every other delete goes
	// through whatever still names it (records.usedBy, Provider.Delete).
	InUseBy    func(user Record, id string) bool
	InUseError string
	// NoDefaultName marks a name input that neither pulumi-aws nor the
	// program fills in at Check (no AutoName: pulumi-aws autonames only an
	// input called "name"); CreateNamePrefix, if set, is what the provider's
	// create then generates it from when neither the name nor its prefix is
	// given (<prefix><26 characters>). See cluster.go.
	NoDefaultName    bool
	CreateNamePrefix string
	// Validate, if set, is the provider schema's other ValidateFuncs
	// (enums, ranges, ConflictsWith, ExactlyOneOf) that the bridge runs in
	// Check: each failure names the input, the value and what is allowed.
	Validate func(in resource.PropertyMap) []failure
	// CheckCreate, if set, refuses a create the way AWS does (the records
	// hold the other resources); CheckUpdate refuses a modification.
	CheckCreate func(c *comp, r *records) error
	CheckUpdate func(running, next resource.PropertyMap, r *records) error
}

// managedByPulumi is the description pulumi-aws fills in for the types
// that declare it: provider/resources.go (pulumi/pulumi-aws, v6 series,
// commit 00ba5ea5) has `var managedByPulumi = &tfbridge.DefaultInfo{Value:
// "Managed by Pulumi"}` and sets it as the Default of "description" for
// aws_db_subnet_group, aws_db_parameter_group and aws_security_group, which
// replaces the Terraform schema's own Default ("Managed by Terraform",
// resourceSubnetGroup at 4f930f62).
const managedByPulumi = "Managed by Pulumi"

// Auto-name lengths and name checks, each from its source:
//   - pulumi-aws (provider/resources.go at 00ba5ea5) names every resource
//     with an input "name" through setAutonaming (provider/autonaming.go):
//     tfbridge.AutoName(name, 255, "-"), unless the type's Fields say
//     otherwise: aws_iam_role AutoName("name", 64, "-"),
//     aws_cloudwatch_metric_alarm AutoName("name", 255, "-"), aws_sns_topic
//     AutoNameWithCustomOptions Maxlen 80, aws_kms_alias
//     AutoNameWithCustomOptions Maxlen 238 with a PostTransform that puts
//     "alias/" first, and aws_db_instance's identifier
//     DefaultInfo.From: resource.NewUniqueHex(<resource name>, 7, 255) (no
//     separator, not AutoNamed).
//   - The RDS names' ValidateFuncs (Terraform provider 4f930f62,
//     internal/service/rds): validIdentifier (`^[0-9a-z-]+$`, a letter
//     first, no "--", no trailing "-"; no length check),
//     validSubnetGroupName (`^[0-9a-z_ .-]+$`, at most 255, not "default"),
//     validParamGroupName (`^[0-9a-z.-]+$`, a letter first, no "--", no
//     trailing "-", at most 255), validEventSubscriptionName
//     (`^[A-Za-z][0-9A-Za-z-]*$`, no trailing "-", no "--", at most 255).
//     None of them lower-cases a name: an upper-case one fails Check.
//   - validLogGroupName (logs, 4f930f62): at most 512 characters;
//     resourceMetricAlarm's alarm_name: validation.StringLenBetween(1, 255).
//   - The other NameMaxLen values (IAM role 64: resourceRole validates with
//     validResourceName(roleNameMaxLen), whose value was not read; role
//     policy 128, KMS alias 256, security group 255, SNS topic 256, DB
//     instance identifier 63) are AWS's limits as the double had them; no
//     source was read for them (e2e/README.md, open questions).
var (
	validIdentifier = nameRules("only lowercase alphanumeric characters and hyphens allowed in %q",
		`^[0-9a-z-]+$`, true, 0)
	validParamGroupName = nameRules("only lowercase alphanumeric characters, periods, and hyphens allowed in parameter group %q",
		`^[0-9a-z.-]+$`, true, 255)
	validEventSubscriptionName = nameRules("only ASCII letters, digits, and hyphens allowed in %q, and it must begin with a letter",
		`^[A-Za-z][0-9A-Za-z-]*$`, true, 255)
)

// validSubnetGroupName is the provider's validSubnetGroupName.
func validSubnetGroupName(key, name string) string {
	switch {
	case !regexp.MustCompile(`^[0-9a-z_ .-]+$`).MatchString(name):
		return fmt.Sprintf("only lowercase alphanumeric characters, hyphens, underscores, periods, and spaces allowed in %q", key)
	case len(name) > 255:
		return fmt.Sprintf("%q cannot be longer than 255 characters", key)
	case strings.EqualFold(name, "default"):
		return fmt.Sprintf("%q is not allowed as %q", "Default", key)
	}
	return ""
}

// nameRules builds a provider name ValidateFunc of the common shape: a
// character class (message charset), and, when hyphenRules, a letter first,
// no "--" and no trailing "-", and at most maxLen characters when maxLen > 0.
func nameRules(charset, pattern string, hyphenRules bool, maxLen int) func(key, name string) string {
	re := regexp.MustCompile(pattern)
	return func(key, name string) string {
		switch {
		case !re.MatchString(name):
			return fmt.Sprintf(charset, key)
		case hyphenRules && !regexp.MustCompile(`^[A-Za-z]`).MatchString(name):
			return fmt.Sprintf("first character of %q must be a letter", key)
		case hyphenRules && strings.Contains(name, "--"):
			return fmt.Sprintf("%q cannot contain two consecutive hyphens", key)
		case hyphenRules && strings.HasSuffix(name, "-"):
			return fmt.Sprintf("%q cannot end with a hyphen", key)
		case maxLen > 0 && len(name) > maxLen:
			return fmt.Sprintf("%q cannot be longer than %d characters", key, maxLen)
		}
		return ""
	}
}

// types is the double's one table of the AWS resource types the programs
// use. A type that is not here fails loudly in every call, naming the token:
// adding one is one entry.
//
// Replace and InPlace follow the Terraform AWS provider's resource schemas,
// which pulumi-aws bridges: an attribute with ForceNew (SDKv2) or a
// RequiresReplace plan modifier (plugin framework: the vpc security group
// rules) is Replace, every other configurable attribute is InPlace, under
// its Pulumi name (alarm_name is name, parameter is parameters, route is
// routes, inline_policy is inlinePolicies). pulumi-aws v6.83 bridges
// provider 5.x; the schemas read are those of v6.0.0 (the index at
// github.com/lonegunmanb/terraform-provider-aws-index, commit 4f930f62,
// index/internal/service/<svc>/func.resource<Type>.goindex), the oldest
// release the index holds: it has no 5.x. For the properties the programs
// set, v6.0.0 and 5.x agree as far as their changelogs tell (6.0 removed
// aws_eip's deprecated vpc and aws_flow_log's log_group_name, which the
// programs do not set). Notably aws_db_instance's identifier,
// identifier_prefix and db_subnet_group_name have no ForceNew (a rename
// is ModifyDBInstance NewDBInstanceIdentifier, a subnet group change a
// move), nor has aws_db_event_subscription's sns_topic.
// securityGroupRule is aws_vpc_security_group_ingress_rule and
// aws_vpc_security_group_egress_rule alike: the provider builds both on one
// securityGroupRuleResource, with one schema and one ARN
// (internal/service/ec2/vpc_security_group_ingress_rule.go).
var securityGroupRule = resourceType{
	Replace: []string{"securityGroupId"},
	InPlace: []string{
		"cidrIpv4", "cidrIpv6", "description", "fromPort", "ipProtocol", "prefixListId",
		"referencedSecurityGroupId", "toPort", "tags",
	},
	Tagged: true,
	ID:     func(c *comp) string { return c.hexID("sgr-", 17) },
	Outputs: func(c *comp) {
		c.set("arn", func() any { return c.arn("ec2", "security-group-rule/"+c.ID()) })
		c.set("securityGroupRuleId", func() any { return c.ID() })
	},
}

var types = map[string]resourceType{
	// ---- network ----
	// DeleteVpc
	// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteVpc.html):
	// "You must detach or delete all gateways and resources that are
	// associated with the VPC before you can delete it ... When you delete
	// the VPC, it deletes the default security group, network ACL, and route
	// table for the VPC. If you created a flow log for the VPC ..., flow logs
	// for deleted VPCs are eventually automatically removed." resourceVPCDelete
	// (ec2, 4f930f62) retries on DependencyViolation until the delete
	// timeout, then fails.
	"aws:ec2/vpc:Vpc": {
		InUseBy: func(user Record, id string) bool {
			return user.Type != "aws:ec2/flowLog:FlowLog" &&
				user.Type != "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup" && mentions(user.Inputs, id)
		},
		InUseError: "DependencyViolation",
		Replace:    []string{"cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"},
		InPlace: []string{
			"assignGeneratedIpv6CidrBlock", "enableDnsHostnames", "enableDnsSupport",
			"enableNetworkAddressUsageMetrics", "instanceTenancy", "ipv6CidrBlock", "ipv6CidrBlockNetworkBorderGroup",
			"ipv6IpamPoolId", "ipv6NetmaskLength", "tags",
		},
		Tagged: true,
		ID:     func(c *comp) string { return c.hexID("vpc-", 17) },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("ec2", "vpc/"+c.ID()) })
			c.set("ownerId", func() any { return Account })
			c.set("defaultSecurityGroupId", func() any { return defaultSecurityGroupID(c.ID()) })
			c.set("defaultRouteTableId", func() any { return c.hexID("rtb-", 17) })
			c.set("mainRouteTableId", func() any { return c.hexID("rtb-", 17) })
			c.set("defaultNetworkAclId", func() any { return c.hexID("acl-", 17) })
			c.set("dhcpOptionsId", func() any { return c.hexID("dopt-", 17) })
			c.fill("instanceTenancy", func() any { return "default" })
			c.fill("enableDnsSupport", func() any { return true })
			c.fill("enableDnsHostnames", func() any { return false })
		},
	},
	// DeleteSubnet
	// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSubnet.html):
	// "You must terminate all running instances in the subnet before you can
	// delete the subnet." resourceSubnetDelete (ec2, 4f930f62) deletes
	// lingering ENIs, then retries on DependencyViolation until the delete
	// timeout and fails. Which resources count is wider here than the
	// reference says: anything that names the subnet (a DB subnet group, a
	// NAT gateway, a route table association) holds it (e2e/README.md, open
	// questions).
	"aws:ec2/subnet:Subnet": {
		InUseBy:    func(user Record, id string) bool { return mentions(user.Inputs, id) },
		InUseError: "DependencyViolation",
		Replace: []string{
			"availabilityZone", "availabilityZoneId", "cidrBlock", "ipv6Native", "outpostArn", "vpcId",
		},
		InPlace: []string{
			"assignIpv6AddressOnCreation", "customerOwnedIpv4Pool", "enableDns64", "enableLniAtDeviceIndex",
			"enableResourceNameDnsAaaaRecordOnLaunch", "enableResourceNameDnsARecordOnLaunch", "ipv6CidrBlock",
			"mapCustomerOwnedIpOnLaunch", "mapPublicIpOnLaunch", "privateDnsHostnameTypeOnLaunch", "tags",
		},
		Tagged: true,
		ID:     func(c *comp) string { return c.hexID("subnet-", 17) },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("ec2", "subnet/"+c.ID()) })
			c.set("ownerId", func() any { return Account })
			c.fill("availabilityZone", func() any {
				names, _ := zones(c.region)
				return names[0]
			})
			c.fill("availabilityZoneId", func() any { return zoneID(c.str("availabilityZone")) })
			c.fill("mapPublicIpOnLaunch", func() any { return false })
		},
	},
	"aws:ec2/routeTable:RouteTable": {
		Replace: []string{"vpcId"},
		InPlace: []string{"propagatingVgws", "routes", "tags"},
		Tagged:  true,
		ID:      func(c *comp) string { return c.hexID("rtb-", 17) },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("ec2", "route-table/"+c.ID()) })
			c.set("ownerId", func() any { return Account })
		},
	},
	"aws:ec2/routeTableAssociation:RouteTableAssociation": {
		Replace: []string{"gatewayId", "subnetId"},
		InPlace: []string{"routeTableId"},
		ID:      func(c *comp) string { return c.hexID("rtbassoc-", 17) },
		Outputs: func(c *comp) {},
	},
	"aws:ec2/route:Route": {
		Replace: []string{
			"routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId",
		},
		InPlace: []string{
			"carrierGatewayId", "coreNetworkArn", "egressOnlyGatewayId", "gatewayId", "localGatewayId",
			"natGatewayId", "networkInterfaceId", "transitGatewayId", "vpcEndpointId", "vpcPeeringConnectionId",
		},
		ID: func(c *comp) string {
			dest := c.str("destinationCidrBlock") + c.str("destinationIpv6CidrBlock") + c.str("destinationPrefixListId")
			return "r-" + c.str("routeTableId") + fmt.Sprint(crc32.ChecksumIEEE([]byte(dest)))
		},
		Outputs: func(c *comp) {
			c.set("origin", func() any { return "CreateRoute" })
			c.set("state", func() any { return "active" })
		},
	},
	"aws:ec2/internetGateway:InternetGateway": {
		InPlace: []string{"vpcId", "tags"},
		Tagged:  true,
		ID:      func(c *comp) string { return c.hexID("igw-", 17) },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("ec2", "internet-gateway/"+c.ID()) })
			c.set("ownerId", func() any { return Account })
		},
	},
	"aws:ec2/natGateway:NatGateway": {
		Replace: []string{"allocationId", "connectivityType", "privateIp", "subnetId"},
		InPlace: []string{
			"secondaryAllocationIds", "secondaryPrivateIpAddressCount", "secondaryPrivateIpAddresses", "tags",
		},
		Tagged: true,
		ID:     func(c *comp) string { return c.hexID("nat-", 17) },
		Outputs: func(c *comp) {
			c.set("networkInterfaceId", func() any { return c.hexID("eni-", 17) })
			c.fill("connectivityType", func() any { return "public" })
			c.set("publicIp", func() any { return c.other("aws:ec2/eip:Eip", c.str("allocationId"), "publicIp") })
		},
	},
	"aws:ec2/eip:Eip": {
		Replace: []string{"address", "domain", "ipamPoolId", "networkBorderGroup", "publicIpv4Pool"},
		InPlace: []string{
			"associateWithPrivateIp", "customerOwnedIpv4Pool", "instance", "networkInterface", "tags",
		},
		Tagged: true,
		ID:     func(c *comp) string { return c.hexID("eipalloc-", 17) },
		Outputs: func(c *comp) {
			c.set("allocationId", func() any { return c.ID() })
			c.set("arn", func() any { return c.arn("ec2", "elastic-ip/"+c.ID()) })
			c.fill("domain", func() any { return "vpc" })
			// 203.0.113.0/24 is reserved for documentation: never routed.
			c.set("publicIp", func() any { return fmt.Sprintf("203.0.113.%d", 1+int(c.digest("ip")[0])%250) })
			c.set("publicDns", func() any {
				ip := fmt.Sprintf("203.0.113.%d", 1+int(c.digest("ip")[0])%250)
				return "ec2-" + strings.ReplaceAll(ip, ".", "-") + "." + c.region + ".compute.amazonaws.com"
			})
		},
	},
	"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": {
		// Adopts the VPC's default security group rather than creating one.
		Replace: []string{"vpcId"},
		InPlace: []string{"revokeRulesOnDelete", "tags"},
		Tagged:  true,
		ID:      func(c *comp) string { return defaultSecurityGroupID(c.str("vpcId")) },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("ec2", "security-group/"+c.ID()) })
			c.set("name", func() any { return "default" })
			c.set("description", func() any { return "default VPC security group" })
			c.set("ownerId", func() any { return Account })
		},
	},
	"aws:ec2/flowLog:FlowLog": {
		Replace: []string{
			"deliverCrossAccountRole", "destinationOptions", "eniId", "iamRoleArn", "logDestination",
			"logDestinationType", "logFormat", "maxAggregationInterval", "subnetId", "trafficType",
			"transitGatewayAttachmentId", "transitGatewayId", "vpcId",
		},
		InPlace: []string{"tags"},
		Tagged:  true,
		ID:      func(c *comp) string { return c.hexID("fl-", 17) },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("ec2", "vpc-flow-log/"+c.ID()) })
			c.fill("logDestinationType", func() any { return "cloud-watch-logs" })
			c.fill("maxAggregationInterval", func() any { return 600 })
		},
	},
	"aws:cloudwatch/logGroup:LogGroup": {
		Name: "name", NamePrefix: "namePrefix", AutoNameMaxLen: 255, NameMaxLen: 512, Unique: "region",
		Replace: []string{"logGroupClass", "name", "namePrefix"},
		InPlace: []string{"kmsKeyId", "retentionInDays", "skipDestroy", "tags"},
		Tagged:  true,
		ID:      func(c *comp) string { return c.str("name") },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("logs", "log-group:"+c.str("name")) })
			c.fill("logGroupClass", func() any { return "STANDARD" })
		},
	},
	"aws:iam/role:Role": {
		Name: "name", NamePrefix: "namePrefix", AutoNameMaxLen: 64, NameMaxLen: 64, Unique: "account",
		// deleteRole (iam, 4f930f62) detaches managed and deletes inline
		// policies only with force_detach_policies or the role's own
		// managed_policy_arns / inline_policy, then retries DeleteRole while
		// AWS answers DeleteConflictException and fails with it: a separate
		// attachment or role policy still on the role stops the delete.
		InUseBy: func(user Record, id string) bool {
			return (user.Type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment" ||
				user.Type == "aws:iam/rolePolicy:RolePolicy") && Unsecret(user.Inputs["role"]) == id
		},
		InUseError: "DeleteConflict",
		Replace:    []string{"name", "namePrefix", "path"},
		InPlace: []string{
			"assumeRolePolicy", "description", "forceDetachPolicies", "inlinePolicies", "managedPolicyArns",
			"maxSessionDuration", "permissionsBoundary", "tags",
		},
		Tagged: true,
		ID:     func(c *comp) string { return c.str("name") },
		Outputs: func(c *comp) {
			c.set("arn", func() any {
				path := c.str("path")
				if path == "" {
					path = "/"
				}
				return c.arn("iam", "role"+path+c.str("name"))
			})
			c.set("uniqueId", func() any { return c.upperID("AROA", 17) })
			c.set("createDate", func() any { return "2024-01-01T00:00:00Z" })
			c.fill("path", func() any { return "/" })
			c.fill("maxSessionDuration", func() any { return 3600 })
		},
	},
	"aws:iam/rolePolicy:RolePolicy": {
		Name: "name", NamePrefix: "namePrefix", AutoNameMaxLen: 255, NameMaxLen: 128,
		Replace: []string{"name", "namePrefix", "role"},
		InPlace: []string{"policy"},
		ID:      func(c *comp) string { return c.str("role") + ":" + c.str("name") },
		Outputs: func(c *comp) {},
	},
	// pulumi-aws (resources.go at 00ba5ea5) gives aws_iam_role_policy_attachment
	// DeleteBeforeReplace: true ("a create followed by a delete actually
	// deletes the same attachment we just created").
	"aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
		DeleteBeforeReplace: true,
		Replace:             []string{"policyArn", "role"},
		ID:                  func(c *comp) string { return c.str("role") + "-" + c.digest("attachment")[:26] },
		Outputs:             func(c *comp) {},
	},

	// ---- database ----
	"aws:kms/key:Key": {
		Replace: []string{"customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"},
		InPlace: []string{
			"bypassPolicyLockoutSafetyCheck", "deletionWindowInDays", "description", "enableKeyRotation", "isEnabled",
			"policy", "rotationPeriodInDays", "tags",
		},
		Tagged: true,
		ID:     func(c *comp) string { return c.uuid("key") },
		Outputs: func(c *comp) {
			c.set("keyId", func() any { return c.ID() })
			c.set("arn", func() any { return c.arn("kms", "key/"+c.ID()) })
			c.fill("keyUsage", func() any { return "ENCRYPT_DECRYPT" })
			c.fill("customerMasterKeySpec", func() any { return "SYMMETRIC_DEFAULT" })
			c.fill("isEnabled", func() any { return true })
			c.fill("multiRegion", func() any { return false })
		},
	},
	// aws_kms_key_policy: key_id has no ForceNew in the v6.0.0 schema, and
	// the ID is the key's ID (resourceKeyPolicyCreate: d.SetId(keyID)).
	"aws:kms/keyPolicy:KeyPolicy": {
		InPlace: []string{"bypassPolicyLockoutSafetyCheck", "keyId", "policy"},
		ID:      func(c *comp) string { return c.str("keyId") },
		Outputs: func(c *comp) {
			c.fill("bypassPolicyLockoutSafetyCheck", func() any { return false })
		},
	},
	"aws:kms/alias:Alias": {
		Name: "name", NamePrefix: "namePrefix", AutoPrefix: "alias/", AutoNameMaxLen: 238, NameMaxLen: 256, Unique: "region",
		Replace: []string{"name", "namePrefix"},
		InPlace: []string{"targetKeyId"},
		ID:      func(c *comp) string { return c.str("name") },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("kms", c.str("name")) })
			c.set("targetKeyArn", func() any {
				target := c.str("targetKeyId")
				if strings.HasPrefix(target, "arn:") {
					return target
				}
				return c.arn("kms", "key/"+target)
			})
		},
	},
	"aws:rds/subnetGroup:SubnetGroup": {
		Name: "name", NamePrefix: "namePrefix", AutoNameMaxLen: 255, NameMaxLen: 255, NameValid: validSubnetGroupName,
		Unique:  "region",
		Replace: []string{"name", "namePrefix"},
		InPlace: []string{"description", "subnetIds", "tags"},
		// DeleteDBSubnetGroup
		// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBSubnetGroup.html):
		// "The specified database subnet group must not be associated with
		// any DB instances"; else InvalidDBSubnetGroupStateFault, "The DB
		// subnet group cannot be deleted because it's in use".
		// resourceSubnetGroupDelete (rds, 4f930f62) does not retry it.
		InUseBy: func(user Record, id string) bool {
			return user.Type == "aws:rds/instance:Instance" && Unsecret(user.Inputs["dbSubnetGroupName"]) == id
		},
		InUseError: "InvalidDBSubnetGroupStateFault",
		Defaults:   map[string]any{"description": managedByPulumi},
		Tagged:     true,
		ID:         func(c *comp) string { return c.str("name") },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("rds", "subgrp:"+c.str("name")) })
			c.set("vpcId", func() any {
				ids := c.strings("subnetIds")
				if len(ids) == 0 {
					return ""
				}
				return c.other("aws:ec2/subnet:Subnet", ids[0], "vpcId")
			})
			c.set("supportedNetworkTypes", func() any { return []any{"IPV4"} })
		},
	},
	"aws:ec2/securityGroup:SecurityGroup": {
		Name: "name", NamePrefix: "namePrefix", AutoNameMaxLen: 255, NameMaxLen: 255, Unique: "vpc",
		// DeleteSecurityGroup
		// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html):
		// "If you attempt to delete a security group that is associated with
		// an instance or network interface, is referenced by another security
		// group in the same VPC, or has a VPC association, the operation
		// fails with DependencyViolation". resourceSecurityGroupDelete (ec2,
		// 4f930f62) retries on it until the delete timeout, then fails. A
		// rule resource of the group itself (securityGroupId) is not a
		// reference: only another group's rule naming it as
		// referencedSecurityGroupId is.
		InUseBy: func(user Record, id string) bool {
			switch user.Type {
			case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
				"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
				return Unsecret(user.Inputs["referencedSecurityGroupId"]) == id &&
					Unsecret(user.Inputs["securityGroupId"]) != id
			}
			return mentions(user.Inputs, id)
		},
		InUseError: "DependencyViolation",
		Replace:    []string{"description", "name", "namePrefix", "vpcId"},
		InPlace:    []string{"revokeRulesOnDelete", "tags"},
		Defaults:   map[string]any{"description": managedByPulumi, "revokeRulesOnDelete": false},
		Tagged:     true,
		ID:         func(c *comp) string { return c.hexID("sg-", 17) },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("ec2", "security-group/"+c.ID()) })
			c.set("ownerId", func() any { return Account })
		},
	},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": securityGroupRule,
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":   securityGroupRule,
	"aws:rds/parameterGroup:ParameterGroup": {
		Name: "name", NamePrefix: "namePrefix", AutoNameMaxLen: 255, NameMaxLen: 255, NameValid: validParamGroupName,
		Unique:   "region",
		Replace:  []string{"description", "family", "name", "namePrefix"},
		InPlace:  []string{"parameters", "skipDestroy", "tags"},
		Defaults: map[string]any{"description": managedByPulumi},
		Tagged:   true,
		ID:       func(c *comp) string { return c.str("name") },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("rds", "pg:"+c.str("name")) })
		},
		// DeleteDBParameterGroup
		// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBParameterGroup.html):
		// "The DB parameter group to be deleted can't be associated with any
		// DB instances"; else InvalidDBParameterGroupState, "The DB
		// parameter group is in use or is in an invalid state". The double
		// counts an instance that waits to take the group up in its
		// maintenance window as associated too. The real provider (resourceParameterGroupDelete)
		// retries on that error for 3 minutes, then fails with it; the double
		// fails at once.
		CheckDelete: func(out map[string]any, r *records) (string, error) {
			name := Unsecret(out["name"])
			for _, rec := range r.Resources {
				if rec.Type != "aws:rds/instance:Instance" {
					continue
				}
				how := ""
				switch {
				case Unsecret(rec.Inputs["parameterGroupName"]) == name:
					how = "uses it"
				case Unsecret(rec.Pending["parameterGroupName"]) == name:
					how = "takes it up in its next maintenance window"
				default:
					continue
				}
				return "", fmt.Errorf("fakeaws: RDS refuses to delete DB parameter group %v: InvalidDBParameterGroupState: "+
					"DB instance %v %s", name, Unsecret(rec.Outputs["identifier"]), how)
			}
			return "", nil
		},
	},
	"aws:rds/instance:Instance": {
		Name: "identifier", NamePrefix: "identifierPrefix", AutoNameMaxLen: 255, AutoNameNoSeparator: true,
		NameNotAutoNamed: true, NameMaxLen: 63, NameValid: validIdentifier, Unique: "region",
		Replace: []string{
			"availabilityZone", "backupTarget", "characterSetName", "customIamInstanceProfile", "dbName", "engine",
			"kmsKeyId", "ncharCharacterSetName", "restoreToPointInTime", "snapshotIdentifier", "storageEncrypted",
			"timezone", "username",
		},
		InPlace: []string{
			"allocatedStorage", "allowMajorVersionUpgrade", "applyImmediately", "autoMinorVersionUpgrade",
			"backupRetentionPeriod", "backupWindow", "blueGreenUpdate", "caCertIdentifier", "copyTagsToSnapshot",
			"customerOwnedIpEnabled", "databaseInsightsMode", "dbSubnetGroupName", "dedicatedLogVolume",
			"deleteAutomatedBackups", "deletionProtection", "domain", "domainAuthSecretArn", "domainDnsIps",
			"domainFqdn", "domainIamRoleName", "domainOu", "enabledCloudwatchLogsExports", "engineLifecycleSupport",
			"engineVersion", "finalSnapshotIdentifier", "iamDatabaseAuthenticationEnabled", "identifier",
			"identifierPrefix", "instanceClass", "iops", "licenseModel", "maintenanceWindow",
			"manageMasterUserPassword", "masterUserSecretKmsKeyId", "maxAllocatedStorage", "monitoringInterval",
			"monitoringRoleArn", "multiAz", "networkType", "optionGroupName", "parameterGroupName", "password",
			"passwordWo", "passwordWoVersion", "performanceInsightsEnabled", "performanceInsightsKmsKeyId",
			"performanceInsightsRetentionPeriod", "port", "publiclyAccessible", "replicaMode", "replicateSourceDb",
			"s3Import", "skipFinalSnapshot", "storageThroughput", "storageType", "upgradeStorageConfig",
			"vpcSecurityGroupIds", "tags",
		},
		Tagged: true,
		// Modifications wait for the maintenance window unless
		// applyImmediately; the diff on allocatedStorage is suppressed
		// after autoscaling grew it (modify.go).
		Defer:    deferRDS,
		Suppress: suppressRDS,
		ID:       func(c *comp) string { return c.upperID("db-", 26) },
		Outputs: func(c *comp) {
			c.set("resourceId", func() any { return c.ID() })
			c.set("arn", func() any { return c.arn("rds", "db:"+c.str("identifier")) })
			port := func() int {
				if p := c.number("port", 0); p != 0 {
					return int(p)
				}
				if e := c.str("engine"); strings.Contains(e, "mysql") || strings.Contains(e, "mariadb") {
					return 3306
				}
				return 5432
			}
			address := func() string { return c.str("identifier") + ".c0ffee." + c.region + ".rds.amazonaws.com" }
			c.fill("port", func() any { return port() })
			c.set("address", func() any { return address() })
			c.set("endpoint", func() any { return fmt.Sprintf("%s:%d", address(), port()) })
			c.set("hostedZoneId", func() any { return "Z29XKXDKYMONMX" })
			c.set("status", func() any { return "available" })
			c.set("engineVersionActual", func() any { return c.str("engineVersion") })
			c.fill("caCertIdentifier", func() any { return "rds-ca-rsa2048-g1" })
			if c.truthy("storageEncrypted") {
				// AWS encrypts with its managed key when none is given.
				c.fill("kmsKeyId", func() any { return c.arn("kms", "key/"+c.uuid("aws/rds")) })
			}
			c.set("masterUserSecrets", func() any { return managedMasterSecret(c, c.ID()) })
		},
		// resourceInstanceDelete (rds, 4f930f62): with skip_final_snapshot
		// false it needs final_snapshot_identifier and fails, before calling
		// AWS, with "final_snapshot_identifier is required when
		// skip_final_snapshot is false". A protected instance is refused
		// with InvalidParameterCombination: the same function matches
		// "disable deletion pro" in that error, and only turns protection
		// off and retries when the configuration does not set
		// deletion_protection and apply_immediately is on. An existing final
		// snapshot name is DeleteDBInstance's DBSnapshotAlreadyExists
		// ("DBSnapshotIdentifier is already used by an existing snapshot",
		// the RDS API's error list, https://docs.rs/rusoto_rds/0.42.0/rusoto_rds/enum.DeleteDBInstanceError.html).
		// The rest of the message texts are the double's.
		CheckDelete: func(out map[string]any, r *records) (string, error) {
			id := Unsecret(out["identifier"])
			if Unsecret(out["deletionProtection"]) == true {
				return "", fmt.Errorf("fakeaws: RDS refuses to delete DB instance %v: InvalidParameterCombination: "+
					"Cannot delete protected DB Instance, please disable deletion protection and try again", id)
			}
			if Unsecret(out["skipFinalSnapshot"]) == true {
				return "deleted without a final snapshot", nil
			}
			snap, _ := Unsecret(out["finalSnapshotIdentifier"]).(string)
			if snap == "" {
				return "", fmt.Errorf("fakeaws: deleting DB instance %v: final_snapshot_identifier is required "+
					"when skip_final_snapshot is false", id)
			}
			if slices.Contains(r.Snapshots, snap) {
				return "", fmt.Errorf("fakeaws: deleting DB instance %v: DBSnapshotAlreadyExists: "+
					"Cannot create the snapshot because a snapshot with the identifier %s already exists", id, snap)
			}
			r.Snapshots = append(r.Snapshots, snap)
			return "final snapshot " + snap, nil
		},
	},
	"aws:sns/topic:Topic": {
		Name: "name", NamePrefix: "namePrefix", AutoNameMaxLen: 80, NameMaxLen: 256,
		Replace: []string{"fifoTopic", "name", "namePrefix"},
		InPlace: []string{
			"applicationFailureFeedbackRoleArn", "applicationSuccessFeedbackRoleArn",
			"applicationSuccessFeedbackSampleRate", "archivePolicy", "contentBasedDeduplication", "deliveryPolicy",
			"displayName", "fifoThroughputScope", "firehoseFailureFeedbackRoleArn", "firehoseSuccessFeedbackRoleArn",
			"firehoseSuccessFeedbackSampleRate", "httpFailureFeedbackRoleArn", "httpSuccessFeedbackRoleArn",
			"httpSuccessFeedbackSampleRate", "kmsMasterKeyId", "lambdaFailureFeedbackRoleArn",
			"lambdaSuccessFeedbackRoleArn", "lambdaSuccessFeedbackSampleRate", "policy", "signatureVersion",
			"sqsFailureFeedbackRoleArn", "sqsSuccessFeedbackRoleArn", "sqsSuccessFeedbackSampleRate", "tracingConfig",
			"tags",
		},
		Tagged: true,
		ID:     func(c *comp) string { return c.arn("sns", c.str("name")) },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("sns", c.str("name")) })
			c.set("owner", func() any { return Account })
			c.fill("fifoTopic", func() any { return false })
		},
	},
	"aws:sns/topicPolicy:TopicPolicy": {
		Replace: []string{"arn"},
		InPlace: []string{"policy"},
		ID:      func(c *comp) string { return c.str("arn") },
		Outputs: func(c *comp) {
			c.set("owner", func() any { return Account })
		},
	},
	// aws_sns_topic_subscription (Schema: subscriptionSchema): endpoint,
	// protocol and topic_arn (Pulumi: topic) are ForceNew, in every version
	// of subscriptionSchema the index holds. The ID is the
	// subscription ARN, <topic ARN>:<uuid>, which the provider asks for even
	// before confirmation (Subscribe with ReturnSubscriptionArn); an email
	// or HTTP(S) endpoint's owner must confirm first (SNS Subscribe API), so
	// those are pending.
	"aws:sns/topicSubscription:TopicSubscription": {
		Replace: []string{"endpoint", "protocol", "topic"},
		InPlace: []string{
			"confirmationTimeoutInMinutes", "deliveryPolicy", "endpointAutoConfirms", "filterPolicy",
			"filterPolicyScope", "rawMessageDelivery", "redrivePolicy", "subscriptionRoleArn",
		},
		ID: func(c *comp) string { return c.str("topic") + ":" + c.uuid("subscription") },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.ID() })
			c.set("ownerId", func() any { return Account })
			c.set("pendingConfirmation", func() any {
				p := c.str("protocol")
				return strings.HasPrefix(p, "email") || strings.HasPrefix(p, "http")
			})
			c.set("confirmationWasAuthenticated", func() any { return false })
			c.fill("rawMessageDelivery", func() any { return false })
		},
	},
	"aws:cloudwatch/metricAlarm:MetricAlarm": {
		Name: "name", AutoNameMaxLen: 255, NameMaxLen: 255,
		Replace: []string{"name"},
		InPlace: []string{
			"actionsEnabled", "alarmActions", "alarmDescription", "comparisonOperator", "datapointsToAlarm",
			"dimensions", "evaluateLowSampleCountPercentiles", "evaluationPeriods", "extendedStatistic",
			"insufficientDataActions", "metricName", "metricQueries", "namespace", "okActions", "period", "statistic",
			"threshold", "thresholdMetricId", "treatMissingData", "unit", "tags",
		},
		Tagged: true,
		ID:     func(c *comp) string { return c.str("name") },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("cloudwatch", "alarm:"+c.str("name")) })
		},
	},
	"aws:rds/eventSubscription:EventSubscription": {
		Name: "name", NamePrefix: "namePrefix", AutoNameMaxLen: 255, NameMaxLen: 255,
		NameValid: validEventSubscriptionName, Unique: "region",
		Replace: []string{"name", "namePrefix"},
		InPlace: []string{"enabled", "eventCategories", "snsTopic", "sourceIds", "sourceType", "tags"},
		Tagged:  true,
		ID:      func(c *comp) string { return c.str("name") },
		Outputs: func(c *comp) {
			c.set("arn", func() any { return c.arn("rds", "es:"+c.str("name")) })
			c.set("customerAwsId", func() any { return Account })
			c.fill("enabled", func() any { return true })
		},
	},
}

// lookupType finds a type in the table or says loudly that it is missing.
func lookupType(token string) (resourceType, error) {
	t, ok := types[token]
	if !ok {
		return resourceType{}, fmt.Errorf("fakeaws: resource type %s is not in the test double's type table "+
			"(e2e/fakeaws/types.go): add it there with its replace-forcing properties and computed outputs", token)
	}
	return t, nil
}

// Types lists the resource types the double knows, for tests and docs.
func Types() []string {
	out := make([]string, 0, len(types))
	for k := range types {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReplaceProperties returns the inputs whose change forces a replacement of
// a type, and false for an unknown type.
func ReplaceProperties(token string) ([]string, bool) {
	t, ok := types[token]
	if !ok {
		return nil, false
	}
	return append([]string(nil), t.Replace...), true
}

// forcesReplace reports whether a change of key replaces a resource of t.
func (t resourceType) forcesReplace(key string) bool {
	for _, k := range t.Replace {
		if k == key {
			return true
		}
	}
	return false
}

// defaults returns the type's default inputs as property values.
func (t resourceType) defaults() resource.PropertyMap {
	m := resource.PropertyMap{}
	for k, v := range t.Defaults {
		m[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
	}
	return m
}
