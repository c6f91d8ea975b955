#!/usr/bin/env python3
"""The certificate check against moto_server's ACM and STS.

Certificates are requested with boto3 (ValidationMethod EMAIL), messages
naming them are built with scripts/demo_mail.py, and the test_verify_live
driver checks them (one JSON line per message).  moto keeps an
email-validated certificate PENDING_VALIDATION for MOTO_ACM_VALIDATION_WAIT
seconds after the request and then reports it ISSUED, so one moto waits
an hour and a second one not at all.  boto3 reads every certificate's
state back as an independent client.  AccessDenied, which moto cannot
produce, comes from a loopback stand-in for ACM.  The approve command is
run the same way against the local approval site, whose record of POSTs
shows what was approved.
"""

import http.server
import json
import os
import secrets
import socket
import sys
import tempfile
import threading
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
import stand  # noqa: E402
from approval_stand import ApprovalSite  # noqa: E402
from demo_mail import acm_message, context_for  # noqa: E402

DRIVER = os.path.join(stand.BUILD, "tests", "test_verify_live")
ACCOUNT = stand.ACCOUNT
OTHER_ACCOUNT = "111122223333"
REGION = "eu-west-1"  # not the tool's AWS_REGION, so the ARN must route

tap = stand.Tap()
work = tempfile.mkdtemp(prefix="acm-inbox-verify-")


def start_moto(validation_wait):
    """moto_server whose ACM issues email certificates after the wait."""
    saved = os.environ.get("MOTO_ACM_VALIDATION_WAIT")
    os.environ["MOTO_ACM_VALIDATION_WAIT"] = str(validation_wait)
    try:
        return stand.Moto()
    finally:
        if saved is None:
            del os.environ["MOTO_ACM_VALIDATION_WAIT"]
        else:
            os.environ["MOTO_ACM_VALIDATION_WAIT"] = saved


def acm_client(moto, region=REGION, account=None):
    """boto3 ACM; account selects another moto account by header."""
    client = moto.client("acm", region)
    if account is not None:
        def add_account(request, **_):
            request.headers["x-moto-account-id"] = account
        client.meta.events.register("before-send.acm.*", add_account)
    return client


def request_certificate(acm, domain, sans=None):
    args = {"DomainName": domain, "ValidationMethod": "EMAIL"}
    if sans:
        args["SubjectAlternativeNames"] = sans
    return acm.request_certificate(**args)["CertificateArn"]


def cert_status(acm, arn):
    return acm.describe_certificate(CertificateArn=arn)["Certificate"][
        "Status"]


def message(domain, certificate, account=ACCOUNT, region=REGION,
            legacy=False, code=None):
    """Writes an ACM message to a file; returns its path."""
    data = acm_message(domain, account, region, certificate,
                       code or secrets.token_hex(16), context_for(region),
                       legacy=legacy)
    handle = tempfile.NamedTemporaryFile(dir=work, suffix=".eml",
                                         delete=False)
    handle.write(data)
    handle.close()
    return handle.name


def probe(setting, files, endpoint, verbosity=0, **env):
    """Runs the driver; returns (results, stderr, exit status)."""
    environ = stand.tool_env(endpoint, ACM_INBOX_VERIFY_PROBE="1",
                             ACM_INBOX_RETRY_BASE_MS="1",
                             ACM_INBOX_PROBE_VERBOSITY=str(verbosity),
                             **env)
    proc = stand.subprocess.run([DRIVER, setting] + list(files),
                                env=environ, capture_output=True,
                                timeout=300)
    lines = proc.stdout.decode().splitlines()
    return ([json.loads(line) for line in lines],
            proc.stderr.decode(errors="replace"), proc.returncode)


def expect(result, status, code, name, err=""):
    tap.eq(result.get("status"), status, name + ": status")
    tap.eq(result.get("code"), code, name + ": code")
    tap.eq(result.get("rc"), 0 if status in ("verified", "skipped")
           else -1, name + ": return value")
    if result.get("status") != status:
        print("#   text: %s" % result.get("text"))
        for line in err.splitlines()[-10:]:
            print("#   " + line)


