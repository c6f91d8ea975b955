#ifndef CLI_CONFIG_H
#define CLI_CONFIG_H

#include <stdbool.h>

#include "common/str.h"

#define CONFIG_DEFAULT_PATH "/etc/acm-inbox.conf"

enum verify_mode {
	VERIFY_AUTO,
	VERIFY_YES,
	VERIFY_NO,
};

/*
 * Settings from the config file (acm-inbox.conf(5)); command-line flags
 * are applied on top by each command.  Strings are owned (NULL when
 * unset); sizes are bytes, times seconds.
 */
struct config {
	char *region;
	char *profile;
	char *ca_bundle;
	char *bucket;
	char *prefix;
	char *topic;
	char *notify_topic;
	char *rule_set;
	char *state_dir;
	struct strlist domains;
	struct strlist allow_accounts;
	struct strlist allow_domains;
	enum verify_mode verify_certificate;
	long max_message_size;
	long max_mime_depth;
	long max_mime_parts;
	long max_attempts;
	long lease_seconds;
	long jobs;
	long connect_timeout;
	long request_timeout;
	long retries;
	long link_max_age;
	int log_format;		/* -1 unset, else enum log_format */
};

/* Fills c with the built-in defaults. */
void config_init(struct config *c);

/*
 * Reads a config file into c (on top of what c holds).  Unknown keys,
 * malformed lines and invalid values are reported as "FILE:LINE: ..." on
 * stderr.  Returns 0, or -1 on any error (c may be partly filled).
 */
int config_load(struct config *c, const char *path);

/*
 * Sets one key from a "key = value" pair; where names the place for
 * messages ("FILE:LINE" or "--option").  Returns 0, or -1 (reported).
 */
int config_set(struct config *c, const char *key, const char *value,
    const char *where);

void config_free(struct config *c);

#endif
