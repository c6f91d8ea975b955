#include "aws/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/str.h"

/* Per-service environment suffixes and public host names. */
struct service_spec {
	const char *id;
	const char *env_suffix;		/* AWS_ENDPOINT_URL_<suffix> */
	const char *host_prefix;	/* PREFIX.REGION.amazonaws.com */
	const char *signing_name;
	bool global;			/* one endpoint for all regions */
};

static const struct service_spec services[] = {
	{ AWS_SERVICE_S3, "S3", "s3", "s3", false },
	{ AWS_SERVICE_SES, "SES", "email", "ses", false },
	{ AWS_SERVICE_SNS, "SNS", "sns", "sns", false },
	{ AWS_SERVICE_ROUTE53, "ROUTE_53", "route53", "route53", true },
	{ AWS_SERVICE_ACM, "ACM", "acm", "acm", false },
	{ AWS_SERVICE_STS, "STS", "sts", "sts", false },
};

/* Parser state for one shared file. */
struct profile_parser {
	const char *path;
	unsigned long line_no;
	bool config;
	const char *name;
	bool in_section;	/* inside some section */
	bool in_profile;	/* inside a section for name */
	bool in_subsection;	/* after "key =" with an empty value */
	struct aws_profile *p;
};

static const struct service_spec *
config_find_service(const char *id)
{
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (id != NULL && strcmp(services[i].id, id) == 0)
			return &services[i];
	return NULL;
}

/* Returns a copy of an environment variable, or NULL if unset or empty. */
static char *
config_getenv(const char *name)
{
	const char *value = getenv(name);

	if (value == NULL || *value == '\0')
		return NULL;
	return xstrdup(value);
}

static bool
config_is_china(const char *region)
{
	return region != NULL && str_starts_with(region, "cn-");
}

/*
 * Checks that a region has the shape of AWS's names (lower-case letters,
 * digits and inner hyphens), because it becomes part of a host name.
 */
static bool
config_region_is_valid(const char *region)
{
	size_t len = strlen(region);

	if (len == 0 || len > 32 || !islower((unsigned char)region[0]) ||
	    region[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)region[i]) &&
		    !isdigit((unsigned char)region[i]) && region[i] != '-')
			return false;
	return true;
}

char *
aws_config_profile_name(const char *flag)
{
	char *name;

	if (flag != NULL && *flag != '\0')
		return xstrdup(flag);
	name = config_getenv("AWS_PROFILE");
	return name != NULL ? name : xstrdup("default");
}

char *
aws_config_file_path(bool config)
{
	const char *home;
	char *path;

	path = config_getenv(config ? "AWS_CONFIG_FILE" :
	    "AWS_SHARED_CREDENTIALS_FILE");
	if (path != NULL)
		return path;
	home = getenv("HOME");
	if (home == NULL || *home == '\0')
		return NULL;
	return xasprintf("%s/.aws/%s", home, config ? "config" :
	    "credentials");
}

/*
 * Maps a section header's inside to the profile it names, or NULL for
 * sections that are not profiles ("sso-session x", "services x").
 */
static const char *
config_section_profile(char *inside, bool config)
{
	str_trim(inside);
	if (!config || strcmp(inside, "default") == 0)
		return inside;
	if (*inside == '\0' || strcmp(inside, "profile") == 0)
		return "";	/* "[ ]", "[profile ]": reported as empty */
	if (strncmp(inside, "profile", 7) == 0 && isspace((unsigned char)
	    inside[7]))
		return str_trim(inside + 8);
	return NULL;
}

static int
config_parse_section(struct profile_parser *pp, char *line)
{
	char *end = strchr(line, ']');
	const char *profile;
	char *rest;

	if (end == NULL) {
		log_error("%s:%lu: section header without ']'", pp->path,
		    pp->line_no);
		return -1;
	}
	rest = str_trim(end + 1);
	if (*rest != '\0' && *rest != '#' && *rest != ';') {
		log_error("%s:%lu: unexpected text after ']'", pp->path,
		    pp->line_no);
		return -1;
	}
	*end = '\0';
	profile = config_section_profile(line + 1, pp->config);
	if (profile != NULL && *profile == '\0') {
		log_error("%s:%lu: empty profile name", pp->path,
		    pp->line_no);
		return -1;
	}
	pp->in_section = true;
	pp->in_subsection = false;
	pp->in_profile = profile != NULL && strcmp(profile, pp->name) == 0;
	if (pp->in_profile)
		pp->p->found = true;
	return 0;
}

