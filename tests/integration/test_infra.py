#!/usr/bin/env python3
"""setup, status and teardown against moto_server.

The tool talks to moto through tests/fakes/counting_proxy.py, which
records every request, so "makes no write call" is checked on the wire;
boto3 reads the results straight from moto as an independent client.
"""

import json
import os
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import stand  # noqa: E402

FAKES = os.path.join(stand.TOP, "tests", "fakes")
DOMAIN = "example.com"
ACCOUNT = stand.ACCOUNT
REGION = "us-east-1"
BUCKET = "acm-inbox-%s-%s" % (ACCOUNT, REGION)
RULE = "acm-inbox-example.com"
TOPIC_ARN = "arn:aws:sns:%s:%s:acm-inbox" % (REGION, ACCOUNT)
MX = "10 inbound-smtp.us-east-1.amazonaws.com"
ACM_ADDRESSES = sorted("%s@%s" % (box, DOMAIN) for box in (
    "admin", "administrator", "hostmaster", "postmaster", "webmaster"))
READ_PREFIXES = ("Describe", "Get", "List")


class Stand:
    """moto (with the SES gaps filled) behind the counting proxy."""

    def __init__(self):
        stand.check_moto()
        self.moto_port = stand.free_port()
        self.moto_url = "http://127.0.0.1:%d" % self.moto_port
        env = dict(os.environ)
        env.update(stand.base_env())
        stand.start_process(
            [sys.executable, os.path.join(FAKES, "moto_ses.py"),
             "-H", "127.0.0.1", "-p", str(self.moto_port)],
            ready_url=self.moto_url + "/moto-api/", env=env)
        self.seen = []  # every request of every run, for the IAM check
        self.port = stand.free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        stand.start_process(
            [sys.executable, os.path.join(FAKES, "counting_proxy.py"),
             str(self.port), str(self.moto_port)], ready_port=self.port)

    def client(self, service, region=REGION):
        import boto3
        return boto3.client(service, region_name=region,
                            endpoint_url=self.moto_url,
                            aws_access_key_id=stand.ACCESS_KEY,
                            aws_secret_access_key=stand.SECRET_KEY)

    def _post(self, url):
        req = urllib.request.Request(url, method="POST", data=b"")
        urllib.request.urlopen(req, timeout=10).close()

    def reset(self):
        """Forget every AWS resource, record and denial."""
        self._post(self.moto_url + "/moto-api/reset")
        self._post(self.url + "/__proxy/reset")

    def deny(self, action):
        self._post(self.url + "/__proxy/deny?action=" + action)

    def clear_log(self):
        self._post(self.url + "/__proxy/clear")

    def requests(self):
        with urllib.request.urlopen(self.url + "/__proxy/log",
                                    timeout=10) as answer:
            return json.loads(answer.read())

    def writes(self):
        """Requests that may change something."""
        found = []
        for rec in self.requests():
            if rec["action"] is not None:
                if not rec["action"].startswith(READ_PREFIXES):
                    found.append(rec)
            elif rec["method"] not in ("GET", "HEAD"):
                found.append(rec)
        return found

    def run(self, *args, region=REGION, endpoint=None):
        """Run the tool with an empty request log; returns CompletedProcess."""
        self.clear_log()
        env = stand.tool_env(endpoint or self.url, AWS_REGION=region,
                             AWS_DEFAULT_REGION=region,
                             ACM_INBOX_RETRY_BASE_MS="1")
        proc = stand.run_tool(list(args), env=env)
        self.seen.extend(self.requests())
        proc.out = proc.stdout.decode(errors="replace")
        proc.err = proc.stderr.decode(errors="replace")
        return proc


def make_zone(st, name=DOMAIN):
    zone = st.client("route53").create_hosted_zone(
        Name=name, CallerReference="ref-" + name)
    return zone["HostedZone"]["Id"].split("/")[-1]


def records(st, zone_id, name, rtype):
    answer = st.client("route53").list_resource_record_sets(
        HostedZoneId=zone_id, StartRecordName=name, StartRecordType=rtype,
        MaxItems="1")
    for rrset in answer["ResourceRecordSets"]:
        if rrset["Name"] == name + "." and rrset["Type"] == rtype:
            return [rr["Value"] for rr in rrset["ResourceRecords"]]
    return None


def detail(proc):
    return "exit %d\nstdout:\n%s\nstderr:\n%s" % (proc.returncode, proc.out,
                                                    proc.err)


