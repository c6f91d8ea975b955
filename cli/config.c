#include "cli/config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"

enum value_kind {
	VALUE_STRING,
	VALUE_LIST,
	VALUE_NUMBER,
	VALUE_SIZE,
	VALUE_VERIFY,
	VALUE_LOG_FORMAT,
};

struct key_spec {
	const char *name;
	enum value_kind kind;
	size_t offset;
	long min;
	long max;
};

#define STRING_KEY(n, f) { n, VALUE_STRING, offsetof(struct config, f), 0, 0 }
#define LIST_KEY(n, f) { n, VALUE_LIST, offsetof(struct config, f), 0, 0 }
#define NUMBER_KEY(n, f, lo, hi) \
	{ n, VALUE_NUMBER, offsetof(struct config, f), lo, hi }

static const struct key_spec keys[] = {
	STRING_KEY("region", region),
	STRING_KEY("profile", profile),
	STRING_KEY("ca-bundle", ca_bundle),
	STRING_KEY("bucket", bucket),
	STRING_KEY("prefix", prefix),
	STRING_KEY("topic", topic),
	STRING_KEY("notify-topic", notify_topic),
	STRING_KEY("rule-set", rule_set),
	STRING_KEY("state-dir", state_dir),
	LIST_KEY("domain", domains),
	LIST_KEY("allow-account", allow_accounts),
	LIST_KEY("allow-domain", allow_domains),
	{ "verify-certificate", VALUE_VERIFY,
	    offsetof(struct config, verify_certificate), 0, 0 },
	{ "max-message-size", VALUE_SIZE,
	    offsetof(struct config, max_message_size), 1024, 1L << 40 },
	NUMBER_KEY("max-mime-depth", max_mime_depth, 1, 1000),
	NUMBER_KEY("max-mime-parts", max_mime_parts, 1, 100000),
	NUMBER_KEY("max-attempts", max_attempts, 1, 1000),
	NUMBER_KEY("lease-seconds", lease_seconds, 10, 86400),
	NUMBER_KEY("jobs", jobs, 1, 64),
	NUMBER_KEY("connect-timeout", connect_timeout, 1, 3600),
	NUMBER_KEY("request-timeout", request_timeout, 1, 86400),
	NUMBER_KEY("retries", retries, 0, 20),
	NUMBER_KEY("link-max-age", link_max_age, 60, 30L * 86400),
	{ "log-format", VALUE_LOG_FORMAT,
	    offsetof(struct config, log_format), 0, 0 },
};

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->prefix = xstrdup("acm-inbox/");
	c->verify_certificate = VERIFY_AUTO;
	c->max_message_size = 40L * 1024 * 1024;
	c->max_mime_depth = 20;
	c->max_mime_parts = 500;
	c->max_attempts = 5;
	c->lease_seconds = 300;
	c->jobs = 1;
	c->connect_timeout = 10;
	c->request_timeout = 60;
	c->retries = 4;
	c->link_max_age = 72L * 3600;
	c->log_format = -1;
}

/* Parses "40M", "512k", "1048576"; suffixes are powers of 1024. */
static int
parse_size(const char *s, long *out)
{
	char *end;
	long long v;
	long long unit = 1;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || v < 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 'k': case 'K': unit = 1024; break;
		case 'm': case 'M': unit = 1024 * 1024; break;
		case 'g': case 'G': unit = 1024LL * 1024 * 1024; break;
		default: return -1;
		}
		if (end[1] != '\0' && strcasecmp(end + 1, "b") != 0 &&
		    strcasecmp(end + 1, "ib") != 0)
			return -1;
	}
	if (v > (1LL << 40) / unit)
		return -1;
	*out = (long)(v * unit);
	return 0;
}

static int
add_list_items(struct strlist *list, const char *value, const char *where,
    const char *key)
{
	char *copy = xstrdup(value), *save = NULL;
	int added = 0;

	for (char *item = strtok_r(copy, ", \t", &save); item != NULL;
	    item = strtok_r(NULL, ", \t", &save)) {
		if (!strlist_contains(list, item))
			strlist_add(list, item);
		added++;
	}
	free(copy);
	if (added == 0) {
		fprintf(stderr, "acm-inbox: %s: '%s' needs at least one value\n",
		    where, key);
		return -1;
	}
	return 0;
}

