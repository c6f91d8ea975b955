#include "aws/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SHA256_LEN 32

/* One header of the canonical request: lower-case name, folded values. */
struct canonical_header {
	char *name;
	struct buf value;
};

struct header_set {
	struct canonical_header *items;
	size_t count;
};

/* A query parameter after URI encoding, ready to sort. */
struct query_pair {
	struct buf name;
	struct buf value;
};

/* State shared by header signing and presigning. */
struct signing {
	const struct sigv4_request *req;
	char amz_date[17];		/* 20150830T123600Z */
	char date[9];			/* 20150830 */
	const char *payload_hash;	/* the request's, or computed_hash */
	char computed_hash[SIGV4_HASH_HEX_SIZE];
	struct buf scope;		/* date/region/service/aws4_request */
	struct header_set headers;
	struct buf signed_headers;	/* host;x-amz-date */
};

static const char *
openssl_error(void)
{
	static char text[256];
	unsigned long code = ERR_get_error();

	if (code == 0)
		return "no OpenSSL error recorded";
	ERR_error_string_n(code, text, sizeof(text));
	ERR_clear_error();
	return text;
}

int
sigv4_hash_hex(const void *data, size_t len, char hex[SIGV4_HASH_HEX_SIZE])
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0;
	struct buf out = {0};

	if (EVP_Digest(data != NULL ? data : "", len, digest, &digest_len,
	    EVP_sha256(), NULL) != 1 || digest_len != SHA256_LEN) {
		log_error("sigv4: SHA-256 failed: %s", openssl_error());
		return -1;
	}
	str_hex_encode(&out, digest, digest_len);
	memcpy(hex, out.data, SIGV4_HASH_HEX_SIZE);
	buf_free(&out);
	return 0;
}

static int
hmac_sha256(const void *key, size_t key_len, const char *message,
    unsigned char mac[SHA256_LEN])
{
	unsigned int mac_len = 0;

	if (HMAC(EVP_sha256(), key, (int)key_len,
	    (const unsigned char *)message, strlen(message), mac,
	    &mac_len) == NULL || mac_len != SHA256_LEN) {
		log_error("sigv4: HMAC-SHA256 failed: %s", openssl_error());
		return -1;
	}
	return 0;
}

/*
 * Writes the hex signature of string_to_sign.  The signing key is derived
 * from the secret key by chaining HMAC-SHA256 over the date, region,
 * service and "aws4_request".  The intermediate keys are wiped after use.
 */
static int
compute_signature(const struct signing *sig, const char *string_to_sign,
    char hex[SIGV4_HASH_HEX_SIZE])
{
	const struct sigv4_request *req = sig->req;
	unsigned char key[SHA256_LEN], next[SHA256_LEN];
	struct buf secret = {0};
	struct buf out = {0};
	int rc = -1;

	buf_printf(&secret, "AWS4%s", req->credentials->secret_access_key);
	if (hmac_sha256(secret.data, secret.len, sig->date, key) != 0 ||
	    hmac_sha256(key, sizeof(key), req->region, next) != 0 ||
	    hmac_sha256(next, sizeof(next), req->service, key) != 0 ||
	    hmac_sha256(key, sizeof(key), "aws4_request", next) != 0 ||
	    hmac_sha256(next, sizeof(next), string_to_sign, key) != 0)
		goto out;
	str_hex_encode(&out, key, sizeof(key));
	memcpy(hex, out.data, SIGV4_HASH_HEX_SIZE);
	rc = 0;
out:
	OPENSSL_cleanse(secret.data, secret.len);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(next, sizeof(next));
	buf_free(&secret);
	buf_free(&out);
	return rc;
}

/*
 * Removes "." and ".." segments as RFC 3986 section 5.2.4 does and drops
 * empty segments, so "//a/./b/../" becomes "/a/".  A path that ended in
 * '/', "." or ".." keeps a trailing '/'.
 */
