"""A local stand-in for AWS's certificate approval page, over HTTPS.

It behaves like the real page where a client can get it wrong.  It sets a
session cookie, ties the CSRF token to the session, changes the form
action on every page view, puts an unrelated form before the approval
form and checks the Referer.  Approved, already approved, expired (400)
and unknown (404) requests each get their own page.  Every POST is
recorded as one JSON line in the --record file so tests can count
approvals.

Codes behave as pending requests unless configured otherwise:

    --expired CODE        GET and POST answer the 400 expired-link page
    --unknown CODE        GET and POST answer the 404 not-found page
    --mode CODE=MODE      slow: GET sleeps --slow-seconds before answering
                          close: GET closes the connection unanswered
                          close-post: the first POST is recorded as
                              approved, then the connection is closed
                              unanswered
                          redirect: GET redirects to a non-approval host
                          hop: GET redirects once to itself first
                          post-redirect: POST answers 303 to a result page
                          noform: the page has no approval form
                          form-again: GET shows the form even after the
                              request was approved (by default it shows
                              the already-approved page)

It listens on 127.0.0.1 only, writes its port to stdout and --port-file
when ready, and is stopped with SIGTERM.

    approval_site.py --cert server.pem --key server.key --record posts.jsonl
"""

import argparse
import html
import http.cookies
import http.server
import json
import os
import secrets
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

MODES = {"slow", "close", "close-post", "redirect", "hop", "post-redirect",
         "noform", "form-again"}
FOREIGN_HOST = "login.example.net"


