/*
 * Credentials fetched over HTTP: STS AssumeRoleWithWebIdentity, the ECS
 * container endpoint and EC2 instance metadata (IMDSv2).  These are plain
 * libcurl calls with short timeouts, not signed AWS requests.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "aws/config.h"
#include "aws/creds_internal.h"
#include "common/log.h"

#define CREDS_ECS_HOST "http://169.254.170.2"
#define CREDS_IMDS_HOST "http://169.254.169.254"
#define CREDS_IMDS_HOST_IPV6 "http://[fd00:ec2::254]"
#define CREDS_IMDS_TOKEN_PATH "/latest/api/token"
#define CREDS_IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"
#define CREDS_IMDS_TOKEN_TTL "21600"	/* seconds, the maximum */

static size_t
creds_http_write(char *data, size_t size, size_t count, void *arg)
{
	struct buf *b = arg;

	if (b->len + size * count > CREDS_MAX_RESPONSE)
		return 0;	/* makes libcurl fail with a write error */
	buf_append(b, data, size * count);
	return size * count;
}

static void
creds_http_setup(CURL *curl, const struct creds_ctx *ctx,
    struct creds_http *h)
{
	curl_easy_setopt(curl, CURLOPT_URL, h->url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, ctx->connect_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, ctx->request_timeout);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(curl, CURLOPT_USERAGENT,
	    "acm-inbox/" ACM_INBOX_VERSION);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, creds_http_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &h->response);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, h->error);
	if (ctx->ca_bundle != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, ctx->ca_bundle);
	if (h->direct)
		curl_easy_setopt(curl, CURLOPT_PROXY, "");
	if (h->body != NULL)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, h->body);
	if (strcmp(h->method, "GET") != 0 && strcmp(h->method, "POST") != 0)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, h->method);
}

int
creds_http_send(const struct creds_ctx *ctx, struct creds_http *h)
{
	CURL *curl = curl_easy_init();
	CURLcode res;

	h->error[0] = '\0';
	h->status = 0;
	if (curl == NULL) {
		snprintf(h->error, sizeof(h->error), "curl_easy_init failed");
		return -1;
	}
	creds_http_setup(curl, ctx, h);
	log_debug("credentials: %s %s", h->method, h->url);
	res = curl_easy_perform(curl);
	if (res == CURLE_WRITE_ERROR)
		snprintf(h->error, sizeof(h->error), "answer larger than "
		    "64 KiB");
	else if (res != CURLE_OK && h->error[0] == '\0')
		snprintf(h->error, sizeof(h->error), "%s",
		    curl_easy_strerror(res));
	if (res == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &h->status);
	curl_easy_cleanup(curl);
	if (res == CURLE_OK)
		log_trace("credentials: %s %s: HTTP %ld", h->method, h->url,
		    h->status);
	return res == CURLE_OK ? 0 : -1;
}

void
creds_http_free(struct creds_http *h)
{
	curl_slist_free_all(h->headers);
	buf_free(&h->response);
}

int
creds_http_header(struct creds_http *h, const char *name, const char *value)
{
	char *line;

	if (strpbrk(value, "\r\n") != NULL)
		return -1;
	line = xasprintf("%s: %s", name, value);
	h->headers = curl_slist_append(h->headers, line);
	free(line);
	return 0;
}

/* Returns true when the variable holds "true" in any case. */
static bool
creds_env_true(const char *name)
{
	const char *value = getenv(name);

	return value != NULL && strcasecmp(value, "true") == 0;
}

const char *
creds_env(const char *name)
{
	const char *value = getenv(name);

	return value != NULL && *value != '\0' ? value : NULL;
}


/* Returns true for the hosts an http:// full URI may name. */
static bool
creds_host_allowed(const char *host)
{
	static const char *const link_local[] = {
		"169.254.170.2", "169.254.170.23", "fd00:ec2::23",
	};
	unsigned char addr[16];
	size_t len = strlen(host);
	char bare[64];

	if (host[0] == '[' && len > 2 && len - 2 < sizeof(bare)) {
		memcpy(bare, host + 1, len - 2);	/* "[::1]" */
		bare[len - 2] = '\0';
	} else if (snprintf(bare, sizeof(bare), "%s", host) >=
	    (int)sizeof(bare)) {
		return false;
	}
	if (strcasecmp(bare, "localhost") == 0)
		return true;
	for (size_t i = 0; i < sizeof(link_local) / sizeof(link_local[0]);
	    i++)
		if (strcasecmp(bare, link_local[i]) == 0)
			return true;
	if (inet_pton(AF_INET, bare, addr) == 1)
		return addr[0] == 127;
	if (inet_pton(AF_INET6, bare, addr) == 1)
		return memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1",
		    16) == 0;
	return false;
}

