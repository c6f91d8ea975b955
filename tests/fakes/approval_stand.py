"""The approval site with its throwaway CA, for integration tests.

ApprovalSite makes a CA and a server certificate for the real approval
host names in the test's temporary directory.  It starts approval_site.py
on a free loopback port through stand.start_process, which stops it at
exit, also on failure, and it reads back the POSTs the site recorded.
"""

import json
import os
import sys

import stand
import test_ca

SITE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "approval_site.py")


class ApprovalSite:
    def __init__(self, tmp, expired=(), unknown=(), modes=(),
                 slow_seconds=20):
        """Start the site; modes is a list of (code, mode) pairs."""
        self.ca = test_ca.make_ca(tmp, "ca")
        self.ca_bundle = self.ca[0]
        cert, key = test_ca.make_server_cert(tmp, self.ca)
        self.other_ca_bundle = test_ca.make_ca(tmp, "other-ca")[0]
        self.record = os.path.join(tmp, "posts.jsonl")
        self.port = stand.free_port()
        argv = [sys.executable, SITE, "--cert", cert, "--key", key,
                "--record", self.record, "--port", str(self.port),
                "--slow-seconds", str(slow_seconds)]
        for code in expired:
            argv += ["--expired", code]
        for code in unknown:
            argv += ["--unknown", code]
        for code, mode in modes:
            argv += ["--mode", "%s=%s" % (code, mode)]
        self.proc = stand.start_process(argv, ready_port=self.port,
                                        log=os.path.join(tmp, "site.log"))

    def connect_to(self, host):
        """Return the libcurl connect-to item that sends host here."""
        return "%s:443:127.0.0.1:%d" % (host, self.port)

    def posts(self, code=None):
        """Return the recorded POSTs, only those for code when given."""
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            entries = [json.loads(line) for line in f if line.strip()]
        if code is None:
            return entries
        return [entry for entry in entries if entry.get("code") == code]

    def stop(self):
        stand.stop_process(self.proc)
