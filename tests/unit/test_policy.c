/*
 * The approval policy: each rule on its own against a message that
 * passes every rule, the domain coverage table, and ignore decisions.
 */
#include <stdlib.h>
#include <string.h>

#include "approve/policy.h"
#include "common/buf.h"
#include "tests/unit/tap.h"

#define ARN "arn:aws:acm:us-east-1:111122223333:certificate/" \
	"0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"

static void
set(char **field, const char *value)
{
	free(*field);
	*field = value ? xstrdup(value) : NULL;
}

/* Fills email with a request that passes every rule of base_policy(). */
static void
good_email(struct acm_email *e)
{
	memset(e, 0, sizeof(*e));
	e->is_acm = true;
	set(&e->from, "no-reply@certificates.amazon.com");
	set(&e->domain, "www.example.com");
	set(&e->requested_domain, "www.example.com");
	set(&e->account_id, "111122223333");
	set(&e->region, "us-east-1");
	set(&e->certificate_arn, ARN);
	set(&e->certificate_id, "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
	set(&e->arn_partition, "aws");
	set(&e->arn_region, "us-east-1");
	set(&e->arn_account, "111122223333");
	e->has_link = true;
	set(&e->link.url, "https://us-east-1.acm-certificates.amazon.com/"
	    "approvals?code=a&context=b");
	set(&e->link.host, "us-east-1.acm-certificates.amazon.com");
	set(&e->link.region, "us-east-1");
	set(&e->link.code, "a");
	set(&e->link.context, "b");
	set(&e->link.context_region, "us-east-1");
	e->auth.has_receipt = true;
	set(&e->auth.dkim, "pass");
	set(&e->auth.virus, "pass");
	strlist_add(&e->auth.dkim_pass_domains, "certificates.amazon.com");
}

static void
base_policy(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	strlist_add(&p->allow_accounts, "111122223333");
	strlist_add(&p->allow_domains, "example.com");
}

/* Returns the reason codes joined by spaces, for comparison. */
static char *
decide(const struct policy *p, const struct acm_email *e,
    enum policy_action *action, bool *check_needed)
{
	struct policy_decision d;
	struct buf codes = { 0 };

	policy_decide(p, e, &d);
	*action = d.action;
	*check_needed = d.certificate_check_needed;
	for (size_t i = 0; i < d.reasons.count; i++)
		buf_printf(&codes, "%s%s", i ? " " : "",
		    d.reasons.items[i].code);
	policy_decision_free(&d);
	return codes.data ? buf_steal(&codes) : xstrdup("");
}

typedef void (*mutation)(struct acm_email *e, struct policy *p);

static void m_none(struct acm_email *e, struct policy *p) { }
static void m_from(struct acm_email *e, struct policy *p)
{ set(&e->from, "no-reply@certificates.amazon.com.evil"); }
static void m_no_from(struct acm_email *e, struct policy *p)
{ set(&e->from, NULL); }
static void m_no_receipt(struct acm_email *e, struct policy *p)
{ e->auth.has_receipt = false; }
static void m_dkim_other(struct acm_email *e, struct policy *p)
{
	strlist_free(&e->auth.dkim_pass_domains);
	strlist_add(&e->auth.dkim_pass_domains, "certificates.amazon.com.evil");
}
static void m_dkim_ses(struct acm_email *e, struct policy *p)
{
	strlist_free(&e->auth.dkim_pass_domains);
	strlist_add(&e->auth.dkim_pass_domains, "amazonses.com");
}
static void m_dkim_ses_dmarc(struct acm_email *e, struct policy *p)
{
	m_dkim_ses(e, p);
	set(&e->auth.dmarc, "pass");
}
static void m_dkim_ses_dmarc_none(struct acm_email *e, struct policy *p)
{
	m_dkim_ses(e, p);
	set(&e->auth.dmarc, "none");
}
static void m_dmarc(struct acm_email *e, struct policy *p)
{ set(&e->auth.dmarc, "fail"); }
static void m_nul_header(struct acm_email *e, struct policy *p)
{ findings_add(&e->problems, "nul-in-header", "a header has a NUL byte"); }
static void m_virus(struct acm_email *e, struct policy *p)
{ set(&e->auth.virus, "fail"); }
static void m_no_virus(struct acm_email *e, struct policy *p)
{ set(&e->auth.virus, NULL); }
static void m_no_accounts(struct acm_email *e, struct policy *p)
{ strlist_free(&p->allow_accounts); }
static void m_no_domains(struct acm_email *e, struct policy *p)
{ strlist_free(&p->allow_domains); }
static void m_account(struct acm_email *e, struct policy *p)
{
	set(&e->account_id, "444455556666");
	set(&e->arn_account, "444455556666");
}
static void m_domain(struct acm_email *e, struct policy *p)
{
	set(&e->domain, "www.example.net");
	set(&e->requested_domain, "www.example.net");
}
static void m_wildcard(struct acm_email *e, struct policy *p)
{
	set(&e->domain, "example.com");
	set(&e->requested_domain, "*.example.com");
}
static void m_wildcard_base(struct acm_email *e, struct policy *p)
{
	m_wildcard(e, p);
	strlist_free(&p->allow_domains);
	strlist_add(&p->allow_domains, "www.example.com");
}
static void m_arn_account(struct acm_email *e, struct policy *p)
{ set(&e->arn_account, "444455556666"); }
static void m_arn_region(struct acm_email *e, struct policy *p)
{ set(&e->arn_region, "us-east-2"); }
static void m_arn_partition(struct acm_email *e, struct policy *p)
{ set(&e->arn_partition, "aws-cn"); }
static void m_link_region(struct acm_email *e, struct policy *p)
{ set(&e->link.region, "eu-west-1"); }
static void m_context_region(struct acm_email *e, struct policy *p)
{ set(&e->link.context_region, "eu-west-1"); }
static void m_no_context_region(struct acm_email *e, struct policy *p)
{ set(&e->link.context_region, NULL); }
static void m_no_link(struct acm_email *e, struct policy *p)
{
	approval_link_free(&e->link);
	e->has_link = false;
}
static void m_ambiguous(struct acm_email *e, struct policy *p)
{
	m_no_link(e, p);
	findings_add(&e->problems, "ambiguous-approval-link", "two links");
}
static void m_lookalike(struct acm_email *e, struct policy *p)
{ findings_add(&e->problems, "invalid-approval-link", "bad host"); }
static void m_charset(struct acm_email *e, struct policy *p)
{ findings_add(&e->problems, "unknown-charset", "x"); }
static void m_too_deep(struct acm_email *e, struct policy *p)
{ findings_add(&e->problems, "mime-too-deep", "x"); }
static void m_missing(struct acm_email *e, struct policy *p)
{
	set(&e->region, NULL);
	set(&e->certificate_id, NULL);
}

static const struct {
	const char *name;
	mutation change;
	enum policy_action action;
	const char *reasons;
} cases[] = {
	{ "all rules pass", m_none, POLICY_APPROVE, "" },
	{ "look-alike sender", m_from, POLICY_HOLD, "from-not-amazon" },
	{ "no single sender", m_no_from, POLICY_HOLD, "from-not-amazon" },
	{ "no SES receipt", m_no_receipt, POLICY_HOLD, "no-ses-verdicts" },
	{ "DKIM of another domain", m_dkim_other, POLICY_HOLD,
	    "dkim-not-aligned" },
	{ "DKIM of amazonses.com, no DMARC", m_dkim_ses, POLICY_HOLD,
	    "dmarc-not-pass" },
	{ "DKIM of amazonses.com, DMARC none", m_dkim_ses_dmarc_none,
	    POLICY_HOLD, "dmarc-not-pass" },
	{ "DKIM of amazonses.com, DMARC pass", m_dkim_ses_dmarc,
	    POLICY_APPROVE, "" },
	{ "NUL byte in a header", m_nul_header, POLICY_HOLD,
	    "nul-in-header" },
	{ "DMARC fail", m_dmarc, POLICY_HOLD, "dmarc-fail" },
	{ "virus FAIL", m_virus, POLICY_HOLD, "virus-not-pass" },
	{ "no virus verdict", m_no_virus, POLICY_HOLD, "virus-not-pass" },
	{ "no allowed account", m_no_accounts, POLICY_HOLD,
	    "no-allowed-account" },
	{ "no allowed domain", m_no_domains, POLICY_HOLD,
	    "no-allowed-domain" },
	{ "foreign account", m_account, POLICY_HOLD, "account-not-allowed" },
	{ "foreign domain", m_domain, POLICY_HOLD,
	    "domain-not-allowed domain-not-allowed" },
	{ "wildcard request", m_wildcard, POLICY_APPROVE, "" },
	{ "wildcard above the allowed domain", m_wildcard_base, POLICY_HOLD,
	    "domain-not-allowed domain-not-allowed" },
	{ "ARN account differs", m_arn_account, POLICY_HOLD,
	    "account-mismatch" },
	{ "ARN region differs", m_arn_region, POLICY_HOLD,
	    "region-mismatch" },
	{ "ARN partition differs", m_arn_partition, POLICY_HOLD,
	    "region-mismatch" },
	{ "link host region differs", m_link_region, POLICY_HOLD,
	    "region-mismatch" },
	{ "context region differs", m_context_region, POLICY_HOLD,
	    "region-mismatch" },
	{ "context without region", m_no_context_region, POLICY_APPROVE, "" },
	{ "no link", m_no_link, POLICY_HOLD, "no-approval-link" },
	{ "ambiguous links", m_ambiguous, POLICY_HOLD,
	    "ambiguous-approval-link" },
	{ "look-alike link beside", m_lookalike, POLICY_HOLD,
	    "invalid-approval-link" },
	{ "unknown charset only", m_charset, POLICY_APPROVE, "" },
	{ "MIME too deep", m_too_deep, POLICY_HOLD, "mime-too-deep" },
	{ "missing fields", m_missing, POLICY_HOLD,
	    "missing-region missing-certificate" },
};

static void
test_rules(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct acm_email e;
		struct policy p;
		enum policy_action action;
		bool check_needed;
		char *reasons;

		good_email(&e);
		base_policy(&p);
		cases[i].change(&e, &p);
		reasons = decide(&p, &e, &action, &check_needed);
		is_str(policy_action_name(action),
		    policy_action_name(cases[i].action), "%s: action",
		    cases[i].name);
		is_str(reasons, cases[i].reasons, "%s: reasons",
		    cases[i].name);
		is_int(check_needed, action == POLICY_APPROVE,
		    "%s: certificate check needed", cases[i].name);
		free(reasons);
		acm_email_free(&e);
		policy_free(&p);
	}
}

