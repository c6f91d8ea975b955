"""A loopback HTTP proxy in front of moto_server that fails some requests.

Each request is forwarded unchanged to --target, except that a seeded
random share of them (--fail-rate, at most --max-faults in all) fails in
one of four ways:

    500         answered with an S3 InternalError document
    503         answered with an S3 SlowDown document
    drop        the connection is closed before the request is forwarded
    drop-after  the request is forwarded, then the connection is closed
                without an answer (the change happened, the client cannot
                know it)

Every request is logged as one JSON line in --log (method, path, query,
fault), so tests can also count the calls a run makes.  It listens on
127.0.0.1 only, writes its port to stdout when ready and stops on
SIGTERM.

    s3_fault_proxy.py --target http://127.0.0.1:PORT --seed 7 \
        --fail-rate 0.2 --max-faults 200 --log requests.jsonl
"""

import argparse
import http.client
import http.server
import json
import random
import signal
import socket
import sys
import threading
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te",
              "trailer", "upgrade", "proxy-connection"}
FAULTS = ("500", "503", "drop", "drop-after")


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.random = random.Random(args.seed)
        self.fail_rate = args.fail_rate
        self.faults_left = args.max_faults
        self.target = urllib.parse.urlsplit(args.target)
        self.log_path = args.log

    def choose_fault(self):
        with self.lock:
            if self.faults_left <= 0 or \
                    self.random.random() >= self.fail_rate:
                return None
            self.faults_left -= 1
            return self.random.choice(FAULTS)

    def log(self, entry):
        if not self.log_path:
            return
        with self.lock:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send_error_document(self, status, code):
        body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s"
                "</Code><Message>injected by the fault proxy</Message>"
                "<RequestId>fault</RequestId></Error>" % code).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def forward(self, body):
        state = self.server.state
        conn = http.client.HTTPConnection(state.target.hostname,
                                          state.target.port, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in HOP_BY_HOP}
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, resp.getheaders(), data
        finally:
            conn.close()

    def relay(self, status, headers, data):
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else None
        fault = self.server.state.choose_fault()
        url = urllib.parse.urlsplit(self.path)
        self.server.state.log({"method": self.command, "path": url.path,
                               "query": url.query, "fault": fault})
        if fault == "500":
            self.send_error_document(500, "InternalError")
        elif fault == "503":
            self.send_error_document(503, "SlowDown")
        elif fault == "drop":
            self.drop()
        else:
            status, headers, data = self.forward(body)
            if fault == "drop-after":
                self.drop()
            else:
                self.relay(status, headers, data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fail-rate", type=float, default=0.0)
    parser.add_argument("--max-faults", type=int, default=0)
    parser.add_argument("--log")
    args = parser.parse_args()
    target = urllib.parse.urlsplit(args.target)
    if target.hostname not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("s3_fault_proxy: --target must be a loopback address")
    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(args)
    print(server.server_address[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
