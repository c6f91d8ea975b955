#!/usr/bin/env python3
"""run with objects in sub-folders of the inbox prefix: they are not
messages, so they are left where they are and reported once."""

import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

import demo_mail  # noqa: E402
import stand  # noqa: E402

BUCKET = "acm-inbox-nested"


def main():
    tap = stand.Tap()
    tmp = tempfile.mkdtemp(prefix="acm-inbox-nested-")
    moto = stand.Moto(log=os.path.join(tmp, "moto.log"))
    s3 = moto.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    note = demo_mail.newsletter("admin@example.com")
    for key in ("acm-inbox/inbox/plain", "acm-inbox/inbox/sub/one",
                "acm-inbox/inbox/../two"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=note)
    config = os.path.join(tmp, "acm-inbox.conf")
    with open(config, "w") as f:
        f.write("region = us-east-1\nbucket = %s\nverify-certificate = no\n"
                "state-dir = %s\n" % (BUCKET, os.path.join(tmp, "state")))

    result = stand.run_tool(["-c", config, "run"],
                            env=stand.tool_env(moto.url))
    err = result.stderr.decode("utf-8", "replace")
    tap.eq(result.returncode, 0, "nested keys: run exits 0")
    tap.ok("skipped 2 objects in sub-folders" in err,
           "nested keys: reported once with their count", err)
    keys = sorted(o["Key"] for o in
                  s3.list_objects_v2(Bucket=BUCKET).get("Contents", []))
    tap.ok("acm-inbox/ignored/plain" in keys, "direct child filed", keys)
    tap.ok("acm-inbox/inbox/sub/one" in keys, "sub-folder object kept", keys)
    tap.ok("acm-inbox/inbox/../two" in keys, "dot-dot object kept", keys)
    moto.stop()
    tap.exit()


if __name__ == "__main__":
    main()
