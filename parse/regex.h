#ifndef PARSE_REGEX_H
#define PARSE_REGEX_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * PCRE2 patterns compiled once per process, matched with a match limit
 * and a depth limit so a hostile message cannot make a pattern run away.
 */

/* Compiles pattern with options; aborts on a bad pattern (a bug). */
pcre2_code *regex_compile(const char *pattern, uint32_t options);

/*
 * Matches re against subject[0..len) from offset.  Returns the number of
 * captured pairs stored in ovector (at most pairs), 0 when there is no
 * match, or -1 when a limit was hit or matching failed.
 */
int regex_match(const pcre2_code *re, const char *subject, size_t len,
    size_t offset, size_t *ovector, int pairs);

/* Returns a newly allocated copy of capture n, or NULL when unset. */
char *regex_group(const char *subject, const size_t *ovector, int n);

#endif
