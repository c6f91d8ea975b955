#!/usr/bin/env python3
"""`acm-inbox run` on local sources: a directory, a Maildir, and --watch.

No AWS stand-in is needed: the messages are held or ignored, so the run
makes no request at all.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

import demo_mail  # noqa: E402
import stand  # noqa: E402

ARN = "arn:aws:acm:us-east-1:999988887777:certificate/" \
    "0b7c6a8e-1f4e-4c38-9a55-6d1f3f0c2b11"


def stranger():
    return demo_mail.acm_message("www.example.com", "999988887777",
                                 "us-east-1", ARN, "code-stranger",
                                 demo_mail.context_for("us-east-1"),
                                 recipient="admin@example.com")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def config(tmp):
    path = os.path.join(tmp, "acm-inbox.conf")
    with open(path, "w") as f:
        f.write("allow-account = 111122223333\nallow-domain = example.com\n"
                "state-dir = %s\n" % os.path.join(tmp, "state"))
    return path


def run(tmp, args, **kw):
    return stand.run_tool(["-c", config(tmp), "run"] + args,
                          env=stand.tool_env(), **kw)


def test_directory(tap, tmp):
    inbox = os.path.join(tmp, "dir")
    os.makedirs(inbox)
    write(os.path.join(inbox, "stranger"), stranger())
    write(os.path.join(inbox, "news"), demo_mail.newsletter("a@example.com"))
    proc = run(tmp, ["--source", "dir:" + inbox])
    tap.eq(proc.returncode, 1, "dir: exit status 1 for a held message")
    tap.ok(os.path.exists(os.path.join(inbox, "held", "stranger")),
           "dir: held message filed")
    tap.ok(os.path.exists(os.path.join(inbox, "ignored", "news")),
           "dir: newsletter filed")
    tap.ok(os.path.exists(os.path.join(inbox, "results", "stranger.json")),
           "dir: result record written")
    tap.eq(os.listdir(os.path.join(inbox, "claims")), [], "dir: no claim")
    tap.ok(b"stranger" in proc.stdout and b"held" in proc.stdout,
           "dir: summary lists the held message", proc.stdout)
    proc = run(tmp, ["--source", "dir:" + inbox])
    tap.eq(proc.returncode, 0, "dir: idle run exits 0")
    proc = run(tmp, ["--source", "dir:" + os.path.join(tmp, "missing")])
    tap.eq(proc.returncode, 2, "dir: missing folder exits 2")


def test_maildir(tap, tmp):
    root = os.path.join(tmp, "Maildir")
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(root, sub))
    write(os.path.join(root, "new", "1764860000.M1P1.host"), stranger())
    write(os.path.join(root, "cur", "1764860001.M2P1.host:2,S"),
          demo_mail.newsletter("a@example.com"))
    proc = run(tmp, ["--source", "maildir:" + root])
    tap.eq(proc.returncode, 1, "maildir: exit status 1")
    tap.ok(os.path.exists(os.path.join(root, ".held", "new",
                                       "1764860000.M1P1.host")),
           "maildir: held into the .held folder")
    tap.ok(os.path.exists(os.path.join(root, ".ignored", "cur",
                                       "1764860001.M2P1.host:2,S")),
           "maildir: ignored keeps its flags")
    tap.ok(os.path.exists(os.path.join(root + ".acm-inbox", "results",
                                       "1764860000.M1P1.host.json")),
           "maildir: record beside the Maildir")
    tap.eq(os.listdir(os.path.join(root, "new")), [], "maildir: new empty")


def test_watch(tap, tmp):
    inbox = os.path.join(tmp, "watched")
    os.makedirs(inbox)
    proc = subprocess.Popen(
        [stand.ACM_INBOX, "-c", config(tmp), "run", "--watch", "1",
         "--source", "dir:" + inbox], env=stand.tool_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)
        write(os.path.join(inbox, "later"),
              demo_mail.newsletter("a@example.com"))
        filed = os.path.join(inbox, "ignored", "later")
        deadline = time.monotonic() + 20
        while not os.path.exists(filed) and time.monotonic() < deadline:
            time.sleep(0.2)
        tap.ok(os.path.exists(filed), "watch: a new message is processed")
        tap.eq(proc.poll(), None, "watch: still running")
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=15)
        tap.eq(proc.returncode, 0, "watch: SIGTERM ends it with status 0")
        tap.ok(b"1 message" in out, "watch: summary covers every pass", out)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_progress(tap, tmp):
    inbox = os.path.join(tmp, "many")
    os.makedirs(inbox)
    for i in range(25):
        write(os.path.join(inbox, "n%02d" % i),
              demo_mail.newsletter("a@example.com"))
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [stand.ACM_INBOX, "-c", config(tmp), "run", "--source",
         "dir:" + inbox], env=stand.tool_env(), stdout=subprocess.PIPE,
        stderr=slave)
    os.close(slave)
    proc.communicate(timeout=120)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    tap.ok(b"acm-inbox run: 25 of 25 messages" in seen,
           "progress: shown on a terminal", seen[-300:])
    for i in range(25):
        write(os.path.join(inbox, "m%02d" % i),
              demo_mail.newsletter("a@example.com"))
    proc = run(tmp, ["--source", "dir:" + inbox])
    tap.ok(b"25 messages" in proc.stdout, "progress: second batch run",
           proc.stdout)
    tap.ok(b" of 25" not in proc.stderr, "progress: not shown in a pipe",
           proc.stderr)


def main():
    tap = stand.Tap()
    with tempfile.TemporaryDirectory(prefix="acm-inbox-local-") as tmp:
        test_directory(tap, tmp)
        test_maildir(tap, tmp)
        test_watch(tap, tmp)
        test_progress(tap, tmp)
    tap.exit()


if __name__ == "__main__":
    main()
