#ifndef APPROVE_VERIFY_H
#define APPROVE_VERIFY_H

/*
 * The optional certificate check of the approval policy: ACM
 * DescribeCertificate, with the caller's own credentials, must show the
 * certificate a message names waiting for validation of the message's
 * domain.  A message that passes policy_decide() with
 * certificate_check_needed set is checked like this:
 *
 *	struct verify_context ctx;	   once per run of many messages
 *	verify_context_init(&ctx, client, VERIFY_SETTING_AUTO);
 *
 *	struct verify_result result;	   per message
 *	verify_certificate(&ctx, &email, &result);
 *	if (result.status == VERIFY_ERROR && result.transient)
 *		... leave the message for a later attempt (worker) ...
 *	else
 *		verify_apply(&result, &decision);
 *	verify_result_free(&result);
 *
 *	verify_context_free(&ctx);
 *
 * A command run by hand simply calls verify_apply(), which turns every
 * failure, transient or not, into a hold with the result's reason.
 */
#include <stdbool.h>

#include "approve/policy.h"
#include "aws/acm.h"
#include "aws/aws.h"
#include "parse/acm.h"

/* The verify-certificate setting (acm-inbox.conf(5)). */
enum verify_setting {
	VERIFY_SETTING_AUTO,	/* check the caller's own certificates */
	VERIFY_SETTING_YES,	/* check all; hold what cannot be checked */
	VERIFY_SETTING_NO,	/* check nothing, send no request */
};

enum verify_status {
	VERIFY_VERIFIED,	/* waiting for validation of the domain */
	VERIFY_SKIPPED,		/* not checked: setting no, or auto and
				 * another account's certificate */
	VERIFY_NOT_PENDING,	/* issued, failed, expired, ...: hold */
	VERIFY_DOMAIN_NOT_LISTED, /* the certificate lacks the domain: hold */
	VERIFY_OTHER_ACCOUNT,	/* setting yes, another account's: hold */
	VERIFY_NOT_FOUND,	/* no such certificate, or no usable ARN */
	VERIFY_ERROR,		/* ACM or STS failed: see transient */
};

/*
 * The outcome for one message.  code is a short stable string for
 * decision records ("certificate-not-pending"); text is a sentence for
 * people with untrusted values escaped.  The other strings are NULL when
 * unknown.
 */
struct verify_result {
	enum verify_status status;
	const char *code;	/* static */
	char *text;
	bool transient;		/* VERIFY_ERROR: a retry may succeed */
	char *certificate_arn;	/* as described; built for old mail */
	char *certificate_status;	/* ACM's Status */
	char *renewal_status;	/* RenewalSummary.RenewalStatus */
};

/*
 * State shared by the checks of one run: the client (not owned; may be
 * NULL with VERIFY_SETTING_NO) and the caller's identity, which is
 * requested from STS once and cached.
 */
struct verify_context {
	struct aws_client *client;
	enum verify_setting setting;
	char *caller_account;		/* NULL until STS has responded */
	char *caller_arn;
};

void verify_context_init(struct verify_context *ctx,
    struct aws_client *client, enum verify_setting setting);
void verify_context_free(struct verify_context *ctx);

/*
 * Checks the certificate email names.  Calls STS GetCallerIdentity the
 * first time a context needs the caller's account, and DescribeCertificate
 * in the certificate's region when the certificate belongs to that
 * account.  Returns 0 when the check allows the approval (VERIFY_VERIFIED
 * or VERIFY_SKIPPED), -1 otherwise.  result records why in both cases (free
 * it with verify_result_free).  AWS failures are logged here.
 */
int verify_certificate(struct verify_context *ctx,
    const struct acm_email *email, struct verify_result *result);

/*
 * Judges a described certificate against the message's domain, without
 * the network: the certificate must list domain (as DomainName or a SAN,
 * also as *.domain) and be PENDING_VALIDATION, or be ISSUED with a
 * renewal PENDING_VALIDATION for that domain.  Fills result's status,
 * code, text and ACM states; certificate_arn is left as it is.
 */
void verify_judge_certificate(const struct acm_certificate *cert,
    const char *domain, struct verify_result *result);

/*
 * Returns the newly allocated ARN of the certificate email names: its
 * ARN, or for mail from before 2020, which gives only the UUID, one
 * built from the region, the account and the UUID.  Returns NULL when
 * the message lacks those parts or names an unknown region.
 */
char *verify_certificate_arn(const struct acm_email *email);

/*
 * Folds result into decision: VERIFY_VERIFIED clears
 * certificate_check_needed, VERIFY_SKIPPED leaves it set (the request was
 * not checked), and every other status turns an approval into a hold
 * with the result's code and text as a reason.  An ignored message stays
 * ignored.
 */
void verify_apply(const struct verify_result *result,
    struct policy_decision *decision);

void verify_result_free(struct verify_result *result);

/* Returns "verified", "skipped", "not-pending", ... for JSON output. */
const char *verify_status_name(enum verify_status status);

#endif
