#!/usr/bin/env python3
"""acm-inbox inspect against the mail corpus in tests/fixtures/mail.

Each NAME.eml is inspected with --json under the corpus policy (account
111122223333, domain example.com) and every field of NAME.json is compared
with the output.  Further checks cover stdin, several sources, the config
file, size limits on generated large messages, exit statuses, escaping of
untrusted text and that approval codes stay out of the text output and
the log.
"""

import base64
import glob
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from stand import SHARED, TOP, Moto, Tap, free_port, run_tool, \
    tool_env  # noqa: E402

CORPUS = os.path.join(TOP, "tests", "fixtures", "mail")
POLICY = ["--allow-account", "111122223333", "--allow-domain", "example.com"]
AUTH_KEYS = ("spf", "dkim", "dmarc", "spam", "virus")
SCALAR_KEYS = ("is_acm", "domain", "requested_domain", "account_id",
               "region", "certificate_arn", "certificate_id",
               "approval_url")

tap = Tap()
# Nothing listens on this port: a request that should not happen fails
# here instead of leaving the machine.
env = tool_env("http://127.0.0.1:%d" % free_port())
work = tempfile.mkdtemp(prefix="acm-inbox-inspect-")


def write_config(name, text=""):
    """A config file that keeps the host's /etc/acm-inbox.conf out."""
    path = os.path.join(work, name)
    with open(path, "w") as fh:
        fh.write("verify-certificate = no\n" + text)
    return path


base_config = write_config("base.conf")


def inspect(*args, input=None, config=base_config, env=env):
    return run_tool(["inspect", "-c", config] + list(args), env=env,
                    input=input)


def summary(obj):
    """The fields a fixture's JSON file describes."""
    out = {k: obj.get(k) for k in SCALAR_KEYS}
    out["authentication"] = {k: obj["authentication"].get(k)
                             for k in AUTH_KEYS}
    out["problems"] = [p["code"] for p in obj["problems"]]
    out["decision"] = {"action": obj["decision"]["action"],
                       "reasons": [r["code"] for r in
                                   obj["decision"]["reasons"]]}
    return out


def check_corpus():
    emls = sorted(glob.glob(os.path.join(CORPUS, "*.eml")))
    tap.ok(len(emls) >= 40, "corpus has at least 40 messages",
           "found %d" % len(emls))
    for eml in emls:
        name = os.path.basename(eml)[:-4]
        with open(eml[:-4] + ".json") as fh:
            expected = json.load(fh)
        result = inspect("--json", *POLICY, eml)
        if not tap.eq(result.returncode, 0, "%s: exit status" % name):
            print("# " + result.stderr.decode(errors="replace"))
            continue
        got = summary(json.loads(result.stdout))
        for key in sorted(expected):
            tap.eq(got[key], expected[key], "%s: %s" % (name, key))


def check_every_source_in_one_run():
    emls = sorted(glob.glob(os.path.join(CORPUS, "*.eml")))
    result = inspect("--json", *POLICY, *emls)
    lines = result.stdout.decode().splitlines()
    tap.eq(result.returncode, 0, "many sources: exit status")
    tap.eq(len(lines), len(emls), "many sources: one line each")
    tap.eq([json.loads(line)["source"] for line in lines], emls,
           "many sources: in order")


def check_stdin():
    path = os.path.join(CORPUS, "request-both-parts.eml")
    with open(path, "rb") as fh:
        data = fh.read()
    result = inspect("--json", *POLICY, "-", input=data)
    tap.eq(result.returncode, 0, "stdin: exit status")
    obj = json.loads(result.stdout)
    tap.eq(obj["source"], "-", "stdin: source name")
    tap.eq(obj["decision"]["action"], "approve", "stdin: decision")


def check_usage_errors():
    good = os.path.join(CORPUS, "request-both-parts.eml")
    missing = os.path.join(work, "no-such-file.eml")
    result = inspect("--json", *POLICY, missing, good)
    tap.eq(result.returncode, 2, "unreadable source: exit status 2")
    tap.ok(b"no-such-file.eml" in result.stderr,
           "unreadable source: named on stderr", result.stderr)
    tap.eq(len(result.stdout.decode().splitlines()), 1,
           "unreadable source: other sources still inspected")
    result = inspect("s3://bucket-without-key")
    tap.eq(result.returncode, 2, "malformed s3 source: exit status 2")
    result = inspect()
    tap.eq(result.returncode, 2, "no source: exit status 2")
    result = inspect("--allow-account", "12345", good)
    tap.eq(result.returncode, 2, "invalid account flag: exit status 2")
    result = run_tool(["inspect", "--help"], env=env)
    tap.eq(result.returncode, 0, "help: exit status")
    tap.ok(b"Exit status" in result.stdout, "help: documents exit status",
           result.stdout)


