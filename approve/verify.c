/* The certificate check: STS GetCallerIdentity and ACM DescribeCertificate. */
#include "approve/verify.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sts.h"
#include "common/buf.h"
#include "common/log.h"
#include "parse/links.h"

#define PENDING "PENDING_VALIDATION"
#define CODE_NOT_PENDING "certificate-not-pending"

void
verify_context_init(struct verify_context *ctx, struct aws_client *client,
    enum verify_setting setting)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->client = client;
	ctx->setting = setting;
}

void
verify_context_free(struct verify_context *ctx)
{
	free(ctx->caller_account);
	free(ctx->caller_arn);
	memset(ctx, 0, sizeof(*ctx));
}

void
verify_result_free(struct verify_result *result)
{
	free(result->text);
	free(result->certificate_arn);
	free(result->certificate_status);
	free(result->renewal_status);
	memset(result, 0, sizeof(*result));
}

const char *
verify_status_name(enum verify_status status)
{
	switch (status) {
	case VERIFY_VERIFIED:
		return "verified";
	case VERIFY_SKIPPED:
		return "skipped";
	case VERIFY_NOT_PENDING:
		return "not-pending";
	case VERIFY_DOMAIN_NOT_LISTED:
		return "domain-not-on-certificate";
	case VERIFY_OTHER_ACCOUNT:
		return "other-account";
	case VERIFY_NOT_FOUND:
		return "not-found";
	default:
		return "error";
	}
}