def test_pending(moto):
    acm = acm_client(moto)
    plain = request_certificate(acm, "www.pending.example")
    wildcard = request_certificate(acm, "*.wild.example")
    with_sans = request_certificate(acm, "pending.example.org",
                                    ["api.pending.example.org"])
    tap.eq([cert_status(acm, a) for a in (plain, wildcard, with_sans)],
           ["PENDING_VALIDATION"] * 3, "pending: boto3 sees three pending")
    files = [message("www.pending.example", plain),
             message("wild.example", wildcard),
             message("api.pending.example.org", with_sans)]
    results, err, status = probe("yes", files, moto.url, verbosity=2)
    tap.eq(status, 0, "pending: driver exit status")
    tap.eq(len(results), 3, "pending: one line per message")
    names = ["pending, DomainName", "pending, wildcard",
             "pending, SAN"]
    for result, name in zip(results, names):
        expect(result, "verified", "certificate-verified", name, err)
        tap.eq(result.get("certificate_status"), "PENDING_VALIDATION",
               name + ": ACM's status")
    tap.eq(results[0].get("certificate_arn"), plain,
           "pending: the message's ARN was described")
    sts_calls = err.count("aws: sts POST")
    tap.eq(sts_calls, 1, "pending: GetCallerIdentity once for three "
           "messages")
    tap.ok(err.count("aws: acm POST") == 3,
           "pending: DescribeCertificate once per message", err[-1500:])
    return plain


def test_domain_not_listed(moto, arn):
    files = [message("other.pending.example", arn),
             message("pending.example", arn)]
    results, err, _ = probe("auto", files, moto.url)
    expect(results[0], "domain-not-on-certificate",
           "domain-not-on-certificate", "sibling domain", err)
    expect(results[1], "domain-not-on-certificate",
           "domain-not-on-certificate", "parent domain", err)
    tap.ok("other.pending.example" in (results[0].get("text") or ""),
           "domain not listed: the text names the domain", results[0])


def test_other_account(moto):
    acm = acm_client(moto, account=OTHER_ACCOUNT)
    arn = request_certificate(acm, "www.theirs.example")
    tap.eq(cert_status(acm, arn), "PENDING_VALIDATION",
           "other account: boto3 sees it pending in %s" % OTHER_ACCOUNT)
    tap.ok(":%s:" % OTHER_ACCOUNT in arn, "other account: ARN names it",
           arn)
    path = message("www.theirs.example", arn, account=OTHER_ACCOUNT)
    results, err, _ = probe("yes", [path], moto.url, verbosity=2)
    expect(results[0], "other-account", "certificate-other-account",
           "other account, yes", err)
    text = results[0].get("text") or ""
    tap.ok("cannot be checked" in text and OTHER_ACCOUNT in text and
           ACCOUNT in text, "other account, yes: text names both "
           "accounts", text)
    tap.eq(err.count("aws: acm POST"), 0,
           "other account, yes: no DescribeCertificate")
    results, err, _ = probe("auto", [path], moto.url)
    expect(results[0], "skipped", "certificate-not-checked",
           "other account, auto", err)
    tap.ok(OTHER_ACCOUNT in (results[0].get("text") or ""),
           "other account, auto: the note names the account", results[0])


def test_not_found(moto):
    missing = "arn:aws:acm:%s:%s:certificate/%s" % (REGION, ACCOUNT,
                                                    uuid.uuid4())
    results, err, _ = probe("auto", [message("gone.example", missing)],
                            moto.url)
    expect(results[0], "not-found", "certificate-not-found",
           "nonexistent ARN", err)
    tap.ok("ResourceNotFoundException" in (results[0].get("text") or ""),
           "nonexistent ARN: ACM's error is in the text", results[0])
    tap.ok(not results[0].get("transient"),
           "nonexistent ARN: not transient")


def test_legacy(moto):
    acm = acm_client(moto)
    arn = request_certificate(acm, "old.legacy.example")
    cert_id = arn.rsplit("/", 1)[1]
    path = message("old.legacy.example", cert_id, legacy=True)
    results, err, _ = probe("yes", [path], moto.url)
    expect(results[0], "verified", "certificate-verified",
           "pre-2020 message with a bare UUID", err)
    tap.eq(results[0].get("certificate_arn"), arn,
           "pre-2020 message: the built ARN is the real one")


def test_issued(moto):
    acm = acm_client(moto)
    arn = request_certificate(acm, "www.issued.example")
    tap.eq(cert_status(acm, arn), "ISSUED", "issued: boto3 sees it issued")
    results, err, _ = probe("yes", [message("www.issued.example", arn)],
                            moto.url)
    expect(results[0], "not-pending", "certificate-not-pending",
           "issued certificate", err)
    tap.eq(results[0].get("certificate_status"), "ISSUED",
           "issued: ACM's status kept")
    tap.ok("ISSUED" in (results[0].get("text") or ""),
           "issued: the text names the status", results[0])