class SiteState:
    """Requests by code, sessions by cookie, and the POST record."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.expired = set(args.expired)
        self.unknown = set(args.unknown)
        self.modes = dict(args.mode)
        self.slow_seconds = args.slow_seconds
        self.approved = set()
        self.sessions = {}
        self.results = {}
        self.record_path = args.record

    def record(self, entry):
        with self.lock:
            with open(self.record_path, "a") as f:
                f.write(json.dumps(entry, sort_keys=True) + "\n")


def page(title, body):
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head>"
            "<meta charset=\"utf-8\"><title>%s</title></head>\n"
            "<body><header><form action=\"/search\" method=\"get\">"
            "<input type=\"text\" name=\"q\" value=\"\">"
            "<input type=\"submit\" name=\"go\" value=\"Search\"></form>"
            "</header>\n<main>%s</main></body></html>\n"
            % (html.escape(title), body))


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "ApprovalStandIn/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("approval-site: %s\n" % (fmt % args))

    @property
    def state(self):
        return self.server.state

    def send_page(self, status, title, body, headers=()):
        data = page(title, body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_redirect(self, status, location, headers=()):
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def close_unanswered(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def session(self):
        cookie = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        morsel = cookie.get("_acm_session")
        if morsel is None:
            return None, None
        return morsel.value, self.state.sessions.get(morsel.value)

    def page_url(self):
        return "https://%s%s" % (self.headers.get("Host", ""), self.path)

    def answer_state(self, code):
        """Send the expired or unknown page; returns True if it did."""
        if code in self.state.unknown:
            self.send_page(404, "Not found", "<h1>Not found</h1><p>The "
                           "approval request could not be found.</p>")
            return True
        if code in self.state.expired:
            self.send_page(400, "Link expired", "<h1>Link expired</h1><p>"
                           "This approval link has expired or is invalid."
                           "</p>")
            return True
        return False

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/approvals":
            self.get_approval(query.get("code", [""])[0],
                              query.get("context", [""])[0], query)
        elif url.path == "/approvals/result":
            self.get_result(query.get("id", [""])[0])
        else:
            self.send_page(404, "Not found", "<p>No such page.</p>")

    def get_approval(self, code, context, query):
        mode = self.state.modes.get(code)
        if mode == "slow":
            time.sleep(self.state.slow_seconds)
        if mode == "close":
            self.close_unanswered()
            return
        if mode == "redirect":
            self.send_redirect(302, "https://%s/approvals?%s"
                               % (FOREIGN_HOST, urllib.parse.urlsplit(
                                   self.path).query))
            return
        if mode == "hop" and "hop" not in query:
            self.send_redirect(302, self.path + "&hop=1")
            return
        if not code or not context or self.answer_state(code):
            if not code or not context:
                self.send_page(400, "Invalid link", "<p>This approval link"
                               " is invalid.</p>")
            return
        if code in self.state.approved and mode != "form-again":
            self.send_page(200, "Already approved", "<h1>Already approved"
                           "</h1><p>This request has already been approved."
                           "</p>")
            return
        self.render_form(code, context, mode)

    def render_form(self, code, context, mode):
        session_id, session = self.session()
        headers = []
        if session is None:
            session_id = secrets.token_urlsafe(24)
            session = {"csrf": secrets.token_urlsafe(32)}
            self.state.sessions[session_id] = session
            headers.append(("Set-Cookie", "_acm_session=%s; Path=/; Secure;"
                            " HttpOnly; SameSite=Lax" % session_id))
        session.update(action=secrets.token_hex(8), code=code,
                       validation=secrets.token_urlsafe(24),
                       referer=self.page_url())
        if mode == "noform":
            self.send_page(200, "Certificate approval", "<h1>Certificate "
                           "approval</h1><p>Please sign in.</p><form "
                           "action=\"/session\" method=\"post\"><input "
                           "type=\"hidden\" name=\"context\" value=\"%s\">"
                           "</form>" % html.escape(context), headers)
            return
        hidden = [("utf8", "\u2713"), ("authenticity_token", session["csrf"]),
                  ("validation_token", session["validation"]),
                  ("context", context)]
        inputs = "".join("<input type=\"hidden\" name=\"%s\" value=\"%s\">"
                         % (name, html.escape(value))
                         for name, value in hidden)
        body = ("<h1>Certificate approval</h1><p>Domain: example.com</p>"
                "<form action=\"/approvals/approve/%s\" method=\"post\" "
                "accept-charset=\"UTF-8\">%s"
                "<input type=\"submit\" name=\"commit\" value=\"I Approve\">"
                "<input type=\"submit\" name=\"cancel\" value=\"Cancel\">"
                "</form>" % (session["action"], inputs))
        self.send_page(200, "Certificate approval", body, headers)

    def get_result(self, result_id):
        title = self.state.results.get(result_id)
        if title is None:
            self.send_page(404, "Not found", "<p>No such page.</p>")
        else:
            self.send_page(200, title, "<h1>%s</h1>" % html.escape(title))

    def read_form(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        data = self.rfile.read(min(length, 1 << 20)).decode("utf-8",
                                                            "replace")
        return urllib.parse.parse_qsl(data, keep_blank_values=True)

    def check_post(self, session, values):
        checks = {
            "cookie_ok": session is not None,
            "token_ok": session is not None and
            values.get("authenticity_token") == session["csrf"],
            "action_ok": session is not None and
            self.path == "/approvals/approve/" + session["action"],
            "referer_ok": session is not None and
            self.headers.get("Referer") == session["referer"],
            "validation_ok": session is not None and
            values.get("validation_token") == session["validation"],
            "content_type_ok": self.headers.get("Content-Type", "")
            .startswith("application/x-www-form-urlencoded"),
            "utf8_ok": values.get("utf8") == "\u2713",
            "commit_ok": values.get("commit") == "I Approve" and
            "cancel" not in values,
            "context_ok": bool(values.get("context")),
        }
        return checks

    def do_POST(self):
        fields = self.read_form()
        values = dict(fields)
        session_id, session = self.session()
        checks = self.check_post(session, values)
        code = session.get("code") if session else None
        # The secrets go into the record so that tests can look for them
        # in the client's log; the record is test output, not a log.
        entry = dict(checks, code=code, path=self.path,
                     fields=[name for name, _ in fields],
                     session_cookie=session_id,
                     csrf=session["csrf"] if session else None,
                     validation_token=values.get("validation_token"))
        mode = self.state.modes.get(code)

        if not all(checks.values()):
            entry["result"] = "rejected"
            self.state.record(entry)
            self.send_page(422, "Request rejected", "<p>The request was "
                           "rejected. Please reload the page.</p>")
            return
        if self.answer_state(code):
            entry["result"] = "expired-or-unknown"
            self.state.record(entry)
            return
        with self.state.lock:
            already = code in self.state.approved
            self.state.approved.add(code)
        entry["result"] = "already" if already else "approved"
        self.state.record(entry)
        title = ("This request has already been approved" if already
                 else "Success! You have approved the request")
        if mode == "close-post" and not already:
            self.close_unanswered()
        elif mode == "post-redirect":
            result_id = secrets.token_hex(8)
            self.state.results[result_id] = title
            self.send_redirect(303, "/approvals/result?id=" + result_id)
        else:
            self.send_page(200, title, "<h1>%s</h1>" % html.escape(title))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def parse_mode(text):
    code, _, mode = text.partition("=")
    if not code or mode not in MODES:
        raise argparse.ArgumentTypeError(
            "expected CODE=MODE with MODE one of %s" % ", ".join(sorted(MODES)))
    return code, mode


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--record", required=True,
                        help="JSON lines file that receives every POST")
    parser.add_argument("--host", default="127.0.0.1",
                        choices=["127.0.0.1", "::1"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--expired", action="append", default=[])
    parser.add_argument("--unknown", action="append", default=[])
    parser.add_argument("--mode", action="append", default=[],
                        type=parse_mode)
    parser.add_argument("--slow-seconds", type=float, default=30.0)
    return parser.parse_args()


def main():
    args = parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    if args.host == "::1":
        Server.address_family = socket.AF_INET6
    server = Server((args.host, args.port), Handler)
    # The handshake runs on the first read, in the request's own thread, so
    # a client that stalls or rejects the certificate blocks no other one.
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    server.state = SiteState(args)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(args.port_file + ".tmp", args.port_file)
    print(port, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
