/*
 * Unit tests for aws/sigv4: the AWS SigV4 test suite (a directory of cases
 * with a context.json, a request.txt and the expected canonical request,
 * string to sign and signature for header and query signing), then cases
 * of this project's own.  The expected values of the own cases come from
 * tests/tools/sigv4_expected.py, a separate implementation on Python's
 * hmac and hashlib.
 *
 * The suite is read from $SIGV4_SUITE_DIR, else from SUITE_RELATIVE_DIR
 * beside the source tree.  Without it the suite checks are skipped.
 */
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/sigv4.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/str.h"
#include "tests/unit/tap.h"

#define SUITE_RELATIVE_DIR "../shared/conformance/sigv4"
#define MAX_SUITE_PARAMS 32

/* A request.txt split into what struct sigv4_request takes. */
struct suite_request {
	char *method;
	char *path;			/* as on the request line */
	struct strlist strings;		/* owns every name and value */
	struct aws_param query[MAX_SUITE_PARAMS];
	size_t query_count;
	struct aws_param headers[MAX_SUITE_PARAMS];
	size_t header_count;
	struct buf body;
};

/* A case's context.json. */
struct suite_context {
	struct json_object *json;
	struct sigv4_credentials credentials;
	const char *region;
	const char *service;
	time_t time;
	long expires;
	unsigned int flags;
};

static bool
is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Returns the file's contents, or NULL when it cannot be read. */
static char *
read_text(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	struct buf text = {0};
	char chunk[4096];
	size_t n;

	free(path);
	if (f == NULL)
		return NULL;
	buf_append_str(&text, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&text, chunk, n);
	fclose(f);
	return buf_steal(&text);
}

static const char *
json_text(struct json_object *obj, const char *key)
{
	struct json_object *member;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &member))
		return NULL;
	return json_object_get_string(member);
}

static bool
json_flag(struct json_object *obj, const char *key)
{
	struct json_object *member;

	return json_object_object_get_ex(obj, key, &member) &&
	    json_object_get_boolean(member);
}

