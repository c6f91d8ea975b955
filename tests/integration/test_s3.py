#!/usr/bin/env python3
"""S3 operations of the request layer against moto_server.

The tool's S3 module runs through the test_s3_live driver (one JSON line
per operation); boto3 reads the results back as an independent client.
"""

import concurrent.futures
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import stand  # noqa: E402

DRIVER = os.path.join(stand.BUILD, "tests", "test_s3_live")
PRECONDITION_FAILED = -2
NOT_FOUND = -3

SPECIAL_KEYS = [
    "inbox/with space",
    "inbox/plus+sign",
    "inbox/100% sure",
    "inbox/tilde~star*equals=",
    "inbox/caf\u00e9 \u2603 \u65e5\u672c",
    "inbox/a&b<c>'\"quotes",
    "inbox/dir//double/./dot/../up",
]


def probe(moto, *args, region="us-east-1", **env):
    """Run the driver; returns (results, stderr, exit status)."""
    environ = stand.tool_env(moto.url, ACM_INBOX_S3_PROBE="1",
                             AWS_REGION=region, AWS_DEFAULT_REGION=region,
                             ACM_INBOX_RETRY_BASE_MS="1", **env)
    proc = stand.subprocess.run([DRIVER] + list(args), env=environ,
                                capture_output=True, timeout=300)
    lines = proc.stdout.decode().splitlines()
    return ([json.loads(line) for line in lines],
            proc.stderr.decode(errors="replace"), proc.returncode)


def write_temp(data):
    handle = tempfile.NamedTemporaryFile(delete=False)
    handle.write(data)
    handle.close()
    return handle.name


def test_special_keys(tap, moto, s3):
    s3.create_bucket(Bucket="keys")
    body = write_temp(b"special body\n")
    args = []
    for key in SPECIAL_KEYS:
        args += ["put", "keys", key, body]
    args += ["list", "keys", "inbox/"]
    for key in SPECIAL_KEYS:
        args += ["get", "keys", key, "1000",
                 "copy", "keys", key, "copies/" + key]
    results, err, status = probe(moto, *args)
    tap.eq(status, 0, "special keys: every operation succeeded")
    puts = results[:len(SPECIAL_KEYS)]
    tap.ok(all(r["rc"] == 0 for r in puts), "special keys: put", err)
    listing = results[len(SPECIAL_KEYS)]
    tap.eq(sorted(listing.get("keys", [])), sorted(SPECIAL_KEYS),
           "special keys: listed exactly, decoded")
    gets = results[len(SPECIAL_KEYS) + 1::2]
    tap.ok(all(r.get("body") == "special body\n" for r in gets),
           "special keys: get returns the body", gets)
    listed = s3.list_objects_v2(Bucket="keys", Prefix="copies/")
    tap.eq(sorted(o["Key"] for o in listed.get("Contents", [])),
           sorted("copies/" + k for k in SPECIAL_KEYS),
           "special keys: copies exist under their own names (boto3)")
    args = []
    for key in SPECIAL_KEYS:
        args += ["delete", "keys", key]
    results, err, status = probe(moto, *args)
    tap.eq(status, 0, "special keys: delete")
    listed = s3.list_objects_v2(Bucket="keys", Prefix="inbox/")
    tap.eq(listed.get("KeyCount"), 0, "special keys: deleted (boto3)")
    os.unlink(body)


def test_pagination(tap, moto, s3):
    s3.create_bucket(Bucket="many")
    keys = ["page/%04d+%s" % (i, "x y" if i % 7 == 0 else "z")
            for i in range(1105)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket="many", Key=k,
                                              Body=b"p"), keys))
    s3.put_object(Bucket="many", Key="other/outside", Body=b"o")
    results, err, status = probe(moto, "list", "many", "page/",
                                 ACM_INBOX_PROBE_VERBOSITY="2")
    tap.eq(status, 0, "pagination: list succeeded")
    tap.eq(results[0]["count"], len(keys), "pagination: 1105 keys listed")
    tap.eq(results[0]["keys"], sorted(keys),
           "pagination: exactly the keys, in order")
    tap.ok(err.count("continuation-token=") >= 1,
           "pagination: a continuation token was sent", err[-2000:])
    tap.eq(results[0].get("first_size"), 1, "pagination: sizes read")
    expected = sorted(keys)
    results, err, status = probe(moto, "list-from", "many", "page/",
                                 expected[99], "0",
                                 "list-from", "many", "page/", "", "1050",
                                 "list-from", "many", "-", "page/1000", "3")
    tap.eq(results[0]["keys"], expected[100:],
           "pagination: start-after skips the first 100 keys")
    tap.eq(results[1]["keys"], expected[:1050],
           "pagination: max total stops inside the second page")
    tap.eq(results[2]["keys"], expected[1000:1003],
           "pagination: start-after with a small max total")


