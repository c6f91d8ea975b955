/*
 * The AWS request layer on libcurl: one reusable easy handle per client,
 * SigV4 signing, bounded retries with jittered backoff, clock-skew
 * correction and AWS error documents.
 */
#include "aws/aws.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/config.h"
#include "aws/creds.h"
#include "aws/sigv4.h"
#include "aws/xml.h"
#include "common/log.h"

#define DEFAULT_CONNECT_TIMEOUT 10
#define DEFAULT_REQUEST_TIMEOUT 60
#define DEFAULT_RETRIES 4
#define DEFAULT_MAX_RESPONSE (16 * 1024 * 1024)
#define ERROR_BODY_MAX (1024 * 1024)
#define BACKOFF_BASE_MS 100
#define BACKOFF_CAP_FACTOR 50	/* cap = 5 s with the default base */
#define MAX_ENDPOINTS 16

/* An endpoint per service and region (region NULL: the global one). */
struct endpoint_cache {
	char *service;
	char *region;
	char *url;
	bool overridden;
};

struct aws_client {
	char *region_flag;
	char *profile;
	char *ca_bundle_flag;
	char *region;
	char *ca_bundle;
	bool ca_bundle_resolved;
	struct curl_slist *connect_to;
	long connect_timeout;
	long request_timeout;
	int retries;
	long backoff_base_ms;
	long backoff_cap_ms;
	time_t clock_offset;	/* server time minus local time */
	CURL *curl;
	struct aws_creds_provider *creds;
	struct endpoint_cache endpoints[MAX_ENDPOINTS];
	size_t endpoint_count;
};

/* One attempt's state, shared with the libcurl callbacks. */
struct transfer {
	CURL *curl;
	struct aws_response *resp;
	FILE *file;
	size_t limit;
	size_t received;
	size_t written;
	bool too_large;
	bool file_error;
	int file_errno;
};

static long
backoff_base_from_env(void)
{
	const char *value = getenv("ACM_INBOX_RETRY_BASE_MS");
	long base;

	if (value == NULL || *value == '\0')
		return BACKOFF_BASE_MS;
	if (str_parse_long(value, 0, 60000, &base) != 0) {
		log_warn("aws: ignoring ACM_INBOX_RETRY_BASE_MS=\"%s\": "
		    "expected milliseconds from 0 to 60000", value);
		return BACKOFF_BASE_MS;
	}
	return base;
}

static void
client_add_connect_to(struct aws_client *client,
    const struct strlist *connect_to)
{
	for (size_t i = 0; connect_to && i < connect_to->count; i++) {
		struct curl_slist *list = curl_slist_append(client->connect_to,
		    connect_to->items[i]);

		if (list == NULL) {
			log_error("aws: out of memory");
			abort();
		}
		client->connect_to = list;
	}
}

struct aws_client *
aws_client_new(const struct aws_client_options *opts)
{
	static const struct aws_client_options none = { .retries = -1 };
	struct aws_client *client;

	if (opts == NULL)
		opts = &none;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_error("aws: libcurl initialisation failed");
		return NULL;
	}
	client = xcalloc(1, sizeof(*client));
	client->curl = curl_easy_init();
	if (client->curl == NULL) {
		log_error("aws: creating a libcurl handle failed");
		free(client);
		curl_global_cleanup();
		return NULL;
	}
	client->region_flag = opts->region ? xstrdup(opts->region) : NULL;
	client->profile = aws_config_profile_name(opts->profile);
	client->ca_bundle_flag = opts->ca_bundle ?
	    xstrdup(opts->ca_bundle) : NULL;
	client_add_connect_to(client, opts->connect_to);
	client->connect_timeout = opts->connect_timeout > 0 ?
	    opts->connect_timeout : DEFAULT_CONNECT_TIMEOUT;
	client->request_timeout = opts->request_timeout > 0 ?
	    opts->request_timeout : DEFAULT_REQUEST_TIMEOUT;
	client->retries = opts->retries >= 0 ? opts->retries : DEFAULT_RETRIES;
	client->backoff_base_ms = backoff_base_from_env();
	client->backoff_cap_ms = client->backoff_base_ms * BACKOFF_CAP_FACTOR;
	return client;
}

