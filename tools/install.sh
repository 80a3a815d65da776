#!/usr/bin/env bash
# Builds the project's pinned tools into <repo>/bin:
#
#   bin/pulumi      the Pulumi CLI, from tools/pulumi/go.mod
#   bin/actionlint  the GitHub workflow linter, from tools/actionlint/go.mod
#
# Each tool is pinned by the version of its module in its own go.mod (a
# `tool` line); this script reads the version from there and stamps it into
# the binary with -ldflags, so `bin/pulumi version` prints it and the
# Automation API accepts the CLI. A binary that already reports the pinned
# version is not rebuilt.
#
# Usage:
#   tools/install.sh [pulumi] [actionlint]   build the named tools (default: all)
#   tools/install.sh --version pulumi        print the pinned version of a tool
#
# The tool modules are kept out of go.work on purpose: the CLI's dependency
# graph is huge and must never enter the build list of the platform's own
# programs. A cold build of the CLI takes about 5 minutes on 2 cores and
# needs about 2.3 GB of memory; a re-link with a warm build cache takes
# about 10 seconds (see tools/README.md).
set -euo pipefail

tools_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(dirname "$tools_dir")"
bin_dir="$repo_root/bin"

# tool name -> module directory, Go module whose version pins it, package to
# build, and the variable that -ldflags stamps with the version.
module_of() {
	case "$1" in
	pulumi) echo "github.com/pulumi/pulumi/pkg/v3" ;;
	actionlint) echo "github.com/rhysd/actionlint" ;;
	*) return 1 ;;
	esac
}
package_of() {
	case "$1" in
	pulumi) echo "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi" ;;
	actionlint) echo "github.com/rhysd/actionlint/cmd/actionlint" ;;
	esac
}
version_var_of() {
	case "$1" in
	pulumi) echo "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version" ;;
	actionlint) echo "github.com/rhysd/actionlint.version" ;;
	esac
}
# installed_version prints the version an existing binary reports, or
# nothing when it is missing or broken.
installed_version() {
	local bin="$bin_dir/$1"
	[[ -x "$bin" ]] || return 0
	case "$1" in
	pulumi) "$bin" version 2>/dev/null | head -n1 || true ;;
	actionlint) "$bin" -version 2>/dev/null | head -n1 || true ;;
	esac
}

# pinned_version reads the version of the tool's module from its go.mod.
pinned_version() {
	local tool="$1" module gomod version
	module="$(module_of "$tool")" || {
		echo "tools/install.sh: unknown tool \"$tool\" (known: pulumi, actionlint)" >&2
		return 1
	}
	gomod="$tools_dir/$tool/go.mod"
	version="$(awk -v m="$module" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$gomod")"
	if [[ -z "$version" ]]; then
		echo "tools/install.sh: $gomod does not require $module" >&2
		return 1
	fi
	echo "$version"
}

build() {
	local tool="$1" version have start elapsed
	version="$(pinned_version "$tool")"
	have="$(installed_version "$tool")"
	if [[ "$have" == "$version" ]]; then
		echo "==> $tool $version: bin/$tool is up to date"
		return 0
	fi
	if [[ -n "$have" ]]; then
		echo "==> $tool: bin/$tool reports \"$have\", rebuilding at the pinned $version"
	fi
	case "$tool" in
	pulumi) echo "==> building pulumi $version (cold: ~5 min and ~2.3 GB on 2 cores; with a warm build cache: ~10 s)" ;;
	*) echo "==> building $tool $version" ;;
	esac
	start=$SECONDS
	mkdir -p "$bin_dir"
	(
		cd "$tools_dir/$tool"
		GOWORK=off go build \
			-ldflags "-X $(version_var_of "$tool")=$version" \
			-o "$bin_dir/$tool.tmp" "$(package_of "$tool")"
	)
	mv "$bin_dir/$tool.tmp" "$bin_dir/$tool"
	have="$(installed_version "$tool")"
	if [[ "$have" != "$version" ]]; then
		echo "tools/install.sh: bin/$tool reports \"$have\" after the build, want $version" >&2
		return 1
	fi
	elapsed=$((SECONDS - start))
	echo "==> $tool $version built in ${elapsed}s: bin/$tool"
}

if [[ "${1:-}" == "--version" ]]; then
	if [[ $# -ne 2 ]]; then
		echo "usage: tools/install.sh --version pulumi|actionlint" >&2
		exit 2
	fi
	pinned_version "$2"
	exit 0
fi

tools=("$@")
if [[ ${#tools[@]} -eq 0 ]]; then
	tools=(actionlint pulumi)
fi
for tool in "${tools[@]}"; do
	if ! module_of "$tool" >/dev/null; then
		echo "tools/install.sh: unknown tool \"$tool\" (known: pulumi, actionlint)" >&2
		exit 2
	fi
done
total_start=$SECONDS
for tool in "${tools[@]}"; do
	build "$tool"
done
echo "==> tools ready in $((SECONDS - total_start))s"
