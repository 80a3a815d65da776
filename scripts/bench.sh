#!/usr/bin/env bash
# make bench: measures what this platform costs to build, test and preview,
# prints the figures and writes them into BENCHMARKS.md between the
# "bench:platform" markers (other sections of that file are left alone).
#
#   - cold and warm `go build` of each program, with peak memory;
#   - a warm `go test` of the workspace's unit tests;
#   - an offline `preview` of the dev network plus one database stack through
#     the real engine (pinned CLI, file:// backend, the AWS provider double),
#     with the programs run inline from the prebuilt deploy binary, and with a
#     compile of both programs before every run, as the Go language host does.
#     Both are measured in this one run and given as a ratio.
#   - the failover drill's resolution and overhead, and the local RTO of the
#     Multi-AZ DB instance and cluster analogues on real PostgreSQL
#     (BENCH_RTO_DRILLS drills each, default 5: about 7 more minutes).
#
# Runs offline; no AWS account is touched (the provider double answers).
# Takes about 10 minutes on 2 cores, most of it the two cold builds, plus
# the failover drills.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/bench.sh
. "$root/scripts/lib/bench.sh"
cd "$root"
RUNS="${BENCH_RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say() { printf 'bench: %s\n' "$*" >&2; }

# measure CMD...: runs CMD, prints "<seconds> <peak RSS in MiB>" of it and
# its children (GNU time's %M is the largest resident set of the process tree
# it waited for).
measure() {
	/usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>&1 || {
		cat "$work/out" >&2
		return 1
	}
	awk '{printf "%.1f %d\n", $1, $2/1024}' "$work/time"
}

[ -x bin/pulumi ] || { say "bin/pulumi is missing: run make tools"; exit 1; }
[ -x /usr/bin/time ] || { say "GNU time is missing: apt-get install -y time"; exit 1; }

revision="$(source_revision)"
machine="$(describe_machine), $(go_version)"
say "machine: $machine"

declare -A cold warm coldmem warmmem
for prog in network database; do
	say "cold build of $prog (empty build cache)..."
	r=$(GOCACHE="$work/cache-$prog" measure go build -o "$work/$prog" "./$prog")
	read -r s m <<<"$r"
	cold[$prog]=$s coldmem[$prog]=$m
	say "  $s s, peak $m MiB"
	say "warm build of $prog..."
	r=$(GOCACHE="$work/cache-$prog" measure go build -o "$work/$prog" "./$prog")
	read -r s m <<<"$r"
	warm[$prog]=$s warmmem[$prog]=$m
	say "  $s s, peak $m MiB"
	rm -rf "$work/cache-$prog"
done

say "warm go test of the unit tests..."
go test ./shared/... ./network/... ./database/... ./scripts/... ./e2e/... >/dev/null
r=$(measure go test -count=1 ./shared/... ./network/... ./database/... ./scripts/... ./e2e/...)
read -r unit_s unit_m <<<"$r"
say "  $unit_s s"

say "engine previews: building the deploy tool and the provider double..."
build_double "$work"
offline_env "$work"
stacks=(--env dev --stack dev --stack orders-dev)
say "deploying dev's network and orders-dev into the double once..."
measure deploy up "${stacks[@]}" >/dev/null

: >"$work/inline" && : >"$work/compiled"
for i in $(seq "$RUNS"); do
	r=$(measure deploy preview "${stacks[@]}")
	read -r s _ <<<"$r"
	echo "$s" >>"$work/inline"
	say "  run $i: inline preview from the prebuilt binary: $s s"
	start=$(now)
	go build -o "$work/network-prog" ./network
	go build -o "$work/database-prog" ./database
	deploy preview "${stacks[@]}" >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
	s=$(since "$start" 1)
	echo "$s" >>"$work/compiled"
	say "  run $i: compile both programs, then preview: $s s"
done
inline=$(median <"$work/inline")
compiled=$(median <"$work/compiled")
ratio=$(awk -v a="$compiled" -v b="$inline" 'BEGIN{printf "%.2f", a/b}')
say "median inline $inline s, compile-per-run $compiled s (ratio $ratio)"

say "failover drill resolution and overhead against local PostgreSQL (about a minute)..."
(cd scripts && go test -tags pgtest -run '^$' -bench 'Resolution|Overhead' -benchtime 1x -timeout 15m ./internal/failover/) >"$work/failover" 2>&1 || {
	cat "$work/failover" >&2
	exit 1
}
failover_lines=$(grep -E '^Benchmark' "$work/failover")
echo "$failover_lines" >&2

