#!/bin/sh
# Compare `acm-inbox inspect --json` with bench/inspect_python.py, which
# does the same extraction with the standard email package and re.  Both
# read the mail corpus repeated to at least BENCH_MB megabytes (default
# 100).  Then measure acm-inbox's peak memory on one message just under
# the 40 MB default max-message-size.
#   bench/inspect.sh            builds build/acm-inbox first
# Prints messages per second for both, the ratio, and the peak RSS.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
BENCH_MB=${BENCH_MB:-100}
tool="$BUILD/acm-inbox"
python=${PYTHON:-python3}
policy="--allow-account 111122223333 --allow-domain example.com"

make -s "$tool"
work=$(mktemp -d "${TMPDIR:-/tmp}/acm-inbox-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
# The certificate check would call AWS; the benchmark measures parsing.
config="$work/bench.conf"
echo "verify-certificate = no" >"$config"
export AWS_EC2_METADATA_DISABLED=true

# The corpus, copied round after round until it reaches BENCH_MB.
mkdir "$work/corpus"
round=0
bytes=0
limit=$((BENCH_MB * 1024 * 1024))
while [ "$bytes" -lt "$limit" ]; do
	round=$((round + 1))
	for eml in tests/fixtures/mail/*.eml; do
		cp "$eml" "$work/corpus/r$round-$(basename "$eml")"
	done
	bytes=$(du -sb "$work/corpus" | cut -f1)
done
count=$(ls "$work/corpus" | wc -l)
echo "corpus: $count messages, $((bytes / 1024 / 1024)) MB ($round rounds)"

# Seconds as a decimal, from date's nanoseconds.
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

cd "$work/corpus"
start=$(now)
# shellcheck disable=SC2086
"$top/$tool" inspect -c "$config" --json $policy ./* >"$work/c.json"
c_seconds=$(elapsed "$start" "$(now)")
start=$(now)
"$python" "$top/bench/inspect_python.py" ./* >"$work/py.json"
py_seconds=$(elapsed "$start" "$(now)")
cd "$top"

c_rate=$(echo "$count / $c_seconds" | bc)
py_rate=$(echo "$count / $py_seconds" | bc)
printf 'acm-inbox inspect --json: %8s messages/s (%.2f s)\n' \
	"$c_rate" "$c_seconds"
printf 'python email + re:        %8s messages/s (%.2f s)\n' \
	"$py_rate" "$py_seconds"
printf 'ratio: %.1fx\n' "$(echo "$py_seconds / $c_seconds" | bc -l)"

# One message just under 40 MB: the corpus' request with a base64
# attachment.
"$python" - "$work/big.eml" <<'PY'
import base64, os, sys
with open("tests/fixtures/mail/request-both-parts.eml", "rb") as fh:
    data = fh.read()
head, body = data.split(b"\r\n\r\n", 1)
boundary = head.split(b'boundary="')[1].split(b'"')[0]
target = 40 * 1024 * 1024 - len(data) - 4096
# base64 makes 4 characters of 3 bytes, in lines of 76 plus CRLF.
blob = base64.encodebytes(os.urandom(target * 3 // 4 * 76 // 78))
part = (b"--" + boundary + b"\r\nContent-Type: application/zip\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + blob.replace(b"\n", b"\r\n"))
body = body.replace(b"--" + boundary + b"--", part + b"--" + boundary + b"--")
data = head + b"\r\n\r\n" + body
assert len(data) <= 40 * 1024 * 1024, len(data)
with open(sys.argv[1], "wb") as fh:
    fh.write(data)
PY
size=$(stat -c %s "$work/big.eml")
# shellcheck disable=SC2086
rss=$("$python" bench/peak_rss.py "$tool" inspect -c "$config" --json \
	$policy "$work/big.eml")
decision=$("$tool" inspect -c "$config" --json $policy "$work/big.eml" |
	"$python" -c 'import json,sys; print(json.load(sys.stdin)["decision"]["action"])')
printf 'one %.1f MB message: peak RSS %d MB (%.2fx the message), %s\n' \
	"$(echo "$size / 1048576" | bc -l)" "$((rss / 1024))" \
	"$(echo "$rss * 1024 / $size" | bc -l)" "$decision"
