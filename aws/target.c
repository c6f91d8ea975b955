/* URL building for aws_send(): endpoint, S3 addressing style, encoding. */
#include "aws/aws.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4.h"
#include "common/log.h"
#include "common/str.h"

/*
 * A bucket can be a host name label only when it is 3 to 63 lower-case
 * letters, digits and hyphens, starting and ending with a letter or digit.
 * Names with dots would break the *.s3 wildcard certificate.
 */
/*
 * Returns whether name can be a bucket: the current rules allow 3 to 63
 * lower-case letters, digits, '.' and '-'; buckets made in us-east-1
 * before March 2018 may also hold upper-case letters and '_' and be up
 * to 255 long.  Anything else, such as '/', would change the request path.
 */
static bool
bucket_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len < 3 || len > 255)
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
		    *p != '_')
			return false;
	return true;
}

static bool
bucket_is_dns_label(const char *bucket)
{
	size_t len = strlen(bucket);

	if (len < 3 || len > 63 || bucket[0] == '-' || bucket[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = bucket[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-'))
			return false;
	}
	return true;
}

static bool
is_default_port(const char *scheme, const char *port)
{
	return (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0) ||
	    (strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0);
}

/* Splits endpoint into scheme, host and port (NULL when default). */
static int
endpoint_split(const char *endpoint, char **scheme, char **host,
    char **port)
{
	CURLU *url = curl_url();
	char *path = NULL;
	int rc = -1;

	*scheme = *host = *port = NULL;
	if (url == NULL || curl_url_set(url, CURLUPART_URL, endpoint, 0) ||
	    curl_url_get(url, CURLUPART_SCHEME, scheme, 0) ||
	    curl_url_get(url, CURLUPART_HOST, host, 0) ||
	    curl_url_get(url, CURLUPART_PATH, &path, 0))
		goto out;
	if (strcmp(*scheme, "https") != 0 && strcmp(*scheme, "http") != 0)
		goto out;
	if (strcmp(path, "/") != 0 && strcmp(path, "") != 0)
		goto out;
	if (curl_url_get(url, CURLUPART_PORT, port, 0) == CURLUE_OK &&
	    is_default_port(*scheme, *port)) {
		curl_free(*port);
		*port = NULL;
	}
	rc = 0;
out:
	curl_free(path);
	curl_url_cleanup(url);
	return rc;
}

static void
target_set(struct aws_target *out, const char *scheme, const char *bucket,
    const char *host, const char *port)
{
	struct buf b = {0};

	if (bucket != NULL)
		buf_printf(&b, "%s.", bucket);
	buf_append_str(&b, host);
	if (port != NULL)
		buf_printf(&b, ":%s", port);
	out->host = buf_steal(&b);
	out->base = xasprintf("%s://%s", scheme, out->host);
}

int
aws_target_build(const char *endpoint, bool path_style,
    const struct aws_request *req, struct aws_target *out)
{
	bool s3 = strcmp(req->service, "s3") == 0;
	const char *path = req->path ? req->path : "/";
	bool virtual_host;
	char *scheme, *host, *port;
	struct buf decoded = {0};
	struct buf encoded = {0};

	memset(out, 0, sizeof(*out));
	if (endpoint_split(endpoint, &scheme, &host, &port) != 0) {
		log_error("aws: invalid endpoint URL \"%s\": expected "
		    "https://HOST[:PORT] without a path; check "
		    "AWS_ENDPOINT_URL*", endpoint);
		curl_free(scheme);
		curl_free(host);
		curl_free(port);
		return -1;
	}

	if (s3 && req->bucket != NULL && !bucket_name_valid(req->bucket)) {
		char *shown = str_escaped(req->bucket);

		log_error("s3: invalid bucket name \"%s\": expected 3 to 255 "
		    "letters, digits, '.', '-' or '_'", shown);
		free(shown);
		curl_free(scheme);
		curl_free(host);
		curl_free(port);
		return -1;
	}
	virtual_host = s3 && req->bucket != NULL && !path_style &&
	    bucket_is_dns_label(req->bucket);
	target_set(out, scheme, virtual_host ? req->bucket : NULL, host,
	    port);
	/* Path style: "/BUCKET" for the bucket, "/BUCKET/KEY" for objects. */
	if (s3 && req->bucket != NULL && !virtual_host) {
		buf_printf(&decoded, "/%s", req->bucket);
		if (strcmp(path, "/") != 0)
			buf_append_str(&decoded, path);
	} else {
		buf_append_str(&decoded, path);
	}
	sigv4_encode_path(&encoded, decoded.data, s3 ? SIGV4_S3 : 0);
	out->path = buf_steal(&encoded);

	buf_free(&decoded);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	return 0;
}

void
aws_target_free(struct aws_target *target)
{
	free(target->base);
	free(target->host);
	free(target->path);
	memset(target, 0, sizeof(*target));
}

char *
aws_target_url(const struct aws_target *target,
    const struct aws_request *req)
{
	struct buf url = {0};

	buf_printf(&url, "%s%s", target->base, target->path);
	if (req->query_count > 0) {
		buf_append_char(&url, '?');
		sigv4_encode_query(&url, req->query, req->query_count);
	}
	return buf_steal(&url);
}
