#!/usr/bin/env python3
"""The extraction `acm-inbox inspect --json` does, in plain Python.

This is the script a team would otherwise write.  The standard email
package parses each message and re finds the ACM fields and the links.
The links are unwrapped (SafeLinks, Proofpoint v2 and v3) and checked,
and the SES verdicts above X-SES-RECEIPT are read.  It prints one JSON
object per message, like inspect.  bench/inspect.sh compares the two.

    bench/inspect_python.py FILE...
"""

import base64
import email
import email.policy
import html
import json
import re
import sys
from urllib.parse import parse_qs, unquote, urlsplit

FIELDS = {
    "domain": re.compile(r"^[ \t>]*Domain:[ \t]*(\S+)[ \t]*$", re.M | re.I),
    "account": re.compile(r"^[ \t>]*AWS account ID:[ \t]*(\S+)[ \t]*$",
                          re.M | re.I),
    "region": re.compile(r"^[ \t>]*AWS Region name:[ \t]*(\S+)[ \t]*$",
                         re.M | re.I),
    "certificate": re.compile(
        r"^[ \t>]*Certificate Identifier:[ \t]*(\S+)[ \t]*$", re.M | re.I),
}
SUBJECT = re.compile(r"^\s*(?:(?:re|fwd?|aw|wg|tr)\s*:\s*)*Certificate "
                     r"(?:request|approval) for (\S+)\s*$", re.I)
URL = re.compile(r"https?://[^\s<>\"'()\[\]{}]+", re.I)
HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']*)["']""", re.I)
TAG = re.compile(r"<[^>]+>")
REGION = re.compile(r"^(us-gov|us-iso|us-isob|cn|us|eu|ap|sa|ca|me|af|il|mx)"
                    r"-(north|south|east|west|central|northeast|northwest|"
                    r"southeast|southwest)-[1-9][0-9]?$")
HOSTS = [re.compile(r"^([a-z0-9-]+)\.acm-certificates\.amazon\.com$"),
         re.compile(r"^([a-z0-9-]+)\.acm-certificates\.amazonaws\.cn$"),
         re.compile(r"^([a-z0-9-]+)\.certificates\.amazon\.com$")]
APPROVAL = re.compile(r"^https://([A-Za-z0-9.-]+)(:443)?/approvals\?"
                      r"([A-Za-z0-9._~=&%-]*)$")
V3 = re.compile(r"^https?://urldefense\.com/v3/__(.+?)__;([A-Za-z0-9_-]*)!",
                re.I | re.S)
V3_RUNS = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
           "0123456789-_")


def unwrap_v3(wrapped, encoded):
    chars = base64.urlsafe_b64decode(encoded + "==").decode("utf-8")
    out, pos, i = [], 0, 0
    while i < len(wrapped):
        if wrapped[i] != "*":
            out.append(wrapped[i])
            i += 1
            continue
        run = 1
        if wrapped[i + 1:i + 2] == "*":
            run = V3_RUNS.index(wrapped[i + 2]) + 2
            i += 2
        out.append(chars[pos:pos + run])
        pos += run
        i += 1
    return "".join(out)


def unwrap(url):
    try:
        return unwrap_layers(url)
    except (KeyError, ValueError, IndexError):
        return None


def unwrap_layers(url):
    for _ in range(4):
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host.endswith(".safelinks.protection.outlook.com"):
            url = parse_qs(parts.query)["url"][0]
        elif host == "urldefense.proofpoint.com":
            u = parse_qs(parts.query)["u"][0]
            url = unquote(u.replace("-", "%").replace("_", "/"))
        elif V3.match(url):
            m = V3.match(url)
            url = unwrap_v3(m.group(1), m.group(2))
        else:
            return url
    return None


def validate(url):
    m = APPROVAL.match(url)
    if not m:
        return None
    host = m.group(1).lower()
    region = None
    if host != "certificates.amazon.com":
        for pattern in HOSTS:
            hm = pattern.match(host)
            if hm:
                region = hm.group(1)
                break
        if region is None or not REGION.match(region):
            return None
        if region.startswith("cn-") != host.endswith(".cn"):
            return None
    query = parse_qs(m.group(3), keep_blank_values=True)
    if len(query.get("code", [])) != 1 or len(query.get("context", [])) != 1:
        return None
    if not query["code"][0] or not query["context"][0]:
        return None
    return host, region, query["code"][0], query["context"][0]


def trusted_verdicts(msg):
    verdicts = {}
    for name, value in msg.raw_items():
        lower = name.lower()
        if lower == "x-ses-receipt":
            return verdicts
        value = re.sub(r"\s+", " ", str(value))
        if lower in ("x-ses-spam-verdict", "x-ses-virus-verdict"):
            verdicts.setdefault(lower[6:-8], value.strip().lower())
        elif lower == "authentication-results":
            clauses = re.sub(r"\([^)]*\)", "", value).split(";")
            if clauses[0].strip().split(" ")[0].lower() != "amazonses.com":
                continue
            for clause in clauses[1:]:
                m = re.match(r"\s*(spf|dkim|dmarc)=(\S+)", clause, re.I)
                if m:
                    key, result = m.group(1).lower(), m.group(2).lower()
                    if key == "dkim" and result == "pass":
                        verdicts["dkim"] = "pass"
                    verdicts.setdefault(key, result)
    return {}


def texts(msg):
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue
        try:
            content = part.get_content()
        except (LookupError, ValueError):
            payload = part.get_payload(decode=True) or b""
            content = payload.decode("utf-8", "replace")
        content = content.replace("\r\n", "\n").replace("\0", " ")
        yield ctype == "text/html", content


def inspect(path):
    with open(path, "rb") as fh:
        msg = email.message_from_binary_file(fh, policy=email.policy.default)
    found = {key: [] for key in FIELDS}
    links = []
    for is_html, text in texts(msg):
        urls = []
        if is_html:
            urls = [html.unescape(h) for h in HREF.findall(text)]
            text = html.unescape(TAG.sub(" ", re.sub(
                r"(?i)</(p|tr|div|li|table)>|<br\s*/?>", "\n", text)))
        urls += URL.findall(text)
        for key, pattern in FIELDS.items():
            for value in pattern.findall(text):
                if value not in found[key]:
                    found[key].append(value)
        for url in urls:
            inner = unwrap(url.rstrip(".,;:!?"))
            checked = validate(inner) if inner else None
            if checked and checked not in links:
                links.append(checked)
    subject = str(msg.get("Subject", ""))
    m = SUBJECT.match(subject)
    account = found["account"][0].replace("-", "") if found["account"] \
        else None
    result = {
        "is_acm": bool(m) or bool(found["domain"] and found["account"]),
        "from": str(msg.get("From", "")),
        "subject": subject,
        "domain": found["domain"][0].lower() if found["domain"] else None,
        "requested_domain": m.group(1).lower() if m else None,
        "account_id": account,
        "region": found["region"][0] if found["region"] else None,
        "certificate": found["certificate"][0] if found["certificate"]
        else None,
        "approval_url": ("https://%s/approvals?code=%s&context=%s"
                         % (links[0][0], links[0][2], links[0][3])
                         if len(links) == 1 else None),
        "authentication": trusted_verdicts(msg),
    }
    return result


def main():
    for path in sys.argv[1:]:
        result = inspect(path)
        result["source"] = path
        print(json.dumps(result))


if __name__ == "__main__":
    main()