static void
normalize_path(struct buf *out, const char *path)
{
	const char *p = path;
	bool trailing_slash = false;

	buf_reset(out);
	while (*p != '\0') {
		size_t len = strcspn(p, "/");

		trailing_slash = len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.');
		if (len == 2 && p[0] == '.' && p[1] == '.' && out->len > 0) {
			while (out->len > 0 && out->data[--out->len] != '/')
				;
			out->data[out->len] = '\0';
		} else if (!trailing_slash) {
			buf_append_char(out, '/');
			buf_append(out, p, len);
		}
		p += len;
		if (*p == '/')
			p++;
		if (*p == '\0' && p > path && p[-1] == '/')
			trailing_slash = true;
	}
	if (out->len == 0 || trailing_slash)
		buf_append_char(out, '/');
}

void
sigv4_encode_path(struct buf *out, const char *path, unsigned int flags)
{
	struct buf normalized = {0};

	if (path == NULL || *path == '\0')
		path = "/";
	if (!(flags & SIGV4_NO_NORMALIZE)) {
		normalize_path(&normalized, path);
		path = normalized.data;
	} else if (*path != '/') {
		buf_append_char(out, '/');
	}
	if (flags & SIGV4_PATH_ENCODED)
		buf_append_str(out, path);
	else
		str_uri_encode(out, path, strlen(path), true);
	buf_free(&normalized);
}

static int
compare_query_pairs(const void *a, const void *b)
{
	const struct query_pair *x = a, *y = b;
	int order = strcmp(x->name.data, y->name.data);

	return order != 0 ? order : strcmp(x->value.data, y->value.data);
}

static void
encode_query_pair(struct query_pair *pair, const struct aws_param *param)
{
	const char *value = param->value != NULL ? param->value : "";

	memset(pair, 0, sizeof(*pair));
	buf_append_str(&pair->name, "");
	buf_append_str(&pair->value, "");
	str_uri_encode(&pair->name, param->name, strlen(param->name), false);
	str_uri_encode(&pair->value, value, strlen(value), false);
}

/* Appends the canonical query of both parameter lists together. */
static void
join_query(struct buf *out, const struct aws_param *params, size_t count,
    const struct aws_param *extra, size_t extra_count)
{
	size_t total = count + extra_count;
	struct query_pair *pairs;

	if (total == 0)
		return;
	pairs = xcalloc(total, sizeof(*pairs));
	for (size_t i = 0; i < count; i++)
		encode_query_pair(&pairs[i], &params[i]);
	for (size_t i = 0; i < extra_count; i++)
		encode_query_pair(&pairs[count + i], &extra[i]);
	qsort(pairs, total, sizeof(*pairs), compare_query_pairs);
	for (size_t i = 0; i < total; i++) {
		if (i > 0)
			buf_append_char(out, '&');
		buf_printf(out, "%s=%s", pairs[i].name.data,
		    pairs[i].value.data);
		buf_free(&pairs[i].name);
		buf_free(&pairs[i].value);
	}
	free(pairs);
}

void
sigv4_encode_query(struct buf *out, const struct aws_param *query,
    size_t count)
{
	join_query(out, query, count, NULL, 0);
}

static bool
is_header_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Appends value trimmed, with each run of white space (folded lines
 * included) turned into one space.
 */
static void
fold_header_value(struct buf *out, const char *value)
{
	bool pending_space = false;
	bool started = false;

	for (const char *p = value; *p != '\0'; p++) {
		if (is_header_space(*p)) {
			pending_space = started;
			continue;
		}
		if (pending_space)
			buf_append_char(out, ' ');
		buf_append_char(out, *p);
		pending_space = false;
		started = true;
	}
}

static bool
is_valid_header_name(const char *name)
{
	if (*name == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == ':' || *p >= 0x7f)
			return false;
	return true;
}

