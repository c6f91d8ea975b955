#!/usr/bin/env python3
"""`acm-inbox run --sns-message`: SNS envelope verification.

A throwaway RSA key signs envelopes the way SNS does (SignatureVersion 1
with SHA1, 2 with SHA256).  Its certificate is served over HTTPS from
127.0.0.1 under the real SNS host name through --connect-to, with a test
CA as the CA bundle.  Valid envelopes get their object processed; a
tampered message, a foreign topic, a certificate URL off SNS's hosts and
the deliberately unsigned sample are rejected and change nothing.
"""

import base64
import datetime
import http.server
import json
import os
import ssl
import sys
import tempfile
import threading
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "fakes"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

import demo_mail  # noqa: E402
import stand  # noqa: E402
import test_ca  # noqa: E402

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.x509.oid import NameOID
except ImportError as error:
    print("ok 1 # SKIP SNS signatures: %s" % error)
    print("1..1")
    sys.exit(0)

BUCKET = "acm-inbox-111122223333"
PREFIX = "acm-inbox/"
TOPIC = "arn:aws:sns:us-east-1:111122223333:acm-inbox"
SNS_HOST = "sns.us-east-1.amazonaws.com"
CERT_URL = "https://%s/SimpleNotificationService-test.pem" % SNS_HOST
SAMPLE = os.path.join(stand.SHARED, "samples", "sns-notification.json")


def signing_identity():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SNS_HOST)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM)


def envelope(key, object_key, version="2", topic=TOPIC, subject=True,
             cert_url=CERT_URL, bucket=BUCKET):
    event = {"notificationType": "Received",
             "mail": {"messageId": object_key.rsplit("/", 1)[-1],
                      "source": "someone@example.org",
                      "destination": ["admin@example.com"]},
             "receipt": {"action": {"type": "S3", "topicArn": topic,
                                    "bucketName": bucket,
                                    "objectKeyPrefix": PREFIX + "inbox/",
                                    "objectKey": object_key}}}
    env = {"Type": "Notification", "MessageId": str(uuid.uuid4()),
           "TopicArn": topic, "Message": json.dumps(event),
           "Timestamp": "2026-12-04T16:00:00.000Z",
           "SignatureVersion": version, "SigningCertURL": cert_url,
           "UnsubscribeURL": "https://%s/?Action=Unsubscribe" % SNS_HOST}
    if subject:
        env["Subject"] = "Amazon SES Email Receipt Notification"
    text = "".join("%s\n%s\n" % (name, env[name]) for name in
                   ("Message", "MessageId", "Subject", "Timestamp",
                    "TopicArn", "Type") if name in env)
    digest = hashes.SHA1() if version == "1" else hashes.SHA256()
    signature = key.sign(text.encode(), padding.PKCS1v15(), digest)
    env["Signature"] = base64.b64encode(signature).decode()
    return env


class CertServer:
    """Serves the signing certificate over HTTPS and counts requests."""

    def __init__(self, tmp, pem):
        ca = test_ca.make_ca(tmp, "sns-ca")
        cert, key = test_ca.make_server_cert(tmp, ca, hosts=[SNS_HOST],
                                             name="sns")
        self.ca = ca[0]
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-pem-file")
                self.send_header("Content-Length", str(len(pem)))
                self.end_headers()
                self.wfile.write(pem)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket,
                                                 server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Case:
    def __init__(self, tmp, moto, certs):
        self.tmp = tmp
        self.moto = moto
        self.certs = certs
        self.s3 = moto.client("s3")
        self.config = os.path.join(tmp, "acm-inbox.conf")
        with open(self.config, "w") as f:
            f.write("bucket = %s\nprefix = %s\ntopic = %s\n"
                    "state-dir = %s\nallow-account = 111122223333\n"
                    "retries = 1\n"
                    % (BUCKET, PREFIX, TOPIC, os.path.join(tmp, "state")))

    def run(self, env_obj, stdin=False):
        path = os.path.join(self.tmp, "envelope-%s.json" % uuid.uuid4().hex)
        data = json.dumps(env_obj) if isinstance(env_obj, dict) else env_obj
        with open(path, "w") as f:
            f.write(data)
        args = ["-c", self.config, "--ca-bundle", self.certs.ca,
                "--connect-to", "%s:443:127.0.0.1:%d"
                % (SNS_HOST, self.certs.port),
                "run", "--sns-message", "-" if stdin else path]
        return stand.run_tool(args, env=stand.tool_env(self.moto.url),
                              input=data.encode() if stdin else None)

    def put(self, name):
        self.s3.put_object(Bucket=BUCKET, Key=PREFIX + "inbox/" + name,
                           Body=demo_mail.newsletter("admin@example.com"))
        return PREFIX + "inbox/" + name

    def exists(self, key):
        found = self.s3.list_objects_v2(Bucket=BUCKET, Prefix=key)
        return any(o["Key"] == key for o in found.get("Contents", []))


