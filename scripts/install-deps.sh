#!/usr/bin/env bash
# Installs the system packages the test suites need and are not Go modules:
# the PostgreSQL server and client from Debian's packages, for the failover
# and restore drills' tests. Does nothing when they are already installed.
set -euo pipefail

have_server() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }

if have_server && command -v psql >/dev/null; then
	echo "deps: PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -n1) already installed"
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		echo "deps: PostgreSQL is not installed and this user is not root; run as root: apt-get install -y postgresql postgresql-client" >&2
		exit 1
	fi
	sudo="sudo"
fi

start=$(date +%s)
echo "deps: installing postgresql and postgresql-client from Debian packages..."
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends postgresql postgresql-client >/dev/null
# The Debian package starts a cluster of its own; the tests start their own
# servers on free loopback ports and need nothing from it.
have_server || { echo "deps: postgresql installed but no initdb under /usr/lib/postgresql/*/bin" >&2; exit 1; }
echo "deps: PostgreSQL $(ls /usr/lib/postgresql | sort -V | tail -n1) installed in $(( $(date +%s) - start ))s"
