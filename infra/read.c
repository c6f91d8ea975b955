/* Names derived for a domain, and reading every resource's state. */
#include "infra/context.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sns.h"
#include "aws/sts.h"
#include "common/log.h"
#include "infra/names.h"

enum infra_result
infra_fail(struct infra_ctx *ctx, const char *what,
    const struct aws_response *resp)
{
	char *error = aws_error_string(resp);

	if (resp->status == 0)
		ctx->unreachable = true;
	if (resp->error_code != NULL &&
	    (strcmp(resp->error_code, "AccessDenied") == 0 ||
	    strcmp(resp->error_code, "AccessDeniedException") == 0 ||
	    strcmp(resp->error_code, "AuthorizationError") == 0))
		log_error("%s: %s; the credentials lack this permission "
		    "(docs/iam-policy.json lists what setup needs)", what,
		    error);
	else
		log_error("%s: %s", what, error);
	free(error);
	return INFRA_AWS_FAILED;
}

enum infra_result
infra_ctx_init(struct infra_ctx *ctx, struct aws_client *client,
    const struct infra_options *opts, FILE *out)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->client = client;
	ctx->opts = opts;
	ctx->out = out;
	ctx->region = aws_client_region(client);
	if (ctx->region == NULL)
		return INFRA_CONFIG;
	if (!infra_region_receives_email(ctx->region)) {
		log_error("region %s: SES does not receive email there; use "
		    "--region with one of: %s", ctx->region,
		    infra_receiving_regions());
		return INFRA_CONFIG;
	}
	ctx->rule_name = infra_rule_name(opts->domain);
	ctx->sid = infra_statement_id(opts->domain);
	ctx->txt_name = xasprintf("_amazonses.%s", opts->domain);
	ctx->mx_value = xasprintf("10 inbound-smtp.%s.amazonaws.com",
	    ctx->region);
	if (opts->recipients != NULL && opts->recipients->count > 0)
		for (size_t i = 0; i < opts->recipients->count; i++)
			strlist_add(&ctx->recipients,
			    opts->recipients->items[i]);
	else
		infra_default_recipients(opts->domain, &ctx->recipients);
	return INFRA_DONE;
}

void
infra_state_free(struct infra_ctx *ctx)
{
	free(ctx->bucket_policy);
	free(ctx->public_access);
	free(ctx->encryption);
	free(ctx->lifecycle);
	free(ctx->identity_status);
	free(ctx->identity_token);
	free(ctx->zone_id);
	route53_rrset_free(&ctx->txt);
	route53_rrset_free(&ctx->mx);
	free(ctx->topic_policy);
	ses_rule_set_free(&ctx->active);
	ses_rule_set_free(&ctx->named);
	ctx->bucket_policy = ctx->public_access = ctx->encryption = NULL;
	ctx->lifecycle = ctx->identity_status = ctx->identity_token = NULL;
	ctx->zone_id = ctx->topic_policy = NULL;
	ctx->topic_exists = ctx->rule_set_exists = false;
	ctx->rule_set_active = false;
	ctx->rule = NULL;
	ctx->rule_set_rules = NULL;
	ctx->bucket_owner = BUCKET_MISSING;
	for (int i = 0; i < STEP_COUNT; i++) {
		free(ctx->steps[i].detail);
		memset(&ctx->steps[i], 0, sizeof(ctx->steps[i]));
	}
}

void
infra_ctx_free(struct infra_ctx *ctx)
{
	infra_state_free(ctx);
	free(ctx->account);
	free(ctx->bucket);
	free(ctx->rule_name);
	free(ctx->rule_set);
	free(ctx->rule_arn);
	free(ctx->topic_arn);
	free(ctx->sid);
	free(ctx->txt_name);
	free(ctx->mx_value);
	strlist_free(&ctx->recipients);
}

static enum infra_result
read_account(struct infra_ctx *ctx)
{
	struct aws_response resp = {0};
	char *arn = NULL;
	enum infra_result r = INFRA_DONE;

	if (ctx->account != NULL)
		return INFRA_DONE;
	if (sts_get_caller_identity(ctx->client, &ctx->account, &arn,
	    &resp) != 0)
		r = infra_fail(ctx, "sts GetCallerIdentity", &resp);
	aws_response_free(&resp);
	free(arn);
	if (r != INFRA_DONE)
		return r;
	ctx->bucket = ctx->opts->bucket ? xstrdup(ctx->opts->bucket) :
	    infra_default_bucket(ctx->account, ctx->region);
	ctx->topic_arn = xasprintf("arn:aws:sns:%s:%s:%s", ctx->region,
	    ctx->account, ctx->opts->topic);
	return INFRA_DONE;
}

