// Package rdspending reads what RDS holds for an instance's maintenance
// window: the PendingModifiedValues of DescribeDBInstances
// (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_PendingModifiedValues.html)
// and when the window next opens. deploy records them beside a preview,
// the preview report tells a change scheduled for the window from drift
// with them, and verify reports them.
package rdspending
