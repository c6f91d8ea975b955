#!/bin/sh
# An idle run (empty inbox) against moto_server on 127.0.0.1:
# `acm-inbox run` against `aws s3api list-objects-v2` on the same prefix,
# the cheapest call a script built on the AWS CLI makes per run.  Both run
# over plain HTTP and over HTTPS, where the CA bundle is the system's
# with a self-signed certificate appended.  Prints the median wall time
# and the median and maximum peak RSS of each.  For acm-inbox it also
# splits the RSS at exit into private (anonymous) memory and pages of
# mapped files, which are mostly the shared libraries.
#   bench/idle_run.sh [RUNS]       (default 20 runs of each)
# Needs a built build/acm-inbox, python3 with moto, awscli, the openssl
# command and GNU time.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-20}
tool=${ACM_INBOX:-$top/${BUILD:-build}/acm-inbox}
[ -x "$tool" ] || { echo "idle_run: build $tool first (make)" >&2; exit 2; }
command -v aws >/dev/null || { echo "idle_run: awscli missing" >&2; exit 2; }
command -v openssl >/dev/null ||
	{ echo "idle_run: the openssl command is missing" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "idle_run: GNU time missing" >&2; exit 2; }

exec "${PYTHON:-python3}" - "$tool" "$runs" "$top" <<'PY'
import ctypes
import os
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

tool, runs, top = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, os.path.join(top, "tests", "lib"))
import stand  # noqa: E402

BUCKET, PREFIX = "acm-inbox-bench", "acm-inbox/"

# ptrace(2) requests and options from <sys/ptrace.h> (Linux).
PTRACE_TRACEME, PTRACE_CONT, PTRACE_SETOPTIONS = 0, 7, 0x4200
PTRACE_O_TRACEEXIT, PTRACE_O_EXITKILL = 0x40, 0x100000
PTRACE_EVENT_EXIT = 6
libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                        ctypes.c_void_p]


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


def ptrace(request, pid, data=0):
    if libc.ptrace(request, pid, None, data) == -1:
        err = ctypes.get_errno()
        sys.exit("idle_run: ptrace(%d) failed: %s (kernel.yama.ptrace_scope "
                 "3 disables ptrace)" % (request, os.strerror(err)))


def memory_status(pid):
    """Return VmHWM, RssAnon and RssFile (KiB) from /proc/PID/status."""
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    return fields


def exit_split(argv, env):
    """Run argv once, stopped by ptrace(2) as it exits; return its memory.

    /proc/PID/status still describes the process's memory at the
    PTRACE_EVENT_EXIT stop.  VmHWM belongs to the address space exec(2)
    made, so unlike ru_maxrss it never includes this Python process.
    """
    pid = os.fork()
    if pid == 0:
        try:
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            libc.ptrace(PTRACE_TRACEME, 0, None, None)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    fields = None
    _, status = os.waitpid(pid, 0)      # the SIGTRAP after exec(2)
    if not os.WIFSTOPPED(status):
        sys.exit("idle_run: %s did not start under ptrace (status %d)"
                 % (argv[0], status))
    ptrace(PTRACE_SETOPTIONS, pid, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL)
    ptrace(PTRACE_CONT, pid)
    while True:
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) or os.WIFSIGNALED(status):
            break
        signo = os.WSTOPSIG(status)
        if status >> 8 == signal.SIGTRAP | PTRACE_EVENT_EXIT << 8:
            fields = memory_status(pid)
            signo = 0
        ptrace(PTRACE_CONT, pid, signo)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        sys.exit("idle_run: %s failed under ptrace (status %d)"
                 % (argv[0], status))
    return fields


def series(argv, env):
    """Return median wall, median and maximum peak RSS of RUNS runs."""
    rss_file = os.path.join(tmp, "rss")
    samples = [measure(argv, env, rss_file) for _ in range(runs)]
    return (statistics.median(s[0] for s in samples),
            statistics.median(s[1] for s in samples),
            max(s[1] for s in samples))


def split_series(argv, env):
    """Return the median of each exit_split() field over RUNS runs."""
    samples = [exit_split(argv, env) for _ in range(runs)]
    return {key: statistics.median(s[key] for s in samples)
            for key in samples[0]}


