#include "aws/ses.h"

#include <stdlib.h>
#include <string.h>

#include "aws/params.h"
#include "aws/xml.h"

#define SES_VERSION "2010-12-01"

void
ses_receipt_rule_free(struct ses_receipt_rule *rule)
{
	free(rule->name);
	free(rule->tls_policy);
	strlist_free(&rule->recipients);
	free(rule->s3_bucket);
	free(rule->s3_prefix);
	free(rule->s3_topic_arn);
	free(rule->s3_kms_key_arn);
	memset(rule, 0, sizeof(*rule));
}

void
ses_rule_set_free(struct ses_rule_set *set)
{
	for (size_t i = 0; i < set->rule_count; i++)
		ses_receipt_rule_free(&set->rules[i]);
	free(set->rules);
	free(set->name);
	memset(set, 0, sizeof(*set));
}

static int
call(struct aws_client *client, const char *action,
    const struct aws_params *params, struct aws_response *resp)
{
	return aws_query(client, "ses", action, SES_VERSION,
	    params ? params->items : NULL, params ? params->count : 0, resp);
}

static bool
text_is_true(const xmlNode *node, const char *name)
{
	char *text = xml_path_text(node, name);
	bool yes = text != NULL && strcmp(text, "true") == 0;

	free(text);
	return yes;
}

static void
read_rule(const xmlNode *node, struct ses_receipt_rule *rule)
{
	const xmlNode *member, *s3 = NULL;

	rule->name = xml_path_text(node, "Name");
	rule->enabled = text_is_true(node, "Enabled");
	rule->scan_enabled = text_is_true(node, "ScanEnabled");
	rule->tls_policy = xml_path_text(node, "TlsPolicy");
	for (member = xml_child(xml_child(node, "Recipients"), "member");
	    member != NULL; member = xml_next(member, "member"))
		strlist_add_owned(&rule->recipients, xml_text(member));
	for (member = xml_child(xml_child(node, "Actions"), "member");
	    member != NULL; member = xml_next(member, "member")) {
		rule->action_count++;
		if (s3 == NULL)
			s3 = xml_child(member, "S3Action");
	}
	if (s3 != NULL) {
		rule->s3_bucket = xml_path_text(s3, "BucketName");
		rule->s3_prefix = xml_path_text(s3, "ObjectKeyPrefix");
		rule->s3_topic_arn = xml_path_text(s3, "TopicArn");
		rule->s3_kms_key_arn = xml_path_text(s3, "KmsKeyArn");
	}
}

/* Reads Metadata/Name and Rules/member from a Describe*RuleSet result. */
static int
read_rule_set(struct aws_response *resp, const char *root_name,
    const char *result_name, struct ses_rule_set *set)
{
	xmlDoc *doc = xml_parse(resp->body.data, resp->body.len);
	const xmlNode *result, *member;
	size_t n = 0;

	result = xml_child(xml_root(doc, root_name), result_name);
	if (result == NULL) {
		xml_free(doc);
		return aws_response_malformed(resp, root_name);
	}
	set->name = xml_path_text(result, "Metadata/Name");
	for (member = xml_child(xml_child(result, "Rules"), "member");
	    member != NULL; member = xml_next(member, "member"))
		n++;
	set->rules = xcalloc(n ? n : 1, sizeof(*set->rules));
	for (member = xml_child(xml_child(result, "Rules"), "member");
	    member != NULL; member = xml_next(member, "member"))
		read_rule(member, &set->rules[set->rule_count++]);
	xml_free(doc);
	return 0;
}

int
ses_describe_active_rule_set(struct aws_client *client,
    struct ses_rule_set *set, struct aws_response *resp)
{
	memset(set, 0, sizeof(*set));
	if (call(client, "DescribeActiveReceiptRuleSet", NULL, resp) != 0)
		return -1;
	return read_rule_set(resp, "DescribeActiveReceiptRuleSetResponse",
	    "DescribeActiveReceiptRuleSetResult", set);
}

int
ses_describe_rule_set(struct aws_client *client, const char *name,
    struct ses_rule_set *set, struct aws_response *resp)
{
	struct aws_params p = {0};
	int rc;

	memset(set, 0, sizeof(*set));
	aws_params_add(&p, "RuleSetName", name);
	rc = call(client, "DescribeReceiptRuleSet", &p, resp);
	aws_params_free(&p);
	if (rc != 0)
		return -1;
	return read_rule_set(resp, "DescribeReceiptRuleSetResponse",
	    "DescribeReceiptRuleSetResult", set);
}

/* Sends an action whose only parameter is name (may be NULL). */
static int
send_named(struct aws_client *client, const char *action,
    const char *param, const char *name, struct aws_response *resp)
{
	struct aws_params p = {0};
	int rc;

	if (name != NULL)
		aws_params_add(&p, param, name);
	rc = call(client, action, &p, resp);
	aws_params_free(&p);
	return rc;
}

int
ses_create_rule_set(struct aws_client *client, const char *name,
    struct aws_response *resp)
{
	return send_named(client, "CreateReceiptRuleSet", "RuleSetName", name,
	    resp);
}

