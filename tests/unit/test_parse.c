/*
 * The parse stage: approval link validation and unwrapping tables, SES
 * verdict trust, limits, and the whole mail corpus in tests/fixtures/mail
 * compared field by field with each message's expected JSON.
 */
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "parse/acm.h"
#include "parse/links.h"
#include "parse/sesauth.h"
#include "tests/unit/tap.h"

#define CORPUS "tests/fixtures/mail"
#define CODE "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
#define CONTEXT_USE1 "11111111-2222-4333-8444-55555555555575732d656173742d31"
#define QUERY "/approvals?code=" CODE "&context=" CONTEXT_USE1

static const struct mail_limits limits = { 40u << 20, 20, 500 };

static const struct {
	const char *url;
	const char *host;
	const char *region;	/* NULL: the host carries none */
} good_links[] = {
	{ "https://us-east-1.acm-certificates.amazon.com" QUERY,
	    "us-east-1.acm-certificates.amazon.com", "us-east-1" },
	{ "https://US-EAST-1.ACM-Certificates.Amazon.COM" QUERY,
	    "us-east-1.acm-certificates.amazon.com", "us-east-1" },
	{ "https://us-east-1.acm-certificates.amazon.com:443" QUERY,
	    "us-east-1.acm-certificates.amazon.com", "us-east-1" },
	{ "https://eu-central-2.acm-certificates.amazon.com" QUERY,
	    "eu-central-2.acm-certificates.amazon.com", "eu-central-2" },
	{ "https://ap-southeast-4.acm-certificates.amazon.com" QUERY,
	    "ap-southeast-4.acm-certificates.amazon.com", "ap-southeast-4" },
	{ "https://us-gov-west-1.acm-certificates.amazon.com" QUERY,
	    "us-gov-west-1.acm-certificates.amazon.com", "us-gov-west-1" },
	{ "https://il-central-1.acm-certificates.amazon.com" QUERY,
	    "il-central-1.acm-certificates.amazon.com", "il-central-1" },
	{ "https://me-south-1.acm-certificates.amazon.com" QUERY,
	    "me-south-1.acm-certificates.amazon.com", "me-south-1" },
	{ "https://ca-west-1.acm-certificates.amazon.com" QUERY,
	    "ca-west-1.acm-certificates.amazon.com", "ca-west-1" },
	{ "https://mx-central-1.acm-certificates.amazon.com" QUERY,
	    "mx-central-1.acm-certificates.amazon.com", "mx-central-1" },
	{ "https://cn-north-1.acm-certificates.amazonaws.cn" QUERY,
	    "cn-north-1.acm-certificates.amazonaws.cn", "cn-north-1" },
	{ "https://cn-northwest-1.acm-certificates.amazonaws.cn" QUERY,
	    "cn-northwest-1.acm-certificates.amazonaws.cn",
	    "cn-northwest-1" },
	{ "https://us-west-2.certificates.amazon.com" QUERY,
	    "us-west-2.certificates.amazon.com", "us-west-2" },
	{ "https://certificates.amazon.com" QUERY,
	    "certificates.amazon.com", NULL },
	{ "https://us-east-1.acm-certificates.amazon.com/approvals?context="
	    CONTEXT_USE1 "&code=" CODE,
	    "us-east-1.acm-certificates.amazon.com", "us-east-1" },
};

