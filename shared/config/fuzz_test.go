package config_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/testsupport/committed"
)

// The checks below restate the rules independently of the validator, so
// that a validator bug is not mirrored by the test that should catch it.

var cloudWatchRetentions = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

var reservedTagKeys = []string{"Environment", "Tier", "Project", "Stack", "ManagedBy", "Name"}

type span struct{ lo, hi uint64 } // [lo, hi)

func spanOf(p netip.Prefix) span {
	b := p.Addr().As4()
	lo := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
	return span{lo, lo + 1<<(32-p.Bits())}
}

func (s span) within(o span) bool { return s.lo >= o.lo && s.hi <= o.hi }
func (s span) meets(o span) bool  { return s.lo < o.hi && o.lo < s.hi }

var rfc1918 = []span{
	{10 << 24, 11 << 24},
	{172<<24 | 16<<16, 172<<24 | 32<<16},
	{192<<24 | 168<<16, 192<<24 | 169<<16},
}

func private(p netip.Prefix) bool {
	s := spanOf(p)
	for _, r := range rfc1918 {
		if s.within(r) {
			return true
		}
	}
	return false
}

// wellFormedIPv4 reports whether p is an IPv4 prefix written without host
// bits, with a length AWS accepts for a VPC or subnet.
func wellFormedIPv4(p netip.Prefix) bool {
	return p.IsValid() && p.Addr().Is4() && p.Masked() == p && p.Bits() >= 16 && p.Bits() <= 28
}

func tagRune(r rune) bool {
	return unicode.In(r, unicode.L, unicode.Z, unicode.N) || strings.ContainsRune("_.:/=+-@", r)
}

func tagProblem(k, v string) string {
	switch {
	case !utf8.ValidString(k) || !utf8.ValidString(v):
		return "not UTF-8"
	case utf8.RuneCountInString(k) < 1 || utf8.RuneCountInString(k) > 128:
		return "key length"
	case utf8.RuneCountInString(v) > 256:
		return "value length"
	case strings.HasPrefix(strings.ToLower(k), "aws:"):
		return "aws: prefix"
	case slices.Contains(reservedTagKeys, k):
		return "reserved key"
	}
	for _, r := range k + v {
		if !tagRune(r) {
			return fmt.Sprintf("character %q", r)
		}
	}
	return ""
}

// bindingProblems restates, independently of the validator, how a stack is
// bound to where it runs: its tier no looser than its environment's (dev
// allows any, staging requires staging or prod, any other name prod), and
// its pinned accounts 12-digit IDs, at least one from the staging tier up.
func bindingProblems(environment string, tier config.Tier, accounts []string) []string {
	var bad []string
	allowed := map[string][]config.Tier{"dev": {"dev", "staging", "prod"}, "staging": {"staging", "prod"}}[environment]
	if allowed == nil {
		allowed = []config.Tier{"prod"}
	}
	if !slices.Contains(allowed, tier) {
		bad = append(bad, fmt.Sprintf("tier %s in environment %s", tier, environment))
	}
	if tier != "dev" && len(accounts) == 0 {
		bad = append(bad, fmt.Sprintf("a %s tier without a pinned account", tier))
	}
	for i, id := range accounts {
		if len(id) != 12 || strings.Trim(id, "0123456789") != "" || slices.Contains(accounts[:i], id) {
			bad = append(bad, fmt.Sprintf("account ID %q in %q", id, accounts))
		}
	}
	return bad
}

// networkInput is what FuzzLoadNetwork varies; "" leaves a key out.
type networkInput struct {
	tier, vpcCidr, azCount, zones, appPrefix, dbPrefix, appList, dbList, nat, publicPrefix, flowLog, tags string
}

func (in networkInput) config() map[string]string {
	cfg := map[string]string{"aws:region": "eu-west-1", "aws:allowedAccountIds": `["123456789012"]`, "network:environment": "dev"}
	for k, v := range map[string]string{
		"tier": in.tier, "vpcCidr": in.vpcCidr, "azCount": in.azCount, "availabilityZones": in.zones,
		"appSubnetPrefix": in.appPrefix, "databaseSubnetPrefix": in.dbPrefix,
		"appSubnetCidrs": in.appList, "databaseSubnetCidrs": in.dbList, "natGateway": in.nat,
		"publicSubnetPrefix": in.publicPrefix, "flowLogRetentionDays": in.flowLog, "tags": in.tags,
	} {
		if v != "" {
			cfg["network:"+k] = v
		}
	}
	return cfg
}

