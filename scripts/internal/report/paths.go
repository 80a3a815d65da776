package report

import (
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// How a change reaches a running database: now, at the maintenance window,
// after a reboot, by a blue/green switchover, or by replacing it. Each
// comes with the downtime AWS documents for it.
//
// Sources, cited by the entries below:
//   - [modify]: RDS API Reference, ModifyDBInstance, each parameter's
//     "applied during the next maintenance window unless ApplyImmediately"
//     or "applied as soon as possible"
//     (docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html);
//   - [settings]: RDS User Guide, "Settings for DB instances", the columns
//     "When the change occurs" and "Downtime notes"
//     (docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ModifyInstance.Settings.html);
//   - [failover]: RDS User Guide, "Multi-AZ DB instance deployments":
//     failovers typically complete within 60–120 seconds;
//   - [bluegreen]: RDS User Guide, "Switching a blue/green deployment":
//     the switchover typically takes under a minute;
//   - [major]: RDS User Guide, "Upgrading the PostgreSQL DB engine": in an
//     in-place major upgrade of a Multi-AZ instance the primary and the
//     standby are upgraded at the same time, and the instance is down
//     until the upgrade completes;
//   - [params]: RDS User Guide, "Working with DB parameter groups": a
//     change to a dynamic parameter applies at once, to a static one
//     (apply method pending-reboot) after the next reboot.
const (
	PathNow         = "now"
	PathWindow      = "at the maintenance window"
	PathReboot      = "after a reboot"
	PathBlueGreen   = "blue/green"
	PathReplacement = "replacement"
	PathNoAWS       = "no change in AWS"
)

// The Pulumi types whose changes the report follows to the running
// database.
const (
	rdsInstanceType       = "aws:rds/instance:Instance"
	rdsParameterGroupType = "aws:rds/parameterGroup:ParameterGroup"
)

// Landing is how one group of a change's properties reaches the database.
type Landing struct {
	Path       string   // one of the Path constants
	When       string   // the sentence shown, e.g. "at the maintenance window (sun:04:00-sun:05:00)"
	Downtime   string   // what AWS documents as downtime for it
	Properties []string // the top-level properties that take this path
}

type instanceSetting struct {
	// deferred: applied at the next maintenance window unless
	// applyImmediately is set [modify]; else applied as soon as possible
	// whatever applyImmediately says.
	deferred bool
	downtime string
}

const (
	noDowntime       = "none"
	failoverDowntime = "about one Multi-AZ failover (AWS: typically 60–120 s); a single-AZ instance is down for the whole change"
)

// instanceSettings lists the RDS instance properties by how ModifyDBInstance
// applies them [modify][settings]. Properties the provider keeps to itself
// (no AWS call) are in providerOnly.
var instanceSettings = map[string]instanceSetting{
	"instanceClass":                      {deferred: true, downtime: failoverDowntime},
	"engineVersion":                      {deferred: true, downtime: failoverDowntime}, // a minor version; majors are handled below
	"allocatedStorage":                   {deferred: true, downtime: noDowntime + " (performance may drop while the volume grows)"},
	"maxAllocatedStorage":                {deferred: false, downtime: noDowntime},
	"storageType":                        {deferred: true, downtime: "brief, while the change starts; then none"},
	"iops":                               {deferred: true, downtime: noDowntime},
	"storageThroughput":                  {deferred: true, downtime: noDowntime},
	"multiAz":                            {deferred: true, downtime: noDowntime + " (the standby is built from a snapshot; performance may drop)"},
	"identifier":                         {deferred: true, downtime: "the instance is renamed and its endpoint changes: clients must use the new name"},
	"caCertIdentifier":                   {deferred: true, downtime: "a restart, unless the engine version rotates certificates without one"},
	"dbSubnetGroupName":                  {deferred: true, downtime: failoverDowntime},
	"port":                               {deferred: false, downtime: "a restart: the instance reboots on the new port"},
	"backupRetentionPeriod":              {deferred: false, downtime: noDowntime},
	"backupWindow":                       {deferred: false, downtime: noDowntime},
	"maintenanceWindow":                  {deferred: false, downtime: noDowntime},
	"deletionProtection":                 {deferred: false, downtime: noDowntime},
	"copyTagsToSnapshot":                 {deferred: false, downtime: noDowntime},
	"autoMinorVersionUpgrade":            {deferred: false, downtime: noDowntime},
	"allowMajorVersionUpgrade":           {deferred: false, downtime: noDowntime},
	"monitoringInterval":                 {deferred: false, downtime: noDowntime},
	"monitoringRoleArn":                  {deferred: false, downtime: noDowntime},
	"performanceInsightsEnabled":         {deferred: false, downtime: noDowntime},
	"performanceInsightsKmsKeyId":        {deferred: false, downtime: noDowntime},
	"performanceInsightsRetentionPeriod": {deferred: false, downtime: noDowntime},
	"enabledCloudwatchLogsExports":       {deferred: false, downtime: noDowntime},
	"vpcSecurityGroupIds":                {deferred: false, downtime: noDowntime},
	"publiclyAccessible":                 {deferred: false, downtime: noDowntime},
	"iamDatabaseAuthenticationEnabled":   {deferred: true, downtime: noDowntime},
	"tags":                               {deferred: false, downtime: noDowntime},
	"tagsAll":                            {deferred: false, downtime: noDowntime},
}

// providerOnly are instance inputs the provider keeps in state without
// calling AWS (they shape the provider's own later calls).
var providerOnly = map[string]bool{
	"applyImmediately": true, "finalSnapshotIdentifier": true, "skipFinalSnapshot": true,
	"deleteAutomatedBackups": true, "blueGreenUpdate": true,
}

// instanceLanding groups an RDS instance update's properties by path.
func instanceLanding(s Step, props []PropertyChange) []Landing {
	applyNow := s.New != nil && s.New.Inputs["applyImmediately"] == true
	window := ""
	if s.New != nil {
		window, _ = s.New.Inputs["maintenanceWindow"].(string)
	}
	blueGreen := false
	if s.New != nil {
		if bg, ok := s.New.Inputs["blueGreenUpdate"].(map[string]any); ok {
			blueGreen = bg["enabled"] == true
		}
	}
	// A parameter group of the new family goes with a major upgrade: RDS
	// applies both together ([major]), so it lands on the upgrade's path,
	// not at a reboot.
	majorUpgrade := false
	for _, p := range props {
		if topLevel(p.Path) == "engineVersion" && p.Old != "" && p.New != "" && major(p.Old) != major(p.New) {
			majorUpgrade = true
		}
	}
	groups := map[string]*Landing{}
	add := func(prop string, l Landing) {
		key := l.Path + "\x00" + l.When + "\x00" + l.Downtime
		g, ok := groups[key]
		if !ok {
			g = &l
			groups[key] = g
		}
		if !slices.Contains(g.Properties, prop) {
			g.Properties = append(g.Properties, prop)
		}
	}
	for _, p := range props {
		prop := topLevel(p.Path)
		switch {
		case providerOnly[prop]:
			add(prop, Landing{Path: PathNoAWS, When: "kept by the provider; nothing changes in AWS", Downtime: noDowntime})
		case prop == "engineVersion" && majorUpgrade, prop == "parameterGroupName" && majorUpgrade:
			if blueGreen {
				add(prop, Landing{Path: PathBlueGreen, When: "RDS upgrades a green copy, then switches over", Downtime: "the switchover: AWS documents it as typically under a minute [bluegreen]"})
			} else {
				add(prop, Landing{Path: deferredPath(applyNow), When: "an in-place major upgrade; " + deferredWhen(applyNow, window), Downtime: "the whole upgrade: primary and standby are upgraded together, typically many minutes [major]"})
			}
		case prop == "parameterGroupName":
			add(prop, Landing{Path: PathReboot, When: "the new group is attached, and its parameters apply at the next reboot", Downtime: "the reboot: about one Multi-AZ failover (AWS: typically 60–120 s) with failover, longer without"})
		default:
			set, ok := instanceSettings[prop]
			switch {
			case !ok:
				add(prop, Landing{Path: "unknown", When: "not in this report's table: see AWS's Settings for DB instances", Downtime: "unknown"})
			case set.deferred:
				add(prop, Landing{Path: deferredPath(applyNow), When: deferredWhen(applyNow, window), Downtime: set.downtime})
			default:
				add(prop, Landing{Path: PathNow, When: "AWS applies it at once, whatever applyImmediately says", Downtime: set.downtime})
			}
		}
	}
	return sortedLandings(groups)
}

func deferredPath(applyNow bool) string {
	if applyNow {
		return PathNow
	}
	return PathWindow
}

func deferredWhen(applyNow bool, window string) string {
	switch {
	case applyNow:
		return "applyImmediately is set"
	case window != "":
		return "the window is " + window
	}
	return "the instance's next maintenance window"
}

// parameterLanding tells when each changed parameter of a parameter group
// applies: at once when dynamic, after a reboot when static [params].
func parameterLanding(s Step, props []PropertyChange) []Landing {
	groups := map[string]*Landing{}
	for _, p := range props {
		path, err := resource.ParsePropertyPath(p.Path)
		name, method := p.Path, ""
		if err == nil && len(path) >= 2 && path[0] == "parameters" && s.New != nil {
			if v, ok := lookup(s.New.Inputs, path[:2]); ok {
				if m, ok := v.(map[string]any); ok {
					name, _ = m["name"].(string)
					method, _ = m["applyMethod"].(string)
				}
			}
		}
		l := Landing{Path: PathNow, When: "a dynamic parameter", Downtime: noDowntime}
		if method == "pending-reboot" {
			l = Landing{Path: PathReboot, When: "a static parameter", Downtime: "the reboot: about one Multi-AZ failover (AWS: typically 60–120 s) with failover, longer without"}
		}
		key := l.Path
		if _, ok := groups[key]; !ok {
			groups[key] = &l
		}
		if !slices.Contains(groups[key].Properties, name) {
			groups[key].Properties = append(groups[key].Properties, name)
		}
	}
	return sortedLandings(groups)
}

// landings tells how a change reaches the database, for the types where
// the path matters: the RDS instance and its parameter group.
func landings(op apitype.OpType, s Step, props []PropertyChange) []Landing {
	switch {
	case s.Type == rdsInstanceType && op == apitype.OpReplace:
		return []Landing{{Path: PathReplacement, When: "a new instance is created and the old one deleted; the data does not move", Downtime: "until the new instance is available (an RDS create takes tens of minutes), with a new endpoint"}}
	case s.Type == rdsInstanceType && op == apitype.OpUpdate:
		return instanceLanding(s, props)
	case s.Type == rdsParameterGroupType && op == apitype.OpUpdate:
		return parameterLanding(s, props)
	}
	return nil
}

// pathRank orders landings from the most to the least disruptive.
var pathRank = map[string]int{PathReplacement: 0, "unknown": 1, PathBlueGreen: 2, PathWindow: 3, PathReboot: 4, PathNow: 5, PathNoAWS: 6}

func sortedLandings(groups map[string]*Landing) []Landing {
	var out []Landing
	for _, g := range groups {
		sort.Strings(g.Properties)
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if pathRank[out[i].Path] != pathRank[out[j].Path] {
			return pathRank[out[i].Path] < pathRank[out[j].Path]
		}
		return strings.Join(out[i].Properties, ",") < strings.Join(out[j].Properties, ",")
	})
	return out
}

func topLevel(path string) string {
	p, err := resource.ParsePropertyPath(path)
	if err != nil || len(p) == 0 {
		return path
	}
	if s, ok := p[0].(string); ok {
		return s
	}
	return path
}
