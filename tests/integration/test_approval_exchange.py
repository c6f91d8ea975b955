#!/usr/bin/env python3
"""The approval exchange against the local approval site over real TLS.

A throwaway CA signs a certificate for the real approval host names, and
libcurl's connect-to sends those names to the site on 127.0.0.1, so host
checks and certificate verification run as they would against AWS.  The
site records every POST, which is how the approvals are counted.
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "fakes"))

import stand  # noqa: E402
from approval_stand import ApprovalSite  # noqa: E402

HOST = "us-east-1.acm-certificates.amazon.com"
CHINA_HOST = "cn-north-1.acm-certificates.amazonaws.cn"
PROBE = os.path.join(stand.BUILD, "tests", "test_exchange_live")

# One code per case, so the cases are told apart in the site's record.
CODES = {
    name: "%s-%s" % (name, os.urandom(6).hex())
    for name in ("ok", "expired", "unknown", "already", "wrongca",
                 "redirect", "noform", "slow", "close", "closepost", "hop",
                 "postredirect", "dryrun", "china", "secret", "foreign",
                 "again")
}
# A context as ACM writes it: a UUID followed by the region in hex.
CONTEXT = "%s-%s-%s-%s-%s%s" % (
    os.urandom(4).hex(), os.urandom(2).hex(), os.urandom(2).hex(),
    os.urandom(2).hex(), os.urandom(6).hex(), b"us-east-1".hex())


def link(code, host=HOST, context=CONTEXT):
    return "https://%s/approvals?%s" % (host, urllib.parse.urlencode(
        {"code": code, "context": context}))


class Case:
    """Runs the probe binary with exchange options from the environment."""

    def __init__(self, tmp, site):
        self.site = site
        self.ca_bundle = site.ca_bundle
        self.save_dir = os.path.join(tmp, "state")
        os.makedirs(self.save_dir)

    def run(self, url, verbosity=0, ca_bundle=None, request_timeout=10,
            dry_run=False):
        env = stand.tool_env()
        for name in list(env):
            if name.lower().endswith("_proxy"):
                del env[name]
        env.update({
            "ACM_INBOX_EXCHANGE_PROBE": "1",
            "ACM_INBOX_CA_BUNDLE": ca_bundle or self.ca_bundle,
            "ACM_INBOX_CONNECT_TO": " ".join(
                self.site.connect_to(host)
                for host in (HOST, CHINA_HOST, "example.com")),
            "ACM_INBOX_CONNECT_TIMEOUT": "5",
            "ACM_INBOX_REQUEST_TIMEOUT": str(request_timeout),
            "ACM_INBOX_SAVE_DIR": self.save_dir,
            "ACM_INBOX_VERBOSITY": str(verbosity),
            "ACM_INBOX_DRY_RUN": "1" if dry_run else "0",
        })
        proc = subprocess.run([PROBE, url], env=env, capture_output=True,
                              timeout=120)
        stderr = proc.stderr.decode("utf-8", "replace")
        try:
            outcome = json.loads(proc.stdout.decode("utf-8"))
        except ValueError:
            outcome = {"result": "no output", "stdout": proc.stdout,
                       "stderr": stderr[-2000:], "status": proc.returncode}
        outcome["stderr"] = stderr
        outcome["exit_status"] = proc.returncode
        return outcome


def posts_for(site, name):
    return site.posts(CODES[name])


def check_result(tap, outcome, expected, name):
    detail = "%s\nstderr:\n%s" % (
        json.dumps({k: v for k, v in outcome.items() if k != "stderr"},
                   default=repr),
        outcome.get("stderr", "")[-1500:])
    tap.eq(outcome.get("exit_status"), 0, "%s: probe exit status" % name)
    return tap.ok(outcome.get("result") == expected,
                  "%s: result %s" % (name, expected), detail)


def test_approved(tap, case, site):
    outcome = case.run(link(CODES["ok"]))
    check_result(tap, outcome, "approved", "valid request")
    tap.eq(outcome.get("status"), 0, "valid request: status 0")
    sent = posts_for(site, "ok")
    tap.eq(len(sent), 1, "valid request: one POST")
    if not sent:
        return
    checks = {k: v for k, v in sent[0].items() if k.endswith("_ok")}
    tap.ok(all(checks.values()), "valid request: site checks pass", checks)
    tap.ok(sent[0]["token_ok"], "valid request: CSRF token accepted")
    tap.ok(sent[0]["cookie_ok"], "valid request: session cookie sent")
    tap.eq(sent[0]["fields"], ["utf8", "authenticity_token",
                               "validation_token", "context", "commit"],
           "valid request: fields of the approval form only")
    tap.eq(sent[0]["result"], "approved", "valid request: site approved")


def test_refusals(tap, case, site):
    outcome = case.run(link(CODES["expired"]))
    check_result(tap, outcome, "expired", "expired link")
    tap.eq(outcome.get("http_status"), 400, "expired link: HTTP 400")
    tap.eq(outcome.get("status"), -1, "expired link: status -1")

    outcome = case.run(link(CODES["unknown"]))
    check_result(tap, outcome, "unknown_request", "unknown request")
    tap.eq(outcome.get("http_status"), 404, "unknown request: HTTP 404")

    tap.eq(len(posts_for(site, "expired")) +
           len(posts_for(site, "unknown")), 0,
           "expired and unknown: nothing posted")


def test_already(tap, case, site):
    first = case.run(link(CODES["already"]))
    second = case.run(link(CODES["already"]))
    check_result(tap, first, "approved", "first approval")
    check_result(tap, second, "already_approved", "second approval")
    tap.eq(second.get("status"), 0, "already approved: status 0")
    results = [p["result"] for p in posts_for(site, "already")]
    tap.eq(results, ["approved", "already"],
           "form after approval: one approval, then one repeat")

    first = case.run(link(CODES["again"]))
    second = case.run(link(CODES["again"]))
    check_result(tap, first, "approved", "approval before a rerun")
    check_result(tap, second, "already_approved", "rerun of an approval")
    tap.eq(second.get("submitted"), False, "rerun: nothing submitted")
    tap.eq([p["result"] for p in posts_for(site, "again")], ["approved"],
           "rerun: the approved page is read, no second POST")


def test_wrong_ca(tap, case, site):
    outcome = case.run(link(CODES["wrongca"]),
                       ca_bundle=site.other_ca_bundle)
    check_result(tap, outcome, "failed", "untrusted CA")
    tap.ok(HOST in outcome.get("detail", ""), "untrusted CA: names host",
           outcome.get("detail"))
    tap.ok("CA bundle" in outcome.get("detail", ""),
           "untrusted CA: says what to check", outcome.get("detail"))
    tap.eq(len(posts_for(site, "wrongca")), 0, "untrusted CA: no POST")


def test_redirect_and_form(tap, case, site):
    outcome = case.run(link(CODES["redirect"]))
    check_result(tap, outcome, "unexpected", "foreign redirect")
    tap.ok("login.example.net" in outcome.get("detail", ""),
           "foreign redirect: names the host", outcome.get("detail"))
    tap.eq(len(posts_for(site, "redirect")), 0, "foreign redirect: no POST")

    outcome = case.run(link(CODES["noform"]))
    check_result(tap, outcome, "unexpected", "missing form")
    saved = outcome.get("saved_page")
    tap.ok(saved is not None and os.path.dirname(saved) == case.save_dir,
           "missing form: page saved in the state directory", outcome)
    if saved and os.path.exists(saved):
        with open(saved, encoding="utf-8", errors="replace") as f:
            text = f.read()
        tap.ok("Please sign in" in text, "missing form: saved page text")
        tap.ok(CONTEXT not in text and "[REDACTED]" in text,
               "missing form: saved page redacted")
    tap.eq(len(posts_for(site, "noform")), 0, "missing form: no POST")

    outcome = case.run(link(CODES["foreign"], host="example.com"))
    check_result(tap, outcome, "unexpected", "link on foreign host")

    outcome = case.run(link(CODES["hop"]))
    check_result(tap, outcome, "approved", "redirect on approval host")
    outcome = case.run(link(CODES["postredirect"]))
    check_result(tap, outcome, "approved", "result page after redirect")
    outcome = case.run(link(CODES["china"], host=CHINA_HOST))
    check_result(tap, outcome, "approved", "China approval host")
    for name in ("hop", "postredirect", "china"):
        tap.eq([p["result"] for p in posts_for(site, name)], ["approved"],
               "%s: one approving POST" % name)


def test_network(tap, case, site):
    outcome = case.run(link(CODES["slow"]), request_timeout=2)
    check_result(tap, outcome, "failed", "hanging server")
    tap.ok("timed out" in outcome.get("detail", "").lower(),
           "hanging server: says timed out", outcome.get("detail"))
    tap.eq(outcome.get("submitted"), False, "hanging server: not submitted")

    outcome = case.run(link(CODES["close"]))
    check_result(tap, outcome, "failed", "closed connection")
    tap.ok(HOST in outcome.get("detail", ""),
           "closed connection: names host", outcome.get("detail"))

    outcome = case.run(link(CODES["closepost"]))
    check_result(tap, outcome, "failed", "closed after POST")
    tap.ok("may or may not" in outcome.get("detail", ""),
           "closed after POST: says the result is unknown",
           outcome.get("detail"))
    tap.eq(outcome.get("submitted"), True, "closed after POST: submitted")
    outcome = case.run(link(CODES["closepost"]))
    check_result(tap, outcome, "already_approved", "closed after POST rerun")
    tap.eq([p["result"] for p in posts_for(site, "closepost")],
           ["approved"], "closed after POST: the rerun sends no POST")

    tap.eq(len(posts_for(site, "slow")) + len(posts_for(site, "close")),
           0, "hanging and closing: no POST")


def test_dry_run(tap, case, site):
    outcome = case.run(link(CODES["dryrun"]), dry_run=True)
    check_result(tap, outcome, "dry_run", "dry run")
    detail = outcome.get("detail", "")
    tap.ok("authenticity_token" in detail and "commit" in detail,
           "dry run: lists the field names", detail)
    tap.eq(len(posts_for(site, "dryrun")), 0, "dry run: no POST")


def test_secrets(tap, case, site):
    outcome = case.run(link(CODES["secret"]), verbosity=4)
    check_result(tap, outcome, "approved", "verbose run")
    stderr = outcome["stderr"]
    tap.ok("> POST" in stderr and "< HTTP/1.1 200" in stderr,
           "verbose run: libcurl output is logged", stderr[-1500:])
    sent = posts_for(site, "secret")
    if not tap.eq(len(sent), 1, "verbose run: one POST"):
        return
    secrets = {
        "code": CODES["secret"],
        "context": CONTEXT,
        "CSRF token": sent[0]["csrf"],
        "validation token": sent[0]["validation_token"],
        "cookie": sent[0]["session_cookie"],
    }
    for name, value in secrets.items():
        tap.ok(value and value not in stderr,
               "verbose run: no %s in the log" % name)


def main():
    tap = stand.Tap()
    with tempfile.TemporaryDirectory(prefix="acm-inbox-approval-") as tmp:
        modes = [(CODES[name], mode) for name, mode in (
            ("redirect", "redirect"), ("noform", "noform"),
            ("slow", "slow"), ("close", "close"),
            ("closepost", "close-post"), ("hop", "hop"),
            ("postredirect", "post-redirect"), ("already", "form-again"))]
        site = ApprovalSite(tmp, expired=[CODES["expired"]],
                            unknown=[CODES["unknown"]], modes=modes)
        case = Case(tmp, site)
        try:
            test_approved(tap, case, site)
            test_refusals(tap, case, site)
            test_already(tap, case, site)
            test_wrong_ca(tap, case, site)
            test_redirect_and_form(tap, case, site)
            test_network(tap, case, site)
            test_dry_run(tap, case, site)
            test_secrets(tap, case, site)
            approving = [p for p in site.posts()
                         if p["result"] == "approved"]
            tap.eq(len(approving), 8, "site recorded eight approvals")
        finally:
            site.stop()
    tap.exit()


if __name__ == "__main__":
    main()
