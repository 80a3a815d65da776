// Package recorded answers the RDS and EC2 calls of the operational tools
// from recorded API responses: JSON files shaped like the aws-sdk-go-v2
// output structs (and like the AWS CLI's --output json), one per call. The
// verify tests and the command's tests drive the real checks with it, with
// no AWS account.
package recorded