static const char *const lookalike_links[] = {
	"http://us-east-1.acm-certificates.amazon.com" QUERY,
	"https://us-east-1.acm-certificates.amazon.com.evil.example" QUERY,
	"https://evil.example/us-east-1.acm-certificates.amazon.com" QUERY,
	"https://user@us-east-1.acm-certificates.amazon.com" QUERY,
	"https://us-east-1.acm-certificates.amazon.com@evil.example" QUERY,
	"https://us-east-1.acm-certificates.amazon.com:8443" QUERY,
	"https://us-east-1.acm-certificates.amazon.com:0443" QUERY,
	"https://us-east-1.acm-certificates.amazon.com:" QUERY,
	"https://us-east-1.acm-certificates.amazon.com./approvals?code="
	    CODE "&context=" CONTEXT_USE1,
	"https://us-east-1.acm-certificates.amazon.com/approval?code="
	    CODE "&context=" CONTEXT_USE1,
	"https://us-east-1.acm-certificates.amazon.com/approvals/?code="
	    CODE "&context=" CONTEXT_USE1,
	"https://us-east-1.acm-certificates.amazon.com/Approvals?code="
	    CODE "&context=" CONTEXT_USE1,
	"https://us-east-1.acm-certificates.amazon.com//approvals?code="
	    CODE "&context=" CONTEXT_USE1,
	"https://us-east-1.acm-certificates.amazon.com/approvals?code=" CODE,
	"https://us-east-1.acm-certificates.amazon.com/approvals?context="
	    CONTEXT_USE1,
	"https://us-east-1.acm-certificates.amazon.com/approvals?code="
	    "&context=" CONTEXT_USE1,
	"https://us-east-1.acm-certificates.amazon.com" QUERY "&code=x",
	"https://us-east-1.acm-certificates.amazon.com" QUERY "#fragment",
	"https://us-east-1.acm-certificates.amazon.com/approvals?code=%41"
	    "&context=" CONTEXT_USE1,
	"https://us-east1.acm-certificates.amazon.com" QUERY,
	"https://xx-east-1.acm-certificates.amazon.com" QUERY,
	"https://us-east-0.acm-certificates.amazon.com" QUERY,
	"https://us-middle-1.acm-certificates.amazon.com" QUERY,
	"https://evil.us-east-1.acm-certificates.amazon.com" QUERY,
	"https://acm-certificates.amazon.com" QUERY,
	"https://cn-north-1.acm-certificates.amazon.com" QUERY,
	"https://us-east-1.acm-certificates.amazonaws.cn" QUERY,
	"https://us-iso-east-1.acm-certificates.amazon.com" QUERY,
	"https://us-east-1.acm-certificates.amazon.co" QUERY,
	"https://us-east-1.acm-certificates.amazon.com.cn" QUERY,
	"https://us-east-1.acm-certificates.amazon%2ecom" QUERY,
	"https://us-east-1.acm-certificates.amazon.com\\@evil.example" QUERY,
	"https://evil.example\\us-east-1.acm-certificates.amazon.com" QUERY,
	"https://us-east-1.acm-certificates.\xd0\xb0mazon.com" QUERY,
	"https://xn--us-east-1-acm-certificates-amazon-com" QUERY,
	"https://us-east-1.acm-certificates.amazon.com /approvals?code=" CODE,
	"https:/us-east-1.acm-certificates.amazon.com" QUERY,
	"https:us-east-1.acm-certificates.amazon.com" QUERY,
	"ftp://us-east-1.acm-certificates.amazon.com" QUERY,
	"//us-east-1.acm-certificates.amazon.com" QUERY,
	"",
};

static void
test_good_links(void)
{
	for (size_t i = 0; i < sizeof(good_links) / sizeof(good_links[0]);
	    i++) {
		struct approval_link link;
		const char *reason = NULL;
		int rc = link_validate(good_links[i].url, &link, &reason);

		is_int(rc, 0, "good link %zu accepted", i);
		if (rc != 0) {
			printf("#   %s: %s\n", good_links[i].url, reason);
			continue;
		}
		is_str(link.host, good_links[i].host, "good link %zu host", i);
		is_str(link.region, good_links[i].region,
		    "good link %zu region", i);
		is_str(link.code, CODE, "good link %zu code", i);
		is_str(link.context, CONTEXT_USE1, "good link %zu context", i);
		is_str(link.context_region, "us-east-1",
		    "good link %zu context region", i);
		approval_link_free(&link);
	}
}

