# shellcheck shell=bash
# The helpers the make bench scripts (scripts/bench*.sh) share. Each script
# sets root to the repository's top and sources this file.
: "${root:?set root to the repository before sourcing scripts/lib/bench.sh}"

# now: the time, in seconds since the epoch, to the nanosecond.
now() { date +%s.%N; }

# since START PLACES: the seconds from START (a now) to now, with PLACES
# decimals.
since() { awk -v a="$1" -v b="$(now)" -v p="$2" 'BEGIN{printf "%." p "f", b-a}'; }

# median: the median of the numbers on stdin, one a line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# describe_machine: this machine's cores, memory and CPU, for a section's
# "on:" line.
describe_machine() {
	echo "$(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
}

# go_version: the go command's version, e.g. go1.26.0.
go_version() { go version | awk '{print $3}'; }

# source_revision: the commit the measured code is at, and whether the
# working tree differed from it, for a section's "Measured" line.
source_revision() {
	local rev
	rev="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		rev="$rev with uncommitted changes"
	fi
	echo "commit $rev"
}

# load_average: the 1, 5 and 15 minute load averages.
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# build_double DIR: builds the deploy tool and the AWS provider double into
# DIR/bin, and makes DIR/state, DIR/aws and DIR/home for offline_env.
build_double() {
	mkdir -p "$1/bin" "$1/state" "$1/aws" "$1/home"
	go build -o "$1/bin/deploy" ./scripts/cmd/deploy
	(cd e2e && go build -o "$1/bin/pulumi-resource-aws" ./cmd/pulumi-resource-aws)
}

# offline_env DIR: points the deploy tool and the pinned CLI at what
# build_double made in DIR: its binaries first on PATH, a file:// backend in
# DIR/state, the double's records in DIR/aws, and fake credentials with no
# AWS profile or region, so that nothing reaches AWS.
offline_env() {
	export PATH="$1/bin:$root/bin:$PATH"
	export PULUMI_HOME="$1/home" PULUMI_BACKEND_URL="file://$1/state"
	export PULUMI_CONFIG_PASSPHRASE="bench-throwaway-passphrase" PULUMI_SKIP_UPDATE_CHECK=true
	export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true FAKEAWS_DIR="$1/aws"
	export AWS_ACCESS_KEY_ID=AKIAFAKEAWSTESTDOUBLE AWS_SECRET_ACCESS_KEY=fake-bench-key NO_COLOR=1
	unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION
}

# write_section NAME FILE: puts FILE, a section between the "bench:NAME"
# markers, into BENCHMARKS.md in the current folder: in place of that
# section, or after the rest when there is none yet. Other sections are left
# alone.
write_section() {
	local name="$1" section="$2"
	touch BENCHMARKS.md
	if grep -q "<!-- bench:$name:start" BENCHMARKS.md; then
		awk -v f="$section" -v start="<!-- bench:$name:start" -v end="<!-- bench:$name:end" '
			index($0, start) { while ((getline l < f) > 0) print l; skip = 1; next }
			index($0, end) { skip = 0; next }
			!skip { print }' BENCHMARKS.md >"$section.new" && cp "$section.new" BENCHMARKS.md
	else
		if [ -s BENCHMARKS.md ]; then echo >>BENCHMARKS.md; fi
		cat "$section" >>BENCHMARKS.md
	fi
}