func networkInputOf(cfg map[string]string) networkInput {
	g := func(k string) string { return cfg["network:"+k] }
	return networkInput{g("tier"), g("vpcCidr"), g("azCount"), g("availabilityZones"), g("appSubnetPrefix"), g("databaseSubnetPrefix"),
		g("appSubnetCidrs"), g("databaseSubnetCidrs"), g("natGateway"), g("publicSubnetPrefix"), g("flowLogRetentionDays"), g("tags")}
}

// networkViolations lists every invariant an accepted network breaks.
func networkViolations(in networkInput, n config.Network) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }

	if !slices.Contains([]config.Tier{"dev", "staging", "prod"}, n.Tier) || string(n.Tier) != strings.TrimSpace(in.tier) {
		fail("tier %q from input %q", n.Tier, in.tier)
	}
	bad = append(bad, bindingProblems(n.Environment, n.Tier, n.AllowedAccountIDs)...)
	if !wellFormedIPv4(n.VpcCidr) || !private(n.VpcCidr) || n.VpcCidr.String() != strings.TrimSpace(in.vpcCidr) {
		fail("VPC %s from input %q", n.VpcCidr, in.vpcCidr)
	}
	if n.AZCount < 2 || n.AZCount > 6 {
		fail("AZCount %d", n.AZCount)
	}
	if len(n.AvailabilityZones) > 0 {
		if len(n.AvailabilityZones) != n.AZCount {
			fail("%d zones listed, AZCount %d", len(n.AvailabilityZones), n.AZCount)
		}
		seen := map[string]bool{}
		for _, z := range n.AvailabilityZones {
			if len(z) != len("eu-west-1a") || !strings.HasPrefix(z, "eu-west-1") || z[len(z)-1] < 'a' || z[len(z)-1] > 'z' || seen[z] {
				fail("zone %q of %v", z, n.AvailabilityZones)
			}
			seen[z] = true
		}
	}
	if len(n.AppSubnets) != n.AZCount || len(n.DatabaseSubnets) != n.AZCount {
		fail("%d app and %d database subnets for %d zones", len(n.AppSubnets), len(n.DatabaseSubnets), n.AZCount)
	}
	if n.NatGateway && len(n.PublicSubnets) != n.AZCount || !n.NatGateway && len(n.PublicSubnets) != 0 {
		fail("NAT %v with %d public subnets for %d zones", n.NatGateway, len(n.PublicSubnets), n.AZCount)
	}
	all := slices.Concat(n.AppSubnets, n.DatabaseSubnets, n.PublicSubnets)
	vpc := spanOf(n.VpcCidr)
	for i, s := range all {
		if !wellFormedIPv4(s) || !private(s) || !spanOf(s).within(vpc) {
			fail("subnet %s (VPC %s)", s, n.VpcCidr)
			continue
		}
		for _, o := range all[:i] {
			if spanOf(s).meets(spanOf(o)) {
				fail("subnets %s and %s overlap", o, s)
			}
		}
	}
	for _, c := range []struct {
		list string
		got  []netip.Prefix
	}{{in.appList, n.AppSubnets}, {in.dbList, n.DatabaseSubnets}} {
		var want []string
		if json.Unmarshal([]byte(c.list), &want) == nil && len(want) > 0 {
			var got []string
			for _, p := range c.got {
				got = append(got, p.String())
			}
			if !slices.Equal(got, want) {
				fail("listed subnets %v came out as %v", want, got)
			}
		}
	}
	if !slices.Contains(cloudWatchRetentions, n.FlowLogRetentionDays) {
		fail("flow-log retention %d", n.FlowLogRetentionDays)
	}
	for k, v := range n.Tags {
		if p := tagProblem(k, v); p != "" {
			fail("tag %q=%q: %s", k, v, p)
		}
	}
	return bad
}