class DeniedAcm(http.server.BaseHTTPRequestHandler):
    """Responds to DescribeCertificate as ACM does for a caller without
    acm:DescribeCertificate."""

    requests = []

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        target = self.headers.get("X-Amz-Target", "")
        DeniedAcm.requests.append((target, body))
        if target == "CertificateManager.DescribeCertificate":
            error = {"__type": "AccessDeniedException",
                      "Message": "User: arn:aws:iam::%s:user/worker is not "
                      "authorized to perform: acm:DescribeCertificate"
                      % ACCOUNT}
        else:
            error = {"__type": "UnknownOperationException"}
        data = json.dumps(error).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_access_denied(moto, arn):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), DeniedAcm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    acm_url = "http://127.0.0.1:%d" % server.server_address[1]
    try:
        results, err, _ = probe("auto", [message("www.pending.example",
                                                 arn)], moto.url,
                                AWS_ENDPOINT_URL_ACM=acm_url)
    finally:
        server.shutdown()
        server.server_close()
    tap.eq(len(DeniedAcm.requests), 1,
           "access denied: one DescribeCertificate, not retried")
    if DeniedAcm.requests:
        tap.eq(json.loads(DeniedAcm.requests[0][1]), {"CertificateArn": arn},
               "access denied: the request body names the ARN")
    expect(results[0], "error", "certificate-check-denied",
           "access denied", err)
    text = results[0].get("text") or ""
    tap.ok("the credentials lack acm:DescribeCertificate" in text and
           "docs/iam-policy-worker.json" in text,
           "access denied: the text says what to grant", text)
    tap.ok(not results[0].get("transient"), "access denied: not transient")
    tap.ok("acm:DescribeCertificate" in err,
           "access denied: logged on stderr", err)


def closed_port():
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unavailable(moto, arn):
    dead = "http://127.0.0.1:%d" % closed_port()
    path = message("www.pending.example", arn)
    results, err, _ = probe("auto", [path], moto.url,
                            AWS_ENDPOINT_URL_ACM=dead,
                            ACM_INBOX_PROBE_RETRIES="1")
    expect(results[0], "error", "certificate-check-failed",
           "ACM unreachable", err)
    tap.ok(results[0].get("transient"), "ACM unreachable: transient")
    results, err, _ = probe("yes", [path], dead,
                            ACM_INBOX_PROBE_RETRIES="0")
    expect(results[0], "error", "certificate-check-failed",
           "STS unreachable", err)
    tap.ok(results[0].get("transient"), "STS unreachable: transient")
    tap.ok("GetCallerIdentity" in (results[0].get("text") or ""),
           "STS unreachable: the text names the call", results[0])


def test_setting_no(arn):
    dead = "http://127.0.0.1:%d" % closed_port()
    results, err, status = probe("no", [message("www.pending.example",
                                                arn)], dead, verbosity=2)
    expect(results[0], "skipped", "certificate-not-checked",
           "verify-certificate no", err)
    tap.ok("aws: " not in err, "verify-certificate no: no AWS request",
           err)


class ApproveCommand:
    """Runs acm-inbox approve with one config per verify-certificate
    setting, the approval hosts sent to the local site."""

    def __init__(self, site):
        self.site = site
        self.configs = {}
        for setting in ("yes", "auto", "no"):
            path = os.path.join(work, "verify-%s.conf" % setting)
            with open(path, "w") as f:
                f.write("allow-account = %s\nallow-account = %s\n"
                        "allow-domain = cmd.example\n"
                        "verify-certificate = %s\nretries = 0\n"
                        "state-dir = %s\nca-bundle = %s\n"
                        % (ACCOUNT, OTHER_ACCOUNT, setting,
                           os.path.join(work, "state"), site.ca_bundle))
            self.configs[setting] = path

    def run(self, setting, path, endpoint, *args, **env):
        environ = stand.tool_env(endpoint, **env)
        for name in list(environ):
            if name.lower().endswith("_proxy"):
                del environ[name]
        argv = ["-c", self.configs[setting], "--connect-to",
                self.site.connect_to("%s.acm-certificates.amazon.com"
                                     % REGION), "approve"]
        result = stand.run_tool(argv + list(args) + [path], env=environ)
        result.out = result.stdout.decode("utf-8", "replace")
        result.err = result.stderr.decode("utf-8", "replace")
        result.show = "exit %d\nstdout:\n%s\nstderr:\n%s" % (
            result.returncode, result.out[-1500:], result.err[-1500:])
        return result

    def posts(self, code):
        return [p["result"] for p in self.site.posts(code)]


def command_case(command, setting, domain, arn, endpoint,
                 account=ACCOUNT, args=(), **env):
    """Runs approve on a new message; returns (result, POST results)."""
    code = str(uuid.uuid4())
    path = message(domain, arn, account=account, code=code)
    result = command.run(setting, path, endpoint, *args, **env)
    return result, command.posts(code)


