// Command record re-records the preview fixtures in
// scripts/internal/report/testdata with the real engine, the real programs
// and the real AWS provider double:
//
//   - the pinned CLI (bin/pulumi) and a local file:// backend;
//   - the platform's own programs (network/netstack and database/dbstack),
//     run inline through the Automation API with the committed stack files
//     of environments/, exactly as bin/deploy runs them
//     (scripts/internal/workspace);
//   - the end-to-end suite's AWS provider double, e2e/fakeaws, built from
//     e2e/cmd/pulumi-resource-aws into a folder that comes first on PATH, as
//     e2e/harness_test.go does, so the previews diff, replace and fail as
//     the e2e suite's do.
//
// For each environment it deploys the committed files of the stacks its
// scenarios need (the network first), then for each scenario edits the
// stack file (or changes the double's "AWS" behind Pulumi's back), previews,
// and keeps both forms the engine writes a preview in: the event stream
// (<stack>.events.ndjson) and `pulumi preview --json` (<stack>.preview.json).
//
//	make record-previews     (or: go run ./scripts/internal/report/internal/record [-stack orders-dev])
//
// Why a built binary and not an import: e2e is a module of its own in
// go.work, holding test code only, and the scripts module (the operational
// commands) does not require it. Importing e2e/fakeaws here would make the
// operational module depend on the test module, and break GOWORK=off
// builds of scripts. The double is a provider plugin anyway, which the
// engine runs as a process; building it with `go build` inside the e2e
// module keeps the module graph as it is and runs the very binary the e2e
// suite runs. The only thing the recorder knows of the double's insides is
// the documented records.json format (e2e/README.md), which the drift
// scenario edits as a console user would change AWS.
//
// It needs no network and no AWS account, and takes a few minutes.
package main
