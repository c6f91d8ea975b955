/*
 * libFuzzer target: a whole message through the parser and the policy.
 * Built by "make fuzz"; crashes found here become corpus fixtures.
 */
#include <stddef.h>
#include <stdint.h>

#include "approve/policy.h"
#include "parse/acm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mail_limits limits = { 1u << 20, 20, 500 };
	struct policy policy = { 0 };
	struct acm_email email;
	struct policy_decision decision;

	strlist_add(&policy.allow_accounts, "111122223333");
	strlist_add(&policy.allow_domains, "example.com");
	acm_email_parse((const char *)data, size, &limits, &email);
	policy_decide(&policy, &email, &decision);
	policy_decision_free(&decision);
	acm_email_free(&email);
	policy_free(&policy);
	return 0;
}
