#include "parse/links.h"

#include <ctype.h>
#include <glib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/str.h"
#include "parse/regex.h"

/* Length of a UUID in its 8-4-4-4-12 text form. */
#define UUID_LEN 36
/* Wrappers inside wrappers are unwrapped this many times at most. */
#define UNWRAP_MAX 4

enum {
	RE_URL_TEXT,
	RE_APPROVAL_URL,
	RE_REGION,
	RE_HOST_ACM,
	RE_HOST_ACM_CN,
	RE_HOST_LEGACY,
	RE_SAFELINKS,
	RE_PROOFPOINT_V2,
	RE_PROOFPOINT_V3,
	RE_COUNT,
};

static const struct {
	const char *pattern;
	uint32_t options;
} pattern_table[RE_COUNT] = {
	[RE_URL_TEXT] = { "https?://[^\\s<>\"'()\\[\\]{}]+", PCRE2_CASELESS },
	/* The authority allows only host name characters, so userinfo,
	 * percent escapes, backslashes and non-ASCII hosts do not match. */
	[RE_APPROVAL_URL] = { "^https://([A-Za-z0-9.-]+)(:443)?"
	    "(?-i)/approvals\\?([A-Za-z0-9._~=&%-]*)$", PCRE2_CASELESS },
	[RE_REGION] = { "^(?:(us-gov|us-iso|us-isob)|(cn)|(us|eu|ap|sa|ca|"
	    "me|af|il|mx))-(?:north|south|east|west|central|northeast|"
	    "northwest|southeast|southwest)-[1-9][0-9]?$", 0 },
	[RE_HOST_ACM] = { "^([a-z0-9-]+)\\.acm-certificates\\.amazon\\.com$",
	    0 },
	[RE_HOST_ACM_CN] = { "^([a-z0-9-]+)\\.acm-certificates\\."
	    "amazonaws\\.cn$", 0 },
	[RE_HOST_LEGACY] = { "^([a-z0-9-]+)\\.certificates\\.amazon\\.com$",
	    0 },
	[RE_SAFELINKS] = { "^https://[a-z0-9-]+\\.safelinks\\.protection\\."
	    "outlook\\.com/?\\?(.*)$", PCRE2_CASELESS | PCRE2_DOTALL },
	[RE_PROOFPOINT_V2] = { "^https?://urldefense\\.proofpoint\\.com/v2/"
	    "url\\?(.*)$", PCRE2_CASELESS | PCRE2_DOTALL },
	[RE_PROOFPOINT_V3] = { "^https?://urldefense\\.com/v3/__(.+?)__;"
	    "([A-Za-z0-9_-]*)!", PCRE2_CASELESS | PCRE2_DOTALL },
};

static pcre2_code *patterns[RE_COUNT];
static pthread_once_t patterns_once = PTHREAD_ONCE_INIT;

static void
compile_patterns(void)
{
	for (int i = 0; i < RE_COUNT; i++)
		patterns[i] = regex_compile(pattern_table[i].pattern,
		    pattern_table[i].options);
}

static const pcre2_code *
pattern(int id)
{
	pthread_once(&patterns_once, compile_patterns);
	return patterns[id];
}

const char *
link_region_partition(const char *region)
{
	size_t ov[8];

	if (region == NULL ||
	    regex_match(pattern(RE_REGION), region, strlen(region), 0, ov,
	    4) <= 0)
		return NULL;
	if (ov[4] != PCRE2_UNSET)
		return "aws-cn";
	if (ov[2] == PCRE2_UNSET)
		return "aws";
	if (strncmp(region, "us-gov-", 7) == 0)
		return "aws-us-gov";
	if (strncmp(region, "us-isob-", 8) == 0)
		return "aws-iso-b";
	return "aws-iso";
}

/* Returns the value of query parameter name (percent escapes kept), a
 * newly allocated string; NULL when absent; *count gets the occurrences. */
static char *
query_param(const char *query, const char *name, int *count)
{
	size_t name_len = strlen(name);
	char *value = NULL;
	const char *p = query;

	*count = 0;
	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > name_len && strncmp(p, name, name_len) == 0 &&
		    p[name_len] == '=') {
			(*count)++;
			if (value == NULL)
				value = xstrndup(p + name_len + 1,
				    len - name_len - 1);
		}
		p = end ? end + 1 : NULL;
	}
	return value;
}

