#!/usr/bin/env python3
"""`acm-inbox run` against moto_server and the local approval site.

A mixed inbox (valid requests, held ones, a newsletter, SES's setup
notification, a link the site calls expired and one it does not know)
must end with every message under its outcome prefix with a result
record, read back with boto3, and with exactly one approval per valid
request in the site's POST record.  Then the worker is killed with
SIGKILL after each step (ACM_INBOX_TEST_CRASH_AT) and run again; four
workers share a 200-message inbox; and a proxy fails a share of the S3
requests.  None of it may lose a message or approve one twice.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

import demo_mail  # noqa: E402
import stand  # noqa: E402
import test_ca  # noqa: E402

SITE = os.path.join(stand.TOP, "tests", "fakes", "approval_site.py")
PROXY = os.path.join(stand.TOP, "tests", "fakes", "s3_fault_proxy.py")
BUCKET = "acm-inbox-run-test"
ACCOUNT = "111122223333"
REGION = "us-east-1"
HOST = "%s.acm-certificates.amazon.com" % REGION
OUTCOMES = ("approved", "held", "ignored", "expired", "failed")
LEASE = 10


def valid_request(code, domain="www.example.com", account=ACCOUNT):
    arn = "arn:aws:acm:%s:%s:certificate/%s" % (REGION, account,
                                                 uuid.uuid4())
    return demo_mail.acm_message(domain, account, REGION, arn, code,
                                 demo_mail.context_for(REGION),
                                 recipient="admin@example.com")


class Stand:
    """moto_server, the approval site and a config file."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.moto = stand.Moto(log=os.path.join(tmp, "moto.log"))
        self.s3 = self.moto.client("s3")
        self.s3.create_bucket(Bucket=BUCKET)
        ca = test_ca.make_ca(tmp, "ca")
        cert, key = test_ca.make_server_cert(tmp, ca)
        self.ca = ca[0]
        self.record = os.path.join(tmp, "posts.jsonl")
        self.expired_code = "expired-" + uuid.uuid4().hex
        self.unknown_code = "unknown-" + uuid.uuid4().hex
        self.site_port = stand.free_port()
        self.site = stand.start_process(
            [sys.executable, SITE, "--cert", cert, "--key", key,
             "--record", self.record, "--port", str(self.site_port),
             "--expired", self.expired_code, "--unknown", self.unknown_code],
            ready_port=self.site_port, log=os.path.join(tmp, "site.log"))
        self.config = os.path.join(tmp, "acm-inbox.conf")
        self.write_config()

    def write_config(self, **extra):
        settings = {
            "bucket": BUCKET, "prefix": "acm-inbox/",
            "allow-account": ACCOUNT, "allow-domain": "example.com",
            "lease-seconds": str(LEASE), "retries": "2",
            "connect-timeout": "5", "request-timeout": "30",
            "state-dir": os.path.join(self.tmp, "state"),
            "verify-certificate": "no",
        }
        settings.update(extra)
        with open(self.config, "w") as f:
            for key, value in settings.items():
                f.write("%s = %s\n" % (key, value))

    def run(self, args, endpoint=None, timeout=300, **env_extra):
        env = stand.tool_env(endpoint or self.moto.url, **env_extra)
        argv = ["-c", self.config, "--ca-bundle", self.ca,
                "--connect-to", "%s:443:127.0.0.1:%d" % (HOST,
                                                         self.site_port),
                "run"] + list(args)
        return stand.run_tool(argv, env=env, timeout=timeout)

    def put(self, prefix, name, data):
        self.s3.put_object(Bucket=BUCKET, Key=prefix + "inbox/" + name,
                           Body=data)

    def keys(self, prefix):
        keys = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=BUCKET, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return keys

    def result(self, prefix, name):
        body = self.s3.get_object(Bucket=BUCKET,
                                  Key=prefix + "results/" + name + ".json")
        return json.loads(body["Body"].read())

    def posts(self):
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            return [json.loads(line) for line in f if line.strip()]

    def approvals(self, code):
        return [p for p in self.posts()
                if p.get("code") == code and p.get("result") == "approved"]

    def stop(self):
        stand.stop_process(self.site)
        self.moto.stop()


