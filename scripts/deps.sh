#!/bin/sh
# Install the Debian packages acm-inbox builds and tests with, when missing,
# and check that the Python side of the test stand-ins is importable.
# As root it runs apt-get itself; otherwise it prints the command and stops.
set -eu

packages="build-essential pkg-config libcurl4-openssl-dev libssl-dev
libgmime-3.0-dev libpcre2-dev libjson-c-dev libxml2-dev
openssl ca-certificates mandoc clang libclang-rt-14-dev iproute2 valgrind"

missing=""
for package in $packages; do
	status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $package" ;;
	esac
done

if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: missing packages:$missing" >&2
		echo "deps: run as root: apt-get update &&" \
			"apt-get install -y$missing" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
	echo "deps: $python not found; the tests need Python 3 with moto," \
		"boto3 and awscli" >&2
	exit 1
fi
if ! "$python" -c 'import moto.server, boto3' 2>/dev/null; then
	echo "deps: '$python -c \"import moto.server, boto3\"' failed." >&2
	echo "deps: the tests need moto 5 (with its server extra) and boto3" \
		"for that interpreter; set PYTHON=/path/to/python3 to use" \
		"another one." >&2
	exit 1
fi