# Local RTO of the Multi-AZ DB instance analogue and the cluster analogue
# (and the cluster through pgbouncer), each failed over by a crash of the
# primary while the drill writes; BENCH_RTO_DRILLS fresh drills per row.
rto_drills="${BENCH_RTO_DRILLS:-5}"
say "local failover RTO, instance and cluster analogues, $rto_drills drills each (about $((rto_drills * 70 / 60 + 1)) minutes)..."
(cd scripts && FAILOVER_RTO_DRILLS="$rto_drills" go test -tags pgtest -run '^$' -bench '^BenchmarkRTO$' -benchtime 1x -timeout 40m ./internal/failover/) >"$work/rto" 2>&1 || {
	cat "$work/rto" >&2
	exit 1
}
rto_rows=$(awk '
	BEGIN {
		label["instance"] = "Multi-AZ DB instance analogue: primary + 1 synchronous standby, through the writer endpoint"
		label["cluster"] = "Multi-AZ DB cluster analogue: primary + 2 standbys, ANY 1 (s1, s2), through the writer endpoint"
		label["cluster_pgbouncer"] = "cluster analogue through pgbouncer (transaction mode, defaults), moved by RELOAD"
		label["cluster_pgbouncer_paused"] = "cluster analogue through pgbouncer, server_login_retry=0.1, PAUSE until moved"
	}
	/^BenchmarkRTO\// {
		name = $1; sub(/^BenchmarkRTO\//, "", name); sub(/-[0-9]+$/, "", name)
		delete m
		for (i = 5; i < NF; i += 2) m[$(i + 1)] = $i
		printf "| %s | %.0f ms | %.0f ms | %g | %.0f ms | %g |\n", label[name], m["rto-ms"], m["rto-max-ms"], m["failed-writes"], m["longest-write-ms"], m["lost-acked"]
	}' "$work/rto")
echo "$rto_rows" >&2

section="$work/section.md"
cat >"$section" <<EOF
<!-- bench:platform:start (written by make bench; edits here are overwritten) -->
## Builds, tests and engine previews

Measured $(date -u +%Y-%m-%d) by \`make bench\` at $revision, on: $machine.

| what | time | peak memory |
|---|---|---|
| cold \`go build ./network\` (empty build cache, modules downloaded) | ${cold[network]} s | ${coldmem[network]} MiB |
| warm \`go build ./network\` | ${warm[network]} s | ${warmmem[network]} MiB |
| cold \`go build ./database\` | ${cold[database]} s | ${coldmem[database]} MiB |
| warm \`go build ./database\` | ${warm[database]} s | ${warmmem[database]} MiB |
| warm \`go test\` of every module's unit tests | ${unit_s} s | ${unit_m} MiB |

Offline \`preview\` of the dev network plus \`orders-dev\` through the real engine
(pinned CLI, file:// backend, the AWS provider double), median of $RUNS runs:

| how the programs run | time | ratio to inline |
|---|---|---|
| inline, from the prebuilt deploy binary (this platform) | ${inline} s | 1 |
| compiled before every run, warm build cache (\`go build\` of both programs, then the same preview) | ${compiled} s | ${ratio} |

The compiled row stands in for the Go language host, which compiles the
program before each run: \`pulumi-language-go\` cannot be installed on these
machines, so the compile is timed with \`go build\` and the preview itself
runs inline in both rows. On a runner without a build cache either way first
pays a cold compile (about ${cold[database]} s, table above): \`bin/deploy\` once
per job, the language host once per program per job.

For comparison: pulumi/pulumi#12186 reports 30 s of a 35-40 s preview spent in
\`go build\`, and pulumi/pulumi#4140 reports \`go run\` invoked four times per
\`up\`. The inline programs pay the build once, when \`make setup\` builds
\`bin/deploy\`.

Failover drill benchmarks of this run (resolution: error of the reported
downtime against an injected outage; overhead: the drill's own CPU; see the
"Failover drill" section for how to read them):

\`\`\`
$failover_lines
\`\`\`

Local failover RTO on real PostgreSQL: the drill's client-observed downtime
when the primary is crashed while it writes (median of $rto_drills fresh drills per
row; see "Local failover: Multi-AZ DB instance and cluster analogues"):

| analogue | RTO, median | RTO, largest | failed writes, median | longest acknowledged write, median | acknowledged writes lost, all drills |
|---|---|---|---|---|---|
$rto_rows
<!-- bench:platform:end -->
EOF
cat "$section"

write_section platform "$section"
say "wrote BENCHMARKS.md"

# Parallel stacks (scripts/bench-parallel.sh, its own BENCHMARKS.md section):
# environment preview time for 1, 10 and 40 database stacks, one at a time
# against parallel, with and without the double's modelled AWS latency; peak
# memory; the PR comment's size for 40 stacks.
"$root/scripts/bench-parallel.sh"

# Warm unit tests (scripts/bench-unit.sh, its own BENCHMARKS.md section):
# the warm `go test -count=1` of what make unit runs, and every test
# binary's link cost and the SDKs it carries.
"$root/scripts/bench-unit.sh"

# Fresh-runner latency (scripts/bench-fresh.sh, its own BENCHMARKS.md
# section): the pull request preview job's set-up from a clean checkout with
# empty Go caches, with the caches restored, and with the CLI's cache missed.
"$root/scripts/bench-fresh.sh"

# The chaos run (scripts/bench-chaos.sh, its own BENCHMARKS.md section): the
# dev environment's up under 50 seeded faults, each followed by deploy
# repair, with no orphan, no duplicate and no manual step.
"$root/scripts/bench-chaos.sh"