static int
parse_timestamp(const char *text, time_t *out)
{
	struct tm tm = {0};

	if (text == NULL || sscanf(text, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	    &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return 0;
}

static int
load_context(const char *dir, struct suite_context *ctx)
{
	char *path = xasprintf("%s/context.json", dir);
	struct json_object *creds = NULL, *expires;

	memset(ctx, 0, sizeof(*ctx));
	ctx->json = json_object_from_file(path);
	free(path);
	if (ctx->json == NULL ||
	    !json_object_object_get_ex(ctx->json, "credentials", &creds) ||
	    parse_timestamp(json_text(ctx->json, "timestamp"),
	    &ctx->time) != 0)
		return -1;
	ctx->credentials.access_key_id = json_text(creds, "access_key_id");
	ctx->credentials.secret_access_key =
	    json_text(creds, "secret_access_key");
	ctx->credentials.session_token = json_text(creds, "token");
	ctx->region = json_text(ctx->json, "region");
	ctx->service = json_text(ctx->json, "service");
	if (json_object_object_get_ex(ctx->json, "expiration_in_seconds",
	    &expires))
		ctx->expires = json_object_get_int64(expires);
	/* The suite's paths are the request line's, already in wire form,
	 * and are always encoded once more for the canonical request. */
	ctx->flags = SIGV4_PATH_ENCODED;
	if (!json_flag(ctx->json, "normalize"))
		ctx->flags |= SIGV4_NO_NORMALIZE;
	if (json_flag(ctx->json, "sign_body"))
		ctx->flags |= SIGV4_CONTENT_SHA256;
	if (json_flag(ctx->json, "omit_session_token"))
		ctx->flags |= SIGV4_TOKEN_UNSIGNED;
	return 0;
}

static char *
keep_string(struct suite_request *r, char *s)
{
	strlist_add_owned(&r->strings, s);
	return s;
}

static char *
decode_component(const char *s, size_t len)
{
	struct buf out = {0};

	buf_append_str(&out, "");
	if (str_uri_decode(&out, s, len, false) != 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out);
}

/* Splits "a=1&b=2" into decoded parameters. */
static int
parse_query(struct suite_request *r, const char *query)
{
	while (*query != '\0') {
		size_t len = strcspn(query, "&");
		const char *eq = memchr(query, '=', len);
		size_t name_len = eq != NULL ? (size_t)(eq - query) : len;
		char *name = decode_component(query, name_len);
		char *value = eq != NULL ?
		    decode_component(eq + 1, len - name_len - 1) : xstrdup("");

		if (name == NULL || value == NULL ||
		    r->query_count == MAX_SUITE_PARAMS) {
			free(name);
			free(value);
			return -1;
		}
		r->query[r->query_count].name = keep_string(r, name);
		r->query[r->query_count++].value = keep_string(r, value);
		query += len;
		if (*query == '&')
			query++;
	}
	return 0;
}

/* Splits "GET /path?query HTTP/1.1"; the path may contain spaces. */
static int
parse_request_line(struct suite_request *r, const char *line)
{
	const char *space = strchr(line, ' ');
	const char *version = strstr(line, " HTTP/");
	char *target, *question;

	if (space == NULL || version == NULL || version <= space)
		return -1;
	r->method = keep_string(r, xstrndup(line, (size_t)(space - line)));
	target = xstrndup(space + 1, (size_t)(version - space - 1));
	question = strchr(target, '?');
	if (question != NULL)
		*question = '\0';
	r->path = keep_string(r, target);
	return question != NULL ? parse_query(r, question + 1) : 0;
}

/*
 * Adds a "Name:value" line, or continues the previous header's value when
 * the line starts with white space (an obsolete folded header line).
 */
static int
parse_header_line(struct strlist *lines, const char *line)
{
	if ((line[0] == ' ' || line[0] == '\t') && lines->count > 0) {
		char **last = &lines->items[lines->count - 1];
		char *joined = xasprintf("%s\n%s", *last, line);

		free(*last);
		*last = joined;
		return 0;
	}
	if (strchr(line, ':') == NULL || lines->count == MAX_SUITE_PARAMS)
		return -1;
	strlist_add(lines, line);
	return 0;
}

static void
take_headers(struct suite_request *r, struct strlist *lines)
{
	for (size_t i = 0; i < lines->count; i++) {
		char *line = keep_string(r, lines->items[i]);
		char *colon = strchr(line, ':');

		*colon = '\0';
		r->headers[r->header_count].name = line;
		r->headers[r->header_count++].value = colon + 1;
	}
	free(lines->items);
	memset(lines, 0, sizeof(*lines));
}

static int
parse_request(const char *text, struct suite_request *r)
{
	struct strlist lines = {0};
	const char *p = text;
	int line_number = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	buf_append_str(&r->body, "");
	while (*p != '\0' && rc == 0) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len);

		if (len > 0 && line[len - 1] == '\r')
			line[len - 1] = '\0';
		p += len + (p[len] == '\n');
		if (line_number++ == 0) {
			rc = parse_request_line(r, line);
		} else if (*line == '\0') {
			buf_append_str(&r->body, p);
			free(line);
			break;
		} else {
			rc = parse_header_line(&lines, line);
		}
		free(line);
	}
	take_headers(r, &lines);
	return rc == 0 && r->method != NULL ? 0 : -1;
}

static void
free_request(struct suite_request *r)
{
	strlist_free(&r->strings);
	buf_free(&r->body);
}

/* Compares got with the case's file byte for byte. */
static void
check_file(const char *dir, const char *name, const char *file,
    const char *got)
{
	char *expected = read_text(dir, file);

	if (expected == NULL) {
		ok(false, "%s: %s readable", name, file);
		return;
	}
	is_str(got, expected, "%s: %s", name, file);
	free(expected);
}

/* Returns the value of the Authorization line of a signed request. */
static char *
find_authorization(const char *signed_request)
{
	const char *line = signed_request != NULL ?
	    strstr(signed_request, "\nAuthorization:") : NULL;

	if (line == NULL)
		return NULL;
	line += strlen("\nAuthorization:");
	return xstrndup(line, strcspn(line, "\r\n"));
}

