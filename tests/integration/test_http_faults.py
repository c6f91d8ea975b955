#!/usr/bin/env python3
"""The request layer against a misbehaving loopback server.

tests/fakes/faulty_http.py responds with 503 twice, 500 forever, nothing,
an S3 SignatureDoesNotMatch document or a skewed clock, or drops the
connection, and the S3 probe driver makes the requests.
"""

import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import stand  # noqa: E402

DRIVER = os.path.join(stand.BUILD, "tests", "test_s3_live")
FAULTY = os.path.join(HERE, "..", "fakes", "faulty_http.py")
RETRIES = 3


class Faulty:
    def __init__(self, cert=None, key=None, ca=None):
        self.port = stand.free_port()
        scheme = "https" if cert else "http"
        self.url = "%s://127.0.0.1:%d" % (scheme, self.port)
        argv = [sys.executable, FAULTY, str(self.port), "3600"]
        self.context = None
        if cert:
            argv += [cert, key]
            self.context = ssl.create_default_context(cafile=ca)
            self.context.check_hostname = False
        self.proc = stand.start_process(argv, ready_port=self.port)

    def count(self, name):
        with urllib.request.urlopen(self.url + "/_control/count/" + name,
                                    timeout=5,
                                    context=self.context) as response:
            return int(response.read())

    def stop(self):
        stand.stop_process(self.proc)


def probe(server, *args, **env):
    settings = {"ACM_INBOX_S3_PROBE": "1", "ACM_INBOX_RETRY_BASE_MS": "1",
                "ACM_INBOX_PROBE_RETRIES": str(RETRIES),
                "ACM_INBOX_PROBE_VERBOSITY": "2"}
    settings.update(env)
    environ = stand.tool_env(server.url, **settings)
    proc = stand.subprocess.run([DRIVER] + list(args), env=environ,
                                capture_output=True, timeout=120)
    results = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    return results, proc.stderr.decode(errors="replace")


def test_retry_then_success(tap, server):
    results, err = probe(server, "get", "bucket", "flaky-503", "1000")
    tap.eq(results[0]["rc"], 0, "503 twice then 200: the request succeeds")
    tap.eq(results[0].get("body"), "hello from faulty_http\n",
           "503 twice then 200: body of the final answer")
    tap.eq(server.count("flaky-503"), 3,
           "503 twice then 200: exactly 3 requests")
    tap.ok(err.count("retry ") == 2, "two retries logged at debug", err)


def test_retry_bounded(tap, server):
    results, err = probe(server, "get", "bucket", "always-500", "1000")
    tap.eq(results[0]["rc"], -1, "500 forever: the request fails")
    tap.eq(server.count("always-500"), RETRIES + 1,
           "500 forever: stops after retries + 1 attempts")
    tap.ok("500 InternalError: We encountered an internal error" in err,
           "500 forever: the error document is reported", err)


def test_timeout(tap, server):
    results, err = probe(server, "get", "bucket", "hang", "1000",
                         ACM_INBOX_PROBE_TIMEOUT="2",
                         ACM_INBOX_PROBE_RETRIES="0")
    tap.eq(results[0]["rc"], -1, "no answer: the request fails")
    tap.ok("no response from %s: " % server.url in err,
           "no answer: the error names the endpoint", err)
    tap.ok("timed out after 2" in err, "no answer: says it timed out", err)
    tap.eq(server.count("hang"), 1, "no answer: no retry with retries=0")


def test_signature_error(tap, server):
    results, err = probe(server, "get", "bucket", "sig-403", "1000")
    tap.eq(results[0]["rc"], -1, "403 signature: the request fails")
    tap.ok("403 SignatureDoesNotMatch: The request signature we calculated"
           " does not match" in err, "403 signature: message shown", err)
    tap.eq(server.count("sig-403"), 1, "403 signature: not retried")


def test_clock_skew(tap, server):
    results, err = probe(server, "get", "bucket", "skew", "1000")
    tap.eq(results[0]["rc"], 0, "skewed clock: corrected, then success")
    tap.eq(results[0].get("body"), "skew corrected",
           "skewed clock: the server accepted the corrected date")
    tap.eq(server.count("skew"), 2, "skewed clock: exactly one retry")
    tap.ok("local clock differs" in err, "skew correction logged", err)


