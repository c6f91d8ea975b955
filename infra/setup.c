/* setup: read, plan, apply in dependency order, wait, report. */
#include "infra/context.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/sns.h"
#include "common/log.h"
#include "infra/lifecycle.h"
#include "infra/policy.h"

/* Progress is polled at most this often (seconds). */
#define CHANGE_POLL_SECONDS 5
#define IDENTITY_POLL_SECONDS 10

struct apply {
	struct infra_ctx *ctx;
	struct aws_response resp;
	char *change_id;	/* Route 53 change to wait for */
	bool records_sent;
};

static int
put_bucket_config(struct apply *a, const char *sub, const char *document)
{
	return bucket_put_config(a->ctx->client, a->ctx->bucket, sub,
	    document, &a->resp);
}

static int
apply_lifecycle(struct apply *a)
{
	bool changed;
	char *doc = lifecycle_merge(a->ctx->lifecycle, a->ctx->opts->prefix,
	    a->ctx->opts->expire_days, &changed);
	int rc = put_bucket_config(a, "lifecycle", doc);

	free(doc);
	return rc;
}

static int
apply_bucket_policy(struct apply *a)
{
	struct infra_ctx *ctx = a->ctx;
	char *statement, *doc = NULL;
	int rc = -1;

	statement = infra_bucket_statement(ctx->sid, ctx->bucket,
	    ctx->opts->prefix, ctx->account, ctx->rule_arn);
	if (infra_policy_upsert(ctx->bucket_policy, statement, &doc) ==
	    INFRA_POLICY_CHANGED)
		rc = put_bucket_config(a, "policy", doc);
	free(statement);
	free(doc);
	return rc;
}

static int
apply_topic(struct apply *a)
{
	struct infra_ctx *ctx = a->ctx;
	char *arn = NULL;

	if (sns_create_topic(ctx->client, ctx->opts->topic, &arn,
	    &a->resp) != 0)
		return -1;
	free(ctx->topic_arn);
	ctx->topic_arn = arn;
	aws_response_free(&a->resp);
	memset(&a->resp, 0, sizeof(a->resp));
	/* A new topic has a default policy; keep its statements. */
	free(ctx->topic_policy);
	ctx->topic_policy = NULL;
	return sns_get_topic_policy(ctx->client, ctx->topic_arn,
	    &ctx->topic_policy, &a->resp);
}

static int
apply_topic_policy(struct apply *a)
{
	struct infra_ctx *ctx = a->ctx;
	char *statement, *doc = NULL;
	int rc = 0;

	statement = infra_topic_statement(ctx->topic_arn, ctx->account);
	if (infra_policy_upsert(ctx->topic_policy, statement, &doc) ==
	    INFRA_POLICY_CHANGED)
		rc = sns_set_topic_policy(ctx->client, ctx->topic_arn, doc,
		    &a->resp);
	free(statement);
	free(doc);
	return rc;
}

static int
apply_identity(struct apply *a)
{
	struct infra_ctx *ctx = a->ctx;

	free(ctx->identity_token);
	ctx->identity_token = NULL;
	return ses_verify_domain_identity(ctx->client, ctx->opts->domain,
	    &ctx->identity_token, &a->resp);
}

/* Sends the TXT and MX changes that the plan wants as one batch. */
static int
apply_records(struct apply *a)
{
	struct infra_ctx *ctx = a->ctx;
	struct route53_rrset txt = {0}, mx = {0};
	struct route53_change changes[2];
	size_t n = 0;
	char *value;
	int rc;

	if (a->records_sent)
		return 0;
	a->records_sent = true;
	if (ctx->steps[STEP_TXT].action != ACTION_UNCHANGED) {
		txt.name = ctx->txt_name;
		txt.type = "TXT";
		txt.ttl = ctx->txt.name ? ctx->txt.ttl : INFRA_RECORD_TTL;
		for (size_t i = 0; i < ctx->txt.values.count; i++)
			strlist_add(&txt.values, ctx->txt.values.items[i]);
		value = infra_txt_value(ctx->identity_token);
		if (!strlist_contains(&txt.values, value))
			strlist_add(&txt.values, value);
		free(ctx->steps[STEP_TXT].detail);
		ctx->steps[STEP_TXT].detail = xasprintf("%s %s", ctx->txt_name,
		    value);
		free(value);
		changes[n++] = (struct route53_change){ "UPSERT", &txt };
	}
	if (ctx->steps[STEP_MX].action != ACTION_UNCHANGED) {
		mx.name = (char *)ctx->opts->domain;
		mx.type = "MX";
		mx.ttl = ctx->mx.name ? ctx->mx.ttl : INFRA_RECORD_TTL;
		strlist_add(&mx.values, ctx->mx_value);
		changes[n++] = (struct route53_change){ "UPSERT", &mx };
	}
	rc = route53_change_rrsets(ctx->client, ctx->zone_id,
	    "acm-inbox setup", changes, n, &a->change_id, &a->resp);
	strlist_free(&txt.values);
	strlist_free(&mx.values);
	return rc;
}