static void
test_lookalike_links(void)
{
	for (size_t i = 0;
	    i < sizeof(lookalike_links) / sizeof(lookalike_links[0]); i++) {
		struct approval_link link;
		const char *reason = NULL;
		int rc = link_validate(lookalike_links[i], &link, &reason);

		if (!ok(rc == -1, "look-alike link %zu rejected", i))
			printf("#   %s\n", lookalike_links[i]);
		ok(reason != NULL, "look-alike link %zu has a reason", i);
		ok(link.url == NULL && link.code == NULL,
		    "look-alike link %zu leaves the link empty", i);
	}
}

static void
test_regions(void)
{
	static const struct {
		const char *region;
		const char *partition;
	} cases[] = {
		{ "us-east-1", "aws" }, { "eu-central-2", "aws" },
		{ "ap-southeast-4", "aws" }, { "af-south-1", "aws" },
		{ "sa-east-1", "aws" }, { "ap-northeast-3", "aws" },
		{ "us-gov-east-1", "aws-us-gov" }, { "cn-north-1", "aws-cn" },
		{ "us-iso-east-1", "aws-iso" },
		{ "us-isob-east-1", "aws-iso-b" },
		{ "us-east-10", "aws" }, { "us-east-0", NULL },
		{ "us-east", NULL }, { "US-EAST-1", NULL },
		{ "zz-east-1", NULL }, { "us-east-1 ", NULL },
		{ "us-east-100", NULL }, { "", NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(link_region_partition(cases[i].region),
		    cases[i].partition, "partition of '%s'", cases[i].region);
	ok(link_region_partition(NULL) == NULL, "partition of NULL");
}

static void
check_unwrap(const char *wrapped, const char *expected, const char *name)
{
	char *got = link_unwrap(wrapped);

	is_str(got, expected, "unwrap %s", name);
	free(got);
}

static void
test_unwrap(void)
{
	const char *plain = "https://us-east-1.acm-certificates.amazon.com"
	    QUERY;

	check_unwrap(plain, plain, "plain link");
	check_unwrap("https://eur02.safelinks.protection.outlook.com/?url="
	    "https%3A%2F%2Fus-east-1.acm-certificates.amazon.com%2Fapprovals"
	    "%3Fcode%3D" CODE "%26context%3D" CONTEXT_USE1
	    "&data=05%7C01&sdata=x&reserved=0", plain, "SafeLinks");
	check_unwrap("https://urldefense.proofpoint.com/v2/url?u=https-3A__"
	    "us-2Deast-2D1.acm-2Dcertificates.amazon.com_approvals-3Fcode-3D"
	    "0c1d2e3f-2D4a5b-2D4c6d-2D8e7f-2D9a0b1c2d3e4f-26context-3D"
	    "11111111-2D2222-2D4333-2D8444-2D5555555555557573"
	    "2d656173742d31&d=DwMF&c=x&r=y&m=z&s=w&e=", plain,
	    "Proofpoint v2");
	check_unwrap("https://urldefense.com/v3/__https://us-east-1.acm-"
	    "certificates.amazon.com/approvals?code*" CODE "*context*"
	    CONTEXT_USE1 "__;PSY9!!AbC!dEf$", plain, "Proofpoint v3");
	/* "**A" takes a run of two characters: "&c". */
	check_unwrap("https://urldefense.com/v3/__https://x.example/?a=1"
	    "**Aontext=2__;JmM!!x$", "https://x.example/?a=1&context=2",
	    "Proofpoint v3 run");
	check_unwrap("https://urldefense.com/v3/__https://nam11.safelinks."
	    "protection.outlook.com/?url=https*3A*2F*2Fx.example*2F__;JSUlJQ!!"
	    "a$", "https://x.example/", "Proofpoint v3 around SafeLinks");
	check_unwrap("https://urldefense.com/v3/__https://x.example/*__;!!a$",
	    NULL, "Proofpoint v3 short of characters");
	check_unwrap("https://eur02.safelinks.protection.outlook.com/?url="
	    "https%3A%2F%2Fx%ZZ", NULL, "SafeLinks bad escape");
	check_unwrap("https://eur02.safelinks.protection.outlook.com/?data=1",
	    NULL, "SafeLinks without url");
	check_unwrap("https://urldefense.proofpoint.com/v2/url?u=a&u=b",
	    NULL, "Proofpoint v2 with two u");
	check_unwrap("https://nam11.safelinks.protection.outlook.com/?url=",
	    "", "SafeLinks with an empty url");
	check_unwrap("https://urldefense.proofpoint.com/v2/url?u=&d=x", "",
	    "Proofpoint v2 with an empty u");
}

static void
collect_link(const char *url, size_t len, void *arg)
{
	strlist_add_owned(arg, xstrndup(url, len));
}

static void
test_extract_text(void)
{
	const char *text = "Go to (https://a.example/x?y=1) now.\n"
	    "Or https://b.example/path, or HTTP://C.example/.\n"
	    "<https://d.example/q>\"https://e.example/\" ftp://f.example/";
	struct strlist urls = { 0 };

	link_extract_text(text, strlen(text), collect_link, &urls);
	is_int(urls.count, 5, "extract: five links");
	if (urls.count == 5) {
		is_str(urls.items[0], "https://a.example/x?y=1",
		    "extract: parentheses end a link");
		is_str(urls.items[1], "https://b.example/path",
		    "extract: trailing comma dropped");
		is_str(urls.items[2], "HTTP://C.example/",
		    "extract: upper-case scheme, trailing dot dropped");
		is_str(urls.items[3], "https://d.example/q",
		    "extract: angle brackets end a link");
		is_str(urls.items[4], "https://e.example/",
		    "extract: quotes end a link");
	}
	strlist_free(&urls);
}

static void
read_auth(const struct mail_header *headers, size_t count,
    struct ses_auth *auth)
{
	ses_auth_read(headers, count, auth);
}

static void
test_ses_auth(void)
{
	struct mail_header trusted[] = {
		{ "X-SES-Spam-Verdict", "PASS" },
		{ "X-SES-Virus-Verdict", " FAIL " },
		{ "Received-SPF", "softfail (x) client-ip=1.2.3.4;" },
		{ "Authentication-Results", "mx.evil.example; dkim=pass "
		    "header.i=@certificates.amazon.com" },
		{ "Authentication-Results", "amazonses.com; spf=pass (a; b) "
		    "smtp.mailfrom=x; dkim=fail header.d=other.example; "
		    "dkim=pass header.i=@Certificates.Amazon.com; "
		    "dkim=pass header.d=amazonses.com; dmarc=none" },
		{ "X-SES-RECEIPT", "abc" },
		{ "Authentication-Results", "amazonses.com; dmarc=pass; "
		    "dkim=pass header.i=@evil.example" },
		{ "X-SES-Spam-Verdict", "FAIL" },
	};
	struct mail_header untrusted[] = {
		{ "Authentication-Results", "amazonses.com; dkim=pass "
		    "header.i=@certificates.amazon.com" },
		{ "X-SES-Virus-Verdict", "PASS" },
	};
	struct ses_auth auth;

	read_auth(trusted, sizeof(trusted) / sizeof(trusted[0]), &auth);
	ok(auth.has_receipt, "auth: receipt found");
	is_str(auth.spam, "pass", "auth: spam verdict above the receipt");
	is_str(auth.virus, "fail", "auth: virus verdict trimmed");
	is_str(auth.spf, "pass", "auth: spf from amazonses.com results");
	is_str(auth.dkim, "pass", "auth: a dkim pass");
	is_str(auth.dmarc, "none", "auth: dmarc below the receipt ignored");
	is_int(auth.dkim_pass_domains.count, 2, "auth: two passing domains");
	ok(ses_auth_dkim_passed(&auth, "certificates.amazon.com"),
	    "auth: certificates.amazon.com passed");
	ok(ses_auth_dkim_passed(&auth, "amazon.com"),
	    "auth: subdomain of amazon.com passed");
	ok(!ses_auth_dkim_passed(&auth, "evil.example"),
	    "auth: other authserv-id and lower headers ignored");
	ok(!ses_auth_dkim_passed(&auth, "other.example"),
	    "auth: failed signature not counted");
	ses_auth_free(&auth);

	read_auth(untrusted, 2, &auth);
	ok(!auth.has_receipt, "auth: no receipt");
	ok(auth.dkim == NULL && auth.virus == NULL,
	    "auth: nothing trusted without a receipt");
	ses_auth_free(&auth);
}

static char *
read_file(const char *path, size_t *len)
{
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return b.data ? buf_steal(&b) : xstrdup("");
}

static const char *
json_str(json_object *obj, const char *key)
{
	json_object *value;

	if (!json_object_object_get_ex(obj, key, &value) || value == NULL)
		return NULL;
	return json_object_get_string(value);
}

static void
compare_problems(const char *name, const struct acm_email *email,
    json_object *expected)
{
	json_object *list;
	size_t count;

	json_object_object_get_ex(expected, "problems", &list);
	count = json_object_array_length(list);
	is_int(email->problems.count, count, "%s: problem count", name);
	for (size_t i = 0; i < count && i < email->problems.count; i++)
		is_str(email->problems.items[i].code, json_object_get_string(
		    json_object_array_get_idx(list, i)), "%s: problem %zu",
		    name, i);
}

static void
compare_fixture(const char *name, const struct acm_email *e,
    json_object *exp)
{
	json_object *is_acm, *auth;

	json_object_object_get_ex(exp, "is_acm", &is_acm);
	is_int(e->is_acm, json_object_get_boolean(is_acm), "%s: is_acm",
	    name);
	is_str(e->domain, json_str(exp, "domain"), "%s: domain", name);
	is_str(e->requested_domain, json_str(exp, "requested_domain"),
	    "%s: requested_domain", name);
	is_str(e->account_id, json_str(exp, "account_id"), "%s: account",
	    name);
	is_str(e->region, json_str(exp, "region"), "%s: region", name);
	is_str(e->certificate_arn, json_str(exp, "certificate_arn"),
	    "%s: certificate_arn", name);
	is_str(e->certificate_id, json_str(exp, "certificate_id"),
	    "%s: certificate_id", name);
	is_str(e->has_link ? e->link.url : NULL,
	    json_str(exp, "approval_url"), "%s: approval_url", name);
	json_object_object_get_ex(exp, "authentication", &auth);
	is_str(e->auth.dkim, json_str(auth, "dkim"), "%s: dkim", name);
	is_str(e->auth.virus, json_str(auth, "virus"), "%s: virus", name);
	compare_problems(name, e, exp);
}

static void
test_corpus(void)
{
	DIR *dir = opendir(CORPUS);
	struct dirent *entry;
	int files = 0;

	if (dir == NULL) {
		ok(false, "corpus: open %s from the repository top", CORPUS);
		return;
	}
	while ((entry = readdir(dir)) != NULL) {
		size_t len = strlen(entry->d_name), size;
		char *path, *json_path, *data;
		json_object *expected;
		struct acm_email email;

		if (len < 5 || strcmp(entry->d_name + len - 4, ".eml") != 0)
			continue;
		path = xasprintf("%s/%s", CORPUS, entry->d_name);
		json_path = xasprintf("%s/%.*s.json", CORPUS, (int)len - 4,
		    entry->d_name);
		data = read_file(path, &size);
		expected = json_object_from_file(json_path);
		ok(data != NULL && expected != NULL, "%s: read", path);
		if (data != NULL && expected != NULL) {
			acm_email_parse(data, size, &limits, &email);
			compare_fixture(entry->d_name, &email, expected);
			acm_email_free(&email);
			files++;
		}
		json_object_put(expected);
		free(data);
		free(path);
		free(json_path);
	}
	closedir(dir);
	ok(files >= 40, "corpus: %d messages", files);
}

/* A message in read-only memory: the parser must not write to it. */
static const char readonly_message[] =
    "X-SES-Virus-Verdict: PASS\r\n"
    "X-SES-RECEIPT: x\r\n"
    "From: no-reply@certificates.amazon.com\r\n"
    "Subject: =?utf-8?q?Certificate_approval_for_*.example.com?=\r\n"
    "Content-Type: text/plain\r\n\r\n"
    "Domain: example.com\r\nAWS account ID: 1111-2222-3333\r\n"
    "AWS Region name: us-east-1\r\n"
    "Certificate Identifier: 0C1D2E3F-4A5B-4C6D-8E7F-9A0B1C2D3E4F\r\n"
    "https://certificates.amazon.com" QUERY "\r\n";

static void
test_buffer_and_limits(void)
{
	struct mail_limits small = limits;
	struct acm_email email;
	int rc;

	rc = acm_email_parse(readonly_message, sizeof(readonly_message) - 1,
	    &limits, &email);
	is_int(rc, 0, "buffer: parsed");
	is_str(email.requested_domain, "*.example.com",
	    "buffer: RFC 2047 wildcard subject");
	is_str(email.account_id, "111122223333", "buffer: dashed account");
	is_str(email.certificate_id, "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
	    "buffer: bare UUID lower-cased");
	ok(email.has_link && email.link.region == NULL,
	    "buffer: 2017 link without a region");
	is_str(email.auth.virus, "pass", "buffer: virus verdict");
	acm_email_free(&email);

	small.max_size = 100;
	rc = acm_email_parse(NULL, 1u << 30, &small, &email);
	is_int(rc, -1, "limits: size over the limit is not read");
	ok(findings_has(&email.problems, "message-too-large"),
	    "limits: message-too-large");
	acm_email_free(&email);

	rc = acm_email_parse("", 0, &limits, &email);
	ok(!email.is_acm, "empty input: not ACM (rc %d)", rc);
	acm_email_free(&email);
}

/* From cut short by a NUL byte: GMime would read Amazon's address. */
static const char nul_from_message[] =
    "X-SES-Spam-Verdict: PASS\r\n"
    "X-SES-Virus-Verdict: PASS\r\n"
    "Authentication-Results: amazonses.com;\r\n"
    " spf=pass; dkim=pass header.i=@certificates.amazon.com;\r\n"
    " dmarc=pass header.from=certificates.amazon.com;\r\n"
    "X-SES-RECEIPT: x\r\n"
    "From: no-reply@certificates.amazon.com\0@evil.example.net\r\n"
    "Subject: Certificate request for www.example.com\r\n"
    "Content-Type: text/plain\r\n\r\n"
    "Domain: www.example.com\r\nAWS account ID: 111122223333\r\n"
    "AWS Region name: us-east-1\r\n"
    "Certificate Identifier: arn:aws:acm:us-east-1:111122223333:"
    "certificate/0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f\r\n"
    "https://us-east-1.acm-certificates.amazon.com" QUERY "\r\n";

static void
test_nul_in_header(void)
{
	struct acm_email email;

	acm_email_parse(nul_from_message, sizeof(nul_from_message) - 1,
	    &limits, &email);
	ok(findings_has(&email.problems, "nul-in-header"),
	    "NUL in From: reported as nul-in-header");
	acm_email_free(&email);

	acm_email_parse(readonly_message, sizeof(readonly_message) - 1,
	    &limits, &email);
	ok(!findings_has(&email.problems, "nul-in-header"),
	    "no NUL in headers: not reported");
	acm_email_free(&email);
}

int
main(void)
{
	test_nul_in_header();
	test_good_links();
	test_lookalike_links();
	test_regions();
	test_unwrap();
	test_extract_text();
	test_ses_auth();
	test_corpus();
	test_buffer_and_limits();
	return tap_done();
}
