#ifndef INFRA_CONTEXT_H
#define INFRA_CONTEXT_H

/*
 * What setup, status and teardown share inside infra/: the names derived
 * from the options, the state read from AWS, and the plan.
 */
#include <stdbool.h>

#include "aws/route53.h"
#include "aws/ses.h"
#include "infra/bucket.h"
#include "infra/infra.h"

#define INFRA_RECORD_TTL 300

enum step_kind {
	STEP_BUCKET,
	STEP_PUBLIC_ACCESS,
	STEP_ENCRYPTION,
	STEP_LIFECYCLE,
	STEP_BUCKET_POLICY,
	STEP_TOPIC,
	STEP_TOPIC_POLICY,
	STEP_IDENTITY,
	STEP_TXT,
	STEP_MX,
	STEP_RULE_SET,
	STEP_RULE,
	STEP_COUNT,
};

enum step_action {
	ACTION_UNCHANGED,
	ACTION_CREATE,
	ACTION_UPDATE,
	ACTION_CONFLICT,
};

struct step {
	enum step_action action;
	char *detail;		/* what is or will be there */
	bool pending;		/* status: made but not yet in effect */
};

struct infra_ctx {
	struct aws_client *client;
	const struct infra_options *opts;
	FILE *out;
	bool unreachable;	/* some call got no response */

	/* Names derived from the options, the account and the region. */
	const char *region;
	char *account;
	char *bucket;
	char *rule_name;
	char *rule_set;		/* where the rule is or goes */
	char *rule_arn;
	char *topic_arn;
	char *sid;
	char *txt_name;
	char *mx_value;
	struct strlist recipients;

	/* State read from AWS. */
	enum bucket_owner bucket_owner;
	char *bucket_policy;
	char *public_access;
	char *encryption;
	char *lifecycle;
	char *identity_status;	/* NULL: no identity */
	char *identity_token;
	char *zone_id;		/* NULL: no hosted zone */
	struct route53_rrset txt;	/* txt.name NULL: none */
	struct route53_rrset mx;
	bool topic_exists;
	char *topic_policy;
	struct ses_rule_set active;	/* active.name NULL: none active */
	struct ses_rule_set named;	/* --rule-set or the default set */
	bool rule_set_exists;
	bool rule_set_active;
	const struct ses_receipt_rule *rule;	/* NULL: no rule yet */
	const struct ses_rule_set *rule_set_rules; /* active or named */

	struct step steps[STEP_COUNT];
};

/* Derives names; fails (logged) for a region without SES receiving. */
enum infra_result infra_ctx_init(struct infra_ctx *ctx,
    struct aws_client *client, const struct infra_options *opts,
    FILE *out);
void infra_ctx_free(struct infra_ctx *ctx);

/*
 * Reads every resource (read calls only).  need_zone makes a missing
 * hosted zone an error.  Returns INFRA_DONE or the failure (logged).
 */
enum infra_result infra_read(struct infra_ctx *ctx, bool need_zone);

/* Forgets the state read, so infra_read() can run again. */
void infra_state_free(struct infra_ctx *ctx);

/* Fills ctx->steps from the state read. */
void infra_plan(struct infra_ctx *ctx);

/* Returns the number of steps that would write. */
int infra_plan_changes(const struct infra_ctx *ctx);

/* Returns the number of steps in conflict (logged with the reason). */
int infra_plan_conflicts(const struct infra_ctx *ctx);

void infra_plan_print(const struct infra_ctx *ctx);

/*
 * Prints the status table; returns true when every resource is right
 * and in effect.
 */
bool infra_status_print(const struct infra_ctx *ctx);

/* The step's resource name as printed ("bucket policy"). */
const char *infra_step_name(enum step_kind kind);

/*
 * Logs a failed call as "what: error" with a hint for AccessDenied, and
 * notes in ctx when the call got no response.  Returns INFRA_AWS_FAILED.
 */
enum infra_result infra_fail(struct infra_ctx *ctx, const char *what,
    const struct aws_response *resp);

/* Returns the desired receipt rule (free with ses_receipt_rule_free()). */
void infra_desired_rule(const struct infra_ctx *ctx,
    struct ses_receipt_rule *rule);

/* Returns the quoted TXT value for the identity token, newly allocated. */
char *infra_txt_value(const char *token);

#endif
