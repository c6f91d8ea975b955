/*
 * Unit tests for infra/ and the Route 53 request body: domain checks,
 * derived names, policy merging, lifecycle rules.
 */
#include <stdlib.h>
#include <string.h>

#include "aws/route53.h"
#include "infra/bucket.h"
#include "infra/lifecycle.h"
#include "infra/names.h"
#include "infra/policy.h"
#include "tests/unit/tap.h"

static void
check_domain(const char *input, const char *expected)
{
	const char *why = NULL;
	char *got = infra_domain_normalize(input, &why);

	if (expected == NULL) {
		ok(got == NULL && why != NULL, "domain '%s' rejected", input);
	} else {
		is_str(got, expected, "domain '%s' accepted", input);
	}
	free(got);
}

static void
test_domains(void)
{
	char long_label[80], long_name[300];

	check_domain("Example.COM.", "example.com");
	check_domain("  sub.example.com ", "sub.example.com");
	check_domain("xn--bcher-kva.example", "xn--bcher-kva.example");
	check_domain("a-b.c-d.io", "a-b.c-d.io");
	check_domain("", NULL);
	check_domain("localhost", NULL);
	check_domain("example..com", NULL);
	check_domain(".example.com", NULL);
	check_domain("-bad.example.com", NULL);
	check_domain("bad-.example.com", NULL);
	check_domain("exa_mple.com", NULL);
	check_domain("exa mple.com", NULL);
	check_domain("example.com..", NULL);
	check_domain("192.168.0.1", NULL);
	check_domain("*.example.com", NULL);
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".com");
	check_domain(long_label, NULL);
	long_label[1] = '.';
	check_domain(long_label, long_label);
	for (size_t i = 0; i < 61; i++)
		memcpy(long_name + i * 4, "abc.", 4);
	strcpy(long_name + 244, "com");
	check_domain(long_name, NULL);
}

static void
test_regions(void)
{
	ok(infra_region_receives_email("us-east-1"), "us-east-1 receives");
	ok(infra_region_receives_email("eu-west-1"), "eu-west-1 receives");
	ok(!infra_region_receives_email("us-west-1"), "us-west-1 does not");
	ok(!infra_region_receives_email("eu-west-3"), "eu-west-3 does not");
	ok(!infra_region_receives_email(""), "empty region does not");
	ok(strstr(infra_receiving_regions(), "ap-southeast-2") != NULL,
	    "region list names ap-southeast-2");
}