def test_command_verified(command, moto):
    acm = acm_client(moto)
    arn = request_certificate(acm, "www.cmd.example")
    result, posts = command_case(command, "yes",
                                 "www.cmd.example", arn, moto.url)
    tap.eq(result.returncode, 0, "approve, pending: exit 0")
    tap.ok("result: approved" in result.out and "checked:" in result.out,
           "approve, pending: checked and approved", result.show)
    tap.eq(posts, ["approved"], "approve, pending: one POST")

    result, posts = command_case(command, "yes",
                                 "api.cmd.example", arn, moto.url)
    tap.eq(result.returncode, 1, "approve, domain not listed: exit 1")
    tap.ok("domain-not-on-certificate" in result.out,
           "approve, domain not listed: reason shown", result.show)
    tap.eq(posts, [], "approve, domain not listed: no POST")

    result, posts = command_case(command, "yes",
                                 "api.cmd.example", arn, moto.url,
                                 args=["--force"])
    tap.eq(result.returncode, 0, "approve --force, domain not listed: "
           "exit 0")
    tap.ok("domain-not-on-certificate" in result.err,
           "approve --force: override logged", result.show)
    tap.eq(posts, ["approved"], "approve --force: one POST")
    return arn


def test_command_other_account(command, moto):
    acm = acm_client(moto, account=OTHER_ACCOUNT)
    arn = request_certificate(acm, "shop.cmd.example")
    result, posts = command_case(command, "yes",
                                 "shop.cmd.example", arn, moto.url,
                                 account=OTHER_ACCOUNT)
    tap.eq(result.returncode, 1, "approve, other account, yes: exit 1")
    tap.ok("certificate-other-account" in result.out,
           "approve, other account, yes: reason shown", result.show)
    tap.eq(posts, [], "approve, other account, yes: no POST")

    result, posts = command_case(command, "auto",
                                 "shop.cmd.example", arn, moto.url,
                                 account=OTHER_ACCOUNT)
    tap.eq(result.returncode, 0, "approve, other account, auto: exit 0")
    tap.ok("note:" in result.out and "was not checked" in result.out and
           OTHER_ACCOUNT in result.out,
           "approve, other account, auto: note shown", result.show)
    tap.eq(posts, ["approved"], "approve, other account, auto: one POST")


def test_command_failures(command, moto, arn):
    dead = "http://127.0.0.1:%d" % closed_port()
    result, posts = command_case(command, "auto",
                                 "www.cmd.example", arn, moto.url,
                                 AWS_ENDPOINT_URL_ACM=dead)
    tap.eq(result.returncode, 3, "approve, ACM unreachable: exit 3")
    tap.ok("certificate-check-failed" in result.out,
           "approve, ACM unreachable: reason shown", result.show)
    tap.eq(posts, [], "approve, ACM unreachable: no POST")

    result, posts = command_case(command, "no", "www.cmd.example",
                                 arn, dead)
    tap.eq(result.returncode, 0, "approve, setting no: exit 0 without AWS")
    tap.ok("was not checked with ACM" in result.out,
           "approve, setting no: note shown", result.show)
    tap.eq(posts, ["approved"], "approve, setting no: one POST")

    missing = "arn:aws:acm:%s:%s:certificate/%s" % (REGION, ACCOUNT,
                                                    uuid.uuid4())
    result, posts = command_case(command, "auto",
                                 "www.cmd.example", missing, moto.url)
    tap.eq(result.returncode, 1, "approve, nonexistent ARN: exit 1")
    tap.ok("certificate-not-found" in result.out,
           "approve, nonexistent ARN: reason shown", result.show)
    tap.eq(posts, [], "approve, nonexistent ARN: no POST")


def test_command_issued(command, moto):
    acm = acm_client(moto)
    arn = request_certificate(acm, "old.cmd.example")
    result, posts = command_case(command, "auto",
                                 "old.cmd.example", arn, moto.url)
    tap.eq(result.returncode, 1, "approve, issued: exit 1")
    tap.ok("certificate-not-pending" in result.out and "ISSUED" in
           result.out, "approve, issued: reason shown", result.show)
    tap.eq(posts, [], "approve, issued: no POST")


def main():
    pending_moto = start_moto(3600)
    issued_moto = start_moto(0)
    site = ApprovalSite(work)
    command = ApproveCommand(site)
    try:
        arn = test_pending(pending_moto)
        test_domain_not_listed(pending_moto, arn)
        test_other_account(pending_moto)
        test_not_found(pending_moto)
        test_legacy(pending_moto)
        test_access_denied(pending_moto, arn)
        test_unavailable(pending_moto, arn)
        test_setting_no(arn)
        test_issued(issued_moto)
        arn = test_command_verified(command, pending_moto)
        test_command_other_account(command, pending_moto)
        test_command_failures(command, pending_moto, arn)
        test_command_issued(command, issued_moto)
    finally:
        site.stop()
        pending_moto.stop()
        issued_moto.stop()
    tap.exit()


main()
