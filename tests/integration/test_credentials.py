#!/usr/bin/env python3
"""The credential chain against loopback stand-ins.

Runs $BUILD/tests/test_creds_live (a probe that fetches credentials with
the most verbose logging) under one environment per case, against
tests/fakes/metadata_server.py for STS, the container endpoint and IMDSv2.
Checks the sources are tried in order, that later ones are not asked once
one answers, that credentials about to expire are fetched again, that a
disabled IMDS gets no request, and that no secret reaches the log.
Nothing is sent to 169.254.169.254 or 169.254.170.2: IMDS is reached
through AWS_EC2_METADATA_SERVICE_ENDPOINT and the container endpoint
through AWS_CONTAINER_CREDENTIALS_FULL_URI, both on 127.0.0.1.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "fakes"))

import metadata_server  # noqa: E402
from stand import BUILD, Tap, free_port, start_process  # noqa: E402

PROBE = os.path.join(BUILD, "tests", "test_creds_live")
FAKE = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "fakes", "metadata_server.py")
WEB_TOKEN = "web-identity-token-for-the-test-0123"
CONTAINER_TOKEN = "container-auth-token-for-the-test-0123"
ENV_SECRET = "environment-secret-key-0123456789"
FILE_SECRET = "shared-file-secret-key-0123456789"


class Fake:
    """metadata_server.py on a free loopback port."""

    def __init__(self, expires_in):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = start_process(
            [sys.executable, FAKE, "--port", str(self.port),
             "--expires-in", str(expires_in), "--web-token", WEB_TOKEN,
             "--container-token", CONTAINER_TOKEN],
            ready_url=self.url + "/_state")

    def state(self):
        with urllib.request.urlopen(self.url + "/_state", timeout=10) as r:
            return json.load(r)

    def counts(self):
        return self.state()["counts"]


def delta(before, after):
    """Returns the counters that changed, with their increase."""
    return {name: after[name] - before.get(name, 0)
            for name in after if after[name] != before.get(name, 0)}


class Case:
    """Environment and files for the probe runs."""

    def __init__(self, tmp, fake):
        self.tmp = tmp
        self.fake = fake
        self.token_file = os.path.join(tmp, "web-identity-token")
        with open(self.token_file, "w") as f:
            f.write(WEB_TOKEN + "\n")
        self.creds_file = os.path.join(tmp, "credentials")

    def write_credentials(self):
        with open(self.creds_file, "w") as f:
            f.write("[default]\naws_access_key_id = AKIDSHAREDFILE000001\n"
                    "aws_secret_access_key = %s\n" % FILE_SECRET)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AWS_")}
        env.update({
            "HOME": self.tmp,
            "ACM_INBOX_CREDS_PROBE": "1",
            "AWS_CONFIG_FILE": os.path.join(self.tmp, "config"),
            "AWS_SHARED_CREDENTIALS_FILE": self.creds_file,
            "AWS_REGION": "us-east-1",
            # Any request meant for AWS stays on the stand-in.
            "AWS_ENDPOINT_URL": self.fake.url,
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def all_sources(self, fake=None):
        """Every source configured; the stand-in serves the HTTP ones."""
        url = (fake or self.fake).url
        return {
            "AWS_ACCESS_KEY_ID": "AKIDENVIRONMENT00001",
            "AWS_SECRET_ACCESS_KEY": ENV_SECRET,
            "AWS_WEB_IDENTITY_TOKEN_FILE": self.token_file,
            "AWS_ROLE_ARN": metadata_server.ROLE_ARN,
            "AWS_ENDPOINT_URL_STS": url,
            "AWS_CONTAINER_CREDENTIALS_FULL_URI":
                url + "/container/credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": CONTAINER_TOKEN,
            "AWS_EC2_METADATA_DISABLED": None,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": url,
        }


def run_probe(env, gets=1):
    env = dict(env, ACM_INBOX_CREDS_GETS=str(gets))
    return subprocess.run([PROBE], env=env, capture_output=True, text=True,
                          timeout=120)


def secrets_in(text, fake):
    """Returns the secrets that appear in text."""
    values = [ENV_SECRET, FILE_SECRET, WEB_TOKEN, CONTAINER_TOKEN]
    for _, secret, session in metadata_server.CREDENTIALS.values():
        values += [secret, session]
    values += fake.state()["imds_tokens"]
    return [v for v in values if v in text]


def check_run(tap, case, name, env, source, key_id, requests, gets=1,
              fake=None):
    """Runs the probe; checks its output, the requests and the log."""
    fake = fake or case.fake
    before = fake.counts()
    result = run_probe(env, gets)
    tap.eq(result.returncode, 0, "%s: probe succeeds" % name) or \
        print("#   " + result.stderr.replace("\n", "\n#   "))
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    tap.eq([line[:2] for line in lines], [[source, key_id]] * gets,
           "%s: source and key id" % name)
    tap.eq(delta(before, fake.counts()), requests,
           "%s: requests to the stand-in" % name)
    tap.ok("credentials: from %s" % source in result.stderr,
           "%s: debug log written" % name, result.stderr)
    tap.eq(secrets_in(result.stderr + result.stdout, fake), [],
           "%s: no secret in the output" % name)
    return result


def check_failure(tap, case, name, env, message, requests):
    before = case.fake.counts()
    result = run_probe(env)
    tap.eq(result.returncode, 1, "%s: probe fails" % name)
    tap.ok(message in result.stderr, "%s: error explains" % name,
           result.stderr)
    tap.eq(delta(before, case.fake.counts()), requests,
           "%s: requests to the stand-in" % name)
    tap.eq(secrets_in(result.stderr, case.fake), [],
           "%s: no secret in the output" % name)


def test_order(tap, case):
    """Each source wins over the later ones; the later are not asked."""
    sources = case.all_sources()
    case.write_credentials()
    check_run(tap, case, "environment first", case.env(**sources),
              "environment", "AKIDENVIRONMENT00001", {})
    sources.update(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    check_run(tap, case, "web identity second", case.env(**sources),
              "web identity", "AKIDSTSSTANDIN000001", {"sts": 1})
    sources.update(AWS_WEB_IDENTITY_TOKEN_FILE=None)
    check_run(tap, case, "shared files third", case.env(**sources),
              "shared files", "AKIDSHAREDFILE000001", {})
    os.unlink(case.creds_file)
    check_run(tap, case, "container fourth", case.env(**sources),
              "container", "AKIDCONTAINERSTAND01", {"container": 1})
    sources.update(AWS_CONTAINER_CREDENTIALS_FULL_URI=None)
    check_run(tap, case, "instance metadata last", case.env(**sources),
              "instance metadata", "AKIDIMDSSTANDIN00001",
              {"imds_token": 1, "imds_roles": 1, "imds_credentials": 1})
    sources.update(AWS_EC2_METADATA_DISABLED="true")
    check_failure(tap, case, "instance metadata disabled",
                  case.env(**sources),
                  "instance metadata (disabled by AWS_EC2_METADATA_DISABLED)",
                  {})


def test_failures(tap, case):
    """A configured source that fails stops the chain with its reason."""
    sources = case.all_sources()
    sources.update(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None)
    bad_token = os.path.join(case.tmp, "bad-token")
    with open(bad_token, "w") as f:
        f.write("not-the-expected-token\n")
    check_failure(tap, case, "wrong web identity token",
                  case.env(**dict(sources,
                                  AWS_WEB_IDENTITY_TOKEN_FILE=bad_token)),
                  "InvalidIdentityToken", {"sts_denied": 1})
    sources.update(AWS_WEB_IDENTITY_TOKEN_FILE=None)
    check_failure(tap, case, "wrong container token",
                  case.env(**dict(sources,
                                  AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong")),
                  "HTTP 403", {"container_denied": 1})
    token_file = os.path.join(case.tmp, "container-token")
    with open(token_file, "w") as f:
        f.write(CONTAINER_TOKEN + "\n")
    check_run(tap, case, "container token file",
              case.env(**dict(sources,
                              AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong",
                              AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=(
                                  token_file))),
              "container", "AKIDCONTAINERSTAND01", {"container": 1})


def test_refresh(tap, case, short):
    """Credentials expiring within 5 minutes are fetched on every get."""
    for fake, name, times in ((case.fake, "long-lived imds cached", 1),
                              (short, "expiring imds fetched again", 2)):
        sources = case.all_sources(fake)
        sources.update(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                       AWS_WEB_IDENTITY_TOKEN_FILE=None,
                       AWS_CONTAINER_CREDENTIALS_FULL_URI=None)
        check_run(tap, case, name, case.env(**sources),
                  "instance metadata", "AKIDIMDSSTANDIN00001",
                  {"imds_token": times, "imds_roles": times,
                   "imds_credentials": times}, gets=2, fake=fake)
    sources = case.all_sources(short)
    sources.update(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                   AWS_WEB_IDENTITY_TOKEN_FILE=None)
    check_run(tap, case, "expiring container fetched again",
              case.env(**sources), "container", "AKIDCONTAINERSTAND01",
              {"container": 2}, gets=2, fake=short)
    sources["AWS_WEB_IDENTITY_TOKEN_FILE"] = case.token_file
    check_run(tap, case, "expiring web identity fetched again",
              case.env(**sources), "web identity", "AKIDSTSSTANDIN000001",
              {"sts": 2}, gets=2, fake=short)


def test_fake_requires_token(tap, case):
    """The stand-in rejects IMDS reads without a session token."""
    url = case.fake.url + metadata_server.ROLE_PATH
    try:
        urllib.request.urlopen(url, timeout=10).close()
        status = 200
    except urllib.error.HTTPError as error:
        status = error.code
    tap.eq(status, 401, "stand-in IMDS needs a token")


def main():
    tap = Tap()
    if not os.access(PROBE, os.X_OK):
        tap.ok(False, "probe built", "%s is missing; run make tests" % PROBE)
        tap.exit()
    tmp = tempfile.mkdtemp(prefix="acm-inbox-creds-")
    try:
        case = Case(tmp, Fake(expires_in=3600))
        short = Fake(expires_in=60)
        test_fake_requires_token(tap, case)
        test_order(tap, case)
        test_failures(tap, case)
        test_refresh(tap, case, short)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tap.exit()


if __name__ == "__main__":
    main()
