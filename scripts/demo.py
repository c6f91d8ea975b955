"""The whole acm-inbox job against local stand-ins, as a guided walk.

It starts moto_server (S3, SES, SNS, Route 53, ACM, STS) and a local HTTPS
approval site under a throwaway CA, all on 127.0.0.1.  It then sets up a
mailbox for example.com, delivers messages into the inbox prefix as SES
would, and runs the worker.  Last, it shows where each message ended and
what the approval site received, and exits 0 only when every outcome is
the expected one.
Nothing is sent to any other address: every AWS endpoint points at the
stand-in and the instance metadata service is off.
"""

import json
import os
import subprocess
import sys
import tempfile
import uuid

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "fakes"))
sys.path.insert(0, os.path.join(TOP, "scripts"))

import demo_mail  # noqa: E402
import stand  # noqa: E402

DOMAIN = "example.com"
ACCOUNT = stand.ACCOUNT
FOREIGN_ACCOUNT = "999988887777"
PREFIX = "acm-inbox/"
APPROVAL_HOSTS = ["us-east-1.acm-certificates.amazon.com",
                  "eu-west-1.acm-certificates.amazon.com",
                  "us-east-1.certificates.amazon.com"]
OUTCOMES = ["approved", "held", "ignored", "expired", "failed"]


def say(text=""):
    print(text, flush=True)


def step(number, text):
    say()
    say("== %d. %s" % (number, text))


def show(result):
    for stream in (result.stdout, result.stderr):
        for line in stream.decode(errors="replace").splitlines():
            say("   | " + line)


def start_site(work):
    subprocess.run([sys.executable,
                    os.path.join(TOP, "tests", "fakes", "test_ca.py"), work],
                   check=True, capture_output=True)
    record = os.path.join(work, "approvals.jsonl")
    port_file = os.path.join(work, "site.port")
    port = stand.free_port()
    stand.start_process(
        [sys.executable, os.path.join(TOP, "tests", "fakes",
                                      "approval_site.py"),
         "--cert", os.path.join(work, "server.pem"),
         "--key", os.path.join(work, "server.key"),
         "--record", record, "--port", str(port),
         "--port-file", port_file],
        ready_port=port, log=os.path.join(work, "site.log"))
    return port, record


def request_certificates(moto):
    """Request email-validated certificates in the stand-in ACM, so the
    worker's DescribeCertificate check finds them pending validation."""
    arns = {}
    for domain, region in (("www.example.com", "us-east-1"),
                           ("api.example.com", "eu-west-1"),
                           ("example.com", "us-east-1")):
        acm = moto.client("acm", region)
        arns[domain] = acm.request_certificate(
            DomainName=domain, ValidationMethod="EMAIL")["CertificateArn"]
    return arns


def messages(arns):
    """Return (name, key, bytes, expected outcome) for the demo inbox."""
    def acm(domain, region, certificate, account=ACCOUNT, **extra):
        return demo_mail.acm_message(
            domain, account, region, certificate, str(uuid.uuid4()),
            demo_mail.context_for(region), **extra)

    legacy_id = arns["example.com"].rsplit("/", 1)[1]
    foreign_arn = ("arn:aws:acm:us-east-1:%s:certificate/%s"
                   % (FOREIGN_ACCOUNT, uuid.uuid4()))
    return [
        ("new request for www.example.com", "approved",
         acm("www.example.com", "us-east-1", arns["www.example.com"])),
        ("renewal for api.example.com (eu-west-1)", "approved",
         acm("api.example.com", "eu-west-1", arns["api.example.com"],
             recipient="hostmaster@example.com")),
        ("pre-2020 format request for example.com", "approved",
         acm("example.com", "us-east-1", legacy_id, legacy=True)),
        ("request from a foreign account", "held",
         acm("shop.example.com", "us-east-1", foreign_arn,
             account=FOREIGN_ACCOUNT)),
        ("phishing look-alike", "held",
         acm("www.example.com", "us-east-1", arns["www.example.com"],
             link_host="us-east-1.acm-certificates.amazon.com.example.net",
             sender_domain="example.net", spf="fail", dkim="fail",
             dmarc="fail")),
        ("newsletter", "ignored", demo_mail.newsletter("admin@example.com")),
        ("SES setup notification", "ignored",
         demo_mail.setup_notification("admin@example.com")),
    ]


def write_config(work, bucket):
    path = os.path.join(work, "acm-inbox.conf")
    with open(path, "w") as f:
        f.write("# acm-inbox demo configuration\n"
                "region = us-east-1\n"
                "bucket = %s\n"
                "prefix = %s\n"
                "domain = %s\n"
                "allow-account = %s\n"
                "verify-certificate = auto\n"
                "state-dir = %s\n" % (bucket, PREFIX, DOMAIN, ACCOUNT,
                                       os.path.join(work, "state")))
    return path