def test_invalid_input(tap, st):
    cases = [
        ("bad domain", ["setup", "exa_mple.com"], "invalid domain"),
        ("one label", ["setup", "localhost"], "at least two labels"),
        ("long label", ["setup", "a" * 64 + ".com"], "63"),
        ("bad recipient", ["setup", DOMAIN, "--recipients",
                           "admin@other.org"], "invalid recipient"),
        ("long prefix", ["setup", DOMAIN, "--prefix", "p" * 229 + "/"],
         "longer than 229 bytes"),
    ]
    for name, args, text in cases:
        proc = st.run(*args)
        tap.eq(proc.returncode, 2, "%s: exit status 2" % name)
        tap.ok(text in proc.err, "%s: message names the problem" % name,
               detail(proc))
        tap.eq(st.requests(), [], "%s: no AWS call" % name)


def test_region_without_receiving(tap, st):
    proc = st.run("setup", DOMAIN, region="us-west-1")
    tap.eq(proc.returncode, 2, "region without receiving: exit 2")
    tap.ok("us-west-1" in proc.err and "eu-west-1" in proc.err,
           "region without receiving: lists valid regions", detail(proc))
    tap.eq(st.requests(), [], "region without receiving: no AWS call")


def test_no_hosted_zone(tap, st):
    st.reset()
    proc = st.run("setup", DOMAIN)
    tap.eq(proc.returncode, 1, "no hosted zone: exit 1")
    tap.ok("no public hosted zone" in proc.err,
           "no hosted zone: clear message", detail(proc))
    tap.eq(st.writes(), [], "no hosted zone: no write call")


def test_dry_run(tap, st):
    st.reset()
    make_zone(st)
    proc = st.run("setup", DOMAIN, "--dry-run")
    tap.eq(proc.returncode, 0, "dry run: exit 0")
    tap.ok("create     receipt rule" in proc.out and
           "Dry run" in proc.out, "dry run: prints the plan", detail(proc))
    tap.eq(st.writes(), [], "dry run: no write call")
    buckets = st.client("s3").list_buckets()["Buckets"]
    tap.eq(buckets, [], "dry run: no bucket made")


def check_bucket(tap, st):
    s3 = st.client("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    ours = [s for s in policy["Statement"]
            if s.get("Sid", "").startswith("AcmInboxSesPut")]
    tap.eq(len(ours), 1, "bucket policy: one statement for the domain")
    st0 = ours[0] if ours else {}
    tap.eq(st0.get("Principal"), {"Service": "ses.amazonaws.com"},
           "bucket policy: SES principal")
    tap.eq(st0.get("Action"), "s3:PutObject", "bucket policy: PutObject")
    tap.eq(st0.get("Resource"), "arn:aws:s3:::%s/acm-inbox/*" % BUCKET,
           "bucket policy: prefix resource")
    tap.eq(st0.get("Condition", {}).get("StringEquals"), {
        "AWS:SourceAccount": ACCOUNT,
        "AWS:SourceArn": "arn:aws:ses:%s:%s:receipt-rule-set/acm-inbox:"
                         "receipt-rule/%s" % (REGION, ACCOUNT, RULE)},
        "bucket policy: source account and rule conditions")

    block = s3.get_public_access_block(Bucket=BUCKET)
    tap.ok(all(block["PublicAccessBlockConfiguration"].values()) and
           len(block["PublicAccessBlockConfiguration"]) == 4,
           "public access block: all four on", block)

    enc = s3.get_bucket_encryption(Bucket=BUCKET)
    rule = enc["ServerSideEncryptionConfiguration"]["Rules"][0]
    tap.eq(rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
           "AES256", "encryption: SSE-S3")

    life = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    prefixes = sorted(r["Filter"]["Prefix"] for r in life)
    tap.eq(prefixes, sorted("acm-inbox/%s/" % o for o in (
        "approved", "held", "ignored", "expired", "failed", "results")),
        "lifecycle: outcome prefixes only")
    tap.ok(all(r["Expiration"]["Days"] == 90 and r["Status"] == "Enabled"
               for r in life), "lifecycle: expire after 90 days", life)
    tap.ok("acm-inbox/inbox/" not in prefixes,
           "lifecycle: inbox never expires", prefixes)