def where(st, prefix, names):
    """Map each message name to the folders that hold it."""
    found = {name: [] for name in names}
    for key in st.keys(prefix):
        rest = key[len(prefix):]
        folder, _, name = rest.partition("/")
        if name in found and folder in OUTCOMES + ("inbox",):
            found[name].append(folder)
    return found


def check_filed(tap, st, prefix, expected, label):
    """Each message in exactly its outcome folder, with its record."""
    found = where(st, prefix, expected)
    for name, outcome in sorted(expected.items()):
        tap.eq(found[name], [outcome], "%s: %s filed as %s"
               % (label, name, outcome))
    records = st.keys(prefix + "results/")
    tap.eq(len(records), len(expected), "%s: one record each" % label)
    tap.eq(st.keys(prefix + "claims/"), [], "%s: no claim left" % label)
    tap.eq(st.keys(prefix + "inbox/"), [], "%s: inbox empty" % label)


def mixed_inbox(st, prefix):
    """Fill an inbox; returns ({name: outcome}, {name: code})."""
    expected, codes = {}, {}
    for i in range(3):
        code = "ok-%d-%s" % (i, uuid.uuid4().hex)
        name = "valid-%d" % i
        st.put(prefix, name, valid_request(code))
        expected[name], codes[name] = "approved", code
    st.put(prefix, "stranger", valid_request(
        "held-" + uuid.uuid4().hex, account="999988887777"))
    expected["stranger"] = "held"
    st.put(prefix, "newsletter", demo_mail.newsletter("admin@example.com"))
    expected["newsletter"] = "ignored"
    st.put(prefix, "AMAZON_SES_SETUP_NOTIFICATION",
           demo_mail.setup_notification("admin@example.com"))
    expected["AMAZON_SES_SETUP_NOTIFICATION"] = "ignored"
    return expected, codes


def expect(tap, got, want, name, detail=""):
    return tap.ok(got == want, name, "got      %r\nexpected %r\n%s"
                  % (got, want, detail))


def summary_counts(stdout):
    """Counts from the summary line: {"approved": 2, ...}."""
    counts = {}
    for line in stdout.splitlines():
        if line.startswith("acm-inbox run:"):
            for number, name in re.findall(r"(\d+) ([a-z]+)", line):
                counts[name] = counts.get(name, 0) + int(number)
    return counts


def show(proc):
    return "exit %s\nstdout:\n%s\nstderr:\n%s" % (
        proc.returncode, proc.stdout.decode(errors="replace")[-1500:],
        proc.stderr.decode(errors="replace")[-2500:])


