#!/usr/bin/env python3
"""make demo's script, run as a test so the walk-through cannot rot.

It must exit 0, show approved, held and ignored messages, and report
that every message ended where it should.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))

import stand  # noqa: E402


def main():
    tap = stand.Tap()
    demo = os.path.join(stand.TOP, "scripts", "demo.sh")
    result = subprocess.run(["sh", demo], capture_output=True, timeout=600,
                            env=stand.tool_env())
    out = result.stdout.decode("utf-8", "replace")
    detail = out[-3000:] + result.stderr.decode("utf-8", "replace")[-2000:]
    tap.eq(result.returncode, 0, "demo exits 0")
    for outcome in ("approved", "held", "ignored"):
        tap.ok(" %s " % outcome in out, "demo shows %s messages" % outcome,
               detail)
    tap.ok("UNEXPECTED" not in out, "demo has no unexpected outcome",
           detail)
    tap.eq(out.count("ACM check: certificate-verified"), 3,
           "demo result records carry the ACM check")
    tap.ok("3 POSTs, 3 approvals" in out, "demo approval site count",
           detail)
    tap.ok("every message ended where it should" in out,
           "demo closing line", detail)
    tap.exit()


if __name__ == "__main__":
    main()
