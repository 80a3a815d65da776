package config_test

import (
	"errors"
	"testing"

	"github.com/pgplatform/platform/shared/config"
	"github.com/pgplatform/platform/shared/spec"
)

// The keys of the two shapes (deployment, storageType, iops and the
// cluster's limits on the other storage and engine keys) and of the RDS
// Proxy: every bad value is refused with its key, its value and what is
// allowed.
func TestLoadDatabaseRejectsShapesAndProxy(t *testing.T) {
	cluster := func(set map[string]string) map[string]string {
		set["database:deployment"] = "cluster"
		return set
	}
	proxy := func(set map[string]string) map[string]string {
		set["database:proxy"] = "true"
		return set
	}
	cases := []rejection{
		// deployment
		{"deployment unknown", map[string]string{"database:deployment": "aurora"}, "database:deployment", "aurora", "instance or cluster"},
		{"deployment capitalised", map[string]string{"database:deployment": "Cluster"}, "database:deployment", "Cluster", "instance or cluster"},
		{"deployment single-az", map[string]string{"database:deployment": "single"}, "database:deployment", "single", "instance or cluster"},

		// engineVersion of a cluster
		{"cluster on engine 19", cluster(map[string]string{"database:engineVersion": "19"}), "database:engineVersion", "19", "Multi-AZ DB clusters for: 14, 15, 16, 17, 18"},
		{"cluster on engine 13", cluster(map[string]string{"database:engineVersion": "13"}), "database:engineVersion", "13", "14 or later"},

		// instanceClass of a cluster
		{"cluster on the instance default class", cluster(map[string]string{"database:instanceClass": "db.t4g.medium"}), "database:instanceClass", "db.t4g.medium", "an instance class Multi-AZ DB clusters support"},
		{"cluster on a family without local storage", cluster(map[string]string{"database:instanceClass": "db.r6g.large"}), "database:instanceClass", "db.r6g.large", "family one of c6gd, m5d, m6gd, m6id, m6idn, r5d, r6gd, r6id, r6idn, x2iedn"},
		{"cluster on m6gd medium", cluster(map[string]string{"database:instanceClass": "db.m6gd.medium"}), "database:instanceClass", "db.m6gd.medium", "a size of db.m6gd that Multi-AZ DB clusters support: large"},
		{"cluster on r6idn large", cluster(map[string]string{"database:instanceClass": "db.r6idn.large"}), "database:instanceClass", "db.r6idn.large", "a size of db.r6idn"},
		{"cluster on x2iedn large", cluster(map[string]string{"database:instanceClass": "db.x2iedn.large"}), "database:instanceClass", "db.x2iedn.large", "xlarge, 2xlarge"},
		{"cluster on a metal size", cluster(map[string]string{"database:instanceClass": "db.m6id.metal"}), "database:instanceClass", "db.m6id.metal", "a size of db.m6id"},
		{"cluster class without db.", cluster(map[string]string{"database:instanceClass": "m6gd.large"}), "database:instanceClass", "m6gd.large", "it starts with db."},

		// proxy with a port other than the default
		{"proxy on another port", proxy(map[string]string{"database:port": "6543"}), "database:proxy", "true", "while database:port is 6543"},

		// storageType
		{"instance on io1", map[string]string{"database:storageType": "io1"}, "database:storageType", "io1", "gp3 for an instance"},
		{"instance on gp2", map[string]string{"database:storageType": "gp2"}, "database:storageType", "gp2", "gp3 for an instance"},
		{"cluster on gp2", cluster(map[string]string{"database:storageType": "gp2"}), "database:storageType", "gp2", "one of io1, io2, gp3"},
		{"cluster on magnetic storage", cluster(map[string]string{"database:storageType": "standard"}), "database:storageType", "standard", "the storage types of a Multi-AZ DB cluster"},
		{"cluster on aurora storage", cluster(map[string]string{"database:storageType": "aurora-iopt1"}), "database:storageType", "aurora-iopt1", "one of io1, io2, gp3"},

		// allocatedStorageGb of a cluster
		{"cluster on io2 below 100 GiB", cluster(map[string]string{"database:allocatedStorageGb": "99"}), "database:allocatedStorageGb", "99", "from 100 to 65536 GiB on io2"},
		{"cluster on io1 below 100 GiB", cluster(map[string]string{"database:storageType": "io1", "database:allocatedStorageGb": "20"}), "database:allocatedStorageGb", "20", "from 100 to 65536 GiB on io1"},
		{"cluster on gp3 below 400 GiB", cluster(map[string]string{"database:storageType": "gp3", "database:allocatedStorageGb": "399"}), "database:allocatedStorageGb", "399", "from 400 to 65536 GiB on gp3"},
		{"cluster above 64 TiB", cluster(map[string]string{"database:allocatedStorageGb": "65537"}), "database:allocatedStorageGb", "65537", "to 65536 GiB"},
		{"cluster storage not a number", cluster(map[string]string{"database:allocatedStorageGb": "1TB"}), "database:allocatedStorageGb", "1TB", "a whole number"},

		// iops
		{"iops on an instance", map[string]string{"database:iops": "3000"}, "database:iops", "3000", "no value for an instance"},
		{"iops not a number", cluster(map[string]string{"database:iops": "fast"}), "database:iops", "fast", "a whole number"},
		{"cluster iops below 1000", cluster(map[string]string{"database:iops": "999"}), "database:iops", "999", "from 1000 to 100000 IOPS on 100 GiB of io2"},
		{"cluster iops 0", cluster(map[string]string{"database:iops": "0"}), "database:iops", "0", "from 1000"},
		{"cluster io1 above 50 per GiB", cluster(map[string]string{"database:storageType": "io1", "database:iops": "5001"}), "database:iops", "5001", "from 1000 to 5000 IOPS on 100 GiB of io1"},
		{"cluster io1 above 19950 below 400 GiB", cluster(map[string]string{"database:storageType": "io1", "database:allocatedStorageGb": "399", "database:iops": "19951"}), "database:iops", "19951", "at most 19,950 below 400 GiB"},
		{"cluster io2 below 0.5 per GiB", cluster(map[string]string{"database:allocatedStorageGb": "10000", "database:iops": "4999"}), "database:iops", "4999", "from 5000 to 256000 IOPS"},
		{"cluster io2 above 256000", cluster(map[string]string{"database:allocatedStorageGb": "1000", "database:iops": "256001"}), "database:iops", "256001", "to 256000 IOPS"},
		{"cluster gp3 at its baseline", cluster(map[string]string{"database:storageType": "gp3", "database:allocatedStorageGb": "400", "database:iops": "3000"}), "database:iops", "3000", "from 12000 to 64000 IOPS on 400 GiB of gp3"},
		{"cluster gp3 above 64000", cluster(map[string]string{"database:storageType": "gp3", "database:allocatedStorageGb": "1000", "database:iops": "64001"}), "database:iops", "64001", "12,000-64,000 provisioned IOPS"},

		// maxAllocatedStorageGb of a cluster
		{"cluster with an autoscaling ceiling", cluster(map[string]string{"database:maxAllocatedStorageGb": "1000"}), "database:maxAllocatedStorageGb", "1000", "Multi-AZ DB clusters have no storage autoscaling"},

		// multiAz of a cluster
		{"cluster with Multi-AZ off", cluster(map[string]string{"database:tier": "dev", "database:environment": "dev", "database:multiAz": "false"}), "database:multiAz", "false", "a Multi-AZ DB cluster always spans three zones"},

		// proxy
		{"proxy not a boolean", map[string]string{"database:proxy": "yes"}, "database:proxy", "yes", "true or false"},
		{"direct access without a proxy", map[string]string{"database:proxyDirectAccess": "true"}, "database:proxyDirectAccess", "true", "no value unless database:proxy is true"},
		{"direct access false without a proxy", map[string]string{"database:proxy": "false", "database:proxyDirectAccess": "false"}, "database:proxyDirectAccess", "false", "no value unless database:proxy is true"},
		{"direct access not a boolean", proxy(map[string]string{"database:proxyDirectAccess": "sometimes"}), "database:proxyDirectAccess", "sometimes", "true or false"},
		{"idle client timeout without a proxy", map[string]string{"database:proxyIdleClientTimeoutSeconds": "600"}, "database:proxyIdleClientTimeoutSeconds", "600", "no value unless database:proxy is true"},
		{"idle client timeout 0", proxy(map[string]string{"database:proxyIdleClientTimeoutSeconds": "0"}), "database:proxyIdleClientTimeoutSeconds", "0", "from 1 to 28800 seconds"},
		{"idle client timeout over 8 hours", proxy(map[string]string{"database:proxyIdleClientTimeoutSeconds": "28801"}), "database:proxyIdleClientTimeoutSeconds", "28801", "from 1 to 28800 seconds"},
		{"idle client timeout in minutes", proxy(map[string]string{"database:proxyIdleClientTimeoutSeconds": "30m"}), "database:proxyIdleClientTimeoutSeconds", "30m", "a whole number"},
		{"max connections without a proxy", map[string]string{"database:proxyMaxConnectionsPercent": "50"}, "database:proxyMaxConnectionsPercent", "50", "no value unless database:proxy is true"},
		{"max connections 0", proxy(map[string]string{"database:proxyMaxConnectionsPercent": "0"}), "database:proxyMaxConnectionsPercent", "0", "a percentage from 1 to 100"},
		{"max connections over 100", proxy(map[string]string{"database:proxyMaxConnectionsPercent": "101"}), "database:proxyMaxConnectionsPercent", "101", "a percentage from 1 to 100"},
		{"max idle without a proxy", map[string]string{"database:proxyMaxIdleConnectionsPercent": "10"}, "database:proxyMaxIdleConnectionsPercent", "10", "no value unless database:proxy is true"},
		{"max idle negative", proxy(map[string]string{"database:proxyMaxIdleConnectionsPercent": "-1"}), "database:proxyMaxIdleConnectionsPercent", "-1", "from 1 to proxyMaxConnectionsPercent (90)"},
		{"max idle 0", proxy(map[string]string{"database:proxyMaxIdleConnectionsPercent": "0"}), "database:proxyMaxIdleConnectionsPercent", "0", "0 would render as AWS's default"},
		{"max idle above the default max", proxy(map[string]string{"database:proxyMaxIdleConnectionsPercent": "91"}), "database:proxyMaxIdleConnectionsPercent", "91", "from 1 to proxyMaxConnectionsPercent (90)"},
		{"max idle above the max set", proxy(map[string]string{"database:proxyMaxConnectionsPercent": "50", "database:proxyMaxIdleConnectionsPercent": "60"}), "database:proxyMaxIdleConnectionsPercent", "60", "from 1 to proxyMaxConnectionsPercent (50)"},
		{"borrow timeout without a proxy", map[string]string{"database:proxyConnectionBorrowTimeoutSeconds": "60"}, "database:proxyConnectionBorrowTimeoutSeconds", "60", "no value unless database:proxy is true"},
		{"borrow timeout negative", proxy(map[string]string{"database:proxyConnectionBorrowTimeoutSeconds": "-1"}), "database:proxyConnectionBorrowTimeoutSeconds", "-1", "from 1 to 300 seconds"},
		{"borrow timeout 0", proxy(map[string]string{"database:proxyConnectionBorrowTimeoutSeconds": "0"}), "database:proxyConnectionBorrowTimeoutSeconds", "0", "0 would render as AWS's default"},
		{"borrow timeout over 300", proxy(map[string]string{"database:proxyConnectionBorrowTimeoutSeconds": "301"}), "database:proxyConnectionBorrowTimeoutSeconds", "301", "from 1 to 300 seconds"},
	}
	runRejections(t, databaseBase(), "database", cases, loadDatabase)
}