def decide(*args, config=base_config, name="request-both-parts.eml"):
    result = inspect("--json", *args, os.path.join(CORPUS, name),
                     config=config)
    obj = json.loads(result.stdout)
    return obj["decision"]["action"], [r["code"] for r in
                                       obj["decision"]["reasons"]]


def check_policy_sources():
    action, reasons = decide("--allow-domain", "example.com")
    tap.eq(action, "hold", "no allowed account: hold")
    tap.ok("no-allowed-account" in reasons,
           "no allowed account: reason", reasons)
    config = write_config("policy.conf", "allow-account = 1111-2222-3333\n"
                          "domain = example.com\n")
    action, reasons = decide(config=config)
    tap.eq((action, reasons), ("approve", []),
           "config file: dashed account and domain allow")
    action, reasons = decide("--allow-account", "444455556666",
                             config=config)
    tap.eq(reasons, ["account-not-allowed"],
           "flag replaces config allow-account")
    action, reasons = decide("--allow-domain", "example.net",
                             config=config)
    tap.eq(reasons, ["domain-not-allowed", "domain-not-allowed"],
           "flag replaces config domains")
    action, reasons = decide("--allow-account", "111122223333",
                             "--allow-domain", "www.example.com",
                             name="wildcard-apex.eml")
    tap.eq(reasons, ["domain-not-allowed", "domain-not-allowed"],
           "wildcard apex not covered by a subdomain")


