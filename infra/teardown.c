/* teardown: remove what setup made, and only that. */
#include "infra/context.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/sns.h"
#include "common/log.h"
#include "infra/lifecycle.h"
#include "infra/policy.h"

/* Sid prefix of every bucket statement setup writes. */
#define STATEMENT_PREFIX "AcmInboxSesPut"

struct removal {
	struct infra_ctx *ctx;
	struct aws_response resp;
	enum infra_result result;
};

/* Prints one line; in a dry run the call is skipped. */
static bool
begin(struct removal *rm, const char *what, const char *detail)
{
	struct infra_ctx *ctx = rm->ctx;

	memset(&rm->resp, 0, sizeof(rm->resp));
	if (rm->result != INFRA_DONE && rm->result != INFRA_PROBLEM)
		return false;
	fprintf(ctx->out, "  %-14s %-14s %s\n", ctx->opts->dry_run ?
	    "would remove" : "removed", what, detail);
	return !ctx->opts->dry_run;
}

static void
kept(struct removal *rm, const char *what, const char *why)
{
	fprintf(rm->ctx->out, "  %-14s %-14s %s\n", "kept", what, why);
}

/* Records a failed call; later removals are skipped. */
static void
check(struct removal *rm, int rc, const char *what)
{
	char *context;

	if (rc == 0) {
		aws_response_free(&rm->resp);
		return;
	}
	context = xasprintf("%s: removing %s", rm->ctx->opts->domain, what);
	rm->result = infra_fail(rm->ctx, context, &rm->resp);
	free(context);
	aws_response_free(&rm->resp);
	fprintf(rm->ctx->out, "Teardown stopped: %s and what follows it were "
	    "not removed.\n", what);
}

static void
remove_rule(struct removal *rm)
{
	struct infra_ctx *ctx = rm->ctx;

	if (ctx->rule == NULL)
		return;
	if (begin(rm, "receipt rule", ctx->rule_name))
		check(rm, ses_delete_receipt_rule(ctx->client, ctx->rule_set,
		    ctx->rule_name, &rm->resp), "the receipt rule");
}

static void
remove_txt(struct removal *rm, struct route53_change *change,
    struct route53_rrset *rest)
{
	struct infra_ctx *ctx = rm->ctx;
	char *value;

	if (ctx->txt.name == NULL || ctx->identity_token == NULL)
		return;
	value = infra_txt_value(ctx->identity_token);
	if (!strlist_contains(&ctx->txt.values, value)) {
		kept(rm, "TXT record", "does not hold this identity's token");
		free(value);
		return;
	}
	for (size_t i = 0; i < ctx->txt.values.count; i++)
		if (strcmp(ctx->txt.values.items[i], value) != 0)
			strlist_add(&rest->values, ctx->txt.values.items[i]);
	free(value);
	rest->name = ctx->txt.name;
	rest->type = ctx->txt.type;
	rest->ttl = ctx->txt.ttl;
	/* DELETE must name the record set exactly as it is. */
	if (rest->values.count == 0)
		*change = (struct route53_change){ "DELETE", &ctx->txt };
	else
		*change = (struct route53_change){ "UPSERT", rest };
}

static void
remove_records(struct removal *rm)
{
	struct infra_ctx *ctx = rm->ctx;
	struct route53_rrset rest = {0};
	struct route53_change changes[2] = {{0}};
	char *change_id = NULL;
	size_t n = 0;

	if (ctx->zone_id == NULL)
		return;
	remove_txt(rm, &changes[0], &rest);
	if (changes[0].action != NULL)
		n++;
	if (ctx->mx.name != NULL) {
		if (ctx->mx.values.count == 1 &&
		    strcasecmp(ctx->mx.values.items[0], ctx->mx_value) == 0)
			changes[n++] = (struct route53_change){ "DELETE",
			    &ctx->mx };
		else
			kept(rm, "MX record", "points elsewhere");
	}
	for (size_t i = 0; i < n; i++)
		begin(rm, changes[i].rrset->type[0] == 'T' ? "TXT record" :
		    "MX record", changes[i].action[0] == 'D' ?
		    changes[i].rrset->name : "token value");
	if (n > 0 && !ctx->opts->dry_run && rm->result == INFRA_DONE)
		check(rm, route53_change_rrsets(ctx->client, ctx->zone_id,
		    "acm-inbox teardown", changes, n, &change_id, &rm->resp),
		    "the DNS records");
	rest.name = rest.type = NULL;
	route53_rrset_free(&rest);
	free(change_id);
}

