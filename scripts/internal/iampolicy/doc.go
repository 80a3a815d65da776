// Package iampolicy reads the operational tools' IAM policies
// (.github/policies/<tool>.json) strictly and holds them against the AWS
// calls the tools were seen to make, so that a policy allows every call a
// tool makes and nothing else.
//
// Strict means: only the elements a least-privilege identity policy needs
// (Version, Statement, Sid, Effect, Action, Resource, Condition); no
// NotAction, NotResource or Principal; no wildcard in an action name; every
// Allow names its resources. IAM's grammar and evaluation are in the IAM
// user guide's "IAM JSON policy element reference"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html);
// action names compare case-insensitively there, and here too.
package iampolicy