int
ses_delete_rule_set(struct aws_client *client, const char *name,
    struct aws_response *resp)
{
	return send_named(client, "DeleteReceiptRuleSet", "RuleSetName", name,
	    resp);
}

int
ses_set_active_rule_set(struct aws_client *client, const char *name,
    struct aws_response *resp)
{
	return send_named(client, "SetActiveReceiptRuleSet", "RuleSetName",
	    name, resp);
}

static void
add_rule_params(struct aws_params *p, const struct ses_receipt_rule *rule)
{
	const char *s3 = "Rule.Actions.member.1.S3Action";

	aws_params_add(p, "Rule.Name", rule->name);
	aws_params_add(p, "Rule.Enabled", rule->enabled ? "true" : "false");
	aws_params_add(p, "Rule.ScanEnabled",
	    rule->scan_enabled ? "true" : "false");
	if (rule->tls_policy != NULL)
		aws_params_add(p, "Rule.TlsPolicy", rule->tls_policy);
	for (size_t i = 0; i < rule->recipients.count; i++)
		aws_params_addf(p, rule->recipients.items[i],
		    "Rule.Recipients.member.%zu", i + 1);
	if (rule->s3_bucket == NULL)
		return;
	aws_params_addf(p, rule->s3_bucket, "%s.BucketName", s3);
	if (rule->s3_prefix != NULL)
		aws_params_addf(p, rule->s3_prefix, "%s.ObjectKeyPrefix", s3);
	if (rule->s3_topic_arn != NULL)
		aws_params_addf(p, rule->s3_topic_arn, "%s.TopicArn", s3);
	if (rule->s3_kms_key_arn != NULL)
		aws_params_addf(p, rule->s3_kms_key_arn, "%s.KmsKeyArn", s3);
}

int
ses_create_receipt_rule(struct aws_client *client, const char *rule_set,
    const char *after, const struct ses_receipt_rule *rule,
    struct aws_response *resp)
{
	struct aws_params p = {0};
	int rc;

	aws_params_add(&p, "RuleSetName", rule_set);
	if (after != NULL)
		aws_params_add(&p, "After", after);
	add_rule_params(&p, rule);
	rc = call(client, "CreateReceiptRule", &p, resp);
	aws_params_free(&p);
	return rc;
}

int
ses_update_receipt_rule(struct aws_client *client, const char *rule_set,
    const struct ses_receipt_rule *rule, struct aws_response *resp)
{
	struct aws_params p = {0};
	int rc;

	aws_params_add(&p, "RuleSetName", rule_set);
	add_rule_params(&p, rule);
	rc = call(client, "UpdateReceiptRule", &p, resp);
	aws_params_free(&p);
	return rc;
}

int
ses_delete_receipt_rule(struct aws_client *client, const char *rule_set,
    const char *name, struct aws_response *resp)
{
	struct aws_params p = {0};
	int rc;

	aws_params_add(&p, "RuleSetName", rule_set);
	aws_params_add(&p, "RuleName", name);
	rc = call(client, "DeleteReceiptRule", &p, resp);
	aws_params_free(&p);
	return rc;
}

int
ses_verify_domain_identity(struct aws_client *client, const char *domain,
    char **token, struct aws_response *resp)
{
	xmlDoc *doc;

	*token = NULL;
	if (send_named(client, "VerifyDomainIdentity", "Domain", domain,
	    resp) != 0)
		return -1;
	doc = xml_parse(resp->body.data, resp->body.len);
	*token = xml_doc_text(doc, "VerifyDomainIdentityResponse/"
	    "VerifyDomainIdentityResult/VerificationToken");
	xml_free(doc);
	if (*token == NULL)
		return aws_response_malformed(resp,
		    "VerifyDomainIdentity: no VerificationToken");
	return 0;
}

int
ses_get_identity_verification(struct aws_client *client,
    const char *identity, char **status, char **token,
    struct aws_response *resp)
{
	const xmlNode *result, *entry;
	xmlDoc *doc;

	*status = *token = NULL;
	if (send_named(client, "GetIdentityVerificationAttributes",
	    "Identities.member.1", identity, resp) != 0)
		return -1;
	doc = xml_parse(resp->body.data, resp->body.len);
	result = xml_child(xml_root(doc,
	    "GetIdentityVerificationAttributesResponse"),
	    "GetIdentityVerificationAttributesResult");
	if (result == NULL) {
		xml_free(doc);
		return aws_response_malformed(resp,
		    "GetIdentityVerificationAttributes: no result");
	}
	for (entry = xml_child(xml_child(result, "VerificationAttributes"),
	    "entry"); entry != NULL; entry = xml_next(entry, "entry")) {
		char *key = xml_path_text(entry, "key");
		bool match = key != NULL && strcmp(key, identity) == 0;

		free(key);
		if (!match)
			continue;
		*status = xml_path_text(entry, "value/VerificationStatus");
		*token = xml_path_text(entry, "value/VerificationToken");
		break;
	}
	xml_free(doc);
	return 0;
}

int
ses_delete_identity(struct aws_client *client, const char *identity,
    struct aws_response *resp)
{
	return send_named(client, "DeleteIdentity", "Identity", identity,
	    resp);
}
