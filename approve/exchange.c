/*
 * The approval HTTP exchange over libcurl.  Redirects are followed by
 * hand so that every hop is checked against the approval hosts, and the
 * libcurl verbose output goes through the log's redactor.
 */
#include "approve/exchange.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "parse/links.h"

#define MAX_REDIRECTS 5
#define MAX_PAGE_SIZE (1024 * 1024)	/* larger responses are rejected */
#define MAX_SAVED_SIZE (256 * 1024)	/* saved pages are cut here */
#define DEFAULT_CONNECT_TIMEOUT 10
#define DEFAULT_REQUEST_TIMEOUT 60

struct exchange {
	CURL *curl;
	const struct approve_exchange_options *opts;
	struct curl_slist *connect_to;
	struct curl_slist *post_headers;
	struct buf body;
	bool body_too_large;
	char errbuf[CURL_ERROR_SIZE];
	char *page_url;		/* URL of the last response */
	char *charset;		/* of the last response; NULL: UTF-8 */
	long status;
	struct approve_outcome *outcome;
};

static const char *const result_names[] = {
	[APPROVE_APPROVED] = "approved",
	[APPROVE_ALREADY_APPROVED] = "already_approved",
	[APPROVE_EXPIRED] = "expired",
	[APPROVE_UNKNOWN_REQUEST] = "unknown_request",
	[APPROVE_FAILED] = "failed",
	[APPROVE_UNEXPECTED] = "unexpected",
	[APPROVE_DRY_RUN] = "dry_run",
};

const char *
approve_result_name(enum approve_result result)
{
	if ((size_t)result >= sizeof(result_names) / sizeof(result_names[0]))
		return "invalid";
	return result_names[result];
}

void
approve_outcome_free(struct approve_outcome *outcome)
{
	if (outcome == NULL)
		return;
	free(outcome->detail);
	free(outcome->saved_page);
	outcome->detail = NULL;
	outcome->saved_page = NULL;
}

/*
 * Checks the lower-cased host against the approval host names, with the
 * region label's partition matching the host's (cn-* only on .cn hosts).
 * TODO: parse/links.c applies the same host rules inside link_validate,
 * which needs a whole approval link.  Once it exports a host-only check,
 * call it here so that one function decides what an approval host is.
 */
static bool
approval_host_name(const char *host)
{
	static const struct {
		const char *suffix;
		bool china;
	} suffixes[] = {
		{".acm-certificates.amazon.com", false},
		{".acm-certificates.amazonaws.cn", true},
		{".certificates.amazon.com", false},
	};
	size_t len = strlen(host);

	if (strcmp(host, "certificates.amazon.com") == 0)
		return true;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t n = strlen(suffixes[i].suffix);
		char *region;
		const char *partition;

		if (len <= n || strcmp(host + len - n, suffixes[i].suffix) != 0)
			continue;
		region = xstrndup(host, len - n);
		partition = link_region_partition(region);
		free(region);
		if (partition == NULL || strncmp(partition, "aws-iso", 7) == 0)
			return false;
		return (strcmp(partition, "aws-cn") == 0) == suffixes[i].china;
	}
	return false;
}

bool
approve_url_is_approval_host(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
	char *password = NULL;
	bool ok = false;

	if (u == NULL || url == NULL ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    strcasecmp(scheme, "https") != 0)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) != CURLUE_NO_USER ||
	    curl_url_get(u, CURLUPART_PASSWORD, &password, 0) !=
	    CURLUE_NO_PASSWORD)
		goto out;
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK &&
	    strcmp(port, "443") != 0)
		goto out;
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	ok = approval_host_name(str_lower(host));
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_free(password);
	curl_url_cleanup(u);
	return ok;
}

/* Returns the URL's host for messages (never its path or query). */
static char *
url_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *copy;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
		curl_url_get(u, CURLUPART_HOST, &host, 0);
	copy = xstrdup(host != NULL ? host : "(invalid URL)");
	curl_free(host);
	curl_url_cleanup(u);
	return copy;
}

