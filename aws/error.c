/* AWS error documents, retry decisions and error messages. */
#include "aws/aws.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/xml.h"
#include "common/log.h"

/* A Date this far from the local clock means the clock is off. */
#define SKEW_LIMIT_SECONDS (5 * 60)

const char *
aws_response_header(const struct aws_response *resp, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < resp->headers.count; i++) {
		const char *line = resp->headers.items[i];

		if (strncasecmp(line, name, n) == 0 && line[n] == ':')
			return line + n + 1 + strspn(line + n + 1, " \t");
	}
	return NULL;
}

void
aws_response_free(struct aws_response *resp)
{
	buf_free(&resp->body);
	strlist_free(&resp->headers);
	free(resp->error_code);
	free(resp->error_message);
	free(resp->request_id);
	free(resp->endpoint);
	memset(resp, 0, sizeof(*resp));
}

static void
set_owned(char **field, char *value)
{
	if (value == NULL)
		return;
	free(*field);
	*field = value;
}

/* S3's <Error>, the query protocol's and Route 53's <ErrorResponse>. */
static void
parse_xml_error(struct aws_response *resp, const xmlDoc *doc)
{
	const xmlNode *root = xml_root(doc, NULL);
	const xmlNode *error;

	if (root == NULL)
		return;
	if (strcmp((const char *)root->name, "Error") == 0)
		error = root;
	else if (strcmp((const char *)root->name, "ErrorResponse") == 0)
		error = xml_child(root, "Error");
	else if (strcmp((const char *)root->name, "InvalidChangeBatch") == 0) {
		set_owned(&resp->error_code, xstrdup("InvalidChangeBatch"));
		set_owned(&resp->error_message,
		    xml_path_text(root, "Messages/Message"));
		set_owned(&resp->request_id, xml_path_text(root, "RequestId"));
		return;
	} else
		return;

	set_owned(&resp->error_code, xml_path_text(error, "Code"));
	set_owned(&resp->error_message, xml_path_text(error, "Message"));
	set_owned(&resp->request_id, xml_path_text(error, "RequestId"));
	set_owned(&resp->request_id, xml_path_text(root, "RequestId"));
}

/* "ns.prefix#Code" and "Code:http://..." both name Code. */
static char *
error_type_name(const char *type)
{
	const char *hash = strchr(type, '#');
	const char *start = hash ? hash + 1 : type;

	return xstrndup(start, strcspn(start, ":"));
}

static void
parse_json_error(struct aws_response *resp)
{
	json_object *root = json_tokener_parse(resp->body.data);
	json_object *value;

	if (root == NULL || !json_object_is_type(root, json_type_object))
		goto out;
	if (json_object_object_get_ex(root, "__type", &value) ||
	    json_object_object_get_ex(root, "code", &value))
		set_owned(&resp->error_code,
		    error_type_name(json_object_get_string(value)));
	if (json_object_object_get_ex(root, "message", &value) ||
	    json_object_object_get_ex(root, "Message", &value))
		set_owned(&resp->error_message,
		    xstrdup(json_object_get_string(value)));
out:
	json_object_put(root);
}

/* The code to report when the body names none (HEAD has no body). */
static const char *
status_code_name(long status)
{
	switch (status) {
	case 304: return "NotModified";
	case 400: return "BadRequest";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 409: return "Conflict";
	case 412: return "PreconditionFailed";
	case 429: return "TooManyRequests";
	case 500: return "InternalError";
	case 503: return "ServiceUnavailable";
	default: return NULL;
	}
}

