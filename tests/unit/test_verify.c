/*
 * The certificate check without the network: DescribeCertificate responses
 * parsed from JSON, the decision table over them, ARNs for old mail, the
 * account rules with a cached caller identity, and how a result changes a
 * policy decision.
 */
#include <stdlib.h>
#include <string.h>

#include "approve/verify.h"
#include "aws/acm.h"
#include "common/buf.h"
#include "tests/unit/tap.h"

#define ARN "arn:aws:acm:eu-west-1:123456789012:certificate/" \
	"0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"

static const char pending_json[] =
"{\"Certificate\": {"
"  \"CertificateArn\": \"" ARN "\","
"  \"DomainName\": \"www.example.com\","
"  \"SubjectAlternativeNames\": [\"www.example.com\", \"api.example.com\"],"
"  \"DomainValidationOptions\": ["
"    {\"DomainName\": \"www.example.com\", \"ValidationMethod\": \"EMAIL\","
"     \"ValidationStatus\": \"PENDING_VALIDATION\","
"     \"ValidationDomain\": \"example.com\","
"     \"ValidationEmails\": [\"admin@example.com\"]},"
"    {\"DomainName\": \"api.example.com\", \"ValidationMethod\": \"EMAIL\","
"     \"ValidationStatus\": \"SUCCESS\","
"     \"ValidationDomain\": \"example.com\"}],"
"  \"Status\": \"PENDING_VALIDATION\","
"  \"Type\": \"AMAZON_ISSUED\","
"  \"CreatedAt\": 1733300000.0}}";

static const char renewal_json[] =
"{\"Certificate\": {"
"  \"CertificateArn\": \"" ARN "\","
"  \"DomainName\": \"example.com\","
"  \"SubjectAlternativeNames\": [\"example.com\", \"*.example.com\"],"
"  \"Status\": \"ISSUED\", \"Type\": \"AMAZON_ISSUED\","
"  \"RenewalSummary\": {"
"    \"RenewalStatus\": \"PENDING_VALIDATION\","
"    \"DomainValidationOptions\": ["
"      {\"DomainName\": \"*.example.com\", \"ValidationMethod\": \"EMAIL\","
"       \"ValidationStatus\": \"PENDING_VALIDATION\","
"       \"ValidationDomain\": \"example.com\"}],"
"    \"UpdatedAt\": 1733300000.0}}}";

static const char wildcard_json[] =
"{\"Certificate\": {\"DomainName\": \"*.shop.example.org\","
"  \"Status\": \"PENDING_VALIDATION\"}}";

static const char issued_json[] =
"{\"Certificate\": {\"DomainName\": \"example.com\","
"  \"SubjectAlternativeNames\": [\"example.com\"],"
"  \"Status\": \"ISSUED\", \"Type\": \"AMAZON_ISSUED\"}}";

static void
test_parse_pending(void)
{
	struct acm_certificate c;

	is_int(acm_certificate_parse(pending_json, strlen(pending_json), &c),
	    0, "parse pending: succeeds");
	is_str(c.arn, ARN, "parse pending: ARN");
	is_str(c.domain_name, "www.example.com", "parse pending: DomainName");
	is_str(c.status, "PENDING_VALIDATION", "parse pending: Status");
	is_str(c.type, "AMAZON_ISSUED", "parse pending: Type");
	is_int(c.subject_alternative_names.count, 2, "parse pending: 2 SANs");
	is_str(c.subject_alternative_names.items[1], "api.example.com",
	    "parse pending: second SAN");
	is_int(c.validation_count, 2, "parse pending: 2 validations");
	is_str(c.validations[0].validation_method, "EMAIL",
	    "parse pending: ValidationMethod");
	is_str(c.validations[0].validation_domain, "example.com",
	    "parse pending: ValidationDomain");
	is_str(c.validations[1].validation_status, "SUCCESS",
	    "parse pending: second ValidationStatus");
	ok(c.renewal_status == NULL, "parse pending: no renewal");
	is_int(c.renewal_validation_count, 0,
	    "parse pending: no renewal validations");
	acm_certificate_free(&c);
}

static void
test_parse_renewal(void)
{
	struct acm_certificate c;

	is_int(acm_certificate_parse(renewal_json, strlen(renewal_json), &c),
	    0, "parse renewal: succeeds");
	is_str(c.status, "ISSUED", "parse renewal: Status");
	is_str(c.renewal_status, "PENDING_VALIDATION",
	    "parse renewal: RenewalStatus");
	is_int(c.renewal_validation_count, 1,
	    "parse renewal: one renewal validation");
	is_str(c.renewal_validations[0].domain_name, "*.example.com",
	    "parse renewal: wildcard DomainName");
	is_int(c.validation_count, 0,
	    "parse renewal: no top-level validations");
	acm_certificate_free(&c);
}