func FuzzLoadNetwork(f *testing.F) {
	for _, s := range committed.Stacks(f) {
		if s.Project == "network" {
			in := networkInputOf(s.Config)
			f.Add(in.tier, in.vpcCidr, in.azCount, in.zones, in.appPrefix, in.dbPrefix, in.appList, in.dbList, in.nat, in.publicPrefix, in.flowLog, in.tags)
		}
	}
	for _, in := range []networkInput{
		{tier: "dev", vpcCidr: "10.20.0.0/16"},
		{tier: "prod", vpcCidr: "172.16.0.0/26", azCount: "2", appPrefix: "28", dbPrefix: "28"},
		{tier: "prod", vpcCidr: "172.16.0.0/26", azCount: "2", appPrefix: "28", dbPrefix: "28", nat: "true", publicPrefix: "28"},
		{tier: "staging", vpcCidr: "192.168.255.0/24", azCount: "6", appPrefix: "28", dbPrefix: "28", nat: "true", publicPrefix: "28"},
		{tier: "dev", vpcCidr: "10.20.0.0/18", nat: "true", publicPrefix: "22"},
		{tier: "dev", vpcCidr: "10.255.0.0/16", azCount: "6", nat: "true"},
		{tier: "prod", vpcCidr: "172.31.0.0/16", zones: `["eu-west-1a","eu-west-1b"]`, appList: `["172.31.128.0/20","172.31.144.0/20"]`, dbList: `["172.31.0.0/24","172.31.1.0/24"]`},
		{tier: "prod", vpcCidr: "10.0.0.0/16", appList: `["10.0.0.0/20","10.0.64.0/20","10.0.16.0/20"]`, nat: "true"},
		{tier: "dev", vpcCidr: "10.0.0.0/16", dbList: `["10.0.0.0/24","10.0.1.0/24","10.0.2.0/24"]`},
		{tier: "dev", vpcCidr: "10.0.0.0/16", dbList: `["10.0.0.0/16","10.0.1.0/24","10.0.2.0/24"]`, appPrefix: "28"},
		{tier: "dev", vpcCidr: "10.0.0.0/16", appList: `["10.0.0.0/20","10.0.0.0/21","10.0.32.0/20"]`},
		{tier: "dev", vpcCidr: "10.0.0.1/16"},
		{tier: "dev", vpcCidr: "8.0.0.0/6"},
		{tier: "dev", vpcCidr: "::ffff:10.0.0.0/112"},
		{tier: "dev", vpcCidr: "10.0.0.0/16", zones: `["eu-west-1a"]`},
		{tier: "dev", vpcCidr: "10.0.0.0/16", zones: `["eu-west-1a","eu-west-1a"]`, azCount: "2"},
		{tier: "dev", vpcCidr: "10.0.0.0/16", azCount: "-9223372036854775808"},
		{tier: "dev", vpcCidr: "10.0.0.0/16", appPrefix: "-1", dbPrefix: "99"},
		{tier: "dev", vpcCidr: "10.0.0.0/16", publicPrefix: "26"},
		{tier: "dev", vpcCidr: "10.0.0.0/16", flowLog: "3653"},
		{tier: "dev", vpcCidr: "10.0.0.0/16", tags: `{"aws:x":"y"}`},
		{tier: "dev", vpcCidr: "10.0.0.0/16", tags: `{"Team":"a\u0000b"}`},
		{tier: "dev", vpcCidr: "10.0.0.0/16", tags: `{"Environment ":"x","\u00e4":"\u2028"}`},
		{tier: "dev", vpcCidr: "10.0.0.0/16", tags: `null`},
	} {
		f.Add(in.tier, in.vpcCidr, in.azCount, in.zones, in.appPrefix, in.dbPrefix, in.appList, in.dbList, in.nat, in.publicPrefix, in.flowLog, in.tags)
	}
	f.Fuzz(func(t *testing.T, tier, vpcCidr, azCount, zones, appPrefix, dbPrefix, appList, dbList, nat, publicPrefix, flowLog, tags string) {
		in := networkInput{tier, vpcCidr, azCount, zones, appPrefix, dbPrefix, appList, dbList, nat, publicPrefix, flowLog, tags}
		n, err := config.LoadNetwork(config.MapSource("network", in.config()))
		if err != nil {
			assertOneConfigError(t, err, "network")
			return
		}
		if bad := networkViolations(in, n); len(bad) > 0 {
			t.Fatalf("LoadNetwork accepted an invalid network:\n  %s\ninput: %+v", strings.Join(bad, "\n  "), in)
		}
	})
}

// assertOneConfigError fails unless err is a *config.Error that names a key
// of the namespace (or aws:region, aws:allowedAccountIds) and says what is
// allowed.
func assertOneConfigError(t *testing.T, err error, namespace string) {
	t.Helper()
	ce, ok := err.(*config.Error)
	if !ok {
		t.Fatalf("error %v (%T) is not a *config.Error", err, err)
	}
	if !strings.HasPrefix(ce.Key, namespace+":") && ce.Key != "aws:region" && ce.Key != "aws:allowedAccountIds" || ce.Allowed == "" {
		t.Fatalf("error %+v does not name a key and what is allowed", ce)
	}
}

var (
	dailyWindow  = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$`)
	weeklyWindow = regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):([0-5][0-9])-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):([0-5][0-9])$`)
	dayIndex     = map[string]int{"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
	forbidden    = []string{"postgres", "admin", "root", "rdsadmin", "rdsrepladmin", "master", "administrator"}
	pgName       = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
)

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

const week = 7 * 24 * 60

