#!/usr/bin/env bash
# Checks the units with `systemd-analyze verify`. The units name /usr/bin/parker, as a package
# installs it; here that path is pointed at this checkout's bin/parker.js in a copy of the units.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v systemd-analyze >/dev/null || { echo "systemd-analyze is missing: apt-get install systemd" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in "$here"/*.service; do
  sed "s#/usr/bin/parker#$root/bin/parker.js#g" "$unit" > "$work/$(basename "$unit")"
done
# verify prints every problem and exits non-zero on any; warnings about the build host's own units are not ours.
out=$(cd "$work" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no ./*.service 2>&1) || { echo "$out" >&2; exit 1; }
problems=$(echo "$out" | grep -E '^(/.*)?parker(-apply)?\.service' || true)
if [ -n "$problems" ]; then echo "$problems" >&2; exit 1; fi
echo "systemd units: $(ls "$work" | tr '\n' ' ')verified"