static void
test_parse_invalid(void)
{
	static const char *const bodies[] = {
		"", "not json", "[]", "{}", "{\"Certificate\": []}",
		"{\"Certificate\": {\"DomainName\": \"example.com\"}}",
		"{\"Certificate\": {\"Status\": 7}}",
		"{\"Certificate\": {\"Status\": \"ISSUED\"}",
	};
	struct acm_certificate c;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
		is_int(acm_certificate_parse(bodies[i], strlen(bodies[i]), &c),
		    -1, "parse rejects '%s'", bodies[i]);
		ok(c.status == NULL && c.domain_name == NULL,
		    "parse leaves nothing behind for '%s'", bodies[i]);
		acm_certificate_free(&c);
	}
	is_int(acm_certificate_parse(NULL, 0, &c), -1, "parse rejects NULL");
}

static void
test_parse_odd_members(void)
{
	static const char body[] =
	    "{\"Certificate\": {\"Status\": \"ISSUED\","
	    " \"SubjectAlternativeNames\": [\"a.example\", 3, null],"
	    " \"DomainValidationOptions\": [1, {\"DomainName\": \"b\"}],"
	    " \"RenewalSummary\": \"none\"}}";
	struct acm_certificate c;

	is_int(acm_certificate_parse(body, strlen(body), &c), 0,
	    "parse odd members: succeeds");
	is_int(c.subject_alternative_names.count, 1,
	    "parse odd members: only string SANs");
	is_int(c.validation_count, 1,
	    "parse odd members: only object validations");
	ok(c.renewal_status == NULL,
	    "parse odd members: a non-object RenewalSummary is ignored");
	acm_certificate_free(&c);
}

/* Parses json and judges it for domain; returns the status. */
static enum verify_status
judge(const char *json, const char *domain, char **code)
{
	struct acm_certificate c;
	struct verify_result r = {0};
	enum verify_status status;

	if (acm_certificate_parse(json, strlen(json), &c) != 0)
		return (enum verify_status)-1;
	verify_judge_certificate(&c, domain, &r);
	status = r.status;
	*code = xstrdup(r.code);
	verify_result_free(&r);
	acm_certificate_free(&c);
	return status;
}

struct judge_case {
	const char *name;
	const char *json;
	const char *domain;
	enum verify_status status;
	const char *code;
};

static const struct judge_case judge_cases[] = {
	{ "pending, DomainName", pending_json, "www.example.com",
	  VERIFY_VERIFIED, "certificate-verified" },
	{ "pending, upper case and trailing dot", pending_json,
	  "WWW.Example.COM.", VERIFY_VERIFIED, "certificate-verified" },
	{ "pending, domain validated already", pending_json,
	  "api.example.com", VERIFY_NOT_PENDING, "certificate-not-pending" },
	{ "pending, parent domain not listed", pending_json, "example.com",
	  VERIFY_DOMAIN_NOT_LISTED, "domain-not-on-certificate" },
	{ "pending, look-alike domain", pending_json, "www.example.com.evil",
	  VERIFY_DOMAIN_NOT_LISTED, "domain-not-on-certificate" },
	{ "pending, no domain", pending_json, NULL,
	  VERIFY_DOMAIN_NOT_LISTED, "domain-not-on-certificate" },
	{ "wildcard, mail shows the base name", wildcard_json,
	  "shop.example.org", VERIFY_VERIFIED, "certificate-verified" },
	{ "wildcard, a name below it is not listed", wildcard_json,
	  "a.shop.example.org", VERIFY_DOMAIN_NOT_LISTED,
	  "domain-not-on-certificate" },
	{ "issued, no renewal", issued_json, "example.com",
	  VERIFY_NOT_PENDING, "certificate-not-pending" },
	{ "issued, other domain", issued_json, "example.net",
	  VERIFY_DOMAIN_NOT_LISTED, "domain-not-on-certificate" },
	{ "renewal pending for the wildcard", renewal_json, "example.com",
	  VERIFY_VERIFIED, "certificate-verified" },
	{ "renewal pending, other SAN not in it",
	  "{\"Certificate\": {\"DomainName\": \"example.com\","
	  " \"SubjectAlternativeNames\":"
	  " [\"example.com\", \"www.example.com\"],"
	  " \"Status\": \"ISSUED\", \"RenewalSummary\": {"
	  " \"RenewalStatus\": \"PENDING_VALIDATION\","
	  " \"DomainValidationOptions\": [{\"DomainName\": \"example.com\","
	  " \"ValidationStatus\": \"SUCCESS\"}]}}}", "www.example.com",
	  VERIFY_NOT_PENDING, "certificate-not-pending" },
	{ "renewal pending, domain validated already",
	  "{\"Certificate\": {\"DomainName\": \"example.com\","
	  " \"Status\": \"ISSUED\", \"RenewalSummary\": {"
	  " \"RenewalStatus\": \"PENDING_VALIDATION\","
	  " \"DomainValidationOptions\": [{\"DomainName\": \"example.com\","
	  " \"ValidationStatus\": \"SUCCESS\"}]}}}", "example.com",
	  VERIFY_NOT_PENDING, "certificate-not-pending" },
	{ "renewal pending auto renewal",
	  "{\"Certificate\": {\"DomainName\": \"example.com\","
	  " \"Status\": \"ISSUED\", \"RenewalSummary\": {"
	  " \"RenewalStatus\": \"PENDING_AUTO_RENEWAL\","
	  " \"DomainValidationOptions\": [{\"DomainName\": \"example.com\","
	  " \"ValidationStatus\": \"PENDING_VALIDATION\"}]}}}", "example.com",
	  VERIFY_NOT_PENDING, "certificate-not-pending" },
	{ "failed", "{\"Certificate\": {\"DomainName\": \"example.com\","
	  " \"Status\": \"FAILED\"}}", "example.com",
	  VERIFY_NOT_PENDING, "certificate-not-pending" },
	{ "validation timed out", "{\"Certificate\": {\"DomainName\":"
	  " \"example.com\", \"Status\": \"VALIDATION_TIMED_OUT\"}}",
	  "example.com", VERIFY_NOT_PENDING, "certificate-not-pending" },
};

