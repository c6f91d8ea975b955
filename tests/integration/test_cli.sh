#!/bin/sh
# The command line: help, version, unknown commands and options, config
# file errors with file and line, and exit statuses.
set -u
tool=${ACM_INBOX:-build/acm-inbox}
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
		[ -f "$work/err" ] && sed 's/^/#   /' "$work/err" | head -5
	fi
}

# run EXPECTED-STATUS ARGS...: runs the tool, keeps stdout and stderr.
run() {
	expected=$1
	shift
	"$tool" "$@" >"$work/out" 2>"$work/err" </dev/null
	[ $? -eq "$expected" ]
}

run 0 --help; check $? "--help exits 0"
grep -q '^Usage: acm-inbox' "$work/out"; check $? "--help prints usage"
run 0 version; check $? "version exits 0"
grep -q '^acm-inbox [0-9]' "$work/out"; check $? "version prints number"
run 0 --version; check $? "--version exits 0"
run 2; check $? "no command is a usage error"
run 2 frobnicate; check $? "unknown command exits 2"
grep -q "unknown command 'frobnicate'" "$work/err"
check $? "unknown command named"
run 2 inspect --no-such-option x; check $? "unknown option exits 2"
grep -q "^acm-inbox inspect: unknown option '--no-such-option'" "$work/err"
check $? "unknown option named under the tool's name"
run 2 run --max; check $? "option without value exits 2"
grep -q "^acm-inbox run: option '--max' needs a value" "$work/err"
check $? "option without value named"
for command in setup status teardown run approve inspect; do
	run 0 "$command" --help; check $? "$command --help exits 0"
	grep -q "acm-inbox $command" "$work/out"
	check $? "$command --help names the command"
	run 0 help "$command"; check $? "help $command exits 0"
done
run 2 --log-format xml run; check $? "bad --log-format exits 2"
run 2 --connect-to nonsense run; check $? "bad --connect-to exits 2"

printf 'region = eu-west-1\nmax-attempts = lots\n' >"$work/bad.conf"
run 2 -c "$work/bad.conf" run; check $? "bad config value exits 2"
grep -q "bad.conf:2: invalid value 'lots' for 'max-attempts'" "$work/err"
check $? "bad config value names file and line"
printf '# comment\ncolour = blue\n' >"$work/unknown.conf"
run 2 run -c "$work/unknown.conf"; check $? "unknown config key exits 2"
grep -q "unknown.conf:2: unknown key 'colour'" "$work/err"
check $? "unknown config key names file and line"
printf 'allow-account = 111122223333\nallow-domain = com\n' \
	>"$work/tld.conf"
printf 'From: a@example.com\r\n\r\nhello\r\n' >"$work/plain.eml"
run 2 -c "$work/tld.conf" inspect "$work/plain.eml"
check $? "single-label allow-domain exits 2"
grep -q "allow-domain: invalid domain 'com'" "$work/err"
check $? "single-label allow-domain named"
run 2 -c "$work/missing.conf" run; check $? "missing config file exits 2"
grep -q "missing.conf: cannot open config file" "$work/err"
check $? "missing config file named"

echo "1..$count"
[ "$failed" -eq 0 ]