def notification_queue(st):
    """Subscribe an SQS queue to a new notify-topic; returns its URL."""
    sns, sqs = st.moto.client("sns"), st.moto.client("sqs")
    topic = sns.create_topic(Name="acm-inbox-events")["TopicArn"]
    queue = sqs.create_queue(QueueName="acm-inbox-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=[
        "QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    st.write_config(**{"notify-topic": topic})
    return queue


def received_events(st, queue):
    sqs, events = st.moto.client("sqs"), []
    for _ in range(20):
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
        if not got.get("Messages"):
            break
        for message in got["Messages"]:
            envelope = json.loads(message["Body"])
            events.append(json.loads(envelope["Message"]))
            sqs.delete_message(QueueUrl=queue,
                               ReceiptHandle=message["ReceiptHandle"])
    return events


def test_mixed(tap, st):
    prefix = "mixed/"
    expected, codes = mixed_inbox(st, prefix)
    st.put(prefix, "site-expired", valid_request(st.expired_code))
    expected["site-expired"] = "expired"
    st.put(prefix, "site-unknown", valid_request(st.unknown_code))
    expected["site-unknown"] = "failed"

    proc = st.run(["--prefix", prefix, "--dry-run"])
    tap.eq(proc.returncode, 1, "dry run: exit status 1 (held)")
    tap.eq(len(st.keys(prefix + "inbox/")), len(expected),
           "dry run: inbox unchanged")
    tap.eq(st.keys(prefix + "claims/") + st.keys(prefix + "results/"), [],
           "dry run: no claim or record")
    tap.eq(st.posts(), [], "dry run: no POST")

    queue = notification_queue(st)
    proc = st.run(["--prefix", prefix])
    st.write_config()
    expect(tap, proc.returncode, 1, "mixed: exit status 1", show(proc))
    events = received_events(st, queue)
    outcomes = sorted(e.get("outcome") for e in events)
    tap.eq(outcomes, ["approved"] * 3 + ["expired", "failed", "held"],
           "notify: one event per approved, held, expired, failed")
    tap.ok(all(e.get("record", {}).get("id") for e in events),
           "notify: events carry the result record", events[:2])
    check_filed(tap, st, prefix, expected, "mixed")
    for name, code in codes.items():
        tap.eq(len(st.approvals(code)), 1, "mixed: %s approved once" % name)
    record = st.result(prefix, "valid-0")
    tap.eq(record.get("outcome"), "approved", "record: outcome")
    tap.eq(record.get("account_id"), ACCOUNT, "record: account")
    tap.eq(record.get("domain"), "www.example.com", "record: domain")
    tap.ok(str(record.get("certificate", "")).startswith("arn:aws:acm:"),
           "record: certificate ARN", record)
    tap.eq((record.get("approval") or {}).get("http_status"), 200,
           "record: approval HTTP status")
    tap.ok(record.get("worker"), "record: worker id")
    held = st.result(prefix, "stranger")
    tap.ok(any("account" in r for r in held.get("reasons", [])),
           "record: held reason names the account", held)
    out = proc.stdout.decode()
    tap.ok("held" in out and "stranger" in out,
           "summary: held message listed", out)
    tap.eq(summary_counts(out).get("approved"), 3, "summary: 3 approved")
    for text in codes.values():
        tap.ok(text not in proc.stderr.decode() and text not in out,
               "output: approval code not shown")

    proc = st.run(["--prefix", prefix])
    expect(tap, proc.returncode, 0, "idle: exit status 0", show(proc))
    tap.ok("no new messages" in proc.stdout.decode(), "idle: says so")


CRASH_POINTS = [
    ("after-claim", 1), ("after-claim", 3), ("after-renew", 1),
    ("after-renew", 2), ("after-approval", 1), ("after-approval", 2),
    ("after-result", 1), ("after-result", 4), ("after-copy", 1),
    ("after-copy", 3), ("after-delete-inbox", 2), ("after-file", 1),
    ("after-delete-claim", 3),
]


def test_crashes(tap, st):
    for index, (step, nth) in enumerate(CRASH_POINTS):
        prefix = "crash-%d/" % index
        label = "crash %s:%d" % (step, nth)
        expected, codes = {}, {}
        for i in range(2):
            code = "crash-%d-%d-%s" % (index, i, uuid.uuid4().hex)
            st.put(prefix, "valid-%d" % i, valid_request(code))
            expected["valid-%d" % i], codes["valid-%d" % i] = "approved", code
        st.put(prefix, "stranger", valid_request(
            "held-" + uuid.uuid4().hex, account="999988887777"))
        expected["stranger"] = "held"
        st.put(prefix, "newsletter", demo_mail.newsletter("admin@example.com"))
        expected["newsletter"] = "ignored"

        proc = st.run(["--prefix", prefix], ACM_INBOX_TEST_CRASH_AT="%s:%d"
                      % (step, nth))
        expect(tap, proc.returncode, -9, "%s: worker killed" % label,
               show(proc))
        # A message that arrives meanwhile makes the re-run sweep claims.
        st.put(prefix, "late", demo_mail.newsletter("admin@example.com"))
        expected["late"] = "ignored"
        proc = st.run(["--prefix", prefix],
                      ACM_INBOX_TEST_TIME_OFFSET=str(LEASE + 5))
        tap.ok(proc.returncode in (0, 1), "%s: re-run finishes" % label,
               show(proc))
        check_filed(tap, st, prefix, expected, label)
        for name, code in codes.items():
            tap.eq(len(st.approvals(code)), 1, "%s: %s approved once"
                   % (label, name))


def test_concurrency(tap, st):
    prefix = "many/"
    expected, codes = {}, {}
    for i in range(200):
        name = "m%03d" % i
        if i % 16 == 0:
            codes[name] = "many-%d-%s" % (i, uuid.uuid4().hex)
            st.put(prefix, name, valid_request(codes[name]))
            expected[name] = "approved"
        elif i % 2:
            st.put(prefix, name, valid_request(
                "held-" + uuid.uuid4().hex, account="999988887777"))
            expected[name] = "held"
        else:
            st.put(prefix, name, demo_mail.newsletter("admin@example.com"))
            expected[name] = "ignored"
    env = stand.tool_env(st.moto.url)
    argv = [stand.ACM_INBOX, "-c", st.config, "--ca-bundle", st.ca,
            "--connect-to", "%s:443:127.0.0.1:%d" % (HOST, st.site_port),
            "run", "--prefix", prefix, "--jobs", "2"]
    procs = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(4)]
    totals = {}
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        tap.ok(proc.returncode in (0, 1), "concurrency: worker exit status",
               "exit %d\n%s" % (proc.returncode, err.decode()[-1500:]))
        for name, count in summary_counts(out.decode()).items():
            totals[name] = totals.get(name, 0) + count
    done = sum(totals.get(name, 0) for name in OUTCOMES)
    tap.eq(done, 200, "concurrency: 200 messages processed once in all")
    check_filed(tap, st, prefix, expected, "concurrency")
    twice = [n for n, c in codes.items() if len(st.approvals(c)) != 1]
    tap.eq(twice, [], "concurrency: every request approved once")