static int
apply_rule_set(struct apply *a)
{
	struct infra_ctx *ctx = a->ctx;

	if (!ctx->rule_set_exists) {
		if (ses_create_rule_set(ctx->client, ctx->rule_set,
		    &a->resp) != 0)
			return -1;
		aws_response_free(&a->resp);
		memset(&a->resp, 0, sizeof(a->resp));
	}
	return ses_set_active_rule_set(ctx->client, ctx->rule_set, &a->resp);
}

static int
apply_rule(struct apply *a)
{
	struct infra_ctx *ctx = a->ctx;
	const struct ses_rule_set *set = ctx->rule_set_rules;
	struct ses_receipt_rule want;
	const char *after = NULL;
	int rc;

	infra_desired_rule(ctx, &want);
	if (ctx->rule != NULL) {
		rc = ses_update_receipt_rule(ctx->client, ctx->rule_set, &want,
		    &a->resp);
	} else {
		/* After the last rule, so rules already there run first. */
		if (set != NULL && set->rule_count > 0)
			after = set->rules[set->rule_count - 1].name;
		rc = ses_create_receipt_rule(ctx->client, ctx->rule_set, after,
		    &want, &a->resp);
	}
	ses_receipt_rule_free(&want);
	return rc;
}

static int
apply_step(struct apply *a, enum step_kind kind)
{
	switch (kind) {
	case STEP_BUCKET:
		return bucket_create(a->ctx->client, a->ctx->bucket,
		    a->ctx->region, &a->resp);
	case STEP_PUBLIC_ACCESS:
		return put_bucket_config(a, "publicAccessBlock",
		    bucket_public_access_block_xml());
	case STEP_ENCRYPTION:
		return put_bucket_config(a, "encryption",
		    bucket_encryption_xml());
	case STEP_LIFECYCLE:
		return apply_lifecycle(a);
	case STEP_BUCKET_POLICY:
		return apply_bucket_policy(a);
	case STEP_TOPIC:
		return apply_topic(a);
	case STEP_TOPIC_POLICY:
		return apply_topic_policy(a);
	case STEP_IDENTITY:
		return apply_identity(a);
	case STEP_TXT:
	case STEP_MX:
		return apply_records(a);
	case STEP_RULE_SET:
		return apply_rule_set(a);
	case STEP_RULE:
		return apply_rule(a);
	default:
		return -1;
	}
}

/* Prints the planned changes from step first on, none of them made. */
static void
print_not_made(const struct infra_ctx *ctx, int first)
{
	bool any = false;

	for (int i = first; i < STEP_COUNT; i++) {
		if (ctx->steps[i].action == ACTION_UNCHANGED)
			continue;
		fprintf(ctx->out, "  not made   %-14s %s\n",
		    infra_step_name((enum step_kind)i), ctx->steps[i].detail);
		any = true;
	}
	if (!any)
		fprintf(ctx->out, "  (nothing else was planned)\n");
}

/*
 * Applies the plan in dependency order: the bucket and its policy and
 * the topic and its policy before the rule, because SES checks that it
 * may write to both when the rule is created.
 */