void
aws_client_free(struct aws_client *client)
{
	if (client == NULL)
		return;
	for (size_t i = 0; i < client->endpoint_count; i++) {
		free(client->endpoints[i].service);
		free(client->endpoints[i].region);
		free(client->endpoints[i].url);
	}
	if (client->creds != NULL)
		aws_creds_provider_free(client->creds);
	curl_easy_cleanup(client->curl);
	curl_slist_free_all(client->connect_to);
	free(client->region_flag);
	free(client->profile);
	free(client->ca_bundle_flag);
	free(client->region);
	free(client->ca_bundle);
	free(client);
	curl_global_cleanup();
}

const char *
aws_client_region(struct aws_client *client)
{
	if (client->region == NULL)
		client->region = aws_config_region(client->region_flag,
		    client->profile);
	if (client->region == NULL)
		log_error("aws: no region: pass --region, set AWS_REGION or "
		    "set region in the profile \"%s\"", client->profile);
	return client->region;
}

static const char *
client_ca_bundle(struct aws_client *client)
{
	if (!client->ca_bundle_resolved) {
		client->ca_bundle = aws_config_ca_bundle(
		    client->ca_bundle_flag, client->profile);
		client->ca_bundle_resolved = true;
	}
	return client->ca_bundle;
}

static bool
same_region(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * Returns the cached endpoint for service in region, or NULL (logged).
 * A full cache gives up its last entry, so a run that touches many
 * regions keeps working.
 */
static const struct endpoint_cache *
client_endpoint(struct aws_client *client, const char *service,
    const char *region)
{
	struct endpoint_cache *entry;
	bool overridden = false;
	char *url;

	for (size_t i = 0; i < client->endpoint_count; i++) {
		entry = &client->endpoints[i];
		if (strcmp(entry->service, service) == 0 &&
		    same_region(entry->region, region))
			return entry;
	}
	url = aws_config_endpoint(service, region, client->profile,
	    &overridden);
	if (url == NULL)
		return NULL;
	if (client->endpoint_count == MAX_ENDPOINTS) {
		entry = &client->endpoints[--client->endpoint_count];
		free(entry->service);
		free(entry->region);
		free(entry->url);
	}
	entry = &client->endpoints[client->endpoint_count++];
	entry->service = xstrdup(service);
	entry->region = region != NULL ? xstrdup(region) : NULL;
	entry->url = url;
	entry->overridden = overridden;
	return entry;
}

/* --- libcurl callbacks --------------------------------------------- */

static size_t
on_body(char *data, size_t size, size_t count, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * count;
	long status = 0;

	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300) {
		/* Error documents keep their first ERROR_BODY_MAX bytes. */
		if (t->resp->body.len < ERROR_BODY_MAX)
			buf_append(&t->resp->body, data, len);
		return len;
	}
	if (t->received + len > t->limit) {
		t->too_large = true;
		return 0;
	}
	t->received += len;
	if (t->file != NULL) {
		if (fwrite(data, 1, len, t->file) != len) {
			t->file_error = true;
			t->file_errno = errno;
			return 0;
		}
		t->written += len;
		return len;
	}
	buf_append(&t->resp->body, data, len);
	return len;
}

static size_t
on_header(char *data, size_t size, size_t count, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * count;
	char *line = xstrndup(data, len);
	char *colon;

	str_trim(line);
	if (str_starts_with(line, "HTTP/")) {
		/* A new response (after 100 Continue): drop earlier ones. */
		strlist_free(&t->resp->headers);
		log_trace("aws: < %s", line);
		free(line);
		return len;
	}
	colon = strchr(line, ':');
	if (colon == NULL) {
		free(line);
		return len;
	}
	*colon = '\0';
	str_lower(line);
	log_trace("aws: < %s: %s", line, str_trim(colon + 1));
	strlist_add_owned(&t->resp->headers,
	    xasprintf("%s: %s", line, str_trim(colon + 1)));
	free(line);
	return len;
}