/* Drops a comment that starts with whitespace then '#' or ';'. */
static void
config_strip_comment(char *value)
{
	for (char *s = value; *s != '\0'; s++) {
		if ((*s == '#' || *s == ';') && s > value &&
		    isspace((unsigned char)s[-1])) {
			*s = '\0';
			break;
		}
	}
}

static void
config_set_key(struct aws_profile *p, const char *key, const char *value)
{
	for (size_t i = 0; i < p->keys.count; i++) {
		if (strcmp(p->keys.items[i], key) == 0) {
			free(p->values.items[i]);
			p->values.items[i] = xstrdup(value);
			return;
		}
	}
	strlist_add(&p->keys, key);
	strlist_add(&p->values, value);
}

static int
config_parse_property(struct profile_parser *pp, char *line)
{
	char *eq = strchr(line, '=');
	char *key, *value;

	if (eq == NULL) {
		log_error("%s:%lu: expected 'key = value' or '[section]'",
		    pp->path, pp->line_no);
		return -1;
	}
	if (!pp->in_section) {
		log_error("%s:%lu: 'key = value' before any [section]",
		    pp->path, pp->line_no);
		return -1;
	}
	*eq = '\0';
	key = str_lower(str_trim(line));
	value = eq + 1;
	config_strip_comment(value);
	str_trim(value);
	if (*key == '\0') {
		log_error("%s:%lu: empty key before '='", pp->path,
		    pp->line_no);
		return -1;
	}
	pp->in_subsection = *value == '\0';
	if (pp->in_profile && !pp->in_subsection)
		config_set_key(pp->p, key, value);
	return 0;
}

static int
config_parse_line(struct profile_parser *pp, char *line)
{
	bool indented = isspace((unsigned char)line[0]);
	char *text = str_trim(line);

	if (*text == '\0' || *text == '#' || *text == ';')
		return 0;
	if (*text == '[')
		return config_parse_section(pp, text);
	if (indented && pp->in_subsection)
		return 0;	/* a nested "name = value" of a sub-section */
	if (indented && pp->in_section) {
		/*
		 * TODO: continuation lines of a value are dropped; no key
		 * this tool reads spans several lines.
		 */
		return 0;
	}
	return config_parse_property(pp, text);
}