def show(proc):
    return "exit %d\nstdout: %s\nstderr: %s" % (
        proc.returncode, proc.stdout.decode()[-800:],
        proc.stderr.decode()[-1500:])


def check_rejected(tap, case, proc, key, name, reason):
    tap.ok(proc.returncode == 1, "%s: exit status 1" % name, show(proc))
    tap.ok(reason in proc.stderr.decode(), "%s: says why" % name,
           show(proc))
    tap.ok(case.exists(key), "%s: object stays in the inbox" % name)


def main():
    tap = stand.Tap()
    with tempfile.TemporaryDirectory(prefix="acm-inbox-sns-") as tmp:
        moto = stand.Moto(log=os.path.join(tmp, "moto.log"))
        key, pem = signing_identity()
        certs = CertServer(tmp, pem)
        case = Case(tmp, moto, certs)
        case.s3.create_bucket(Bucket=BUCKET)
        try:
            run_cases(tap, case, key)
        finally:
            certs.stop()
            moto.stop()
    tap.exit()


def run_cases(tap, case, key):
    other = case.put("bystander")

    target = case.put("signed-v2")
    proc = case.run(envelope(key, target))
    tap.ok(proc.returncode == 0, "version 2: exit status 0", show(proc))
    tap.ok(case.exists(PREFIX + "ignored/signed-v2"),
           "version 2: named object processed")
    tap.ok(case.exists(other), "version 2: other inbox objects untouched")
    tap.eq(len(case.certs.requests), 1, "certificate fetched once")

    target = case.put("signed-v1")
    proc = case.run(envelope(key, target, version="1", subject=False),
                    stdin=True)
    tap.ok(proc.returncode == 0, "version 1 from stdin: exit status 0",
           show(proc))
    tap.ok(case.exists(PREFIX + "ignored/signed-v1"),
           "version 1 from stdin: named object processed")
    tap.eq(len(case.certs.requests), 1, "certificate read from the cache")

    target = case.put("tampered")
    env = envelope(key, target)
    env["Message"] = env["Message"].replace("tampered", "bystander")
    check_rejected(tap, case, case.run(env), target, "tampered message",
                   "signature does not verify")
    tap.ok(case.exists(other), "tampered message: bystander untouched")

    target = case.put("foreign-topic")
    env = envelope(key, target, topic=TOPIC + "-other")
    check_rejected(tap, case, case.run(env), target, "foreign topic",
                   "TopicArn is not the configured topic")

    for label, url in (
            ("foreign host", "https://sns.us-east-1.example.com/c.pem"),
            ("look-alike host",
             "https://sns.us-east-1.amazonaws.com.evil.test/c.pem"),
            ("plain http", "http://%s/c.pem" % SNS_HOST),
            ("not a .pem", "https://%s/c.txt" % SNS_HOST),
            ("user info", "https://x@%s/c.pem" % SNS_HOST)):
        target = case.put("bad-url")
        env = envelope(key, target, cert_url=url)
        check_rejected(tap, case, case.run(env), target, label,
                       "SigningCertURL is not")
    tap.eq(len(case.certs.requests), 1, "bad URLs: nothing fetched")

    target = case.put("other-bucket")
    env = envelope(key, target, bucket="someone-elses-bucket")
    check_rejected(tap, case, case.run(env), target, "other bucket",
                   "not the configured")

    check_rejected(tap, case, case.run("{not json"), other, "not JSON",
                   "not JSON")

    if os.path.exists(SAMPLE):
        with open(SAMPLE) as f:
            sample = f.read()
        target = case.put("o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1")
        check_rejected(tap, case, case.run(sample), target, "unsigned sample",
                       "signature does not verify")
    else:
        tap.skip("unsigned sample", "%s is not present" % SAMPLE)


if __name__ == "__main__":
    main()
