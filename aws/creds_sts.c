/*
 * Web identity credentials: the token in AWS_WEB_IDENTITY_TOKEN_FILE is
 * exchanged for role credentials with STS AssumeRoleWithWebIdentity, an
 * unsigned query-protocol call (the token is the proof of identity).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "aws/config.h"
#include "aws/creds_internal.h"
#include "common/log.h"

/* Used when no region is configured, because STS is served in every region. */
#define CREDS_STS_FALLBACK_REGION "us-east-1"

/* Finds the first element named name at or below node. */
static xmlNode *
creds_xml_find(xmlNode *node, const char *name)
{
	for (; node != NULL; node = node->next) {
		xmlNode *found;

		if (node->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)node->name, name) == 0)
			return node;
		found = creds_xml_find(node->children, name);
		if (found != NULL)
			return found;
	}
	return NULL;
}

/* Returns a copy of the trimmed text of element name, or NULL. */
static char *
creds_xml_text(xmlNode *node, const char *name)
{
	xmlNode *found = creds_xml_find(node, name);
	xmlChar *text;
	char *copy;

	if (found == NULL)
		return NULL;
	text = xmlNodeGetContent(found);
	copy = text != NULL ? xstrdup(str_trim((char *)text)) : NULL;
	xmlFree(text);
	return copy;
}

static xmlDoc *
creds_xml_parse(const struct buf *body)
{
	if (body->data == NULL || body->len > CREDS_MAX_RESPONSE)
		return NULL;
	return xmlReadMemory(body->data, (int)body->len, "sts.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* Logs an STS error response: status, Code and Message, escaped. */
static void
creds_sts_log_error(const char *url, const struct creds_http *h)
{
	xmlDoc *doc = creds_xml_parse(&h->response);
	xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	char *code = root != NULL ? creds_xml_text(root, "Code") : NULL;
	char *message = root != NULL ? creds_xml_text(root, "Message") : NULL;
	char *code_esc = str_escaped(code != NULL ? code : "no error code");
	char *message_esc = str_escaped(message != NULL ? message : "");

	log_error("credentials: web identity: AssumeRoleWithWebIdentity at "
	    "%s failed: HTTP %ld %s: %s", url, h->status, code_esc,
	    message_esc);
	free(code_esc);
	free(message_esc);
	free(code);
	free(message);
	xmlFreeDoc(doc);
}

/* Reads the Credentials element of a successful response into c. */
static int
creds_sts_parse(const char *url, const struct creds_http *h,
    struct aws_credentials *c)
{
	xmlDoc *doc = creds_xml_parse(&h->response);
	xmlNode *node = doc != NULL ? creds_xml_find(
	    xmlDocGetRootElement(doc), "Credentials") : NULL;
	char *id = NULL, *secret = NULL, *token = NULL, *expiration = NULL;
	time_t expires = 0;
	int rc = -1;

	if (node != NULL) {
		id = creds_xml_text(node->children, "AccessKeyId");
		secret = creds_xml_text(node->children, "SecretAccessKey");
		token = creds_xml_text(node->children, "SessionToken");
		expiration = creds_xml_text(node->children, "Expiration");
	}
	if (id == NULL || secret == NULL || token == NULL ||
	    aws_creds_parse_time(expiration, &expires) != 0) {
		log_error("credentials: web identity: the response from %s has "
		    "no valid Credentials element", url);
	} else {
		creds_fill(c, id, secret, token, expires, "web identity");
		rc = 0;
	}
	free(id);
	free(secret);
	free(token);
	free(expiration);
	xmlFreeDoc(doc);
	return rc;
}

static void
creds_form_param(struct buf *body, const char *name, const char *value)
{
	if (body->len > 0)
		buf_append_char(body, '&');
	buf_append_str(body, name);
	buf_append_char(body, '=');
	str_uri_encode(body, value, strlen(value), false);
}

/* Builds the form body; the result holds the token, so it is not logged. */
static char *
creds_sts_body(const char *role, const char *token)
{
	const char *session = creds_env("AWS_ROLE_SESSION_NAME");
	char *generated = NULL;
	struct buf body = { 0 };

	if (session == NULL) {
		generated = xasprintf("acm-inbox-%lld",
		    (long long)time(NULL));
		session = generated;
	}
	creds_form_param(&body, "Action", "AssumeRoleWithWebIdentity");
	creds_form_param(&body, "Version", "2011-06-15");
	creds_form_param(&body, "RoleArn", role);
	creds_form_param(&body, "RoleSessionName", session);
	creds_form_param(&body, "WebIdentityToken", token);
	free(generated);
	return buf_steal(&body);
}

static int
creds_sts_call(struct creds_ctx *ctx, const char *role, const char *token,
    struct aws_credentials *c)
{
	const char *region = ctx->region != NULL ? ctx->region :
	    CREDS_STS_FALLBACK_REGION;
	char *endpoint = aws_config_endpoint(AWS_SERVICE_STS, region,
	    ctx->profile, NULL);
	struct creds_http h = { .method = "POST" };
	char *url = NULL, *body = NULL;
	int rc = -1;

	if (endpoint == NULL)
		goto out;
	url = xasprintf("%s/", endpoint);
	body = creds_sts_body(role, token);
	h.url = url;
	h.body = body;
	creds_http_header(&h, "Content-Type",
	    "application/x-www-form-urlencoded; charset=utf-8");
	if (creds_http_send(ctx, &h) != 0)
		log_error("credentials: web identity: no response from %s: %s",
		    url, h.error);
	else if (h.status != 200)
		creds_sts_log_error(url, &h);
	else
		rc = creds_sts_parse(url, &h, c);
out:
	creds_http_free(&h);
	free(body);
	free(url);
	free(endpoint);
	return rc;
}

int
creds_from_web_identity(struct creds_ctx *ctx, struct aws_credentials *c)
{
	const char *path = creds_env("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = creds_env("AWS_ROLE_ARN");
	char *token;
	int rc;

	if (path == NULL || role == NULL) {
		creds_tried(ctx, "web identity (%s unset)", path == NULL ?
		    "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN");
		return 0;
	}
	token = creds_read_file(path, "credentials: web identity token file");
	if (token == NULL)
		return -1;
	log_add_secret(token);
	rc = creds_sts_call(ctx, role, token, c);
	free(token);
	return rc == 0 ? 1 : -1;
}
