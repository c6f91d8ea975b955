#!/usr/bin/env python3
"""acm-inbox approve against the local approval site over real TLS.

Each case writes an ACM validation email as SES stores it (verdict
headers above X-SES-RECEIPT), runs the command with a config file and
--connect-to, and reads the site's record of POSTs to count approvals.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fakes"))

import stand  # noqa: E402
from approval_stand import ApprovalSite  # noqa: E402

HOST = "us-east-1.acm-certificates.amazon.com"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"

MESSAGE = """\
Return-Path: <0100018c-0000@amazonses.com>
X-SES-Spam-Verdict: PASS
X-SES-Virus-Verdict: PASS
Received-SPF: pass (spfCheck: domain of amazonses.com designates 192.0.2.1
 as permitted sender) client-ip=192.0.2.1;
Authentication-Results: amazonses.com;
 spf=pass smtp.mailfrom=0100018c-0000@amazonses.com;
 dkim=pass header.i=@certificates.amazon.com;
 dkim=pass header.i=@amazonses.com;
 dmarc=pass header.from=certificates.amazon.com;
X-SES-RECEIPT: QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB
From: Amazon Certificates <no-reply@certificates.amazon.com>
To: admin@example.com
Subject: Certificate request for example.com
Date: Fri, 04 Dec 2026 10:00:00 +0000
Message-ID: <0100018c-0000@email.amazonses.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

A certificate request for example.com is waiting for approval.

Domain: example.com
AWS account ID: {account}
AWS Region name: us-east-1
Certificate Identifier: arn:aws:acm:us-east-1:{account}:certificate/\
0b8f4b2e-1111-2222-3333-444455556666

Approval page:
https://{host}/approvals?code={code}&context={context}
"""


def new_code():
    """Return a random code in ACM's UUID form."""
    raw = os.urandom(16).hex()
    return "%s-%s-%s-%s-%s" % (raw[:8], raw[8:12], raw[12:16], raw[16:20],
                               raw[20:])


CODES = {name: new_code() for name in (
    "ok", "held", "forced", "expired", "dryrun", "stdin", "closed",
    "closepost", "secret", "foreign")}
CONTEXT = new_code() + b"us-east-1".hex()


class Runner:
    def __init__(self, tmp, site):
        self.tmp = tmp
        self.site = site
        self.state_dir = os.path.join(tmp, "state")
        self.config = os.path.join(tmp, "acm-inbox.conf")
        with open(self.config, "w") as f:
            f.write("allow-account = %s\nallow-domain = example.com\n"
                    "verify-certificate = no\n"
                    "state-dir = %s\nca-bundle = %s\n"
                    "connect-timeout = 5\nrequest-timeout = 10\n"
                    % (ACCOUNT, self.state_dir, site.ca_bundle))

    def message(self, name, account=ACCOUNT, host=HOST):
        path = os.path.join(self.tmp, name + ".eml")
        text = MESSAGE.format(account=account, host=host, code=CODES[name],
                              context=CONTEXT)
        with open(path, "wb") as f:
            f.write(text.replace("\n", "\r\n").encode())
        return path

    def run(self, *args, connect_port=None, stdin=None):
        port = connect_port or self.site.port
        env = stand.tool_env()
        for name in list(env):
            if name.lower().endswith("_proxy"):
                del env[name]
        argv = ["-c", self.config, "--connect-to",
                "%s:443:127.0.0.1:%d" % (HOST, port),
                "--connect-to", "example.com:443:127.0.0.1:%d" % port,
                "approve"] + list(args)
        result = stand.run_tool(argv, env=env, input=stdin)
        result.out = result.stdout.decode("utf-8", "replace")
        result.err = result.stderr.decode("utf-8", "replace")
        return result


def show(result):
    return "exit %d\nstdout:\n%s\nstderr:\n%s" % (
        result.returncode, result.out[-1500:], result.err[-1500:])


def results(site, name):
    return [p["result"] for p in site.posts(CODES[name])]


def test_approve(tap, runner, site):
    path = runner.message("ok")
    result = runner.run(path)
    tap.eq(result.returncode, 0, "allowed request: exit 0")
    tap.ok("result: approved" in result.out, "allowed request: approved",
           show(result))
    tap.ok("domain:" in result.out and "example.com" in result.out,
           "allowed request: shows the domain", show(result))
    tap.ok(ACCOUNT in result.out, "allowed request: shows the account")
    tap.ok("sender checks:" in result.out and "dkim=pass" in result.out,
           "allowed request: shows sender checks", show(result))
    tap.eq(results(site, "ok"), ["approved"], "allowed request: one POST")

    result = runner.run(path)
    tap.eq(result.returncode, 0, "repeated request: exit 0")
    tap.ok("result: already_approved" in result.out,
           "repeated request: already approved", show(result))
    tap.eq(results(site, "ok"), ["approved"],
           "repeated request: no second POST")