static void
remove_identity(struct removal *rm)
{
	struct infra_ctx *ctx = rm->ctx;

	if (ctx->identity_status == NULL)
		return;
	if (begin(rm, "identity", ctx->opts->domain))
		check(rm, ses_delete_identity(ctx->client, ctx->opts->domain,
		    &rm->resp), "the identity");
}

/* Returns the name of another rule that notifies the topic, or NULL. */
static const char *
topic_user(const struct infra_ctx *ctx)
{
	const struct ses_rule_set *sets[] = { &ctx->active, &ctx->named };

	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < sets[s]->rule_count; i++) {
			const struct ses_receipt_rule *r = &sets[s]->rules[i];

			if (r->s3_topic_arn != NULL && r->name != NULL &&
			    strcmp(r->name, ctx->rule_name) != 0 &&
			    strcmp(r->s3_topic_arn, ctx->topic_arn) == 0)
				return r->name;
		}
	return NULL;
}

static void
remove_topic(struct removal *rm)
{
	struct infra_ctx *ctx = rm->ctx;
	const char *user = topic_user(ctx);
	char *why;

	if (!ctx->topic_exists)
		return;
	if (user != NULL) {
		why = xasprintf("%s: rule %s still notifies it",
		    ctx->topic_arn, user);
		kept(rm, "topic", why);
		free(why);
		return;
	}
	if (begin(rm, "topic", ctx->topic_arn))
		check(rm, sns_delete_topic(ctx->client, ctx->topic_arn,
		    &rm->resp), "the topic");
}

static void
remove_statement(struct removal *rm)
{
	struct infra_ctx *ctx = rm->ctx;
	char *doc = NULL;
	enum infra_policy_result r;

	r = infra_policy_remove(ctx->bucket_policy, ctx->sid, &doc);
	if (r == INFRA_POLICY_CHANGED && begin(rm, "bucket policy",
	    ctx->sid)) {
		if (doc != NULL)
			check(rm, bucket_put_config(ctx->client, ctx->bucket,
			    "policy", doc, &rm->resp), "the bucket policy");
		else
			check(rm, bucket_delete_config(ctx->client,
			    ctx->bucket, "policy", &rm->resp),
			    "the bucket policy");
	}
	if (r == INFRA_POLICY_CHANGED) {
		free(ctx->bucket_policy);
		ctx->bucket_policy = doc;
	}
}

static void
remove_lifecycle(struct removal *rm)
{
	struct infra_ctx *ctx = rm->ctx;
	bool changed, none_left;
	char *doc, *resource;
	int users;

	/* Another domain's rule may store mail under the same prefix. */
	resource = xasprintf("arn:aws:s3:::%s/%s*", ctx->bucket,
	    ctx->opts->prefix);
	users = infra_policy_count_resource(ctx->bucket_policy,
	    STATEMENT_PREFIX, resource);
	free(resource);
	if (users != 0) {
		kept(rm, "lifecycle", users > 0 ? "another domain's rule "
		    "stores mail under the same prefix" : "the bucket policy "
		    "is not a policy document");
		return;
	}
	doc = lifecycle_remove(ctx->lifecycle, ctx->opts->prefix, &changed,
	    &none_left);
	if (changed && begin(rm, "lifecycle", "expiry rules for outcomes")) {
		if (doc != NULL)
			check(rm, bucket_put_config(ctx->client, ctx->bucket,
			    "lifecycle", doc, &rm->resp),
			    "the lifecycle rules");
		else
			check(rm, bucket_delete_config(ctx->client,
			    ctx->bucket, "lifecycle", &rm->resp),
			    "the lifecycle rules");
	}
	free(doc);
}