bool
creds_full_uri_allowed(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	bool allowed = false;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcasecmp(scheme, "https") == 0)
		allowed = true;
	else if (strcasecmp(scheme, "http") == 0)
		allowed = creds_host_allowed(host);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return allowed;
}

/* Returns the container endpoint URL, or NULL (logged) if not allowed. */
static char *
creds_container_url(const char *relative, const char *full)
{
	char *escaped;

	if (relative != NULL) {
		if (relative[0] == '/')
			return xasprintf("%s%s", CREDS_ECS_HOST, relative);
		escaped = str_escaped(relative);
		log_error("credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
		    "\"%s\" does not start with '/'", escaped);
		free(escaped);
		return NULL;
	}
	if (creds_full_uri_allowed(full))
		return xstrdup(full);
	escaped = str_escaped(full);
	log_error("credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI \"%s\" is "
	    "not allowed: use https, or http to a loopback address", escaped);
	free(escaped);
	return NULL;
}

/* Adds the Authorization header, if any; returns -1 (logged) on error. */
static int
creds_container_auth(struct creds_http *h)
{
	const char *path = creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *value = creds_env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char *token = NULL;
	int rc = 0;

	if (path != NULL) {
		token = creds_read_file(path,
		    "credentials: container authorization token file");
		if (token == NULL)
			return -1;
		value = token;
	}
	if (value == NULL)
		return 0;
	log_add_secret(value);
	if (creds_http_header(h, "Authorization", value) != 0) {
		log_error("credentials: the container authorization token "
		    "contains a line break");
		rc = -1;
	}
	free(token);
	return rc;
}

