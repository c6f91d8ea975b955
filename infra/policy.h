#ifndef INFRA_POLICY_H
#define INFRA_POLICY_H

#include <stdbool.h>

/*
 * Resource policies (S3 bucket policy, SNS topic policy) as JSON text.
 * Setup adds or replaces only its own statements, found by Sid, and
 * keeps every other statement as it is.
 */

/* Sid of the topic policy statement that lets SES publish. */
#define INFRA_TOPIC_SID "AcmInboxSesPublish"

/*
 * Returns the statement (JSON text, newly allocated) that lets SES put
 * objects under arn:aws:s3:::BUCKET/PREFIX* for one receipt rule only:
 * StringEquals on AWS:SourceAccount and AWS:SourceArn.
 */
char *infra_bucket_statement(const char *sid, const char *bucket,
    const char *prefix, const char *account, const char *rule_arn);

/*
 * Returns the statement (JSON text, newly allocated) that lets SES
 * publish to topic_arn on behalf of account.
 */
char *infra_topic_statement(const char *topic_arn, const char *account);

enum infra_policy_result {
	INFRA_POLICY_INVALID = -1,	/* existing or statement not JSON */
	INFRA_POLICY_UNCHANGED = 0,	/* *out is NULL */
	INFRA_POLICY_CHANGED = 1,	/* *out is the new document */
};

/*
 * Adds statement to the policy document existing (NULL or "": none), or
 * replaces the statement with the same Sid.  Statements are compared as
 * JSON values, so formatting and key order do not count as a change.
 * *out (free with free()) is the new document when the result is
 * INFRA_POLICY_CHANGED, else NULL.
 */
enum infra_policy_result infra_policy_upsert(const char *existing,
    const char *statement, char **out);

/*
 * Removes the statement with Sid sid.  On INFRA_POLICY_CHANGED *out is
 * the new document, or NULL when no statement remains (delete the
 * policy).  INFRA_POLICY_UNCHANGED when no such statement exists.
 */
enum infra_policy_result infra_policy_remove(const char *existing,
    const char *sid, char **out);

/*
 * Returns true when existing contains a statement equal to statement
 * (compared as JSON values).
 */
bool infra_policy_has(const char *existing, const char *statement);

/*
 * Counts the statements whose Sid starts with prefix; -1 when existing
 * is not a policy document.
 */
int infra_policy_count_sid_prefix(const char *existing, const char *prefix);

/*
 * Counts the statements whose Sid starts with prefix and whose Resource
 * is the string resource; -1 when existing is not a policy document.
 */
int infra_policy_count_resource(const char *existing, const char *prefix,
    const char *resource);

#endif