static void
test_ignore(void)
{
	struct acm_email e;
	struct policy p;
	enum policy_action action;
	bool check_needed;
	char *reasons;

	base_policy(&p);
	memset(&e, 0, sizeof(e));
	reasons = decide(&p, &e, &action, &check_needed);
	is_str(policy_action_name(action), "ignore", "other mail: ignored");
	is_str(reasons, "not-acm", "other mail: reason");
	free(reasons);

	e.is_setup_notification = true;
	reasons = decide(&p, &e, &action, &check_needed);
	is_str(reasons, "ses-setup-notification", "setup notification");
	free(reasons);

	e.is_setup_notification = false;
	findings_add(&e.problems, "invalid-approval-link", "x");
	reasons = decide(&p, &e, &action, &check_needed);
	is_str(policy_action_name(action), "ignore",
	    "other mail with a look-alike link: ignored");
	free(reasons);

	acm_email_free(&e);
	good_email(&e);
	e.is_acm = false;
	set(&e.domain, NULL);
	set(&e.requested_domain, NULL);
	reasons = decide(&p, &e, &action, &check_needed);
	is_str(policy_action_name(action), "hold",
	    "unrecognised layout with an approval link: held");
	is_str(reasons, "unrecognised-acm-email",
	    "unrecognised layout with an approval link: reason");
	free(reasons);

	m_ambiguous(&e, &p);
	reasons = decide(&p, &e, &action, &check_needed);
	is_str(policy_action_name(action), "hold",
	    "unrecognised layout with two approval links: held");
	free(reasons);
	acm_email_free(&e);
	memset(&e, 0, sizeof(e));

	findings_add(&e.problems, "message-too-large", "x");
	reasons = decide(&p, &e, &action, &check_needed);
	is_str(policy_action_name(action), "hold",
	    "other mail over a limit: held");
	is_str(reasons, "message-too-large", "other mail over a limit: reason");
	free(reasons);
	acm_email_free(&e);
	policy_free(&p);
}