/* Returns the region named by a context's hex tail, or NULL. */
static char *
context_region(const char *context)
{
	size_t len = strlen(context), tail;
	struct buf out = { 0 };

	if (len <= UUID_LEN || context[8] != '-' || context[23] != '-')
		return NULL;
	tail = len - UUID_LEN;
	if (tail % 2 != 0 || tail > 64)
		return NULL;
	for (size_t i = UUID_LEN; i < len; i += 2) {
		int hi = g_ascii_xdigit_value(context[i]);
		int lo = g_ascii_xdigit_value(context[i + 1]);
		char c = (char)(hi * 16 + lo);

		if (hi < 0 || lo < 0 || !(isalnum((unsigned char)c) ||
		    c == '-')) {
			buf_free(&out);
			return NULL;
		}
		buf_append_char(&out, c);
	}
	return buf_steal(&out);
}

/* Checks the host and sets link->region; returns a reason or NULL. */
static const char *
check_host(struct approval_link *link)
{
	static const int hosts[] = { RE_HOST_ACM, RE_HOST_ACM_CN,
	    RE_HOST_LEGACY };
	const char *host = link->host, *partition;
	size_t ov[4];

	if (strcmp(host, "certificates.amazon.com") == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		if (regex_match(pattern(hosts[i]), host, strlen(host), 0, ov,
		    2) <= 0)
			continue;
		link->region = regex_group(host, ov, 1);
		partition = link_region_partition(link->region);
		if (partition == NULL)
			return "the host's region label is not an AWS region";
		if ((strcmp(partition, "aws-cn") == 0) !=
		    (hosts[i] == RE_HOST_ACM_CN))
			return "the host's region is not in the host's "
			    "partition";
		if (strncmp(partition, "aws-iso", 7) == 0)
			return "the host's region has no approval site";
		return NULL;
	}
	return "the host is not an ACM approval host";
}

/* Reads code and context from the query; returns a reason or NULL. */
static const char *
check_query(struct approval_link *link, const char *query)
{
	int codes, contexts;

	link->code = query_param(query, "code", &codes);
	link->context = query_param(query, "context", &contexts);
	if (codes == 0 || contexts == 0)
		return "the code or context parameter is missing";
	if (codes > 1 || contexts > 1)
		return "the code or context parameter appears twice";
	if (strchr(link->code, '%') != NULL ||
	    strchr(link->context, '%') != NULL)
		return "the code or context parameter is percent-encoded";
	if (*link->code == '\0' || *link->context == '\0')
		return "the code or context parameter is empty";
	link->context_region = context_region(link->context);
	return NULL;
}

int
link_validate(const char *url, struct approval_link *link,
    const char **reason)
{
	size_t ov[8];
	char *query = NULL;
	const char *failure = NULL;

	memset(link, 0, sizeof(*link));
	if (regex_match(pattern(RE_APPROVAL_URL), url, strlen(url), 0, ov,
	    4) <= 0) {
		failure = "not an https link to /approvals on a plain host "
		    "name";
		goto out;
	}
	link->url = xstrdup(url);
	link->host = str_lower(regex_group(url, ov, 1));
	query = regex_group(url, ov, 3);
	if (strncmp(url, "https", 5) != 0)
		failure = "the scheme is not lower-case https";
	if (failure == NULL)
		failure = check_host(link);
	if (failure == NULL)
		failure = check_query(link, query);
out:
	free(query);
	if (failure != NULL) {
		approval_link_free(link);
		if (reason != NULL)
			*reason = failure;
		return -1;
	}
	return 0;
}

void
approval_link_free(struct approval_link *link)
{
	free(link->url);
	free(link->host);
	free(link->region);
	free(link->code);
	free(link->context);
	free(link->context_region);
	memset(link, 0, sizeof(*link));
}

/* Percent-decodes s; returns NULL on a malformed escape. */
static char *
percent_decode(const char *s, size_t len)
{
	struct buf out = { 0 };

	/* Allocate now, so out.data is a string even when s is empty. */
	buf_append(&out, "", 0);
	if (str_uri_decode(&out, s, len, false) != 0 ||
	    memchr(out.data ? out.data : "", '\0', out.len) != NULL) {
		buf_free(&out);
		return NULL;
	}
	return out.data ? buf_steal(&out) : xstrdup("");
}

static char *
unwrap_safelinks(const char *query)
{
	char *value, *url;
	int count;

	value = query_param(query, "url", &count);
	if (value == NULL || count != 1) {
		free(value);
		return NULL;
	}
	url = percent_decode(value, strlen(value));
	free(value);
	return url;
}

/* URL Defense v2 writes '%' as '-' and '/' as '_' in its u parameter. */
static char *
unwrap_proofpoint_v2(const char *query)
{
	char *value, *url;
	int count;

	value = query_param(query, "u", &count);
	if (value == NULL || count != 1) {
		free(value);
		return NULL;
	}
	for (char *p = value; *p; p++) {
		if (*p == '-')
			*p = '%';
		else if (*p == '_')
			*p = '/';
	}
	url = percent_decode(value, strlen(value));
	free(value);
	return url;
}