def test_link_age(tap, st):
    prefix = "old/"
    code = "old-" + uuid.uuid4().hex
    st.put(prefix, "old-request", valid_request(code))
    # Three days and eight hours later, by the worker's clock.
    proc = st.run(["--prefix", prefix],
                  ACM_INBOX_TEST_TIME_OFFSET=str(80 * 3600))
    expect(tap, proc.returncode, 0, "old link: exit status 0", show(proc))
    check_filed(tap, st, prefix, {"old-request": "expired"}, "old link")
    tap.eq([p for p in st.posts() if p.get("code") == code], [],
           "old link: no request sent")
    reasons = st.result(prefix, "old-request").get("reasons", [])
    tap.ok(any("link-max-age" in r for r in reasons),
           "old link: reason names link-max-age", reasons)


def test_certificate_check(tap, st):
    """verify-certificate = yes: ACM must show the request as pending."""
    prefix = "verify/"
    arn = st.moto.client("acm").request_certificate(
        DomainName="www.example.com",
        ValidationMethod="EMAIL")["CertificateArn"]
    code = "verified-" + uuid.uuid4().hex
    missing = "missing-" + uuid.uuid4().hex
    for name, cert, request_code in (
            ("pending", arn, code),
            ("unknown-cert", "arn:aws:acm:%s:%s:certificate/%s"
             % (REGION, stand.ACCOUNT, uuid.uuid4()), missing)):
        st.put(prefix, name, demo_mail.acm_message(
            "www.example.com", stand.ACCOUNT, REGION, cert, request_code,
            demo_mail.context_for(REGION), recipient="admin@example.com"))
    st.write_config(**{"verify-certificate": "yes",
                       "allow-account": stand.ACCOUNT})
    try:
        closed = "http://127.0.0.1:%d" % stand.free_port()
        proc = st.run(["--prefix", prefix], AWS_ENDPOINT_URL_ACM=closed)
        expect(tap, proc.returncode, 1, "ACM down: exit status 1",
               show(proc))
        tap.eq(summary_counts(proc.stdout.decode()).get("retry"), 2,
               "ACM down: both requests are retried later")
        tap.ok(b"certificate" in proc.stdout,
               "ACM down: the summary says why", show(proc))
        tap.eq(len(st.approvals(code)), 0, "ACM down: nothing approved")
        proc = st.run(["--prefix", prefix])
    finally:
        st.write_config()
    expect(tap, proc.returncode, 1, "certificate check: exit status 1",
           show(proc))
    check_filed(tap, st, prefix, {"pending": "approved",
                                  "unknown-cert": "held"},
                "certificate check")
    tap.eq(len(st.approvals(code)), 1, "certificate check: pending approved")
    tap.eq([p for p in st.posts() if p.get("code") == missing], [],
           "certificate check: unknown certificate not approved")
    reasons = st.result(prefix, "unknown-cert").get("reasons", [])
    tap.ok(any("certificate" in r for r in reasons),
           "certificate check: reason names the certificate", reasons)


