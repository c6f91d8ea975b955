#ifndef INFRA_NAMES_H
#define INFRA_NAMES_H

/*
 * Names that setup, status and teardown derive from the domain, the
 * account and the region, and the checks on user input that run before
 * any AWS call.
 */
#include <stdbool.h>
#include <stddef.h>

#include "common/str.h"

/* Maximum domain length, so that "_amazonses." + DOMAIN fits in 253. */
#define INFRA_DOMAIN_MAX 242

/*
 * Returns a newly allocated, lower-cased copy of a host name with one
 * trailing dot removed, or NULL when it is not a valid domain: LDH labels
 * of 1 to 63 bytes that neither start nor end with '-', at least two
 * labels, a top-level label that is not all digits, at most
 * INFRA_DOMAIN_MAX bytes.  On NULL, *why (static text) says what is wrong.
 */
char *infra_domain_normalize(const char *input, const char **why);

/* Returns true when SES receives email in region. */
bool infra_region_receives_email(const char *region);

/* Returns the regions where SES receives email, comma-separated (static). */
const char *infra_receiving_regions(void);

/*
 * Returns the receipt rule name for domain (newly allocated):
 * "acm-inbox-DOMAIN", shortened with a hash suffix to fit the 64-byte
 * limit.  Only letters, digits, '-' and '.' appear, first and last are
 * alphanumeric.
 */
char *infra_rule_name(const char *domain);

/*
 * Returns the bucket policy statement id for domain (newly allocated):
 * "AcmInboxSesPut" and a hash of the domain, letters and digits only.
 */
char *infra_statement_id(const char *domain);

/* Returns "acm-inbox-ACCOUNT-REGION" (newly allocated). */
char *infra_default_bucket(const char *account, const char *region);

/* Adds the five addresses ACM writes to for domain. */
void infra_default_recipients(const char *domain, struct strlist *out);

/*
 * Splits a comma-separated recipient list into out, lower-cased.  Each
 * item must be an address at domain or a subdomain of it, or the domain
 * itself.  Returns 0, or -1 with *bad set to the offending item (owned
 * by the caller).
 */
int infra_parse_recipients(const char *list, const char *domain,
    struct strlist *out, char **bad);

/*
 * Returns a newly allocated object key prefix: input without leading
 * '/', with a trailing '/' added when missing ("" stays ""), or NULL when
 * it contains bytes that S3 keys should not (control characters).
 */
char *infra_normalize_prefix(const char *input);

/* Returns true when name is a valid SES rule set or rule name. */
bool infra_valid_ses_name(const char *name);

#endif
