#include "aws/creds.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "aws/config.h"
#include "aws/creds_internal.h"
#include "common/log.h"

/* After a failed refresh, still-valid credentials are reused this long. */
#define CREDS_RETRY_SECONDS 30

struct aws_creds_provider {
	char *profile;		/* as given; NULL: resolved per walk */
	char *region;
	char *ca_bundle;
	long connect_timeout;
	long request_timeout;
	long process_timeout;
	bool have;		/* creds holds credentials */
	time_t retry_after;	/* no new walk before this after a failure */
	struct aws_credentials creds;
};

typedef int (*creds_source_fn)(struct creds_ctx *, struct aws_credentials *);

/* The chain, in the order the AWS SDKs use. */
static const creds_source_fn creds_chain[] = {
	creds_from_env,
	creds_from_web_identity,
	creds_from_profile,
	creds_from_container,
	creds_from_imds,
};

static char *
creds_strdup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? xstrdup(s) : NULL;
}

struct aws_creds_provider *
aws_creds_provider_new(const struct aws_creds_options *opts)
{
	struct aws_creds_provider *p = xcalloc(1, sizeof(*p));

	p->connect_timeout = 2;
	p->request_timeout = 10;
	p->process_timeout = 60;
	if (opts == NULL)
		return p;
	p->profile = creds_strdup_or_null(opts->profile);
	p->region = creds_strdup_or_null(opts->region);
	p->ca_bundle = creds_strdup_or_null(opts->ca_bundle);
	if (opts->connect_timeout > 0)
		p->connect_timeout = opts->connect_timeout;
	if (opts->request_timeout > 0)
		p->request_timeout = opts->request_timeout;
	if (opts->process_timeout > 0)
		p->process_timeout = opts->process_timeout;
	return p;
}

void
aws_credentials_clear(struct aws_credentials *c)
{
	free(c->access_key_id);
	free(c->secret_access_key);
	free(c->session_token);
	memset(c, 0, sizeof(*c));
}

void
aws_creds_invalidate(struct aws_creds_provider *provider)
{
	aws_credentials_clear(&provider->creds);
	provider->have = false;
	provider->retry_after = 0;
}

void
aws_creds_provider_free(struct aws_creds_provider *provider)
{
	if (provider == NULL)
		return;
	aws_credentials_clear(&provider->creds);
	free(provider->profile);
	free(provider->region);
	free(provider->ca_bundle);
	free(provider);
}

void
creds_tried(struct creds_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (ctx->tried.len > 0)
		buf_append_str(&ctx->tried, ", ");
	va_start(ap, fmt);
	buf_vprintf(&ctx->tried, fmt, ap);
	va_end(ap);
}

void
creds_fill(struct aws_credentials *c, const char *access_key_id,
    const char *secret_access_key, const char *session_token,
    time_t expiration, const char *source)
{
	aws_credentials_clear(c);
	log_add_secret(secret_access_key);
	log_add_secret(session_token);
	c->access_key_id = xstrdup(access_key_id);
	c->secret_access_key = xstrdup(secret_access_key);
	c->session_token = creds_strdup_or_null(session_token);
	c->expiration = expiration;
	c->source = source;
}

static void
creds_ctx_init(struct creds_ctx *ctx, const struct aws_creds_provider *p)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->profile = aws_config_profile_name(p->profile);
	ctx->region = aws_config_region(p->region, ctx->profile);
	ctx->ca_bundle = aws_config_ca_bundle(p->ca_bundle, ctx->profile);
	ctx->connect_timeout = p->connect_timeout;
	ctx->request_timeout = p->request_timeout;
	ctx->process_timeout = p->process_timeout;
}

static void
creds_ctx_free(struct creds_ctx *ctx)
{
	free(ctx->profile);
	free(ctx->region);
	free(ctx->ca_bundle);
	buf_free(&ctx->tried);
}

