#ifndef APPROVE_POLICY_H
#define APPROVE_POLICY_H

#include <stdbool.h>

#include "common/str.h"
#include "parse/acm.h"
#include "parse/findings.h"

/*
 * What may be approved unattended.  allow_accounts contains 12-digit account
 * IDs and has no default: empty means nothing is approved.
 * allow_domains contains domains; a request's domain must equal one or be a
 * subdomain of one, compared label by label and case-insensitively.
 */
struct policy {
	struct strlist allow_accounts;
	struct strlist allow_domains;
};

enum policy_action {
	POLICY_APPROVE,
	POLICY_HOLD,
	POLICY_IGNORE,
};

/*
 * The outcome for one message.  reasons explains a hold or an ignore
 * (codes such as "account-not-allowed"); an approval has none.
 * certificate_check_needed is true for an approval until the optional
 * ACM DescribeCertificate check has confirmed the request; callers that
 * run that check clear it, callers that do not may approve anyway.
 */
struct policy_decision {
	enum policy_action action;
	struct findings reasons;
	bool certificate_check_needed;
};

/*
 * Decides what to do with a parsed message.  Uses only email and policy:
 * no network, no clock.  Free the result with policy_decision_free.
 */
void policy_decide(const struct policy *policy, const struct acm_email *email,
    struct policy_decision *decision);

void policy_decision_free(struct policy_decision *decision);

/* Returns "approve", "hold" or "ignore". */
const char *policy_action_name(enum policy_action action);

/*
 * Returns true when domain equals base or is a subdomain of it, label by
 * label and case-insensitively; a leading "*." on domain is ignored.
 */
bool policy_domain_covered(const char *domain, const char *base);

void policy_free(struct policy *policy);

#endif