def check_dns_and_identity(tap, st, zone_id):
    ses = st.client("ses")
    attrs = ses.get_identity_verification_attributes(
        Identities=[DOMAIN])["VerificationAttributes"]
    tap.ok(DOMAIN in attrs, "identity: exists")
    token = attrs.get(DOMAIN, {}).get("VerificationToken")
    tap.eq(records(st, zone_id, "_amazonses." + DOMAIN, "TXT"),
           ['"%s"' % token], "TXT: quoted token")
    tap.eq(records(st, zone_id, DOMAIN, "MX"), [MX], "MX: SES inbound")


def check_topic(tap, st):
    sns = st.client("sns")
    arns = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    tap.ok(TOPIC_ARN in arns, "topic: exists", arns)
    attrs = sns.get_topic_attributes(TopicArn=TOPIC_ARN)["Attributes"]
    policy = json.loads(attrs["Policy"])
    ours = [s for s in policy["Statement"]
            if s.get("Sid") == "AcmInboxSesPublish"]
    tap.eq(len(ours), 1, "topic policy: SES statement present")
    st0 = ours[0] if ours else {}
    tap.eq(st0.get("Principal"), {"Service": "ses.amazonaws.com"},
           "topic policy: SES principal")
    tap.eq(st0.get("Condition"),
           {"StringEquals": {"AWS:SourceAccount": ACCOUNT}},
           "topic policy: source account condition")
    tap.ok(len(policy["Statement"]) > 1,
           "topic policy: default statement kept", policy)


def check_rule(tap, st, rule_set="acm-inbox"):
    ses = st.client("ses")
    active = ses.describe_active_receipt_rule_set()
    tap.eq(active.get("Metadata", {}).get("Name"), rule_set,
           "rule set: active")
    rule = ses.describe_receipt_rule(RuleSetName=rule_set,
                                     RuleName=RULE)["Rule"]
    tap.ok(rule["Enabled"] is True, "rule: enabled")
    tap.ok(rule["ScanEnabled"] is True, "rule: scanning on")
    tap.eq(rule["TlsPolicy"], "Require", "rule: TLS required")
    tap.eq(sorted(rule["Recipients"]), ACM_ADDRESSES,
           "rule: the five ACM addresses")
    tap.eq(rule["Actions"], [{"S3Action": {
        "BucketName": BUCKET, "ObjectKeyPrefix": "acm-inbox/inbox/",
        "TopicArn": TOPIC_ARN}}], "rule: one S3 action with topic")
    return active


def test_setup(tap, st):
    st.reset()
    zone_id = make_zone(st)
    proc = st.run("setup", DOMAIN)
    tap.eq(proc.returncode, 0, "setup: exit 0")
    if not tap.ok("Status of example.com" in proc.out,
                  "setup: prints the status table", detail(proc)):
        return
    tap.ok(" wrong " not in proc.out and " missing " not in proc.out,
           "setup: status all ok", proc.out)
    check_bucket(tap, st)
    check_dns_and_identity(tap, st, zone_id)
    check_topic(tap, st)
    check_rule(tap, st)

    again = st.run("setup", DOMAIN)
    tap.eq(again.returncode, 0, "second setup: exit 0")
    tap.ok("No changes" in again.out, "second setup: no changes",
           detail(again))
    tap.eq(st.writes(), [], "second setup: no write call")

    status = st.run("status", DOMAIN)
    tap.eq(status.returncode, 0, "status after setup: exit 0")
    tap.eq(st.writes(), [], "status: no write call")

    st.client("s3").put_object(Bucket=BUCKET, Key="acm-inbox/held/m1",
                               Body=b"held message")
    down = st.run("teardown", DOMAIN, "--delete-bucket", "--force")
    tap.eq(down.returncode, 0, "teardown: exit 0")
    tap.ok("removed" in down.out, "teardown: prints what it removed",
           detail(down))
    tap.ok(" 1 object\n" in down.out, "teardown --force: deleted the object",
           detail(down))
    check_all_gone(tap, st, zone_id)
    status = st.run("status", DOMAIN)
    tap.eq(status.returncode, 1, "status after teardown: exit 1")
    tap.ok(" missing " in status.out, "status after teardown: missing",
           status.out)


def check_all_gone(tap, st, zone_id):
    ses = st.client("ses")
    tap.eq(ses.list_identities()["Identities"], [], "teardown: identity")
    tap.eq(ses.list_receipt_rule_sets().get("RuleSets", []), [],
           "teardown: rule set it created")
    tap.eq(records(st, zone_id, "_amazonses." + DOMAIN, "TXT"), None,
           "teardown: TXT record")
    tap.eq(records(st, zone_id, DOMAIN, "MX"), None, "teardown: MX record")
    tap.eq(st.client("sns").list_topics()["Topics"], [], "teardown: topic")
    tap.eq(st.client("s3").list_buckets()["Buckets"], [],
           "teardown: bucket")