// A cluster's defaults suit a cluster: a class, storage and IOPS RDS
// accepts for one, no autoscaling ceiling; an instance keeps its own.
func TestShapeDefaults(t *testing.T) {
	cases := []struct {
		name                  string
		set                   map[string]string
		class, storage        string
		allocated, iops, maxS int
	}{
		{"instance", nil, "db.t4g.medium", "gp3", 20, 0, 100},
		{"cluster", map[string]string{"database:deployment": "cluster"}, "db.m6gd.large", "io2", 100, 3000, 0},
		{"cluster on io1", map[string]string{"database:deployment": "cluster", "database:storageType": "io1"}, "db.m6gd.large", "io1", 100, 3000, 0},
		{"cluster on gp3", map[string]string{"database:deployment": "cluster", "database:storageType": "gp3"}, "db.m6gd.large", "gp3", 400, 12000, 0},
		// 3000 IOPS would be below 0.5 per GiB: the default rises to it.
		{"large io2 cluster", map[string]string{"database:deployment": "cluster", "database:allocatedStorageGb": "10000"}, "db.m6gd.large", "io2", 10000, 5000, 0},
		{"largest io1 cluster", map[string]string{"database:deployment": "cluster", "database:storageType": "io1", "database:allocatedStorageGb": "65536"}, "db.m6gd.large", "io1", 65536, 32768, 0},
		{"cluster with its own class and IOPS", map[string]string{"database:deployment": "cluster", "database:instanceClass": "db.r6gd.2xlarge", "database:iops": "20000"}, "db.r6gd.2xlarge", "io2", 100, 20000, 0},
		{"explicit instance", map[string]string{"database:deployment": "instance", "database:storageType": "gp3"}, "db.t4g.medium", "gp3", 20, 0, 100},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := loadDB(t, c.set)
			if d.InstanceClass != c.class || d.StorageType != c.storage || d.AllocatedStorageGb != c.allocated || d.Iops != c.iops || d.MaxAllocatedStorageGb != c.maxS {
				t.Errorf("class %s, storage %s %d GiB, %d IOPS, ceiling %d; want %s, %s %d GiB, %d IOPS, ceiling %d",
					d.InstanceClass, d.StorageType, d.AllocatedStorageGb, d.Iops, d.MaxAllocatedStorageGb,
					c.class, c.storage, c.allocated, c.iops, c.maxS)
			}
			s := config.DatabaseSpec(d)
			if want := spec.Deployment(map[bool]string{true: "cluster", false: "instance"}[d.Cluster()]); s.Deployment != want {
				t.Errorf("spec deployment %q, want %q", s.Deployment, want)
			}
			if s.Instance.StorageType != c.storage || s.Instance.Iops != c.iops || s.Instance.MaxAllocatedStorageGb != c.maxS {
				t.Errorf("spec storage %+v does not carry the config's", s.Instance)
			}
		})
	}
}