/* Walks the chain into c.  Returns 0, or -1 (logged). */
static int
creds_walk(const struct aws_creds_provider *p, struct aws_credentials *c)
{
	struct creds_ctx ctx;
	int rc = 0;

	creds_ctx_init(&ctx, p);
	for (size_t i = 0; rc == 0 &&
	    i < sizeof(creds_chain) / sizeof(creds_chain[0]); i++)
		rc = creds_chain[i](&ctx, c);
	if (rc == 0)
		log_error("no AWS credentials found: tried %s; set "
		    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a "
		    "profile with --profile", ctx.tried.data);
	creds_ctx_free(&ctx);
	return rc == 1 ? 0 : -1;
}

static bool
creds_expiring(const struct aws_credentials *c, time_t now)
{
	return c->expiration != 0 &&
	    c->expiration - now <= AWS_CREDS_REFRESH_SECONDS;
}

static void
creds_log_found(const struct aws_credentials *c)
{
	char when[32] = "never";
	struct tm tm;

	if (c->expiration != 0 && gmtime_r(&c->expiration, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	log_debug("credentials: from %s, access key id %s, expire %s",
	    c->source, c->access_key_id, when);
}

int
aws_creds_get(struct aws_creds_provider *provider,
    const struct aws_credentials **out)
{
	struct aws_credentials fresh = { 0 };
	time_t now = time(NULL);

	*out = NULL;
	if (provider->have && (!creds_expiring(&provider->creds, now) ||
	    now < provider->retry_after)) {
		*out = &provider->creds;
		return 0;
	}
	if (creds_walk(provider, &fresh) == 0) {
		aws_credentials_clear(&provider->creds);
		provider->creds = fresh;
		provider->have = true;
		creds_log_found(&fresh);
		*out = &provider->creds;
		return 0;
	}
	if (provider->have && provider->creds.expiration > now) {
		log_warn("credentials: refresh failed; the current ones from "
		    "%s stay in use until they expire", provider->creds.source);
		provider->retry_after = now + CREDS_RETRY_SECONDS;
		*out = &provider->creds;
		return 0;
	}
	aws_creds_invalidate(provider);
	return -1;
}

int
creds_from_env(struct creds_ctx *ctx, struct aws_credentials *c)
{
	const char *id = getenv("AWS_ACCESS_KEY_ID");
	const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
	const char *token = getenv("AWS_SESSION_TOKEN");
	bool has_id = id != NULL && *id != '\0';
	bool has_secret = secret != NULL && *secret != '\0';

	if (!has_id && !has_secret) {
		creds_tried(ctx, "environment (AWS_ACCESS_KEY_ID unset)");
		return 0;
	}
	if (!has_id || !has_secret) {
		log_error("credentials: %s is set but %s is not; set both or "
		    "neither", has_id ? "AWS_ACCESS_KEY_ID" :
		    "AWS_SECRET_ACCESS_KEY", has_id ? "AWS_SECRET_ACCESS_KEY" :
		    "AWS_ACCESS_KEY_ID");
		return -1;
	}
	creds_fill(c, id, secret, token, 0, "environment");
	return 1;
}

/* Reads n decimal digits; returns -1 if any is missing. */
static int
creds_read_digits(const char **s, int n)
{
	int value = 0;

	for (int i = 0; i < n; i++, (*s)++) {
		if (!isdigit((unsigned char)**s))
			return -1;
		value = value * 10 + (**s - '0');
	}
	return value;
}

/* Parses "Z", "+HH:MM", "+HHMM" or "-..." into seconds east of UTC. */
static int
creds_parse_offset(const char *s, long *offset)
{
	int sign, hours, minutes;

	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0) {
		*offset = 0;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	hours = creds_read_digits(&s, 2);
	if (*s == ':')
		s++;
	minutes = creds_read_digits(&s, 2);
	if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 ||
	    *s != '\0')
		return -1;
	*offset = sign * (hours * 3600L + minutes * 60L);
	return 0;
}

/*
 * Reads "YYYY-MM-DDTHH:MM:SS" into fields[6]; *s is left after it.
 * Returns -1 when a digit or separator is missing.
 */
static int
creds_read_datetime(const char **s, int fields[6])
{
	static const char separators[] = "\0--T::";
	static const int widths[] = { 4, 2, 2, 2, 2, 2 };

	for (int i = 0; i < 6; i++) {
		if (i > 0) {
			if (toupper((unsigned char)**s) != separators[i])
				return -1;
			(*s)++;
		}
		fields[i] = creds_read_digits(s, widths[i]);
		if (fields[i] < 0)
			return -1;
	}
	return 0;
}

int
aws_creds_parse_time(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	int f[6];
	long offset;
	time_t t;

	if (s == NULL || creds_read_datetime(&s, f) != 0)
		return -1;
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 ||
	    f[4] > 59 || f[5] > 59)
		return -1;
	if (*s == '.' && isdigit((unsigned char)s[1]))
		for (s++; isdigit((unsigned char)*s); s++)
			;
	if (creds_parse_offset(s, &offset) != 0)
		return -1;
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != f[2])
		return -1;	/* February 30th and the like */
	*out = t - offset;
	return 0;
}

