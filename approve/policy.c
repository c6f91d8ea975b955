#include "approve/policy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"

/* Parse problems that may hide an ACM email: even other mail is held. */
static const char *const unreadable_problems[] = {
	"message-too-large", "malformed-message", "mime-too-deep",
	"too-many-parts", NULL,
};

/* Parse problems that make an ACM email unsafe to approve. */
static const char *const blocking_problems[] = {
	"message-too-large", "malformed-message", "mime-too-deep",
	"too-many-parts", "conflicting-domain", "conflicting-account",
	"conflicting-region", "conflicting-certificate", "invalid-account",
	"invalid-certificate", "invalid-domain", "invalid-region",
	"invalid-approval-link", "ambiguous-approval-link", "nul-in-header",
	NULL,
};

const char *
policy_action_name(enum policy_action action)
{
	switch (action) {
	case POLICY_APPROVE:
		return "approve";
	case POLICY_HOLD:
		return "hold";
	default:
		return "ignore";
	}
}

bool
policy_domain_covered(const char *domain, const char *base)
{
	size_t len, base_len;

	if (domain == NULL || base == NULL)
		return false;
	if (strncmp(domain, "*.", 2) == 0)
		domain += 2;
	while (*base == '.')
		base++;
	len = strlen(domain);
	base_len = strlen(base);
	while (base_len > 0 && base[base_len - 1] == '.')
		base_len--;
	if (base_len == 0 || len < base_len)
		return false;
	if (strncasecmp(domain + len - base_len, base, base_len) != 0)
		return false;
	return len == base_len || domain[len - base_len - 1] == '.';
}

static bool
domain_allowed(const struct policy *policy, const char *domain)
{
	for (size_t i = 0; i < policy->allow_domains.count; i++)
		if (policy_domain_covered(domain,
		    policy->allow_domains.items[i]))
			return true;
	return false;
}

static bool
differs(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) != 0;
}

static void
check_sender(const struct acm_email *email, struct findings *reasons)
{
	const struct ses_auth *auth = &email->auth;
	bool aligned, ses_only;

	if (email->from == NULL || strcmp(email->from, ACM_EMAIL_FROM) != 0)
		findings_add(reasons, "from-not-amazon",
		    "the message is not from " ACM_EMAIL_FROM " alone");
	if (!auth->has_receipt) {
		findings_add(reasons, "no-ses-verdicts",
		    "the message has no X-SES-RECEIPT header, so no verdict "
		    "from SES can be trusted");
		return;
	}
	aligned = ses_auth_dkim_passed(auth, "certificates.amazon.com");
	ses_only = !aligned && ses_auth_dkim_passed(auth, "amazonses.com");
	if (!aligned && !ses_only)
		findings_add(reasons, "dkim-not-aligned",
		    "SES recorded no passing DKIM signature of "
		    "certificates.amazon.com or amazonses.com");
	if (auth->dmarc != NULL && strcmp(auth->dmarc, "fail") == 0)
		findings_add(reasons, "dmarc-fail", "SES recorded a DMARC "
		    "failure");
	/* Every message sent through SES carries an amazonses.com
	 * signature, so on its own it proves nothing about the From domain:
	 * then DMARC must have passed for it. */
	else if (ses_only && (auth->dmarc == NULL ||
	    strcmp(auth->dmarc, "pass") != 0))
		findings_add(reasons, "dmarc-not-pass", "only an amazonses.com "
		    "DKIM signature passed and SES recorded no DMARC pass for "
		    "the sender's domain");
	if (auth->virus == NULL || strcmp(auth->virus, "pass") != 0)
		findings_add(reasons, "virus-not-pass",
		    "the SES virus verdict is %s, not PASS",
		    auth->virus ? auth->virus : "missing");
}

static void
check_fields(const struct acm_email *email, struct findings *reasons)
{
	if (email->domain == NULL)
		findings_add(reasons, "missing-domain",
		    "the message has no valid Domain line");
	if (email->account_id == NULL)
		findings_add(reasons, "missing-account",
		    "the message has no valid AWS account ID line");
	if (email->region == NULL)
		findings_add(reasons, "missing-region",
		    "the message has no valid AWS Region name line");
	if (email->certificate_id == NULL)
		findings_add(reasons, "missing-certificate",
		    "the message has no valid Certificate Identifier line");
	if (!email->has_link &&
	    !findings_has(&email->problems, "ambiguous-approval-link"))
		findings_add(reasons, "no-approval-link",
		    "the message has no valid approval link");
}

static void
check_allowed(const struct policy *policy, const struct acm_email *email,
    struct findings *reasons)
{
	const char *account = email->account_id;