/* libcurl's verbose text and headers at -vvvv; bodies are left out. */
static int
on_debug(CURL *curl, curl_infotype type, char *data, size_t size,
    void *arg)
{
	static const char *const prefixes[] = {
		[CURLINFO_TEXT] = "*", [CURLINFO_HEADER_IN] = "<",
		[CURLINFO_HEADER_OUT] = ">",
	};
	const char *end = data + size;

	if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_IN &&
	    type != CURLINFO_HEADER_OUT)
		return 0;
	while (data < end) {
		const char *nl = memchr(data, '\n', (size_t)(end - data));
		size_t n = nl ? (size_t)(nl - data) : (size_t)(end - data);
		struct buf line = {0};

		if (n > 0 && data[n - 1] == '\r')
			str_escape_untrusted(&line, data, n - 1);
		else
			str_escape_untrusted(&line, data, n);
		if (line.len > 0)
			log_msg(LOG_WIRE, "curl: %s %s", prefixes[type],
			    line.data);
		buf_free(&line);
		data += n + (nl ? 1 : 0);
	}
	return 0;
}

/* --- one attempt ---------------------------------------------------- */

static bool
request_has_header(const struct aws_request *req, const char *name)
{
	for (size_t i = 0; i < req->header_count; i++) {
		if (strcasecmp(req->headers[i].name, name) == 0)
			return true;
	}
	return false;
}

static void
slist_add(struct curl_slist **list, const char *line)
{
	struct curl_slist *next = curl_slist_append(*list, line);

	if (next == NULL) {
		log_error("aws: out of memory");
		abort();
	}
	*list = next;
}

static int
sign_request(struct aws_client *client, const struct aws_request *req,
    const struct aws_target *target, struct sigv4_result *signed_req)
{
	const char *region = req->region ? req->region : client->region;
	const struct aws_credentials *creds;
	struct sigv4_credentials keys;
	struct sigv4_request sreq = {0};
	struct aws_param *headers;
	bool s3 = strcmp(req->service, "s3") == 0;
	int rc;

	if (region == NULL)
		region = "us-east-1";	/* only Route 53 gets here without */
	if (aws_creds_get(client->creds, &creds) != 0)
		return -1;
	keys.access_key_id = creds->access_key_id;
	keys.secret_access_key = creds->secret_access_key;
	keys.session_token = creds->session_token;

	headers = xcalloc(req->header_count + 1, sizeof(*headers));
	headers[0].name = "host";
	headers[0].value = target->host;
	if (req->header_count > 0)
		memcpy(headers + 1, req->headers,
		    req->header_count * sizeof(*headers));
	sreq.method = req->method;
	sreq.path = target->path;
	sreq.query = req->query;
	sreq.query_count = req->query_count;
	sreq.headers = headers;
	sreq.header_count = req->header_count + 1;
	sreq.payload = req->body;
	sreq.payload_len = req->body_len;
	sreq.region = aws_config_signing_region(req->service, region);
	sreq.service = aws_config_signing_name(req->service);
	sreq.credentials = &keys;
	sreq.time = time(NULL) + client->clock_offset;
	sreq.flags = SIGV4_PATH_ENCODED |
	    (s3 ? SIGV4_S3 | SIGV4_CONTENT_SHA256 : 0);
	rc = sigv4_sign_headers(&sreq, signed_req);
	free(headers);
	return rc;
}

/* Builds the header list; secret values are never logged here. */
static struct curl_slist *
build_headers(const struct aws_request *req, const struct aws_target *target,
    const struct sigv4_result *signed_req)
{
	struct curl_slist *list = NULL;
	char *line = xasprintf("Host: %s", target->host);

	slist_add(&list, line);
	log_trace("aws: > %s", line);
	free(line);
	for (size_t i = 0; i < req->header_count; i++) {
		line = xasprintf("%s: %s", req->headers[i].name,
		    req->headers[i].value);
		slist_add(&list, line);
		log_trace("aws: > %s", line);
		free(line);
	}
	for (size_t i = 0; i < signed_req->headers.count; i++) {
		slist_add(&list, signed_req->headers.items[i]);
		if (!str_case_starts_with(signed_req->headers.items[i],
		    "x-amz-security-token:"))
			log_trace("aws: > %s", signed_req->headers.items[i]);
	}
	if (signed_req->authorization != NULL) {
		line = xasprintf("Authorization: %s",
		    signed_req->authorization);
		slist_add(&list, line);
		free(line);
	}
	/* No "Expect: 100-continue" round trip, no default form type. */
	slist_add(&list, "Expect:");
	if (!request_has_header(req, "content-type"))
		slist_add(&list, "Content-Type:");
	return list;
}

