#ifndef AWS_SES_H
#define AWS_SES_H

/*
 * SES v1 (query protocol, 2010-12-01): domain identities and receipt
 * rules.  SES v2 has no receipt rules.  Every call returns 0 on success
 * and -1 on failure with resp holding the status and AWS error (not
 * logged); free resp with aws_response_free() in both cases.
 */
#include <stdbool.h>
#include <stddef.h>

#include "aws/aws.h"
#include "common/str.h"

/*
 * A receipt rule as far as this tool reads and writes it: its settings
 * and the first S3 action.  Strings are owned (NULL when absent).
 */
struct ses_receipt_rule {
	char *name;
	bool enabled;
	bool scan_enabled;
	char *tls_policy;		/* "Require" or "Optional" */
	struct strlist recipients;
	char *s3_bucket;
	char *s3_prefix;
	char *s3_topic_arn;
	char *s3_kms_key_arn;
	size_t action_count;		/* actions of every type */
};

struct ses_rule_set {
	char *name;			/* NULL: no active rule set */
	struct ses_receipt_rule *rules;
	size_t rule_count;
};

void ses_receipt_rule_free(struct ses_receipt_rule *rule);
void ses_rule_set_free(struct ses_rule_set *set);

/* DescribeActiveReceiptRuleSet; set->name is NULL when none is active. */
int ses_describe_active_rule_set(struct aws_client *client,
    struct ses_rule_set *set, struct aws_response *resp);

/* DescribeReceiptRuleSet; fails with RuleSetDoesNotExist when absent. */
int ses_describe_rule_set(struct aws_client *client, const char *name,
    struct ses_rule_set *set, struct aws_response *resp);

int ses_create_rule_set(struct aws_client *client, const char *name,
    struct aws_response *resp);

/* DeleteReceiptRuleSet; the active set cannot be deleted. */
int ses_delete_rule_set(struct aws_client *client, const char *name,
    struct aws_response *resp);

/* SetActiveReceiptRuleSet; name NULL deactivates every rule set. */
int ses_set_active_rule_set(struct aws_client *client, const char *name,
    struct aws_response *resp);

/*
 * CreateReceiptRule in rule_set after the rule named after (NULL: first)
 * with one S3 action from rule's s3_* fields.
 */
int ses_create_receipt_rule(struct aws_client *client, const char *rule_set,
    const char *after, const struct ses_receipt_rule *rule,
    struct aws_response *resp);

/* UpdateReceiptRule: replaces the rule of the same name. */
int ses_update_receipt_rule(struct aws_client *client, const char *rule_set,
    const struct ses_receipt_rule *rule, struct aws_response *resp);

int ses_delete_receipt_rule(struct aws_client *client, const char *rule_set,
    const char *name, struct aws_response *resp);

/* VerifyDomainIdentity; *token (newly allocated) goes into the TXT. */
int ses_verify_domain_identity(struct aws_client *client,
    const char *domain, char **token, struct aws_response *resp);

/*
 * GetIdentityVerificationAttributes for one identity.  *status
 * ("Pending", "Success", "Failed", "TemporaryFailure", "NotStarted") and
 * *token are newly allocated, both NULL when SES has no such identity.
 */
int ses_get_identity_verification(struct aws_client *client,
    const char *identity, char **status, char **token,
    struct aws_response *resp);

int ses_delete_identity(struct aws_client *client, const char *identity,
    struct aws_response *resp);

#endif