void
aws_error_parse(struct aws_response *resp)
{
	const char *type = aws_response_header(resp, "x-amzn-errortype");
	const char *id = aws_response_header(resp, "x-amz-request-id");

	if (id == NULL)
		id = aws_response_header(resp, "x-amzn-requestid");
	if (id != NULL)
		set_owned(&resp->request_id, xstrdup(id));

	if (resp->body.len > 0 && resp->body.data[strspn(resp->body.data,
	    " \t\r\n")] == '{') {
		parse_json_error(resp);
	} else if (resp->body.len > 0) {
		xmlDoc *doc = xml_parse(resp->body.data, resp->body.len);

		parse_xml_error(resp, doc);
		xml_free(doc);
	}
	if (resp->error_code == NULL && type != NULL)
		set_owned(&resp->error_code, error_type_name(type));
	if (resp->error_code == NULL && status_code_name(resp->status))
		resp->error_code = xstrdup(status_code_name(resp->status));
}

static bool
code_is(const struct aws_response *resp, const char *code)
{
	return resp->error_code != NULL && strcmp(resp->error_code, code) == 0;
}

bool
aws_error_retryable(const struct aws_response *resp,
    bool transport_retryable)
{
	static const char *const codes[] = {
		"Throttling", "ThrottlingException", "ThrottledException",
		"SlowDown", "RequestLimitExceeded", "TooManyRequestsException",
		"RequestTimeout", "RequestThrottled", "InternalError",
		"ServiceUnavailable", "PriorRequestNotComplete",
	};

	if (resp->status == 0)
		return transport_retryable;
	if (resp->status == 429 || resp->status >= 500)
		return true;
	if (resp->status == 409 && code_is(resp, "ConditionalRequestConflict"))
		return true;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		if (code_is(resp, codes[i]))
			return true;
	}
	return false;
}

bool
aws_error_clock_skewed(const struct aws_response *resp, time_t local_time)
{
	const char *date = aws_response_header(resp, "date");
	time_t server_time = date ? curl_getdate(date, NULL) : -1;

	if (code_is(resp, "RequestTimeTooSkewed") ||
	    code_is(resp, "RequestExpired"))
		return true;
	if (code_is(resp, "InvalidSignatureException") &&
	    resp->error_message != NULL &&
	    strstr(resp->error_message, "Signature expired") != NULL)
		return true;
	if (code_is(resp, "SignatureDoesNotMatch") && server_time != -1)
		return labs((long)(server_time - local_time)) >
		    SKEW_LIMIT_SECONDS;
	return false;
}

long
aws_backoff_ms(int attempt, long base_ms, long cap_ms, double random01)
{
	long ceiling = base_ms;

	for (int i = 0; i < attempt && ceiling < cap_ms; i++)
		ceiling *= 2;
	if (ceiling > cap_ms)
		ceiling = cap_ms;
	if (random01 < 0 || random01 >= 1)
		random01 = 0;
	return (long)(random01 * (double)ceiling);
}

char *
aws_error_string(const struct aws_response *resp)
{
	struct buf out = {0};
	const char *message = resp->error_message;

	if (resp->status == 0 && code_is(resp, "RequestNotSent")) {
		buf_printf(&out, "request to %s not sent: %s",
		    resp->endpoint ? resp->endpoint : "AWS",
		    message ? message : "unknown error");
		return buf_steal(&out);
	}
	if (resp->status == 0) {
		buf_printf(&out, "no response from %s: ",
		    resp->endpoint ? resp->endpoint : "the endpoint");
		str_escape_untrusted(&out, message ? message : "unknown error",
		    strlen(message ? message : "unknown error"));
		return buf_steal(&out);
	}
	buf_printf(&out, "%ld", resp->status);
	if (resp->error_code != NULL) {
		buf_append_char(&out, ' ');
		str_escape_untrusted(&out, resp->error_code,
		    strlen(resp->error_code));
	}
	if (message != NULL && *message != '\0') {
		buf_append_str(&out, ": ");
		str_escape_untrusted(&out, message, strlen(message));
	}
	if (resp->request_id != NULL) {
		buf_append_str(&out, " (request id ");
		str_escape_untrusted(&out, resp->request_id,
		    strlen(resp->request_id));
		buf_append_char(&out, ')');
	}
	return buf_steal(&out);
}