def start_proxy(st, fail_rate, max_faults, log):
    port = stand.free_port()
    proc = stand.start_process(
        [sys.executable, PROXY, "--target", st.moto.url, "--port", str(port),
         "--seed", "20261204", "--fail-rate", str(fail_rate),
         "--max-faults", str(max_faults), "--log", log],
        ready_port=port, log=log + ".out")
    return proc, "http://127.0.0.1:%d" % port


def read_log(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_faults(tap, st):
    prefix = "faults/"
    expected, codes = mixed_inbox(st, prefix)
    for i in range(12):
        st.put(prefix, "extra-%d" % i, demo_mail.newsletter("a@example.com"))
        expected["extra-%d" % i] = "ignored"
    log = os.path.join(st.tmp, "faults.jsonl")
    proxy, url = start_proxy(st, 0.25, 150, log)
    st.write_config(**{"max-attempts": "50"})
    runs = 0
    try:
        while runs < 12 and st.keys(prefix + "inbox/"):
            runs += 1
            st.run(["--prefix", prefix], endpoint=url,
                   ACM_INBOX_TEST_TIME_OFFSET=str(runs * (LEASE + 5)))
    finally:
        st.write_config()
        stand.stop_process(proxy)
    faults = [e["fault"] for e in read_log(log) if e["fault"]]
    tap.ok(len(faults) >= 10, "faults: the proxy failed requests",
           "%d faults" % len(faults))
    tap.ok(set(faults) == {"500", "503", "drop", "drop-after"},
           "faults: every kind of fault injected", sorted(set(faults)))
    print("# faults: %d runs, %d faults" % (runs, len(faults)))
    check_filed(tap, st, prefix, expected, "faults")
    for name, code in codes.items():
        tap.eq(len(st.approvals(code)), 1, "faults: %s approved once" % name)


def test_idle_and_status(tap, st):
    log = os.path.join(st.tmp, "idle.jsonl")
    proxy, url = start_proxy(st, 0, 0, log)
    try:
        proc = st.run(["--prefix", "idle/"], endpoint=url)
    finally:
        stand.stop_process(proxy)
    expect(tap, proc.returncode, 0, "idle run: exit status 0", show(proc))
    calls = read_log(log)
    expect(tap, len(calls), 1, "idle run: one request", calls)
    tap.ok(calls and calls[0]["method"] == "GET" and
           "list-type=2" in calls[0]["query"],
           "idle run: the request is ListObjectsV2", calls)

    closed = "http://127.0.0.1:%d" % stand.free_port()
    proc = st.run(["--prefix", "idle/"], endpoint=closed)
    expect(tap, proc.returncode, 3, "unreachable S3: exit status 3",
           show(proc))
    proc = st.run(["--source", "ftp:somewhere"])
    expect(tap, proc.returncode, 2, "bad --source: exit status 2", show(proc))
    proc = st.run(["--jobs", "0"])
    expect(tap, proc.returncode, 2, "bad --jobs: exit status 2", show(proc))

    prefix = "max/"
    for i in range(3):
        st.put(prefix, "n%d" % i, demo_mail.newsletter("admin@example.com"))
    proc = st.run(["--prefix", prefix, "--max", "2"])
    expect(tap, proc.returncode, 0, "--max: exit status 0", show(proc))
    tap.eq(len(st.keys(prefix + "inbox/")), 1, "--max: one message left")

    proc = st.run(["--prefix", prefix, "--log-format", "json", "-v"])
    lines = [l for l in proc.stderr.decode().splitlines() if l.strip()]
    try:
        parsed = [json.loads(l) for l in lines]
    except ValueError:
        parsed = []
    tap.ok(lines and len(parsed) == len(lines),
           "--log-format json: every log line is JSON", lines[:5])


def main():
    tap = stand.Tap()
    with tempfile.TemporaryDirectory(prefix="acm-inbox-run-") as tmp:
        st = Stand(tmp)
        try:
            test_mixed(tap, st)
            test_idle_and_status(tap, st)
            test_link_age(tap, st)
            test_certificate_check(tap, st)
            test_crashes(tap, st)
            test_concurrency(tap, st)
            test_faults(tap, st)
        finally:
            st.stop()
    tap.exit()


if __name__ == "__main__":
    main()
