#!/bin/sh
# make install into a temporary DESTDIR puts the binary, the man pages and
# the systemd units in place, the installed binary runs, and the man pages
# render without warnings.
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count=0
failed=0

check() {
	count=$((count + 1))
	if [ "$1" = 0 ]; then
		echo "ok $count - $2"
	else
		failed=$((failed + 1))
		echo "not ok $count - $2"
	fi
}

make -s install BUILD="${BUILD:-build}" DESTDIR="$work/root" \
	PREFIX=/opt/acm >"$work/log" 2>&1
check $? "make install succeeds"
root=$work/root/opt/acm
[ -x "$root/bin/acm-inbox" ]; check $? "binary installed"
"$root/bin/acm-inbox" version >"$work/version" 2>&1
check $? "installed binary runs"
grep -q "^acm-inbox $(cat VERSION)\$" "$work/version"
check $? "installed binary prints the version"
[ -f "$root/share/man/man1/acm-inbox.1" ]; check $? "acm-inbox.1 installed"
[ -f "$root/share/man/man5/acm-inbox.conf.5" ]
check $? "acm-inbox.conf.5 installed"
[ -f "$root/lib/systemd/system/acm-inbox.service" ]
check $? "service unit installed"
[ -f "$root/lib/systemd/system/acm-inbox.timer" ]
check $? "timer unit installed"

for page in docs/acm-inbox.1 docs/acm-inbox.conf.5; do
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -T lint -W warning "$page" >"$work/lint" 2>&1
		check $? "$page renders without warnings"
		[ -s "$work/lint" ] && sed 's/^/#   /' "$work/lint"
	else
		count=$((count + 1))
		echo "ok $count # SKIP mandoc not installed"
	fi
done

echo "1..$count"
[ "$failed" -eq 0 ]
