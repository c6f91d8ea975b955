#include "parse/acm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/str.h"
#include "parse/html.h"
#include "parse/regex.h"

/* Maximum length of a rejected link quoted in a problem. */
#define QUOTE_MAX 100

enum {
	RE_DOMAIN,
	RE_ACCOUNT,
	RE_REGION_LINE,
	RE_CERTIFICATE,
	RE_SUBJECT,
	RE_ARN,
	RE_UUID,
	RE_ACCOUNT_ID,
	RE_DOMAIN_NAME,
	RE_COUNT,
};

enum { FIELD_DOMAIN, FIELD_ACCOUNT, FIELD_REGION, FIELD_CERTIFICATE,
	FIELD_COUNT };

#define LINE(label) "^[ \\t>]*" label "[ \\t]*(\\S+)[ \\t]*$"
#define UUID "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

static const char *const pattern_table[RE_COUNT] = {
	[RE_DOMAIN] = LINE("Domain:"),
	[RE_ACCOUNT] = LINE("AWS account ID:"),
	[RE_REGION_LINE] = LINE("AWS Region name:"),
	[RE_CERTIFICATE] = LINE("Certificate Identifier:"),
	/* Forwarding and replying add prefixes in several languages. */
	[RE_SUBJECT] = "^[ \\t]*(?:(?:re|fwd?|aw|wg|tr)[ \\t]*:[ \\t]*)*"
	    "Certificate (?:request|approval) for (\\S+)[ \\t]*$",
	[RE_ARN] = "^arn:(aws|aws-cn|aws-us-gov):acm:([a-z0-9-]+):"
	    "([0-9]{12}):certificate/(" UUID ")$",
	[RE_UUID] = "^" UUID "$",
	[RE_ACCOUNT_ID] = "^(?:[0-9]{12}|[0-9]{4}-[0-9]{4}-[0-9]{4})$",
	[RE_DOMAIN_NAME] = "^(?:\\*\\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}"
	    "[a-z0-9])?\\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$",
};

static const char *const field_names[FIELD_COUNT] = {
	"domain", "account", "region", "certificate",
};

static pcre2_code *patterns[RE_COUNT];
static pthread_once_t patterns_once = PTHREAD_ONCE_INIT;

static void
compile_patterns(void)
{
	for (int i = 0; i < RE_COUNT; i++) {
		uint32_t options = PCRE2_CASELESS;

		if (i <= RE_CERTIFICATE)
			options |= PCRE2_MULTILINE;
		patterns[i] = regex_compile(pattern_table[i], options);
	}
}

static const pcre2_code *
pattern(int id)
{
	pthread_once(&patterns_once, compile_patterns);
	return patterns[id];
}

static bool
matches(int id, const char *s)
{
	size_t ov[2];

	return s != NULL && regex_match(pattern(id), s, strlen(s), 0, ov, 1)
	    > 0;
}

/* State while reading the parts of one message. */
struct scan {
	struct acm_email *email;
	struct strlist fields[FIELD_COUNT];
	struct approval_link links[2];	/* the first two distinct ones */
	size_t link_count;
	bool html;
};

static void
scan_fields(struct scan *scan, const char *text, size_t len)
{
	static const int ids[FIELD_COUNT] = { RE_DOMAIN, RE_ACCOUNT,
	    RE_REGION_LINE, RE_CERTIFICATE };

	for (int f = 0; f < FIELD_COUNT; f++) {
		size_t ov[4], offset = 0;

		while (offset < len && regex_match(pattern(ids[f]), text, len,
		    offset, ov, 2) > 0) {
			char *value = regex_group(text, ov, 1);

			if (!strlist_contains(&scan->fields[f], value))
				strlist_add(&scan->fields[f], value);
			free(value);
			offset = ov[1] > offset ? ov[1] : offset + 1;
		}
	}
}

static bool
same_link(const struct approval_link *a, const struct approval_link *b)
{
	return strcmp(a->host, b->host) == 0 &&
	    strcmp(a->code, b->code) == 0 &&
	    strcmp(a->context, b->context) == 0;
}

