#!/bin/sh
# Makes sure the Debian packages the build needs are installed.
# As root it installs what is missing through apt-get; otherwise it prints the exact command
# to run and fails, so `make` stops before doing anything half-way.
# Usage: tools/deps.sh PACKAGE...
set -u

missing=""
for pkg in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)
    case "$status" in
    *" installed") ;;
    *) missing="$missing $pkg" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run: sudo apt-get install -y$missing" >&2
    exit 1
fi

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty package lists: try once, then refresh and retry.
if ! apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
    apt-get update -q >/dev/null || { echo "deps: apt-get update failed" >&2; exit 1; }
    apt-get install -y -q --no-install-recommends $missing >/dev/null ||
        { echo "deps: apt-get install$missing failed" >&2; exit 1; }
fi