// windowMinutes returns the minutes of the week a window covers, or an
// explanation of why the window is not acceptable.
func windowMinutes(daily, weekly string) (backup, maintenance []bool, problem string) {
	d := dailyWindow.FindStringSubmatch(daily)
	w := weeklyWindow.FindStringSubmatch(weekly)
	if d == nil || w == nil {
		return nil, nil, fmt.Sprintf("malformed windows %q / %q", daily, weekly)
	}
	ds, de := atoi2(d[1])*60+atoi2(d[2]), atoi2(d[3])*60+atoi2(d[4])
	dlen := ((de-ds)%1440 + 1440) % 1440
	ws := dayIndex[w[1]]*1440 + atoi2(w[2])*60 + atoi2(w[3])
	we := dayIndex[w[4]]*1440 + atoi2(w[5])*60 + atoi2(w[6])
	wlen := ((we-ws)%week + week) % week
	if dlen < 30 || wlen < 30 {
		return nil, nil, fmt.Sprintf("windows of %d and %d minutes", dlen, wlen)
	}
	backup, maintenance = make([]bool, week), make([]bool, week)
	for day := range 7 {
		for m := range dlen {
			backup[(day*1440+ds+m)%week] = true
		}
	}
	for m := range wlen {
		maintenance[(ws+m)%week] = true
	}
	return backup, maintenance, ""
}

func databaseViolations(d config.Database) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	backup, maint, problem := windowMinutes(d.BackupWindow, d.MaintenanceWindow)
	if problem != "" {
		fail("%s", problem)
	}
	for m := range maint {
		if maint[m] && backup[m] {
			fail("maintenance window %s overlaps backup window %s at minute %d of the week", d.MaintenanceWindow, d.BackupWindow, m)
			break
		}
	}
	u := d.MasterUsername
	if !pgName.MatchString(u) || slices.Contains(forbidden, u) || strings.HasPrefix(u, "pg_") || strings.HasPrefix(u, "rds") {
		fail("master username %q", u)
	}
	if !slices.Contains([]config.Tier{"dev", "staging", "prod"}, d.Tier) {
		fail("tier %q", d.Tier)
	}
	bad = append(bad, bindingProblems(d.Environment, d.Tier, d.AllowedAccountIDs)...)
	if d.EngineMajor < 14 {
		fail("engine major %d", d.EngineMajor)
	}
	switch d.Deployment {
	case "instance":
		if d.AllocatedStorageGb < 20 || d.MaxAllocatedStorageGb*10 < d.AllocatedStorageGb*11 || d.MaxAllocatedStorageGb > 65536 {
			fail("storage %d..%d", d.AllocatedStorageGb, d.MaxAllocatedStorageGb)
		}
		if d.StorageType != "gp3" || d.Iops != 0 {
			fail("instance storage %s with %d IOPS", d.StorageType, d.Iops)
		}
	case "cluster":
		bad = append(bad, clusterProblems(d)...)
	default:
		fail("deployment %q", d.Deployment)
	}
	bad = append(bad, proxyProblems(d.Proxy)...)
	bad = append(bad, drProblems(d)...)
	if d.BackupRetentionDays < 1 || d.BackupRetentionDays > 35 {
		fail("backup retention %d", d.BackupRetentionDays)
	}
	for _, c := range d.AllowedCidrs {
		if !c.IsValid() || !c.Addr().Is4() || c.Masked() != c || c.Bits() == 0 || !private(c) {
			fail("allowed CIDR %s", c)
		}
	}
	a := d.Alarms
	for _, v := range []int{a.CPUPercent, a.FreeStorageMb, a.FreeableMemoryMb, a.Connections, a.ReadLatencyMs, a.WriteLatencyMs} {
		if v <= 0 {
			fail("alarm threshold %d in %+v", v, a)
		}
	}
	if a.CPUPercent > 100 {
		fail("cpu alarm %d%%", a.CPUPercent)
	}
	return bad
}

