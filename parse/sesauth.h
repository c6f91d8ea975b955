#ifndef PARSE_SESAUTH_H
#define PARSE_SESAUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/str.h"

/* One top-level header, unfolded; name and value are owned. */
struct mail_header {
	char *name;
	char *value;
};

/*
 * The verdicts SES wrote above X-SES-RECEIPT.  Each string is lower-case
 * ("pass", "fail", "gray", ...) or NULL when SES recorded none; every
 * field is NULL when the message has no X-SES-RECEIPT header.
 */
struct ses_auth {
	bool has_receipt;
	char *spf;
	char *dkim;		/* "pass" when any signature passed */
	char *dmarc;
	char *spam;
	char *virus;
	struct strlist dkim_pass_domains;	/* lower-case signing domains */
};

/*
 * Reads the trusted verdicts from headers[0..count) in message order:
 * only headers above the first X-SES-RECEIPT count, and only
 * Authentication-Results whose authserv-id is exactly amazonses.com.
 * Free with ses_auth_free.
 */
void ses_auth_read(const struct mail_header *headers, size_t count,
    struct ses_auth *auth);

/* Returns true when a DKIM signature of domain (or a subdomain) passed. */
bool ses_auth_dkim_passed(const struct ses_auth *auth, const char *domain);

void ses_auth_free(struct ses_auth *auth);

#endif