def test_dropped_connection(tap, server):
    results, err = probe(server, "get", "bucket", "drop-once", "1000")
    tap.eq(results[0]["rc"], 0, "dropped once: retried and succeeded")
    tap.eq(server.count("drop-once"), 2, "dropped once: two requests")
    results, err = probe(server, "get", "bucket", "drop", "1000")
    tap.eq(results[0]["rc"], -1, "dropped always: fails")
    tap.ok("no response from %s: " % server.url in err,
           "dropped always: error names the endpoint", err)
    tap.eq(server.count("drop"), RETRIES + 1,
           "dropped always: bounded attempts")


def test_json_error(tap, server):
    results, err = probe(server, "json", "acm", "json-400",
                         '{"CertificateArn": "arn:aws:acm:x"}')
    tap.eq(results[0].get("code"), "ValidationException",
           "JSON 1.1 error: namespace dropped from __type")
    tap.eq(results[0].get("error"), "400 ValidationException: bad input "
           "(request id FAULTYREQ)", "JSON 1.1 error string")


def test_partial_body_to_file(tap, server):
    out = os.path.join(stand.BUILD, "test-logs", "faults-partial.out")
    results, err = probe(server, "get-file", "bucket", "partial-once",
                         "1000", out)
    tap.eq(results[0]["rc"], 0, "cut-off body: retried and succeeded")
    tap.eq(server.count("partial-once"), 2, "cut-off body: two requests")
    with open(out, "rb") as handle:
        tap.eq(handle.read(), bytes(range(48, 112)),
               "cut-off body: the file holds the whole body once")
    os.unlink(out)


def test_conflict_and_copy_error(tap, server):
    body = os.path.join(stand.BUILD, "test-logs", "faults-body.txt")
    with open(body, "wb") as handle:
        handle.write(b"claim")
    results, err = probe(server, "put-if-none-match", "bucket",
                         "conflict-once", body,
                         "copy", "bucket", "src key", "copy-error")
    os.unlink(body)
    tap.eq(results[0]["rc"], 0, "409 ConditionalRequestConflict: retried")
    tap.eq(server.count("conflict-once"), 2, "409 conflict: two requests")
    tap.eq(results[1]["rc"], -1, "copy 200 with <Error>: failure")
    tap.ok("CopyObject failed: 200 InternalError: Copy failed" in err,
           "copy error document reported", err)


def test_protocol_requests(tap, server):
    results, err = probe(server, "query", "sns", "echo", "2010-03-31",
                         "Attributes.entry.1.value", "a b&c=d/é",
                         "json", "acm", "echo", '{"CertificateArn":"x"}',
                         "get", "bucket", "echo", "1000",
                         ACM_INBOX_PROBE_CONNECT_TO="s3.example.test:80:"
                         "127.0.0.1:%d" % server.port,
                         AWS_ENDPOINT_URL_S3="http://s3.example.test")
    query = json.loads(results[0].get("body") or "{}")
    tap.eq((query.get("method"), query.get("path")), ("POST", "/"),
           "query protocol: POST /")
    tap.eq(query.get("content_type"),
           "application/x-www-form-urlencoded; charset=utf-8",
           "query protocol: form content type")
    tap.eq(query.get("body"), "Action=echo&Version=2010-03-31&"
           "Attributes.entry.1.value=a%20b%26c%3Dd%2F%C3%A9",
           "query protocol: parameters encoded")
    request = json.loads(results[1].get("body") or "{}")
    tap.eq((request.get("content_type"), request.get("target")),
           ("application/x-amz-json-1.1", "echo"),
           "JSON 1.1: content type and X-Amz-Target")
    tap.eq(request.get("body"), '{"CertificateArn":"x"}', "JSON 1.1: body")
    s3 = json.loads(results[2].get("body") or "{}")
    tap.eq(s3.get("host"), "s3.example.test",
           "connect-to: the request reached the loopback server with its "
           "own Host")
    tap.eq(s3.get("path"), "/bucket/echo", "overridden endpoint: path style")