/* Deletes the rule set setup created when nothing else is left in it. */
static void
remove_rule_set(struct removal *rm)
{
	struct infra_ctx *ctx = rm->ctx;
	const struct ses_rule_set *set = ctx->rule_set_rules;

	if (set == NULL || strcmp(ctx->rule_set, INFRA_DEFAULT_RULE_SET) != 0)
		return;
	if (set->rule_count > (ctx->rule != NULL ? 1u : 0u)) {
		kept(rm, "rule set", "other rules are in it");
		return;
	}
	if (!begin(rm, "rule set", ctx->rule_set))
		return;
	if (ctx->rule_set_active) {
		check(rm, ses_set_active_rule_set(ctx->client, NULL,
		    &rm->resp), "the rule set");
		if (rm->result != INFRA_DONE)
			return;
		memset(&rm->resp, 0, sizeof(rm->resp));
	}
	check(rm, ses_delete_rule_set(ctx->client, ctx->rule_set, &rm->resp),
	    "the rule set");
}

static void
delete_bucket(struct removal *rm)
{
	struct infra_ctx *ctx = rm->ctx;
	bool empty = false;
	long deleted = 0;

	if (infra_policy_count_sid_prefix(ctx->bucket_policy,
	    STATEMENT_PREFIX) > 0) {
		kept(rm, "bucket", "it still receives mail for other domains");
		return;
	}
	memset(&rm->resp, 0, sizeof(rm->resp));
	check(rm, bucket_is_empty(ctx->client, ctx->bucket, &empty,
	    &rm->resp), "the bucket");
	if (rm->result != INFRA_DONE)
		return;
	if (!empty && !ctx->opts->force) {
		kept(rm, "bucket", "it is not empty; add --force to delete "
		    "its objects too");
		rm->result = INFRA_PROBLEM;
		return;
	}
	if (!begin(rm, "bucket", ctx->bucket))
		return;
	if (!empty) {
		check(rm, bucket_empty(ctx->client, ctx->bucket, &deleted,
		    &rm->resp), "the bucket's objects");
		fprintf(ctx->out, "  %-14s %-14s %ld %s\n", "removed",
		    "objects", deleted, deleted == 1 ? "object" : "objects");
		if (rm->result != INFRA_DONE)
			return;
		memset(&rm->resp, 0, sizeof(rm->resp));
	}
	check(rm, bucket_delete(ctx->client, ctx->bucket, &rm->resp),
	    "the bucket");
}

static void
remove_bucket(struct removal *rm)
{
	struct infra_ctx *ctx = rm->ctx;

	if (ctx->bucket_owner != BUCKET_OURS)
		return;
	remove_statement(rm);
	remove_lifecycle(rm);
	if (ctx->opts->delete_bucket)
		delete_bucket(rm);
	else
		kept(rm, "bucket", "pass --delete-bucket to delete it");
}

enum infra_result
infra_teardown(struct aws_client *client, const struct infra_options *opts,
    FILE *out)
{
	struct infra_ctx ctx;
	struct removal rm = { .ctx = &ctx };

	rm.result = infra_ctx_init(&ctx, client, opts, out);
	if (rm.result == INFRA_DONE)
		rm.result = infra_read(&ctx, false);
	if (rm.result == INFRA_DONE) {
		fprintf(out, "Teardown of %s (region %s, account %s):\n",
		    opts->domain, ctx.region, ctx.account);
		remove_rule(&rm);
		remove_records(&rm);
		remove_identity(&rm);
		remove_topic(&rm);
		remove_bucket(&rm);
		remove_rule_set(&rm);
		if (opts->dry_run)
			fprintf(out, "Dry run: nothing was changed.\n");
	}
	infra_ctx_free(&ctx);
	return rm.result;
}
