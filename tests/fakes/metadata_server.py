#!/usr/bin/env python3
"""Stand-in for the HTTP credential sources, on 127.0.0.1 only.

Serves three sources on one port, each with its own credentials:
  - EC2 instance metadata, IMDSv2: PUT /latest/api/token issues a session
    token; the GETs under /latest/meta-data/ answer 401 without a valid
    one.
  - the ECS container endpoint, GET /container/credentials, which answers
    403 unless Authorization equals --container-token.
  - STS AssumeRoleWithWebIdentity, POST /, which answers 400 unless
    WebIdentityToken equals --web-token and 403 when the request is
    signed (the real call is unsigned).
GET /_state returns the request counts and the IMDS tokens issued, for
the test to check which sources were asked.  Credentials expire
--expires-in seconds after each answer.

    metadata_server.py --port PORT [--expires-in S] [--web-token T]
                       [--container-token T]
"""

import argparse
import datetime
import http.server
import json
import secrets
import threading
import urllib.parse

ROLE = "acm-inbox-test-role"
ROLE_ARN = "arn:aws:iam::123456789012:role/" + ROLE

# One set of credentials per source.  The tests check that no secret
# ever reaches the tool's log.
CREDENTIALS = {
    "imds": ("AKIDIMDSSTANDIN00001", "imds-secret-key-0123456789",
             "imds-session-token-0123456789"),
    "container": ("AKIDCONTAINERSTAND01", "container-secret-key-0123456789",
                  "container-session-token-0123456789"),
    "sts": ("AKIDSTSSTANDIN000001", "sts-secret-key-0123456789",
            "sts-session-token-0123456789"),
}

ROLE_PATH = "/latest/meta-data/iam/security-credentials/"


class State:
    """Counts and tokens shared by the handler threads."""

    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.counts = {}
        self.imds_tokens = []

    def count(self, name):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + 1

    def snapshot(self):
        with self.lock:
            return {"counts": dict(self.counts),
                    "imds_tokens": list(self.imds_tokens)}


def expiration(seconds):
    when = (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(seconds=seconds))
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set in main()

    def log_message(self, format, *args):  # noqa: A002
        pass

    def reply(self, status, body, content_type="text/plain"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode() if length else ""

    def do_PUT(self):
        self.read_body()
        if self.path != "/latest/api/token":
            self.state.count("unknown")
            return self.reply(404, "not found")
        self.state.count("imds_token")
        if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.reply(400, "missing TTL header")
        token = "imds-token-" + secrets.token_hex(16)
        with self.state.lock:
            self.state.imds_tokens.append(token)
        self.reply(200, token)

    def do_GET(self):
        if self.path == "/_state":
            return self.reply(200, json.dumps(self.state.snapshot()),
                              "application/json")
        if self.path.startswith(ROLE_PATH):
            return self.imds_get(self.path[len(ROLE_PATH):])
        if self.path == "/container/credentials":
            return self.container_get()
        self.state.count("unknown")
        self.reply(404, "not found")

    def imds_get(self, role):
        token = self.headers.get("X-aws-ec2-metadata-token")
        with self.state.lock:
            valid = token in self.state.imds_tokens
        if not valid:
            self.state.count("imds_unauthorized")
            return self.reply(401, "")
        if role == "":
            self.state.count("imds_roles")
            return self.reply(200, ROLE + "\n")
        if role != ROLE:
            self.state.count("imds_unknown_role")
            return self.reply(404, "not found")
        self.state.count("imds_credentials")
        key_id, secret, session = CREDENTIALS["imds"]
        self.reply(200, json.dumps({
            "Code": "Success", "Type": "AWS-HMAC",
            "AccessKeyId": key_id, "SecretAccessKey": secret,
            "Token": session,
            "Expiration": expiration(self.state.options.expires_in),
        }), "application/json")

    def container_get(self):
        expected = self.state.options.container_token
        if expected and self.headers.get("Authorization") != expected:
            self.state.count("container_denied")
            return self.reply(403, json.dumps({"message": "denied"}),
                              "application/json")
        self.state.count("container")
        key_id, secret, session = CREDENTIALS["container"]
        self.reply(200, json.dumps({
            "RoleArn": ROLE_ARN, "AccessKeyId": key_id,
            "SecretAccessKey": secret, "Token": session,
            "Expiration": expiration(self.state.options.expires_in),
        }), "application/json")

    def do_POST(self):
        form = urllib.parse.parse_qs(self.read_body())
        fields = {name: values[0] for name, values in form.items()}
        if self.path != "/" or \
                fields.get("Action") != "AssumeRoleWithWebIdentity":
            self.state.count("unknown")
            return self.reply(404, "not found")
        if self.headers.get("Authorization"):
            self.state.count("sts_signed")
            return self.sts_error(403, "IncompleteSignature",
                                  "the call must be unsigned")
        if fields.get("WebIdentityToken") != self.state.options.web_token \
                or fields.get("Version") != "2011-06-15" \
                or fields.get("RoleArn") != ROLE_ARN \
                or not fields.get("RoleSessionName"):
            self.state.count("sts_denied")
            return self.sts_error(400, "InvalidIdentityToken",
                                  "Couldn't verify the token")
        self.state.count("sts")
        key_id, secret, session = CREDENTIALS["sts"]
        self.reply(200, (
            '<AssumeRoleWithWebIdentityResponse '
            'xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            '<AssumeRoleWithWebIdentityResult>'
            '<AssumedRoleUser><Arn>%s/%s</Arn></AssumedRoleUser>'
            '<Credentials>'
            '<AccessKeyId>%s</AccessKeyId>'
            '<SecretAccessKey>%s</SecretAccessKey>'
            '<SessionToken>%s</SessionToken>'
            '<Expiration>%s</Expiration>'
            '</Credentials></AssumeRoleWithWebIdentityResult>'
            '</AssumeRoleWithWebIdentityResponse>') % (
                ROLE_ARN, fields["RoleSessionName"], key_id, secret,
                session, expiration(self.state.options.expires_in)),
            "text/xml")

    def sts_error(self, status, code, message):
        self.reply(status, (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/'
            '2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code>'
            '<Message>%s</Message></Error>'
            '<RequestId>00000000-0000-0000-0000-000000000000</RequestId>'
            '</ErrorResponse>') % (code, message), "text/xml")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--expires-in", type=int, default=3600)
    parser.add_argument("--web-token", default="web-identity-token-0123")
    parser.add_argument("--container-token",
                        default="container-auth-token-0123")
    options = parser.parse_args()
    Handler.state = State(options)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", options.port),
                                             Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
