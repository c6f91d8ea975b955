#!/usr/bin/env python3
"""acm-inbox approve with s3://BUCKET/KEY sources.

moto_server stores the messages; the local approval site answers the
approval; boto3 writes the objects and the site's record shows what was
approved.
"""

import os
import sys
import tempfile
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

import demo_mail  # noqa: E402
import stand  # noqa: E402
from approval_stand import ApprovalSite  # noqa: E402

BUCKET = "acm-inbox-messages"
HOST = "us-east-1.acm-certificates.amazon.com"


def message(code, account=stand.ACCOUNT):
    arn = "arn:aws:acm:us-east-1:%s:certificate/%s" % (account, uuid.uuid4())
    return demo_mail.acm_message("www.example.com", account, "us-east-1",
                                 arn, code, demo_mail.context_for("us-east-1"))


def run(site, moto, config, *args):
    argv = ["-c", config, "--connect-to", site.connect_to(HOST)] + list(args)
    result = stand.run_tool(argv, env=stand.tool_env(moto.url))
    result.out = result.stdout.decode("utf-8", "replace")
    result.err = result.stderr.decode("utf-8", "replace")
    result.show = "exit %d\nstdout:\n%s\nstderr:\n%s" % (
        result.returncode, result.out[-1200:], result.err[-1200:])
    return result


def main():
    tap = stand.Tap()
    tmp = tempfile.mkdtemp(prefix="acm-inbox-approve-s3-")
    moto = stand.Moto(log=os.path.join(tmp, "moto.log"))
    site = ApprovalSite(tmp)
    config = os.path.join(tmp, "acm-inbox.conf")
    with open(config, "w") as f:
        f.write("region = us-east-1\nallow-account = %s\n"
                "allow-domain = example.com\nverify-certificate = no\n"
                "state-dir = %s\nca-bundle = %s\nmax-message-size = 64k\n"
                % (stand.ACCOUNT, os.path.join(tmp, "state"),
                   site.ca_bundle))
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=BUCKET)

    code = str(uuid.uuid4())
    key = "acm-inbox/inbox/approve me+1 é"
    s3.put_object(Bucket=BUCKET, Key=key, Body=message(code))
    result = run(site, moto, config, "approve", "s3://%s/%s" % (BUCKET, key))
    tap.eq(result.returncode, 0, "s3 source approved: exit 0")
    tap.ok("result: approved" in result.out, "s3 source approved: result",
           result.show)
    tap.eq([p["result"] for p in site.posts(code)], ["approved"],
           "s3 source approved: one POST")

    result = run(site, moto, config, "approve",
                 "s3://%s/acm-inbox/inbox/missing" % BUCKET)
    tap.eq(result.returncode, 3, "missing object: exit 3")
    tap.ok("no such object" in result.err, "missing object: named",
           result.show)

    result = run(site, moto, config, "approve", "s3://%s" % BUCKET)
    tap.eq(result.returncode, 2, "source without key: exit 2")
    tap.ok("expected s3://BUCKET/KEY" in result.err,
           "source without key: explained", result.show)

    big_code = str(uuid.uuid4())
    big = message(big_code) + b"\r\n" + b"x" * (70 * 1024)
    s3.put_object(Bucket=BUCKET, Key="acm-inbox/inbox/big", Body=big)
    result = run(site, moto, config, "approve",
                 "s3://%s/acm-inbox/inbox/big" % BUCKET)
    tap.eq(result.returncode, 1, "object over the size limit: held")
    tap.eq(site.posts(big_code), [], "object over the size limit: no POST")

    result = run(site, moto, config, "approve",
                 "s3://no-such-bucket-here/acm-inbox/inbox/x")
    tap.eq(result.returncode, 3, "missing bucket: exit 3")

    keys = [o["Key"] for o in
            s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    tap.ok(key in keys, "approve by hand leaves the object in place")
    site.stop()
    moto.stop()
    tap.exit()


if __name__ == "__main__":
    main()