// clusterProblems are what AWS would refuse in a Multi-AZ DB cluster of
// PostgreSQL (the RDS User Guide's storage ranges and instance classes,
// written out here apart from spec's tables).
func clusterProblems(d config.Database) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	a, iops := d.AllocatedStorageGb, d.Iops
	switch d.StorageType {
	case "io1":
		if a < 100 || a > 65536 || iops < 1000 || iops > 256000 || 2*iops < a || iops > 50*a || a < 400 && iops > 19950 {
			fail("io1 cluster of %d GiB with %d IOPS", a, iops)
		}
	case "io2":
		if a < 100 || a > 65536 || iops < 1000 || iops > 256000 || 2*iops < a || iops > 1000*a {
			fail("io2 cluster of %d GiB with %d IOPS", a, iops)
		}
	case "gp3":
		if a < 400 || a > 65536 || iops < 12000 || iops > 64000 || iops > 500*a {
			fail("gp3 cluster of %d GiB with %d IOPS", a, iops)
		}
	default:
		fail("cluster storage %q", d.StorageType)
	}
	if d.MaxAllocatedStorageGb != 0 {
		fail("cluster autoscaling ceiling %d", d.MaxAllocatedStorageGb)
	}
	if d.EngineMajor < 14 || d.EngineMajor > 18 {
		fail("cluster engine %d", d.EngineMajor)
	}
	if !d.MultiAZ {
		fail("cluster not Multi-AZ")
	}
	family, size, _ := strings.Cut(strings.TrimPrefix(d.InstanceClass, "db."), ".")
	okFamily := slices.Contains([]string{"c6gd", "m5d", "m6gd", "m6id", "m6idn", "r5d", "r6gd", "r6id", "r6idn", "x2iedn"}, family)
	if !strings.HasPrefix(d.InstanceClass, "db.") || !okFamily || size == "medium" && family != "c6gd" || size == "metal" {
		fail("cluster class %q", d.InstanceClass)
	}
	return bad
}