def find_outcome(s3, bucket, message_id):
    for outcome in OUTCOMES:
        try:
            s3.head_object(Bucket=bucket, Key=PREFIX + outcome + "/" +
                           message_id)
            return outcome
        except s3.exceptions.ClientError:
            continue
    return "missing"


def read_result(s3, bucket, message_id):
    try:
        body = s3.get_object(Bucket=bucket, Key=PREFIX + "results/" +
                             message_id + ".json")["Body"].read()
        return json.loads(body)
    except s3.exceptions.ClientError:
        return {}


def record_lines(record, outcome):
    """Return the lines of a result record worth showing in the walk."""
    lines = []
    if outcome == "approved":
        if record.get("certificate_check"):
            lines.append("ACM check: " + record["certificate_check"])
        approval = record.get("approval") or {}
        if approval:
            lines.append("approval page: %s (HTTP %s)"
                         % (approval.get("result"),
                            approval.get("http_status")))
        return lines
    for reason in record.get("reasons") or []:
        lines.append("why: " + reason)
    return lines


def main():
    if not os.access(stand.ACM_INBOX, os.X_OK):
        sys.exit("demo: %s not found; run 'make' first" % stand.ACM_INBOX)
    work = tempfile.mkdtemp(prefix="acm-inbox-demo-")
    failures = 0

    step(1, "Start the stand-ins on 127.0.0.1")
    moto = stand.Moto(log=os.path.join(work, "moto.log"))
    say("   moto_server (S3, SES, SNS, Route 53, ACM, STS): " + moto.url)
    site_port, record = start_site(work)
    say("   approval site (HTTPS, test CA): https://127.0.0.1:%d" % site_port)
    env = stand.tool_env(moto.url)
    common = ["--ca-bundle", os.path.join(work, "ca.pem")]
    for host in APPROVAL_HOSTS:
        common += ["--connect-to", "%s:443:127.0.0.1:%d" % (host, site_port)]

    step(2, "Create the example.com hosted zone and request certificates")
    moto.client("route53").create_hosted_zone(
        Name=DOMAIN, CallerReference=str(uuid.uuid4()))
    arns = request_certificates(moto)
    for domain, arn in arns.items():
        say("   %-18s %s" % (domain, arn))

    bucket = "acm-inbox-%s-us-east-1" % ACCOUNT
    config = write_config(work, bucket)
    step(3, "acm-inbox setup example.com")
    result = stand.run_tool(["-c", config, "setup", DOMAIN,
                             "--wait-timeout", "20"], env=env)
    show(result)
    if result.returncode != 0:
        say("   setup failed with status %d" % result.returncode)
        return 1

    step(4, "Deliver messages into s3://%s/%sinbox/ as SES would"
         % (bucket, PREFIX))
    s3 = moto.client("s3")
    inbox = []
    for name, expected, data in messages(arns):
        message_id = uuid.uuid4().hex[:20] + "example"
        s3.put_object(Bucket=bucket, Key=PREFIX + "inbox/" + message_id,
                      Body=data)
        inbox.append((name, expected, message_id))
        say("   %-42s %s" % (name, message_id))
    s3.put_object(Bucket=bucket, Key=PREFIX + "inbox/" +
                  "AMAZON_SES_SETUP_NOTIFICATION",
                  Body=demo_mail.setup_notification("admin@example.com"))
    inbox.append(("SES setup object", "ignored",
                  "AMAZON_SES_SETUP_NOTIFICATION"))

    step(5, "acm-inbox run")
    result = stand.run_tool(["-c", config] + common + ["run"], env=env)
    show(result)
    say("   exit status %d (1 means some messages are held for a person)"
        % result.returncode)

    step(6, "Where each message ended")
    for name, expected, message_id in inbox:
        outcome = find_outcome(s3, bucket, message_id)
        record_json = read_result(s3, bucket, message_id)
        mark = "ok" if outcome == expected else "UNEXPECTED"
        if outcome != expected:
            failures += 1
        say("   %-42s %-9s %s" % (name, outcome, mark))
        for line in record_lines(record_json, outcome):
            say("   %-42s   %s" % ("", line))
    left = s3.list_objects_v2(Bucket=bucket, Prefix=PREFIX + "inbox/")
    if left.get("KeyCount", 0):
        failures += 1
        say("   the inbox still holds %d messages" % left["KeyCount"])

    step(7, "What the approval site received")
    posts = []
    if os.path.exists(record):
        with open(record) as f:
            posts = [json.loads(line) for line in f if line.strip()]
    approved = [p for p in posts if p.get("result") == "approved"]
    say("   %d POSTs, %d approvals (expected 3)" % (len(posts),
                                                    len(approved)))
    if len(approved) != 3 or len(posts) != 3:
        failures += 1

    say()
    if failures:
        say("demo: %d unexpected results; logs in %s" % (failures, work))
        return 1
    say("demo: every message ended where it should.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        stand._stop_children()