int
creds_from_container(struct creds_ctx *ctx, struct aws_credentials *c)
{
	const char *relative = creds_env(
	    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = creds_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct creds_http h = { .method = "GET", .direct = true };
	char *url = NULL;
	int rc = -1;

	if (relative == NULL && full == NULL) {
		creds_tried(ctx, "container (AWS_CONTAINER_CREDENTIALS_"
		    "RELATIVE_URI and _FULL_URI unset)");
		return 0;
	}
	url = creds_container_url(relative, full);
	if (url == NULL || creds_container_auth(&h) != 0)
		goto out;
	h.url = url;
	if (creds_http_send(ctx, &h) != 0) {
		log_error("credentials: container endpoint %s: %s", url,
		    h.error);
		goto out;
	}
	if (h.status != 200) {
		log_error("credentials: container endpoint %s: HTTP %ld; check "
		    "the task role and the authorization token", url,
		    h.status);
		goto out;
	}
	if (creds_parse_json(h.response.data ? h.response.data : "", "Token",
	    false, "credentials: container endpoint", "container", c) == 0)
		rc = 1;
out:
	creds_http_free(&h);
	free(url);
	return rc;
}

static char *
creds_imds_base(void)
{
	const char *base = creds_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = creds_env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	size_t len;

	if (base == NULL)
		base = mode != NULL && strcasecmp(mode, "IPv6") == 0 ?
		    CREDS_IMDS_HOST_IPV6 : CREDS_IMDS_HOST;
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	return xstrndup(base, len);
}

/*
 * Gets an IMDSv2 session token into *token.  Returns 1, or 0 when the
 * service does not answer as expected (reason added to ctx->tried).
 */
static int
creds_imds_token(struct creds_ctx *ctx, const char *base, char **token)
{
	struct creds_http h = { .method = "PUT", .direct = true };
	char *url = xasprintf("%s%s", base, CREDS_IMDS_TOKEN_PATH);
	int rc = 0;

	h.url = url;
	creds_http_header(&h, "X-aws-ec2-metadata-token-ttl-seconds",
	    CREDS_IMDS_TOKEN_TTL);
	if (creds_http_send(ctx, &h) != 0)
		creds_tried(ctx, "instance metadata (no answer from %s: %s)",
		    base, h.error);
	else if (h.status != 200 || h.response.len == 0)
		creds_tried(ctx, "instance metadata (token request to %s: "
		    "HTTP %ld)", base, h.status);
	else
		rc = 1;
	if (rc == 1) {
		*token = xstrdup(str_trim(h.response.data));
		log_add_secret(*token);
	}
	free(url);
	creds_http_free(&h);
	return rc;
}

/* GETs base+path with the token; returns the creds_http_send() result. */
static int
creds_imds_get(struct creds_ctx *ctx, struct creds_http *h,
    const char *base, const char *path, const char *token)
{
	char *url = xasprintf("%s%s", base, path);
	int rc;

	h->method = "GET";
	h->direct = true;
	h->url = url;
	if (creds_http_header(h, "X-aws-ec2-metadata-token", token) != 0) {
		snprintf(h->error, sizeof(h->error), "token has a line break");
		rc = -1;
	} else {
		rc = creds_http_send(ctx, h);
	}
	free(url);
	h->url = NULL;
	return rc;
}

/* Returns true when role can be a path segment (IAM role name syntax). */
static bool
creds_role_name_valid(const char *role)
{
	if (*role == '\0' || strlen(role) > 64)
		return false;
	for (const char *s = role; *s != '\0'; s++)
		if (strchr("+=,.@_-", *s) == NULL &&
		    !(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9'))
			return false;
	return true;
}

/* Gets the instance's role name; 1, or 0 with the reason in tried. */
static int
creds_imds_role(struct creds_ctx *ctx, const char *base, const char *token,
    char **role)
{
	struct creds_http h = { 0 };
	int rc = 0;
	char *eol;

	if (creds_imds_get(ctx, &h, base, CREDS_IMDS_ROLE_PATH, token) != 0)
		creds_tried(ctx, "instance metadata (%s)", h.error);
	else if (h.status == 404)
		creds_tried(ctx, "instance metadata (no IAM role attached to "
		    "the instance)");
	else if (h.status != 200 || h.response.len == 0)
		creds_tried(ctx, "instance metadata (role list: HTTP %ld)",
		    h.status);
	else
		rc = 1;
	if (rc == 1) {
		eol = strchr(h.response.data, '\n');
		if (eol != NULL)
			*eol = '\0';
		*role = xstrdup(str_trim(h.response.data));
	}
	creds_http_free(&h);
	return rc;
}

static int
creds_imds_fetch(struct creds_ctx *ctx, const char *base,
    const char *token, const char *role, struct aws_credentials *c)
{
	char *path = xasprintf("%s%s", CREDS_IMDS_ROLE_PATH, role);
	struct creds_http h = { 0 };
	int rc = -1;

	if (creds_imds_get(ctx, &h, base, path, token) != 0)
		log_error("credentials: instance metadata %s%s: %s", base,
		    path, h.error);
	else if (h.status != 200)
		log_error("credentials: instance metadata %s%s: HTTP %ld",
		    base, path, h.status);
	else if (creds_parse_json(h.response.data ? h.response.data : "",
	    "Token", false, "credentials: instance metadata",
	    "instance metadata", c) == 0)
		rc = 1;
	creds_http_free(&h);
	free(path);
	return rc;
}

int
creds_from_imds(struct creds_ctx *ctx, struct aws_credentials *c)
{
	char *base, *token = NULL, *role = NULL;
	int rc;

	if (creds_env_true("AWS_EC2_METADATA_DISABLED")) {
		creds_tried(ctx, "instance metadata (disabled by "
		    "AWS_EC2_METADATA_DISABLED)");
		return 0;
	}
	base = creds_imds_base();
	rc = creds_imds_token(ctx, base, &token);
	if (rc == 1)
		rc = creds_imds_role(ctx, base, token, &role);
	if (rc == 1 && !creds_role_name_valid(role)) {
		log_error("credentials: instance metadata: invalid role name");
		rc = -1;
	}
	if (rc == 1)
		rc = creds_imds_fetch(ctx, base, token, role, c);
	free(role);
	free(token);
	free(base);
	return rc;
}