def acm_with_attachment(size):
    """The corpus' request with an attachment of size bytes added."""
    with open(os.path.join(CORPUS, "request-both-parts.eml"), "rb") as fh:
        data = fh.read()
    head, body = data.split(b"\r\n\r\n", 1)
    boundary = head.split(b'boundary="')[1].split(b'"')[0]
    blob = base64.encodebytes(os.urandom(size * 3 // 4))
    blob = blob.replace(b"\n", b"\r\n")
    attachment = (b"--" + boundary + b"\r\nContent-Type: application/pdf"
                  b"\r\nContent-Disposition: attachment; filename=a.pdf"
                  b"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + blob)
    body = body.replace(b"--" + boundary + b"--",
                        attachment + b"--" + boundary + b"--")
    return head + b"\r\n\r\n" + body


def check_large_messages():
    path = os.path.join(work, "large.eml")
    with open(path, "wb") as fh:
        fh.write(acm_with_attachment(6 * 1024 * 1024))
    result = inspect("--json", *POLICY, path)
    obj = json.loads(result.stdout)
    tap.eq(obj["decision"]["action"], "approve",
           "6 MB attachment: approved")
    tap.eq(obj["domain"], "www.example.com", "6 MB attachment: domain")
    config = write_config("small.conf", "max-message-size = 1M\n")
    action, reasons = decide(*POLICY, config=config,
                             name="request-both-parts.eml")
    tap.eq((action, reasons), ("approve", []),
           "small message under a small limit")
    result = inspect("--json", *POLICY, path, config=config)
    obj = json.loads(result.stdout)
    tap.eq([r["code"] for r in obj["decision"]["reasons"]],
           ["message-too-large"], "over max-message-size: reason")
    tap.eq(obj["decision"]["action"], "hold", "over max-message-size: hold")
    with open(path, "rb") as fh:
        data = fh.read()
    result = inspect("--json", *POLICY, "-", input=data, config=config)
    obj = json.loads(result.stdout)
    tap.eq(obj["decision"]["action"], "hold", "stdin over limit: hold")
    os.unlink(path)


def check_default_size_limit():
    path = os.path.join(work, "huge.eml")
    with open(path, "wb") as fh:
        fh.write(acm_with_attachment(41 * 1024 * 1024))
    result = inspect("--json", *POLICY, path)
    obj = json.loads(result.stdout)
    tap.eq([r["code"] for r in obj["decision"]["reasons"]],
           ["message-too-large"], "41 MB message: over the default limit")
    os.unlink(path)


def check_text_output():
    path = os.path.join(CORPUS, "request-both-parts.eml")
    with open(os.path.join(CORPUS, "request-both-parts.json")) as fh:
        url = json.load(fh)["approval_url"]
    code = url.split("code=")[1].split("&")[0]
    context = url.split("context=")[1]
    result = inspect("-vvvv", *POLICY, path)
    text = result.stdout.decode()
    tap.eq(result.returncode, 0, "text output: exit status")
    tap.ok(text.startswith(path + ": approve"),
           "text output: decision line", text)
    tap.ok(code not in text and context not in text,
           "text output: no code or context", text)
    tap.ok(code.encode() not in result.stderr and
           context.encode() not in result.stderr,
           "log: no code or context", result.stderr)
    result = inspect("--json", "-vvvv", *POLICY, path)
    tap.ok(code.encode() not in result.stderr, "json log: no code",
           result.stderr)


def check_untrusted_text_escaped():
    subject = "=?UTF-8?B?%s?=" % base64.b64encode(
        b"Hi \x1b[2J\x07 there").decode()
    data = ("From: x@example.org\r\nSubject: %s\r\n\r\nhello\r\n"
            % subject).encode()
    result = inspect(*POLICY, "-", input=data)
    tap.ok(b"\x1b" not in result.stdout and b"\x07" not in result.stdout,
           "text output: control characters escaped", result.stdout)
    tap.ok(b"\\x1b" in result.stdout, "text output: escape shown",
           result.stdout)
    data = (b"From: a@example.org\r\nSubject: =?x-unknown?b?/w==?= "
            b"\xff\xfe raw\r\n\r\nhello\r\n")
    result = inspect("--json", *POLICY, "-", input=data)
    try:
        subject = json.loads(result.stdout.decode("utf-8"))["subject"]
    except ValueError as error:
        subject = error
    tap.ok(isinstance(subject, str) and subject.endswith(" raw"),
           "json output: 8-bit subject as valid UTF-8", subject)


def check_samples():
    samples = os.path.join(SHARED, "samples")
    expected_path = os.path.join(samples, "expected.json")
    if not os.path.exists(expected_path):
        tap.skip("samples", "no sample directory at %s" % samples)
        return
    with open(expected_path) as fh:
        expected = json.load(fh)
    for name, exp in sorted(expected.items()):
        result = inspect("--json", *POLICY, os.path.join(samples, name))
        tap.eq(result.returncode, 0, "sample %s: exit status" % name)
        obj = json.loads(result.stdout)
        tap.eq(obj["is_acm"], exp["acm"], "sample %s: is_acm" % name)
        tap.eq(obj["decision"]["action"], exp["decision"],
               "sample %s: decision" % name)
        for key in ("domain", "account_id", "region", "certificate_id",
                    "approval_url"):
            if key in exp:
                tap.eq(obj[key], exp[key], "sample %s: %s" % (name, key))


check_corpus()
check_every_source_in_one_run()
check_stdin()
check_usage_errors()
check_policy_sources()
check_large_messages()
check_default_size_limit()
check_text_output()
check_untrusted_text_escaped()
def check_with_moto():
    """s3:// sources and the certificate check against moto_server."""
    moto = Moto()
    moto_env = tool_env(moto.url)
    s3 = moto.client("s3")
    s3.create_bucket(Bucket="mail")
    path = os.path.join(CORPUS, "request-both-parts.eml")
    with open(path, "rb") as fh:
        s3.put_object(Bucket="mail", Key="inbox/one", Body=fh.read())
    with open(path[:-4] + ".json") as fh:
        expected = json.load(fh)

    result = inspect("--json", *POLICY, "s3://mail/inbox/one", env=moto_env)
    tap.eq(result.returncode, 0, "s3 source: exit status")
    obj = json.loads(result.stdout)
    tap.eq(obj["approval_url"], expected["approval_url"],
           "s3 source: approval_url")
    tap.eq(obj["decision"]["action"], "approve", "s3 source: decision")
    result = inspect("--json", *POLICY, "s3://mail/inbox/none",
                     env=moto_env)
    tap.eq(result.returncode, 3, "missing s3 object: exit status 3")

    # The corpus account is not moto's, so auto skips the check and yes
    # turns the approval into a hold.
    for setting, action, status in (("auto", "approve", "skipped"),
                                    ("yes", "hold", "other-account")):
        config = os.path.join(work, "verify-%s.conf" % setting)
        with open(config, "w") as fh:
            fh.write("verify-certificate = %s\nretries = 0\n" % setting)
        result = inspect("--json", *POLICY, path, config=config,
                         env=moto_env)
        obj = json.loads(result.stdout)
        check = obj["certificate_check"] or {}
        tap.eq(obj["decision"]["action"], action,
               "verify-certificate %s: decision" % setting)
        tap.eq(check.get("status"), status,
               "verify-certificate %s: check status" % setting)
    moto.stop()


def check_unreachable_check():
    """A certificate check that cannot reach AWS is tried and logged once."""
    config = os.path.join(work, "unreachable.conf")
    with open(config, "w") as fh:
        fh.write("verify-certificate = auto\nretries = 0\n")
    paths = [os.path.join(CORPUS, name + ".eml")
             for name in ("request-both-parts", "renewal-current")]
    result = inspect("--json", *POLICY, *paths, config=config)
    tap.eq(result.returncode, 0, "unreachable check: exit status")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    tap.eq([obj["decision"]["action"] for obj in lines], ["hold", "hold"],
           "unreachable check: both held")
    tap.eq([(obj["certificate_check"] or {}).get("status")
            for obj in lines], ["error", "error"],
           "unreachable check: both show the error")
    tap.eq(result.stderr.count(b"certificate cannot be checked"), 1,
           "unreachable check: logged once")


check_samples()
check_unreachable_check()
check_with_moto()
tap.exit()
