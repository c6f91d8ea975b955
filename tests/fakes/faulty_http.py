#!/usr/bin/env python3
"""A loopback HTTP server that misbehaves the way AWS endpoints can.

The last path segment of a request selects the behaviour, so one server
covers every case and the client can use ordinary S3 paths
(/BUCKET/KEY):

  ok            200 with a small body
  flaky-503     503 SlowDown twice, then 200 (per server, not per client)
  always-500    500 InternalError every time
  hang          reads the request and never responds (up to 60 s)
  sig-403       403 with an S3 SignatureDoesNotMatch document
  skew          the server's clock runs SKEW seconds ahead: a request whose
                X-Amz-Date is more than 5 minutes off gets 400
                RequestTimeTooSkewed with the server's Date, else 200
  drop          closes the connection without answering, every time
  drop-once     closes the connection the first time, then 200
  json-400      400 with a JSON 1.1 error (__type with a namespace)
  partial-once  the first response promises 64 bytes, sends 10 and closes;
                later responses send all 64
  conflict-once 409 ConditionalRequestConflict, then 200
  copy-error    200 whose body is an S3 <Error> document (InternalError)
  echo          200 with a JSON object of the request's method, path,
                Host, Content-Type, X-Amz-Target and body

A JSON 1.1 request (POST / with X-Amz-Target) is selected by its target,
a query request (POST / with a form body) by its Action.
GET /_control/count/NAME returns how many requests NAME received.
Usage: faulty_http.py PORT [SKEW_SECONDS [CERT KEY]]
With CERT and KEY (PEM files) the server speaks HTTPS.
"""

import calendar
import email.utils
import http.server
import json
import socket
import ssl
import sys
import threading
import time
import urllib.parse

SKEW = 3600
counts = {}
lock = threading.Lock()

PARTIAL_BODY = bytes(range(48, 112))

SIGNATURE_ERROR = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>SignatureDoesNotMatch</Code>"
    b"<Message>The request signature we calculated does not match the "
    b"signature you provided. Check your key and signing method.</Message>"
    b"<RequestId>FAULTY0001</RequestId></Error>")


def error_xml(code, message):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s"
            "</Code><Message>%s</Message><RequestId>FAULTY0002</RequestId>"
            "</Error>" % (code, message)).encode()


def count(name):
    with lock:
        counts[name] = counts.get(name, 0) + 1
        return counts[name]


def amz_date_offset(value):
    """Return the request's X-Amz-Date minus the server's skewed clock."""
    try:
        parsed = time.strptime(value, "%Y%m%dT%H%M%SZ")
    except (TypeError, ValueError):
        return None
    return calendar.timegm(parsed) - (time.time() + SKEW)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("faulty_http: " + (fmt % args) + "\n")

    def reply(self, status, body=b"", headers=None, date=None):
        self.send_response_only(status)
        self.send_header("Date", email.utils.formatdate(
            date if date is not None else time.time(), usegmt=True))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", "FAULTYREQ")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def handle_one(self):
        body = self.read_body()
        path = self.path.split("?", 1)[0]
        name = path.rstrip("/").rsplit("/", 1)[-1]
        if self.headers.get("X-Amz-Target"):
            name = self.headers["X-Amz-Target"]
        form = urllib.parse.parse_qs(body.decode(errors="replace"))
        if path == "/" and "Action" in form:
            name = form["Action"][0]
        if path.startswith("/_control/count/"):
            with lock:
                n = counts.get(name, 0)
            self.reply(200, str(n).encode())
            return
        n = count(name)
        if name == "flaky-503" and n <= 2:
            self.reply(503, error_xml("SlowDown", "Please reduce your "
                                      "request rate."))
        elif name == "always-500":
            self.reply(500, error_xml("InternalError", "We encountered an "
                                      "internal error. Please try again."))
        elif name == "hang":
            time.sleep(60)
            self.drop()
        elif name == "sig-403":
            self.reply(403, SIGNATURE_ERROR,
                       {"Content-Type": "application/xml"})
        elif name == "skew":
            offset = amz_date_offset(self.headers.get("X-Amz-Date"))
            if offset is None or abs(offset) > 300:
                self.reply(400, error_xml(
                    "RequestTimeTooSkewed", "The difference between the "
                    "request time and the current time is too large."),
                    date=time.time() + SKEW)
            else:
                self.reply(200, b"skew corrected", date=time.time() + SKEW)
        elif name == "drop" or (name == "drop-once" and n == 1):
            self.drop()
        elif name == "partial-once" and n == 1:
            self.send_response_only(200)
            self.send_header("Content-Length", "64")
            self.end_headers()
            self.wfile.write(PARTIAL_BODY[:10])
            self.drop()
        elif name == "partial-once":
            self.reply(200, PARTIAL_BODY)
        elif name == "conflict-once" and n == 1:
            self.reply(409, error_xml(
                "ConditionalRequestConflict", "A conflicting operation "
                "occurred. Please retry."))
        elif name == "copy-error":
            self.reply(200, error_xml("InternalError", "Copy failed "
                                      "after the headers were sent."))
        elif name == "echo":
            self.reply(200, json.dumps({
                "method": self.command, "path": self.path,
                "host": self.headers.get("Host"),
                "content_type": self.headers.get("Content-Type"),
                "target": self.headers.get("X-Amz-Target"),
                "body": body.decode(errors="replace")}).encode())
        elif name == "json-400":
            self.reply(400, b'{"__type":"com.amazonaws.acm#Validation'
                       b'Exception","message":"bad input"}',
                       {"Content-Type": "application/x-amz-json-1.1"})
        else:
            self.reply(200, b"hello from faulty_http\n",
                       {"ETag": '"0123456789abcdef"'})

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_one


def main():
    global SKEW
    port = int(sys.argv[1])
    if len(sys.argv) > 2:
        SKEW = int(sys.argv[2])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    if len(sys.argv) > 4:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[3], sys.argv[4])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
