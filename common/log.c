#include "common/log.h"

#include <json-c/json.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/buf.h"
#include "common/str.h"

#define REDACTED "[REDACTED]"

static int threshold = LOG_WARN;
static enum log_format output_format = LOG_FORMAT_TEXT;
static struct strlist secrets;
/* run --jobs registers secrets from several threads while others log. */
static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Query and form parameters whose values are secret.  They are matched
 * after '?', '&', ';', white space or a quote, case-insensitively.
 */
static const char *const secret_params[] = {
	"code", "context", "authenticity_token", "validation_token",
	"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token",
	"Token", "SessionToken", "WebIdentityToken", "Signature",
};

/* Header names whose whole value is secret. */
static const char *const secret_headers[] = {
	"Authorization", "Proxy-Authorization", "X-Amz-Security-Token",
	"Cookie", "Set-Cookie", "X-aws-ec2-metadata-token",
};

/* JSON members whose string value is secret. */
static const char *const secret_members[] = {
	"SecretAccessKey", "SessionToken", "Token", "secret_access_key",
	"aws_secret_access_key", "aws_session_token",
};

static const char *const level_names[] = {
	"error", "warning", "info", "debug", "trace", "wire",
};

void
log_setup(int verbosity, enum log_format format)
{
	threshold = LOG_WARN + verbosity;
	if (threshold < LOG_ERROR)
		threshold = LOG_ERROR;
	output_format = format;
}

bool
log_enabled(enum log_level level)
{
	return (int)level <= threshold;
}

int
log_verbosity(void)
{
	return threshold - LOG_WARN;
}

void
log_add_secret(const char *secret)
{
	if (secret == NULL || strlen(secret) < 6)
		return;
	pthread_mutex_lock(&secrets_lock);
	if (!strlist_contains(&secrets, secret))
		strlist_add(&secrets, secret);
	pthread_mutex_unlock(&secrets_lock);
}

void
log_clear_secrets(void)
{
	pthread_mutex_lock(&secrets_lock);
	strlist_free(&secrets);
	pthread_mutex_unlock(&secrets_lock);
}

static bool
is_value_end(char c)
{
	return c == '\0' || c == '&' || c == ';' || c == ' ' || c == '\t' ||
	    c == '\r' || c == '\n' || c == '"' || c == '\'' || c == '<' ||
	    c == '>' || c == ')' || c == ',';
}

static bool
is_param_start(const char *text, const char *p)
{
	if (p == text)
		return true;
	return strchr("?&; \t\r\n\"'(", p[-1]) != NULL;
}

/* Replaces NAME=VALUE values for the secret parameters in b. */
static void
redact_params(struct buf *b)
{
	struct buf out = {0};
	const char *p = b->data;

	while (*p) {
		bool matched = false;

		for (size_t i = 0; i < sizeof(secret_params) /
		    sizeof(secret_params[0]) && is_param_start(b->data, p);
		    i++) {
			size_t n = strlen(secret_params[i]);

			if (strncasecmp(p, secret_params[i], n) != 0 ||
			    p[n] != '=')
				continue;
			buf_append(&out, p, n + 1);
			p += n + 1;
			if (!is_value_end(*p))
				buf_append_str(&out, REDACTED);
			while (!is_value_end(*p))
				p++;
			matched = true;
			break;
		}
		if (!matched)
			buf_append_char(&out, *p++);
	}
	buf_free(b);
	*b = out;
}

/* Replaces "Header: value" up to the end of the line. */
static void
redact_headers(struct buf *b)
{
	struct buf out = {0};
	const char *p = b->data;

	while (*p) {
		bool matched = false;
		bool line_start = p == b->data || p[-1] == '\n' ||
		    p[-1] == ' ' || p[-1] == '"' || p[-1] == '\'';

		for (size_t i = 0; line_start && i < sizeof(secret_headers) /
		    sizeof(secret_headers[0]); i++) {
			size_t n = strlen(secret_headers[i]);

			if (strncasecmp(p, secret_headers[i], n) != 0 ||
			    p[n] != ':')
				continue;
			buf_append(&out, p, n + 1);
			buf_append_str(&out, " " REDACTED);
			p += n + 1;
			while (*p && *p != '\n' && *p != '\r')
				p++;
			matched = true;
			break;
		}
		if (!matched)
			buf_append_char(&out, *p++);
	}
	buf_free(b);
	*b = out;
}

/* Replaces "Member": "value" string values in JSON-ish text. */
static void
redact_members(struct buf *b)
{
	for (size_t i = 0; i < sizeof(secret_members) /
	    sizeof(secret_members[0]); i++) {
		char *key = xasprintf("\"%s\"", secret_members[i]);
		struct buf out = {0};
		const char *p = b->data, *hit;

		while ((hit = strstr(p, key)) != NULL) {
			const char *q = hit + strlen(key);

			while (*q == ' ' || *q == ':' || *q == '\t')
				q++;
			buf_append(&out, p, (size_t)(q - p));
			p = q;
			if (*p != '"')
				continue;
			buf_append_str(&out, "\"" REDACTED "\"");
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1] != '\0')
					p++;
				p++;
			}
			if (*p == '"')
				p++;
		}
		buf_append_str(&out, p);
		free(key);
		buf_free(b);
		*b = out;
	}
}

static void
redact_secrets(struct buf *b)
{
	for (size_t i = 0; i < secrets.count; i++) {
		const char *secret = secrets.items[i];
		size_t n = strlen(secret);
		struct buf out = {0};
		const char *p = b->data, *hit;

		if (strstr(p, secret) == NULL)
			continue;
		while ((hit = strstr(p, secret)) != NULL) {
			buf_append(&out, p, (size_t)(hit - p));
			buf_append_str(&out, REDACTED);
			p = hit + n;
		}
		buf_append_str(&out, p);
		buf_free(b);
		*b = out;
	}
}

char *
log_redact(const char *text)
{
	struct buf b = {0};

	buf_append_str(&b, text != NULL ? text : "");
	pthread_mutex_lock(&secrets_lock);
	redact_secrets(&b);
	pthread_mutex_unlock(&secrets_lock);
	redact_params(&b);
	redact_headers(&b);
	redact_members(&b);
	return buf_steal(&b);
}

static void
write_json(enum log_level level, const char *message)
{
	struct json_object *obj = json_object_new_object();
	struct buf line = {0};
	const char *text;
	char stamp[64];
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);
	json_object_object_add(obj, "time", json_object_new_string(stamp));
	json_object_object_add(obj, "level",
	    json_object_new_string(level_names[level]));
	json_object_object_add(obj, "message",
	    json_object_new_string(message));
	text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	str_json_escape_controls(&line, text, strlen(text));
	fprintf(stderr, "%s\n", line.data);
	buf_free(&line);
	json_object_put(obj);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	struct buf raw = {0}, shown = {0};
	va_list ap;
	char *clean;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	buf_vprintf(&raw, fmt, ap);
	va_end(ap);
	clean = log_redact(raw.data != NULL ? raw.data : "");
	buf_free(&raw);

	if (output_format == LOG_FORMAT_JSON) {
		write_json(level, clean);
	} else {
		str_escape_untrusted(&shown, clean, strlen(clean));
		if (level == LOG_INFO)
			fprintf(stderr, "acm-inbox: %s\n", shown.data);
		else
			fprintf(stderr, "acm-inbox: %s: %s\n",
			    level_names[level], shown.data);
	}
	buf_free(&shown);
	free(clean);
}