static void
reject_link(struct scan *scan, const char *url, const char *reason)
{
	struct findings *problems = &scan->email->problems;
	char *quote = xstrndup(url, strcspn(url, "?"));
	char *text;

	if (strlen(quote) > QUOTE_MAX)
		quote[QUOTE_MAX] = '\0';
	text = xasprintf("link %s rejected: %s", quote, reason);
	for (size_t i = 0; i < problems->count; i++)
		if (strcmp(problems->items[i].text, text) == 0)
			goto out;
	findings_add(problems, "invalid-approval-link", "%s", text);
out:
	free(text);
	free(quote);
}

static void
add_link(const char *found, size_t len, void *arg)
{
	struct scan *scan = arg;
	struct approval_link link;
	const char *reason = NULL;
	char *raw = xstrndup(found, len), *url = link_unwrap(raw);

	if (url == NULL) {
		if (link_looks_like_approval(raw))
			reject_link(scan, raw, "a wrapped link could not be "
			    "unwrapped");
		goto out;
	}
	if (link_validate(url, &link, &reason) != 0) {
		if (link_looks_like_approval(url))
			reject_link(scan, url, reason);
		goto out;
	}
	for (size_t i = 0; i < scan->link_count; i++) {
		if (same_link(&scan->links[i], &link)) {
			approval_link_free(&link);
			goto out;
		}
	}
	if (scan->link_count < 2)
		scan->links[scan->link_count++] = link;
	else
		approval_link_free(&link);
out:
	free(url);
	free(raw);
}

static void
scan_text(struct scan *scan, const struct mail_text *part)
{
	struct buf rendered = { 0 };
	struct strlist hrefs = { 0 };

	if (!part->html) {
		scan_fields(scan, part->text, part->len);
		link_extract_text(part->text, part->len, add_link, scan);
		return;
	}
	html_render(part->text, part->len, &rendered, &hrefs);
	if (rendered.data != NULL) {
		scan_fields(scan, rendered.data, rendered.len);
		link_extract_text(rendered.data, rendered.len, add_link, scan);
	}
	for (size_t i = 0; i < hrefs.count; i++)
		add_link(hrefs.items[i], strlen(hrefs.items[i]), scan);
	buf_free(&rendered);
	strlist_free(&hrefs);
}

/* Returns the field's one value, reporting conflicting values. */
static char *
take_field(struct scan *scan, int f)
{
	struct strlist *values = &scan->fields[f];

	if (values->count == 0)
		return NULL;
	if (values->count > 1)
		findings_add(&scan->email->problems,
		    f == FIELD_DOMAIN ? "conflicting-domain" :
		    f == FIELD_ACCOUNT ? "conflicting-account" :
		    f == FIELD_REGION ? "conflicting-region" :
		    "conflicting-certificate",
		    "the message names %zu different %s values",
		    values->count, field_names[f]);
	return xstrdup(values->items[0]);
}

static void
read_account(struct acm_email *email, char *value)
{
	struct buf digits = { 0 };

	if (value == NULL)
		return;
	if (!matches(RE_ACCOUNT_ID, value)) {
		findings_add(&email->problems, "invalid-account",
		    "the AWS account ID is not 12 digits");
	} else {
		for (char *p = value; *p; p++)
			if (*p != '-')
				buf_append_char(&digits, *p);
		email->account_id = buf_steal(&digits);
	}
	free(value);
}

static void
read_certificate(struct acm_email *email, char *value)
{
	size_t ov[10];

	if (value == NULL)
		return;
	if (regex_match(pattern(RE_ARN), value, strlen(value), 0, ov, 5) > 0) {
		email->certificate_arn = xstrdup(value);
		email->arn_partition = regex_group(value, ov, 1);
		email->arn_region = regex_group(value, ov, 2);
		email->arn_account = regex_group(value, ov, 3);
		email->certificate_id = str_lower(regex_group(value, ov, 4));
	} else if (matches(RE_UUID, value)) {
		email->certificate_id = str_lower(xstrdup(value));
	} else {
		findings_add(&email->problems, "invalid-certificate",
		    "the certificate identifier is neither an ACM "
		    "certificate ARN nor a UUID");
	}
	free(value);
}