static void
set_method(CURL *curl, const struct aws_request *req)
{
	if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
		return;
	}
	if (strcmp(req->method, "GET") == 0 && req->body_len == 0) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
		return;
	}
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body_len > 0 || strcmp(req->method, "PUT") == 0 ||
	    strcmp(req->method, "POST") == 0) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->body_len);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
		    req->body_len > 0 ? req->body : "");
	}
}

static void
set_options(struct aws_client *client, const struct aws_request *req,
    const char *url, struct transfer *t, char *errbuf)
{
	CURL *curl = client->curl;
	const char *ca_bundle = client_ca_bundle(client);

	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	/* S3 keys may contain "./" and "../": send the signed path as is. */
	curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, client->connect_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, client->request_timeout);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_bundle != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, ca_bundle);
	if (client->connect_to != NULL)
		curl_easy_setopt(curl, CURLOPT_CONNECT_TO, client->connect_to);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "acm-inbox/"
	    ACM_INBOX_VERSION);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, t);
	if (log_enabled(LOG_WIRE)) {
		curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
		curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, on_debug);
	}
	set_method(curl, req);
}

static bool
curl_code_retryable(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

/* Clears what an earlier attempt left in resp; keeps the endpoint. */
static void
response_reset(struct aws_response *resp)
{
	char *endpoint = resp->endpoint;

	resp->endpoint = NULL;
	aws_response_free(resp);
	resp->endpoint = endpoint;
}

static void
response_set_error(struct aws_response *resp, const char *code,
    char *message)
{
	free(resp->error_code);
	free(resp->error_message);
	resp->error_code = xstrdup(code);
	resp->error_message = message;
}

/* An S3 200 response whose body is an <Error> (CopyObject sends these). */
static bool
is_s3_error_body(const struct aws_request *req,
    const struct aws_response *resp)
{
	xmlDoc *doc;
	bool error;

	if (strcmp(req->service, "s3") != 0 || resp->body.len == 0 ||
	    strstr(resp->body.data, "<Error>") == NULL)
		return false;
	doc = xml_parse(resp->body.data, resp->body.len);
	error = xml_root(doc, "Error") != NULL;
	xml_free(doc);
	return error;
}

static long
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Records a transfer that ended without a complete response. */
static void
transfer_failed(struct transfer *t, CURLcode code, const char *errbuf,
    bool *retryable)
{
	struct aws_response *resp = t->resp;

	if (t->too_large) {
		response_set_error(resp, "ResponseTooLarge", xasprintf(
		    "the response body exceeds the limit of %zu bytes",
		    t->limit));
		return;
	}
	if (t->file_error) {
		response_set_error(resp, "WriteFailed", xasprintf(
		    "writing the response body failed: %s",
		    strerror(t->file_errno)));
		return;
	}
	resp->status = 0;
	response_set_error(resp, curl_easy_strerror(code),
	    xstrdup(*errbuf ? errbuf : curl_easy_strerror(code)));
	*retryable = curl_code_retryable(code);
}

static void
log_request(const struct aws_request *req, const char *url,
    const struct aws_response *resp, long ms)
{
	if (!log_enabled(LOG_DEBUG))
		return;
	if (resp->status == 0)
		log_debug("aws: %s %s %s: no response (%s) after %ld ms",
		    req->service, req->method, url,
		    resp->error_code ? resp->error_code : "?", ms);
	else
		log_debug("aws: %s %s %s: %ld%s%s in %ld ms", req->service,
		    req->method, url, resp->status,
		    resp->error_code ? " " : "",
		    resp->error_code ? resp->error_code : "", ms);
}

/*
 * Sends req once.  Returns 0 for a 2xx answer, else -1 with resp holding
 * the error and *retryable telling whether another attempt may succeed.
 */
static int
send_once(struct aws_client *client, const struct aws_request *req,
    const struct aws_target *target, const char *url,
    struct aws_response *resp, bool *retryable)
{
	struct sigv4_result signed_req = {0};
	struct transfer t = { .curl = client->curl, .resp = resp };
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct timespec start;
	CURLcode code;
	int rc = -1;

	*retryable = false;
	response_reset(resp);
	t.file = req->response_file;
	t.limit = req->max_response_size ? req->max_response_size :
	    DEFAULT_MAX_RESPONSE;
	if (!req->unsigned_request &&
	    sign_request(client, req, target, &signed_req) != 0) {
		response_set_error(resp, "RequestNotSent", xstrdup(
		    "signing failed (the cause is logged above)"));
		return -1;
	}

	headers = build_headers(req, target, &signed_req);
	set_options(client, req, url, &t, errbuf);
	curl_easy_setopt(client->curl, CURLOPT_HTTPHEADER, headers);
	clock_gettime(CLOCK_MONOTONIC, &start);
	code = curl_easy_perform(client->curl);
	curl_easy_getinfo(client->curl, CURLINFO_RESPONSE_CODE, &resp->status);

	if (code != CURLE_OK) {
		transfer_failed(&t, code, errbuf, retryable);
	} else if (resp->status >= 200 && resp->status < 300 &&
	    !is_s3_error_body(req, resp)) {
		rc = 0;
	} else {
		aws_error_parse(resp);
		*retryable = aws_error_retryable(resp, false);
	}
	log_request(req, url, resp, elapsed_ms(&start));

	/* The handle must not point at this list after it is freed. */
	curl_easy_setopt(client->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	sigv4_result_free(&signed_req);
	return rc;
}

/* --- retries ---------------------------------------------------------- */

static double
random_unit(void)
{
	uint32_t value;

	if (RAND_bytes((unsigned char *)&value, sizeof(value)) != 1)
		return 0.5;
	return (double)value / 4294967296.0;
}

static void
sleep_ms(long ms)
{
	struct timespec delay = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&delay, &delay) != 0 && errno == EINTR)
		continue;
}