static void
test_domain_covered(void)
{
	static const struct {
		const char *domain;
		const char *base;
		bool covered;
	} coverage[] = {
		{ "example.com", "example.com", true },
		{ "www.example.com", "example.com", true },
		{ "a.b.example.com", "example.com", true },
		{ "WWW.Example.COM", "example.com", true },
		{ "www.example.com", "EXAMPLE.com.", true },
		{ "www.example.com", ".example.com", true },
		{ "*.example.com", "example.com", true },
		{ "*.example.com", "www.example.com", false },
		{ "notexample.com", "example.com", false },
		{ "example.com.evil", "example.com", false },
		{ "example.com", "www.example.com", false },
		{ "com", "example.com", false },
		{ "example.com", "", false },
		{ "", "example.com", false },
		{ "*.", "example.com", false },
	};

	for (size_t i = 0; i < sizeof(coverage) / sizeof(coverage[0]); i++)
		is_int(policy_domain_covered(coverage[i].domain,
		    coverage[i].base), coverage[i].covered, "'%s' under '%s'",
		    coverage[i].domain, coverage[i].base);
	ok(!policy_domain_covered(NULL, "example.com"), "NULL domain");
}

int
main(void)
{
	test_rules();
	test_ignore();
	test_domain_covered();
	return tap_done();
}