	if (policy->allow_accounts.count == 0)
		findings_add(reasons, "no-allowed-account",
		    "no AWS account is allowed: set allow-account in the "
		    "config file or pass --allow-account");
	else if (account != NULL &&
	    !strlist_contains(&policy->allow_accounts, account))
		findings_add(reasons, "account-not-allowed",
		    "AWS account %s is not on allow-account", account);
	if (policy->allow_domains.count == 0) {
		findings_add(reasons, "no-allowed-domain",
		    "no domain is allowed: set allow-domain or domain in the "
		    "config file or pass --allow-domain");
		return;
	}
	if (email->domain != NULL && !domain_allowed(policy, email->domain))
		findings_add(reasons, "domain-not-allowed",
		    "domain %s is not covered by allow-domain",
		    email->domain);
	if (email->requested_domain != NULL &&
	    !domain_allowed(policy, email->requested_domain))
		findings_add(reasons, "domain-not-allowed",
		    "requested domain %s is not covered by allow-domain",
		    email->requested_domain);
}

/* Account, region and partition must agree across body, ARN and link. */
static void
check_consistency(const struct acm_email *email, struct findings *reasons)
{
	const char *region = email->region;
	const char *partition = link_region_partition(region);

	if (differs(email->arn_account, email->account_id))
		findings_add(reasons, "account-mismatch",
		    "the certificate ARN names account %s, the body %s",
		    email->arn_account, email->account_id);
	if (differs(email->arn_region, region))
		findings_add(reasons, "region-mismatch",
		    "the certificate ARN names region %s, the body %s",
		    email->arn_region, region);
	if (differs(email->arn_partition, partition))
		findings_add(reasons, "region-mismatch",
		    "the certificate ARN's partition %s does not hold "
		    "region %s", email->arn_partition, region);
	if (!email->has_link)
		return;
	if (differs(email->link.region, region))
		findings_add(reasons, "region-mismatch",
		    "the approval link's host is in region %s, the body "
		    "names %s", email->link.region, region);
	if (differs(email->link.context_region, region))
		findings_add(reasons, "region-mismatch",
		    "the approval link's context names region %s, the body "
		    "%s", email->link.context_region, region);
}

static void
add_problems(const struct acm_email *email, const char *const *codes,
    struct findings *out)
{
	for (size_t i = 0; i < email->problems.count; i++) {
		const struct finding *p = &email->problems.items[i];

		for (int j = 0; codes[j] != NULL; j++)
			if (strcmp(p->code, codes[j]) == 0 &&
			    !findings_has(out, p->code))
				findings_add(out, p->code, "%s", p->text);
	}
}

/*
 * Returns whether the message has one valid approval link or several.
 * Such a message is a validation request in an unknown layout, so it is
 * held for a person rather than ignored.
 */
static bool
carries_approval_link(const struct acm_email *email)
{
	return email->has_link ||
	    findings_has(&email->problems, "ambiguous-approval-link");
}

void
policy_decide(const struct policy *policy, const struct acm_email *email,
    struct policy_decision *decision)
{
	struct findings *reasons = &decision->reasons;

	memset(decision, 0, sizeof(*decision));
	add_problems(email, email->is_acm ? blocking_problems :
	    unreadable_problems, reasons);
	if (email->is_setup_notification && !email->is_acm) {
		findings_add(reasons, "ses-setup-notification",
		    "the test message SES writes when a receipt rule is "
		    "created");
		decision->action = POLICY_IGNORE;
		return;
	}
	if (!email->is_acm && reasons->count == 0 &&
	    carries_approval_link(email))
		findings_add(reasons, "unrecognised-acm-email",
		    "the message carries an ACM approval link but not the "
		    "subject or Domain and account lines of an ACM email");
	if (!email->is_acm && reasons->count == 0) {
		findings_add(reasons, "not-acm",
		    "not an ACM validation email");
		decision->action = POLICY_IGNORE;
		return;
	}
	if (email->is_acm) {
		check_sender(email, reasons);
		check_fields(email, reasons);
		check_allowed(policy, email, reasons);
		check_consistency(email, reasons);
	}
	decision->action = reasons->count ? POLICY_HOLD : POLICY_APPROVE;
	decision->certificate_check_needed =
	    decision->action == POLICY_APPROVE;
}

void
policy_decision_free(struct policy_decision *decision)
{
	findings_free(&decision->reasons);
	memset(decision, 0, sizeof(*decision));
}

void
policy_free(struct policy *policy)
{
	strlist_free(&policy->allow_accounts);
	strlist_free(&policy->allow_domains);
}
