#!/usr/bin/env bash
# Runs a Node.js major version other than the machine's, for testing the
# workflow scripts under the Node that GitHub's runners use (ubuntu-24.04
# defaults to Node 22; actions run on Node 24).
#
#   tools/node.sh 22 --test .github/scripts/*.test.js
#
# The first call installs that version from the npm registry's `node`
# package into bin/node<major>/ (a Node binary shipped inside a registry
# package); later calls reuse it.
set -euo pipefail
major="${1:?usage: tools/node.sh MAJOR [node arguments...]}"
shift
case "$major" in
'' | *[!0-9]*) echo "tools/node.sh: the Node major must be a number, got $major" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/bin/node$major"
node="$dir/node_modules/.bin/node"
if ! [ -x "$node" ] || [ "$("$node" --version | sed -E 's/^v([0-9]+).*/\1/')" != "$major" ]; then
	echo "tools/node.sh: installing Node $major from the npm registry into bin/node$major..." >&2
	mkdir -p "$dir"
	npm install --silent --no-audit --no-fund --prefix "$dir" "node@$major" >/dev/null
fi
echo "tools/node.sh: $("$node" --version)" >&2
exec "$node" "$@"