static char *
read_domain(struct acm_email *email, char *value, const char *what)
{
	if (value == NULL)
		return NULL;
	str_lower(value);
	if (!matches(RE_DOMAIN_NAME, value) || strlen(value) > 253) {
		findings_add(&email->problems, "invalid-domain",
		    "the %s is not a valid domain name", what);
		free(value);
		return NULL;
	}
	return value;
}

static void
read_fields(struct scan *scan)
{
	struct acm_email *email = scan->email;
	char *region;

	email->domain = read_domain(email, take_field(scan, FIELD_DOMAIN),
	    "Domain line");
	read_account(email, take_field(scan, FIELD_ACCOUNT));
	region = take_field(scan, FIELD_REGION);
	if (region != NULL && link_region_partition(region) == NULL) {
		findings_add(&email->problems, "invalid-region",
		    "the AWS Region name is not an AWS region code");
		free(region);
		region = NULL;
	}
	email->region = region;
	read_certificate(email, take_field(scan, FIELD_CERTIFICATE));
}

static void
read_link(struct scan *scan)
{
	struct acm_email *email = scan->email;

	if (scan->link_count == 1) {
		email->link = scan->links[0];
		email->has_link = true;
		memset(&scan->links[0], 0, sizeof(scan->links[0]));
	} else if (scan->link_count > 1) {
		findings_add(&email->problems, "ambiguous-approval-link",
		    "the message carries more than one different approval "
		    "link");
	}
}

static void
read_subject(struct acm_email *email, const struct mail *mail)
{
	const char *subjects[2] = { mail->subject, mail->embedded_subject };
	size_t ov[4];

	for (int i = 0; i < 2 && email->requested_domain == NULL; i++) {
		const char *s = subjects[i];

		if (s == NULL || regex_match(pattern(RE_SUBJECT), s,
		    strlen(s), 0, ov, 2) <= 0)
			continue;
		email->is_acm = true;
		email->requested_domain = read_domain(email,
		    regex_group(s, ov, 1), "subject's domain");
	}
	if (mail->subject != NULL && strcasecmp(str_trim(mail->subject),
	    "Amazon SES Setup Notification") == 0)
		email->is_setup_notification = true;
}

int
acm_email_parse(const char *data, size_t len,
    const struct mail_limits *limits, struct acm_email *email)
{
	struct scan scan = { .email = email };
	struct mail mail;
	int rc;

	memset(email, 0, sizeof(*email));
	rc = mail_parse(data, len, limits, &mail);
	findings_extend(&email->problems, &mail.problems);
	if (rc == 0) {
		ses_auth_read(mail.headers, mail.header_count, &email->auth);
		email->from = mail.from ? xstrdup(mail.from) : NULL;
		email->subject = mail.subject ? xstrdup(mail.subject) : NULL;
		read_subject(email, &mail);
		for (size_t i = 0; i < mail.text_count; i++)
			scan_text(&scan, &mail.texts[i]);
		read_fields(&scan);
		read_link(&scan);
		if (email->domain != NULL && email->account_id != NULL)
			email->is_acm = true;
	}
	for (int f = 0; f < FIELD_COUNT; f++)
		strlist_free(&scan.fields[f]);
	for (size_t i = 0; i < scan.link_count; i++)
		approval_link_free(&scan.links[i]);
	mail_free(&mail);
	return rc;
}

void
acm_email_free(struct acm_email *email)
{
	free(email->from);
	free(email->subject);
	free(email->domain);
	free(email->requested_domain);
	free(email->account_id);
	free(email->region);
	free(email->certificate_arn);
	free(email->certificate_id);
	free(email->arn_partition);
	free(email->arn_region);
	free(email->arn_account);
	approval_link_free(&email->link);
	ses_auth_free(&email->auth);
	findings_free(&email->problems);
	memset(email, 0, sizeof(*email));
}