static void
fill_request(struct sigv4_request *req, const struct suite_request *r,
    const struct suite_context *ctx)
{
	memset(req, 0, sizeof(*req));
	req->method = r->method;
	req->path = r->path;
	req->query = r->query;
	req->query_count = r->query_count;
	req->headers = r->headers;
	req->header_count = r->header_count;
	req->payload = r->body.data;
	req->payload_len = r->body.len;
	req->region = ctx->region;
	req->service = ctx->service;
	req->credentials = &ctx->credentials;
	req->time = ctx->time;
	req->flags = ctx->flags;
}

static void
check_header_signing(const char *dir, const char *name,
    const struct sigv4_request *req)
{
	struct sigv4_result res;
	char *signed_request, *authorization;

	if (!ok(sigv4_sign_headers(req, &res) == 0, "%s: header signing",
	    name))
		return;
	check_file(dir, name, "header-canonical-request.txt",
	    res.canonical_request);
	check_file(dir, name, "header-string-to-sign.txt",
	    res.string_to_sign);
	check_file(dir, name, "header-signature.txt", res.signature);
	signed_request = read_text(dir, "header-signed-request.txt");
	authorization = find_authorization(signed_request);
	is_str(res.authorization, authorization, "%s: Authorization", name);
	free(authorization);
	free(signed_request);
	sigv4_result_free(&res);
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the query's parameters sorted and joined with '&' again. */
static char *
sort_query(const char *query)
{
	struct strlist parts = {0};
	struct buf out = {0};

	while (query != NULL && *query != '\0') {
		size_t len = strcspn(query, "&");

		strlist_add_owned(&parts, xstrndup(query, len));
		query += len + (query[len] == '&');
	}
	if (parts.count > 0)
		qsort(parts.items, parts.count, sizeof(*parts.items),
		    compare_strings);
	buf_append_str(&out, "");
	for (size_t i = 0; i < parts.count; i++)
		buf_printf(&out, "%s%s", i > 0 ? "&" : "", parts.items[i]);
	strlist_free(&parts);
	return buf_steal(&out);
}

/*
 * Returns query with each name and value decoded and encoded again, so raw
 * UTF-8 on a request line compares equal to its %XX form.
 */
static char *
reencode_query(const char *query)
{
	struct buf out = {0};

	buf_append_str(&out, "");
	while (*query != '\0') {
		size_t len = strcspn(query, "&");
		const char *eq = memchr(query, '=', len);
		size_t name_len = eq != NULL ? (size_t)(eq - query) : len;
		char *name = decode_component(query, name_len);
		char *value = eq != NULL ?
		    decode_component(eq + 1, len - name_len - 1) : xstrdup("");

		if (out.len > 0)
			buf_append_char(&out, '&');
		if (name != NULL && value != NULL) {
			str_uri_encode(&out, name, strlen(name), false);
			buf_append_char(&out, '=');
			str_uri_encode(&out, value, strlen(value), false);
		}
		free(name);
		free(value);
		query += len + (query[len] == '&');
	}
	return buf_steal(&out);
}

/* Returns the query of a signed request's request line, sorted. */
static char *
signed_request_query(const char *dir)
{
	char *text = read_text(dir, "query-signed-request.txt");
	char *query = NULL, *encoded, *sorted;
	const char *question, *version;

	if (text == NULL)
		return NULL;
	question = strchr(text, '?');
	version = strstr(text, " HTTP/");
	if (question != NULL && version != NULL && question < version)
		query = xstrndup(question + 1,
		    (size_t)(version - question - 1));
	free(text);
	if (query == NULL)
		return NULL;
	encoded = reencode_query(query);
	sorted = sort_query(encoded);
	free(encoded);
	free(query);
	return sorted;
}

static void
check_query_signing(const char *dir, const char *name,
    const struct sigv4_request *req, long expires)
{
	struct sigv4_result res;
	char *expected_query, *got_query;

	if (!ok(sigv4_presign(req, expires, &res) == 0, "%s: query signing",
	    name))
		return;
	check_file(dir, name, "query-canonical-request.txt",
	    res.canonical_request);
	check_file(dir, name, "query-string-to-sign.txt",
	    res.string_to_sign);
	check_file(dir, name, "query-signature.txt", res.signature);
	expected_query = signed_request_query(dir);
	got_query = sort_query(res.url_query);
	is_str(got_query, expected_query, "%s: presigned query parameters",
	    name);
	free(expected_query);
	free(got_query);
	sigv4_result_free(&res);
}

static void
run_suite_case(const char *suite, const char *name)
{
	char *dir = xasprintf("%s/%s", suite, name);
	char *text = read_text(dir, "request.txt"), *query_file;
	struct suite_context ctx;
	struct suite_request r = {0};
	struct sigv4_request req;

	if (!ok(load_context(dir, &ctx) == 0, "%s: context.json", name) ||
	    !ok(text != NULL && parse_request(text, &r) == 0,
	    "%s: request.txt", name))
		goto out;
	fill_request(&req, &r, &ctx);
	check_header_signing(dir, name, &req);
	query_file = xasprintf("%s/query-canonical-request.txt", dir);
	if (access(query_file, R_OK) == 0)
		check_query_signing(dir, name, &req, ctx.expires);
	free(query_file);
out:
	free_request(&r);
	json_object_put(ctx.json);
	free(text);
	free(dir);
}

/* Returns the suite directory, or NULL when there is none. */
static char *
find_suite(bool *from_env)
{
	const char *env = getenv("SIGV4_SUITE_DIR");
	const char *source = __FILE__;
	const char *tail = strstr(source, "tests/unit/test_sigv4.c");
	char *path;

	*from_env = env != NULL && *env != '\0';
	if (*from_env)
		return xstrdup(env);
	if (is_directory(SUITE_RELATIVE_DIR))
		return xstrdup(SUITE_RELATIVE_DIR);
	if (tail == NULL)
		return NULL;
	path = xasprintf("%.*s%s", (int)(tail - source), source,
	    SUITE_RELATIVE_DIR);
	if (is_directory(path))
		return path;
	free(path);
	return NULL;
}

/* Collects the names of the case directories, sorted. */
static void
list_cases(const char *suite, struct strlist *cases)
{
	DIR *d = opendir(suite);
	struct dirent *entry;

	if (d == NULL)
		return;
	while ((entry = readdir(d)) != NULL) {
		char *context;

		if (entry->d_name[0] == '.')
			continue;
		context = xasprintf("%s/%s/context.json", suite,
		    entry->d_name);
		if (access(context, R_OK) == 0)
			strlist_add(cases, entry->d_name);
		free(context);
	}
	closedir(d);
	if (cases->count > 0)
		qsort(cases->items, cases->count, sizeof(*cases->items),
		    compare_strings);
}

static void
test_suite(void)
{
	struct strlist cases = {0};
	bool from_env;
	char *suite = find_suite(&from_env);

	if (suite == NULL || !is_directory(suite)) {
		if (from_env)
			ok(false, "SigV4 suite in SIGV4_SUITE_DIR=%s", suite);
		else
			tap_skip("SigV4 test suite not found at %s (set "
			    "SIGV4_SUITE_DIR)", SUITE_RELATIVE_DIR);
		free(suite);
		return;
	}
	list_cases(suite, &cases);
	ok(cases.count > 0, "SigV4 suite has cases in %s", suite);
	for (size_t i = 0; i < cases.count; i++)
		run_suite_case(suite, cases.items[i]);
	printf("# ran %zu SigV4 suite cases from %s\n", cases.count, suite);
	strlist_free(&cases);
	free(suite);
}

/* The own cases sign at 2024-02-29T23:59:59Z in eu-west-1. */
#define OWN_TIME ((time_t)1709251199)
#define OWN_REGION "eu-west-1"
#define OWN_TOKEN "FwoGZXIvYXdzEXAMPLEsessiontoken/with+slash=="
#define OWN_BUCKET_HOST "acm-inbox-mail.s3.eu-west-1.amazonaws.com"
#define EMPTY_HASH \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct sigv4_credentials own_credentials = {
	.access_key_id = "AKIDEXAMPLE",
	.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	.session_token = OWN_TOKEN,
};