static int
set_value(struct config *c, const struct key_spec *spec, const char *value,
    const char *where)
{
	void *field = (char *)c + spec->offset;
	long number;

	switch (spec->kind) {
	case VALUE_STRING:
		if (*value == '\0')
			break;
		free(*(char **)field);
		*(char **)field = xstrdup(value);
		return 0;
	case VALUE_LIST:
		return add_list_items(field, value, where, spec->name);
	case VALUE_NUMBER:
		if (str_parse_long(value, spec->min, spec->max, &number) != 0) {
			fprintf(stderr, "acm-inbox: %s: invalid value '%s' for "
			    "'%s': expected an integer from %ld to %ld\n",
			    where, value, spec->name, spec->min, spec->max);
			return -1;
		}
		*(long *)field = number;
		return 0;
	case VALUE_SIZE:
		if (parse_size(value, &number) != 0 || number < spec->min ||
		    number > spec->max) {
			fprintf(stderr, "acm-inbox: %s: invalid value '%s' for "
			    "'%s': expected a size such as 40M, 512k or "
			    "1048576 (at least 1k)\n", where, value, spec->name);
			return -1;
		}
		*(long *)field = number;
		return 0;
	case VALUE_VERIFY:
		if (strcasecmp(value, "auto") == 0) {
			*(enum verify_mode *)field = VERIFY_AUTO;
		} else {
			bool yes;

			if (str_parse_bool(value, &yes) != 0) {
				fprintf(stderr, "acm-inbox: %s: invalid value "
				    "'%s' for '%s': expected yes, no or auto\n",
				    where, value, spec->name);
				return -1;
			}
			*(enum verify_mode *)field = yes ? VERIFY_YES :
			    VERIFY_NO;
		}
		return 0;
	case VALUE_LOG_FORMAT:
		if (strcmp(value, "text") == 0) {
			*(int *)field = LOG_FORMAT_TEXT;
		} else if (strcmp(value, "json") == 0) {
			*(int *)field = LOG_FORMAT_JSON;
		} else {
			fprintf(stderr, "acm-inbox: %s: invalid value '%s' for "
			    "'%s': expected text or json\n", where, value,
			    spec->name);
			return -1;
		}
		return 0;
	}
	fprintf(stderr, "acm-inbox: %s: '%s' needs a value\n", where,
	    spec->name);
	return -1;
}

int
config_set(struct config *c, const char *key, const char *value,
    const char *where)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].name, key) == 0)
			return set_value(c, &keys[i], value, where);
	fprintf(stderr, "acm-inbox: %s: unknown key '%s' (see "
	    "acm-inbox.conf(5))\n", where, key);
	return -1;
}

/* Removes a trailing comment: '#' at the start or after white space. */
static void
strip_comment(char *line)
{
	for (char *p = line; *p; p++) {
		if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

static int
parse_line(struct config *c, char *line, const char *where)
{
	char *eq, *key, *value;
	size_t n;

	strip_comment(line);
	str_trim(line);
	if (*line == '\0')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL) {
		fprintf(stderr, "acm-inbox: %s: expected 'key = value', got "
		    "'%s'\n", where, line);
		return -1;
	}
	*eq = '\0';
	key = str_trim(line);
	value = str_trim(eq + 1);
	n = strlen(value);
	if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		value[n - 1] = '\0';
		value++;
	}
	if (*key == '\0') {
		fprintf(stderr, "acm-inbox: %s: missing key before '='\n",
		    where);
		return -1;
	}
	return config_set(c, key, value, where);
}

int
config_load(struct config *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long number = 0;
	int status = 0;

	if (f == NULL) {
		fprintf(stderr, "acm-inbox: %s: cannot open config file: %s\n",
		    path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		char where[512];

		number++;
		snprintf(where, sizeof(where), "%s:%ld", path, number);
		if (memchr(line, '\0', (size_t)len) != NULL) {
			fprintf(stderr, "acm-inbox: %s: NUL byte in line\n",
			    where);
			status = -1;
			continue;
		}
		if (parse_line(c, line, where) != 0)
			status = -1;
	}
	if (ferror(f)) {
		fprintf(stderr, "acm-inbox: %s: read failed: %s\n", path,
		    strerror(errno));
		status = -1;
	}
	free(line);
	fclose(f);
	return status;
}

void
config_free(struct config *c)
{
	char **strings[] = {
		&c->region, &c->profile, &c->ca_bundle, &c->bucket,
		&c->prefix, &c->topic, &c->notify_topic, &c->rule_set,
		&c->state_dir,
	};

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		free(*strings[i]);
		*strings[i] = NULL;
	}
	strlist_free(&c->domains);
	strlist_free(&c->allow_accounts);
	strlist_free(&c->allow_domains);
}
