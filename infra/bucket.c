#include "infra/bucket.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "aws/params.h"
#include "aws/xml.h"
#include "common/buf.h"

/* Bucket listing pages are bounded so teardown --force always ends. */
#define MAX_LIST_PAGES 10000

static int
bucket_call(struct aws_client *client, const char *method,
    const char *bucket, const char *path, const struct aws_param *query,
    size_t query_count, const char *body, struct aws_response *resp)
{
	struct aws_request req = {
		.service = "s3",
		.method = method,
		.bucket = bucket,
		.path = path,
		.query = query,
		.query_count = query_count,
		.body = body,
		.body_len = body ? strlen(body) : 0,
	};

	return aws_send(client, &req, resp);
}

int
bucket_head(struct aws_client *client, const char *bucket,
    enum bucket_owner *owner, struct aws_response *resp)
{
	*owner = BUCKET_MISSING;
	if (bucket_call(client, "HEAD", bucket, "/", NULL, 0, NULL,
	    resp) == 0) {
		*owner = BUCKET_OURS;
		return 0;
	}
	if (resp->status == 404)
		return 0;
	if (resp->status == 403) {
		*owner = BUCKET_FOREIGN;
		return 0;
	}
	return -1;
}

int
bucket_create(struct aws_client *client, const char *bucket,
    const char *region, struct aws_response *resp)
{
	struct buf body = {0};
	int rc;

	/* us-east-1 takes no body; every other region needs its name. */
	if (strcmp(region, "us-east-1") != 0) {
		buf_append_str(&body, "<CreateBucketConfiguration xmlns=\""
		    BUCKET_XMLNS "\"><LocationConstraint>");
		xml_escape(&body, region);
		buf_append_str(&body, "</LocationConstraint>"
		    "</CreateBucketConfiguration>");
	}
	rc = bucket_call(client, "PUT", bucket, "/", NULL, 0, body.data,
	    resp);
	buf_free(&body);
	return rc;
}

int
bucket_delete(struct aws_client *client, const char *bucket,
    struct aws_response *resp)
{
	return bucket_call(client, "DELETE", bucket, "/", NULL, 0, NULL, resp);
}

/* Error codes that mean "this sub-resource is not configured". */
static bool
is_not_configured(const struct aws_response *resp)
{
	static const char *const codes[] = {
		"NoSuchBucketPolicy",
		"NoSuchPublicAccessBlockConfiguration",
		"ServerSideEncryptionConfigurationNotFoundError",
		"NoSuchLifecycleConfiguration",
	};

	if (resp->error_code == NULL)
		return false;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(resp->error_code, codes[i]) == 0)
			return true;
	return false;
}

int
bucket_get_config(struct aws_client *client, const char *bucket,
    const char *sub, char **out, struct aws_response *resp)
{
	const struct aws_param query = { sub, "" };

	*out = NULL;
	if (bucket_call(client, "GET", bucket, "/", &query, 1, NULL,
	    resp) != 0)
		return is_not_configured(resp) ? 0 : -1;
	*out = xstrdup(resp->body.data ? resp->body.data : "");
	return 0;
}

/* Returns base64(MD5(text)), newly allocated. */
static char *
content_md5(const char *text)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char *b64 = xmalloc(4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1);

	EVP_Digest(text, strlen(text), md, &md_len, EVP_md5(), NULL);
	EVP_EncodeBlock((unsigned char *)b64, md, (int)md_len);
	return b64;
}

int
bucket_put_config(struct aws_client *client, const char *bucket,
    const char *sub, const char *document, struct aws_response *resp)
{
	const struct aws_param query = { sub, "" };
	char *md5 = content_md5(document);
	const struct aws_param headers[] = {
		{ "Content-MD5", md5 },
		{ "Content-Type", strcmp(sub, "policy") == 0 ?
		    "application/json" : "application/xml" },
	};
	struct aws_request req = {
		.service = "s3",
		.method = "PUT",
		.bucket = bucket,
		.path = "/",
		.query = &query,
		.query_count = 1,
		.headers = headers,
		.header_count = 2,
		.body = document,
		.body_len = strlen(document),
	};
	int rc = aws_send(client, &req, resp);

	free(md5);
	return rc;
}

int
bucket_delete_config(struct aws_client *client, const char *bucket,
    const char *sub, struct aws_response *resp)
{
	const struct aws_param query = { sub, "" };

	return bucket_call(client, "DELETE", bucket, "/", &query, 1, NULL,
	    resp);
}

const char *
bucket_public_access_block_xml(void)
{
	return "<PublicAccessBlockConfiguration xmlns=\"" BUCKET_XMLNS "\">"
	    "<BlockPublicAcls>true</BlockPublicAcls>"
	    "<IgnorePublicAcls>true</IgnorePublicAcls>"
	    "<BlockPublicPolicy>true</BlockPublicPolicy>"
	    "<RestrictPublicBuckets>true</RestrictPublicBuckets>"
	    "</PublicAccessBlockConfiguration>";
}