/* Takes the server's clock from Date; returns false when it has none. */
static bool
client_correct_skew(struct aws_client *client,
    const struct aws_response *resp)
{
	const char *date = aws_response_header(resp, "date");
	time_t server_time = date ? curl_getdate(date, NULL) : -1;

	if (server_time == -1)
		return false;
	client->clock_offset = server_time - time(NULL);
	log_info("aws: the local clock differs from %s by %ld s; "
	    "signing with the server's time", resp->endpoint,
	    (long)client->clock_offset);
	return true;
}

static bool
credentials_expired(const struct aws_response *resp)
{
	const char *code = resp->error_code;

	return code != NULL && (strcmp(code, "ExpiredToken") == 0 ||
	    strcmp(code, "ExpiredTokenException") == 0);
}

static void
client_backoff(struct aws_client *client, const struct aws_request *req,
    const struct aws_response *resp, int attempt)
{
	long delay = aws_backoff_ms(attempt, client->backoff_base_ms,
	    client->backoff_cap_ms, random_unit());
	char *reason = aws_error_string(resp);

	log_debug("aws: %s %s: retry %d of %d in %ld ms after %s",
	    req->service, req->method, attempt + 1, client->retries, delay,
	    reason);
	free(reason);
	sleep_ms(delay);
}

/* Truncates the response file back to where the request started. */
static bool
rewind_response_file(FILE *file, off_t start)
{
	if (file == NULL)
		return true;
	if (fflush(file) != 0 || fseeko(file, start, SEEK_SET) != 0 ||
	    ftruncate(fileno(file), start) != 0)
		return false;
	return true;
}

/*
 * Resolves where req goes.  Returns 0, or -1 with resp describing why
 * (the region or endpoint lookup logged the cause).
 */
static int
client_prepare(struct aws_client *client, const struct aws_request *req,
    struct aws_target *target, struct aws_response *resp)
{
	const struct endpoint_cache *endpoint;
	bool global = strcmp(req->service, "route53") == 0;
	const char *region;