static void
test_rule_names(void)
{
	char domain[200], *name, *again;

	name = infra_rule_name("example.com");
	is_str(name, "acm-inbox-example.com", "short rule name kept");
	ok(infra_valid_ses_name(name), "short rule name valid");
	free(name);

	memset(domain, 'a', 120);
	strcpy(domain + 120, ".example.com");
	domain[60] = '-';
	name = infra_rule_name(domain);
	is_int(strlen(name), 64, "long rule name cut to 64");
	ok(infra_valid_ses_name(name), "long rule name valid");
	domain[10] = 'b';
	again = infra_rule_name(domain);
	ok(strcmp(name, again) != 0, "long names differ by hash");
	free(name);
	free(again);

	ok(!infra_valid_ses_name("-start"), "name starting with '-' invalid");
	ok(!infra_valid_ses_name("a b"), "name with space invalid");
	ok(infra_valid_ses_name("set_1.a-b"), "name with _ . - valid");

	name = infra_statement_id("example.com");
	ok(strncmp(name, "AcmInboxSesPut", 14) == 0 && strlen(name) == 30,
	    "statement id has prefix and hash");
	ok(strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789") == strlen(name), "statement id alphanumeric");
	free(name);
	name = infra_default_bucket("123456789012", "eu-west-1");
	is_str(name, "acm-inbox-123456789012-eu-west-1", "default bucket");
	free(name);
}

static void
test_recipients(void)
{
	struct strlist list = {0};
	char *bad = NULL;

	infra_default_recipients("example.com", &list);
	is_int(list.count, 5, "five default recipients");
	ok(strlist_contains(&list, "postmaster@example.com"),
	    "default recipients include postmaster@");
	strlist_free(&list);

	ok(infra_parse_recipients(" Admin@Example.com,a@sub.example.com,"
	    "example.com,admin@example.com", "example.com", &list, &bad) == 0,
	    "recipient list parsed");
	is_int(list.count, 3, "recipients lower-cased and deduplicated");
	is_str(list.items[0], "admin@example.com", "first recipient");
	strlist_free(&list);

	ok(infra_parse_recipients("a@example.org", "example.com", &list,
	    &bad) != 0, "recipient of another domain rejected");
	is_str(bad, "a@example.org", "rejected recipient named");
	free(bad);
	strlist_free(&list);
	ok(infra_parse_recipients("a@notexample.com", "example.com", &list,
	    &bad) != 0, "suffix that is not a subdomain rejected");
	free(bad);
	strlist_free(&list);
	ok(infra_parse_recipients(",", "example.com", &list, &bad) != 0,
	    "empty recipient list rejected");
	free(bad);
	strlist_free(&list);
}

static void
test_prefixes(void)
{
	char *p;

	p = infra_normalize_prefix("mail");
	is_str(p, "mail/", "prefix gets trailing slash");
	free(p);
	p = infra_normalize_prefix("/a/b/");
	is_str(p, "a/b/", "prefix loses leading slash");
	free(p);
	p = infra_normalize_prefix("");
	is_str(p, "", "empty prefix stays empty");
	free(p);
	ok(infra_normalize_prefix("a\nb") == NULL,
	    "control character rejected");
}

#define RULE_ARN "arn:aws:ses:us-east-1:123456789012:receipt-rule-set/s:" \
	"receipt-rule/r"

static void
test_policy_merge(void)
{
	char *st = infra_bucket_statement("AcmInboxSesPutX", "b", "p/",
	    "123456789012", RULE_ARN);
	char *st2 = infra_bucket_statement("AcmInboxSesPutX", "b", "q/",
	    "123456789012", RULE_ARN);
	const char *other = "{\"Version\":\"2012-10-17\",\"Statement\":"
	    "{\"Sid\":\"Keep\",\"Effect\":\"Allow\",\"Principal\":\"*\","
	    "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}}";
	char *doc = NULL, *doc2 = NULL, *reordered;

	ok(strstr(st, "\"arn:aws:s3:::b/p/*\"") != NULL,
	    "statement resource covers the prefix");
	ok(strstr(st, "\"AWS:SourceArn\":\"" RULE_ARN "\"") != NULL,
	    "statement names the rule");
	is_int(infra_policy_upsert(NULL, st, &doc), INFRA_POLICY_CHANGED,
	    "statement added to no policy");
	is_int(infra_policy_upsert(doc, st, &doc2), INFRA_POLICY_UNCHANGED,
	    "same statement is unchanged");
	ok(doc2 == NULL, "unchanged returns no document");
	ok(infra_policy_has(doc, st), "policy has the statement");
	ok(!infra_policy_has(doc, st2), "policy lacks a different one");
	free(doc);

	is_int(infra_policy_upsert(other, st, &doc), INFRA_POLICY_CHANGED,
	    "statement merged into a single-statement policy");
	ok(strstr(doc, "\"Keep\"") != NULL, "other statement kept");
	is_int(infra_policy_count_sid_prefix(doc, "AcmInbox"), 1,
	    "one statement of ours");
	is_int(infra_policy_upsert(doc, st2, &doc2), INFRA_POLICY_CHANGED,
	    "changed statement replaced");
	is_int(infra_policy_count_sid_prefix(doc2, "AcmInbox"), 1,
	    "replaced, not duplicated");
	free(doc2);

	/* Key order and spacing do not count as a change. */
	reordered = xstrdup("{ \"Statement\": [ {\"Sid\":\"Keep\","
	    "\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":"
	    "\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"} ], "
	    "\"Version\": \"2012-10-17\" }");
	is_int(infra_policy_upsert(reordered, "{\"Resource\":"
	    "\"arn:aws:s3:::b/*\",\"Action\":\"s3:GetObject\",\"Sid\":\"Keep\","
	    "\"Principal\":\"*\",\"Effect\":\"Allow\"}", &doc2),
	    INFRA_POLICY_UNCHANGED, "key order ignored");
	free(reordered);

	is_int(infra_policy_remove(doc, "AcmInboxSesPutX", &doc2),
	    INFRA_POLICY_CHANGED, "our statement removed");
	ok(doc2 != NULL && strstr(doc2, "AcmInbox") == NULL &&
	    strstr(doc2, "Keep") != NULL, "only ours removed");
	free(doc2);
	is_int(infra_policy_remove(doc, "Missing", &doc2),
	    INFRA_POLICY_UNCHANGED, "removing a missing statement");
	free(doc);
	infra_policy_upsert(NULL, st, &doc);
	is_int(infra_policy_remove(doc, "AcmInboxSesPutX", &doc2),
	    INFRA_POLICY_CHANGED, "last statement removed");
	ok(doc2 == NULL, "no document left when no statement remains");
	free(doc);

	is_int(infra_policy_upsert("not json", st, &doc),
	    INFRA_POLICY_INVALID, "invalid policy reported");
	is_int(infra_policy_upsert("{\"Statement\":7}", st, &doc),
	    INFRA_POLICY_INVALID, "invalid Statement reported");
	free(st);
	free(st2);

	st = infra_topic_statement("arn:aws:sns:us-east-1:1:t", "1");
	ok(strstr(st, "\"SNS:Publish\"") != NULL &&
	    strstr(st, INFRA_TOPIC_SID) != NULL, "topic statement");
	free(st);
}