/* Registers a secret as it is and as it appears percent-encoded. */
static void
register_secret(const char *value, size_t len)
{
	char *plain = xstrndup(value, len);
	char *escaped = curl_easy_escape(NULL, plain, (int)len);

	log_add_secret(plain);
	log_add_secret(escaped);
	curl_free(escaped);
	free(plain);
}

/* Registers the code and context of the link, encoded and decoded. */
static void
register_link_secrets(const char *url)
{
	const char *query = strchr(url, '?');

	while (query != NULL && *query != '\0') {
		const char *param = query + 1;
		size_t len = strcspn(param, "&#");
		const char *eq = memchr(param, '=', len);

		if (eq != NULL && ((eq - param == 4 &&
		    strncasecmp(param, "code", 4) == 0) || (eq - param == 7 &&
		    strncasecmp(param, "context", 7) == 0))) {
			struct buf decoded = {0};
			size_t n = len - (size_t)(eq + 1 - param);

			register_secret(eq + 1, n);
			str_uri_decode(&decoded, eq + 1, n, true);
			if (decoded.data != NULL)
				register_secret(decoded.data, decoded.len);
			buf_free(&decoded);
		}
		query = param[len] == '&' ? param + len : NULL;
	}
}

/* Registers every cookie value in the handle's jar. */
static void
register_cookies(CURL *curl)
{
	struct curl_slist *cookies = NULL;

	if (curl_easy_getinfo(curl, CURLINFO_COOKIELIST, &cookies) !=
	    CURLE_OK)
		return;
	for (struct curl_slist *c = cookies; c != NULL; c = c->next) {
		/* Netscape format: the value is the seventh TAB field. */
		const char *value = c->data;

		for (int field = 0; field < 6 && value != NULL; field++) {
			value = strchr(value, '\t');
			if (value != NULL)
				value++;
		}
		if (value != NULL)
			register_secret(value, strlen(value));
	}
	curl_slist_free_all(cookies);
}

/* Registers a Set-Cookie value before libcurl reports storing it. */
static void
register_set_cookie(const char *line, size_t len)
{
	static const char name[] = "set-cookie:";
	const char *eq, *end = line + len;

	if (len < sizeof(name) || strncasecmp(line, name, sizeof(name) - 1))
		return;
	eq = memchr(line, '=', len);
	if (eq == NULL)
		return;
	eq++;
	while (eq < end && *eq == '"')
		eq++;
	/* The line is not NUL-terminated: scan only up to its end. */
	for (len = 0; eq + len < end && strchr(";\"\r\n", eq[len]) == NULL;
	    len++)
		continue;
	register_secret(eq, len);
}

/*
 * Registers the value in libcurl's "Added cookie NAME="VALUE" for domain"
 * note, which it writes before the Set-Cookie header line.
 */
static void
register_cookie_note(const char *line, size_t len)
{
	const char *start, *end;
	char *copy;

	if (len < 16 || (strncmp(line, "Added cookie ", 13) != 0 &&
	    strncmp(line, "Replaced cookie ", 16) != 0))
		return;
	copy = xstrndup(line, len);
	start = strstr(copy, "=\"");
	end = strrchr(copy, '"');
	if (start != NULL && end > start + 2)
		register_secret(start + 2, (size_t)(end - start - 2));
	free(copy);
}

/* Logs libcurl's verbose output line by line at the wire level. */
static int
exchange_debug(CURL *curl, curl_infotype type, char *data, size_t size,
    void *arg)
{
	const char *prefix;
	const char *end = data + size;

	if (type == CURLINFO_TEXT)
		prefix = "*";
	else if (type == CURLINFO_HEADER_IN)
		prefix = "<";
	else if (type == CURLINFO_HEADER_OUT)
		prefix = ">";
	else
		return 0;	/* bodies carry tokens in HTML; never logged */

	while (data < end) {
		const char *nl = memchr(data, '\n', (size_t)(end - data));
		size_t len = (size_t)((nl != NULL ? nl : end) - data);
		size_t shown = len;

		if (type == CURLINFO_HEADER_IN)
			register_set_cookie(data, len);
		else if (type == CURLINFO_TEXT)
			register_cookie_note(data, len);
		while (shown > 0 && (data[shown - 1] == '\r'))
			shown--;
		if (shown > 0)
			log_msg(LOG_WIRE, "%s %.*s", prefix, (int)shown, data);
		data += len + (nl != NULL ? 1 : 0);
	}
	return 0;
}

