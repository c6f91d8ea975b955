#include "aws/s3.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "aws/xml.h"
#include "common/log.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
#define LIST_PAGE_MAX 1000
/* A listing stops after this many pages even if IsTruncated is true. */
#define LIST_PAGE_LIMIT 100000

/* Failures that a call reports with a result code of its own. */
enum s3_expect {
	EXPECT_NONE = 0,
	EXPECT_NOT_FOUND = 1 << 0,	/* 404: S3_NOT_FOUND */
	EXPECT_CONDITION = 1 << 1,	/* 412: S3_PRECONDITION_FAILED */
	EXPECT_KEY_CONDITION = 1 << 2,	/* 404 too (If-Match, no key) */
	EXPECT_OWNED = 1 << 3,		/* BucketAlreadyOwnedByYou: 0 */
	EXPECT_NO_POLICY = 1 << 4,	/* NoSuchBucketPolicy: S3_NOT_FOUND */
};

static char *
object_path(const char *key)
{
	return xasprintf("/%s", key);
}

/* Logs a failed call as "s3://BUCKET/KEY: OP failed: ..." at level. */
static void
log_failure(enum log_level level, const struct aws_response *resp,
    const char *op, const char *bucket, const char *key)
{
	char *where = str_escaped(bucket);
	char *name = key ? str_escaped(key) : NULL;
	char *reason = aws_error_string(resp);

	log_msg(level, "s3://%s%s%s: %s failed: %s", where, name ? "/" : "",
	    name ? name : "", op, reason);
	free(where);
	free(name);
	free(reason);
}

static bool
response_code_is(const struct aws_response *resp, const char *code)
{
	return resp->error_code != NULL && strcmp(resp->error_code, code) == 0;
}

/* Maps a failed response to the function's result and logs it once. */
static int
s3_failure(const struct aws_response *resp, const char *op,
    const char *bucket, const char *key, unsigned int expect)
{
	if (((expect & EXPECT_CONDITION) && (resp->status == 412 ||
	    response_code_is(resp, "PreconditionFailed"))) ||
	    ((expect & EXPECT_KEY_CONDITION) && resp->status == 404 &&
	    response_code_is(resp, "NoSuchKey"))) {
		log_failure(LOG_DEBUG, resp, op, bucket, key);
		return S3_PRECONDITION_FAILED;
	}
	if ((expect & EXPECT_OWNED) &&
	    response_code_is(resp, "BucketAlreadyOwnedByYou")) {
		log_failure(LOG_DEBUG, resp, op, bucket, key);
		return 0;
	}
	if (((expect & EXPECT_NOT_FOUND) && resp->status == 404) ||
	    ((expect & EXPECT_NO_POLICY) &&
	    response_code_is(resp, "NoSuchBucketPolicy"))) {
		log_failure(LOG_DEBUG, resp, op, bucket, key);
		return S3_NOT_FOUND;
	}
	log_failure(LOG_ERROR, resp, op, bucket, key);
	return -1;
}

/* Sends req; on failure logs it and maps it as s3_failure() does. */
static int
s3_send(struct aws_client *client, const struct aws_request *req,
    struct aws_response *resp, const char *op, const char *key,
    unsigned int expect)
{
	if (aws_send(client, req, resp) == 0)
		return 0;
	return s3_failure(resp, op, req->bucket, key, expect);
}

static char *
header_copy(const struct aws_response *resp, const char *name)
{
	const char *value = aws_response_header(resp, name);

	return value ? xstrdup(value) : NULL;
}

void
s3_object_clear(struct s3_object *object)
{
	free(object->key);
	free(object->etag);
	free(object->last_modified);
	memset(object, 0, sizeof(*object));
}