	/* Route 53 is global: a region is used when there is one. */
	if (global && client->region == NULL)
		client->region = aws_config_region(client->region_flag,
		    client->profile);
	if (global)
		region = client->region;
	else if (req->region != NULL)
		region = req->region;
	else
		region = aws_client_region(client);
	if (region == NULL && !global)
		goto fail;
	endpoint = client_endpoint(client, req->service, region);
	if (endpoint == NULL ||
	    aws_target_build(endpoint->url, endpoint->overridden, req,
	    target) != 0)
		goto fail;
	resp->endpoint = xstrdup(target->base);
	if (client->creds == NULL && !req->unsigned_request) {
		struct aws_creds_options opts = {
			.profile = client->profile,
			.region = client->region_flag,
			.ca_bundle = client->ca_bundle_flag,
		};

		client->creds = aws_creds_provider_new(&opts);
	}
	return 0;
fail:
	response_set_error(resp, "RequestNotSent", xasprintf(
	    "no region or endpoint for %s (the cause is logged above)",
	    req->service));
	return -1;
}

int
aws_send(struct aws_client *client, const struct aws_request *req,
    struct aws_response *resp)
{
	struct aws_target target = {0};
	bool skew_corrected = false, creds_refreshed = false, retryable;
	off_t file_start = req->response_file ?
	    ftello(req->response_file) : 0;
	char *url = NULL;
	int attempt = 0, rc = -1;

	memset(resp, 0, sizeof(*resp));
	if (client_prepare(client, req, &target, resp) != 0)
		goto out;
	url = aws_target_url(&target, req);
	for (;;) {
		rc = send_once(client, req, &target, url, resp, &retryable);
		if (rc == 0)
			break;
		if (!skew_corrected && resp->status != 0 &&
		    aws_error_clock_skewed(resp, time(NULL) +
		    client->clock_offset) && client_correct_skew(client, resp)) {
			skew_corrected = true;
			continue;
		}
		if (!creds_refreshed && credentials_expired(resp)) {
			aws_creds_invalidate(client->creds);
			creds_refreshed = true;
			continue;
		}
		if (!retryable || attempt >= client->retries ||
		    !rewind_response_file(req->response_file, file_start))
			break;
		client_backoff(client, req, resp, attempt++);
	}
out:
	free(url);
	aws_target_free(&target);
	return rc;
}

/* --- protocols -------------------------------------------------------- */

static void
form_append(struct buf *body, const char *name, const char *value)
{
	if (body->len > 0)
		buf_append_char(body, '&');
	str_uri_encode(body, name, strlen(name), false);
	buf_append_char(body, '=');
	if (value != NULL)
		str_uri_encode(body, value, strlen(value), false);
}

int
aws_query(struct aws_client *client, const char *service,
    const char *action, const char *version, const struct aws_param *params,
    size_t param_count, struct aws_response *resp)
{
	static const struct aws_param headers[] = {
		{ "Content-Type",
		  "application/x-www-form-urlencoded; charset=utf-8" },
	};
	struct aws_request req = {
		.service = service, .method = "POST", .path = "/",
		.headers = headers, .header_count = 1,
	};
	struct buf body = {0};
	int rc;

	form_append(&body, "Action", action);
	form_append(&body, "Version", version);
	for (size_t i = 0; i < param_count; i++)
		form_append(&body, params[i].name, params[i].value);
	req.body = body.data;
	req.body_len = body.len;
	rc = aws_send(client, &req, resp);
	buf_free(&body);
	return rc;
}

int
aws_json(struct aws_client *client, const char *service,
    const char *target, const char *json_body, struct aws_response *resp)
{
	return aws_json_region(client, NULL, service, target, json_body,
	    resp);
}

int
aws_json_region(struct aws_client *client, const char *region,
    const char *service, const char *target, const char *json_body,
    struct aws_response *resp)
{
	struct aws_param headers[] = {
		{ "Content-Type", "application/x-amz-json-1.1" },
		{ "X-Amz-Target", target },
	};
	struct aws_request req = {
		.service = service, .region = region, .method = "POST",
		.path = "/", .headers = headers, .header_count = 2,
		.body = json_body ? json_body : "{}",
		.body_len = strlen(json_body ? json_body : "{}"),
	};

	return aws_send(client, &req, resp);
}
