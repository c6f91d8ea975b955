#ifndef PARSE_LINKS_H
#define PARSE_LINKS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * ACM approval links: extraction from text, unwrapping of mail security
 * gateway rewrites (Microsoft SafeLinks, Proofpoint URL Defense v2 and
 * v3), and strict validation.  The code and context values are secrets:
 * whoever logs or sends them registers them with log_add_secret().
 */
struct approval_link {
	char *url;		/* the unwrapped link */
	char *host;		/* lower-case */
	char *region;		/* from the host, NULL for the 2017 host */
	char *code;
	char *context;
	char *context_region;	/* from the context's hex tail, or NULL */
};

/*
 * Checks url against the approval link rules: https, no userinfo, port
 * 443 or none, an approval host with a valid region label, path
 * /approvals, exactly one code and one context.  Returns 0 and fills
 * link (free with approval_link_free), or -1 with *reason set to a static
 * sentence and link left zeroed.
 */
int link_validate(const char *url, struct approval_link *link,
    const char **reason);

void approval_link_free(struct approval_link *link);

/*
 * Removes SafeLinks and Proofpoint wrappers, repeatedly.  Returns a newly
 * allocated URL (a copy of url when it is not wrapped), or NULL when a
 * wrapper is malformed.
 */
char *link_unwrap(const char *url);

/*
 * Calls fn for each http or https URL in text, with its length; trailing
 * sentence punctuation is not part of a URL.
 */
typedef void (*link_fn)(const char *url, size_t len, void *arg);
void link_extract_text(const char *text, size_t len, link_fn fn, void *arg);

/*
 * Returns the partition ("aws", "aws-cn", "aws-us-gov", ...) of a
 * syntactically valid AWS region code, or NULL when region is not one.
 */
const char *link_region_partition(const char *region);

/* Returns true when url looks like an attempt at an approval link. */
bool link_looks_like_approval(const char *url);

#endif