def test_policy(tap, runner, site):
    result = runner.run(runner.message("held", account=OTHER_ACCOUNT))
    tap.eq(result.returncode, 1, "other account: exit 1")
    tap.ok("account-not-allowed" in result.out,
           "other account: reason shown", show(result))
    tap.ok("result:" not in result.out, "other account: no exchange",
           show(result))
    tap.eq(results(site, "held"), [], "other account: no POST")

    result = runner.run("--force",
                        runner.message("forced", account=OTHER_ACCOUNT))
    tap.eq(result.returncode, 0, "forced request: exit 0")
    tap.ok("--force" in result.err and OTHER_ACCOUNT in result.err,
           "forced request: override logged", show(result))
    tap.eq(results(site, "forced"), ["approved"], "forced request: approved")

    result = runner.run("--force",
                        runner.message("foreign", host="example.com"))
    tap.eq(result.returncode, 1, "foreign link forced: exit 1")
    tap.ok("no valid approval link" in result.out,
           "foreign link forced: held", show(result))
    tap.eq(results(site, "foreign"), [], "foreign link forced: no POST")


def test_outcomes(tap, runner, site):
    result = runner.run(runner.message("expired"))
    tap.eq(result.returncode, 1, "expired link: exit 1")
    tap.ok("result: expired" in result.out, "expired link: reported",
           show(result))

    result = runner.run("--dry-run", runner.message("dryrun"))
    tap.eq(result.returncode, 0, "dry run: exit 0")
    tap.ok("result: dry_run" in result.out and "authenticity_token" in
           result.out, "dry run: lists the form", show(result))
    tap.eq(results(site, "dryrun"), [], "dry run: no POST")

    with open(runner.message("stdin"), "rb") as f:
        result = runner.run("-", stdin=f.read())
    tap.eq(result.returncode, 0, "standard input: exit 0")
    tap.eq(results(site, "stdin"), ["approved"], "standard input: approved")

    result = runner.run(runner.message("closed"),
                        connect_port=stand.free_port())
    tap.eq(result.returncode, 3, "no connection: exit 3")
    tap.ok("result: failed" in result.out, "no connection: failed",
           show(result))

    result = runner.run(runner.message("closepost"))
    tap.eq(result.returncode, 1, "closed after POST: exit 1")
    tap.ok("may or may not" in result.out,
           "closed after POST: result unknown", show(result))


def test_usage(tap, runner):
    tap.eq(runner.run().returncode, 2, "missing source: exit 2")
    tap.eq(runner.run("a.eml", "b.eml").returncode, 2,
           "two sources: exit 2")
    result = runner.run(os.path.join(runner.tmp, "missing.eml"))
    tap.eq(result.returncode, 2, "unreadable source: exit 2")
    tap.ok("cannot read" in result.err, "unreadable source: reported",
           show(result))


def test_secrets(tap, runner, site):
    result = runner.run("-vvvv", runner.message("secret"))
    tap.eq(result.returncode, 0, "verbose approval: exit 0")
    sent = site.posts(CODES["secret"])
    if not tap.eq(len(sent), 1, "verbose approval: one POST"):
        return
    secrets = {"code": CODES["secret"], "context": CONTEXT,
               "CSRF token": sent[0]["csrf"],
               "cookie": sent[0]["session_cookie"]}
    for name, value in secrets.items():
        tap.ok(value and value not in result.err + result.out,
               "verbose approval: no %s in output" % name)


def main():
    tap = stand.Tap()
    with tempfile.TemporaryDirectory(prefix="acm-inbox-approve-") as tmp:
        site = ApprovalSite(tmp, expired=[CODES["expired"]],
                            modes=[(CODES["closepost"], "close-post")])
        runner = Runner(tmp, site)
        try:
            test_approve(tap, runner, site)
            test_policy(tap, runner, site)
            test_outcomes(tap, runner, site)
            test_usage(tap, runner)
            test_secrets(tap, runner, site)
        finally:
            site.stop()
    tap.exit()


if __name__ == "__main__":
    main()