static void
test_judge_table(void)
{
	for (size_t i = 0; i < sizeof(judge_cases) / sizeof(*judge_cases);
	    i++) {
		const struct judge_case *t = &judge_cases[i];
		char *code = NULL;
		enum verify_status got = judge(t->json, t->domain, &code);

		is_str(verify_status_name(got), verify_status_name(t->status),
		    "judge %s: status", t->name);
		is_str(code, t->code, "judge %s: code", t->name);
		free(code);
	}
}

static void
test_judge_text(void)
{
	struct acm_certificate c;
	struct verify_result r = {0};

	acm_certificate_parse(issued_json, strlen(issued_json), &c);
	verify_judge_certificate(&c, "example.com", &r);
	ok(r.text != NULL && strstr(r.text, "ISSUED") != NULL,
	    "judge text names the status: %s", r.text);
	is_str(r.certificate_status, "ISSUED", "judge keeps ACM's Status");
	ok(r.renewal_status == NULL, "judge: no renewal status");
	verify_result_free(&r);
	acm_certificate_free(&c);

	acm_certificate_parse(wildcard_json, strlen(wildcard_json), &c);
	verify_judge_certificate(&c, "evil\x1b[2J.example", &r);
	ok(r.text != NULL && strchr(r.text, '\x1b') == NULL,
	    "judge text escapes the domain: %s", r.text);
	verify_result_free(&r);
	acm_certificate_free(&c);
}

static void
email_init(struct acm_email *e, const char *arn, const char *id,
    const char *account, const char *region)
{
	memset(e, 0, sizeof(*e));
	e->is_acm = true;
	e->domain = xstrdup("www.example.com");
	e->certificate_arn = arn ? xstrdup(arn) : NULL;
	e->certificate_id = id ? xstrdup(id) : NULL;
	e->account_id = account ? xstrdup(account) : NULL;
	e->region = region ? xstrdup(region) : NULL;
	if (arn != NULL) {
		e->arn_region = xstrdup(region);
		e->arn_account = xstrdup(account);
	}
}

static void
test_certificate_arn(void)
{
	static const char id[] = "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
	struct acm_email e;
	char *arn;

	email_init(&e, ARN, id, "123456789012", "eu-west-1");
	arn = verify_certificate_arn(&e);
	is_str(arn, ARN, "ARN from a current message is used as it is");
	free(arn);
	acm_email_free(&e);

	email_init(&e, NULL, id, "123456789012", "eu-west-1");
	arn = verify_certificate_arn(&e);
	is_str(arn, ARN, "ARN built from an old message's UUID");
	free(arn);
	acm_email_free(&e);

	email_init(&e, NULL, id, "123456789012", "cn-north-1");
	arn = verify_certificate_arn(&e);
	is_str(arn, "arn:aws-cn:acm:cn-north-1:123456789012:certificate/"
	    "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
	    "ARN built in the China partition");
	free(arn);
	acm_email_free(&e);

	email_init(&e, NULL, id, NULL, "eu-west-1");
	ok(verify_certificate_arn(&e) == NULL, "no ARN without an account");
	acm_email_free(&e);

	email_init(&e, NULL, id, "123456789012", "mars-1");
	ok(verify_certificate_arn(&e) == NULL, "no ARN in an unknown region");
	acm_email_free(&e);
}