/* Returns true when domain is name or a subdomain of it. */
static bool
within_zone(const char *domain, const char *name)
{
	size_t dlen = strlen(domain), nlen = strlen(name);

	if (dlen == nlen)
		return strcasecmp(domain, name) == 0;
	return dlen > nlen && domain[dlen - nlen - 1] == '.' &&
	    strcasecmp(domain + dlen - nlen, name) == 0;
}

/* Checks that the zone given with --hosted-zone can hold the records. */
static enum infra_result
check_given_zone(struct infra_ctx *ctx)
{
	struct aws_response resp = {0};
	char *zone_name = NULL;
	bool private_zone = false;
	enum infra_result r = INFRA_DONE;

	if (route53_get_zone(ctx->client, ctx->opts->hosted_zone, &zone_name,
	    &private_zone, &resp) != 0) {
		r = infra_fail(ctx, "route53 GetHostedZone", &resp);
	} else if (private_zone || !within_zone(ctx->opts->domain,
	    zone_name)) {
		log_error("%s: hosted zone %s (%s) cannot hold its records: "
		    "it is %s; pass the public zone of the domain or a parent",
		    ctx->opts->domain, ctx->opts->hosted_zone, zone_name,
		    private_zone ? "private" : "for another domain");
		r = INFRA_PROBLEM;
	} else {
		ctx->zone_id = xstrdup(ctx->opts->hosted_zone);
	}
	aws_response_free(&resp);
	free(zone_name);
	return r;
}

static enum infra_result
read_zone(struct infra_ctx *ctx, bool need_zone)
{
	struct aws_response resp = {0};
	char *zone_name = NULL;
	enum infra_result r = INFRA_DONE;

	if (ctx->opts->hosted_zone != NULL)
		return check_given_zone(ctx);
	if (route53_find_zone(ctx->client, ctx->opts->domain, &ctx->zone_id,
	    &zone_name, &resp) != 0)
		r = infra_fail(ctx, "route53 ListHostedZonesByName", &resp);
	else if (ctx->zone_id == NULL && need_zone) {
		log_error("%s: no public hosted zone in Route 53 for this "
		    "domain or a parent domain; create one, or pass "
		    "--hosted-zone ID", ctx->opts->domain);
		r = INFRA_PROBLEM;
	} else if (ctx->zone_id != NULL) {
		log_info("%s: hosted zone %s (%s)", ctx->opts->domain,
		    ctx->zone_id, zone_name);
	}
	aws_response_free(&resp);
	free(zone_name);
	return r;
}

static enum infra_result
read_records(struct infra_ctx *ctx)
{
	struct aws_response resp = {0};
	enum infra_result r = INFRA_DONE;

	if (ctx->zone_id == NULL)
		return INFRA_DONE;
	if (route53_get_rrset(ctx->client, ctx->zone_id, ctx->txt_name,
	    "TXT", &ctx->txt, &resp) != 0) {
		r = infra_fail(ctx, "route53 ListResourceRecordSets", &resp);
		goto out;
	}
	aws_response_free(&resp);
	memset(&resp, 0, sizeof(resp));
	if (route53_get_rrset(ctx->client, ctx->zone_id, ctx->opts->domain,
	    "MX", &ctx->mx, &resp) != 0)
		r = infra_fail(ctx, "route53 ListResourceRecordSets", &resp);
out:
	aws_response_free(&resp);
	return r;
}

static enum infra_result
read_identity(struct infra_ctx *ctx)
{
	struct aws_response resp = {0};
	enum infra_result r = INFRA_DONE;

	if (ses_get_identity_verification(ctx->client, ctx->opts->domain,
	    &ctx->identity_status, &ctx->identity_token, &resp) != 0)
		r = infra_fail(ctx, "ses GetIdentityVerificationAttributes",
		    &resp);
	aws_response_free(&resp);
	return r;
}

static enum infra_result
read_topic(struct infra_ctx *ctx)
{
	struct aws_response resp = {0};
	enum infra_result r = INFRA_DONE;

	if (sns_get_topic_policy(ctx->client, ctx->topic_arn,
	    &ctx->topic_policy, &resp) == 0)
		ctx->topic_exists = true;
	else if (resp.error_code == NULL ||
	    strcmp(resp.error_code, "NotFound") != 0)
		r = infra_fail(ctx, "sns GetTopicAttributes", &resp);
	aws_response_free(&resp);
	return r;
}