def test_existing_rule_set(tap, st):
    st.reset()
    zone_id = make_zone(st)
    ses = st.client("ses")
    ses.create_receipt_rule_set(RuleSetName="corp")
    ses.create_receipt_rule(RuleSetName="corp", Rule={
        "Name": "corp-rule", "Enabled": True,
        "Recipients": ["info@corp.example"]})
    ses.set_active_receipt_rule_set(RuleSetName="corp")
    proc = st.run("setup", DOMAIN, "--no-wait")
    tap.eq(proc.returncode, 0, "existing rule set: exit 0")
    rules = ses.describe_receipt_rule_set(RuleSetName="corp")["Rules"]
    tap.eq([r["Name"] for r in rules], ["corp-rule", RULE],
           "existing rule set: other rule kept, ours after it")
    active = ses.describe_active_receipt_rule_set()["Metadata"]["Name"]
    tap.eq(active, "corp", "existing rule set: stays active")

    ses.update_receipt_rule(RuleSetName="corp", Rule={
        "Name": RULE, "Enabled": True, "Recipients": ["admin@" + DOMAIN]})
    proc = st.run("setup", DOMAIN, "--no-wait")
    tap.eq(proc.returncode, 0, "changed rule: exit 0")
    tap.ok("update     receipt rule" in proc.out,
           "changed rule: planned as update", detail(proc))
    rule = ses.describe_receipt_rule(RuleSetName="corp", RuleName=RULE)
    tap.eq(sorted(rule["Rule"]["Recipients"]), ACM_ADDRESSES,
           "changed rule: recipients restored")
    writes = [w["action"] for w in st.writes()]
    tap.eq(writes, ["UpdateReceiptRule"], "changed rule: only the update")

    proc = st.run("teardown", DOMAIN)
    rules = ses.describe_receipt_rule_set(RuleSetName="corp")["Rules"]
    tap.eq([r["Name"] for r in rules], ["corp-rule"],
           "teardown: other rule and rule set kept")
    tap.ok(records(st, zone_id, DOMAIN, "MX") is None,
           "teardown: MX removed")


def test_mx_conflict(tap, st):
    st.reset()
    zone_id = make_zone(st)
    st.client("route53").change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{
            "Action": "CREATE", "ResourceRecordSet": {
                "Name": DOMAIN, "Type": "MX", "TTL": 600,
                "ResourceRecords": [{"Value": "10 mx.other.example"}]}}]})
    proc = st.run("setup", DOMAIN)
    tap.eq(proc.returncode, 1, "MX elsewhere: exit 1")
    tap.ok("--replace-mx" in proc.err, "MX elsewhere: says how to replace",
           detail(proc))
    tap.eq(st.writes(), [], "MX elsewhere: no write call")
    proc = st.run("setup", DOMAIN, "--replace-mx", "--no-wait")
    tap.eq(proc.returncode, 0, "--replace-mx: exit 0")
    tap.eq(records(st, zone_id, DOMAIN, "MX"), [MX], "--replace-mx: MX")


def test_access_denied(tap, st):
    st.reset()
    make_zone(st)
    st.deny("DescribeActiveReceiptRuleSet")
    proc = st.run("setup", DOMAIN)
    tap.eq(proc.returncode, 3, "denied read: exit 3")
    tap.ok("AccessDenied" in proc.err and "iam-policy" in proc.err,
           "denied read: names the error and the policy", detail(proc))
    tap.eq(st.writes(), [], "denied read: no write call")

    st.reset()
    make_zone(st)
    st.deny("CreateReceiptRule")
    proc = st.run("setup", DOMAIN)
    tap.eq(proc.returncode, 3, "denied write: exit 3")
    tap.ok("AccessDenied" in proc.err, "denied write: names the error",
           detail(proc))
    tap.ok("not made   receipt rule" in proc.out and
           "created    bucket" in proc.out,
           "denied write: says what was made and what not", detail(proc))