def https_stand_in():
    """Start moto_server over TLS; return (process, URL, CA bundle).

    The certificate is self-signed for 127.0.0.1.  The bundle is the
    system's CA bundle followed by it, so the tool loads as many
    certificates as it does against AWS by default.
    """
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bundle = os.path.join(tmp, "bundle.pem")
    with open(bundle, "wb") as out:
        for name in (ssl.get_default_verify_paths().cafile, cert):
            if name and os.path.exists(name):
                with open(name, "rb") as f:
                    out.write(f.read())
    port = stand.free_port()
    env = dict(os.environ)
    env.update(stand.base_env())
    proc = stand.start_process(
        [sys.executable, os.path.join(top, "tests", "fakes", "moto_ses.py"),
         "-H", "127.0.0.1", "-p", str(port), "-c", cert, "-k", key],
        ready_port=port, env=env)
    return proc, "https://127.0.0.1:%d" % port, bundle


def create_bucket(url, ca_bundle=None):
    import boto3
    boto3.client("s3", region_name="us-east-1", endpoint_url=url,
                 verify=ca_bundle, aws_access_key_id=stand.ACCESS_KEY,
                 aws_secret_access_key=stand.SECRET_KEY
                 ).create_bucket(Bucket=BUCKET)


def cli_argv(url, *extra):
    return ["aws", "s3api", "list-objects-v2", "--bucket", BUCKET,
            "--prefix", PREFIX + "inbox/", "--endpoint-url", url] + \
        list(extra)


tmp = tempfile.mkdtemp(prefix="acm-inbox-bench-")
moto = stand.Moto()
tls_proc = None
try:
    moto.client("s3").create_bucket(Bucket=BUCKET)
    env = stand.tool_env(moto.url)
    run_argv = [tool, "run", "--bucket", BUCKET, "--prefix", PREFIX]
    ours = series(run_argv, env)
    # The shared libraries alone: most of the peak RSS is their pages.
    baseline = series([tool, "version"], env)
    cli = series(cli_argv(moto.url), env)
    ours_split = split_series(run_argv, env)
    baseline_split = split_series([tool, "version"], env)

    # Against AWS the call goes over HTTPS, so both programs also pay for
    # TLS and for loading the CA bundle.
    tls_proc, tls_url, bundle = https_stand_in()
    create_bucket(tls_url, bundle)
    tls_env = stand.tool_env(tls_url)
    ours_tls = series(run_argv + ["--ca-bundle", bundle], tls_env)
    cli_tls = series(cli_argv(tls_url, "--ca-bundle", bundle), tls_env)
    ours_tls_split = split_series(run_argv + ["--ca-bundle", bundle],
                                  tls_env)
finally:
    if tls_proc is not None:
        stand.stop_process(tls_proc)
    moto.stop()
    shutil.rmtree(tmp)


def mib(kib):
    return kib / 1024


print("idle run, empty inbox, moto_server on 127.0.0.1, %d runs each, "
      "%d CPUs" % (runs, os.cpu_count()))
print("%-30s %12s %16s %16s" % ("", "median wall", "median peak RSS",
                                "max peak RSS"))
for name, row in (("acm-inbox run", ours),
                  ("acm-inbox version (no work)", baseline),
                  ("aws s3api list-objects-v2", cli),
                  ("acm-inbox run (HTTPS)", ours_tls),
                  ("aws s3api ... (HTTPS)", cli_tls)):
    print("%-30s %9.1f ms %12.1f MiB %12.1f MiB" % (
        name, row[0] * 1000, mib(row[1]), mib(row[2])))
for name, mine, theirs in (("HTTP", ours, cli),
                           ("HTTPS", ours_tls, cli_tls)):
    print("%s: acm-inbox is %.1fx faster and uses %.1fx less memory "
          "(median)" % (name, theirs[0] / mine[0], theirs[1] / mine[1]))
print()
print("RSS at exit (ptrace exit stop, median):")
print("%-30s %12s %16s %16s" % ("", "VmHWM", "private (anon)",
                                "file pages"))
for name, row in (("acm-inbox run", ours_split),
                  ("acm-inbox run (HTTPS)", ours_tls_split),
                  ("acm-inbox version (no work)", baseline_split)):
    print("%-30s %8.1f MiB %12.1f MiB %12.1f MiB" % (
        name, mib(row["VmHWM"]), mib(row["RssAnon"]), mib(row["RssFile"])))
PY