int
aws_profile_load(struct aws_profile *p, const char *path, bool config,
    const char *name)
{
	struct profile_parser pp = { path, 0, config, name, false, false,
	    false, p };
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	FILE *f;

	memset(p, 0, sizeof(*p));
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		log_error("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, f) != -1) {
		pp.line_no++;
		rc = config_parse_line(&pp, line);
	}
	if (rc == 0 && ferror(f)) {
		log_error("%s: read failed: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

const char *
aws_profile_get(const struct aws_profile *p, const char *key)
{
	for (size_t i = 0; i < p->keys.count; i++)
		if (strcmp(p->keys.items[i], key) == 0)
			return p->values.items[i];
	return NULL;
}

void
aws_profile_free(struct aws_profile *p)
{
	strlist_free(&p->keys);
	strlist_free(&p->values);
	p->found = false;
}

int
aws_config_lookup(bool config, const char *profile, const char *key,
    char **value)
{
	char *name = aws_config_profile_name(profile);
	char *path = aws_config_file_path(config);
	struct aws_profile p;
	const char *found;
	int rc = 0;

	*value = NULL;
	if (path == NULL)
		goto out;
	rc = aws_profile_load(&p, path, config, name);
	found = aws_profile_get(&p, key);
	if (rc == 0 && found != NULL)
		*value = xstrdup(found);
	aws_profile_free(&p);
out:
	free(path);
	free(name);
	return rc;
}

/* Returns the value from the config file, or NULL when absent or bad. */
static char *
config_profile_value(const char *profile, const char *key)
{
	char *value;

	if (aws_config_lookup(true, profile, key, &value) != 0)
		return NULL;
	return value;
}

char *
aws_config_region(const char *flag, const char *profile)
{
	char *region;

	if (flag != NULL && *flag != '\0')
		return xstrdup(flag);
	region = config_getenv("AWS_REGION");
	if (region == NULL)
		region = config_getenv("AWS_DEFAULT_REGION");
	if (region == NULL)
		region = config_profile_value(profile, "region");
	return region;
}

/* Returns a copy of url without trailing slashes. */
static char *
config_trim_url(const char *url)
{
	size_t len = strlen(url);

	while (len > 0 && url[len - 1] == '/')
		len--;
	return xstrndup(url, len);
}

/* Returns the endpoint set by the environment or the profile, or NULL. */
static char *
config_endpoint_override(const struct service_spec *spec,
    const char *profile)
{
	char *name = xasprintf("AWS_ENDPOINT_URL_%s", spec->env_suffix);
	char *value = config_getenv(name);
	bool ignore = false;
	char *url = NULL;

	free(name);
	name = config_getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (name != NULL && str_parse_bool(name, &ignore) != 0)
		ignore = false;
	free(name);
	if (ignore)
		goto out;
	if (value == NULL)
		value = config_getenv("AWS_ENDPOINT_URL");
	/*
	 * TODO: the per-service keys of a profile's "services" section are
	 * not read; only its plain endpoint_url is.
	 */
	if (value == NULL)
		value = config_profile_value(profile, "endpoint_url");
	if (value != NULL)
		url = config_trim_url(value);
out:
	free(value);
	return url;
}

char *
aws_config_endpoint(const char *service, const char *region,
    const char *profile, bool *overridden)
{
	const struct service_spec *spec = config_find_service(service);
	const char *suffix;
	char *url;

	if (overridden != NULL)
		*overridden = false;
	if (spec == NULL) {
		log_error("endpoint: unknown AWS service '%s'", service ?
		    service : "(null)");
		return NULL;
	}
	url = config_endpoint_override(spec, profile);
	if (url != NULL) {
		if (overridden != NULL)
			*overridden = true;
		return url;
	}
	suffix = config_is_china(region) ? "amazonaws.com.cn" :
	    "amazonaws.com";
	if (spec->global)
		return xasprintf("https://%s.%s", spec->host_prefix, suffix);
	if (region == NULL || *region == '\0') {
		log_error("endpoint: %s: no region set; use --region or "
		    "AWS_REGION", spec->id);
		return NULL;
	}
	if (!config_region_is_valid(region)) {
		char *escaped = str_escaped(region);

		log_error("endpoint: %s: invalid region \"%s\": expected a "
		    "name such as us-east-1; check --region, region in the "
		    "config file, AWS_REGION or the profile", spec->id, escaped);
		free(escaped);
		return NULL;
	}
	return xasprintf("https://%s.%s.%s", spec->host_prefix, region,
	    suffix);
}

const char *
aws_config_signing_name(const char *service)
{
	const struct service_spec *spec = config_find_service(service);

	return spec != NULL ? spec->signing_name : NULL;
}

const char *
aws_config_signing_region(const char *service, const char *region)
{
	const struct service_spec *spec = config_find_service(service);

	if (spec == NULL)
		return NULL;
	if (spec->global)
		return config_is_china(region) ? "cn-northwest-1" :
		    "us-east-1";
	if (region == NULL || *region == '\0')
		return NULL;
	return region;
}

char *
aws_config_ca_bundle(const char *flag, const char *profile)
{
	char *path;

	if (flag != NULL && *flag != '\0')
		return xstrdup(flag);
	path = config_getenv("AWS_CA_BUNDLE");
	if (path == NULL)
		path = config_profile_value(profile, "ca_bundle");
	return path;
}