// The proxy's pool gets AWS's defaults where AWS's are sane and 90 % of
// max_connections for the pool; a stack without a proxy has none in its
// spec.
func TestProxyDefaults(t *testing.T) {
	d := loadDB(t, map[string]string{"database:proxy": "true"})
	want := config.Proxy{Enabled: true, IdleClientTimeoutSeconds: 1800, MaxConnectionsPercent: 90, MaxIdleConnectionsPercent: 45, ConnectionBorrowTimeoutSeconds: 120}
	if d.Proxy != want {
		t.Errorf("proxy %+v, want %+v", d.Proxy, want)
	}
	d = loadDB(t, map[string]string{"database:proxy": "true", "database:proxyMaxConnectionsPercent": "50", "database:proxyDirectAccess": "true",
		"database:proxyConnectionBorrowTimeoutSeconds": "1", "database:proxyIdleClientTimeoutSeconds": "28800"})
	want = config.Proxy{Enabled: true, DirectAccess: true, IdleClientTimeoutSeconds: 28800, MaxConnectionsPercent: 50, MaxIdleConnectionsPercent: 25, ConnectionBorrowTimeoutSeconds: 1}
	if d.Proxy != want {
		t.Errorf("proxy %+v, want %+v", d.Proxy, want)
	}
	s := config.DatabaseSpec(d)
	if !s.Proxy.Enabled || !s.Proxy.DirectAccess || s.Proxy.MaxConnectionsPercent != 50 || s.Proxy.MaxIdleConnectionsPercent != 25 || s.Proxy.IdleClientTimeoutSeconds != 28800 {
		t.Errorf("spec proxy %+v does not carry the config's %+v", s.Proxy, d.Proxy)
	}
	if d := loadDB(t, nil); d.Proxy.Enabled || config.DatabaseSpec(d).Proxy.Enabled {
		t.Error("a stack without database:proxy has a proxy")
	}
	// A pool of 1 % keeps 1 % idle, not 0 (which would render as AWS's
	// default of half).
	if d := loadDB(t, map[string]string{"database:proxy": "true", "database:proxyMaxConnectionsPercent": "1"}); d.Proxy.MaxIdleConnectionsPercent != 1 {
		t.Errorf("idle share of a 1 %% pool = %d, want 1", d.Proxy.MaxIdleConnectionsPercent)
	}
}