def test_conditional_put(tap, moto, s3):
    s3.create_bucket(Bucket="claims")
    s3.put_object(Bucket="claims", Key="claims/m1", Body=b"first")
    mine = write_temp(b"second")
    results, err, status = probe(moto, "put-if-none-match", "claims",
                                 "claims/m1", mine)
    tap.eq(results[0]["rc"], PRECONDITION_FAILED,
           "If-None-Match on an existing key: precondition result")
    got = s3.get_object(Bucket="claims", Key="claims/m1")["Body"].read()
    tap.eq(got, b"first", "If-None-Match: the object was not overwritten")
    tap.ok("error:" not in err, "precondition failure not logged as error",
           err)

    results, err, status = probe(moto, "put-if-none-match", "claims",
                                 "claims/m2", mine)
    tap.eq(results[0]["rc"], 0, "If-None-Match on a new key: created")

    current = s3.head_object(Bucket="claims", Key="claims/m1")["ETag"]
    results, err, status = probe(moto, "put-if-match", "claims",
                                 "claims/m1", mine, '"0123stale"')
    tap.eq(results[0]["rc"], PRECONDITION_FAILED,
           "If-Match with a stale ETag: precondition result")
    got = s3.get_object(Bucket="claims", Key="claims/m1")["Body"].read()
    tap.eq(got, b"first", "If-Match stale: the object was not replaced")
    results, err, status = probe(moto, "put-if-match", "claims",
                                 "claims/m1", mine, current)
    tap.eq(results[0]["rc"], 0, "If-Match with the current ETag: replaced")
    got = s3.get_object(Bucket="claims", Key="claims/m1")["Body"].read()
    tap.eq(got, b"second", "If-Match current: new body (boto3)")
    tap.eq(results[0]["etag"],
           s3.head_object(Bucket="claims", Key="claims/m1")["ETag"],
           "put returns the new ETag")
    os.unlink(mine)


def test_get_limits(tap, moto, s3):
    s3.create_bucket(Bucket="sizes")
    data = bytes(range(256)) * 8
    s3.put_object(Bucket="sizes", Key="big", Body=data)
    out = write_temp(b"")
    results, err, status = probe(moto, "get", "sizes", "big", "1000",
                                 "get-file", "sizes", "big", "4096", out,
                                 "get-file", "sizes", "big", "2047", out,
                                 "head", "sizes", "big",
                                 "get", "sizes", "missing", "100")
    tap.eq(results[0]["rc"], -1, "get over the limit fails")
    tap.ok("exceeds the limit of 1000 bytes" in err,
           "get over the limit: reason logged", err)
    tap.eq(results[1]["rc"], 0, "get-file within the limit")
    tap.eq(results[1]["etag"],
           s3.head_object(Bucket="sizes", Key="big")["ETag"],
           "get-file returns the ETag")
    tap.eq(results[2]["rc"], -1, "get-file one byte over the limit fails")
    results_head = results[3]
    tap.eq(results_head.get("size"), len(data), "head returns the size")
    tap.eq(results[4]["rc"], NOT_FOUND, "get of a missing key: not found")
    results, err, status = probe(moto, "get-file", "sizes", "big", "4096",
                                 out)
    with open(out, "rb") as handle:
        tap.eq(handle.read(), data, "get-file writes the exact bytes")
    os.unlink(out)


