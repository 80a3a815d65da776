#!/usr/bin/env bash
# Part of make bench (scripts/bench.sh): the chaos run of the dev
# environment (e2e/chaos_test.go) with BENCH_CHAOS_FAULTS injected faults
# (default 50) from seed BENCH_CHAOS_SEED, through the real engine, the
# deploy tool and the AWS provider double, offline. Writes the faults
# survived and the seed into BENCHMARKS.md between the "bench:chaos"
# markers (other sections are left alone). About a minute per fault on 2
# cores.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/bench.sh
. "$root/scripts/lib/bench.sh"
cd "$root"
faults="${BENCH_CHAOS_FAULTS:-50}"
seed="${BENCH_CHAOS_SEED:-20261202}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say() { printf 'bench-chaos: %s\n' "$*" >&2; }

[ -x bin/pulumi ] || { say "bin/pulumi is missing: run make tools"; exit 1; }
revision="$(source_revision)"
machine="$(describe_machine), $(go_version)"

say "chaos run: $faults faults, seed $seed (about $faults minutes)..."
(cd e2e && CHAOS_FAULTS="$faults" CHAOS_SEED="$seed" PATH="$root/bin:$PATH" \
	go test -tags e2e -count=1 -v -timeout "$((faults * 3 + 20))m" -run '^TestChaosRunSurvivesSeededFaults$' .) >"$work/out" 2>&1 || {
	tail -200 "$work/out" >&2
	say "the chaos run failed (seed $seed): the log above names the fault and what was left behind"
	exit 1
}
line="$(grep -o 'chaos: survived .*' "$work/out" | tail -1)"
[ -n "$line" ] || { tail -50 "$work/out" >&2; say "no result line in the test's output"; exit 1; }
say "$line"

section="$work/section.md"
cat >"$section" <<EOF
<!-- bench:chaos:start (written by make bench, scripts/bench-chaos.sh; edits here are overwritten) -->
## Chaos run: deploys under injected faults

Measured $(date -u +%Y-%m-%d) by \`make bench\` (\`scripts/bench-chaos.sh\`) at $revision, on: $machine.

\`e2e/chaos_test.go\` runs the dev environment's \`deploy up\` again and again
against the AWS provider double, one fault per run at a random point drawn
from the seed: by turns a failed AWS call, a SIGKILL of the whole deploy
in the middle of an RDS create, a failed call again, and the provider
plugin exiting in the middle of a call. Each run is followed by
\`deploy repair --env dev\`, which must need no person, and then the
double's inventory must equal the stacks' exports: no orphan, no
duplicate, no pending operation. At the end an \`up\` converges, a preview
shows no change and a destroy leaves nothing. The point is drawn among
the creates still to come, so once a fault blocks a branch the next ones
fall on what it holds back; each rebuild (destroy, then build again)
draws afresh. To reproduce:
\`cd e2e && CHAOS_FAULTS=$faults CHAOS_SEED=$seed go test -tags e2e -v -run TestChaosRunSurvivesSeededFaults .\`

| seed | faults survived | result |
|---|---|---|
| $seed | $faults | ${line#chaos: } |
<!-- bench:chaos:end -->
EOF
cat "$section"

write_section chaos "$section"
say "wrote BENCHMARKS.md"
