#!/usr/bin/env bash
# Part of make bench (scripts/bench.sh calls it; it also runs alone): what
# running an environment's database stacks at once buys, and what it costs.
#
#   - `deploy preview --env dev` of the network plus 1, 10 and 40 database
#     stacks, one at a time (--parallel 1) against the default parallelism,
#     with no latency and with the double's modelled AWS latency
#     (FAKEAWS_LATENCY, BENCH_LATENCY, default 150ms per call that reaches
#     AWS); each pair measured side by side in this run and given as a
#     ratio;
#   - the peak memory of the deploy process and every process under it (the
#     Pulumi CLI and provider plugin of each running stack), sampled from
#     /proc, for each of those runs;
#   - the size of the pull request comment for 40 stacks
#     (TestFortyStacksFitOneComment).
#
# The stacks are copies of orders-dev (app01-dev ... app40-dev) in a
# sandbox of the repository, deployed once into the provider double on a
# file:// backend; the previews use --refresh, as the drift check does, so
# each stack reads its resources from "AWS". Offline: no AWS account is
# touched. It writes its section of BENCHMARKS.md between the
# "bench:parallel" markers. About 15 minutes on 2 cores.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib/bench.sh
. "$root/scripts/lib/bench.sh"
cd "$root"
LATENCY="${BENCH_LATENCY:-150ms}"
# The resident size assumed for the real AWS provider plugin, in MB: the
# top of the 300-430 MB per process that pulumi/pulumi-aws#5860 reports.
REAL_PLUGIN_MB="${BENCH_REAL_PLUGIN_MB:-430}"
# ... and for the unconfigured plugin process each stack operation also
# starts: the 63 MB process of the same listing.
REAL_IDLE_PLUGIN_MB="${BENCH_REAL_IDLE_PLUGIN_MB:-63}"
SIZES="${BENCH_STACKS:-1 10 40}"
PREVIEW_FLAGS="${BENCH_PREVIEW_FLAGS:---refresh}"
read -r -a pflags <<<"$PREVIEW_FLAGS"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
say() { printf 'bench-parallel: %s\n' "$*" >&2; }

[ -x bin/pulumi ] || { say "bin/pulumi is missing: run make tools"; exit 1; }

# tree_rss PID: the resident memory, in KiB, of PID and every process under
# it, from /proc/<pid>/stat (field 2 the command, 4 the parent, 24 the
# resident pages): "<total> <Pulumi CLIs> <provider plugins> <plugins running>
# <CLIs running>".
tree_rss() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" -v page="$(($(getconf PAGESIZE) / 1024))" '
		{
			line = $0; pid = $1 + 0
			comm = line; sub(/^[0-9]+ \(/, "", comm); sub(/\) .*$/, "", comm)
			sub(/^.*\) /, "", line); split(line, f, " ")
			parent[pid] = f[2] + 0; rss[pid] = f[22] * page; name[pid] = comm
		}
		END {
			n = 1; todo[1] = root + 0; total = 0; cli = 0; clis = 0; plugin = 0; plugins = 0
			for (i = 1; i <= n; i++) {
				p = todo[i]; total += rss[p]
				if (name[p] == "pulumi") { cli += rss[p]; clis++ }
				if (name[p] ~ /^pulumi-resource/) { plugin += rss[p]; plugins++ }
				for (c in parent) if (parent[c] == p) todo[++n] = c + 0
			}
			print total, cli, plugin, plugins, clis
		}'
}

# run_measured OUT CMD...: runs CMD, sampling the memory of its process tree
# every 0.2 s; prints "<seconds> <peak MiB> <CLIs MiB> <plugins MiB>
# <plugins> <CLIs>", the last four at the peak. The command's output goes to
# OUT.
run_measured() {
	local out="$1"
	shift
	local start end peak=0 at="0 0 0 0" total rest
	start=$(date +%s.%N)
	"$@" >"$out" 2>&1 &
	local pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		read -r total rest <<<"$(tree_rss "$pid")"
		if ((total > peak)); then
			peak=$total at=$rest
		fi
		sleep 0.2
	done
	if ! wait "$pid"; then
		cat "$out" >&2
		return 1
	fi
	end=$(date +%s.%N)
	awk -v a="$start" -v b="$end" -v p="$peak" -v at="$at" 'BEGIN{
		split(at, x, " "); printf "%.1f %d %d %d %d %d\n", b-a, p/1024, x[1]/1024, x[2]/1024, x[3], x[4]}'
}