static void
result_set(struct verify_result *result, enum verify_status status,
    const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
result_set(struct verify_result *result, enum verify_status status,
    const char *code, const char *fmt, ...)
{
	struct buf text = {0};
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	free(result->text);
	result->status = status;
	result->code = code;
	result->text = buf_steal(&text);
}

/* Compares DNS names case-insensitively, ignoring one trailing dot. */
static bool
same_name(const char *a, const char *b)
{
	size_t alen = strlen(a), blen = strlen(b);

	if (alen > 0 && a[alen - 1] == '.')
		alen--;
	if (blen > 0 && b[blen - 1] == '.')
		blen--;
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

/*
 * Returns true when a certificate name covers the message's domain.  ACM
 * mail for *.example.com shows example.com, so the wildcard form counts.
 */
static bool
name_matches(const char *name, const char *domain)
{
	if (name == NULL || domain == NULL)
		return false;
	if (same_name(name, domain))
		return true;
	return strncmp(name, "*.", 2) == 0 && same_name(name + 2, domain);
}

static bool
certificate_lists(const struct acm_certificate *cert, const char *domain)
{
	const struct strlist *sans = &cert->subject_alternative_names;

	if (name_matches(cert->domain_name, domain))
		return true;
	for (size_t i = 0; i < sans->count; i++)
		if (name_matches(sans->items[i], domain))
			return true;
	return false;
}

/* Returns the validation entry for domain, or NULL. */
static const struct acm_domain_validation *
find_validation(const struct acm_domain_validation *list, size_t count,
    const char *domain)
{
	for (size_t i = 0; i < count; i++)
		if (name_matches(list[i].domain_name, domain))
			return &list[i];
	return NULL;
}

static bool
is_pending(const char *status)
{
	return status != NULL && strcmp(status, PENDING) == 0;
}

/*
 * A first issue: pending, and not already validated for this domain.
 * NOTE: ValidationMethod is not required to be EMAIL.  ACM mails only
 * for email validation, so DNS there would mark a stale or forged
 * message, but moto 5.2 reports DNS for every certificate, so the tests
 * could not cover that rule.
 */
static void
judge_new(const struct acm_certificate *cert, const char *domain,
    const char *escaped, struct verify_result *result)
{
	const struct acm_domain_validation *v = find_validation(
	    cert->validations, cert->validation_count, domain);

	if (v != NULL && v->validation_status != NULL &&
	    !is_pending(v->validation_status)) {
		result_set(result, VERIFY_NOT_PENDING, CODE_NOT_PENDING,
		    "the certificate is PENDING_VALIDATION, but the "
		    "validation of %s is already %s", escaped,
		    v->validation_status);
		return;
	}
	result_set(result, VERIFY_VERIFIED, "certificate-verified",
	    "ACM shows the certificate PENDING_VALIDATION for %s", escaped);
}

/* An issued certificate: only a renewal pending for domain counts. */
static void
judge_renewal(const struct acm_certificate *cert, const char *domain,
    const char *escaped, struct verify_result *result)
{
	const struct acm_domain_validation *v = find_validation(
	    cert->renewal_validations, cert->renewal_validation_count,
	    domain);

	if (!is_pending(cert->renewal_status))
		result_set(result, VERIFY_NOT_PENDING, CODE_NOT_PENDING,
		    "the certificate is ISSUED and no renewal is waiting for "
		    "validation");
	else if (v == NULL || !is_pending(v->validation_status))
		result_set(result, VERIFY_NOT_PENDING, CODE_NOT_PENDING,
		    "the certificate's renewal is PENDING_VALIDATION, but not "
		    "for %s", escaped);
	else
		result_set(result, VERIFY_VERIFIED, "certificate-verified",
		    "ACM shows the certificate's renewal PENDING_VALIDATION "
		    "for %s", escaped);
}

void
verify_judge_certificate(const struct acm_certificate *cert,
    const char *domain, struct verify_result *result)
{
	char *escaped = str_escaped(domain != NULL ? domain : "(no domain)");
	char *status = str_escaped(cert->status != NULL ? cert->status : "");

	free(result->certificate_status);
	free(result->renewal_status);
	result->certificate_status = cert->status ?
	    xstrdup(cert->status) : NULL;
	result->renewal_status = cert->renewal_status ?
	    xstrdup(cert->renewal_status) : NULL;
	if (!certificate_lists(cert, domain))
		result_set(result, VERIFY_DOMAIN_NOT_LISTED,
		    "domain-not-on-certificate", "the certificate does not "
		    "list %s as its domain name or an alternative name",
		    escaped);
	else if (is_pending(cert->status))
		judge_new(cert, domain, escaped, result);
	else if (cert->status != NULL && strcmp(cert->status, "ISSUED") == 0)
		judge_renewal(cert, domain, escaped, result);
	else
		result_set(result, VERIFY_NOT_PENDING, CODE_NOT_PENDING,
		    "the certificate is %s, not waiting for validation",
		    status);
	free(status);
	free(escaped);
}

char *
verify_certificate_arn(const struct acm_email *email)
{
	const char *partition;

	if (email->certificate_arn != NULL)
		return xstrdup(email->certificate_arn);
	if (email->certificate_id == NULL || email->account_id == NULL ||
	    email->region == NULL)
		return NULL;
	partition = link_region_partition(email->region);
	if (partition == NULL)
		return NULL;
	return xasprintf("arn:%s:acm:%s:%s:certificate/%s", partition,
	    email->region, email->account_id, email->certificate_id);
}

/*
 * Returns true when a later attempt may succeed: no response, throttling
 * or 5xx.  A request that was never sent (no region or credentials) will
 * not succeed by waiting.
 */
static bool
response_transient(const struct aws_response *resp)
{
	if (resp->error_code != NULL &&
	    strcmp(resp->error_code, "RequestNotSent") == 0)
		return false;
	return resp->status == 0 || aws_error_retryable(resp, true);
}

/* Asks STS for the caller's account once per context. */
static int
caller_account(struct verify_context *ctx, struct verify_result *result)
{
	struct aws_response resp;
	char *detail;

	if (ctx->caller_account != NULL)
		return 0;
	if (sts_get_caller_identity(ctx->client, &ctx->caller_account,
	    &ctx->caller_arn, &resp) == 0) {
		aws_response_free(&resp);
		log_debug("verify: the credentials are %s", ctx->caller_arn);
		return 0;
	}
	detail = aws_error_string(&resp);
	result_set(result, VERIFY_ERROR, "certificate-check-failed",
	    "the certificate cannot be checked: STS GetCallerIdentity "
	    "failed: %s", detail);
	result->transient = response_transient(&resp);
	free(detail);
	aws_response_free(&resp);
	return -1;
}

static void
describe_failed(enum acm_status status, char *error,
    struct verify_result *result)
{
	switch (status) {
	case ACM_NOT_FOUND:
		result_set(result, VERIFY_NOT_FOUND, "certificate-not-found",
		    "%s", error);
		break;
	case ACM_INVALID_ARN:
		result_set(result, VERIFY_NOT_FOUND, "certificate-arn-invalid",
		    "%s", error);
		break;
	case ACM_ACCESS_DENIED:
		result_set(result, VERIFY_ERROR, "certificate-check-denied",
		    "%s", error);
		break;
	default:
		result_set(result, VERIFY_ERROR, "certificate-check-failed",
		    "%s", error);
		result->transient = status == ACM_UNAVAILABLE;
		break;
	}
}

/* Describes the certificate in its own region and judges it. */
static void
describe_and_judge(struct verify_context *ctx, const struct acm_email *email,
    const char *region, struct verify_result *result)
{
	struct acm_certificate cert;
	enum acm_status status;
	char *error = NULL;

	status = acm_describe_certificate(ctx->client, region,
	    result->certificate_arn, &cert, &error);
	if (status != ACM_OK) {
		describe_failed(status, error, result);
		free(error);
		return;
	}
	verify_judge_certificate(&cert, email->domain, result);
	acm_certificate_free(&cert);
}

/* Returns the account the ARN names, or NULL. */
static char *
arn_account(const char *arn)
{
	const char *start = arn;

	/* arn:PARTITION:acm:REGION:ACCOUNT:certificate/ID */
	for (int field = 0; field < 4 && start != NULL; field++) {
		start = strchr(start, ':');
		if (start != NULL)
			start++;
	}
	if (start == NULL || strchr(start, ':') == NULL)
		return NULL;
	return xstrndup(start, (size_t)(strchr(start, ':') - start));
}

static void
other_account(const struct verify_context *ctx, const char *owner,
    struct verify_result *result)
{
	char *escaped = str_escaped(owner);

	if (ctx->setting == VERIFY_SETTING_YES)
		result_set(result, VERIFY_OTHER_ACCOUNT,
		    "certificate-other-account", "the certificate cannot be "
		    "checked: it belongs to account %s, the credentials are "
		    "for %s", escaped, ctx->caller_account);
	else
		result_set(result, VERIFY_SKIPPED, "certificate-not-checked",
		    "the certificate was not checked: it belongs to account "
		    "%s, the credentials are for %s", escaped,
		    ctx->caller_account);
	free(escaped);
}

static void
log_result(const struct verify_result *result)
{
	const char *arn = result->certificate_arn ?
	    result->certificate_arn : "(no certificate)";

	if (result->status == VERIFY_ERROR)
		log_error("verify: %s", result->text);
	else
		log_info("verify: %s: %s: %s", arn,
		    verify_status_name(result->status), result->text);
}

static void
verify_run(struct verify_context *ctx, const struct acm_email *email,
    struct verify_result *result)
{
	char *owner;

	result->certificate_arn = verify_certificate_arn(email);
	if (result->certificate_arn == NULL || email->domain == NULL) {
		result_set(result, VERIFY_NOT_FOUND,
		    "certificate-unidentified", "the message names no "
		    "certificate ARN, account, region and domain to check");
		return;
	}
	if (caller_account(ctx, result) != 0)
		return;
	owner = arn_account(result->certificate_arn);
	if (owner == NULL || strcmp(owner, ctx->caller_account) != 0)
		other_account(ctx, owner != NULL ? owner : "(none)", result);
	else
		describe_and_judge(ctx, email, email->arn_region != NULL ?
		    email->arn_region : email->region, result);
	free(owner);
}

int
verify_certificate(struct verify_context *ctx,
    const struct acm_email *email, struct verify_result *result)
{
	memset(result, 0, sizeof(*result));
	if (ctx->setting == VERIFY_SETTING_NO) {
		result_set(result, VERIFY_SKIPPED, "certificate-not-checked",
		    "the certificate was not checked: verify-certificate is "
		    "no");
		return 0;
	}
	verify_run(ctx, email, result);
	log_result(result);
	return result->status == VERIFY_VERIFIED ||
	    result->status == VERIFY_SKIPPED ? 0 : -1;
}

void
verify_apply(const struct verify_result *result,
    struct policy_decision *decision)
{
	if (decision->action == POLICY_IGNORE)
		return;
	if (result->status == VERIFY_VERIFIED) {
		decision->certificate_check_needed = false;
		return;
	}
	if (result->status == VERIFY_SKIPPED)
		return;
	findings_add(&decision->reasons, result->code, "%s", result->text);
	decision->action = POLICY_HOLD;
	decision->certificate_check_needed = false;
}