def test_teardown_keeps_others(tap, st):
    st.reset()
    make_zone(st)
    s3 = st.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    other = {"Sid": "Backup", "Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
             "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::%s/*" % BUCKET}
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [other]}))
    proc = st.run("setup", DOMAIN, "--no-wait")
    tap.eq(proc.returncode, 0, "shared bucket: setup exit 0")
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    tap.eq(len(policy["Statement"]), 2, "shared bucket: statement merged")
    s3.put_object(Bucket=BUCKET, Key="acm-inbox/inbox/msg", Body=b"x")

    proc = st.run("teardown", DOMAIN, "--delete-bucket")
    tap.eq(proc.returncode, 1, "non-empty bucket: teardown exit 1")
    tap.ok("--force" in proc.out, "non-empty bucket: says --force",
           detail(proc))
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    tap.eq(names, [BUCKET], "non-empty bucket: kept")
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    tap.eq(policy["Statement"], [other],
           "teardown: only its own statement removed")


def test_teardown_of_one_domain(tap, st):
    st.reset()
    make_zone(st)
    make_zone(st, "example.org")
    for domain in (DOMAIN, "example.org"):
        proc = st.run("setup", domain, "--no-wait")
        tap.eq(proc.returncode, 0, "two domains: setup %s exit 0" % domain)
    s3 = st.client("s3")
    before = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    proc = st.run("teardown", DOMAIN)
    tap.eq(proc.returncode, 0, "two domains: teardown exit 0")
    try:
        after = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    except Exception:  # no lifecycle configuration left at all
        after = []
    tap.eq(sorted(r["ID"] for r in after), sorted(r["ID"] for r in before),
           "two domains: the other domain's expiry rules are kept")
    status = st.run("status", "example.org")
    tap.ok(status.returncode == 0,
           "two domains: the other is still set up", detail(status))


def test_unreachable(tap, st):
    closed = "http://127.0.0.1:%d" % stand.free_port()
    proc = st.run("status", DOMAIN, endpoint=closed)
    tap.eq(proc.returncode, 3, "unreachable: status exit 3")
    tap.ok(proc.err.strip() != "", "unreachable: says why", detail(proc))


S3_SUBRESOURCES = {
    "policy": ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"),
    "publicAccessBlock": ("GetBucketPublicAccessBlock",
                          "PutBucketPublicAccessBlock", None),
    "encryption": ("GetEncryptionConfiguration",
                   "PutEncryptionConfiguration", None),
    # DeleteBucketLifecycle is authorized by s3:PutLifecycleConfiguration.
    "lifecycle": ("GetLifecycleConfiguration", "PutLifecycleConfiguration",
                  "PutLifecycleConfiguration"),
}


def s3_permission(rec):
    parts = [p for p in rec["path"].split("/") if p]
    sub = rec["query"].split("=")[0].split("&")[0]
    method = rec["method"]
    if sub in S3_SUBRESOURCES:
        get, put, delete = S3_SUBRESOURCES[sub]
        return {"GET": get, "PUT": put, "DELETE": delete}[method]
    if len(parts) > 1:
        return {"GET": "GetObject", "PUT": "PutObject",
                "DELETE": "DeleteObject"}[method]
    return {"HEAD": "ListBucket", "GET": "ListBucket", "PUT": "CreateBucket",
            "DELETE": "DeleteBucket"}[method]


def route53_permission(rec):
    path = rec["path"]
    if path.endswith("/hostedzonesbyname"):
        return "ListHostedZonesByName"
    if "/change/" in path:
        return "GetChange"
    if "/hostedzone/" in path and not path.endswith("/rrset"):
        return "GetHostedZone"
    if path.endswith("/rrset"):
        return ("ChangeResourceRecordSets" if rec["method"] == "POST"
                else "ListResourceRecordSets")
    return "unknown:" + path


def permission(rec):
    service = rec["service"]
    if rec["action"] is not None:
        return "%s:%s" % (service, rec["action"])
    if service == "s3":
        return "s3:" + s3_permission(rec)
    if service == "route53":
        return "route53:" + route53_permission(rec)
    return "%s:%s %s" % (service, rec["method"], rec["path"])


