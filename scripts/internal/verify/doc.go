// Package verify checks a deployed database stack against the platform's
// guardrails by asking the AWS API what is really running: the instance
// (Multi-AZ with a standby AZ, encryption with the stack's key, not public,
// backups, deletion protection, IAM auth, Performance Insights, log exports),
// its live parameter group (rds.force_ssl=1, nothing left pending reboot for
// too long), its subnet group and the ingress of its security groups. It
// then connects with TLS verify-full as its own low-privilege login role
// (LoginRole, IAM authentication) and runs select 1. A Multi-AZ DB cluster
// is checked the same way through DescribeDBClusters (the writer and its
// readers in three zones, its cluster parameter group), and an RDS Proxy
// through DescribeDBProxies and DescribeDBProxyTargets (TLS and IAM auth
// required, healthy targets) and a connection through its endpoint.
//
// Every AWS call goes through the small RDS and EC2 interfaces, so the tests
// drive the checks with recorded API responses (testdata/) and no AWS.
package verify
