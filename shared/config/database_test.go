package config_test

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pgplatform/platform/shared/config"
)

func loadDatabase(src config.Source) error {
	_, err := config.LoadDatabase(src)
	return err
}

func TestLoadDatabaseRejects(t *testing.T) {
	cases := []rejection{
		// tier, environment, region, app, network stack
		{"tier missing", map[string]string{"database:tier": unset}, "database:tier", "", "one of dev, staging, prod"},
		{"tier unknown", map[string]string{"database:tier": "qa"}, "database:tier", "qa", "one of dev, staging, prod"},
		{"environment missing", map[string]string{"database:environment": unset}, "database:environment", "", "lowercase name of 1-12"},
		{"environment upper case", map[string]string{"database:environment": "Prod"}, "database:environment", "Prod", "lowercase name"},
		{"environment starts with a digit", map[string]string{"database:environment": "1prod"}, "database:environment", "1prod", "starting with a letter"},
		{"region missing", map[string]string{"aws:region": unset}, "aws:region", "", "an AWS region name"},
		{"region without number", map[string]string{"aws:region": "eu-west"}, "aws:region", "eu-west", "an AWS region name such as eu-west-1"},
		{"app missing", map[string]string{"database:app": unset}, "database:app", "", "a lowercase service name of 1-20"},
		{"app upper case", map[string]string{"database:app": "Orders"}, "database:app", "Orders", "lowercase service name"},
		{"app with hyphen", map[string]string{"database:app": "order-api"}, "database:app", "order-api", "letters and digits"},
		{"app starts with a digit", map[string]string{"database:app": "1orders"}, "database:app", "1orders", "starting with a letter"},
		{"app too long", map[string]string{"database:app": "abcdefghijklmnopqrstu"}, "database:app", "abcdefghijklmnopqrstu", "1-20"},
		{"networkStack with four parts", map[string]string{"database:networkStack": "org/network/prod/x"}, "database:networkStack", "org/network/prod/x", "<organization>/<project>/<stack>"},
		{"networkStack with a space", map[string]string{"database:networkStack": "net work"}, "database:networkStack", "net work", "a stack name"},
		{"networkStack with a leading slash", map[string]string{"database:networkStack": "/prod"}, "database:networkStack", "/prod", "a stack name"},

		// engine
		{"engineVersion not a number", map[string]string{"database:engineVersion": "sixteen"}, "database:engineVersion", "sixteen", "a PostgreSQL major version only"},
		{"engineVersion minor pinned", map[string]string{"database:engineVersion": "16.3"}, "database:engineVersion", "16.3", "a pinned minor turns into a planned downgrade"},
		{"engineVersion negative", map[string]string{"database:engineVersion": "-16"}, "database:engineVersion", "-16", "major version only"},
		{"engineVersion 13", map[string]string{"database:engineVersion": "13"}, "database:engineVersion", "13", "14 or later"},
		{"engineVersion 9", map[string]string{"database:engineVersion": "9"}, "database:engineVersion", "9", "14 or later"},
		{"engineVersion absurd", map[string]string{"database:engineVersion": "100"}, "database:engineVersion", "100", "a supported PostgreSQL major"},
		{"engineVersion overflows", map[string]string{"database:engineVersion": "99999999999999999999"}, "database:engineVersion", "99999999999999999999", "a supported PostgreSQL major"},
		{"instanceClass without db.", map[string]string{"database:instanceClass": "r6g.large"}, "database:instanceClass", "r6g.large", "it starts with db."},
		{"instanceClass without size", map[string]string{"database:instanceClass": "db.r6g"}, "database:instanceClass", "db.r6g", "an RDS instance class"},
		{"instanceClass upper case", map[string]string{"database:instanceClass": "DB.R6G.LARGE"}, "database:instanceClass", "DB.R6G.LARGE", "such as db.r6g.large"},

		// storage
		{"allocated below gp3 minimum", map[string]string{"database:allocatedStorageGb": "19"}, "database:allocatedStorageGb", "19", "from 20 to 59578 GiB"},
		{"allocated 0", map[string]string{"database:allocatedStorageGb": "0"}, "database:allocatedStorageGb", "0", "from 20"},
		{"allocated above maximum", map[string]string{"database:allocatedStorageGb": "65537"}, "database:allocatedStorageGb", "65537", "to 59578"},
		{"allocated at gp3's maximum leaves no room to grow", map[string]string{"database:allocatedStorageGb": "65536"}, "database:allocatedStorageGb", "65536", "storage autoscaling needs room above the start"},
		{"allocated whose ceiling cannot fit in gp3", map[string]string{"database:allocatedStorageGb": "59579"}, "database:allocatedStorageGb", "59579", "a ceiling at least 10% higher"},
		{"allocated not a number", map[string]string{"database:allocatedStorageGb": "100GB"}, "database:allocatedStorageGb", "100GB", "a whole number"},
		{"allocated fraction", map[string]string{"database:allocatedStorageGb": "20.5"}, "database:allocatedStorageGb", "20.5", "a whole number"},
		{"max equals allocated", map[string]string{"database:allocatedStorageGb": "100", "database:maxAllocatedStorageGb": "100"}, "database:maxAllocatedStorageGb", "100", "from 110 to 65536 GiB: at least 10% more than allocatedStorageGb (100)"},
		// RDS wants the autoscaling ceiling at least 10% above the start.
		{"max only 5% above allocated", map[string]string{"database:allocatedStorageGb": "100", "database:maxAllocatedStorageGb": "105"}, "database:maxAllocatedStorageGb", "105", "from 110 to 65536 GiB: at least 10% more than allocatedStorageGb (100)"},
		{"max just under 10% above allocated", map[string]string{"database:allocatedStorageGb": "21", "database:maxAllocatedStorageGb": "23"}, "database:maxAllocatedStorageGb", "23", "from 24 to 65536 GiB"},
		{"max below allocated", map[string]string{"database:allocatedStorageGb": "100", "database:maxAllocatedStorageGb": "50"}, "database:maxAllocatedStorageGb", "50", "as RDS requires of the storage autoscaling ceiling"},
		{"max above maximum", map[string]string{"database:maxAllocatedStorageGb": "65537"}, "database:maxAllocatedStorageGb", "65537", "at most 65536"},
		{"max not a number", map[string]string{"database:maxAllocatedStorageGb": "lots"}, "database:maxAllocatedStorageGb", "lots", "a whole number"},

		// booleans
		{"multiAz not a boolean", map[string]string{"database:multiAz": "yes"}, "database:multiAz", "yes", "true or false"},
		{"deletionProtection not a boolean", map[string]string{"database:deletionProtection": "maybe"}, "database:deletionProtection", "maybe", "true or false"},
		{"applyImmediately not a boolean", map[string]string{"database:applyImmediately": "now"}, "database:applyImmediately", "now", "true or false"},
		{"skipFinalSnapshot not a boolean", map[string]string{"database:skipFinalSnapshot": "nope"}, "database:skipFinalSnapshot", "nope", "true or false"},

		// backups
		{"backup retention 0", map[string]string{"database:backupRetentionDays": "0"}, "database:backupRetentionDays", "0", "from 14 to 35 days in prod"},
		{"backup retention below the dev floor", map[string]string{"database:environment": "dev", "database:tier": "dev", "database:backupRetentionDays": "6"}, "database:backupRetentionDays", "6", "from 7 to 35 days in dev"},
		{"backup retention below the prod floor", map[string]string{"database:backupRetentionDays": "13"}, "database:backupRetentionDays", "13", "from 14 to 35 days in prod"},
		{"backup retention 36", map[string]string{"database:backupRetentionDays": "36"}, "database:backupRetentionDays", "36", "to 35 days"},
		{"backup retention negative", map[string]string{"database:backupRetentionDays": "-1"}, "database:backupRetentionDays", "-1", "from 14 to 35"},
		{"backup retention text", map[string]string{"database:backupRetentionDays": "two weeks"}, "database:backupRetentionDays", "two weeks", "a whole number"},

		// windows: malformed
		{"backup window one-digit hour", map[string]string{"database:backupWindow": "2:00-03:00"}, "database:backupWindow", "2:00-03:00", "a daily UTC window hh:mm-hh:mm of at least 30 minutes"},
		{"backup window without end", map[string]string{"database:backupWindow": "02:00"}, "database:backupWindow", "02:00", "hh:mm-hh:mm"},
		{"backup window en dash", map[string]string{"database:backupWindow": "02:00–03:00"}, "database:backupWindow", "02:00–03:00", "hh:mm-hh:mm"},
		{"backup window hour 25", map[string]string{"database:backupWindow": "25:00-26:00"}, "database:backupWindow", "25:00-26:00", "is not hh:mm"},
		{"backup window 24:00", map[string]string{"database:backupWindow": "23:00-24:00"}, "database:backupWindow", "23:00-24:00", "is not hh:mm"},
		{"backup window with seconds", map[string]string{"database:backupWindow": "02:00:00-03:00:00"}, "database:backupWindow", "02:00:00-03:00:00", "hh:mm-hh:mm"},
		{"backup window three parts", map[string]string{"database:backupWindow": "02:00-03:00-04:00"}, "database:backupWindow", "02:00-03:00-04:00", "hh:mm-hh:mm"},
		{"backup window weekly form", map[string]string{"database:backupWindow": "sun:02:00-sun:03:00"}, "database:backupWindow", "sun:02:00-sun:03:00", "a daily UTC window"},
		{"maintenance window long day name", map[string]string{"database:maintenanceWindow": "sunday:04:00-sun:05:00"}, "database:maintenanceWindow", "sunday:04:00-sun:05:00", "a weekly UTC window ddd:hh:mm-ddd:hh:mm"},
		{"maintenance window without day", map[string]string{"database:maintenanceWindow": "04:00-05:00"}, "database:maintenanceWindow", "04:00-05:00", "does not start with a day mon..sun"},
		{"maintenance window without end", map[string]string{"database:maintenanceWindow": "sun:04:00"}, "database:maintenanceWindow", "sun:04:00", "ddd:hh:mm-ddd:hh:mm"},
		{"maintenance window one-digit hour", map[string]string{"database:maintenanceWindow": "sun:4:00-sun:05:00"}, "database:maintenanceWindow", "sun:4:00-sun:05:00", "is not hh:mm"},
		// windows: too short or whole period
		{"backup window 20 minutes", map[string]string{"database:backupWindow": "02:00-02:20"}, "database:backupWindow", "02:00-02:20", "20 minutes is shorter than 30"},
		{"backup window 29 minutes", map[string]string{"database:backupWindow": "02:00-02:29"}, "database:backupWindow", "02:00-02:29", "at least 30 minutes"},
		{"backup window 20 minutes over midnight", map[string]string{"database:backupWindow": "23:50-00:10"}, "database:backupWindow", "23:50-00:10", "20 minutes is shorter than 30"},
		{"backup window whole day", map[string]string{"database:backupWindow": "02:00-02:00"}, "database:backupWindow", "02:00-02:00", "covers the whole period"},
		{"maintenance window 15 minutes", map[string]string{"database:maintenanceWindow": "sun:04:00-sun:04:15"}, "database:maintenanceWindow", "sun:04:00-sun:04:15", "15 minutes is shorter than 30"},
		{"maintenance window 20 minutes over midnight", map[string]string{"database:maintenanceWindow": "sat:23:50-sun:00:10"}, "database:maintenanceWindow", "sat:23:50-sun:00:10", "20 minutes is shorter than 30"},
		{"maintenance window 20 minutes over the week's end", map[string]string{"database:maintenanceWindow": "sun:23:50-mon:00:10"}, "database:maintenanceWindow", "sun:23:50-mon:00:10", "20 minutes is shorter than 30"},
		{"maintenance window whole week", map[string]string{"database:maintenanceWindow": "sun:04:00-sun:04:00"}, "database:maintenanceWindow", "sun:04:00-sun:04:00", "covers the whole period"},
		// windows: overlapping
		{"maintenance overlaps backup", map[string]string{"database:maintenanceWindow": "mon:02:30-mon:03:30"}, "database:maintenanceWindow", "mon:02:30-mon:03:30", "a window that does not overlap the daily backup window 02:00-03:00"},
		{"maintenance overlaps backup by a minute", map[string]string{"database:maintenanceWindow": "wed:01:00-wed:02:01"}, "database:maintenanceWindow", "wed:01:00-wed:02:01", "does not overlap"},
		{"maintenance contains backup", map[string]string{"database:maintenanceWindow": "fri:01:00-fri:04:00"}, "database:maintenanceWindow", "fri:01:00-fri:04:00", "does not overlap"},
		{"maintenance spans days", map[string]string{"database:maintenanceWindow": "mon:04:00-tue:04:00"}, "database:maintenanceWindow", "mon:04:00-tue:04:00", "does not overlap"},
		{"backup over midnight overlaps maintenance after midnight", map[string]string{"database:backupWindow": "23:30-00:30", "database:maintenanceWindow": "tue:00:00-tue:01:00"}, "database:maintenanceWindow", "tue:00:00-tue:01:00", "the daily backup window 23:30-00:30"},
		{"backup over midnight overlaps maintenance before midnight", map[string]string{"database:backupWindow": "23:30-00:30", "database:maintenanceWindow": "tue:23:00-tue:23:45"}, "database:maintenanceWindow", "tue:23:00-tue:23:45", "does not overlap"},
		{"backup from Sunday night into Monday", map[string]string{"database:backupWindow": "23:30-00:30", "database:maintenanceWindow": "mon:00:15-mon:01:00"}, "database:maintenanceWindow", "mon:00:15-mon:01:00", "does not overlap"},
		{"maintenance from Sunday into Monday", map[string]string{"database:backupWindow": "00:30-01:30", "database:maintenanceWindow": "sun:23:00-mon:01:00"}, "database:maintenanceWindow", "sun:23:00-mon:01:00", "does not overlap"},
		{"maintenance from Sunday into Monday, backup over midnight", map[string]string{"database:backupWindow": "23:50-00:40", "database:maintenanceWindow": "sun:23:00-mon:00:30"}, "database:maintenanceWindow", "sun:23:00-mon:00:30", "does not overlap"},
		{"maintenance wraps the week into backup on Monday", map[string]string{"database:backupWindow": "02:00-03:00", "database:maintenanceWindow": "sun:05:00-mon:02:30"}, "database:maintenanceWindow", "sun:05:00-mon:02:30", "does not overlap"},

		// master user and database name
		{"username postgres", map[string]string{"database:masterUsername": "postgres"}, "database:masterUsername", "postgres", "a name other than postgres, admin, root"},
		{"username admin", map[string]string{"database:masterUsername": "admin"}, "database:masterUsername", "admin", "well-known admin names"},
		{"username root", map[string]string{"database:masterUsername": "root"}, "database:masterUsername", "root", "a name other than"},
		{"username rdsadmin", map[string]string{"database:masterUsername": "rdsadmin"}, "database:masterUsername", "rdsadmin", "a name other than"},
		{"username rdsrepladmin", map[string]string{"database:masterUsername": "rdsrepladmin"}, "database:masterUsername", "rdsrepladmin", "a name other than"},
		{"username master", map[string]string{"database:masterUsername": "master"}, "database:masterUsername", "master", "a name other than"},
		{"username administrator", map[string]string{"database:masterUsername": "administrator"}, "database:masterUsername", "administrator", "a name other than"},
		{"username pg_ prefix", map[string]string{"database:masterUsername": "pg_owner"}, "database:masterUsername", "pg_owner", "not starting with pg_ or rds"},
		{"username rds prefix", map[string]string{"database:masterUsername": "rds_owner"}, "database:masterUsername", "rds_owner", "not starting with pg_ or rds"},
		{"username rds prefix without underscore", map[string]string{"database:masterUsername": "rdsowner"}, "database:masterUsername", "rdsowner", "not starting with pg_ or rds"},
		{"username upper case", map[string]string{"database:masterUsername": "Admin"}, "database:masterUsername", "Admin", "a lowercase identifier of 1-63"},
		{"username with hyphen", map[string]string{"database:masterUsername": "orders-admin"}, "database:masterUsername", "orders-admin", "letters, digits and _"},
		{"username starts with a digit", map[string]string{"database:masterUsername": "1admin"}, "database:masterUsername", "1admin", "starting with a letter"},
		{"username too long", map[string]string{"database:masterUsername": strings.Repeat("u", 64)}, "database:masterUsername", strings.Repeat("u", 64), "1-63"},
		{"app pg would make the default username pg_admin", map[string]string{"database:app": "pg"}, "database:app", "pg", "other than pg, postgres, rds* or template*"},
		{"app rds prefix would make the default username rds*", map[string]string{"database:app": "rdsync"}, "database:app", "rdsync", "rds*"},
		{"app postgres would make the default database postgres", map[string]string{"database:app": "postgres"}, "database:app", "postgres", "reserved one"},
		{"app template prefix would make the default database template*", map[string]string{"database:app": "template1"}, "database:app", "template1", "template*"},
		{"app pg with its own names is still refused", map[string]string{"database:app": "pg", "database:masterUsername": "svc_admin", "database:databaseName": "svc"}, "database:app", "pg", "pg"},
		{"databaseName postgres", map[string]string{"database:databaseName": "postgres"}, "database:databaseName", "postgres", "not postgres, rdsadmin or template*"},
		{"databaseName template1", map[string]string{"database:databaseName": "template1"}, "database:databaseName", "template1", "template*"},
		{"databaseName template0", map[string]string{"database:databaseName": "template0"}, "database:databaseName", "template0", "template*"},
		{"databaseName rdsadmin", map[string]string{"database:databaseName": "rdsadmin"}, "database:databaseName", "rdsadmin", "rdsadmin"},
		{"databaseName upper case", map[string]string{"database:databaseName": "Orders"}, "database:databaseName", "Orders", "a lowercase identifier"},
		{"databaseName with hyphen", map[string]string{"database:databaseName": "my-db"}, "database:databaseName", "my-db", "letters, digits and _"},
		{"databaseName too long", map[string]string{"database:databaseName": strings.Repeat("d", 64)}, "database:databaseName", strings.Repeat("d", 64), "1-63"},

		// port, monitoring, logs
		{"port 1149", map[string]string{"database:port": "1149"}, "database:port", "1149", "a port from 1150 to 65535"},
		{"port 80", map[string]string{"database:port": "80"}, "database:port", "80", "RDS's range"},
		{"port 65536", map[string]string{"database:port": "65536"}, "database:port", "65536", "to 65535"},
		{"port not a number", map[string]string{"database:port": "postgres"}, "database:port", "postgres", "a whole number"},
		{"monitoring 0", map[string]string{"database:monitoringIntervalSeconds": "0"}, "database:monitoringIntervalSeconds", "0", "one of 1, 5, 10, 15, 30, 60 (enhanced monitoring stays on)"},
		{"monitoring 2", map[string]string{"database:monitoringIntervalSeconds": "2"}, "database:monitoringIntervalSeconds", "2", "one of 1, 5, 10, 15, 30, 60"},
		{"monitoring 120", map[string]string{"database:monitoringIntervalSeconds": "120"}, "database:monitoringIntervalSeconds", "120", "one of 1, 5"},
		{"monitoring text", map[string]string{"database:monitoringIntervalSeconds": "1m"}, "database:monitoringIntervalSeconds", "1m", "a whole number"},
		{"PI retention 8", map[string]string{"database:performanceInsightsRetentionDays": "8"}, "database:performanceInsightsRetentionDays", "8", "7, a multiple of 31 up to 713, or 731"},
		{"PI retention 30", map[string]string{"database:performanceInsightsRetentionDays": "30"}, "database:performanceInsightsRetentionDays", "30", "a multiple of 31"},
		{"PI retention 732", map[string]string{"database:performanceInsightsRetentionDays": "732"}, "database:performanceInsightsRetentionDays", "732", "or 731"},
		{"PI retention 744", map[string]string{"database:performanceInsightsRetentionDays": "744"}, "database:performanceInsightsRetentionDays", "744", "up to 713"},
		{"PI retention 0", map[string]string{"database:performanceInsightsRetentionDays": "0"}, "database:performanceInsightsRetentionDays", "0", "7, a multiple"},
		{"PI retention -31", map[string]string{"database:performanceInsightsRetentionDays": "-31"}, "database:performanceInsightsRetentionDays", "-31", "7, a multiple"},
		{"PI retention text", map[string]string{"database:performanceInsightsRetentionDays": "week"}, "database:performanceInsightsRetentionDays", "week", "a whole number"},
		{"log retention 0", map[string]string{"database:logRetentionDays": "0"}, "database:logRetentionDays", "0", "a CloudWatch Logs retention in days"},
		{"log retention 2", map[string]string{"database:logRetentionDays": "2"}, "database:logRetentionDays", "2", "one of 1, 3, 5"},
		{"log retention 366", map[string]string{"database:logRetentionDays": "366"}, "database:logRetentionDays", "366", "365, 400"},
		{"log retention text", map[string]string{"database:logRetentionDays": "month"}, "database:logRetentionDays", "month", "a whole number"},
		{"log min duration -1", map[string]string{"database:logMinDurationStatementMs": "-1"}, "database:logMinDurationStatementMs", "-1", "from 100 to 3600000 milliseconds: slow-query logging stays on"},
		{"log min duration 0 logs every statement", map[string]string{"database:logMinDurationStatementMs": "0"}, "database:logMinDurationStatementMs", "0", "passwords in CREATE/ALTER ROLE included"},
		{"log min duration below the floor", map[string]string{"database:logMinDurationStatementMs": "99"}, "database:logMinDurationStatementMs", "99", "from 100"},
		{"log min duration above an hour", map[string]string{"database:logMinDurationStatementMs": "3600001"}, "database:logMinDurationStatementMs", "3600001", "to 3600000"},
		{"log min duration with unit", map[string]string{"database:logMinDurationStatementMs": "500ms"}, "database:logMinDurationStatementMs", "500ms", "a whole number"},
		{"log statement all", map[string]string{"database:logStatement": "all"}, "database:logStatement", "all", "none (the default) or ddl: mod and all log the text of writes"},
		{"log statement mod", map[string]string{"database:logStatement": "mod"}, "database:logStatement", "mod", "none (the default) or ddl"},
		{"log statement upper case", map[string]string{"database:logStatement": "DDL"}, "database:logStatement", "DDL", "none (the default) or ddl"},
		{"log statement unknown", map[string]string{"database:logStatement": "verbose"}, "database:logStatement", "verbose", "none (the default) or ddl"},

		// access
		{"security groups not a list", map[string]string{"database:allowedSecurityGroupIds": "sg-0123456789abcdef0"}, "database:allowedSecurityGroupIds", "sg-0123456789abcdef0", "a list of strings"},
		{"security group id too short", map[string]string{"database:allowedSecurityGroupIds": js([]string{"sg-123"})}, "database:allowedSecurityGroupIds", "sg-123", "security group ids such as sg-0123456789abcdef0"},
		{"security group id too long", map[string]string{"database:allowedSecurityGroupIds": js([]string{"sg-0123456789abcdef01"})}, "database:allowedSecurityGroupIds", "sg-0123456789abcdef01", "security group ids"},
		{"security group id upper case", map[string]string{"database:allowedSecurityGroupIds": js([]string{"sg-0123456789ABCDEF0"})}, "database:allowedSecurityGroupIds", "sg-0123456789ABCDEF0", "security group ids"},
		{"security group name instead of id", map[string]string{"database:allowedSecurityGroupIds": js([]string{"sg-0123456789abcdef0", "app-servers"})}, "database:allowedSecurityGroupIds", "app-servers", "security group ids"},
		{"cidrs not a list", map[string]string{"database:allowedCidrs": `"10.0.0.0/8"`}, "database:allowedCidrs", `"10.0.0.0/8"`, "a list of strings"},
		{"cidr 0.0.0.0/0", map[string]string{"database:allowedCidrs": js([]string{"0.0.0.0/0"})}, "database:allowedCidrs", "0.0.0.0/0", "0.0.0.0/0 and ::/0 open the database to everyone"},
		{"cidr ::/0", map[string]string{"database:allowedCidrs": js([]string{"::/0"})}, "database:allowedCidrs", "::/0", "open the database to everyone"},
		{"cidr 0.0.0.0/0 after a good one", map[string]string{"database:allowedCidrs": js([]string{"10.1.0.0/16", "0.0.0.0/0"})}, "database:allowedCidrs", "0.0.0.0/0", "a private source range"},
		{"cidr public range", map[string]string{"database:allowedCidrs": js([]string{"8.8.8.0/24"})}, "database:allowedCidrs", "8.8.8.0/24", "IPv4 CIDRs in RFC 1918 space (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)"},
		{"cidr half the internet", map[string]string{"database:allowedCidrs": js([]string{"0.0.0.0/1"})}, "database:allowedCidrs", "0.0.0.0/1", "not in RFC 1918 space"},
		{"cidr host bits", map[string]string{"database:allowedCidrs": js([]string{"10.0.0.1/24"})}, "database:allowedCidrs", "10.0.0.1/24", "host bits set (did you mean 10.0.0.0/24?)"},
		{"cidr IPv6", map[string]string{"database:allowedCidrs": js([]string{"fd00::/8"})}, "database:allowedCidrs", "fd00::/8", "not IPv4"},
		{"cidr does not parse", map[string]string{"database:allowedCidrs": js([]string{"office"})}, "database:allowedCidrs", "office", "not a CIDR"},
		{"caCertIdentifier retired", map[string]string{"database:caCertIdentifier": "rds-ca-2019"}, "database:caCertIdentifier", "rds-ca-2019", "one of rds-ca-rsa2048-g1, rds-ca-rsa4096-g1, rds-ca-ecc384-g1"},

		// alarms
		{"alarms not JSON", map[string]string{"database:alarms": "cpu=80"}, "database:alarms", "cpu=80", "a map of alarm thresholds"},
		{"alarms a list", map[string]string{"database:alarms": "[80]"}, "database:alarms", "[80]", "a map of alarm thresholds"},
		{"alarm unknown name", map[string]string{"database:alarms": `{"diskMb":5}`}, "database:alarms.diskMb", "5", "a threshold named one of connections, cpuPercent, freeStorageMb, freeableMemoryMb, readLatencyMs, writeLatencyMs"},
		{"alarm zero", map[string]string{"database:alarms": `{"cpuPercent":0}`}, "database:alarms.cpuPercent", "0", "a positive whole number"},
		{"alarm negative", map[string]string{"database:alarms": `{"connections":-5}`}, "database:alarms.connections", "-5", "a positive whole number"},
		{"alarm fraction", map[string]string{"database:alarms": `{"readLatencyMs":1.5}`}, "database:alarms.readLatencyMs", "1.5", "a positive whole number"},
		{"alarm text", map[string]string{"database:alarms": `{"freeStorageMb":"lots"}`}, "database:alarms.freeStorageMb", "lots", "a positive whole number"},
		{"alarm null", map[string]string{"database:alarms": `{"writeLatencyMs":null}`}, "database:alarms.writeLatencyMs", "<nil>", "a positive whole number"},
		{"alarm too large for an int", map[string]string{"database:alarms": `{"connections":1e300}`}, "database:alarms.connections", "1e+300", "a positive whole number"},
		{"alarm cpu above 100", map[string]string{"database:alarms": `{"cpuPercent":101}`}, "database:alarms.cpuPercent", "101", "a percentage from 1 to 100"},

		// tags
		{"tags not a map", map[string]string{"database:tags": `["Service"]`}, "database:tags", `["Service"]`, "a map of strings to strings"},
		{"tag key aws prefix", map[string]string{"database:tags": js(map[string]string{"aws:cloudformation:stack-name": "x"})}, "database:tags", "aws:cloudformation:stack-name", "do not start with aws:"},
		{"tag key Tier reserved", map[string]string{"database:tags": js(map[string]string{"Tier": "gold"})}, "database:tags", "Tier", "the platform sets those"},
		{"tag key Stack reserved", map[string]string{"database:tags": js(map[string]string{"Stack": "x"})}, "database:tags", "Stack", "the platform sets those"},
		{"tag key Project reserved", map[string]string{"database:tags": js(map[string]string{"Project": "x"})}, "database:tags", "Project", "the platform sets those"},
		{"tag key bad character", map[string]string{"database:tags": js(map[string]string{"owner!": "x"})}, "database:tags", "owner!", "letters, digits, spaces"},
		{"tag key too long", map[string]string{"database:tags": js(map[string]string{strings.Repeat("t", 129): "x"})}, "database:tags", strings.Repeat("t", 129), "1-128 characters"},
		{"tag value bad character", map[string]string{"database:tags": js(map[string]string{"Service": "orders;drop"})}, "database:tags.Service", "orders;drop", "a tag value of at most 256"},
		{"tag value too long", map[string]string{"database:tags": js(map[string]string{"Service": strings.Repeat("s", 257)})}, "database:tags.Service", strings.Repeat("s", 257), "at most 256 characters"},
	}
	runRejections(t, databaseBase(), "database", cases, loadDatabase)
}

