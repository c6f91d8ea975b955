#include "ingest/process.h"

#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "parse/acm.h"

/* SES writes this object when a receipt rule is created; never mail. */
#define SETUP_NOTIFICATION "AMAZON_SES_SETUP_NOTIFICATION"

/* One per worker thread: the AWS client is not shared between threads. */
struct process_ctx {
	const struct ingest_process_config *config;
	char *url;		/* the approval link of the last decision */
	struct aws_client *client;	/* NULL with verify-certificate no */
	struct verify_context verify;
};

static void *
process_open(void *arg)
{
	struct process_ctx *ctx = xcalloc(1, sizeof(*ctx));

	ctx->config = arg;
	if (ctx->config->verify != VERIFY_SETTING_NO) {
		ctx->client = aws_client_new(ctx->config->aws);
		if (ctx->client == NULL) {
			free(ctx);
			return NULL;
		}
	}
	verify_context_init(&ctx->verify, ctx->client, ctx->config->verify);
	return ctx;
}

static void
process_close(void *arg)
{
	struct process_ctx *ctx = arg;

	verify_context_free(&ctx->verify);
	aws_client_free(ctx->client);
	free(ctx->url);
	free(ctx);
}

/* Returns the value of the first Date header, unfolded, or NULL. */
static char *
find_date_header(const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	struct buf value = { 0 };

	while (p < end && *p != '\n' && *p != '\r') {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;

		if (value.data != NULL && (*p == ' ' || *p == '\t')) {
			buf_append(&value, p, (size_t)(next - p));
		} else if (value.data != NULL) {
			break;
		} else if ((size_t)(end - p) > 5 &&
		    strncasecmp(p, "Date:", 5) == 0) {
			buf_append(&value, p + 5, (size_t)(next - p - 5));
		}
		p = next;
	}
	return value.data ? str_trim(buf_steal(&value)) : NULL;
}

static time_t
message_date(const struct buf *message)
{
	char *text = find_date_header(message->data, message->len);
	GDateTime *date = text ? g_mime_utils_header_decode_date(text) : NULL;
	time_t when = 0;

	if (date != NULL) {
		when = (time_t)g_date_time_to_unix(date);
		g_date_time_unref(date);
	}
	free(text);
	return when;
}

static void
copy_reasons(struct ingest_decision *out, const struct findings *list)
{
	for (size_t i = 0; i < list->count; i++)
		strlist_add_owned(&out->reasons, xasprintf("%s: %s",
		    list->items[i].code, list->items[i].text));
}

/*
 * Runs the ACM certificate check on an approval.  Returns -1 when it
 * failed in a way a later attempt may not (AWS unreachable, throttled).
 */
static int
check_certificate(struct process_ctx *ctx, const struct acm_email *email,
    struct policy_decision *decision, struct ingest_decision *out)
{
	struct verify_result result;
	int status = 0;

	if (decision->action != POLICY_APPROVE ||
	    !decision->certificate_check_needed ||
	    ctx->config->verify == VERIFY_SETTING_NO)
		return 0;
	verify_certificate(&ctx->verify, email, &result);
	out->certificate_check = xasprintf("%s: %s", result.code,
	    result.text);
	if (result.status == VERIFY_ERROR && result.transient) {
		strlist_add_owned(&out->reasons, xasprintf("%s: %s",
		    result.code, result.text));
		status = -1;
	} else
		verify_apply(&result, decision);
	verify_result_free(&result);
	return status;
}

/* Returns -1 on a transient failure of the certificate check. */
static int
apply_policy(struct process_ctx *ctx, const struct acm_email *email,
    struct ingest_decision *out)
{
	struct policy_decision decision;

	policy_decide(&ctx->config->policy, email, &decision);
	if (check_certificate(ctx, email, &decision, out) != 0) {
		policy_decision_free(&decision);
		return -1;
	}
	copy_reasons(out, &decision.reasons);
	switch (decision.action) {
	case POLICY_APPROVE:
		out->action = INGEST_ACTION_APPROVE;
		break;
	case POLICY_HOLD:
		out->action = INGEST_ACTION_HOLD;
		break;
	case POLICY_IGNORE:
		out->action = INGEST_ACTION_IGNORE;
		break;
	}
	if (out->action == INGEST_ACTION_APPROVE && email->has_link)
		ctx->url = xstrdup(email->link.url);
	policy_decision_free(&decision);
	return 0;
}

static int
process_decide(void *arg, const struct store_entry *e,
    const struct buf *message, struct ingest_decision *out)
{
	struct process_ctx *ctx = arg;
	struct acm_email email;
	int status = 0;

	free(ctx->url);
	ctx->url = NULL;
	if (strcmp(e->id, SETUP_NOTIFICATION) == 0) {
		out->action = INGEST_ACTION_IGNORE;
		strlist_add(&out->reasons, "setup-notification: the test "
		    "object SES writes when a receipt rule is created");
		return 0;
	}
	if (acm_email_parse(message->data, message->len,
	    &ctx->config->limits, &email) != 0) {
		out->action = INGEST_ACTION_HOLD;
		copy_reasons(out, &email.problems);
	} else {
		status = apply_policy(ctx, &email, out);
	}
	if (email.domain != NULL)
		out->domain = xstrdup(email.domain);
	if (email.account_id != NULL)
		out->account_id = xstrdup(email.account_id);
	if (email.region != NULL)
		out->region = xstrdup(email.region);
	if (email.certificate_arn || email.certificate_id)
		out->certificate = xstrdup(email.certificate_arn ?
		    email.certificate_arn : email.certificate_id);
	out->sent_at = message_date(message);
	acm_email_free(&email);
	return status;
}

static const enum ingest_approval approval_map[] = {
	[APPROVE_APPROVED] = INGEST_APPROVAL_APPROVED,
	[APPROVE_ALREADY_APPROVED] = INGEST_APPROVAL_ALREADY,
	[APPROVE_EXPIRED] = INGEST_APPROVAL_EXPIRED,
	[APPROVE_UNKNOWN_REQUEST] = INGEST_APPROVAL_UNKNOWN,
	[APPROVE_FAILED] = INGEST_APPROVAL_FAILED,
	[APPROVE_UNEXPECTED] = INGEST_APPROVAL_UNEXPECTED,
	[APPROVE_DRY_RUN] = INGEST_APPROVAL_UNEXPECTED,
};

static int
process_approve(void *arg, struct ingest_approval_result *out)
{
	struct process_ctx *ctx = arg;
	struct approve_outcome outcome;

	memset(out, 0, sizeof(*out));
	if (ctx->url == NULL) {
		out->outcome = INGEST_APPROVAL_UNEXPECTED;
		out->detail = xstrdup("the decision has no approval link");
		return 0;
	}
	approve_exchange_run(ctx->url, &ctx->config->exchange, &outcome);
	out->outcome = approval_map[outcome.result];
	out->http_status = outcome.http_status;
	out->detail = outcome.detail ? xstrdup(outcome.detail) : NULL;
	approve_outcome_free(&outcome);
	return 0;
}

void
ingest_process_init(struct ingest_processor *p,
    struct ingest_process_config *config)
{
	p->open = process_open;
	p->decide = process_decide;
	p->approve = process_approve;
	p->close = process_close;
	p->arg = config;
}