static void
add_header(struct header_set *set, const char *name, const char *value)
{
	char *lower = str_lower(xstrdup(name));
	struct canonical_header *header;

	if (value == NULL)
		value = "";

	for (size_t i = 0; i < set->count; i++) {
		if (strcmp(set->items[i].name, lower) == 0) {
			buf_append_char(&set->items[i].value, ',');
			fold_header_value(&set->items[i].value, value);
			free(lower);
			return;
		}
	}
	set->items = xrealloc(set->items,
	    (set->count + 1) * sizeof(*set->items));
	header = &set->items[set->count++];
	header->name = lower;
	memset(&header->value, 0, sizeof(header->value));
	buf_append_str(&header->value, "");
	fold_header_value(&header->value, value);
}

static void
free_headers(struct header_set *set)
{
	for (size_t i = 0; i < set->count; i++) {
		free(set->items[i].name);
		buf_free(&set->items[i].value);
	}
	free(set->items);
	set->items = NULL;
	set->count = 0;
}

static int
compare_headers(const void *a, const void *b)
{
	const struct canonical_header *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Returns whether name is one this module adds itself. */
static bool
is_reserved_header(const struct sigv4_request *req, const char *name)
{
	return strcasecmp(name, "authorization") == 0 ||
	    strcasecmp(name, "x-amz-date") == 0 ||
	    strcasecmp(name, "x-amz-security-token") == 0 ||
	    ((req->flags & SIGV4_CONTENT_SHA256) &&
	    strcasecmp(name, "x-amz-content-sha256") == 0);
}

/* Collects the caller's headers into sig->headers, checking each name. */
static int
collect_headers(struct signing *sig)
{
	const struct sigv4_request *req = sig->req;
	bool have_host = false;

	for (size_t i = 0; i < req->header_count; i++) {
		const char *name = req->headers[i].name;
		char *escaped_name;

		if (name != NULL && is_valid_header_name(name) &&
		    !is_reserved_header(req, name)) {
			have_host = have_host || strcasecmp(name, "host") == 0;
			add_header(&sig->headers, name,
			    req->headers[i].value);
			continue;
		}
		escaped_name = str_escaped(name);
		log_error("sigv4: invalid header name \"%s\": expected an "
		    "HTTP token other than Authorization and X-Amz-Date, "
		    "X-Amz-Security-Token or X-Amz-Content-Sha256 (which "
		    "signing adds)", escaped_name);
		free(escaped_name);
		return -1;
	}
	if (!have_host) {
		log_error("sigv4: %s request to %s: missing host header: add "
		    "the endpoint's host (and non-default port)",
		    req->service, req->path != NULL ? req->path : "/");
		return -1;
	}
	return 0;
}

/* Sorts the headers and appends "name:value\n" lines to out. */
static void
write_canonical_headers(struct signing *sig, struct buf *out)
{
	struct header_set *set = &sig->headers;

	qsort(set->items, set->count, sizeof(*set->items), compare_headers);
	buf_reset(&sig->signed_headers);
	for (size_t i = 0; i < set->count; i++) {
		buf_printf(out, "%s:%s\n", set->items[i].name,
		    set->items[i].value.data);
		if (i > 0)
			buf_append_char(&sig->signed_headers, ';');
		buf_append_str(&sig->signed_headers, set->items[i].name);
	}
}

static bool
is_missing(const char *s)
{
	return s == NULL || *s == '\0';
}

static int
check_request(const struct sigv4_request *req)
{
	const struct sigv4_credentials *creds = req->credentials;
	const char *missing = NULL;

	if (is_missing(req->method))
		missing = "HTTP method";
	else if (is_missing(req->region))
		missing = "region";
	else if (is_missing(req->service))
		missing = "service name";
	else if (creds == NULL || is_missing(creds->access_key_id))
		missing = "access key ID";
	else if (is_missing(creds->secret_access_key))
		missing = "secret access key";
	if (missing != NULL) {
		log_error("sigv4: cannot sign the request to %s: missing %s",
		    req->path != NULL ? req->path : "/", missing);
		return -1;
	}
	return 0;
}

/* Prepares what both kinds of signing need: dates, scope, payload hash. */
static int
begin_signing(struct signing *sig, const struct sigv4_request *req)
{
	const struct sigv4_credentials *creds = req->credentials;
	struct tm tm;

	memset(sig, 0, sizeof(*sig));
	sig->req = req;
	if (check_request(req) != 0)
		return -1;
	log_add_secret(creds->secret_access_key);
	log_add_secret(creds->session_token);
	if (gmtime_r(&req->time, &tm) == NULL ||
	    strftime(sig->amz_date, sizeof(sig->amz_date),
	    "%Y%m%dT%H%M%SZ", &tm) != sizeof(sig->amz_date) - 1) {
		log_error("sigv4: invalid signing time %lld: expected a date "
		    "between the years 1000 and 9999", (long long)req->time);
		return -1;
	}
	memcpy(sig->date, sig->amz_date, 8);
	buf_printf(&sig->scope, "%s/%s/%s/aws4_request", sig->date,
	    req->region, req->service);
	sig->payload_hash = req->payload_hash;
	if (sig->payload_hash != NULL)
		return 0;
	sig->payload_hash = sig->computed_hash;
	return sigv4_hash_hex(req->payload, req->payload_len,
	    sig->computed_hash);
}

static void
end_signing(struct signing *sig)
{
	buf_free(&sig->scope);
	buf_free(&sig->signed_headers);
	free_headers(&sig->headers);
}

/*
 * Builds the canonical request, the string to sign and the signature into
 * out.  extra contains parameters that are signed besides the request's
 * own (the X-Amz-* of a presigned URL).
 */
static int
sign(struct signing *sig, const struct aws_param *extra, size_t extra_count,
    struct sigv4_result *out)
{
	const struct sigv4_request *req = sig->req;
	struct buf canonical = {0}, query = {0}, path = {0};
	char hash[SIGV4_HASH_HEX_SIZE], signature[SIGV4_HASH_HEX_SIZE];

	sigv4_encode_path(&path, req->path, req->flags);
	join_query(&query, req->query, req->query_count, extra, extra_count);
	buf_printf(&canonical, "%s\n", req->method);
	if (req->flags & SIGV4_SINGLE_ENCODE)
		buf_append_str(&canonical, path.data);
	else
		str_uri_encode(&canonical, path.data, path.len, true);
	buf_printf(&canonical, "\n%s\n", query.data != NULL ? query.data : "");
	write_canonical_headers(sig, &canonical);
	buf_printf(&canonical, "\n%s\n%s", sig->signed_headers.data,
	    sig->payload_hash);

	out->canonical_request = buf_steal(&canonical);
	out->url_path = buf_steal(&path);
	out->url_query = query.data != NULL ? buf_steal(&query) : xstrdup("");
	if (sigv4_hash_hex(out->canonical_request,
	    strlen(out->canonical_request), hash) != 0)
		return -1;
	out->string_to_sign = xasprintf("%s\n%s\n%s\n%s", SIGV4_ALGORITHM,
	    sig->amz_date, sig->scope.data, hash);
	if (compute_signature(sig, out->string_to_sign, signature) != 0)
		return -1;
	out->signature = xstrdup(signature);
	return 0;
}

/* Adds a header to both the signed set and the list the caller sends. */
static void
add_signing_header(struct signing *sig, struct sigv4_result *out,
    const char *name, const char *value, bool signed_header)
{
	if (signed_header)
		add_header(&sig->headers, name, value);
	strlist_add_owned(&out->headers, xasprintf("%s: %s", name, value));
}

int
sigv4_sign_headers(const struct sigv4_request *req,
    struct sigv4_result *out)
{
	const char *token = req->credentials != NULL ?
	    req->credentials->session_token : NULL;
	struct signing sig;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (begin_signing(&sig, req) != 0 || collect_headers(&sig) != 0)
		goto out;
	add_signing_header(&sig, out, "x-amz-date", sig.amz_date, true);
	if (token != NULL && *token != '\0')
		add_signing_header(&sig, out, "x-amz-security-token", token,
		    !(req->flags & SIGV4_TOKEN_UNSIGNED));
	if (req->flags & SIGV4_CONTENT_SHA256)
		add_signing_header(&sig, out, "x-amz-content-sha256",
		    sig.payload_hash, true);
	if (sign(&sig, NULL, 0, out) != 0)
		goto out;
	out->authorization = xasprintf("%s Credential=%s/%s, "
	    "SignedHeaders=%s, Signature=%s", SIGV4_ALGORITHM,
	    req->credentials->access_key_id, sig.scope.data,
	    sig.signed_headers.data, out->signature);
	rc = 0;
out:
	end_signing(&sig);
	if (rc != 0)
		sigv4_result_free(out);
	return rc;
}

/* Appends "&name=value" with the value URI-encoded. */
static void
append_query_param(struct buf *query, const char *name, const char *value)
{
	buf_printf(query, "%s%s=", query->len > 0 ? "&" : "", name);
	str_uri_encode(query, value, strlen(value), false);
}

/*
 * Sorting the caller's headers first gives the SignedHeaders list that the
 * presigned query itself must carry.
 */
static void
list_presigned_headers(struct signing *sig)
{
	struct buf ignored = {0};

	write_canonical_headers(sig, &ignored);
	buf_free(&ignored);
}

int
sigv4_presign(const struct sigv4_request *req, long expires,
    struct sigv4_result *out)
{
	const char *token = req->credentials != NULL ?
	    req->credentials->session_token : NULL;
	bool has_token = token != NULL && *token != '\0';
	bool sign_token = has_token && !(req->flags & SIGV4_TOKEN_UNSIGNED);
	char *credential = NULL, expires_text[24];
	struct aws_param extra[6];
	struct signing sig;
	struct buf query = {0};
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (begin_signing(&sig, req) != 0 || collect_headers(&sig) != 0)
		goto out;
	if (expires < 1 || expires > SIGV4_MAX_EXPIRES) {
		log_error("sigv4: invalid presigned URL validity %ld s: "
		    "expected 1 to %ld", expires, SIGV4_MAX_EXPIRES);
		goto out;
	}
	list_presigned_headers(&sig);
	credential = xasprintf("%s/%s", req->credentials->access_key_id,
	    sig.scope.data);
	snprintf(expires_text, sizeof(expires_text), "%ld", expires);
	extra[0] = (struct aws_param){"X-Amz-Algorithm", SIGV4_ALGORITHM};
	extra[1] = (struct aws_param){"X-Amz-Credential", credential};
	extra[2] = (struct aws_param){"X-Amz-Date", sig.amz_date};
	extra[3] = (struct aws_param){"X-Amz-Expires", expires_text};
	extra[4] = (struct aws_param){"X-Amz-SignedHeaders",
	    sig.signed_headers.data};
	extra[5] = (struct aws_param){"X-Amz-Security-Token", token};
	if (sign(&sig, extra, sign_token ? 6 : 5, out) != 0)
		goto out;

	buf_append_str(&query, out->url_query);
	if (has_token && !sign_token)
		append_query_param(&query, "X-Amz-Security-Token", token);
	append_query_param(&query, "X-Amz-Signature", out->signature);
	free(out->url_query);
	out->url_query = buf_steal(&query);
	rc = 0;
out:
	free(credential);
	end_signing(&sig);
	if (rc != 0)
		sigv4_result_free(out);
	return rc;
}

void
sigv4_result_free(struct sigv4_result *res)
{
	free(res->canonical_request);
	free(res->string_to_sign);
	free(res->signature);
	free(res->authorization);
	strlist_free(&res->headers);
	free(res->url_path);
	free(res->url_query);
	memset(res, 0, sizeof(*res));
}