func loadDB(t *testing.T, set map[string]string) config.Database {
	t.Helper()
	d, err := config.LoadDatabase(config.MapSource("database", with(databaseBase(), set)))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLoadDatabaseDefaults(t *testing.T) {
	d := loadDB(t, nil)
	checks := []struct {
		name      string
		got, want any
	}{
		{"Tier", d.Tier, config.Prod},
		{"Environment", d.Environment, "prod"},
		{"Region", d.Region, "eu-west-1"},
		{"App", d.App, "orders"},
		{"NetworkStack", d.NetworkStack, ""},
		{"EngineMajor", d.EngineMajor, 16},
		{"EngineVersion()", d.EngineVersion(), "16"},
		{"ParameterGroupFamily()", d.ParameterGroupFamily(), "postgres16"},
		{"InstanceClass", d.InstanceClass, "db.t4g.medium"},
		{"AllocatedStorageGb", d.AllocatedStorageGb, 20},
		{"MaxAllocatedStorageGb", d.MaxAllocatedStorageGb, 100},
		{"MultiAZ", d.MultiAZ, true},
		{"BackupRetentionDays", d.BackupRetentionDays, 14},
		{"BackupWindow", d.BackupWindow, "02:00-03:00"},
		{"MaintenanceWindow", d.MaintenanceWindow, "sun:04:00-sun:05:00"},
		{"MasterUsername", d.MasterUsername, "orders_admin"},
		{"DatabaseName", d.DatabaseName, "orders"},
		{"Port", d.Port, 5432},
		{"MonitoringInterval", d.MonitoringInterval, 60},
		{"PIRetentionDays", d.PIRetentionDays, 7},
		{"LogRetentionDays", d.LogRetentionDays, 30},
		{"LogMinDurationMs", d.LogMinDurationMs, 1000},
		{"LogStatement", d.LogStatement, "none"},
		{"DeletionProtection", d.DeletionProtection, true},
		{"SkipFinalSnapshot", d.SkipFinalSnapshot, false},
		{"CACertIdentifier", d.CACertIdentifier, "rds-ca-rsa2048-g1"},
		{"Alarms", d.Alarms, config.DefaultAlarms},
		{"len(AllowedSecurityGroups)", len(d.AllowedSecurityGroups), 0},
		{"len(AllowedCidrs)", len(d.AllowedCidrs), 0},
		{"len(Tags)", len(d.Tags), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if d.Tags == nil {
		t.Error("Tags is nil, want an empty map")
	}
}

func TestBackupRetentionDefaultsByTier(t *testing.T) {
	for tier, want := range map[string]int{"prod": 14, "staging": 7, "dev": 7} {
		t.Run(tier, func(t *testing.T) {
			d := loadDB(t, map[string]string{"database:environment": tier, "database:tier": tier})
			if d.BackupRetentionDays != want {
				t.Errorf("%s default backup retention = %d, want %d", tier, d.BackupRetentionDays, want)
			}
		})
	}
	// An explicit value wins over the tier's default, down to the tier's
	// floor (the backups guardrail, stated by the loader too).
	if d := loadDB(t, map[string]string{"database:environment": "dev", "database:tier": "dev", "database:backupRetentionDays": "7"}); d.BackupRetentionDays != 7 {
		t.Errorf("explicit retention 7 read as %d", d.BackupRetentionDays)
	}
	if d := loadDB(t, map[string]string{"database:backupRetentionDays": "35"}); d.BackupRetentionDays != 35 {
		t.Errorf("explicit retention 35 read as %d", d.BackupRetentionDays)
	}
}

func TestMaxAllocatedStorageDefault(t *testing.T) {
	cases := []struct{ allocated, want int }{
		{20, 100},
		{1000, 5000},
		{13107, 65535},
		{13108, 65536}, // 5x would be 65540: capped at RDS's maximum
		{20000, 65536},
		{59578, 65536},
	}
	for _, c := range cases {
		d := loadDB(t, map[string]string{"database:allocatedStorageGb": strconv.Itoa(c.allocated)})
		if d.MaxAllocatedStorageGb != c.want {
			t.Errorf("allocated %d: default max = %d, want %d", c.allocated, d.MaxAllocatedStorageGb, c.want)
		}
	}
	// An explicit max is kept.
	if d := loadDB(t, map[string]string{"database:allocatedStorageGb": "100", "database:maxAllocatedStorageGb": "110"}); d.MaxAllocatedStorageGb != 110 {
		t.Errorf("explicit max read as %d", d.MaxAllocatedStorageGb)
	}
}

func TestLoadDatabaseAccepts(t *testing.T) {
	cases := []struct {
		name  string
		set   map[string]string
		check func(t *testing.T, d config.Database)
	}{
		{"PI retention 7", map[string]string{"database:performanceInsightsRetentionDays": "7"}, func(t *testing.T, d config.Database) { wantInt(t, d.PIRetentionDays, 7) }},
		{"PI retention 31", map[string]string{"database:performanceInsightsRetentionDays": "31"}, func(t *testing.T, d config.Database) { wantInt(t, d.PIRetentionDays, 31) }},
		{"PI retention 62", map[string]string{"database:performanceInsightsRetentionDays": "62"}, func(t *testing.T, d config.Database) { wantInt(t, d.PIRetentionDays, 62) }},
		{"PI retention 713", map[string]string{"database:performanceInsightsRetentionDays": "713"}, func(t *testing.T, d config.Database) { wantInt(t, d.PIRetentionDays, 713) }},
		{"PI retention 731", map[string]string{"database:performanceInsightsRetentionDays": "731"}, func(t *testing.T, d config.Database) { wantInt(t, d.PIRetentionDays, 731) }},
		{"engine 14", map[string]string{"database:engineVersion": "14"}, func(t *testing.T, d config.Database) {
			if d.EngineVersion() != "14" || d.ParameterGroupFamily() != "postgres14" {
				t.Errorf("version %s, family %s", d.EngineVersion(), d.ParameterGroupFamily())
			}
		}},
		{"engine 17", map[string]string{"database:engineVersion": "17"}, func(t *testing.T, d config.Database) { wantInt(t, d.EngineMajor, 17) }},
		{"log statement ddl, slow log at the floor", map[string]string{"database:logStatement": "ddl", "database:logMinDurationStatementMs": "100"}, func(t *testing.T, d config.Database) {
			if d.LogStatement != "ddl" || d.LogMinDurationMs != 100 {
				t.Errorf("logStatement %q, min duration %d", d.LogStatement, d.LogMinDurationMs)
			}
		}},
		{"dev may turn things off", map[string]string{"database:environment": "dev", "database:tier": "dev", "database:multiAz": "false", "database:deletionProtection": "false", "database:skipFinalSnapshot": "true"}, func(t *testing.T, d config.Database) {
			if d.MultiAZ || d.DeletionProtection || !d.SkipFinalSnapshot {
				t.Errorf("multiAz %v, deletionProtection %v, skipFinalSnapshot %v", d.MultiAZ, d.DeletionProtection, d.SkipFinalSnapshot)
			}
		}},
		{"booleans in Go's forms", map[string]string{"database:multiAz": "TRUE", "database:deletionProtection": "1"}, func(t *testing.T, d config.Database) {
			if !d.MultiAZ || !d.DeletionProtection {
				t.Errorf("multiAz %v, deletionProtection %v", d.MultiAZ, d.DeletionProtection)
			}
		}},
		{"network stack forms", map[string]string{"database:networkStack": "acme/network/prod-eu"}, func(t *testing.T, d config.Database) {
			if d.NetworkStack != "acme/network/prod-eu" {
				t.Errorf("NetworkStack = %q", d.NetworkStack)
			}
		}},
		{"sources", map[string]string{
			"database:allowedSecurityGroupIds": js([]string{"sg-0123456789abcdef0", "sg-01234567"}),
			"database:allowedCidrs":            js([]string{"10.0.0.0/8", "172.16.4.0/24", "192.168.1.7/32"}),
		}, func(t *testing.T, d config.Database) {
			if !slices.Equal(d.AllowedSecurityGroups, []string{"sg-0123456789abcdef0", "sg-01234567"}) {
				t.Errorf("AllowedSecurityGroups = %v", d.AllowedSecurityGroups)
			}
			if want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.4.0/24"), netip.MustParsePrefix("192.168.1.7/32")}; !slices.Equal(d.AllowedCidrs, want) {
				t.Errorf("AllowedCidrs = %v", d.AllowedCidrs)
			}
		}},
		{"alarms override some thresholds", map[string]string{"database:alarms": `{"cpuPercent":70,"connections":400}`}, func(t *testing.T, d config.Database) {
			want := config.DefaultAlarms
			want.CPUPercent, want.Connections = 70, 400
			if d.Alarms != want {
				t.Errorf("Alarms = %+v, want %+v", d.Alarms, want)
			}
		}},
		{"alarm cpu 100", map[string]string{"database:alarms": `{"cpuPercent":100}`}, func(t *testing.T, d config.Database) { wantInt(t, d.Alarms.CPUPercent, 100) }},
		{"every CA", nil, func(t *testing.T, _ config.Database) {
			for _, ca := range config.CACertIdentifiers {
				loadDB(t, map[string]string{"database:caCertIdentifier": ca})
			}
		}},
		{"every monitoring interval", nil, func(t *testing.T, _ config.Database) {
			for _, s := range []string{"1", "5", "10", "15", "30", "60"} {
				loadDB(t, map[string]string{"database:monitoringIntervalSeconds": s})
			}
		}},
		{"port range ends", nil, func(t *testing.T, _ config.Database) {
			wantInt(t, loadDB(t, map[string]string{"database:port": "1150"}).Port, 1150)
			wantInt(t, loadDB(t, map[string]string{"database:port": "65535"}).Port, 65535)
		}},
		{"storage range ends", map[string]string{"database:allocatedStorageGb": "20", "database:maxAllocatedStorageGb": "65536"}, func(t *testing.T, d config.Database) {
			wantInt(t, d.MaxAllocatedStorageGb, 65536)
		}},
		{"username and database name", map[string]string{"database:masterUsername": "owner_1", "database:databaseName": "orders_db"}, func(t *testing.T, d config.Database) {
			if d.MasterUsername != "owner_1" || d.DatabaseName != "orders_db" {
				t.Errorf("user %q, database %q", d.MasterUsername, d.DatabaseName)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, loadDB(t, tc.set)) })
	}
}

// TestWindowsThatDoNotOverlap are accepted, including windows that only
// touch and windows that wrap past midnight or the end of the week.
func TestWindowsThatDoNotOverlap(t *testing.T) {
	cases := []struct{ backup, maintenance string }{
		{"02:00-03:00", "sun:03:00-sun:04:00"},
		{"02:00-03:00", "sun:01:00-sun:02:00"},
		{"02:00-03:00", "mon:03:00-tue:02:00"},
		{"23:30-00:30", "sun:01:00-sun:02:00"},
		{"23:30-00:30", "wed:00:30-wed:23:30"},
		{"01:00-02:00", "sun:23:00-mon:00:30"},
		{"22:00-23:00", "sun:23:00-mon:00:30"},
		{"00:30-01:30", "sun:23:00-mon:00:30"},
		{"12:00-11:00", "sat:11:00-sat:12:00"},
		{"02:00-02:30", "mon:02:30-mon:03:00"},
	}
	for _, c := range cases {
		d := loadDB(t, map[string]string{"database:backupWindow": c.backup, "database:maintenanceWindow": c.maintenance})
		if d.BackupWindow != c.backup || d.MaintenanceWindow != c.maintenance {
			t.Errorf("windows read as %q / %q", d.BackupWindow, d.MaintenanceWindow)
		}
	}
}

func wantInt(t *testing.T, got, want int) {
	t.Helper()
	if got != want {
		t.Errorf("got %d, want %d", got, want)
	}
}

// TestApplyImmediatelyPerTier: dev applies instance modifications at once;
// staging and prod leave them to the maintenance window unless the stack
// file asks, explicitly, for the next change to apply now.
func TestApplyImmediatelyPerTier(t *testing.T) {
	cases := []struct {
		name string
		set  map[string]string
		want bool
	}{
		{"prod defers", nil, false},
		{"staging defers", map[string]string{"database:tier": "staging", "database:environment": "staging"}, false},
		{"dev applies at once", map[string]string{"database:tier": "dev", "database:environment": "dev"}, true},
		{"prod asks for now", map[string]string{"database:applyImmediately": "true"}, true},
		{"staging asks for now", map[string]string{"database:tier": "staging", "database:environment": "staging", "database:applyImmediately": "true"}, true},
		{"dev may defer", map[string]string{"database:tier": "dev", "database:environment": "dev", "database:applyImmediately": "false"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := loadDB(t, c.set).ApplyImmediately; got != c.want {
				t.Errorf("ApplyImmediately = %v, want %v", got, c.want)
			}
		})
	}
}
