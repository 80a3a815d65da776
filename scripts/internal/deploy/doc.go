// Package deploy is the platform's one deploy entry point: it previews,
// updates, refreshes or destroys the network and database stacks of one
// environment through the Pulumi Automation API, in dependency order, with
// the refusals that keep prod and shared networks safe, progress as it goes
// and a summary at the end.
package deploy
