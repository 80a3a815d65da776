// Command deploy previews, updates, refreshes or destroys the network and
// database stacks of one environment. See scripts/internal/deploy/README.md.
//
//	deploy preview|up|refresh|destroy --env <env> [--stack <stack>]...
package main
