#!/usr/bin/env bash
# Part of make bench (scripts/bench.sh calls it; it also runs alone): the
# fresh-runner latency of the pull request preview job (.github/workflows/
# preview.yml, job "preview"): the work its set-up (.github/actions/setup)
# does before the preview itself, from a clean checkout (a `git clone` of
# this repository's HEAD), timed step by step in three states:
#
#   cold      empty GOCACHE and GOMODCACHE (modules come from the Go proxy)
#             and no cached CLI: the first run after go.sum changed;
#   restored  the Go caches and bin/pulumi restored as the workflow restores
#             them (same checkout path, so the build cache hits): the usual
#             pull request;
#   CLI miss  the Go caches restored but no cached bin/pulumi, as when the
#             CLI's cache key changes without the pinned version changing.
#
# The steps are the set-up's: `go list -m` of the AWS provider version, the
# pinned CLI (tools/install.sh pulumi) and the commands the preview job asks
# for (its `commands:` input, read from the workflow), built into bin/.
# Downloading the AWS provider plugin is not timed: it is a download, cached
# by the plugin's version. Nothing talks to AWS.
#
# The cold CLI build takes about 5 minutes and 2.3 GB on 2 cores;
# BENCH_FRESH_CLI=0 skips it (the cold row then says so), and
# BENCH_FRESH_COMMANDS overrides the commands, e.g. to try the script
# quickly. It writes its section of BENCHMARKS.md between the "bench:fresh"
# markers. About 10 minutes on 2 cores.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/bench.sh
. "$root/scripts/lib/bench.sh"
cd "$root"
COLD_CLI="${BENCH_FRESH_CLI:-1}"
work="$(mktemp -d)"
cleanup() {
	chmod -R u+w "$work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
say() { printf 'bench-fresh: %s\n' "$*" >&2; }

# The preview job's commands: the `commands:` input of its set-up step.
commands="${BENCH_FRESH_COMMANDS:-$(awk '
	/^  [a-z][a-z-]*:/ { job = $1 }
	job == "preview:" && $1 == "commands:" { $1 = ""; gsub(/^ +|"/, ""); print; exit }' .github/workflows/preview.yml)}"
[ -n "$commands" ] || {
	say "no commands: input found in the preview job of .github/workflows/preview.yml"
	exit 1
}
[ -x bin/pulumi ] || [ "$COLD_CLI" = 1 ] || {
	say "BENCH_FRESH_CLI=0 needs a built bin/pulumi to stand for the cached one: run make tools"
	exit 1
}
say "the preview job builds: $commands"

checkout="$work/runner/repo"
fresh_checkout() {
	rm -rf "$checkout"
	git clone --quiet --no-hardlinks "$root" "$checkout"
}

# step NAME CMD...: runs CMD in the checkout with the job's caches and
# records its time under NAME for the current state.
declare -A t
step() {
	local name="$1" start
	shift
	start=$(now)
	(cd "$checkout" && GOCACHE="$work/gocache" GOMODCACHE="$work/gomodcache" GOFLAGS="-modcacherw ${GOFLAGS:-}" "$@") >"$work/out" 2>&1 || {
		cat "$work/out" >&2
		return 1
	}
	t[$state.$name]=$(since "$start" 1)
	say "  $state: $name: ${t[$state.$name]} s"
}

build_commands() {
	mkdir -p bin
	for cmd in $commands; do
		go build -o "bin/$cmd" "./scripts/cmd/$cmd"
	done
}
export -f build_commands
export commands

run_job() {
	step "go list -m (AWS provider version)" go list -m -f '{{.Version}}' github.com/pulumi/pulumi-aws/sdk/v6
	step "Pulumi CLI" tools/install.sh pulumi
	step "commands" bash -c build_commands
}

mkdir -p "$work/gocache" "$work/gomodcache"
state=cold
say "cold: a clean checkout, empty Go caches, no cached CLI..."
fresh_checkout
if [ "$COLD_CLI" = 1 ]; then
	run_job
else
	step "go list -m (AWS provider version)" go list -m -f '{{.Version}}' github.com/pulumi/pulumi-aws/sdk/v6
	t["cold.Pulumi CLI"]="not measured (BENCH_FRESH_CLI=0)"
	mkdir -p "$checkout/bin" && cp bin/pulumi "$checkout/bin/pulumi"
	step "commands" bash -c build_commands
fi
cp "$checkout/bin/pulumi" "$work/pulumi-cached"
gocache_mb=$(du -sm "$work/gocache" | cut -f1)
gomod_mb=$(du -sm "$work/gomodcache" | cut -f1)

state=restored
say "restored: a new clean checkout at the same path, the Go caches and bin/pulumi restored..."
fresh_checkout
mkdir -p "$checkout/bin" && cp "$work/pulumi-cached" "$checkout/bin/pulumi"
run_job

state=climiss
say "CLI miss: a new clean checkout, the Go caches restored, no cached bin/pulumi..."
fresh_checkout
if [ "$COLD_CLI" = 1 ]; then
	run_job
else
	# The build cache holds no CLI build to relink from: not this state.
	step "go list -m (AWS provider version)" go list -m -f '{{.Version}}' github.com/pulumi/pulumi-aws/sdk/v6
	t["climiss.Pulumi CLI"]="not measured (BENCH_FRESH_CLI=0)"
	step "commands" bash -c build_commands
fi

# total STATE: the sum of the state's steps, in seconds ("+ CLI" when the
# CLI's step was not measured).
total() {
	local s=0 v more=""
	for name in "go list -m (AWS provider version)" "Pulumi CLI" "commands"; do
		v="${t[$1.$name]}"
		if [[ "$v" =~ ^[0-9.]+$ ]]; then
			s=$(awk -v a="$s" -v b="$v" 'BEGIN{printf "%.1f", a+b}')
		else
			more=" + CLI"
		fi
	done
	echo "$s s$more"
}
declare -A sum
for st in cold restored climiss; do sum[$st]=$(total $st); done
row() {
	local name="$1"
	printf '| %s | %s | %s | %s |\n' "$2" "${t[cold.$name]}" "${t[restored.$name]}" "${t[climiss.$name]}"
}
unit() { [[ "$1" =~ ^[0-9.]+$ ]] && echo "$1 s" || echo "$1"; }
for k in "${!t[@]}"; do t[$k]=$(unit "${t[$k]}"); done
revision="$(source_revision)"
machine="$(describe_machine), $(go_version), load average $(load_average)"

section="$work/section.md"
cat >"$section" <<EOF
<!-- bench:fresh:start (written by make bench; edits here are overwritten) -->
## Fresh-runner latency of the pull request preview

Measured $(date -u +%Y-%m-%d) by \`make bench\` (\`scripts/bench-fresh.sh\`) at $revision, on: $machine.

The set-up work of the preview job (\`.github/workflows/preview.yml\`, job
\`preview\`, through \`.github/actions/setup\`) from a clean checkout, step by
step. The job builds only \`bin/$(echo "$commands" | sed 's/ /, bin\//g')\` (the programs run inline in it)
and uses the pinned CLI.

| step | cold: empty Go caches, no cached CLI | restored: Go caches and CLI restored | CLI miss: Go caches restored, CLI not |
|---|---|---|---|
$(row "go list -m (AWS provider version)" "\`go list -m\` of the AWS provider version")
$(row "Pulumi CLI" "\`tools/install.sh pulumi\`")
$(row "commands" "\`go build\` of \`$commands\`")
| **total** | **${sum[cold]}** | **${sum[restored]}** | **${sum[climiss]}** |

What the caches hold after the cold run: GOCACHE ${gocache_mb} MB, GOMODCACHE
${gomod_mb} MB (what this job alone needs; the workflow restores the cache the
CI job on main saves, which also holds the tests' builds). The CLI's cache is
keyed by its pinned version (\`tools/install.sh --version pulumi\`), so only a
new pin rebuilds it; a restored CLI at the pinned version is never rebuilt
(\`tools/install.sh\` checks \`bin/pulumi version\`), and a CLI built on a miss
is saved at once, before the preview runs, so a failing preview still fills
the cache. Not timed: restoring the caches themselves (a download whose speed
is GitHub's) and the AWS provider plugin's download, cached by its version.
<!-- bench:fresh:end -->
EOF
cat "$section"

write_section fresh "$section"
say "wrote the fresh-runner section of BENCHMARKS.md"