/* Returns member's string value, or NULL when absent or not a string. */
static const char *
creds_json_string(struct json_object *obj, const char *member)
{
	struct json_object *value;

	if (!json_object_object_get_ex(obj, member, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

static int
creds_check_json(struct json_object *obj, bool need_version,
    const char *where)
{
	const char *code = creds_json_string(obj, "Code");
	struct json_object *version;
	char *escaped;

	if (need_version && (!json_object_object_get_ex(obj, "Version",
	    &version) || !json_object_is_type(version, json_type_int) ||
	    json_object_get_int64(version) != 1)) {
		log_error("%s: \"Version\": 1 missing from the credentials "
		    "JSON", where);
		return -1;
	}
	if (code != NULL && strcmp(code, "Success") != 0) {
		escaped = str_escaped(code);
		log_error("%s: credentials not available: Code is \"%s\"",
		    where, escaped);
		free(escaped);
		return -1;
	}
	if (creds_json_string(obj, "AccessKeyId") == NULL ||
	    creds_json_string(obj, "SecretAccessKey") == NULL) {
		log_error("%s: AccessKeyId or SecretAccessKey missing from "
		    "the credentials JSON", where);
		return -1;
	}
	return 0;
}

int
creds_parse_json(const char *json, const char *token_member,
    bool need_version, const char *where, const char *source,
    struct aws_credentials *c)
{
	enum json_tokener_error jerr = json_tokener_success;
	struct json_object *obj = json_tokener_parse_verbose(json, &jerr);
	const char *expiration;
	time_t expires = 0;
	int rc = -1;

	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		log_error("%s: the response is not a JSON object: %s", where,
		    obj == NULL ? json_tokener_error_desc(jerr) :
		    "another JSON type");
		goto out;
	}
	if (creds_check_json(obj, need_version, where) != 0)
		goto out;
	expiration = creds_json_string(obj, "Expiration");
	if (expiration != NULL &&
	    aws_creds_parse_time(expiration, &expires) != 0) {
		log_error("%s: Expiration is not an ISO 8601 time", where);
		goto out;
	}
	creds_fill(c, creds_json_string(obj, "AccessKeyId"),
	    creds_json_string(obj, "SecretAccessKey"),
	    creds_json_string(obj, token_member), expires, source);
	rc = 0;
out:
	json_object_put(obj);
	return rc;
}

char *
creds_read_file(const char *path, const char *what)
{
	char data[CREDS_MAX_RESPONSE];
	size_t len;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		log_error("%s %s: cannot open: %s", what, path,
		    strerror(errno));
		return NULL;
	}
	len = fread(data, 1, sizeof(data) - 1, f);
	if (ferror(f) || !feof(f)) {
		log_error("%s %s: %s", what, path, ferror(f) ?
		    "read failed" : "larger than 64 KiB");
		fclose(f);
		return NULL;
	}
	fclose(f);
	data[len] = '\0';
	return xstrdup(str_trim(data));
}