def test_zone_choice(tap, st):
    st.reset()
    make_zone(st, "example.com")
    sub_zone = make_zone(st, "sub.example.com")
    st.client("route53").create_hosted_zone(
        Name="a.sub.example.com", CallerReference="private",
        VPC={"VPCRegion": REGION, "VPCId": "vpc-12345678"},
        HostedZoneConfig={"PrivateZone": True})
    proc = st.run("setup", "a.sub.example.com", "--no-wait")
    tap.eq(proc.returncode, 0, "zone choice: exit 0")
    tap.eq(records(st, sub_zone, "a.sub.example.com", "MX"), [MX],
           "zone choice: longest public zone gets the MX")

    other = make_zone(st, "example.net")
    proc = st.run("setup", "mail.example.org", "--hosted-zone",
                  "/hostedzone/" + other)
    tap.eq(proc.returncode, 1, "--hosted-zone of another domain: exit 1")
    tap.ok("for another domain" in proc.err,
           "--hosted-zone of another domain: says so", detail(proc))
    tap.eq(st.writes(), [], "--hosted-zone of another domain: no write")

    parent = st.client("route53").list_hosted_zones_by_name(
        DNSName="example.com")["HostedZones"][0]["Id"].split("/")[-1]
    proc = st.run("setup", "b.sub.example.com", "--hosted-zone", parent,
                  "--no-wait")
    tap.eq(proc.returncode, 0, "--hosted-zone: exit 0")
    tap.eq(records(st, parent, "b.sub.example.com", "MX"), [MX],
           "--hosted-zone: records in the given zone")


def test_status_and_dry_teardown(tap, st):
    st.reset()
    zone_id = make_zone(st)
    st.run("setup", DOMAIN, "--no-wait")
    st.client("route53").change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": [{
            "Action": "DELETE", "ResourceRecordSet": {
                "Name": DOMAIN, "Type": "MX", "TTL": 300,
                "ResourceRecords": [{"Value": MX}]}}]})
    proc = st.run("status", DOMAIN)
    tap.eq(proc.returncode, 1, "status, MX deleted: exit 1")
    tap.ok("MX record      missing" in proc.out,
           "status, MX deleted: reported missing", detail(proc))
    tap.eq(st.writes(), [], "status: no write call")

    proc = st.run("teardown", DOMAIN, "--dry-run", "--delete-bucket")
    tap.eq(proc.returncode, 0, "teardown dry run: exit 0")
    tap.ok("would remove" in proc.out, "teardown dry run: lists removals",
           detail(proc))
    tap.eq(st.writes(), [], "teardown dry run: no write call")


def test_verification_pending(tap, st):
    st.reset()
    make_zone(st)
    st._post(st.url + "/__proxy/pending")
    proc = st.run("setup", DOMAIN, "--wait-timeout", "1")
    tap.eq(proc.returncode, 1, "pending, waited: exit 1")
    tap.ok("timed out after 1 s" in proc.err,
           "pending, waited: says it timed out", detail(proc))
    tap.ok("SES identity example.com: Pending" in proc.out,
           "pending, waited: progress lines", detail(proc))
    proc = st.run("status", DOMAIN)
    tap.eq(proc.returncode, 1, "pending: status exit 1")
    tap.ok("identity       pending" in proc.out,
           "pending: status says pending", detail(proc))
    proc = st.run("setup", DOMAIN, "--no-wait")
    tap.eq(proc.returncode, 0, "pending, --no-wait: exit 0")
    tap.ok("No changes" in proc.out, "pending, --no-wait: no changes",
           detail(proc))
    tap.eq(st.writes(), [], "pending, --no-wait: no write call")


def test_iam_policy(tap, st):
    with open(os.path.join(stand.TOP, "docs", "iam-policy.json")) as f:
        policy = json.load(f)
    allowed = set()
    for statement in policy["Statement"]:
        actions = statement["Action"]
        allowed.update([actions] if isinstance(actions, str) else actions)
    used = {permission(rec) for rec in st.seen}
    tap.ok(len(used) > 20, "IAM check: the runs made calls", sorted(used))
    tap.eq(sorted(used - allowed), [],
           "IAM policy lists every call setup, status, teardown made")
    tap.eq(sorted(allowed - used), [], "IAM policy lists no unused action")


def main():
    tap = stand.Tap()
    st = Stand()
    for test in (test_invalid_input, test_region_without_receiving,
                 test_no_hosted_zone, test_dry_run, test_setup,
                 test_existing_rule_set, test_mx_conflict,
                 test_access_denied, test_teardown_keeps_others,
                 test_teardown_of_one_domain,
                 test_unreachable, test_zone_choice,
                 test_status_and_dry_teardown, test_verification_pending,
                 test_iam_policy):
        try:
            test(tap, st)
        except Exception as error:  # report and go on with the next test
            tap.ok(False, "%s raised %s: %s" % (test.__name__,
                                                type(error).__name__, error))
    tap.exit()


if __name__ == "__main__":
    main()