static size_t
exchange_write(char *data, size_t size, size_t count, void *arg)
{
	struct exchange *ex = arg;
	size_t len = size * count;

	if (ex->body.len + len > MAX_PAGE_SIZE) {
		ex->body_too_large = true;
		return 0;
	}
	buf_append(&ex->body, data, len);
	return len;
}

/* Stores the result and a redacted one-line detail in the outcome. */
__attribute__((format(printf, 3, 4))) static void
exchange_set_outcome(struct exchange *ex, enum approve_result result,
    const char *fmt, ...)
{
	struct buf text = {0};
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	free(ex->outcome->detail);
	ex->outcome->result = result;
	ex->outcome->http_status = ex->status;
	ex->outcome->detail = log_redact(text.data != NULL ? text.data : "");
	buf_free(&text);
}

static int
exchange_setup(struct exchange *ex)
{
	const struct approve_exchange_options *o = ex->opts;
	CURL *c = curl_easy_init();

	if (c == NULL) {
		log_error("approval: creating a libcurl handle failed");
		return -1;
	}
	ex->curl = c;
	for (size_t i = 0; o->connect_to != NULL &&
	    i < o->connect_to->count; i++)
		ex->connect_to = curl_slist_append(ex->connect_to,
		    o->connect_to->items[i]);
	ex->post_headers = curl_slist_append(NULL,
	    "Content-Type: application/x-www-form-urlencoded");

	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_bundle != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_bundle);
	if (ex->connect_to != NULL)
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, ex->connect_to);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout > 0 ?
	    o->connect_timeout : (long)DEFAULT_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o->request_timeout > 0 ?
	    o->request_timeout : (long)DEFAULT_REQUEST_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
	    "acm-inbox/" ACM_INBOX_VERSION);
	curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ex->errbuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, exchange_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, ex);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, exchange_debug);
	curl_easy_setopt(c, CURLOPT_VERBOSE, log_enabled(LOG_WIRE) ? 1L : 0L);
	return 0;
}

