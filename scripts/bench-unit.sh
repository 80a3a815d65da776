#!/usr/bin/env bash
# Part of make bench (scripts/bench.sh calls it; it also runs alone): what a
# warm unit-test run costs, and where the time goes.
#
#   - the wall time of `go test -count=1` over exactly what `make unit` runs
#     (its package patterns are read from the Makefile), with a warm build
#     cache and no cached results: median of BENCH_UNIT_RUNS runs (default 3);
#   - every test binary that run links: which of the heavy SDKs it carries
#     (the Pulumi SDK, the Automation API, the pulumi-aws SDK, the AWS SDK
#     for Go v2 service clients, read from `go list -test -deps`), its size
#     and the time `go test -c` takes to link it alone, one after another,
#     so the binaries can be compared with each other on a loaded machine.
#
# Every package's tests run in well under a second; the rest of a warm run
# is linking, so the number of binaries that carry the SDKs is what moves
# the total. It writes its section of BENCHMARKS.md between the "bench:unit"
# markers. About 2 minutes on 2 cores.
#
# BENCH_UNIT_PATTERNS (default: the Makefile's) limits it to some packages,
# e.g. BENCH_UNIT_PATTERNS=./shared/... to try the script quickly.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/bench.sh
. "$root/scripts/lib/bench.sh"
cd "$root"
RUNS="${BENCH_UNIT_RUNS:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say() { printf 'bench-unit: %s\n' "$*" >&2; }

# The patterns of `make unit` (go test ./shared/... ./network/... ...).
if [ -n "${BENCH_UNIT_PATTERNS:-}" ]; then
	read -r -a patterns <<<"$BENCH_UNIT_PATTERNS"
else
	read -r -a patterns <<<"$(make -s --no-print-directory -n unit | sed -n 's/^go test //p' | head -n1)"
fi
[ "${#patterns[@]}" -gt 0 ] || {
	say "could not read the package patterns of make unit"
	exit 1
}
say "packages: ${patterns[*]}"

say "warming the build cache (compiles and links every test binary once)..."
go test -count=1 -run '^$' "${patterns[@]}" >"$work/out" 2>&1 || {
	cat "$work/out" >&2
	exit 1
}

: >"$work/runs"
for i in $(seq "$RUNS"); do
	start=$(now)
	go test -count=1 "${patterns[@]}" >"$work/out" 2>&1 || {
		cat "$work/out" >&2
		exit 1
	}
	s=$(since "$start" 2)
	echo "$s" >>"$work/runs"
	say "  run $i: warm go test -count=1: $s s"
done
wall=$(median <"$work/runs" | awk '{printf "%.1f", $1}')

# The packages with test files in the default build (the e2e-tagged and
# pgtest-tagged files are not in this run).
go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' "${patterns[@]}" | sed '/^$/d' >"$work/pkgs"
module="$(go list -m -f '{{.Path}}' | head -n1)"
prefix="${module%/*}/"

has() { grep -qE "$1" "$2" && echo yes || echo "-"; }
: >"$work/rows"
n=0 n_sdk=0 n_auto=0 n_paws=0 n_awsv2=0 link_sum=0 link_heavy=0
while read -r pkg; do
	go list -test -deps -f '{{.ImportPath}}' "$pkg" | sed 's/ \[.*//' | sort -u >"$work/deps"
	sdk=$(has '^github.com/pulumi/pulumi/sdk/v3/go/pulumi$' "$work/deps")
	auto=$(has '^github.com/pulumi/pulumi/sdk/v3/go/auto$' "$work/deps")
	paws=$(has '^github.com/pulumi/pulumi-aws/sdk/v6/go/aws/' "$work/deps")
	awsv2=$(has '^github.com/aws/aws-sdk-go-v2/service/' "$work/deps")
	ndeps=$(wc -l <"$work/deps")
	start=$(now)
	go test -c -o "$work/t.test" "$pkg" >"$work/out" 2>&1 || {
		cat "$work/out" >&2
		exit 1
	}
	s=$(since "$start" 2)
	mb=$(awk -v b="$(stat -c %s "$work/t.test")" 'BEGIN{printf "%.0f", b/1048576}')
	rm -f "$work/t.test"
	n=$((n + 1))
	[ "$sdk" = yes ] && n_sdk=$((n_sdk + 1))
	[ "$auto" = yes ] && n_auto=$((n_auto + 1))
	[ "$paws" = yes ] && n_paws=$((n_paws + 1))
	[ "$awsv2" = yes ] && n_awsv2=$((n_awsv2 + 1))
	link_sum=$(awk -v a="$link_sum" -v b="$s" 'BEGIN{printf "%.2f", a+b}')
	if [ "$sdk$auto$paws$awsv2" != "----" ]; then
		link_heavy=$(awk -v a="$link_heavy" -v b="$s" 'BEGIN{printf "%.2f", a+b}')
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${pkg#"$prefix"}" "$sdk" "$auto" "$paws" "$awsv2" "$ndeps" "$mb" "$s" >>"$work/rows"
	say "  ${pkg#"$prefix"}: link $s s, $mb MB, $ndeps packages"
done <"$work/pkgs"
say "$n test binaries, $n_sdk link the Pulumi SDK; links one after another: $link_sum s ($link_heavy s in those with an SDK); warm run median $wall s"

# The table, largest link first.
rows=$(sort -t $'\t' -k8,8 -gr "$work/rows" | awk -F '\t' '{printf "| `%s` | %s | %s | %s | %s | %s | %s MB | %.1f s |\n", $1, $2, $3, $4, $5, $6, $7, $8}')
revision="$(source_revision)"
machine="$(describe_machine), $(go_version), load average $(load_average)"

section="$work/section.md"
cat >"$section" <<EOF
<!-- bench:unit:start (written by make bench; edits here are overwritten) -->
## Warm unit tests

Measured $(date -u +%Y-%m-%d) by \`make bench\` (\`scripts/bench-unit.sh\`) at $revision, on: $machine.

| what | value |
|---|---|
| warm \`go test -count=1\` of what \`make unit\` runs (\`${patterns[*]}\`), median of $RUNS | **${wall} s** |
| test binaries it links | $n |
| of them linking the Pulumi SDK / the Automation API / the pulumi-aws SDK / AWS SDK v2 service clients | $n_sdk / $n_auto / $n_paws / $n_awsv2 |
| their link times, one after another (\`go test -c\` each) | ${link_sum} s, ${link_heavy} s of it in binaries with an SDK |

A warm run with no cached results compiles nothing and runs every
package's tests in well under a second each; it is mostly linking one
binary per package with tests, two at a time on 2 cores. A binary that
imports the Pulumi SDK, or a pulumi-aws resource package, carries most of
it whatever its tests call (the packages register their types when they
load), so the size column steps from a few MB to tens of MB with those
imports; the Automation API and the AWS SDK clients cost only what the
tests reach. The per-binary
times below are measured one after another in this run, so on a loaded
machine compare them with each other rather than with another day's.

| test binary | Pulumi SDK | Automation API | pulumi-aws | AWS SDK v2 | packages linked | size | link |
|---|---|---|---|---|---|---|---|
$rows
<!-- bench:unit:end -->
EOF
cat "$section"

write_section unit "$section"
say "wrote the warm unit tests section of BENCHMARKS.md"
