"""Messages shaped like the ones SES stores in S3, for the demo and tests.

Each message carries the verdict headers SES writes on top (spam, virus,
SPF, Authentication-Results for amazonses.com, X-SES-RECEIPT).  Its body
follows ACM's current layout (since November 2020) or the older one,
which has a dashed account ID, a bare certificate UUID and the old
approval host.
"""

import base64
import email.utils
import hashlib
import quopri
import uuid

BOUNDARY_PREFIX = "----=_Part_"


def context_for(region):
    """Return a context value the way ACM builds it: a UUID, then the
    region name in hex."""
    return str(uuid.uuid4()) + region.encode().hex()


def _receipt(seed):
    digest = hashlib.sha256(seed.encode()).digest() * 6
    return base64.b64encode(digest).decode()[:240]


def ses_headers(recipient, sender_domain, spf="pass", dkim="pass",
                dmarc="pass", virus="PASS", spam="PASS"):
    """Return the header block SES puts above a stored message."""
    now = email.utils.formatdate(usegmt=True)
    ip = "54.240.8.%d" % (sum(map(ord, recipient)) % 250 + 1)
    bounce = "0100019%s@bounces.%s" % (uuid.uuid4().hex[:20], sender_domain)
    spf_text = ("%s (spfCheck: domain of bounces.%s designates %s as "
                "permitted sender) client-ip=%s; envelope-from=%s;"
                % (spf, sender_domain, ip, ip, bounce))
    return (
        "Return-Path: <%s>\r\n"
        "Received: from a8-1.smtp-out.amazonses.com "
        "(a8-1.smtp-out.amazonses.com [%s])\r\n"
        " by inbound-smtp.us-east-1.amazonaws.com with SMTP id %s\r\n"
        " for %s;\r\n %s\r\n"
        "X-SES-Spam-Verdict: %s\r\n"
        "X-SES-Virus-Verdict: %s\r\n"
        "Received-SPF: %s\r\n"
        "Authentication-Results: amazonses.com;\r\n"
        " spf=%s\r\n"
        " dkim=%s header.i=@%s;\r\n"
        " dkim=pass header.i=@amazonses.com;\r\n"
        " dmarc=%s header.from=%s;\r\n"
        "X-SES-RECEIPT: %s\r\n"
        % (bounce, ip, uuid.uuid4().hex[:24], recipient, now, spam, virus,
           spf_text, spf_text, dkim, sender_domain, dmarc, sender_domain,
           _receipt(recipient + now)))


def acm_message(domain, account, region, certificate, code, context,
                recipient=None, legacy=False, link_host=None,
                sender_domain="certificates.amazon.com", **verdicts):
    """Return the bytes of an ACM validation email as SES stores it.

    certificate is an ARN (current layout) or a bare UUID (legacy).
    link_host overrides the approval host, for look-alike messages.
    """
    recipient = recipient or "admin@" + domain.split(".", 1)[-1]
    if link_host is None:
        link_host = ("%s.certificates.amazon.com" % region if legacy
                     else "%s.acm-certificates.amazon.com" % region)
    link = "https://%s/approvals?code=%s&context=%s" % (link_host, code,
                                                        context)
    shown_account = account
    if legacy:
        shown_account = "%s-%s-%s" % (account[:4], account[4:8], account[8:])
    subject = ("Certificate approval for %s" if legacy
               else "Certificate request for %s") % domain
    text = (
        "Greetings from Amazon Web Services,\r\n\r\n"
        "We received a request to issue an SSL/TLS certificate for %s.\r\n"
        "\r\n"
        "Verify that the following domain, AWS account ID, and certificate"
        " identifier correspond\r\n"
        "to a request from you or someone in your organization.\r\n\r\n"
        "Domain: %s\r\nAWS account ID: %s\r\nAWS Region name: %s\r\n"
        "Certificate Identifier: %s\r\n\r\n"
        "To approve this request, go to Amazon Certificate Approvals\r\n"
        "(%s)\r\nand follow the instructions on the page.\r\n\r\n"
        "Sincerely,\r\nAmazon Web Services\r\n"
        % (domain, domain, shown_account, region, certificate, link))
    html = (
        "<html><body><p>Greetings from Amazon Web Services,</p>"
        "<p>We received a request to issue an SSL/TLS certificate for "
        "<span id=\"requested_domain\">%s</span>.</p><table>"
        "<tr><td>Domain:</td><td>%s</td></tr>"
        "<tr><td>AWS account ID:</td><td>%s</td></tr>"
        "<tr><td>AWS Region name:</td><td>%s</td></tr>"
        "<tr><td>Certificate Identifier:</td><td>%s</td></tr></table>"
        "<p>To approve this request, go to <a id=\"approval_url\" "
        "href=\"%s\">Amazon Certificate Approvals</a> and follow the "
        "instructions on the page.</p></body></html>"
        % (domain, domain, shown_account, region, certificate,
           link.replace("&", "&amp;")))
    html_qp = quopri.encodestring(html.encode(), quotetabs=False)
    html_qp = html_qp.replace(b"\n", b"\r\n")
    boundary = BOUNDARY_PREFIX + uuid.uuid4().hex[:16]
    head = ses_headers(recipient, sender_domain, **verdicts)
    body = (
        "From: Amazon Certificates <no-reply@certificates.amazon.com>\r\n"
        "To: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative; boundary=\"%s\"\r\n"
        "Message-ID: <%s@email.amazonses.com>\r\nDate: %s\r\n\r\n"
        "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: 7bit\r\n\r\n%s\r\n"
        "--%s\r\nContent-Type: text/html; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        % (recipient, subject, boundary, uuid.uuid4(),
           email.utils.formatdate(usegmt=True), boundary, text, boundary))
    return ((head + body).encode() + html_qp +
            ("\r\n--%s--\r\n" % boundary).encode())


def newsletter(recipient):
    """Return an ordinary newsletter, which the worker ignores."""
    head = ses_headers(recipient, "news.example.org")
    body = (
        "From: Cloud Weekly <news@news.example.org>\r\nTo: %s\r\n"
        "Subject: This week: certificates, DNS and you\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
        "Date: %s\r\nMessage-ID: <%s@news.example.org>\r\n\r\n"
        "Read about certificate renewals at https://news.example.org/"
        "renewals and more.\r\n"
        % (recipient, email.utils.formatdate(usegmt=True), uuid.uuid4()))
    return (head + body).encode()


def setup_notification(recipient):
    """Return the test message SES stores when a receipt rule with an S3
    action is created."""
    head = ses_headers(recipient, "amazon.com")
    body = (
        "From: no-reply-aws@amazon.com\r\nTo: %s\r\n"
        "Subject: Amazon SES Setup Notification\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\nDate: %s\r\n\r\n"
        "Hello,\r\n\r\nThis is a notification from Amazon SES that the "
        "configuration of a receipt rule with an S3 action was successful."
        "\r\n" % (recipient, email.utils.formatdate(usegmt=True)))
    return (head + body).encode()
