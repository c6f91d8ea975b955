/* The plan: what each resource is and what setup would do about it. */
#include "infra/context.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "infra/lifecycle.h"
#include "infra/policy.h"

static const char *const step_names[STEP_COUNT] = {
	[STEP_BUCKET] = "bucket",
	[STEP_PUBLIC_ACCESS] = "public access",
	[STEP_ENCRYPTION] = "encryption",
	[STEP_LIFECYCLE] = "lifecycle",
	[STEP_BUCKET_POLICY] = "bucket policy",
	[STEP_TOPIC] = "topic",
	[STEP_TOPIC_POLICY] = "topic policy",
	[STEP_IDENTITY] = "identity",
	[STEP_TXT] = "TXT record",
	[STEP_MX] = "MX record",
	[STEP_RULE_SET] = "rule set",
	[STEP_RULE] = "receipt rule",
};

const char *
infra_step_name(enum step_kind kind)
{
	return step_names[kind];
}

static void
set_step(struct infra_ctx *ctx, enum step_kind kind, enum step_action action,
    char *detail)
{
	free(ctx->steps[kind].detail);
	ctx->steps[kind].action = action;
	ctx->steps[kind].detail = detail;
}

char *
infra_txt_value(const char *token)
{
	return xasprintf("\"%s\"", token);
}

void
infra_desired_rule(const struct infra_ctx *ctx, struct ses_receipt_rule *rule)
{
	memset(rule, 0, sizeof(*rule));
	rule->name = xstrdup(ctx->rule_name);
	rule->enabled = true;
	rule->scan_enabled = true;
	rule->tls_policy = xstrdup("Require");
	for (size_t i = 0; i < ctx->recipients.count; i++)
		strlist_add(&rule->recipients, ctx->recipients.items[i]);
	rule->s3_bucket = xstrdup(ctx->bucket);
	rule->s3_prefix = xasprintf("%sinbox/", ctx->opts->prefix);
	rule->s3_topic_arn = xstrdup(ctx->topic_arn);
	rule->action_count = 1;
}