static const struct ses_receipt_rule *
find_rule(const struct ses_rule_set *set, const char *name)
{
	for (size_t i = 0; i < set->rule_count; i++)
		if (set->rules[i].name != NULL &&
		    strcmp(set->rules[i].name, name) == 0)
			return &set->rules[i];
	return NULL;
}

/* Reads the named rule set; a missing one is not an error. */
static enum infra_result
read_named_rule_set(struct infra_ctx *ctx)
{
	struct aws_response resp = {0};
	enum infra_result r = INFRA_DONE;

	if (ses_describe_rule_set(ctx->client, ctx->rule_set, &ctx->named,
	    &resp) == 0) {
		ctx->rule_set_exists = true;
		ctx->rule_set_rules = &ctx->named;
	} else if (resp.error_code == NULL ||
	    strcmp(resp.error_code, "RuleSetDoesNotExist") != 0) {
		r = infra_fail(ctx, "ses DescribeReceiptRuleSet", &resp);
	}
	aws_response_free(&resp);
	return r;
}

static enum infra_result
read_rule_sets(struct infra_ctx *ctx)
{
	struct aws_response resp = {0};
	const char *want = ctx->opts->rule_set;
	enum infra_result r = INFRA_DONE;

	if (ses_describe_active_rule_set(ctx->client, &ctx->active,
	    &resp) != 0)
		r = infra_fail(ctx, "ses DescribeActiveReceiptRuleSet", &resp);
	aws_response_free(&resp);
	if (r != INFRA_DONE)
		return r;
	if (want == NULL)
		want = ctx->active.name ? ctx->active.name :
		    INFRA_DEFAULT_RULE_SET;
	free(ctx->rule_set);
	ctx->rule_set = xstrdup(want);
	free(ctx->rule_arn);
	ctx->rule_arn = xasprintf("arn:aws:ses:%s:%s:receipt-rule-set/%s:"
	    "receipt-rule/%s", ctx->region, ctx->account, ctx->rule_set,
	    ctx->rule_name);
	if (ctx->active.name != NULL && strcmp(ctx->active.name, want) == 0) {
		ctx->rule_set_exists = ctx->rule_set_active = true;
		ctx->rule_set_rules = &ctx->active;
	} else if ((r = read_named_rule_set(ctx)) != INFRA_DONE) {
		return r;
	}
	if (ctx->rule_set_rules != NULL)
		ctx->rule = find_rule(ctx->rule_set_rules, ctx->rule_name);
	return INFRA_DONE;
}

static enum infra_result
read_bucket_config(struct infra_ctx *ctx, const char *sub, char **out)
{
	struct aws_response resp = {0};
	enum infra_result r = INFRA_DONE;
	char *what;

	if (bucket_get_config(ctx->client, ctx->bucket, sub, out,
	    &resp) != 0) {
		what = xasprintf("s3 bucket %s: reading %s", ctx->bucket, sub);
		r = infra_fail(ctx, what, &resp);
		free(what);
	}
	aws_response_free(&resp);
	return r;
}

static enum infra_result
read_bucket(struct infra_ctx *ctx)
{
	struct aws_response resp = {0};
	enum infra_result r = INFRA_DONE;
	char *what;

	if (bucket_head(ctx->client, ctx->bucket, &ctx->bucket_owner,
	    &resp) != 0) {
		what = xasprintf("s3 HeadBucket %s", ctx->bucket);
		r = infra_fail(ctx, what, &resp);
		free(what);
	}
	aws_response_free(&resp);
	if (r != INFRA_DONE || ctx->bucket_owner != BUCKET_OURS)
		return r;
	if ((r = read_bucket_config(ctx, "policy", &ctx->bucket_policy)) ||
	    (r = read_bucket_config(ctx, "publicAccessBlock",
	    &ctx->public_access)) ||
	    (r = read_bucket_config(ctx, "encryption", &ctx->encryption)) ||
	    (r = read_bucket_config(ctx, "lifecycle", &ctx->lifecycle)))
		return r;
	return INFRA_DONE;
}

enum infra_result
infra_read(struct infra_ctx *ctx, bool need_zone)
{
	enum infra_result r;

	if ((r = read_account(ctx)) != INFRA_DONE ||
	    (r = read_zone(ctx, need_zone)) != INFRA_DONE ||
	    (r = read_records(ctx)) != INFRA_DONE ||
	    (r = read_identity(ctx)) != INFRA_DONE ||
	    (r = read_topic(ctx)) != INFRA_DONE ||
	    (r = read_rule_sets(ctx)) != INFRA_DONE ||
	    (r = read_bucket(ctx)) != INFRA_DONE)
		return r;
	return INFRA_DONE;
}
