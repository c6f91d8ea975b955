#!/usr/bin/env python3
"""docs/iam-policy-worker.json against the calls the worker makes.

The worker runs through the counting proxy in front of moto_server with
an approvable request (certificate check on), a held message and a
notify-topic, and every request it sent is mapped to its IAM action.
The policy must list each of them.
"""

import json
import os
import sys
import tempfile
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

import demo_mail  # noqa: E402
import stand  # noqa: E402
import test_infra  # noqa: E402
from approval_stand import ApprovalSite  # noqa: E402

BUCKET = "acm-inbox-%s-us-east-1" % stand.ACCOUNT
HOST = "us-east-1.acm-certificates.amazon.com"


def worker_permission(rec):
    """Return the IAM action of one recorded request of the worker."""
    parts = [p for p in rec["path"].split("/") if p]
    if rec["service"] == "s3" and rec["method"] == "HEAD" and len(parts) > 1:
        return "s3:GetObject"
    return test_infra.permission(rec)


def policy_actions(name):
    with open(os.path.join(stand.TOP, "docs", name)) as f:
        policy = json.load(f)
    allowed = set()
    for statement in policy["Statement"]:
        actions = statement["Action"]
        allowed.update([actions] if isinstance(actions, str) else actions)
    return allowed


def main():
    tap = stand.Tap()
    tmp = tempfile.mkdtemp(prefix="acm-inbox-iam-worker-")
    st = test_infra.Stand()
    site = ApprovalSite(tmp)
    s3 = st.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    topic = st.client("sns").create_topic(Name="acm-inbox-events")
    arn = st.client("acm").request_certificate(
        DomainName="www.example.com",
        ValidationMethod="EMAIL")["CertificateArn"]
    good = demo_mail.acm_message(
        "www.example.com", stand.ACCOUNT, "us-east-1", arn,
        str(uuid.uuid4()), demo_mail.context_for("us-east-1"))
    held = demo_mail.acm_message(
        "www.example.com", "999988887777", "us-east-1",
        arn.replace(stand.ACCOUNT, "999988887777"), str(uuid.uuid4()),
        demo_mail.context_for("us-east-1"))
    s3.put_object(Bucket=BUCKET, Key="acm-inbox/inbox/good", Body=good)
    s3.put_object(Bucket=BUCKET, Key="acm-inbox/inbox/held", Body=held)
    config = os.path.join(tmp, "acm-inbox.conf")
    with open(config, "w") as f:
        f.write("region = us-east-1\nbucket = %s\ndomain = example.com\n"
                "allow-account = %s\nverify-certificate = auto\n"
                "notify-topic = %s\nstate-dir = %s\nca-bundle = %s\n"
                % (BUCKET, stand.ACCOUNT, topic["TopicArn"],
                   os.path.join(tmp, "state"), site.ca_bundle))

    proc = st.run("-c", config, "--connect-to", site.connect_to(HOST),
                  "run")
    tap.eq(proc.returncode, 1, "worker run: exit 1 (one held)")
    tap.eq(len([p for p in site.posts() if p["result"] == "approved"]), 1,
           "worker run: one approval")
    used = {worker_permission(rec) for rec in st.requests()}
    for action in ("sts:GetCallerIdentity", "acm:DescribeCertificate",
                   "sns:Publish", "s3:PutObject", "s3:DeleteObject",
                   "s3:GetObject", "s3:ListBucket"):
        tap.ok(action in used, "worker run used %s" % action, sorted(used))
    allowed = policy_actions("iam-policy-worker.json")
    tap.eq(sorted(used - allowed), [],
           "worker IAM policy lists every call the worker made")
    tap.eq(sorted(allowed - used), [], "worker IAM policy has no unused action")
    site.stop()
    tap.exit()


if __name__ == "__main__":
    main()
