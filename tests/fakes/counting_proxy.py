#!/usr/bin/env python3
"""A loopback HTTP proxy in front of moto_server that records requests.

moto_server keeps no request log, so tests that must prove "no write
call" put this proxy in front of it.  Every request is recorded as
{"method", "path", "query", "action", "service"} (action: the query
protocol's Action from the form body or the query string, else null;
service: the SigV4 signing name from the Authorization header) and
forwarded unchanged.

Control endpoints (never forwarded):
  GET  /__proxy/log           the records so far, as a JSON array
  POST /__proxy/clear         forget the records
  POST /__proxy/reset         forget the records and denials
  POST /__proxy/deny?action=A reply 403 AccessDenied to Action A
  POST /__proxy/pending       report every SES identity as Pending, as
                              SES does until it finds the TXT record

Usage: counting_proxy.py LISTEN_PORT UPSTREAM_PORT (both on 127.0.0.1).
"""

import http.client
import http.server
import json
import sys
import threading
import urllib.parse

UPSTREAM = ("127.0.0.1", 0)
LOCK = threading.Lock()
RECORDS = []
DENIED = set()
PENDING = [False]

DENIAL = ("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied"
          "</Code><Message>User: arn:aws:iam::123456789012:user/test is "
          "not authorized to perform: %s</Message></Error>"
          "<RequestId>denied-by-proxy</RequestId></ErrorResponse>")


def signing_service(authorization):
    # Credential=AKID/DATE/REGION/SERVICE/aws4_request
    for part in (authorization or "").split(","):
        part = part.strip()
        if "Credential=" in part:
            scope = part.split("Credential=", 1)[1].split("/")
            if len(scope) >= 5:
                return scope[3]
    return None


def query_action(path, body, content_type):
    query = urllib.parse.urlsplit(path).query
    actions = urllib.parse.parse_qs(query).get("Action")
    if not actions and "x-www-form-urlencoded" in (content_type or ""):
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        actions = form.get("Action")
    return actions[0] if actions else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _control(self):
        parts = urllib.parse.urlsplit(self.path)
        with LOCK:
            if parts.path == "/__proxy/log":
                return self._reply(200, json.dumps(RECORDS))
            if parts.path == "/__proxy/clear":
                RECORDS.clear()
                return self._reply(200, "{}")
            if parts.path == "/__proxy/pending":
                PENDING[0] = True
                return self._reply(200, "{}")
            if parts.path == "/__proxy/reset":
                RECORDS.clear()
                DENIED.clear()
                PENDING[0] = False
                return self._reply(200, "{}")
            if parts.path == "/__proxy/deny":
                action = urllib.parse.parse_qs(parts.query)["action"][0]
                DENIED.add(action)
                return self._reply(200, "{}")
        return self._reply(404, "{}")

    def _forward(self):
        if self.path.startswith("/__proxy/"):
            return self._control()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""

        action = query_action(self.path, body,
                              self.headers.get("Content-Type"))
        target = self.headers.get("X-Amz-Target")
        if action is None and target:
            # JSON protocol: "CertificateManager.DescribeCertificate".
            action = target.rsplit(".", 1)[-1]
        with LOCK:
            parts = urllib.parse.urlsplit(self.path)
            RECORDS.append({"method": self.command, "path": parts.path,
                            "query": parts.query, "action": action,
                            "service": signing_service(
                                self.headers.get("Authorization"))})
            denied = action in DENIED
        if denied:
            return self._reply(403, DENIAL % action, "text/xml")

        conn = http.client.HTTPConnection(*UPSTREAM, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "keep-alive")}
        conn.request(self.command, self.path, body=body or None,
                     headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        with LOCK:
            pending = PENDING[0]
        if pending and action == "GetIdentityVerificationAttributes":
            data = data.replace(b">Success<", b">Pending<")

        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection",
                                    "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward


def main():
    global UPSTREAM
    listen, upstream = int(sys.argv[1]), int(sys.argv[2])
    UPSTREAM = ("127.0.0.1", upstream)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", listen), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
