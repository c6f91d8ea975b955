/*
 * SNS message signatures.  SNS signs "name\nvalue\n" for Message,
 * MessageId, Subject (when present), Timestamp, TopicArn and Type, in
 * that order, with RSA: SHA1 for SignatureVersion 1 and SHA256 for 2.
 * The certificate comes from SigningCertURL, which must be an https URL
 * on SNS's own host ending in .pem.  It is cached on disk under a hash of
 * the URL, so later runs make no request.
 */
#include "ingest/sns.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

#define MAX_CERT_SIZE (64 * 1024)

static const char *
field(struct json_object *obj, const char *name)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* sns.REGION.amazonaws.com or sns.REGION.amazonaws.com.cn */
static bool
sns_host(const char *host)
{
	const char *p = host + 4, *dot;

	if (strncmp(host, "sns.", 4) != 0)
		return false;
	dot = strchr(p, '.');
	if (dot == NULL || dot == p)
		return false;
	for (const char *q = p; q < dot; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
		    *q == '-'))
			return false;
	return strcmp(dot, ".amazonaws.com") == 0 ||
	    strcmp(dot, ".amazonaws.com.cn") == 0;
}

int
sns_cert_url_valid(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *path = NULL, *user = NULL;
	char *port = NULL;
	bool valid = false;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	curl_url_get(u, CURLUPART_USER, &user, 0);
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	valid = scheme && strcmp(scheme, "https") == 0 && host &&
	    sns_host(host) && path && str_ends_with(path, ".pem") &&
	    user == NULL && (port == NULL || strcmp(port, "443") == 0) &&
	    strchr(url, '#') == NULL;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(path);
	curl_free(user);
	curl_free(port);
	curl_url_cleanup(u);
	return valid;
}

static size_t
collect(char *data, size_t size, size_t count, void *arg)
{
	struct buf *b = arg;

	if (b->len + size * count > MAX_CERT_SIZE)
		return 0;
	buf_append(b, data, size * count);
	return size * count;
}

static struct curl_slist *
connect_to_list(const struct strlist *items)
{
	struct curl_slist *list = NULL;

	for (size_t i = 0; items != NULL && i < items->count; i++)
		list = curl_slist_append(list, items->items[i]);
	return list;
}

static int
fetch_cert(const char *url, const struct sns_verify_options *o,
    struct buf *pem)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *connect_to = connect_to_list(o->connect_to);
	long status = 0;
	CURLcode rc;

	if (curl == NULL)
		return -1;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, pem);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, o->request_timeout);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (o->ca_bundle != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, o->ca_bundle);
	if (connect_to != NULL)
		curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to);
	rc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	curl_slist_free_all(connect_to);
	if (rc != CURLE_OK) {
		log_error("sns: fetching the signing certificate %s failed: %s",
		    url, curl_easy_strerror(rc));
		return -1;
	}
	if (status != 200) {
		log_error("sns: fetching the signing certificate %s failed: "
		    "HTTP status %ld", url, status);
		return -1;
	}
	return 0;
}

static char *
cache_path(const char *dir, const char *url)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	struct buf path = { 0 };

	EVP_Digest(url, strlen(url), digest, &len, EVP_sha256(), NULL);
	buf_printf(&path, "%s/sns-cert-", dir);
	str_hex_encode(&path, digest, len);
	buf_append_str(&path, ".pem");
	return buf_steal(&path);
}

static int
read_cache(const char *path, struct buf *pem)
{
	FILE *f = fopen(path, "r");
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	    pem->len < MAX_CERT_SIZE)
		buf_append(pem, chunk, n);
	fclose(f);
	return 0;
}

/* Best effort: a failed write only costs a fetch next time. */
static void
write_cache(const char *path, const struct buf *pem)
{
	char *tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");

	if (f != NULL && fwrite(pem->data, 1, pem->len, f) == pem->len &&
	    fclose(f) == 0 && rename(tmp, path) == 0) {
		free(tmp);
		return;
	}
	log_warn("sns: cannot cache the signing certificate in %s: %s", path,
	    strerror(errno));
	unlink(tmp);
	free(tmp);
}

static EVP_PKEY *
load_key(const char *url, const struct sns_verify_options *o, int *status)
{
	char *path = o->cache_dir ? cache_path(o->cache_dir, url) : NULL;
	struct buf pem = { 0 };
	bool cached = path != NULL && read_cache(path, &pem) == 0;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	BIO *bio;

	*status = SNS_FETCH_FAILED;
	if (!cached && fetch_cert(url, o, &pem) != 0)
		goto out;
	*status = SNS_REJECTED;
	bio = BIO_new_mem_buf(pem.data, (int)pem.len);
	cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (cert == NULL) {
		log_error("sns: %s is not a PEM certificate", url);
		goto out;
	}
	key = X509_get_pubkey(cert);
	if (key != NULL && !cached && path != NULL)
		write_cache(path, &pem);
out:
	X509_free(cert);
	buf_free(&pem);
	free(path);
	return key;
}