say "building the deploy tool and the provider double..."
build_double "$work"
mkdir -p "$work/repo/bin"

# The sandbox: what the deploy tool reads of the repository, with dev's
# network and 40 copies of orders-dev.
repo="$work/repo"
max=0
for n in $SIZES; do ((n > max)) && max=$n; done
cp go.work "$repo/"
for p in network database; do
	mkdir -p "$repo/$p" "$repo/environments/$p"
	cp "$p/Pulumi.yaml" "$repo/$p/"
done
cp environments/network/Pulumi.dev.yaml "$repo/environments/network/"
ln -s "$root/bin/pulumi" "$repo/bin/pulumi"
apps=()
for i in $(seq -w 1 "$max"); do
	apps+=("app$i-dev")
	sed "s/orders/app$i/g" environments/database/Pulumi.orders-dev.yaml >"$repo/environments/database/Pulumi.app$i-dev.yaml"
done

offline_env "$work"
unset FAKEAWS_LATENCY
cd "$repo"

say "deploying dev's network and $max database stacks into the double once..."
# At most 4 at once: on a loaded machine 8 creates at once have timed out
# the engine's handshake with a starting plugin; this up is set-up only.
r=$(run_measured "$work/up.out" deploy up --env dev --parallel 4 --log-dir "$work/logs-up")
read -r up_s up_m _ <<<"$r"
say "  $up_s s, peak $up_m MiB"
default=$(deploy help | sed -n 's/.*stops at the first failure (default \([0-9]*\)).*/\1/p')
[ -n "$default" ] || { say "cannot read the default --parallel from deploy help"; exit 1; }

rows="$work/rows"
: >"$rows"
peak=(--peak 0 --cli 0 --plugin 0 --plugins 0 --clis 0)
for n in $SIZES; do
	sel=(--stack dev)
	for app in "${apps[@]:0:$n}"; do sel+=(--stack "$app"); done
	for lat in 0 "$LATENCY"; do
		label="none"
		[ "$lat" != 0 ] && label="$lat per call"
		declare -A t=() m=()
		for par in 1 "$default"; do
			say "preview of the network + $n stacks, --parallel $par, latency $label..."
			r=$(FAKEAWS_LATENCY="$lat" run_measured "$work/preview.out" \
				deploy preview --env dev "${sel[@]}" "${pflags[@]}" --parallel "$par" --log-dir "$work/logs")
			read -r s mem cli plugin plugins clis <<<"$r"
			t[$par]=$s m[$par]=$mem
			say "  $s s, peak $mem MiB ($plugins provider plugins, $plugin MiB; $clis Pulumi CLIs, $cli MiB)"
			if [ "$n" = "$max" ] && [ "$par" = "$default" ] && [ "$lat" != 0 ]; then
				peak=(--peak "$mem" --cli "$cli" --plugin "$plugin" --plugins "$plugins" --clis "$clis")
			fi
		done
		ratio=$(awk -v a="${t[1]}" -v b="${t[$default]}" 'BEGIN{printf "%.1f", a/b}')
		echo "| $n | $label | ${t[1]} s | ${m[1]} MiB | ${t[$default]} s | ${m[$default]} MiB | ${ratio}× |" >>"$rows"
	done
done
cat "$rows" >&2
cd "$root"

say "PR comment size for 40 stacks..."
comment=$(cd scripts && go test -count=1 -run '^TestFortyStacksFitOneComment$' -v ./internal/report/ 2>&1) || {
	echo "$comment" >&2
	exit 1
}
comment_line=$(echo "$comment" | grep -m1 -o "forty stacks: comment .*") || { say "TestFortyStacksFitOneComment printed no size"; exit 1; }
say "  $comment_line"

