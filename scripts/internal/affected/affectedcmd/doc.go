// Package affectedcmd is the affected command: it lists the stacks a change
// must preview, from the files it changes (see package affected for the
// rules).
//
// Usage:
//
//	affected [--root DIR] [--format matrix|json|text] [PATH...]
//	affected --all [--root DIR] [--format matrix|json|text]
//
// The changed paths, relative to the repository root, come from the
// arguments, or one per line from stdin when there are none:
//
//	git diff --name-only --no-renames origin/main...HEAD | affected
//
// The default output is one line of JSON for a GitHub Actions matrix:
//
//	{"include":[{"project":"network","stack":"dev","environment":"dev","because":"network/main.go"}]}
package affectedcmd