void
s3_object_list_free(struct s3_object_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		s3_object_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

/* --- ListObjectsV2 ---------------------------------------------------- */

static struct s3_object *
list_add(struct s3_object_list *list)
{
	if (list->count == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 64;
		list->items = xrealloc(list->items,
		    list->cap * sizeof(*list->items));
	}
	memset(&list->items[list->count], 0, sizeof(*list->items));
	return &list->items[list->count++];
}

/* Reads one <Contents>; keys are URL-decoded when url_encoded. */
static int
list_read_object(const xmlNode *contents, bool url_encoded,
    struct s3_object *object)
{
	char *key = xml_path_text(contents, "Key");
	char *size = xml_path_text(contents, "Size");
	long size_value = 0;
	struct buf decoded = {0};
	int rc = -1;

	if (key == NULL || size == NULL ||
	    str_parse_long(size, 0, LONG_MAX, &size_value) != 0)
		goto out;
	if (url_encoded) {
		/* S3 writes a space as '+' and a '+' as %2B. */
		if (str_uri_decode(&decoded, key, strlen(key), true) != 0)
			goto out;
		object->key = buf_steal(&decoded);
	} else {
		object->key = key;
		key = NULL;
	}
	object->size = size_value;
	object->etag = xml_path_text(contents, "ETag");
	object->last_modified = xml_path_text(contents, "LastModified");
	rc = 0;
out:
	buf_free(&decoded);
	free(key);
	free(size);
	return rc;
}

/*
 * Reads one page into out.  Returns 0 with *token set to the next
 * continuation token (newly allocated) or NULL after the last page, or
 * -1 when the page cannot be read.
 */
static int
list_read_page(const struct buf *body, const struct s3_list_options *opts,
    struct s3_object_list *out, char **token)
{
	xmlDoc *doc = xml_parse(body->data, body->len);
	const xmlNode *root = xml_root(doc, "ListBucketResult");
	char *encoding = xml_path_text(root, "EncodingType");
	char *truncated = xml_path_text(root, "IsTruncated");
	bool url_encoded = encoding && strcmp(encoding, "url") == 0;
	int rc = -1;

	*token = NULL;
	if (root == NULL)
		goto out;
	for (const xmlNode *n = xml_child(root, "Contents"); n != NULL;
	    n = xml_next(n, "Contents")) {
		if (opts->max_total && out->count >= opts->max_total)
			break;
		if (list_read_object(n, url_encoded, list_add(out)) != 0) {
			s3_object_clear(&out->items[--out->count]);
			goto out;
		}
	}
	if (truncated != NULL && strcmp(truncated, "true") == 0) {
		*token = xml_path_text(root, "NextContinuationToken");
		if (*token == NULL || **token == '\0')
			goto out;
	}
	rc = 0;
out:
	free(encoding);
	free(truncated);
	xml_free(doc);
	return rc;
}

/* Requests one page; token is NULL for the first. */
static int
list_request_page(struct aws_client *client, const char *bucket,
    const struct s3_list_options *opts, size_t remaining, const char *token,
    struct aws_response *resp)
{
	char max_keys[32];
	struct aws_param query[6];
	size_t n = 0;
	struct aws_request req = {
		.service = "s3", .method = "GET", .bucket = bucket,
		.path = "/", .query = query,
	};

	snprintf(max_keys, sizeof(max_keys), "%zu",
	    remaining && remaining < LIST_PAGE_MAX ? remaining : LIST_PAGE_MAX);
	query[n++] = (struct aws_param){ "list-type", "2" };
	query[n++] = (struct aws_param){ "encoding-type", "url" };
	query[n++] = (struct aws_param){ "max-keys", max_keys };
	if (opts->prefix != NULL)
		query[n++] = (struct aws_param){ "prefix", opts->prefix };
	if (token != NULL)
		query[n++] = (struct aws_param){ "continuation-token", token };
	else if (opts->start_after != NULL)
		query[n++] = (struct aws_param){ "start-after",
		    opts->start_after };
	req.query_count = n;
	return s3_send(client, &req, resp, "ListObjectsV2", NULL,
	    EXPECT_NONE);
}

int
s3_list_objects(struct aws_client *client, const char *bucket,
    const struct s3_list_options *opts, struct s3_object_list *out)
{
	static const struct s3_list_options all = {0};
	char *token = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (opts == NULL)
		opts = &all;
	for (int page = 0; page < LIST_PAGE_LIMIT; page++) {
		struct aws_response resp;
		char *next = NULL;
		size_t remaining = opts->max_total ?
		    opts->max_total - out->count : 0;

		rc = list_request_page(client, bucket, opts, remaining, token,
		    &resp);
		if (rc == 0 && list_read_page(&resp.body, opts, out, &next)) {
			char *where = str_escaped(bucket);

			log_error("s3://%s: ListObjectsV2 failed: the answer "
			    "is not a valid ListBucketResult", where);
			free(where);
			rc = -1;
		}
		aws_response_free(&resp);
		free(token);
		token = next;
		if (rc != 0 || token == NULL ||
		    (opts->max_total && out->count >= opts->max_total))
			break;
	}
	free(token);
	return rc;
}

/* --- objects ---------------------------------------------------------- */

static int
get_object(struct aws_client *client, const char *bucket, const char *key,
    size_t max_size, FILE *file, struct buf *out, char **etag)
{
	char *path = object_path(key);
	struct aws_request req = {
		.service = "s3", .method = "GET", .bucket = bucket,
		.path = path, .max_response_size = max_size,
		.response_file = file,
	};
	struct aws_response resp;
	int rc;

	if (etag != NULL)
		*etag = NULL;
	rc = s3_send(client, &req, &resp, "GetObject", key,
	    EXPECT_NOT_FOUND);
	if (rc == 0 && out != NULL)
		buf_append(out, resp.body.data, resp.body.len);
	if (rc == 0 && etag != NULL)
		*etag = header_copy(&resp, "etag");
	aws_response_free(&resp);
	free(path);
	return rc;
}

int
s3_get_object(struct aws_client *client, const char *bucket,
    const char *key, size_t max_size, struct buf *out, char **etag)
{
	return get_object(client, bucket, key, max_size, NULL, out, etag);
}

int
s3_get_object_to_file(struct aws_client *client, const char *bucket,
    const char *key, size_t max_size, FILE *file, char **etag)
{
	return get_object(client, bucket, key, max_size, file, NULL, etag);
}

int
s3_head_object(struct aws_client *client, const char *bucket,
    const char *key, struct s3_object *info)
{
	char *path = object_path(key);
	struct aws_request req = {
		.service = "s3", .method = "HEAD", .bucket = bucket,
		.path = path,
	};
	struct aws_response resp;
	const char *length;
	int rc;

	memset(info, 0, sizeof(*info));
	rc = s3_send(client, &req, &resp, "HeadObject", key,
	    EXPECT_NOT_FOUND);
	if (rc == 0) {
		length = aws_response_header(&resp, "content-length");
		info->key = xstrdup(key);
		info->size = length ? strtoll(length, NULL, 10) : 0;
		info->etag = header_copy(&resp, "etag");
		info->last_modified = header_copy(&resp, "last-modified");
	}
	aws_response_free(&resp);
	free(path);
	return rc;
}

int
s3_put_object(struct aws_client *client, const char *bucket,
    const char *key, const void *data, size_t len,
    const struct s3_put_options *opts, char **etag)
{
	static const struct s3_put_options plain = {0};
	char *path = object_path(key);
	struct aws_param headers[3];
	struct aws_request req = {
		.service = "s3", .method = "PUT", .bucket = bucket,
		.path = path, .headers = headers, .body = data,
		.body_len = len,
	};
	struct aws_response resp;
	unsigned int expect = EXPECT_NONE;
	int rc;

	if (opts == NULL)
		opts = &plain;
	if (etag != NULL)
		*etag = NULL;
	if (opts->content_type != NULL)
		headers[req.header_count++] = (struct aws_param){
		    "Content-Type", opts->content_type };
	if (opts->if_none_match)
		headers[req.header_count++] = (struct aws_param){
		    "If-None-Match", "*" };
	if (opts->if_match != NULL)
		headers[req.header_count++] = (struct aws_param){
		    "If-Match", opts->if_match };
	if (opts->if_none_match)
		expect |= EXPECT_CONDITION;
	/* S3 returns 404 NoSuchKey for If-Match on a missing key. */
	if (opts->if_match)
		expect |= EXPECT_CONDITION | EXPECT_KEY_CONDITION;
	rc = s3_send(client, &req, &resp, "PutObject", key, expect);
	if (rc == 0 && etag != NULL)
		*etag = header_copy(&resp, "etag");
	aws_response_free(&resp);
	free(path);
	return rc;
}

int
s3_copy_object(struct aws_client *client, const char *src_bucket,
    const char *src_key, const char *bucket, const char *key,
    bool if_none_match)
{
	char *path = object_path(key);
	struct buf source = {0};
	struct aws_param headers[2];
	struct aws_request req = {
		.service = "s3", .method = "PUT", .bucket = bucket,
		.path = path, .headers = headers, .header_count = 1,
	};
	struct aws_response resp;
	int rc;

	/* The source is "BUCKET/KEY" with the key URL-encoded. */
	buf_printf(&source, "%s/", src_bucket);
	str_uri_encode(&source, src_key, strlen(src_key), true);
	headers[0] = (struct aws_param){ "x-amz-copy-source", source.data };
	if (if_none_match)
		headers[req.header_count++] = (struct aws_param){
		    "If-None-Match", "*" };
	rc = s3_send(client, &req, &resp, "CopyObject", key,
	    if_none_match ? EXPECT_CONDITION : EXPECT_NONE);
	aws_response_free(&resp);
	buf_free(&source);
	free(path);
	return rc;
}

int
s3_delete_object(struct aws_client *client, const char *bucket,
    const char *key)
{
	char *path = object_path(key);
	struct aws_request req = {
		.service = "s3", .method = "DELETE", .bucket = bucket,
		.path = path,
	};
	struct aws_response resp;
	int rc;

	rc = s3_send(client, &req, &resp, "DeleteObject", key, EXPECT_NONE);
	aws_response_free(&resp);
	free(path);
	return rc;
}

/* --- buckets ---------------------------------------------------------- */

/* Writes the base64 MD5 of data, as the Content-MD5 header wants. */
static int
content_md5(const void *data, size_t len, char out[32])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;

	if (EVP_Digest(data, len, digest, &digest_len, EVP_md5(), NULL) != 1 ||
	    digest_len != 16) {
		log_error("s3: computing MD5 for Content-MD5 failed (OpenSSL)");
		return -1;
	}
	EVP_EncodeBlock((unsigned char *)out, digest, (int)digest_len);
	return 0;
}