# memory_text --peak MiB --cli MiB --plugin MiB --plugins N --clis N: the
# memory budget at the default parallelism, with the double's plugins
# replaced by the real provider's size. The engine starts two plugin
# processes per stack operation: the configured default provider, which
# makes every resource call, and an unconfigured one that only answers
# CheckConfig and DiffConfig (seen in the double's call log, by process).
memory_text() {
	local peak cli plugin plugins clis
	while [ $# -gt 0 ]; do
		case "$1" in
		--peak) peak=$2 ;; --cli) cli=$2 ;; --plugin) plugin=$2 ;; --plugins) plugins=$2 ;; --clis) clis=$2 ;;
		esac
		shift 2
	done
	awk -v peak="$peak" -v cli="$cli" -v plugin="$plugin" -v n="$plugins" -v c="$clis" -v d="$default" \
		-v big="$REAL_PLUGIN_MB" -v small="$REAL_IDLE_PLUGIN_MB" -v stacks="$max" 'BEGIN {
		c = (c > 0 ? c : 1)
		base = peak - cli - plugin
		per = cli / c + big + small
		worst = cli / c + 2 * big
		budget = 7 * 1024 - 1536
		printf "**Memory at the default parallelism.** The largest run (%d stacks, --parallel %d, with latency) peaked at %d MiB: %d Pulumi CLIs (%d MiB, %d MiB each), %d provider plugins of the double (%d MiB), and deploy with its inline programs (%d MiB).\n\n", stacks, d, peak, c, cli, cli / c, n, plugin, base
		printf "The real provider plugin is far larger than the double. pulumi/pulumi-aws#5860 lists one pulumi-resource-aws process at 63 MB beside configured ones at 317 to 430 MB. Each stack operation runs two plugin processes: the configured default provider and an unconfigured one that only answers CheckConfig and DiffConfig (the double'\''s call log, by process). "
		printf "Counting %d MB and %d MB for them, a running stack needs about %d MiB, and %d at once about %d MiB in all. ", big, small, per, d, base + d * per
		printf "If the second process were as large as the first (%d MB each), a stack would need %d MiB and %d at once %d MiB.\n\n", big, worst, d, base + d * worst
		printf "A GitHub-hosted runner with 7 GB leaves about %d MiB after the system and the runner agent (1.5 GiB set aside here): room for %d stacks at once at %d MiB each, or %d at %d MiB. Forty stacks never run more than %d at a time, so forty need no more than %d do. The default of %d keeps enough stacks in flight to hide the API round trips (table above) and, in the likely case, needs %d of those %d MiB; should the plugins prove as large as the conservative case on a 7 GB runner, --parallel %d fits it.", budget, int((budget - base) / per), per, int((budget - base) / worst), worst, d, d, d, base + d * per, budget, int((budget - base) / worst)
	}'
}

revision="$(source_revision)"
machine="$(describe_machine)"
section="$work/section.md"
cat >"$section" <<EOF
<!-- bench:parallel:start (written by make bench; edits here are overwritten) -->
## Parallel stacks

Measured $(date -u +%Y-%m-%d) by \`make bench\` (\`scripts/bench-parallel.sh\`) at $revision, on: $machine.

\`deploy preview --env dev $PREVIEW_FLAGS\` of dev's network plus N copies of
\`orders-dev\`, deployed in the provider double on a file:// backend, through
the pinned CLI. Each row runs one at a time (\`--parallel 1\`) and at the
default parallelism (\`--parallel $default\`) one after the other in this run.
"Latency" is the double's modelled AWS round trip (\`FAKEAWS_LATENCY\`),
added to each provider call that reaches AWS in the real provider (Read,
Create and Update outside a preview, Delete, and the invokes that call an
API; see \`e2e/fakeaws/latency.go\`). Peak memory is the summed resident
memory of \`deploy\` and every process under it (each running stack's Pulumi
CLI and provider plugin), sampled every 0.2 s.

| database stacks | latency | one at a time | peak memory | --parallel $default | peak memory | speed-up |
|---|---|---|---|---|---|---|
$(cat "$rows")

$(memory_text "${peak[@]}")

The first \`deploy up\` of the network and $max stacks (--parallel 4, no
latency) took $up_s s with a peak of $up_m MiB.

PR comment for 40 stacks: $comment_line.
<!-- bench:parallel:end -->
EOF
cat "$section"

write_section parallel "$section"
say "wrote the parallel stacks section of BENCHMARKS.md"