def test_missing_region(tap, server):
    results, err = probe(server, "get", "bucket", "ok", "1000",
                         AWS_REGION=None, AWS_DEFAULT_REGION=None)
    tap.eq(results[0]["rc"], -1, "no region: the request fails")
    tap.ok("no region: pass --region, set AWS_REGION" in err,
           "no region: says how to set one", err)
    tap.ok("not sent" in err, "no region: reported as not sent", err)
    tap.eq(server.count("ok"), 0, "no region: nothing was sent")


def make_certificates(directory):
    """Create a test CA and a certificate for s3.example.test it signed."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=directory, check=True,
                       capture_output=True, timeout=60)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=acm-inbox test CA")
    run("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr",
        "-subj", "/CN=s3.example.test")
    with open(os.path.join(directory, "san.ext"), "w") as handle:
        handle.write("subjectAltName=DNS:s3.example.test\n")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey",
        "ca.key", "-CAcreateserial", "-out", "leaf.pem", "-days", "2",
        "-extfile", "san.ext")
    return tuple(os.path.join(directory, name)
                 for name in ("ca.pem", "leaf.pem", "leaf.key"))


def test_tls(tap):
    with tempfile.TemporaryDirectory() as directory:
        ca, cert, key = make_certificates(directory)
        server = Faulty(cert, key, ca)
        try:
            check_tls(tap, server, ca)
        finally:
            server.stop()


def check_tls(tap, server, ca):
    def get(name, host="s3.example.test", **env):
        return probe(server, "get", "bucket", name, "1000",
                     AWS_ENDPOINT_URL="https://%s:%d" % (host, server.port),
                     ACM_INBOX_PROBE_CONNECT_TO="%s:%d:127.0.0.1:%d"
                     % (host, server.port, server.port), **env)

    results, err = get("tls-trusted", AWS_CA_BUNDLE=ca)
    tap.eq(results[0]["rc"], 0, "tls: the CA bundle makes the server trusted")
    tap.eq(server.count("tls-trusted"), 1, "tls: request reached the server")

    results, err = get("tls-untrusted")
    tap.eq(results[0]["rc"], -1, "tls: unknown CA rejected")
    tap.ok("certificate" in err.lower(), "tls: the error names the "
           "certificate problem", err)
    tap.ok("retry" not in err, "tls: a certificate failure is not retried",
           err)
    tap.eq(server.count("tls-untrusted"), 0, "tls: nothing sent untrusted")

    results, err = get("tls-wrong-name", host="other.example.test",
                       AWS_CA_BUNDLE=ca)
    tap.eq(results[0]["rc"], -1, "tls: host name mismatch rejected")
    tap.eq(server.count("tls-wrong-name"), 0,
           "tls: nothing sent to the wrong name")


def test_connection_refused(tap):
    port = stand.free_port()
    environ = stand.tool_env("http://127.0.0.1:%d" % port,
                             ACM_INBOX_S3_PROBE="1",
                             ACM_INBOX_RETRY_BASE_MS="1",
                             ACM_INBOX_PROBE_RETRIES="2")
    started = time.monotonic()
    proc = stand.subprocess.run([DRIVER, "get", "bkt", "k", "10"],
                                env=environ, capture_output=True,
                                timeout=60)
    err = proc.stderr.decode(errors="replace")
    tap.ok("no response from http://127.0.0.1:%d" % port in err,
           "connection refused: error names the endpoint", err)
    tap.ok(time.monotonic() - started < 60, "connection refused: gives up")


def main():
    tap = stand.Tap()
    server = Faulty()
    try:
        test_retry_then_success(tap, server)
        test_retry_bounded(tap, server)
        test_timeout(tap, server)
        test_signature_error(tap, server)
        test_clock_skew(tap, server)
        test_dropped_connection(tap, server)
        test_json_error(tap, server)
        test_partial_body_to_file(tap, server)
        test_conflict_and_copy_error(tap, server)
        test_protocol_requests(tap, server)
        test_missing_region(tap, server)
        test_connection_refused(tap)
        test_tls(tap)
    finally:
        server.stop()
    tap.exit()


if __name__ == "__main__":
    main()
