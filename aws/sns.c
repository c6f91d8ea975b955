#include "aws/sns.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aws/params.h"
#include "aws/xml.h"

#define SNS_VERSION "2010-03-31"

static int
call(struct aws_client *client, const char *action,
    const struct aws_params *p, struct aws_response *resp)
{
	return aws_query(client, "sns", action, SNS_VERSION, p->items,
	    p->count, resp);
}

int
sns_create_topic(struct aws_client *client, const char *name, char **arn,
    struct aws_response *resp)
{
	struct aws_params p = {0};
	xmlDoc *doc;
	int rc;

	*arn = NULL;
	aws_params_add(&p, "Name", name);
	rc = call(client, "CreateTopic", &p, resp);
	aws_params_free(&p);
	if (rc != 0)
		return -1;
	doc = xml_parse(resp->body.data, resp->body.len);
	*arn = xml_doc_text(doc, "CreateTopicResponse/CreateTopicResult/"
	    "TopicArn");
	xml_free(doc);
	if (*arn == NULL)
		return aws_response_malformed(resp, "CreateTopic: no TopicArn");
	return 0;
}

int
sns_get_topic_policy(struct aws_client *client, const char *arn,
    char **policy, struct aws_response *resp)
{
	struct aws_params p = {0};
	const xmlNode *attrs, *entry;
	xmlDoc *doc;
	int rc;

	*policy = NULL;
	aws_params_add(&p, "TopicArn", arn);
	rc = call(client, "GetTopicAttributes", &p, resp);
	aws_params_free(&p);
	if (rc != 0)
		return -1;
	doc = xml_parse(resp->body.data, resp->body.len);
	attrs = xml_path(xml_root(doc, "GetTopicAttributesResponse"),
	    "GetTopicAttributesResult/Attributes");
	if (attrs == NULL) {
		xml_free(doc);
		return aws_response_malformed(resp,
		    "GetTopicAttributes: no Attributes");
	}
	for (entry = xml_child(attrs, "entry"); entry != NULL;
	    entry = xml_next(entry, "entry")) {
		char *key = xml_path_text(entry, "key");
		bool match = key != NULL && strcmp(key, "Policy") == 0;

		free(key);
		if (match) {
			*policy = xml_path_text(entry, "value");
			break;
		}
	}
	xml_free(doc);
	return 0;
}

int
sns_set_topic_policy(struct aws_client *client, const char *arn,
    const char *policy, struct aws_response *resp)
{
	struct aws_params p = {0};
	int rc;

	aws_params_add(&p, "TopicArn", arn);
	aws_params_add(&p, "AttributeName", "Policy");
	aws_params_add(&p, "AttributeValue", policy);
	rc = call(client, "SetTopicAttributes", &p, resp);
	aws_params_free(&p);
	return rc;
}

int
sns_delete_topic(struct aws_client *client, const char *arn,
    struct aws_response *resp)
{
	struct aws_params p = {0};
	int rc;

	aws_params_add(&p, "TopicArn", arn);
	rc = call(client, "DeleteTopic", &p, resp);
	aws_params_free(&p);
	return rc;
}
