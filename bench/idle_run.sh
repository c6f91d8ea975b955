#!/bin/sh
# An idle run (empty inbox) against moto_server on 127.0.0.1:
# `acm-inbox run` against `aws s3api list-objects-v2` on the same prefix,
# the cheapest call a script built on the AWS CLI makes per run.  Prints
# the median wall time and the peak RSS of each, and the ratios.
#   bench/idle_run.sh [RUNS]       (default 20 runs of each)
# Needs a built build/acm-inbox, python3 with moto, awscli and GNU time.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-20}
tool=${ACM_INBOX:-$top/${BUILD:-build}/acm-inbox}
[ -x "$tool" ] || { echo "idle_run: build $tool first (make)" >&2; exit 2; }
command -v aws >/dev/null || { echo "idle_run: awscli missing" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "idle_run: GNU time missing" >&2; exit 2; }

exec "${PYTHON:-python3}" - "$tool" "$runs" "$top" <<'PY'
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

tool, runs, top = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, os.path.join(top, "tests", "lib"))
import stand  # noqa: E402

BUCKET, PREFIX = "acm-inbox-bench", "acm-inbox/"


def measure(argv, env, rss_file):
    """Run argv once; return (wall seconds, peak RSS in KiB).

    GNU time reports the peak RSS: a child forked from this Python process
    would carry Python's own peak through exec(2) in ru_maxrss.
    """
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file] +
                          argv, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit("idle_run: %s exited with %d: %s" % (
            argv[0], proc.returncode, proc.stderr.decode(errors="replace")))
    with open(rss_file) as f:
        return wall, int(f.read().split()[-1])


def series(argv, env):
    rss_file = os.path.join(tmp, "rss")
    samples = [measure(argv, env, rss_file) for _ in range(runs)]
    return (statistics.median(s[0] for s in samples),
            max(s[1] for s in samples))


tmp = tempfile.mkdtemp(prefix="acm-inbox-bench-")
moto = stand.Moto()
try:
    moto.client("s3").create_bucket(Bucket=BUCKET)
    env = stand.tool_env(moto.url)
    ours = series([tool, "run", "--bucket", BUCKET, "--prefix", PREFIX],
                  env)
    # The shared libraries alone: most of the peak RSS is their pages.
    baseline = series([tool, "version"], env)
    cli = series(["aws", "s3api", "list-objects-v2", "--bucket", BUCKET,
                  "--prefix", PREFIX + "inbox/", "--endpoint-url",
                  moto.url], env)
finally:
    moto.stop()
    shutil.rmtree(tmp)

print("idle run, empty inbox, moto_server on 127.0.0.1, %d runs each"
      % runs)
print("%-34s %12s %14s" % ("", "median wall", "peak RSS"))
print("%-34s %10.1f ms %10.1f MiB" % ("acm-inbox run", ours[0] * 1000,
                                       ours[1] / 1024))
print("%-34s %10.1f ms %10.1f MiB" % ("acm-inbox version (no work)",
                                       baseline[0] * 1000,
                                       baseline[1] / 1024))
print("%-34s %10.1f ms %10.1f MiB" % ("aws s3api list-objects-v2",
                                       cli[0] * 1000, cli[1] / 1024))
print("acm-inbox is %.1fx faster and uses %.1fx less memory"
      % (cli[0] / ours[0], cli[1] / ours[1]))
PY
