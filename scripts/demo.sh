#!/bin/sh
# Runs scripts/demo.py against local stand-ins.  As root it runs inside a
# private network namespace with only the loopback interface, so the demo
# cannot reach any other address.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
export BUILD="${BUILD:-$top/build}"
export ACM_INBOX="${ACM_INBOX:-$BUILD/acm-inbox}"
export AWS_EC2_METADATA_DISABLED=true
if [ -z "${ACM_INBOX_IN_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] &&
	command -v unshare >/dev/null 2>&1 && command -v ip >/dev/null 2>&1 &&
	unshare -n true 2>/dev/null; then
	export ACM_INBOX_IN_NETNS=1
	exec unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' "$0" "$@"
fi
exec "${PYTHON:-python3}" "$top/scripts/demo.py" "$@"