static const struct sigv4_credentials own_credentials_no_token = {
	.access_key_id = "AKIDEXAMPLE",
	.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

static void
own_request(struct sigv4_request *req, const char *service,
    const struct aws_param *headers, size_t header_count)
{
	memset(req, 0, sizeof(*req));
	req->method = "GET";
	req->path = "/";
	req->headers = headers;
	req->header_count = header_count;
	req->region = OWN_REGION;
	req->service = service;
	req->credentials = &own_credentials;
	req->time = OWN_TIME;
}

static void
test_s3_object_key(void)
{
	const struct aws_param headers[] = {{"Host", OWN_BUCKET_HOST}};
	struct sigv4_request req;
	struct sigv4_result res;

	own_request(&req, "s3", headers, 1);
	req.path = "/my key+%~*\xe1\x88\xb4/./a//b";
	req.flags = SIGV4_S3 | SIGV4_CONTENT_SHA256;
	if (!ok(sigv4_sign_headers(&req, &res) == 0, "s3 key: signs"))
		return;
	is_str(res.canonical_request, "GET\n"
	    "/my%20key%2B%25~%2A%E1%88%B4/./a//b\n"
	    "\n"
	    "host:" OWN_BUCKET_HOST "\n"
	    "x-amz-content-sha256:" EMPTY_HASH "\n"
	    "x-amz-date:20240229T235959Z\n"
	    "x-amz-security-token:" OWN_TOKEN "\n"
	    "\n"
	    "host;x-amz-content-sha256;x-amz-date;x-amz-security-token\n"
	    EMPTY_HASH, "s3 key: canonical request");
	is_str(res.string_to_sign, "AWS4-HMAC-SHA256\n20240229T235959Z\n"
	    "20240229/eu-west-1/s3/aws4_request\n"
	    "2fc03e25e564ec9447f54e07b52e391780eca00e183ef68be1265388809cb685",
	    "s3 key: string to sign");
	is_str(res.signature,
	    "ace0e211767c730fee4366767fd5d563295c85d4640504bf04161e8725a18ddf",
	    "s3 key: signature");
	is_str(res.authorization, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
	    "20240229/eu-west-1/s3/aws4_request, SignedHeaders=host;"
	    "x-amz-content-sha256;x-amz-date;x-amz-security-token, "
	    "Signature="
	    "ace0e211767c730fee4366767fd5d563295c85d4640504bf04161e8725a18ddf",
	    "s3 key: Authorization");
	is_str(res.url_path, "/my%20key%2B%25~%2A%E1%88%B4/./a//b",
	    "s3 key: wire path encoded once, dots and slashes kept");
	is_str(res.url_query, "", "s3 key: empty query");
	is_int(res.headers.count, 3, "s3 key: three headers to add");
	if (res.headers.count == 3) {
		is_str(res.headers.items[0], "x-amz-date: 20240229T235959Z",
		    "s3 key: x-amz-date header");
		is_str(res.headers.items[1], "x-amz-security-token: "
		    OWN_TOKEN, "s3 key: session token header");
		is_str(res.headers.items[2], "x-amz-content-sha256: "
		    EMPTY_HASH, "s3 key: content hash header");
	}
	sigv4_result_free(&res);
}

static const struct aws_param own_query[] = {
	{"prefix", "a/b+c=d~e*f \xe1\x88\xb4"},
	{"list-type", "2"},
	{"empty", ""},
	{"\xe1\x88\xb4 key", "v"},
	{"k", "b"},
	{"k", "a"},
	{"k", NULL},
};

#define OWN_CANONICAL_QUERY \
	"%E1%88%B4%20key=v&empty=&k=&k=a&k=b&list-type=2&" \
	"prefix=a%2Fb%2Bc%3Dd~e%2Af%20%E1%88%B4"

static void
test_query_encoding(void)
{
	const struct aws_param headers[] = {{"host", OWN_BUCKET_HOST}};
	struct sigv4_request req;
	struct sigv4_result res;
	struct buf query = {0};

	sigv4_encode_query(&query, own_query, 7);
	is_str(query.data, OWN_CANONICAL_QUERY,
	    "query: encoded and sorted by name, then value");
	buf_free(&query);

	own_request(&req, "s3", headers, 1);
	req.credentials = &own_credentials_no_token;
	req.query = own_query;
	req.query_count = 7;
	req.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	req.flags = SIGV4_S3;
	if (!ok(sigv4_sign_headers(&req, &res) == 0, "query: signs"))
		return;
	is_str(res.canonical_request, "GET\n/\n" OWN_CANONICAL_QUERY "\n"
	    "host:" OWN_BUCKET_HOST "\n"
	    "x-amz-date:20240229T235959Z\n"
	    "\n"
	    "host;x-amz-date\n"
	    "UNSIGNED-PAYLOAD", "query: canonical request");
	is_str(res.string_to_sign, "AWS4-HMAC-SHA256\n20240229T235959Z\n"
	    "20240229/eu-west-1/s3/aws4_request\n"
	    "d485f823d32f8eb9747524f948cf1386451b5b543c55083ae4fe4c6b04de1401",
	    "query: string to sign");
	is_str(res.signature,
	    "9f3807150a317ad35178f0ad92e49f0917559de80e4b6af419ed6b49737be3c2",
	    "query: signature");
	is_str(res.url_query, OWN_CANONICAL_QUERY, "query: wire query");
	is_int(res.headers.count, 1, "query: only x-amz-date to add");
	sigv4_result_free(&res);
}

static void
test_double_encoding(void)
{
	const struct aws_param headers[] = {
		{"Host", "email.eu-west-1.amazonaws.com"},
		{"My-Header", "  a \r\n\t b   c "},
	};
	struct sigv4_request req;
	struct sigv4_result res;

	own_request(&req, "ses", headers, 2);
	req.credentials = &own_credentials_no_token;
	req.method = "POST";
	req.path = "/dir one/a+b/../\xe1\x88\xb4";
	req.payload = "Action=X";
	req.payload_len = strlen("Action=X");
	if (!ok(sigv4_sign_headers(&req, &res) == 0, "ses path: signs"))
		return;
	is_str(res.canonical_request, "POST\n"
	    "/dir%2520one/%25E1%2588%25B4\n"
	    "\n"
	    "host:email.eu-west-1.amazonaws.com\n"
	    "my-header:a b c\n"
	    "x-amz-date:20240229T235959Z\n"
	    "\n"
	    "host;my-header;x-amz-date\n"
	    "3b173cc483d5aca8322d8211dc94655130607dbcb351953b49907bdb997ddc01",
	    "ses path: normalized, encoded twice, value folded");
	is_str(res.signature,
	    "8a9cd981dcda61f1fc7fcf94ab4f19236ae2a707df17703009b08aae76e548f5",
	    "ses path: signature");
	is_str(res.url_path, "/dir%20one/%E1%88%B4",
	    "ses path: wire path encoded once");
	is_int(res.headers.count, 1, "ses path: no content hash header");
	sigv4_result_free(&res);
}

static void
test_presign(void)
{
	const struct aws_param headers[] = {{"host", OWN_BUCKET_HOST}};
	const struct aws_param query[] = {{"versionId", "v1/2=3"}};
	struct sigv4_request req;
	struct sigv4_result res;

	own_request(&req, "s3", headers, 1);
	req.path = "/reports/a b+c.eml";
	req.query = query;
	req.query_count = 1;
	req.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	req.flags = SIGV4_S3 | SIGV4_CONTENT_SHA256;
	if (!ok(sigv4_presign(&req, 900, &res) == 0, "presign: signs"))
		return;
	is_str(res.canonical_request, "GET\n"
	    "/reports/a%20b%2Bc.eml\n"
	    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE"
	    "%2F20240229%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date="
	    "20240229T235959Z&X-Amz-Expires=900&X-Amz-Security-Token="
	    "FwoGZXIvYXdzEXAMPLEsessiontoken%2Fwith%2Bslash%3D%3D&"
	    "X-Amz-SignedHeaders=host&versionId=v1%2F2%3D3\n"
	    "host:" OWN_BUCKET_HOST "\n"
	    "\n"
	    "host\n"
	    "UNSIGNED-PAYLOAD", "presign: canonical request");
	is_str(res.string_to_sign, "AWS4-HMAC-SHA256\n20240229T235959Z\n"
	    "20240229/eu-west-1/s3/aws4_request\n"
	    "0848709d15c853080ab2ed0e2f5a415947867633d97341ec69252786384bfc2f",
	    "presign: string to sign");
	is_str(res.signature,
	    "69e304e85788e182a908cc4beb95e985f8f5f5baa416b0f0cfececf9839c0c82",
	    "presign: signature");
	is_str(res.url_query,
	    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE"
	    "%2F20240229%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date="
	    "20240229T235959Z&X-Amz-Expires=900&X-Amz-Security-Token="
	    "FwoGZXIvYXdzEXAMPLEsessiontoken%2Fwith%2Bslash%3D%3D&"
	    "X-Amz-SignedHeaders=host&versionId=v1%2F2%3D3&X-Amz-Signature="
	    "69e304e85788e182a908cc4beb95e985f8f5f5baa416b0f0cfececf9839c0c82",
	    "presign: wire query with signature last");
	is_str(res.url_path, "/reports/a%20b%2Bc.eml", "presign: wire path");
	ok(res.authorization == NULL, "presign: no Authorization");
	is_int(res.headers.count, 0, "presign: no headers to add");
	sigv4_result_free(&res);
}

static void
check_encoded_path(const char *path, unsigned int flags,
    const char *expected)
{
	struct buf out = {0};

	sigv4_encode_path(&out, path, flags);
	is_str(out.data, expected, "encode path \"%s\" flags %u",
	    path != NULL ? path : "(null)", flags);
	buf_free(&out);
}

static void
test_encode_path(void)
{
	check_encoded_path(NULL, 0, "/");
	check_encoded_path("", SIGV4_S3, "/");
	check_encoded_path("/../a", 0, "/a");
	check_encoded_path("/a/b/..", 0, "/a/");
	check_encoded_path("/a/./b/.", 0, "/a/b/");
	check_encoded_path("//a//b", 0, "/a/b");
	check_encoded_path("key", SIGV4_S3, "/key");
	check_encoded_path("/a%20b/../c", SIGV4_PATH_ENCODED, "/c");
	check_encoded_path("/a b/../c", SIGV4_S3, "/a%20b/../c");
}

static void
test_hash(void)
{
	char hex[SIGV4_HASH_HEX_SIZE];

	ok(sigv4_hash_hex("abc", 3, hex) == 0, "hash: abc");
	is_str(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "hash: SHA-256 of abc");
	ok(sigv4_hash_hex(NULL, 0, hex) == 0, "hash: empty");
	is_str(hex, EMPTY_HASH, "hash: SHA-256 of nothing");
}

static void
test_rejects(void)
{
	const struct aws_param no_host[] = {{"x-custom", "1"}};
	const struct aws_param reserved[] = {
		{"host", OWN_BUCKET_HOST}, {"X-Amz-Date", "20240229T235959Z"},
	};
	const struct aws_param host[] = {{"host", OWN_BUCKET_HOST}};
	const struct sigv4_credentials no_secret = {"AKIDEXAMPLE", "", NULL};
	struct sigv4_request req;
	struct sigv4_result res;

	own_request(&req, "s3", no_host, 1);
	is_int(sigv4_sign_headers(&req, &res), -1, "reject: no host header");
	ok(res.signature == NULL && res.headers.count == 0,
	    "reject: result left empty");
	own_request(&req, "s3", reserved, 2);
	is_int(sigv4_sign_headers(&req, &res), -1,
	    "reject: caller's x-amz-date");
	own_request(&req, "s3", host, 1);
	req.credentials = &no_secret;
	is_int(sigv4_sign_headers(&req, &res), -1, "reject: no secret key");
	own_request(&req, "s3", host, 1);
	is_int(sigv4_presign(&req, 0, &res), -1, "reject: expires 0");
	is_int(sigv4_presign(&req, SIGV4_MAX_EXPIRES + 1, &res), -1,
	    "reject: expires over 7 days");
}

static void
test_secrets_redacted(void)
{
	const struct aws_param headers[] = {{"host", OWN_BUCKET_HOST}};
	struct sigv4_request req;
	struct sigv4_result res;
	char *redacted;

	own_request(&req, "s3", headers, 1);
	if (!ok(sigv4_sign_headers(&req, &res) == 0, "secrets: signs"))
		return;
	redacted = log_redact("key wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY "
	    "token " OWN_TOKEN);
	is_str(redacted, "key [REDACTED] token [REDACTED]",
	    "secrets: key and token registered for redaction");
	free(redacted);
	sigv4_result_free(&res);
}

int
main(void)
{
	test_suite();
	test_s3_object_key();
	test_query_encoding();
	test_double_encoding();
	test_presign();
	test_encode_path();
	test_hash();
	test_rejects();
	test_secrets_redacted();
	log_clear_secrets();
	return tap_done();
}