/* The string SNS signs for a Notification. */
static char *
string_to_sign(struct json_object *env)
{
	static const char *const names[] = {
		"Message", "MessageId", "Subject", "Timestamp", "TopicArn",
		"Type",
	};
	struct buf b = { 0 };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *value = field(env, names[i]);

		if (value != NULL)
			buf_printf(&b, "%s\n%s\n", names[i], value);
	}
	return buf_steal(&b);
}

static int
check_signature(struct json_object *env, EVP_PKEY *key)
{
	const char *sig64 = field(env, "Signature");
	const char *version = field(env, "SignatureVersion");
	const EVP_MD *md = strcmp(version, "1") == 0 ? EVP_sha1() :
	    EVP_sha256();
	size_t len64 = strlen(sig64);
	unsigned char *sig = xmalloc(len64 / 4 * 3 + 3);
	char *text = string_to_sign(env);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int n = EVP_DecodeBlock(sig, (const unsigned char *)sig64,
	    (int)len64);
	int ok = 0;

	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	for (size_t i = len64; n > 0 && i > 0 && sig64[i - 1] == '='; i--)
		n--;
	if (n > 0 && len64 % 4 == 0 && ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1)
		ok = EVP_DigestVerify(ctx, sig, (size_t)n,
		    (const unsigned char *)text, strlen(text)) == 1;
	EVP_MD_CTX_free(ctx);
	free(text);
	free(sig);
	return ok ? 0 : -1;
}

static bool
topic_matches(const char *arn, const char *topic)
{
	const char *name;

	if (str_starts_with(topic, "arn:"))
		return strcmp(arn, topic) == 0;
	name = strrchr(arn, ':');
	return name != NULL && strcmp(name + 1, topic) == 0;
}

/* Checks everything that needs no network; returns the failure or NULL. */
static const char *
check_envelope(struct json_object *env, const struct sns_verify_options *o)
{
	const char *type = field(env, "Type");
	const char *version = field(env, "SignatureVersion");
	const char *required[] = {
		"MessageId", "TopicArn", "Message", "Timestamp", "Signature",
		"SigningCertURL",
	};

	if (type == NULL || strcmp(type, "Notification") != 0)
		return "Type is not Notification";
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (field(env, required[i]) == NULL)
			return "a required field is missing";
	if (version == NULL || (strcmp(version, "1") != 0 &&
	    strcmp(version, "2") != 0))
		return "SignatureVersion is not 1 or 2";
	if (!topic_matches(field(env, "TopicArn"), o->topic))
		return "TopicArn is not the configured topic";
	if (!sns_cert_url_valid(field(env, "SigningCertURL")))
		return "SigningCertURL is not an https .pem URL on an SNS host";
	return NULL;
}

/* Reads receipt.action.bucketName and objectKey from SES's event. */
static int
object_of(const char *message, char **bucket, char **key)
{
	struct json_object *event = json_tokener_parse(message);
	struct json_object *receipt, *action;
	const char *b = NULL, *k = NULL, *type = NULL;

	if (event != NULL &&
	    json_object_object_get_ex(event, "receipt", &receipt) &&
	    json_object_object_get_ex(receipt, "action", &action)) {
		type = field(action, "type");
		b = field(action, "bucketName");
		k = field(action, "objectKey");
	}
	if (type != NULL && strcmp(type, "S3") == 0 && b && k) {
		*bucket = xstrdup(b);
		*key = xstrdup(k);
	}
	json_object_put(event);
	return *key != NULL ? 0 : -1;
}

int
sns_notification_verify(const char *json, size_t len,
    const struct sns_verify_options *o, char **bucket, char **key)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *env = tok ? json_tokener_parse_ex(tok, json,
	    (int)len) : NULL;
	const char *problem = env ? check_envelope(env, o) :
	    "the input is not JSON";
	EVP_PKEY *pkey = NULL;
	char *id = NULL;
	int status = SNS_REJECTED;

	*bucket = *key = NULL;
	if (problem != NULL) {
		log_error("sns: notification rejected: %s", problem);
		goto out;
	}
	pkey = load_key(field(env, "SigningCertURL"), o, &status);
	if (pkey == NULL)
		goto out;
	status = SNS_REJECTED;
	id = str_escaped(field(env, "MessageId"));
	if (check_signature(env, pkey) != 0) {
		log_error("sns: notification %s rejected: the signature does "
		    "not verify", id);
		goto out;
	}
	if (object_of(field(env, "Message"), bucket, key) != 0) {
		log_error("sns: notification %s is not an SES Received event "
		    "with an S3 action", id);
		goto out;
	}
	status = SNS_OK;
out:
	free(id);
	EVP_PKEY_free(pkey);
	json_object_put(env);
	if (tok != NULL)
		json_tokener_free(tok);
	return status;
}