/*
 * Sends a bucket subresource request (PUT ?policy, GET ?lifecycle, ...),
 * with Content-MD5 when there is a body.
 */
static int
bucket_call(struct aws_client *client, const char *method,
    const char *bucket, const char *subresource, const char *content_type,
    const char *body, struct aws_response *resp, const char *op,
    unsigned int expect)
{
	struct aws_param query = { subresource, "" };
	struct aws_param headers[2];
	struct aws_request req = {
		.service = "s3", .method = method, .bucket = bucket,
		.path = "/", .query = &query,
		.query_count = subresource ? 1 : 0, .headers = headers,
		.body = body, .body_len = body ? strlen(body) : 0,
	};
	char md5[32];

	memset(resp, 0, sizeof(*resp));
	if (body != NULL && *body != '\0') {
		if (content_md5(body, strlen(body), md5) != 0)
			return -1;
		headers[req.header_count++] = (struct aws_param){
		    "Content-MD5", md5 };
	}
	if (content_type != NULL)
		headers[req.header_count++] = (struct aws_param){
		    "Content-Type", content_type };
	return s3_send(client, &req, resp, op, NULL, expect);
}

/* Sends a bucket_call() PUT whose response body is not needed. */
static int
bucket_put(struct aws_client *client, const char *bucket,
    const char *subresource, const char *content_type, const char *body,
    const char *op)
{
	struct aws_response resp;
	int rc = bucket_call(client, "PUT", bucket, subresource,
	    content_type, body, &resp, op, EXPECT_NONE);

	aws_response_free(&resp);
	return rc;
}