static void
test_setting_no(void)
{
	struct verify_context ctx;
	struct verify_result r;
	struct acm_email e;

	email_init(&e, ARN, NULL, "123456789012", "eu-west-1");
	verify_context_init(&ctx, NULL, VERIFY_SETTING_NO);
	is_int(verify_certificate(&ctx, &e, &r), 0,
	    "setting no: allows the approval");
	is_str(verify_status_name(r.status), "skipped", "setting no: skipped");
	is_str(r.code, "certificate-not-checked", "setting no: code");
	ok(ctx.caller_account == NULL, "setting no: no STS call");
	verify_result_free(&r);
	verify_context_free(&ctx);
	acm_email_free(&e);
}

/* A context whose caller identity is already known: no STS call. */
static void
context_cached(struct verify_context *ctx, enum verify_setting setting)
{
	verify_context_init(ctx, NULL, setting);
	ctx->caller_account = xstrdup("123456789012");
	ctx->caller_arn = xstrdup("arn:aws:iam::123456789012:user/worker");
}

static void
test_other_account(void)
{
	static const char other[] = "arn:aws:acm:eu-west-1:210987654321:"
	    "certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
	struct verify_context ctx;
	struct verify_result r;
	struct acm_email e;

	email_init(&e, other, NULL, "210987654321", "eu-west-1");
	context_cached(&ctx, VERIFY_SETTING_AUTO);
	is_int(verify_certificate(&ctx, &e, &r), 0,
	    "other account, auto: allows the approval");
	is_str(verify_status_name(r.status), "skipped",
	    "other account, auto: skipped");
	ok(r.text != NULL && strstr(r.text, "210987654321") != NULL &&
	    strstr(r.text, "123456789012") != NULL,
	    "other account, auto: text names both accounts: %s", r.text);
	verify_result_free(&r);
	verify_context_free(&ctx);

	context_cached(&ctx, VERIFY_SETTING_YES);
	is_int(verify_certificate(&ctx, &e, &r), -1,
	    "other account, yes: does not allow the approval");
	is_str(verify_status_name(r.status), "other-account",
	    "other account, yes: other-account");
	is_str(r.code, "certificate-other-account", "other account, yes: code");
	ok(r.text != NULL && strstr(r.text, "cannot be checked") != NULL,
	    "other account, yes: text: %s", r.text);
	is_str(r.certificate_arn, other, "other account, yes: ARN kept");
	verify_result_free(&r);
	verify_context_free(&ctx);
	acm_email_free(&e);
}

static void
test_unidentified(void)
{
	struct verify_context ctx;
	struct verify_result r;
	struct acm_email e;

	email_init(&e, NULL, NULL, "123456789012", "eu-west-1");
	context_cached(&ctx, VERIFY_SETTING_AUTO);
	is_int(verify_certificate(&ctx, &e, &r), -1,
	    "no certificate: not allowed");
	is_str(r.code, "certificate-unidentified", "no certificate: code");
	is_str(verify_status_name(r.status), "not-found",
	    "no certificate: not-found");
	verify_result_free(&r);
	verify_context_free(&ctx);
	acm_email_free(&e);
}

static void
test_apply(void)
{
	struct policy_decision d = { .action = POLICY_APPROVE,
	    .certificate_check_needed = true };
	struct verify_result r = { .status = VERIFY_SKIPPED,
	    .code = "certificate-not-checked", .text = (char *)"skipped" };

	verify_apply(&r, &d);
	is_int(d.action, POLICY_APPROVE, "apply skipped: still approve");
	ok(d.certificate_check_needed, "apply skipped: still unchecked");
	is_int(d.reasons.count, 0, "apply skipped: no reason");

	r.status = VERIFY_VERIFIED;
	verify_apply(&r, &d);
	is_int(d.action, POLICY_APPROVE, "apply verified: approve");
	ok(!d.certificate_check_needed, "apply verified: check done");

	d.certificate_check_needed = true;
	r.status = VERIFY_ERROR;
	r.code = "certificate-check-failed";
	r.text = (char *)"no response";
	verify_apply(&r, &d);
	is_int(d.action, POLICY_HOLD, "apply error: hold");
	ok(!d.certificate_check_needed, "apply error: no check pending");
	ok(findings_has(&d.reasons, "certificate-check-failed"),
	    "apply error: reason recorded");
	policy_decision_free(&d);

	d.action = POLICY_IGNORE;
	r.status = VERIFY_NOT_PENDING;
	verify_apply(&r, &d);
	is_int(d.action, POLICY_IGNORE, "apply to an ignored message: ignored");
	is_int(d.reasons.count, 0, "apply to an ignored message: no reason");
	policy_decision_free(&d);
}

int
main(void)
{
	test_parse_pending();
	test_parse_renewal();
	test_parse_invalid();
	test_parse_odd_members();
	test_judge_table();
	test_judge_text();
	test_certificate_arn();
	test_setting_no();
	test_other_account();
	test_unidentified();
	test_apply();
	return tap_done();
}