const char *
bucket_encryption_xml(void)
{
	return "<ServerSideEncryptionConfiguration xmlns=\"" BUCKET_XMLNS
	    "\"><Rule><ApplyServerSideEncryptionByDefault>"
	    "<SSEAlgorithm>AES256</SSEAlgorithm>"
	    "</ApplyServerSideEncryptionByDefault></Rule>"
	    "</ServerSideEncryptionConfiguration>";
}

bool
bucket_public_access_blocked(const char *document)
{
	static const char *const settings[] = {
		"BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
		"RestrictPublicBuckets",
	};
	xmlDoc *doc;
	const xmlNode *root;
	bool all = true;

	if (document == NULL)
		return false;
	doc = xml_parse(document, strlen(document));
	root = xml_root(doc, "PublicAccessBlockConfiguration");
	for (size_t i = 0; i < 4; i++) {
		char *value = xml_path_text(root, settings[i]);

		if (value == NULL || strcmp(value, "true") != 0)
			all = false;
		free(value);
	}
	xml_free(doc);
	return all && root != NULL;
}

char *
bucket_encryption_algorithm(const char *document)
{
	xmlDoc *doc;
	char *algorithm;

	if (document == NULL)
		return NULL;
	doc = xml_parse(document, strlen(document));
	algorithm = xml_doc_text(doc, "ServerSideEncryptionConfiguration/"
	    "Rule/ApplyServerSideEncryptionByDefault/SSEAlgorithm");
	xml_free(doc);
	return algorithm;
}

/* Reads one page: keys into keys, *token the next continuation token. */
static int
list_page(struct aws_client *client, const char *bucket, const char *token,
    const char *max_keys, struct strlist *keys, char **next,
    struct aws_response *resp)
{
	struct aws_param query[3] = {
		{ "list-type", "2" }, { "max-keys", max_keys },
		{ "continuation-token", token },
	};
	const xmlNode *root, *item;
	xmlDoc *doc;
	char *truncated;

	*next = NULL;
	if (bucket_call(client, "GET", bucket, "/", query, token ? 3 : 2,
	    NULL, resp) != 0)
		return -1;
	doc = xml_parse(resp->body.data, resp->body.len);
	root = xml_root(doc, "ListBucketResult");
	if (root == NULL) {
		xml_free(doc);
		return aws_response_malformed(resp, "ListObjectsV2");
	}
	for (item = xml_child(root, "Contents"); item != NULL;
	    item = xml_next(item, "Contents")) {
		char *key = xml_path_text(item, "Key");

		if (key != NULL)
			strlist_add_owned(keys, key);
	}
	truncated = xml_path_text(root, "IsTruncated");
	if (truncated != NULL && strcmp(truncated, "true") == 0)
		*next = xml_path_text(root, "NextContinuationToken");
	free(truncated);
	xml_free(doc);
	return 0;
}

int
bucket_is_empty(struct aws_client *client, const char *bucket, bool *empty,
    struct aws_response *resp)
{
	struct strlist keys = {0};
	char *next = NULL;
	int rc;

	rc = list_page(client, bucket, NULL, "1", &keys, &next, resp);
	*empty = keys.count == 0;
	strlist_free(&keys);
	free(next);
	return rc;
}

static int
delete_keys(struct aws_client *client, const char *bucket,
    const struct strlist *keys, long *deleted, struct aws_response *resp)
{
	for (size_t i = 0; i < keys->count; i++) {
		char *path = xasprintf("/%s", keys->items[i]);
		int rc;

		aws_response_free(resp);
		memset(resp, 0, sizeof(*resp));
		rc = bucket_call(client, "DELETE", bucket, path, NULL, 0, NULL,
		    resp);
		free(path);
		if (rc != 0)
			return -1;
		(*deleted)++;
	}
	return 0;
}

int
bucket_empty(struct aws_client *client, const char *bucket, long *deleted,
    struct aws_response *resp)
{
	char *token = NULL, *next = NULL;
	int rc = 0;

	*deleted = 0;
	for (int page = 0; page < MAX_LIST_PAGES && rc == 0; page++) {
		struct strlist keys = {0};

		aws_response_free(resp);
		memset(resp, 0, sizeof(*resp));
		rc = list_page(client, bucket, token, "1000", &keys, &next,
		    resp);
		if (rc == 0)
			rc = delete_keys(client, bucket, &keys, deleted, resp);
		strlist_free(&keys);
		free(token);
		token = next;
		next = NULL;
		if (token == NULL)
			break;
	}
	free(token);
	return rc;
}