int
s3_create_bucket(struct aws_client *client, const char *bucket,
    const char *region)
{
	struct buf body = {0};
	struct aws_response resp;
	int rc;

	if (region == NULL)
		region = aws_client_region(client);
	if (region == NULL)
		return -1;
	if (strcmp(region, "us-east-1") != 0) {
		buf_append_str(&body, "<CreateBucketConfiguration xmlns=\""
		    S3_XMLNS "\"><LocationConstraint>");
		xml_escape(&body, region);
		buf_append_str(&body, "</LocationConstraint>"
		    "</CreateBucketConfiguration>");
	}
	rc = bucket_call(client, "PUT", bucket, NULL,
	    body.data ? "application/xml" : NULL, body.data, &resp,
	    "CreateBucket", EXPECT_OWNED);
	aws_response_free(&resp);
	buf_free(&body);
	return rc;
}

int
s3_head_bucket(struct aws_client *client, const char *bucket)
{
	struct aws_response resp;
	int rc = bucket_call(client, "HEAD", bucket, NULL, NULL, NULL, &resp,
	    "HeadBucket", EXPECT_NOT_FOUND);

	aws_response_free(&resp);
	return rc;
}

int
s3_delete_bucket(struct aws_client *client, const char *bucket)
{
	struct aws_response resp;
	int rc = bucket_call(client, "DELETE", bucket, NULL, NULL, NULL,
	    &resp, "DeleteBucket", EXPECT_NOT_FOUND);

	aws_response_free(&resp);
	return rc;
}

