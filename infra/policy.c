#include "infra/policy.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/str.h"

#define POLICY_VERSION "2012-10-17"

static json_object *
service_principal(void)
{
	json_object *principal = json_object_new_object();

	json_object_object_add(principal, "Service",
	    json_object_new_string("ses.amazonaws.com"));
	return principal;
}

static char *
to_text(json_object *obj)
{
	char *text = xstrdup(json_object_to_json_string_ext(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(obj);
	return text;
}

char *
infra_bucket_statement(const char *sid, const char *bucket,
    const char *prefix, const char *account, const char *rule_arn)
{
	json_object *st = json_object_new_object();
	json_object *cond = json_object_new_object();
	json_object *eq = json_object_new_object();
	char *resource = xasprintf("arn:aws:s3:::%s/%s*", bucket, prefix);

	json_object_object_add(st, "Sid", json_object_new_string(sid));
	json_object_object_add(st, "Effect", json_object_new_string("Allow"));
	json_object_object_add(st, "Principal", service_principal());
	json_object_object_add(st, "Action",
	    json_object_new_string("s3:PutObject"));
	json_object_object_add(st, "Resource",
	    json_object_new_string(resource));
	json_object_object_add(eq, "AWS:SourceAccount",
	    json_object_new_string(account));
	json_object_object_add(eq, "AWS:SourceArn",
	    json_object_new_string(rule_arn));
	json_object_object_add(cond, "StringEquals", eq);
	json_object_object_add(st, "Condition", cond);
	free(resource);
	return to_text(st);
}

char *
infra_topic_statement(const char *topic_arn, const char *account)
{
	json_object *st = json_object_new_object();
	json_object *cond = json_object_new_object();
	json_object *eq = json_object_new_object();

	json_object_object_add(st, "Sid",
	    json_object_new_string(INFRA_TOPIC_SID));
	json_object_object_add(st, "Effect", json_object_new_string("Allow"));
	json_object_object_add(st, "Principal", service_principal());
	json_object_object_add(st, "Action",
	    json_object_new_string("SNS:Publish"));
	json_object_object_add(st, "Resource",
	    json_object_new_string(topic_arn));
	json_object_object_add(eq, "AWS:SourceAccount",
	    json_object_new_string(account));
	json_object_object_add(cond, "StringEquals", eq);
	json_object_object_add(st, "Condition", cond);
	return to_text(st);
}

/*
 * Parses a policy document; a missing or empty one becomes a new
 * document.  The Statement member is always an array afterwards (a
 * single statement object is wrapped).  Returns NULL when not a policy.
 */
static json_object *
parse_policy(const char *text, json_object **statements)
{
	json_object *doc, *st;

	if (text == NULL || *text == '\0') {
		doc = json_object_new_object();
		json_object_object_add(doc, "Version",
		    json_object_new_string(POLICY_VERSION));
	} else {
		doc = json_tokener_parse(text);
		if (doc == NULL || !json_object_is_type(doc, json_type_object))
			goto invalid;
	}
	if (!json_object_object_get_ex(doc, "Statement", &st)) {
		st = json_object_new_array();
		json_object_object_add(doc, "Statement", st);
	} else if (json_object_is_type(st, json_type_object)) {
		json_object *array = json_object_new_array();

		json_object_array_add(array, json_object_get(st));
		json_object_object_add(doc, "Statement", array);
		st = array;
	} else if (!json_object_is_type(st, json_type_array)) {
		goto invalid;
	}
	*statements = st;
	return doc;
invalid:
	json_object_put(doc);
	return NULL;
}

static const char *
statement_sid(json_object *st)
{
	json_object *sid;

	if (json_object_object_get_ex(st, "Sid", &sid) &&
	    json_object_is_type(sid, json_type_string))
		return json_object_get_string(sid);
	return NULL;
}

/* Returns the index of the statement with sid, or -1. */
static int
find_sid(json_object *statements, const char *sid)
{
	size_t n = json_object_array_length(statements);

	for (size_t i = 0; i < n; i++) {
		const char *s = statement_sid(
		    json_object_array_get_idx(statements, i));

		if (s != NULL && strcmp(s, sid) == 0)
			return (int)i;
	}
	return -1;
}

enum infra_policy_result
infra_policy_upsert(const char *existing, const char *statement, char **out)
{
	json_object *doc = NULL, *statements, *st;
	enum infra_policy_result result = INFRA_POLICY_INVALID;
	const char *sid;
	int at;

	*out = NULL;
	st = json_tokener_parse(statement);
	if (st == NULL || (sid = statement_sid(st)) == NULL)
		goto out;
	doc = parse_policy(existing, &statements);
	if (doc == NULL)
		goto out;

	at = find_sid(statements, sid);
	if (at >= 0 && json_object_equal(st,
	    json_object_array_get_idx(statements, (size_t)at))) {
		result = INFRA_POLICY_UNCHANGED;
		goto out;
	}
	if (at >= 0)
		json_object_array_put_idx(statements, (size_t)at,
		    json_object_get(st));
	else
		json_object_array_add(statements, json_object_get(st));
	*out = to_text(doc);
	doc = NULL;
	result = INFRA_POLICY_CHANGED;
out:
	json_object_put(st);
	json_object_put(doc);
	return result;
}

enum infra_policy_result
infra_policy_remove(const char *existing, const char *sid, char **out)
{
	json_object *doc, *statements;
	int at;

	*out = NULL;
	if (existing == NULL || *existing == '\0')
		return INFRA_POLICY_UNCHANGED;
	doc = parse_policy(existing, &statements);
	if (doc == NULL)
		return INFRA_POLICY_INVALID;
	at = find_sid(statements, sid);
	if (at < 0) {
		json_object_put(doc);
		return INFRA_POLICY_UNCHANGED;
	}
	json_object_array_del_idx(statements, (size_t)at, 1);
	if (json_object_array_length(statements) == 0)
		json_object_put(doc);
	else
		*out = to_text(doc);
	return INFRA_POLICY_CHANGED;
}

bool
infra_policy_has(const char *existing, const char *statement)
{
	char *updated = NULL;
	enum infra_policy_result r;

	if (existing == NULL || *existing == '\0')
		return false;
	r = infra_policy_upsert(existing, statement, &updated);
	free(updated);
	return r == INFRA_POLICY_UNCHANGED;
}

int
infra_policy_count_sid_prefix(const char *existing, const char *prefix)
{
	json_object *doc, *statements;
	size_t n;
	int count = 0;

	doc = parse_policy(existing, &statements);
	if (doc == NULL)
		return -1;
	n = json_object_array_length(statements);
	for (size_t i = 0; i < n; i++) {
		const char *sid = statement_sid(
		    json_object_array_get_idx(statements, i));

		if (sid != NULL && str_starts_with(sid, prefix))
			count++;
	}
	json_object_put(doc);
	return count;
}

int
infra_policy_count_resource(const char *existing, const char *prefix,
    const char *resource)
{
	json_object *doc, *statements, *st, *res;
	size_t n;
	int count = 0;

	doc = parse_policy(existing, &statements);
	if (doc == NULL)
		return -1;
	n = json_object_array_length(statements);
	for (size_t i = 0; i < n; i++) {
		const char *sid;

		st = json_object_array_get_idx(statements, i);
		sid = statement_sid(st);
		if (sid != NULL && str_starts_with(sid, prefix) &&
		    json_object_object_get_ex(st, "Resource", &res) &&
		    json_object_is_type(res, json_type_string) &&
		    strcmp(json_object_get_string(res), resource) == 0)
			count++;
	}
	json_object_put(doc);
	return count;
}
