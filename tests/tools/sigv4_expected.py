#!/usr/bin/env python3
"""Print the expected SigV4 values for the in-tree cases of test_sigv4.c.

An independent reference written with the standard library only (hmac,
hashlib, urllib.parse), so the C test compares against values that did not
come from the C code.  The test itself contains the printed literals and does
not run this script.
"""
import hashlib
import hmac
import urllib.parse

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLEsessiontoken/with+slash=="
AMZ_DATE = "20240229T235959Z"
DATE = AMZ_DATE[:8]
REGION = "eu-west-1"
EMPTY_HASH = hashlib.sha256(b"").hexdigest()


def quote(text, safe=""):
    return urllib.parse.quote(text.encode("utf-8"), safe="-_.~" + safe)


def canonical_query(params):
    pairs = sorted((quote(n), quote(v)) for n, v in params)
    return "&".join(f"{n}={v}" for n, v in pairs)


def signing_key(service):
    key = ("AWS4" + SECRET_KEY).encode()
    for part in (DATE, REGION, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def sign(method, canonical_uri, query, headers, payload_hash, service):
    names = sorted(headers)
    canon_headers = "".join(f"{n}:{headers[n]}\n" for n in names)
    signed = ";".join(names)
    request = "\n".join([method, canonical_uri, query, canon_headers,
                         signed, payload_hash])
    scope = f"{DATE}/{REGION}/{service}/aws4_request"
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256", AMZ_DATE, scope,
        hashlib.sha256(request.encode()).hexdigest()])
    signature = hmac.new(signing_key(service), string_to_sign.encode(),
                         hashlib.sha256).hexdigest()
    return request, string_to_sign, signature, signed, scope


def show(label, request, string_to_sign, signature, extra=()):
    print(f"== {label}")
    print("canonical request:", repr(request))
    print("string to sign:", repr(string_to_sign))
    print("signature:", signature)
    for name, value in extra:
        print(f"{name}: {value}")


def s3_object_case():
    key = "/my key+%~*\u1234/./a//b"
    wire = quote(key, "/")
    headers = {
        "host": "acm-inbox-mail.s3.eu-west-1.amazonaws.com",
        "x-amz-date": AMZ_DATE,
        "x-amz-security-token": TOKEN,
        "x-amz-content-sha256": EMPTY_HASH,
    }
    request, sts, sig, signed, scope = sign(
        "GET", wire, "", headers, EMPTY_HASH, "s3")
    auth = (f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, "
            f"SignedHeaders={signed}, Signature={sig}")
    show("s3 object", request, sts, sig,
         [("url path", wire), ("authorization", auth)])


QUERY_PARAMS = [
    ("prefix", "a/b+c=d~e*f \u1234"),
    ("list-type", "2"),
    ("empty", ""),
    ("\u1234 key", "v"),
    ("k", "b"),
    ("k", "a"),
    ("k", ""),
]


def query_case():
    query = canonical_query(QUERY_PARAMS)
    headers = {"host": "acm-inbox-mail.s3.eu-west-1.amazonaws.com",
               "x-amz-date": AMZ_DATE}
    request, sts, sig, _, _ = sign("GET", "/", query, headers,
                                   "UNSIGNED-PAYLOAD", "s3")
    show("s3 list query", request, sts, sig, [("query", query)])


def double_encode_case():
    path = "/dir one/a+b/../\u1234"
    normalized = "/dir one/\u1234"
    wire = quote(normalized, "/")
    canonical = quote(wire, "/")
    headers = {"host": "email.eu-west-1.amazonaws.com",
               "x-amz-date": AMZ_DATE,
               "my-header": "a b c"}
    request, sts, sig, _, _ = sign("POST", canonical, "", headers,
                                   hashlib.sha256(b"Action=X").hexdigest(),
                                   "ses")
    show(f"ses double encoding of {path!r}", request, sts, sig,
         [("url path", wire)])


def presign_case():
    key = "/reports/a b+c.eml"
    wire = quote(key, "/")
    scope = f"{DATE}/{REGION}/s3/aws4_request"
    params = [
        ("versionId", "v1/2=3"),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", f"{ACCESS_KEY}/{scope}"),
        ("X-Amz-Date", AMZ_DATE),
        ("X-Amz-Expires", "900"),
        ("X-Amz-SignedHeaders", "host"),
        ("X-Amz-Security-Token", TOKEN),
    ]
    query = canonical_query(params)
    headers = {"host": "acm-inbox-mail.s3.eu-west-1.amazonaws.com"}
    request, sts, sig, _, _ = sign("GET", wire, query, headers,
                                   "UNSIGNED-PAYLOAD", "s3")
    show("s3 presigned", request, sts, sig,
         [("url query", f"{query}&X-Amz-Signature={sig}")])


if __name__ == "__main__":
    s3_object_case()
    query_case()
    double_encode_case()
    presign_case()