static enum infra_result
apply_plan(struct infra_ctx *ctx, char **change_id)
{
	struct apply a = { .ctx = ctx };
	enum infra_result r = INFRA_DONE;

	fprintf(ctx->out, "Applying:\n");
	for (int i = 0; i < STEP_COUNT; i++) {
		enum step_kind kind = (enum step_kind)i;
		char *what;

		if (ctx->steps[i].action == ACTION_UNCHANGED)
			continue;
		memset(&a.resp, 0, sizeof(a.resp));
		if (apply_step(&a, kind) == 0) {
			fprintf(ctx->out, "  %-10s %-14s %s\n",
			    ctx->steps[i].action == ACTION_CREATE ?
			    "created" : "updated", infra_step_name(kind),
			    ctx->steps[i].detail);
			aws_response_free(&a.resp);
			continue;
		}
		what = xasprintf("%s: %s %s", ctx->opts->domain,
		    ctx->steps[i].action == ACTION_CREATE ? "creating" :
		    "updating", infra_step_name(kind));
		r = infra_fail(ctx, what, &a.resp);
		free(what);
		aws_response_free(&a.resp);
		fprintf(ctx->out, "Setup stopped; these were not made:\n");
		print_not_made(ctx, i);
		break;
	}
	*change_id = a.change_id;
	return r;
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_until_next(double deadline, long interval)
{
	double left = deadline - now_seconds();
	struct timespec ts;

	if (left > (double)interval)
		left = (double)interval;
	if (left <= 0)
		return;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Returns 1 when INSYNC, 0 on timeout, -1 on failure. */
static int
wait_for_change(struct infra_ctx *ctx, const char *change_id,
    double deadline)
{
	for (;;) {
		struct aws_response resp = {0};
		char *status = NULL;
		bool insync;

		if (route53_get_change(ctx->client, change_id, &status,
		    &resp) != 0) {
			infra_fail(ctx, "route53 GetChange", &resp);
			aws_response_free(&resp);
			return -1;
		}
		aws_response_free(&resp);
		insync = strcmp(status, "INSYNC") == 0;
		fprintf(ctx->out, "  Route 53 change %s: %s\n", change_id,
		    status);
		free(status);
		if (insync)
			return 1;
		if (now_seconds() >= deadline)
			return 0;
		sleep_until_next(deadline, CHANGE_POLL_SECONDS);
	}
}

/* Returns 1 when verified, 0 on timeout, -1 on failure. */
static int
wait_for_identity(struct infra_ctx *ctx, double deadline)
{
	for (;;) {
		struct aws_response resp = {0};
		char *status = NULL, *token = NULL;
		int done = 0;

		if (ses_get_identity_verification(ctx->client,
		    ctx->opts->domain, &status, &token, &resp) != 0) {
			infra_fail(ctx, "ses GetIdentityVerificationAttributes",
			    &resp);
			aws_response_free(&resp);
			return -1;
		}
		aws_response_free(&resp);
		fprintf(ctx->out, "  SES identity %s: %s\n", ctx->opts->domain,
		    status ? status : "not found");
		if (status != NULL && strcmp(status, "Success") == 0)
			done = 1;
		else if (status == NULL || strcmp(status, "Failed") == 0)
			done = -1;
		free(status);
		free(token);
		if (done != 0)
			return done;
		if (now_seconds() >= deadline)
			return 0;
		sleep_until_next(deadline, IDENTITY_POLL_SECONDS);
	}
}

static enum infra_result
wait_for_effect(struct infra_ctx *ctx, const char *change_id)
{
	double deadline = now_seconds() + (double)ctx->opts->wait_timeout;
	int rc = 1;

	fprintf(ctx->out, "Waiting up to %ld s for DNS and verification:\n",
	    ctx->opts->wait_timeout);
	if (change_id != NULL)
		rc = wait_for_change(ctx, change_id, deadline);
	if (rc == 1)
		rc = wait_for_identity(ctx, deadline);
	if (rc == 1)
		return INFRA_DONE;
	if (rc == 0)
		log_error("%s: timed out after %ld s; everything was made, but "
		    "it is not in effect yet; check later with 'acm-inbox "
		    "status %s'", ctx->opts->domain, ctx->opts->wait_timeout,
		    ctx->opts->domain);
	else if (!ctx->unreachable)
		log_error("%s: SES could not verify the domain; check that the "
		    "TXT record %s is published", ctx->opts->domain,
		    ctx->txt_name);
	return ctx->unreachable ? INFRA_AWS_FAILED : INFRA_PROBLEM;
}

/* Reads everything again and prints the status table. */
static enum infra_result
report_status(struct infra_ctx *ctx, bool accept_pending)
{
	enum infra_result r;
	bool all_ok;

	infra_state_free(ctx);
	if ((r = infra_read(ctx, true)) != INFRA_DONE)
		return r;
	infra_plan(ctx);
	all_ok = infra_status_print(ctx);
	if (all_ok)
		return INFRA_DONE;
	if (accept_pending && infra_plan_changes(ctx) == 0 &&
	    infra_plan_conflicts(ctx) == 0)
		return INFRA_DONE;
	return INFRA_PROBLEM;
}

static enum infra_result
run_setup(struct infra_ctx *ctx)
{
	const struct infra_options *opts = ctx->opts;
	enum infra_result r;
	char *change_id = NULL;

	if ((r = infra_read(ctx, true)) != INFRA_DONE)
		return r;
	infra_plan(ctx);
	infra_plan_print(ctx);
	if (infra_plan_conflicts(ctx) > 0) {
		fprintf(ctx->out, "Nothing was changed.\n");
		return INFRA_PROBLEM;
	}
	if (infra_plan_changes(ctx) == 0) {
		fprintf(ctx->out, "No changes.\n");
		if (opts->wait && ctx->steps[STEP_IDENTITY].pending &&
		    (r = wait_for_effect(ctx, NULL)) != INFRA_DONE)
			return r;
		return report_status(ctx, !opts->wait);
	}
	if (opts->dry_run) {
		fprintf(ctx->out, "Dry run: nothing was changed.\n");
		return INFRA_DONE;
	}
	r = apply_plan(ctx, &change_id);
	if (r == INFRA_DONE && opts->wait)
		r = wait_for_effect(ctx, change_id);
	free(change_id);
	if (r != INFRA_DONE)
		return r;
	return report_status(ctx, !opts->wait);
}

enum infra_result
infra_setup(struct aws_client *client, const struct infra_options *opts,
    FILE *out)
{
	struct infra_ctx ctx;
	enum infra_result r;

	r = infra_ctx_init(&ctx, client, opts, out);
	if (r == INFRA_DONE)
		r = run_setup(&ctx);
	infra_ctx_free(&ctx);
	return r;
}