// Every accepted cluster storage is one AWS accepts (spec.CheckClusterStorage),
// across the sizes and IOPS the loader's defaults give.
func TestClusterDefaultsAreAccepted(t *testing.T) {
	for _, st := range spec.ClusterStorageTypes {
		for _, gb := range []int{100, 399, 400, 401, 1000, 2000, 13107, 65536} {
			if gb < spec.ClusterMinStorageGb(st) {
				continue
			}
			iops := spec.DefaultClusterIops(st, gb)
			if what, want := spec.CheckClusterStorage(st, gb, iops); what != "" {
				t.Errorf("default %d IOPS on %d GiB of %s refused: %s: %s", iops, gb, st, what, want)
			}
		}
	}
}

// The shapes' refusals that enforce a guardrail name it.
func TestShapeRefusalsNameTheirGuardrail(t *testing.T) {
	cases := []struct {
		name string
		set  map[string]string
		key  string
		rule string
	}{
		{"cluster engine", map[string]string{"database:deployment": "cluster", "database:engineVersion": "19"}, "database:engineVersion", "supported-engine"},
		{"cluster class", map[string]string{"database:deployment": "cluster", "database:instanceClass": "db.t4g.large"}, "database:instanceClass", "cluster-instance-class"},
		{"cluster storage type", map[string]string{"database:deployment": "cluster", "database:storageType": "gp2"}, "database:storageType", "cluster-storage"},
		{"cluster storage size", map[string]string{"database:deployment": "cluster", "database:allocatedStorageGb": "20"}, "database:allocatedStorageGb", "cluster-storage"},
		{"cluster IOPS", map[string]string{"database:deployment": "cluster", "database:iops": "100"}, "database:iops", "cluster-storage"},
		{"cluster ceiling", map[string]string{"database:deployment": "cluster", "database:maxAllocatedStorageGb": "200"}, "database:maxAllocatedStorageGb", "cluster-storage"},
		{"cluster in one zone", map[string]string{"database:deployment": "cluster", "database:multiAz": "false"}, "database:multiAz", "multi-az"},
		{"instance storage type", map[string]string{"database:storageType": "io2"}, "database:storageType", "storage-autoscaling"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.LoadDatabase(config.MapSource("database", with(databaseBase(), tc.set)))
			var ce *config.Error
			if !errors.As(err, &ce) || ce.Key != tc.key || ce.Rule != tc.rule {
				t.Fatalf("err = %v, want %s refused under guardrail %s", err, tc.key, tc.rule)
			}
		})
	}
}
