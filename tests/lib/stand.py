"""Local stand-ins for the integration tests, and a TAP reporter.

Every server listens on 127.0.0.1 on a free port, is waited for until it
answers, and is stopped by its PID when the test ends, also on failure.
Nothing here talks to a non-loopback address: tool_env() points every AWS
endpoint at the stand-in and turns the instance metadata service off.
"""

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
ACM_INBOX = os.environ.get("ACM_INBOX", os.path.join(BUILD, "acm-inbox"))
SHARED = os.path.join(os.path.dirname(TOP), "shared")

ACCOUNT = "123456789012"  # moto's default account
ACCESS_KEY = "AKIDEXAMPLESTANDIN01"
SECRET_KEY = "stand-in-secret-key-never-logged-0123456789"

_children = []


def free_port():
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop_children():
    for proc in _children:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


atexit.register(_stop_children)
for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, lambda *_: sys.exit(1))


def start_process(argv, ready_url=None, ready_port=None, env=None,
                  timeout=30, log=None):
    """Start a server in its own process group and wait until it answers.

    ready_url is polled with GET (any HTTP status counts as an answer);
    ready_port is polled with a TCP connect.  The process is stopped at
    exit.
    """
    out = open(log, "wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    _children.append(proc)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited with status %d before it answered"
                               % (argv[0], proc.returncode))
        try:
            if ready_url:
                try:
                    urllib.request.urlopen(ready_url, timeout=1).close()
                except urllib.error.HTTPError:
                    pass
                return proc
            if ready_port:
                socket.create_connection(("127.0.0.1", ready_port),
                                         timeout=1).close()
                return proc
            return proc
        except OSError:
            time.sleep(0.1)
    stop_process(proc)
    raise RuntimeError("%s did not answer within %d s" % (argv[0], timeout))


def stop_process(proc):
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=5)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def check_moto():
    try:
        import moto.server  # noqa: F401
        import boto3  # noqa: F401
    except ImportError as error:
        sys.exit("stand-in: %s; the integration tests need moto 5 and boto3"
                 " for %s" % (error, sys.executable))


class Moto:
    """moto_server on a free loopback port, started through
    tests/fakes/moto_ses.py, which fills two gaps in moto's SES v1."""

    def __init__(self, log=None):
        check_moto()
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        env = dict(os.environ)
        env.update(base_env())
        self.proc = start_process(
            [sys.executable, os.path.join(TOP, "tests", "fakes",
                                          "moto_ses.py"),
             "-H", "127.0.0.1", "-p", str(self.port)],
            ready_url=self.url + "/moto-api/", env=env, log=log)

    def reset(self):
        req = urllib.request.Request(self.url + "/moto-api/reset",
                                     method="POST")
        urllib.request.urlopen(req, timeout=10).close()

    def client(self, service, region="us-east-1"):
        import boto3
        return boto3.client(service, region_name=region,
                            endpoint_url=self.url,
                            aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY)

    def stop(self):
        stop_process(self.proc)


def base_env():
    """Environment that keeps any AWS client away from real AWS."""
    return {
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent/acm-inbox-test-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/acm-inbox-test-creds",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def tool_env(endpoint=None, **extra):
    """Environment for running the tool against a stand-in endpoint."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_")}
    env.update(base_env())
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_tool(args, env=None, input=None, timeout=120):
    """Run acm-inbox; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run([ACM_INBOX] + list(args), env=env, input=input,
                          capture_output=True, timeout=timeout)


class Tap:
    """Prints TAP; exit() prints the plan and exits 1 on any failure."""

    def __init__(self):
        self.count = 0
        self.failed = 0

    def ok(self, cond, name, detail=None):
        self.count += 1
        if not cond:
            self.failed += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.count, name))
        if not cond and detail is not None:
            for line in str(detail).splitlines()[:40]:
                print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, expected, name):
        return self.ok(got == expected, name,
                       "got      %r\nexpected %r" % (got, expected))

    def skip(self, name, reason):
        self.count += 1
        print("ok %d # SKIP %s: %s" % (self.count, name, reason))

    def exit(self):
        print("1..%d" % self.count)
        sys.exit(1 if self.failed else 0)