def test_buckets(tap, moto, s3):
    results, err, status = probe(moto, "create-bucket", "acm-inbox-use1",
                                 "-", "create-bucket", "acm-inbox-use1", "-")
    tap.eq([r["rc"] for r in results], [0, 0],
           "create bucket in us-east-1, again: both succeed")
    location = s3.get_bucket_location(Bucket="acm-inbox-use1")
    tap.eq(location.get("LocationConstraint"), None,
           "us-east-1 bucket has no LocationConstraint (boto3)")

    results, err, status = probe(moto, "create-bucket", "acm-inbox-euw1",
                                 "-", region="eu-west-1")
    tap.eq(results[0]["rc"], 0, "create bucket in eu-west-1")
    euw1 = moto.client("s3", region="eu-west-1")
    location = euw1.get_bucket_location(Bucket="acm-inbox-euw1")
    tap.eq(location.get("LocationConstraint"), "eu-west-1",
           "eu-west-1 LocationConstraint read back (boto3)")

    policy = {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AllowSESPuts", "Effect": "Allow",
            "Principal": {"Service": "ses.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::acm-inbox-use1/*",
            "Condition": {"StringEquals": {
                "AWS:SourceAccount": stand.ACCOUNT}},
        }],
    }
    policy_file = write_temp(json.dumps(policy).encode())
    results, err, status = probe(
        moto, "get-policy", "acm-inbox-use1",
        "put-policy", "acm-inbox-use1", policy_file,
        "get-policy", "acm-inbox-use1",
        "public-access-block", "acm-inbox-use1",
        "encryption", "acm-inbox-use1",
        "lifecycle", "acm-inbox-use1", "expire-failed", "failed/", "30")
    tap.eq(results[0]["rc"], NOT_FOUND, "no policy yet: not found")
    tap.eq(results[1]["rc"], 0, "put bucket policy")
    stored = s3.get_bucket_policy(Bucket="acm-inbox-use1")["Policy"]
    tap.eq(json.loads(stored), policy, "bucket policy read back (boto3)")
    tap.eq(json.loads(results[2].get("policy") or "null"), policy,
           "get bucket policy returns it")
    tap.eq(results[3]["rc"], 0, "put public access block")
    block = s3.get_public_access_block(Bucket="acm-inbox-use1")
    tap.eq(block["PublicAccessBlockConfiguration"],
           {"BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True},
           "public access block read back (boto3)")
    tap.eq(results[4]["rc"], 0, "put bucket encryption")
    encryption = s3.get_bucket_encryption(Bucket="acm-inbox-use1")
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    tap.eq(rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
           "AES256", "SSE-S3 default encryption read back (boto3)")
    tap.eq(results[5]["rc"], 0, "put lifecycle with Content-MD5")
    rules = s3.get_bucket_lifecycle_configuration(
        Bucket="acm-inbox-use1")["Rules"]
    tap.eq((rules[0]["ID"], rules[0]["Filter"].get("Prefix"),
            rules[0]["Expiration"]["Days"]),
           ("expire-failed", "failed/", 30),
           "lifecycle rule read back (boto3)")
    os.unlink(policy_file)

    results, err, status = probe(moto, "head-bucket", "acm-inbox-use1",
                                 "head-bucket", "acm-inbox-none",
                                 "delete-bucket", "acm-inbox-euw1",
                                 region="eu-west-1")
    tap.eq([r["rc"] for r in results], [0, NOT_FOUND, 0],
           "head bucket: present, missing; delete bucket")
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    tap.ok("acm-inbox-euw1" not in names, "deleted bucket gone (boto3)")


def test_no_secrets_logged(tap, moto, s3):
    s3.create_bucket(Bucket="quiet")
    results, err, status = probe(moto, "list", "quiet", "-",
                                 ACM_INBOX_PROBE_VERBOSITY="3",
                                 AWS_SESSION_TOKEN="session-token-0123456789")
    tap.eq(status, 0, "list at -vvv succeeded")
    tap.ok("aws: > x-amz-date" in err, "trace shows request headers", err)
    tap.ok(stand.SECRET_KEY not in err, "secret key never logged")
    tap.ok("session-token-0123456789" not in err, "token never logged")
    tap.ok("Signature=" not in err or "Signature=[REDACTED]" in err,
           "signature never logged")
    results, err, status = probe(moto, "list", "quiet", "-",
                                 ACM_INBOX_PROBE_VERBOSITY="4",
                                 AWS_SESSION_TOKEN="session-token-0123456789")
    tap.ok("curl: > GET /quiet?" in err, "-vvvv shows libcurl's headers",
           err[-3000:])
    tap.ok("curl: > Authorization:" in err, "-vvvv: Authorization line")
    tap.ok("AWS4-HMAC-SHA256" not in err and "Credential=" not in err,
           "-vvvv: Authorization value redacted", err[-3000:])
    tap.ok("session-token-0123456789" not in err, "-vvvv: token redacted")


def main():
    tap = stand.Tap()
    moto = stand.Moto()
    try:
        s3 = moto.client("s3")
        test_special_keys(tap, moto, s3)
        test_pagination(tap, moto, s3)
        test_conditional_put(tap, moto, s3)
        test_get_limits(tap, moto, s3)
        test_buckets(tap, moto, s3)
        test_no_secrets_logged(tap, moto, s3)
    finally:
        moto.stop()
    tap.exit()


if __name__ == "__main__":
    main()