static bool
same_text(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
same_recipients(const struct strlist *a, const struct strlist *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (!strlist_contains(b, a->items[i]))
			return false;
	return true;
}

static bool
rule_matches(const struct ses_receipt_rule *have,
    const struct ses_receipt_rule *want)
{
	return have->enabled && have->scan_enabled &&
	    same_text(have->tls_policy, want->tls_policy) &&
	    same_recipients(&have->recipients, &want->recipients) &&
	    have->action_count == 1 &&
	    same_text(have->s3_bucket, want->s3_bucket) &&
	    same_text(have->s3_prefix, want->s3_prefix) &&
	    same_text(have->s3_topic_arn, want->s3_topic_arn) &&
	    have->s3_kms_key_arn == NULL;
}

static void
plan_bucket(struct infra_ctx *ctx)
{
	bool missing = ctx->bucket_owner == BUCKET_MISSING;
	char *algorithm;

	if (ctx->bucket_owner == BUCKET_FOREIGN)
		set_step(ctx, STEP_BUCKET, ACTION_CONFLICT, xasprintf("%s "
		    "exists but belongs to another account or may not be "
		    "read; choose another name with --bucket", ctx->bucket));
	else
		set_step(ctx, STEP_BUCKET, missing ? ACTION_CREATE :
		    ACTION_UNCHANGED, xstrdup(ctx->bucket));

	if (bucket_public_access_blocked(ctx->public_access))
		set_step(ctx, STEP_PUBLIC_ACCESS, ACTION_UNCHANGED,
		    xstrdup("all public access blocked"));
	else
		set_step(ctx, STEP_PUBLIC_ACCESS, ctx->public_access ?
		    ACTION_UPDATE : ACTION_CREATE,
		    xstrdup("block all public access"));

	algorithm = bucket_encryption_algorithm(ctx->encryption);
	if (algorithm != NULL)
		set_step(ctx, STEP_ENCRYPTION, ACTION_UNCHANGED,
		    xasprintf("default encryption %s", algorithm));
	else
		set_step(ctx, STEP_ENCRYPTION, ACTION_CREATE,
		    xstrdup("default encryption SSE-S3 (AES256)"));
	free(algorithm);
}

static void
plan_lifecycle(struct infra_ctx *ctx)
{
	bool changed = false;
	char *doc = lifecycle_merge(ctx->lifecycle, ctx->opts->prefix,
	    ctx->opts->expire_days, &changed);
	char *detail = xasprintf("%s{approved,held,ignored,expired,failed,"
	    "results}/ expire after %ld days", ctx->opts->prefix,
	    ctx->opts->expire_days);

	if (doc == NULL)
		set_step(ctx, STEP_LIFECYCLE, ACTION_CONFLICT, xasprintf(
		    "the bucket's lifecycle configuration could not be read; "
		    "%s", detail));
	else
		set_step(ctx, STEP_LIFECYCLE, !changed ? ACTION_UNCHANGED :
		    ctx->lifecycle ? ACTION_UPDATE : ACTION_CREATE,
		    xstrdup(detail));
	free(detail);
	free(doc);
}

/* Plans one policy statement (bucket or topic). */
static void
plan_statement(struct infra_ctx *ctx, enum step_kind kind,
    const char *policy, const char *statement, const char *detail)
{
	char *updated = NULL;
	enum infra_policy_result r;

	r = infra_policy_upsert(policy, statement, &updated);
	free(updated);
	if (r == INFRA_POLICY_INVALID)
		set_step(ctx, kind, ACTION_CONFLICT, xasprintf("the existing "
		    "policy is not a JSON policy document; fix or delete it"));
	else if (r == INFRA_POLICY_UNCHANGED)
		set_step(ctx, kind, ACTION_UNCHANGED, xstrdup(detail));
	else
		set_step(ctx, kind, policy ? ACTION_UPDATE : ACTION_CREATE,
		    xstrdup(detail));
}

static void
plan_policies(struct infra_ctx *ctx)
{
	char *statement, *detail;

	statement = infra_bucket_statement(ctx->sid, ctx->bucket,
	    ctx->opts->prefix, ctx->account, ctx->rule_arn);
	detail = xasprintf("statement %s: SES may put %s* for rule %s",
	    ctx->sid, ctx->opts->prefix, ctx->rule_name);
	plan_statement(ctx, STEP_BUCKET_POLICY, ctx->bucket_policy, statement,
	    detail);
	free(statement);
	free(detail);

	set_step(ctx, STEP_TOPIC, ctx->topic_exists ? ACTION_UNCHANGED :
	    ACTION_CREATE, xstrdup(ctx->topic_arn));
	statement = infra_topic_statement(ctx->topic_arn, ctx->account);
	plan_statement(ctx, STEP_TOPIC_POLICY, ctx->topic_policy, statement,
	    "statement " INFRA_TOPIC_SID ": SES may publish");
	if (!ctx->topic_exists)
		ctx->steps[STEP_TOPIC_POLICY].action = ACTION_CREATE;
	free(statement);
}

static void
plan_identity(struct infra_ctx *ctx)
{
	const char *status = ctx->identity_status;

	if (status == NULL)
		set_step(ctx, STEP_IDENTITY, ACTION_CREATE,
		    xasprintf("domain identity %s", ctx->opts->domain));
	else if (strcmp(status, "Failed") == 0)
		set_step(ctx, STEP_IDENTITY, ACTION_UPDATE, xasprintf(
		    "domain identity %s: verification Failed, restart it",
		    ctx->opts->domain));
	else
		set_step(ctx, STEP_IDENTITY, ACTION_UNCHANGED, xasprintf(
		    "domain identity %s: %s", ctx->opts->domain, status));
	ctx->steps[STEP_IDENTITY].pending = status == NULL ||
	    strcmp(status, "Success") != 0;
}

/* Compares record values ignoring case and a trailing dot. */
static bool
same_mx(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static void
plan_txt(struct infra_ctx *ctx)
{
	char *value;

	if (ctx->zone_id == NULL) {
		set_step(ctx, STEP_TXT, ACTION_CONFLICT,
		    xstrdup("no hosted zone"));
		return;
	}
	if (ctx->identity_token == NULL || ctx->steps[STEP_IDENTITY].action
	    == ACTION_UPDATE) {
		set_step(ctx, STEP_TXT, ctx->txt.name ? ACTION_UPDATE :
		    ACTION_CREATE, xasprintf("%s \"<token from SES>\"",
		    ctx->txt_name));
		return;
	}
	value = infra_txt_value(ctx->identity_token);
	set_step(ctx, STEP_TXT, strlist_contains(&ctx->txt.values, value) ?
	    ACTION_UNCHANGED : ctx->txt.name ? ACTION_UPDATE : ACTION_CREATE,
	    xasprintf("%s %s", ctx->txt_name, value));
	free(value);
}

static void
plan_mx(struct infra_ctx *ctx)
{
	const struct strlist *have = &ctx->mx.values;
	struct buf values = {0};

	if (ctx->zone_id == NULL) {
		set_step(ctx, STEP_MX, ACTION_CONFLICT,
		    xstrdup("no hosted zone"));
		return;
	}
	if (ctx->mx.name == NULL) {
		set_step(ctx, STEP_MX, ACTION_CREATE, xasprintf("%s %s",
		    ctx->opts->domain, ctx->mx_value));
		return;
	}
	if (have->count == 1 && same_mx(have->items[0], ctx->mx_value)) {
		set_step(ctx, STEP_MX, ACTION_UNCHANGED, xasprintf("%s %s",
		    ctx->opts->domain, ctx->mx_value));
		return;
	}
	for (size_t i = 0; i < have->count; i++) {
		char *escaped = str_escaped(have->items[i]);

		buf_printf(&values, "%s%s", i ? ", " : "", escaped);
		free(escaped);
	}
	if (ctx->opts->replace_mx)
		set_step(ctx, STEP_MX, ACTION_UPDATE, xasprintf("%s %s "
		    "(replaces %s)", ctx->opts->domain, ctx->mx_value,
		    values.data));
	else
		set_step(ctx, STEP_MX, ACTION_CONFLICT, xasprintf("%s already "
		    "has MX %s; mail for it would not reach SES; pass "
		    "--replace-mx to replace it", ctx->opts->domain,
		    values.data));
	buf_free(&values);
}

static void
plan_rules(struct infra_ctx *ctx)
{
	struct ses_receipt_rule want;
	const char *set = ctx->rule_set;

	if (ctx->rule_set_active)
		set_step(ctx, STEP_RULE_SET, ACTION_UNCHANGED,
		    xasprintf("%s (active)", set));
	else if (ctx->active.name != NULL)
		set_step(ctx, STEP_RULE_SET, ACTION_CONFLICT, xasprintf("%s is "
		    "not the active rule set (%s is) and only the active set "
		    "receives mail; omit --rule-set to use the active one",
		    set, ctx->active.name));
	else
		set_step(ctx, STEP_RULE_SET, ctx->rule_set_exists ?
		    ACTION_UPDATE : ACTION_CREATE,
		    xasprintf("%s (activate)", set));

	infra_desired_rule(ctx, &want);
	if (ctx->rule == NULL)
		set_step(ctx, STEP_RULE, ACTION_CREATE, xasprintf("%s in %s: "
		    "store in %s/%s, notify %s", ctx->rule_name, set,
		    ctx->bucket, want.s3_prefix, ctx->opts->topic));
	else
		set_step(ctx, STEP_RULE, rule_matches(ctx->rule, &want) ?
		    ACTION_UNCHANGED : ACTION_UPDATE, xasprintf("%s in %s: "
		    "store in %s/%s, notify %s", ctx->rule_name, set,
		    ctx->bucket, want.s3_prefix, ctx->opts->topic));
	ses_receipt_rule_free(&want);
}

void
infra_plan(struct infra_ctx *ctx)
{
	plan_bucket(ctx);
	plan_lifecycle(ctx);
	plan_policies(ctx);
	plan_identity(ctx);
	plan_txt(ctx);
	plan_mx(ctx);
	plan_rules(ctx);
}

int
infra_plan_changes(const struct infra_ctx *ctx)
{
	int n = 0;

	for (int i = 0; i < STEP_COUNT; i++)
		if (ctx->steps[i].action == ACTION_CREATE ||
		    ctx->steps[i].action == ACTION_UPDATE)
			n++;
	return n;
}

int
infra_plan_conflicts(const struct infra_ctx *ctx)
{
	int n = 0;

	for (int i = 0; i < STEP_COUNT; i++) {
		if (ctx->steps[i].action != ACTION_CONFLICT)
			continue;
		log_error("%s: %s: %s", ctx->opts->domain, step_names[i],
		    ctx->steps[i].detail);
		n++;
	}
	return n;
}

static const char *
action_word(enum step_action action)
{
	switch (action) {
	case ACTION_CREATE:
		return "create";
	case ACTION_UPDATE:
		return "update";
	case ACTION_CONFLICT:
		return "conflict";
	default:
		return "unchanged";
	}
}

void
infra_plan_print(const struct infra_ctx *ctx)
{
	fprintf(ctx->out, "Plan for %s (region %s, account %s):\n",
	    ctx->opts->domain, ctx->region, ctx->account);
	for (int i = 0; i < STEP_COUNT; i++)
		fprintf(ctx->out, "  %-10s %-14s %s\n",
		    action_word(ctx->steps[i].action), step_names[i],
		    ctx->steps[i].detail);
}

static const char *
state_word(const struct step *step)
{
	switch (step->action) {
	case ACTION_CREATE:
		return "missing";
	case ACTION_UPDATE:
	case ACTION_CONFLICT:
		return "wrong";
	default:
		return step->pending ? "pending" : "ok";
	}
}

bool
infra_status_print(const struct infra_ctx *ctx)
{
	bool all_ok = true;

	fprintf(ctx->out, "Status of %s (region %s, account %s):\n",
	    ctx->opts->domain, ctx->region, ctx->account);
	for (int i = 0; i < STEP_COUNT; i++) {
		const struct step *step = &ctx->steps[i];

		if (step->action != ACTION_UNCHANGED || step->pending)
			all_ok = false;
		fprintf(ctx->out, "  %-14s %-8s %s\n", step_names[i],
		    state_word(step), step->detail);
	}
	return all_ok;
}