/* Maps a URL Defense v3 run-length letter to its length, or -1. */
static int
v3_run_length(char c)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *p = c ? strchr(alphabet, c) : NULL;

	return p ? (int)(p - alphabet) + 2 : -1;
}

/*
 * URL Defense v3 replaces some characters of the URL with '*' and keeps
 * them, base64url-encoded, after "__;": "*" takes the next character and
 * "**X" the next run of characters whose length X encodes.
 */
static char *
unwrap_proofpoint_v3(const char *wrapped, const char *encoded)
{
	struct buf b64 = { 0 }, out = { 0 };
	guchar *bytes = NULL;
	gsize count = 0;
	const char *next, *end;
	char *result = NULL;

	buf_append_str(&b64, encoded);
	for (size_t i = 0; i < b64.len; i++)
		b64.data[i] = b64.data[i] == '-' ? '+' :
		    b64.data[i] == '_' ? '/' : b64.data[i];
	while (b64.len % 4 != 0)
		buf_append_char(&b64, '=');
	bytes = g_base64_decode(b64.data ? b64.data : "", &count);
	if (!g_utf8_validate((const char *)bytes, (gssize)count, NULL))
		goto out;
	next = (const char *)bytes;
	end = next + count;
	for (const char *p = wrapped; *p; p++) {
		int run = 1;
		const char *stop;

		if (*p != '*') {
			buf_append_char(&out, *p);
			continue;
		}
		if (p[1] == '*') {
			run = v3_run_length(p[2]);
			if (run < 0)
				goto out;
			p += 2;
		}
		for (stop = next; run > 0 && stop < end; run--)
			stop = g_utf8_next_char(stop);
		if (run > 0 || stop > end)
			goto out;
		buf_append(&out, next, (size_t)(stop - next));
		next = stop;
	}
	result = buf_steal(&out);
out:
	g_free(bytes);
	buf_free(&b64);
	buf_free(&out);
	return result;
}

/* Returns the unwrapped URL, a copy of url when not wrapped, or NULL. */
static char *
unwrap_once(const char *url, bool *wrapped)
{
	size_t ov[6], len = strlen(url);
	char *first, *second, *inner = NULL;

	*wrapped = true;
	if (regex_match(pattern(RE_SAFELINKS), url, len, 0, ov, 2) > 0) {
		first = regex_group(url, ov, 1);
		inner = unwrap_safelinks(first);
		free(first);
	} else if (regex_match(pattern(RE_PROOFPOINT_V2), url, len, 0, ov,
	    2) > 0) {
		first = regex_group(url, ov, 1);
		inner = unwrap_proofpoint_v2(first);
		free(first);
	} else if (regex_match(pattern(RE_PROOFPOINT_V3), url, len, 0, ov,
	    3) > 0) {
		first = regex_group(url, ov, 1);
		second = regex_group(url, ov, 2);
		inner = unwrap_proofpoint_v3(first, second);
		free(first);
		free(second);
	} else {
		*wrapped = false;
		inner = xstrdup(url);
	}
	return inner;
}

char *
link_unwrap(const char *url)
{
	char *current = xstrdup(url), *inner;
	bool wrapped = true;

	for (int i = 0; i < UNWRAP_MAX && wrapped; i++) {
		inner = unwrap_once(current, &wrapped);
		free(current);
		current = inner;
		if (current == NULL)
			return NULL;
	}
	if (wrapped) {
		free(current);
		return NULL;
	}
	return current;
}

void
link_extract_text(const char *text, size_t len, link_fn fn, void *arg)
{
	size_t ov[2], offset = 0;

	while (offset < len &&
	    regex_match(pattern(RE_URL_TEXT), text, len, offset, ov, 1) > 0) {
		size_t start = ov[0], end = ov[1];

		while (end > start && strchr(".,;:!?", text[end - 1]) != NULL)
			end--;
		fn(text + start, end - start, arg);
		offset = ov[1] > offset ? ov[1] : offset + 1;
	}
}

bool
link_looks_like_approval(const char *url)
{
	char *lower = str_lower(xstrdup(url));
	bool looks;

	looks = strstr(lower, "/approvals") != NULL ||
	    strstr(lower, "certificates.amazon") != NULL ||
	    strstr(lower, "acm-certificates") != NULL ||
	    (strstr(lower, "code=") != NULL &&
	    strstr(lower, "context=") != NULL);
	free(lower);
	return looks;
}