// drProblems are DR settings AWS or the platform would refuse: a recovery
// region that is the stack's own or not a region name, another mode than
// backups, a cluster, retention or RPO out of bounds, and a recovery
// network that is no stack reference or is the environment's primary
// network (written out here apart from networkref's parser).
func drProblems(d config.Database) []string {
	r := d.DR
	if r.Region == "" {
		if r.Mode != "" || r.RetentionDays != 0 || r.RPOMinutes != 0 || r.NetworkStack != "" {
			return []string{fmt.Sprintf("DR settings %+v without a region", r)}
		}
		return nil
	}
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	if r.Region == d.Region || !regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`).MatchString(r.Region) {
		fail("DR region %q of a stack in %q", r.Region, d.Region)
	}
	if r.Mode != "backups" || d.Deployment != "instance" {
		fail("DR mode %q on a %s", r.Mode, d.Deployment)
	}
	if r.RetentionDays < 1 || r.RetentionDays > 35 || r.RPOMinutes < 15 || r.RPOMinutes > 1440 {
		fail("DR retention %d days, RPO %d minutes", r.RetentionDays, r.RPOMinutes)
	}
	if n := r.NetworkStack; n != "" {
		parts := strings.Split(n, "/")
		ok := len(parts) <= 3
		for _, p := range parts {
			ok = ok && p != "" && strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == ""
		}
		if !ok || n == d.Environment || n == "network/"+d.Environment {
			fail("DR network stack %q of environment %s", n, d.Environment)
		}
	}
	return bad
}

// proxyProblems are proxy settings RDS Proxy would refuse, or settings of
// a proxy that is not there.
func proxyProblems(p config.Proxy) []string {
	if !p.Enabled {
		if p != (config.Proxy{}) {
			return []string{fmt.Sprintf("settings %+v without a proxy", p)}
		}
		return nil
	}
	if p.IdleClientTimeoutSeconds < 1 || p.IdleClientTimeoutSeconds > 28800 || p.MaxConnectionsPercent < 1 || p.MaxConnectionsPercent > 100 ||
		p.MaxIdleConnectionsPercent < 1 || p.MaxIdleConnectionsPercent > p.MaxConnectionsPercent ||
		p.ConnectionBorrowTimeoutSeconds < 1 || p.ConnectionBorrowTimeoutSeconds > 300 {
		return []string{fmt.Sprintf("proxy %+v", p)}
	}
	return nil
}

func FuzzLoadDatabase(f *testing.F) {
	keys := []string{"tier", "engineVersion", "backupWindow", "maintenanceWindow", "masterUsername", "app", "allowedCidrs", "alarms", "backupRetentionDays", "allocatedStorageGb", "maxAllocatedStorageGb",
		"deployment", "instanceClass", "storageType", "iops", "proxy", "proxyMaxIdleConnectionsPercent", "dr"}
	add := func(cfg map[string]string) {
		g := func(k string) string { return cfg["database:"+k] }
		f.Add(g("tier"), g("engineVersion"), g("backupWindow"), g("maintenanceWindow"), g("masterUsername"), g("app"),
			g("allowedCidrs"), g("alarms"), g("backupRetentionDays"), g("allocatedStorageGb"), g("maxAllocatedStorageGb"),
			g("deployment"), g("instanceClass"), g("storageType"), g("iops"), g("proxy"), g("proxyMaxIdleConnectionsPercent"), g("dr"))
	}
	for _, s := range committed.Stacks(f) {
		if s.Project == "database" {
			add(s.Config)
		}
	}
	for _, set := range []map[string]string{
		{"database:tier": "dev", "database:app": "orders"},
		{"database:tier": "prod", "database:app": "pg"},
		{"database:tier": "prod", "database:app": "rds"},
		{"database:tier": "prod", "database:app": "orders", "database:masterUsername": "postgres"},
		{"database:tier": "prod", "database:app": "orders", "database:backupWindow": "23:30-00:30", "database:maintenanceWindow": "sun:23:00-mon:00:15"},
		{"database:tier": "prod", "database:app": "orders", "database:backupWindow": "00:30-01:30", "database:maintenanceWindow": "sun:23:00-mon:00:30"},
		{"database:tier": "prod", "database:app": "orders", "database:backupWindow": "12:00-11:00", "database:maintenanceWindow": "sat:11:00-sat:12:00"},
		{"database:tier": "prod", "database:app": "orders", "database:backupWindow": "02:00-02:00"},
		{"database:tier": "prod", "database:app": "orders", "database:maintenanceWindow": "sun:04:00-sat:04:00"},
		{"database:tier": "prod", "database:app": "orders", "database:allowedCidrs": `["0.0.0.0/0","::/0","10.0.0.1/8"]`},
		{"database:tier": "prod", "database:app": "orders", "database:alarms": `{"cpuPercent":1e300,"connections":9.2e18}`},
		{"database:tier": "prod", "database:app": "orders", "database:allocatedStorageGb": "65536"},
		{"database:tier": "prod", "database:app": "orders", "database:engineVersion": "99999999999999999999"},
		{"database:tier": "prod", "database:app": "orders", "database:deployment": "cluster"},
		{"database:tier": "prod", "database:app": "orders", "database:deployment": "cluster", "database:storageType": "io1", "database:allocatedStorageGb": "399", "database:iops": "19950"},
		{"database:tier": "prod", "database:app": "orders", "database:deployment": "cluster", "database:storageType": "gp3", "database:iops": "64000"},
		{"database:tier": "prod", "database:app": "orders", "database:deployment": "cluster", "database:instanceClass": "db.c6gd.medium", "database:engineVersion": "18"},
		{"database:tier": "prod", "database:app": "orders", "database:deployment": "cluster", "database:instanceClass": "db.m6gd.medium", "database:maxAllocatedStorageGb": "1000"},
		{"database:tier": "prod", "database:app": "orders", "database:storageType": "io2", "database:iops": "3000"},
		{"database:tier": "prod", "database:app": "orders", "database:proxy": "true", "database:proxyMaxIdleConnectionsPercent": "90"},
		{"database:tier": "prod", "database:app": "orders", "database:proxyMaxIdleConnectionsPercent": "10"},
		{"database:tier": "prod", "database:app": "orders", "database:dr": `{"region":"eu-central-1","retentionDays":14,"networkStack":"prod-dr"}`},
		{"database:tier": "prod", "database:app": "orders", "database:dr": `{"region":"eu-central-1","networkStack":"network/prod"}`},
		{"database:tier": "prod", "database:app": "orders", "database:dr": `{"region":"eu-central-1","networkStack":"prod"}`},
		{"database:tier": "prod", "database:app": "orders", "database:dr": `{"region":"eu-central-1","networkStack":"acme/network/prod-dr/x"}`},
		{"database:tier": "prod", "database:app": "orders", "database:dr": `{"region":"eu-central-1","networkStack":"prod\u0000dr"}`},
		{"database:tier": "prod", "database:app": "orders", "database:dr": `{"region":"eu-west-1","retentionDays":36,"rpoMinutes":5}`},
	} {
		add(set)
	}
	f.Fuzz(func(t *testing.T, tier, engineVersion, backupWindow, maintenanceWindow, masterUsername, app, allowedCidrs, alarms, retention, allocated, maxAllocated,
		deployment, instanceClass, storageType, iops, proxy, maxIdle, dr string) {
		cfg := map[string]string{"aws:region": "eu-west-1", "aws:allowedAccountIds": `["111122223333"]`, "database:environment": "prod"}
		for i, v := range []string{tier, engineVersion, backupWindow, maintenanceWindow, masterUsername, app, allowedCidrs, alarms, retention, allocated, maxAllocated,
			deployment, instanceClass, storageType, iops, proxy, maxIdle, dr} {
			if v != "" {
				cfg["database:"+keys[i]] = v
			}
		}
		if dr == "" {
			// Prod requires one or the other; without a dr to fuzz, the
			// opt-out lets the rest of the stack load.
			cfg["database:drOptOut"] = "no recovery network while fuzzing"
		}
		d, err := config.LoadDatabase(config.MapSource("database", cfg))
		if err != nil {
			assertOneConfigError(t, err, "database")
			return
		}
		if bad := databaseViolations(d); len(bad) > 0 {
			t.Fatalf("LoadDatabase accepted an invalid database:\n  %s\nconfig: %q", strings.Join(bad, "\n  "), cfg)
		}
	})
}

// TestInvariantCheckersCatchBadValues makes sure the fuzz targets' own
// checks are not vacuous: each one must flag a value that breaks it.
func TestInvariantCheckersCatchBadValues(t *testing.T) {
	good, err := config.LoadNetwork(config.MapSource("network", with(networkBase(), map[string]string{"network:natGateway": "true", "network:tags": `{"Team":"x"}`})))
	if err != nil {
		t.Fatal(err)
	}
	in := networkInputOf(with(networkBase(), map[string]string{"network:natGateway": "true"}))
	if bad := networkViolations(in, good); len(bad) > 0 {
		t.Fatalf("a valid network is flagged: %v", bad)
	}
	p := netip.MustParsePrefix
	breakers := map[string]func(n *config.Network){
		"tier":                          func(n *config.Network) { n.Tier = "qa" },
		"public VPC":                    func(n *config.Network) { n.VpcCidr = p("8.8.0.0/16") },
		"one zone":                      func(n *config.Network) { n.AZCount = 1 },
		"zones count":                   func(n *config.Network) { n.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b"} },
		"foreign zone":                  func(n *config.Network) { n.AvailabilityZones = []string{"eu-west-1a", "eu-west-1b", "us-east-1c"} },
		"missing subnet":                func(n *config.Network) { n.DatabaseSubnets = n.DatabaseSubnets[:2] },
		"subnet outside VPC":            func(n *config.Network) { n.AppSubnets[1] = p("10.21.0.0/20") },
		"overlap":                       func(n *config.Network) { n.PublicSubnets[2] = p("10.20.49.0/26") },
		"overlap across":                func(n *config.Network) { n.DatabaseSubnets[0] = p("10.20.0.0/24") },
		"tiny subnet":                   func(n *config.Network) { n.DatabaseSubnets[0] = p("10.20.48.0/29") },
		"public without NAT":            func(n *config.Network) { n.NatGateway = false },
		"retention":                     func(n *config.Network) { n.FlowLogRetentionDays = 2 },
		"reserved tag":                  func(n *config.Network) { n.Tags = map[string]string{"Name": "x"} },
		"aws tag":                       func(n *config.Network) { n.Tags = map[string]string{"AWS:x": "x"} },
		"tag character":                 func(n *config.Network) { n.Tags = map[string]string{"x": "a*b"} },
		"tier looser than environment":  func(n *config.Network) { n.Environment, n.Tier = "staging", "dev" },
		"unknown environment in dev":    func(n *config.Network) { n.Environment = "qa" },
		"prod without a pinned account": func(n *config.Network) { n.Tier, n.AllowedAccountIDs = "prod", nil },
		"short account ID":              func(n *config.Network) { n.AllowedAccountIDs = []string{"12345678901"} },
		"account ID twice":              func(n *config.Network) { n.AllowedAccountIDs = []string{"123456789012", "123456789012"} },
	}
	for name, breakIt := range breakers {
		n := good
		n.AppSubnets = slices.Clone(good.AppSubnets)
		n.DatabaseSubnets = slices.Clone(good.DatabaseSubnets)
		n.PublicSubnets = slices.Clone(good.PublicSubnets)
		breakIt(&n)
		if len(networkViolations(in, n)) == 0 {
			t.Errorf("network checker misses %s", name)
		}
	}

	db, err := config.LoadDatabase(config.MapSource("database", databaseBase()))
	if err != nil {
		t.Fatal(err)
	}
	if bad := databaseViolations(db); len(bad) > 0 {
		t.Fatalf("a valid database is flagged: %v", bad)
	}
	dbBreakers := map[string]func(d *config.Database){
		"overlap":                      func(d *config.Database) { d.MaintenanceWindow = "tue:02:59-tue:04:00" },
		"overlap over sunday":          func(d *config.Database) { d.BackupWindow, d.MaintenanceWindow = "00:00-01:00", "sun:23:00-mon:00:01" },
		"short window":                 func(d *config.Database) { d.BackupWindow = "02:00-02:29" },
		"malformed window":             func(d *config.Database) { d.MaintenanceWindow = "sun:4:00-sun:05:00" },
		"forbidden username":           func(d *config.Database) { d.MasterUsername = "admin" },
		"pg_ username":                 func(d *config.Database) { d.MasterUsername = "pg_x" },
		"old engine":                   func(d *config.Database) { d.EngineMajor = 13 },
		"no autoscaling":               func(d *config.Database) { d.MaxAllocatedStorageGb = d.AllocatedStorageGb },
		"open CIDR":                    func(d *config.Database) { d.AllowedCidrs = []netip.Prefix{p("0.0.0.0/0")} },
		"cpu alarm":                    func(d *config.Database) { d.Alarms.CPUPercent = 101 },
		"tier looser than environment": func(d *config.Database) { d.Tier = "staging" },
		"account ID with a letter":     func(d *config.Database) { d.AllowedAccountIDs = []string{"11112222333x"} },
		"no pinned account":            func(d *config.Database) { d.AllowedAccountIDs = nil },
		"unknown shape":                func(d *config.Database) { d.Deployment = "aurora" },
		"instance on io1":              func(d *config.Database) { d.StorageType = "io1" },
		"instance with IOPS":           func(d *config.Database) { d.Iops = 3000 },
		"proxy settings without proxy": func(d *config.Database) { d.Proxy.MaxConnectionsPercent = 90 },
		"DR in the stack's region": func(d *config.Database) {
			d.DR = config.DR{Region: d.Region, Mode: "backups", RetentionDays: 7, RPOMinutes: 60}
		},
		"DR into the primary network": func(d *config.Database) {
			d.DR = config.DR{Region: "eu-central-1", Mode: "backups", RetentionDays: 7, RPOMinutes: 60, NetworkStack: "network/prod"}
		},
		"DR network of four parts": func(d *config.Database) {
			d.DR = config.DR{Region: "eu-central-1", Mode: "backups", RetentionDays: 7, RPOMinutes: 60, NetworkStack: "a/b/c/d"}
		},
		"DR retention 0": func(d *config.Database) {
			d.DR = config.DR{Region: "eu-central-1", Mode: "backups", RetentionDays: 0, RPOMinutes: 60}
		},
		"proxy pool idle above max": func(d *config.Database) {
			d.Proxy = config.Proxy{Enabled: true, IdleClientTimeoutSeconds: 1800, MaxConnectionsPercent: 50, MaxIdleConnectionsPercent: 51, ConnectionBorrowTimeoutSeconds: 120}
		},
	}
	for name, breakIt := range dbBreakers {
		d := db
		breakIt(&d)
		if len(databaseViolations(d)) == 0 {
			t.Errorf("database checker misses %s", name)
		}
	}

	cluster, err := config.LoadDatabase(config.MapSource("database", with(databaseBase(), map[string]string{"database:deployment": "cluster", "database:proxy": "true"})))
	if err != nil {
		t.Fatal(err)
	}
	if bad := databaseViolations(cluster); len(bad) > 0 {
		t.Fatalf("a valid cluster is flagged: %v", bad)
	}
	clusterBreakers := map[string]func(d *config.Database){
		"gp2":                  func(d *config.Database) { d.StorageType = "gp2" },
		"io2 below 100 GiB":    func(d *config.Database) { d.AllocatedStorageGb = 99 },
		"io2 below 0.5/GiB":    func(d *config.Database) { d.AllocatedStorageGb, d.Iops = 10000, 4999 },
		"io1 above 50/GiB":     func(d *config.Database) { d.StorageType, d.Iops = "io1", 5001 },
		"io1 small and fast":   func(d *config.Database) { d.StorageType, d.AllocatedStorageGb, d.Iops = "io1", 399, 19951 },
		"gp3 below 400 GiB":    func(d *config.Database) { d.StorageType, d.AllocatedStorageGb, d.Iops = "gp3", 399, 12000 },
		"gp3 at baseline":      func(d *config.Database) { d.StorageType, d.AllocatedStorageGb, d.Iops = "gp3", 400, 3000 },
		"autoscaling":          func(d *config.Database) { d.MaxAllocatedStorageGb = 500 },
		"engine 19":            func(d *config.Database) { d.EngineMajor = 19 },
		"one zone":             func(d *config.Database) { d.MultiAZ = false },
		"burstable class":      func(d *config.Database) { d.InstanceClass = "db.t4g.medium" },
		"medium outside c6gd":  func(d *config.Database) { d.InstanceClass = "db.m6gd.medium" },
		"borrow timeout 301 s": func(d *config.Database) { d.Proxy.ConnectionBorrowTimeoutSeconds = 301 },
	}
	for name, breakIt := range clusterBreakers {
		d := cluster
		breakIt(&d)
		if len(databaseViolations(d)) == 0 {
			t.Errorf("database checker misses a cluster's %s", name)
		}
	}
}