/* Keeps the charset of the response's Content-Type, when it names one. */
static void
exchange_read_charset(struct exchange *ex)
{
	char *type = NULL;
	const char *p;
	size_t len;

	free(ex->charset);
	ex->charset = NULL;
	if (curl_easy_getinfo(ex->curl, CURLINFO_CONTENT_TYPE, &type) !=
	    CURLE_OK || type == NULL)
		return;
	for (p = type; *p != '\0'; p++)
		if (strncasecmp(p, "charset=", 8) == 0)
			break;
	if (*p == '\0')
		return;
	p += 8;
	p += *p == '"';
	len = strspn(p, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:");
	if (len > 0 && len < 40)
		ex->charset = xstrndup(p, len);
}

/* Reports a transfer error: which host, what failed, and what to do. */
static void
exchange_report_curl(struct exchange *ex, const char *url, CURLcode rc,
    bool posted)
{
	char *host = url_host(url);
	const char *hint = "";

	if (rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CACERT_BADFILE)
		hint = "; check the CA bundle (--ca-bundle) and the clock";
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		hint = "; raise request-timeout or retry later";
	if (posted)
		hint = "; the approval may or may not have been recorded, "
		    "run the link again to find out";

	if (ex->body_too_large)
		exchange_set_outcome(ex, APPROVE_UNEXPECTED,
		    "%s: response larger than %d bytes", host, MAX_PAGE_SIZE);
	else
		exchange_set_outcome(ex, APPROVE_FAILED, "%s: %s: %s%s", host,
		    curl_easy_strerror(rc), ex->errbuf[0] != '\0' ?
		    ex->errbuf : "no detail", hint);
	log_error("approval: %s", ex->outcome->detail);
	free(host);
}

/*
 * Sends one request: a POST when body is not NULL, else a GET.  Returns 0
 * with the response in ex->body and ex->status, or -1 with the outcome
 * set.
 */
static int
exchange_perform(struct exchange *ex, const char *url, const char *body,
    const char *referer)
{
	CURLcode rc;
	char *host = url_host(url);

	buf_reset(&ex->body);
	ex->body_too_large = false;
	ex->errbuf[0] = '\0';
	ex->status = 0;
	curl_easy_setopt(ex->curl, CURLOPT_URL, url);
	curl_easy_setopt(ex->curl, CURLOPT_REFERER, referer);
	/*
	 * libcurl silently re-sends a request once when a reused connection
	 * closes before any response.  The server may have processed the POST
	 * already, so the POST gets a connection of its own and a failure is
	 * reported instead.
	 */
	curl_easy_setopt(ex->curl, CURLOPT_FRESH_CONNECT, body != NULL ? 1L :
	    0L);
	if (body != NULL) {
		curl_easy_setopt(ex->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(ex->curl, CURLOPT_HTTPHEADER,
		    ex->post_headers);
	} else {
		curl_easy_setopt(ex->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(ex->curl, CURLOPT_HTTPHEADER, NULL);
	}
	log_debug("approval: %s https://%s/...", body != NULL ? "POST" :
	    "GET", host);
	free(host);

	rc = curl_easy_perform(ex->curl);
	register_cookies(ex->curl);
	if (rc != CURLE_OK) {
		exchange_report_curl(ex, url, rc, body != NULL);
		return -1;
	}
	curl_easy_getinfo(ex->curl, CURLINFO_RESPONSE_CODE, &ex->status);
	exchange_read_charset(ex);
	free(ex->page_url);
	ex->page_url = xstrdup(url);
	log_debug("approval: HTTP %ld, %zu bytes", ex->status, ex->body.len);
	return 0;
}

/*
 * Sends a request and follows up to MAX_REDIRECTS redirects with GET,
 * each only to an approval host.  Returns 0 with the final response, or
 * -1 with the outcome set.
 */
static int
exchange_fetch(struct exchange *ex, const char *url, const char *body,
    const char *referer)
{
	char *next = xstrdup(url);
	int status = -1;

	for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
		char *location = NULL;

		if (exchange_perform(ex, next, body, referer) != 0)
			goto out;
		if (ex->status < 300 || ex->status > 399 ||
		    curl_easy_getinfo(ex->curl, CURLINFO_REDIRECT_URL,
		    &location) != CURLE_OK || location == NULL) {
			status = 0;
			goto out;
		}
		if (!approve_url_is_approval_host(location)) {
			char *host = url_host(location);

			exchange_set_outcome(ex, APPROVE_UNEXPECTED,
			    "HTTP %ld redirect to %s, which is not an approval "
			    "host; nothing was submitted there", ex->status,
			    host);
			free(host);
			goto out;
		}
		free(next);
		next = xstrdup(location);
		body = NULL;
		referer = NULL;
	}
	exchange_set_outcome(ex, APPROVE_UNEXPECTED,
	    "more than %d redirects", MAX_REDIRECTS);
out:
	free(next);
	return status;
}

/*
 * Writes the last page, redacted and cut to MAX_SAVED_SIZE, to a new
 * file in the save directory and records its path in the outcome.
 */
static void
exchange_save_page(struct exchange *ex)
{
	char *clean, *path;
	size_t len;
	int fd;

	if (ex->opts->save_dir == NULL || ex->body.data == NULL)
		return;
	path = xasprintf("%s/approval-page-%ld-XXXXXX.html",
	    ex->opts->save_dir, (long)time(NULL));
	fd = mkstemps(path, 5);
	if (fd < 0) {
		log_warn("approval: cannot save the page as %s: %s; pass a "
		    "writable state directory", path, strerror(errno));
		free(path);
		return;
	}
	clean = log_redact(ex->body.data);
	len = strlen(clean);
	if (len > MAX_SAVED_SIZE)
		len = MAX_SAVED_SIZE;
	if (write(fd, clean, len) != (ssize_t)len || close(fd) != 0) {
		log_warn("approval: cannot write %s: %s", path,
		    strerror(errno));
		unlink(path);
		free(path);
	} else {
		ex->outcome->saved_page = path;
	}
	free(clean);
}

/* Sets the outcome for a response without the approval form. */
static void
exchange_classify_formless(struct exchange *ex)
{
	enum approve_result r = approve_page_classify(ex->status,
	    ex->body.data, ex->body.len, ex->charset);

	switch (r) {
	case APPROVE_EXPIRED:
		exchange_set_outcome(ex, r, "the approval link has expired "
		    "or is invalid (HTTP %ld)", ex->status);
		break;
	case APPROVE_UNKNOWN_REQUEST:
		exchange_set_outcome(ex, r, "the approval request was not "
		    "found (HTTP %ld)", ex->status);
		break;
	case APPROVE_ALREADY_APPROVED:
	case APPROVE_APPROVED:
		exchange_set_outcome(ex, APPROVE_ALREADY_APPROVED, "the page "
		    "reports the request as approved before any submission");
		break;
	default:
		exchange_set_outcome(ex, APPROVE_UNEXPECTED, "HTTP %ld page "
		    "without an approval form", ex->status);
		exchange_save_page(ex);
	}
}

/* Resolves the form's action against the page URL; NULL if invalid. */
static char *
exchange_resolve_action(const struct exchange *ex, const char *action)
{
	CURLU *u = curl_url();
	char *resolved = NULL, *copy = NULL;

	if (u == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, ex->page_url, 0) != CURLUE_OK)
		goto out;
	if (action != NULL && *action != '\0' &&
	    curl_url_set(u, CURLUPART_URL, action, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_URL, &resolved, 0) == CURLUE_OK)
		copy = xstrdup(resolved);
out:
	curl_free(resolved);
	curl_url_cleanup(u);
	return copy;
}

static bool
name_mentions_token(const char *name)
{
	for (const char *p = name; *p != '\0'; p++)
		if (strncasecmp(p, "token", 5) == 0)
			return true;
	return false;
}

/* Registers hidden values and anything named like a token as secrets. */
static void
register_form_secrets(const struct approve_form *form)
{
	for (size_t i = 0; i < form->count; i++) {
		const struct approve_form_field *f = &form->fields[i];

		if (f->hidden || name_mentions_token(f->name))
			register_secret(f->value, strlen(f->value));
	}
}

/* Encodes the fields as application/x-www-form-urlencoded. */
static char *
form_encode(CURL *curl, const struct approve_form *form)
{
	struct buf body = {0};

	for (size_t i = 0; i < form->count; i++) {
		char *name = curl_easy_escape(curl, form->fields[i].name, 0);
		char *value = curl_easy_escape(curl, form->fields[i].value,
		    0);

		buf_printf(&body, "%s%s=%s", i > 0 ? "&" : "",
		    name != NULL ? name : "", value != NULL ? value : "");
		curl_free(name);
		curl_free(value);
	}
	if (body.data == NULL)
		buf_append_str(&body, "");
	return buf_steal(&body);
}

static char *
form_field_names(const struct approve_form *form)
{
	struct buf names = {0};

	for (size_t i = 0; i < form->count; i++)
		buf_printf(&names, "%s%s", i > 0 ? ", " : "",
		    form->fields[i].name);
	if (names.data == NULL)
		buf_append_str(&names, "(none)");
	return buf_steal(&names);
}

/* Classifies the response to the POST. */
static void
exchange_classify_result(struct exchange *ex, const char *host)
{
	enum approve_result r = approve_page_classify(ex->status,
	    ex->body.data, ex->body.len, ex->charset);

	switch (r) {
	case APPROVE_APPROVED:
		exchange_set_outcome(ex, r, "%s approved the request", host);
		break;
	case APPROVE_ALREADY_APPROVED:
		exchange_set_outcome(ex, r, "%s: the request was already "
		    "approved", host);
		break;
	case APPROVE_EXPIRED:
		exchange_set_outcome(ex, r, "%s: the approval link has "
		    "expired or is invalid (HTTP %ld)", host, ex->status);
		break;
	case APPROVE_UNKNOWN_REQUEST:
		exchange_set_outcome(ex, r, "%s: the approval request was "
		    "not found (HTTP %ld)", host, ex->status);
		break;
	default:
		exchange_set_outcome(ex, APPROVE_UNEXPECTED, "%s: HTTP %ld "
		    "page after the approval was submitted is not a known "
		    "result page", host, ex->status);
		exchange_save_page(ex);
	}
}

/* Submits the form found on the current page, or describes it (dry run). */
static void
exchange_submit(struct exchange *ex, const struct approve_form *form)
{
	char *target = exchange_resolve_action(ex, form->action);
	char *names = form_field_names(form);
	char *host = NULL, *body = NULL, *referer = NULL;

	if (target == NULL || !approve_url_is_approval_host(target)) {
		host = target != NULL ? url_host(target) : NULL;
		exchange_set_outcome(ex, APPROVE_UNEXPECTED, "the approval "
		    "form submits to %s, which is not an https approval host; "
		    "nothing was submitted", host != NULL ? host :
		    "an invalid URL");
		exchange_save_page(ex);
		goto out;
	}
	host = url_host(target);
	log_debug("approval: form fields: %s", names);
	if (ex->opts->dry_run) {
		exchange_set_outcome(ex, APPROVE_DRY_RUN, "would POST the "
		    "approval form to %s with fields: %s", host, names);
		goto out;
	}

	body = form_encode(ex->curl, form);
	referer = xstrdup(ex->page_url);
	log_info("approval: submitting the approval form to %s", host);
	ex->outcome->submitted = true;
	if (exchange_fetch(ex, target, body, referer) == 0)
		exchange_classify_result(ex, host);
out:
	free(target);
	free(names);
	free(host);
	free(body);
	free(referer);
}

static void
exchange_run(struct exchange *ex, const char *url)
{
	struct approve_form form;
	char *host = url_host(url);

	log_info("approval: opening the approval page on %s", host);
	free(host);
	if (exchange_fetch(ex, url, NULL, NULL) != 0)
		return;
	if (ex->status != 200 || approve_page_find_form(ex->body.data,
	    ex->body.len, ex->charset, &form) != 0) {
		exchange_classify_formless(ex);
		return;
	}
	register_form_secrets(&form);
	exchange_submit(ex, &form);
	approve_form_free(&form);
}

int
approve_exchange_run(const char *url,
    const struct approve_exchange_options *opts,
    struct approve_outcome *outcome)
{
	struct exchange ex = {.opts = opts, .outcome = outcome};
	struct approval_link link = {0};
	const char *reason = "the link is missing";
	enum approve_result r;

	memset(outcome, 0, sizeof(*outcome));
	if (url != NULL)
		register_link_secrets(url);
	if (url == NULL || link_validate(url, &link, &reason) != 0)
		exchange_set_outcome(&ex, APPROVE_UNEXPECTED, "invalid "
		    "approval link: %s; nothing was requested", reason);
	else if (exchange_setup(&ex) != 0)
		exchange_set_outcome(&ex, APPROVE_FAILED, "cannot set up "
		    "libcurl");
	else
		exchange_run(&ex, url);

	r = outcome->result;
	if (r == APPROVE_APPROVED || r == APPROVE_ALREADY_APPROVED)
		log_info("approval: %s: %s", approve_result_name(r),
		    outcome->detail);
	else if (r != APPROVE_DRY_RUN && r != APPROVE_FAILED)
		log_warn("approval: %s: %s%s%s", approve_result_name(r),
		    outcome->detail, outcome->saved_page != NULL ?
		    "; page saved as " : "", outcome->saved_page != NULL ?
		    outcome->saved_page : "");

	approval_link_free(&link);
	curl_easy_cleanup(ex.curl);
	curl_slist_free_all(ex.connect_to);
	curl_slist_free_all(ex.post_headers);
	buf_free(&ex.body);
	free(ex.page_url);
	free(ex.charset);
	return r == APPROVE_APPROVED || r == APPROVE_ALREADY_APPROVED ||
	    r == APPROVE_DRY_RUN ? 0 : -1;
}
