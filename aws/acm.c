/* ACM DescribeCertificate over the JSON 1.1 protocol. */
#include "aws/acm.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "aws/params.h"
#include "common/buf.h"

#define ACM_TARGET "CertificateManager.DescribeCertificate"

/* Returns a copy of obj's string member name, or NULL. */
static char *
member_string(json_object *obj, const char *name)
{
	json_object *value;

	if (!json_object_object_get_ex(obj, name, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return xstrdup(json_object_get_string(value));
}

/* Returns obj's member name when it has type type, else NULL. */
static json_object *
member_typed(json_object *obj, const char *name, json_type type)
{
	json_object *value;

	if (obj == NULL || !json_object_object_get_ex(obj, name, &value) ||
	    !json_object_is_type(value, type))
		return NULL;
	return value;
}

static void
parse_validations(json_object *array, struct acm_domain_validation **out,
    size_t *count)
{
	size_t len;

	if (array == NULL)
		return;
	len = json_object_array_length(array);
	*out = xcalloc(len > 0 ? len : 1, sizeof(**out));
	for (size_t i = 0; i < len; i++) {
		json_object *entry = json_object_array_get_idx(array, i);
		struct acm_domain_validation *v = &(*out)[*count];

		if (!json_object_is_type(entry, json_type_object))
			continue;
		v->domain_name = member_string(entry, "DomainName");
		v->validation_method = member_string(entry,
		    "ValidationMethod");
		v->validation_status = member_string(entry,
		    "ValidationStatus");
		v->validation_domain = member_string(entry,
		    "ValidationDomain");
		(*count)++;
	}
}

static void
parse_names(json_object *array, struct strlist *names)
{
	size_t len = array != NULL ? json_object_array_length(array) : 0;

	for (size_t i = 0; i < len; i++) {
		json_object *name = json_object_array_get_idx(array, i);

		if (json_object_is_type(name, json_type_string))
			strlist_add(names, json_object_get_string(name));
	}
}

static void
parse_certificate(json_object *cert, struct acm_certificate *out)
{
	json_object *renewal;

	out->arn = member_string(cert, "CertificateArn");
	out->domain_name = member_string(cert, "DomainName");
	out->status = member_string(cert, "Status");
	out->type = member_string(cert, "Type");
	parse_names(member_typed(cert, "SubjectAlternativeNames",
	    json_type_array), &out->subject_alternative_names);
	parse_validations(member_typed(cert, "DomainValidationOptions",
	    json_type_array), &out->validations, &out->validation_count);
	renewal = member_typed(cert, "RenewalSummary", json_type_object);
	if (renewal == NULL)
		return;
	out->renewal_status = member_string(renewal, "RenewalStatus");
	parse_validations(member_typed(renewal, "DomainValidationOptions",
	    json_type_array), &out->renewal_validations,
	    &out->renewal_validation_count);
}

int
acm_certificate_parse(const char *json, size_t len,
    struct acm_certificate *out)
{
	json_tokener *tok = json_tokener_new();
	json_object *root, *cert;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (json == NULL || tok == NULL) {
		json_tokener_free(tok);
		return -1;
	}
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (root == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success)
		goto out;
	cert = member_typed(root, "Certificate", json_type_object);
	if (cert == NULL)
		goto out;
	parse_certificate(cert, out);
	if (out->status == NULL) {
		acm_certificate_free(out);
		goto out;
	}
	rc = 0;
out:
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

static void
free_validations(struct acm_domain_validation *list, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(list[i].domain_name);
		free(list[i].validation_method);
		free(list[i].validation_status);
		free(list[i].validation_domain);
	}
	free(list);
}

void
acm_certificate_free(struct acm_certificate *cert)
{
	free(cert->arn);
	free(cert->domain_name);
	free(cert->status);
	free(cert->type);
	strlist_free(&cert->subject_alternative_names);
	free_validations(cert->validations, cert->validation_count);
	free(cert->renewal_status);
	free_validations(cert->renewal_validations,
	    cert->renewal_validation_count);
	memset(cert, 0, sizeof(*cert));
}

const char *
acm_status_name(enum acm_status status)
{
	switch (status) {
	case ACM_OK:
		return "ok";
	case ACM_NOT_FOUND:
		return "not-found";
	case ACM_INVALID_ARN:
		return "invalid-arn";
	case ACM_ACCESS_DENIED:
		return "access-denied";
	case ACM_UNAVAILABLE:
		return "unavailable";
	default:
		return "failed";
	}
}

static bool
error_is(const struct aws_response *resp, const char *code)
{
	return resp->error_code != NULL && strcmp(resp->error_code, code) == 0;
}

static enum acm_status
classify_error(const struct aws_response *resp)
{
	/* No region, endpoint or credentials: waiting will not help. */
	if (error_is(resp, "RequestNotSent"))
		return ACM_FAILED;
	if (resp->status == 0 || aws_error_retryable(resp, true))
		return ACM_UNAVAILABLE;
	if (error_is(resp, "ResourceNotFoundException"))
		return ACM_NOT_FOUND;
	if (error_is(resp, "InvalidArnException") ||
	    error_is(resp, "ValidationException"))
		return ACM_INVALID_ARN;
	if (error_is(resp, "AccessDeniedException") ||
	    error_is(resp, "AccessDenied"))
		return ACM_ACCESS_DENIED;
	return ACM_FAILED;
}

/* Explains a failed call; arn and region may be NULL. */
static char *
describe_error(enum acm_status status, const struct aws_response *resp,
    const char *arn, const char *region)
{
	char *aws = aws_error_string(resp);
	char *name = str_escaped(arn != NULL ? arn : "(no ARN)");
	struct buf out = {0};

	buf_printf(&out, "DescribeCertificate %s in %s: %s", name,
	    region != NULL ? region : "the default region", aws);
	if (status == ACM_ACCESS_DENIED)
		buf_append_str(&out, ": the credentials lack "
		    "acm:DescribeCertificate; see "
		    "docs/iam-policy-worker.json");
	else if (status == ACM_NOT_FOUND)
		buf_append_str(&out, ": the credentials' account has no "
		    "certificate with this ARN in this region");
	else if (status == ACM_INVALID_ARN)
		buf_append_str(&out, ": ACM rejects the ARN as invalid");
	else if (status == ACM_UNAVAILABLE)
		buf_append_str(&out, ": try again later");
	free(aws);
	free(name);
	return buf_steal(&out);
}

enum acm_status
acm_describe_certificate(struct aws_client *client, const char *region,
    const char *arn, struct acm_certificate *out, char **error)
{
	json_object *request = json_object_new_object();
	struct aws_response resp;
	enum acm_status status = ACM_OK;

	memset(out, 0, sizeof(*out));
	*error = NULL;
	json_object_object_add(request, "CertificateArn",
	    json_object_new_string(arn != NULL ? arn : ""));
	if (aws_json_region(client, region, "acm", ACM_TARGET,
	    json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN),
	    &resp) != 0) {
		status = classify_error(&resp);
		*error = describe_error(status, &resp, arn, region);
	} else if (acm_certificate_parse(resp.body.data, resp.body.len,
	    out) != 0) {
		aws_response_malformed(&resp, "DescribeCertificate: no "
		    "Certificate with a Status");
		status = ACM_FAILED;
		*error = describe_error(status, &resp, arn, region);
	}
	aws_response_free(&resp);
	json_object_put(request);
	return status;
}