static int
count(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_lifecycle(void)
{
	const char *foreign = "<LifecycleConfiguration xmlns=\""
	    BUCKET_XMLNS "\"><Rule><ID>logs</ID><Filter><Prefix>logs/"
	    "</Prefix></Filter><Status>Enabled</Status><Expiration><Days>7"
	    "</Days></Expiration></Rule></LifecycleConfiguration>";
	char *doc, *again, *rest;
	bool changed, none_left;

	doc = lifecycle_merge(NULL, "p/", 90, &changed);
	ok(changed, "lifecycle created from nothing");
	is_int(count(doc, "<Rule>"), 6, "six outcome rules");
	ok(strstr(doc, "<Prefix>p/inbox/") == NULL, "inbox never expires");
	ok(strstr(doc, "<Prefix>p/held/</Prefix>") != NULL, "held expires");
	again = lifecycle_merge(doc, "p/", 90, &changed);
	ok(!changed, "same rules are unchanged");
	free(again);
	again = lifecycle_merge(doc, "p/", 30, &changed);
	ok(changed, "other days are a change");
	is_int(count(again, "<Rule>"), 6, "rules replaced, not added");
	free(again);
	free(doc);

	doc = lifecycle_merge(foreign, "p/", 90, &changed);
	ok(changed && strstr(doc, "<ID>logs</ID>") != NULL,
	    "foreign rule kept");
	is_int(count(doc, "<Rule>"), 7, "foreign plus six");
	rest = lifecycle_remove(doc, "p/", &changed, &none_left);
	ok(changed && !none_left, "our rules removed, foreign left");
	is_int(count(rest, "<Rule>"), 1, "only the foreign rule is left");
	free(rest);
	free(doc);

	doc = lifecycle_merge(NULL, "p/", 90, &changed);
	rest = lifecycle_remove(doc, "p/", &changed, &none_left);
	ok(changed && none_left && rest == NULL, "nothing left to keep");
	free(doc);
	rest = lifecycle_remove(foreign, "p/", &changed, &none_left);
	ok(!changed && rest == NULL, "nothing of ours to remove");
	ok(lifecycle_merge("<Other/>", "p/", 90, &changed) == NULL,
	    "not a lifecycle document");
}

static void
test_bucket_documents(void)
{
	char *algorithm;

	ok(bucket_public_access_blocked(bucket_public_access_block_xml()),
	    "our public access block blocks all");
	ok(!bucket_public_access_blocked("<PublicAccessBlockConfiguration>"
	    "<BlockPublicAcls>true</BlockPublicAcls>"
	    "</PublicAccessBlockConfiguration>"), "partial block is not all");
	ok(!bucket_public_access_blocked(NULL), "no block is not all");
	algorithm = bucket_encryption_algorithm(bucket_encryption_xml());
	is_str(algorithm, "AES256", "encryption document reads back");
	free(algorithm);
}

static void
test_change_batch(void)
{
	struct route53_rrset txt = { .name = "_amazonses.example.com",
	    .type = "TXT", .ttl = 300 };
	struct route53_change change = { "UPSERT", &txt };
	char *xml;

	strlist_add(&txt.values, "\"tok+en=\"");
	xml = route53_change_batch_xml("c<1>", &change, 1);
	ok(strstr(xml, "<Comment>c&lt;1&gt;</Comment>") != NULL,
	    "comment escaped");
	ok(strstr(xml, "<Value>&quot;tok+en=&quot;</Value>") != NULL ||
	    strstr(xml, "<Value>\"tok+en=\"</Value>") != NULL,
	    "quoted TXT value");
	ok(strstr(xml, "<Action>UPSERT</Action>") != NULL, "action");
	ok(strstr(xml, "<TTL>300</TTL>") != NULL, "TTL");
	free(xml);
	strlist_free(&txt.values);
}

int
main(void)
{
	test_domains();
	test_regions();
	test_rule_names();
	test_recipients();
	test_prefixes();
	test_policy_merge();
	test_lifecycle();
	test_bucket_documents();
	test_change_batch();
	return tap_done();
}
