#!/usr/bin/env bash
# Installs the system packages the checks need that are not Go modules, from
# Debian's packages, and only those that are missing:
#   - postgresql, postgresql-client: the failover and restore drills' tests
#   - pgbouncer: the failover drill's pooled runs (a pooler in front of the
#     local Multi-AZ DB cluster analogue, standing in for RDS Proxy)
#   - shellcheck: actionlint checks workflow scripts with it
#   - nodejs: the workflow scripts' tests (node --test)
#   - time: GNU time, for make bench's peak-memory figures
set -euo pipefail

need=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && command -v psql >/dev/null || need+=(postgresql postgresql-client)
[ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
command -v shellcheck >/dev/null || need+=(shellcheck)
command -v node >/dev/null || need+=(nodejs)
[ -x /usr/bin/time ] || need+=(time)

if [ ${#need[@]} -eq 0 ]; then
	echo "deps: PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -n1), pgbouncer, shellcheck, node and GNU time already installed"
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "deps: missing ${need[*]} and this user is not root; run as root: apt-get install -y ${need[*]}" >&2
		exit 1
	fi
	sudo="sudo"
fi

start=$(date +%s)
echo "deps: installing ${need[*]} from Debian packages..."
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian postgresql package starts a cluster of its own; the tests start
# their own servers on free loopback ports and need nothing from it. The
# same goes for the pgbouncer service the pgbouncer package starts.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { echo "deps: postgresql installed but no initdb under /usr/lib/postgresql/*/bin" >&2; exit 1; }
echo "deps: installed ${need[*]} in $(( $(date +%s) - start ))s"