int
s3_put_bucket_policy(struct aws_client *client, const char *bucket,
    const char *policy_json)
{
	return bucket_put(client, bucket, "policy", "application/json",
	    policy_json, "PutBucketPolicy");
}

int
s3_get_bucket_policy(struct aws_client *client, const char *bucket,
    char **policy_json)
{
	struct aws_response resp;
	int rc;

	*policy_json = NULL;
	rc = bucket_call(client, "GET", bucket, "policy", NULL, NULL, &resp,
	    "GetBucketPolicy", EXPECT_NO_POLICY);
	if (rc == 0)
		*policy_json = buf_steal(&resp.body);
	aws_response_free(&resp);
	return rc;
}

int
s3_put_public_access_block(struct aws_client *client, const char *bucket)
{
	static const char body[] =
	    "<PublicAccessBlockConfiguration xmlns=\"" S3_XMLNS "\">"
	    "<BlockPublicAcls>true</BlockPublicAcls>"
	    "<IgnorePublicAcls>true</IgnorePublicAcls>"
	    "<BlockPublicPolicy>true</BlockPublicPolicy>"
	    "<RestrictPublicBuckets>true</RestrictPublicBuckets>"
	    "</PublicAccessBlockConfiguration>";

	return bucket_put(client, bucket, "publicAccessBlock",
	    "application/xml", body, "PutPublicAccessBlock");
}

int
s3_put_bucket_encryption(struct aws_client *client, const char *bucket)
{
	static const char body[] =
	    "<ServerSideEncryptionConfiguration xmlns=\"" S3_XMLNS "\">"
	    "<Rule><ApplyServerSideEncryptionByDefault>"
	    "<SSEAlgorithm>AES256</SSEAlgorithm>"
	    "</ApplyServerSideEncryptionByDefault></Rule>"
	    "</ServerSideEncryptionConfiguration>";

	return bucket_put(client, bucket, "encryption", "application/xml",
	    body, "PutBucketEncryption");
}

int
s3_put_bucket_lifecycle(struct aws_client *client, const char *bucket,
    const struct s3_lifecycle_rule *rules, size_t count)
{
	struct buf body = {0};
	int rc;

	buf_append_str(&body, "<LifecycleConfiguration xmlns=\"" S3_XMLNS
	    "\">");
	for (size_t i = 0; i < count; i++) {
		buf_append_str(&body, "<Rule><ID>");
		xml_escape(&body, rules[i].id);
		buf_append_str(&body, "</ID><Filter><Prefix>");
		xml_escape(&body, rules[i].prefix ? rules[i].prefix : "");
		buf_printf(&body, "</Prefix></Filter><Status>Enabled</Status>"
		    "<Expiration><Days>%d</Days></Expiration></Rule>",
		    rules[i].expiration_days);
	}
	buf_append_str(&body, "</LifecycleConfiguration>");
	rc = bucket_put(client, bucket, "lifecycle", "application/xml",
	    body.data, "PutBucketLifecycleConfiguration");
	buf_free(&body);
	return rc;
}
