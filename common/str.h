#ifndef COMMON_STR_H
#define COMMON_STR_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* A growable list of owned strings. A zeroed struct strlist is empty. */
struct strlist {
	char **items;
	size_t count;
	size_t cap;
};

void strlist_add(struct strlist *list, const char *s);
void strlist_add_owned(struct strlist *list, char *s);
bool strlist_contains(const struct strlist *list, const char *s);
void strlist_free(struct strlist *list);

bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
bool str_case_starts_with(const char *s, const char *prefix);

/* Strips ASCII white space from both ends in place; returns s. */
char *str_trim(char *s);

/* Lower-cases ASCII letters in place; returns s. */
char *str_lower(char *s);

/*
 * Appends s percent-encoded as RFC 3986 and AWS SigV4 require: every byte
 * but A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex); '/' is kept when
 * keep_slash is true.
 */
void str_uri_encode(struct buf *out, const char *s, size_t len,
    bool keep_slash);

/*
 * Decodes %XX escapes (and '+' as a space when plus_is_space) into out.
 * Returns 0, or -1 on a malformed escape (out then holds what was decoded).
 */
int str_uri_decode(struct buf *out, const char *s, size_t len,
    bool plus_is_space);

/* Appends len bytes as lower-case hex. */
void str_hex_encode(struct buf *out, const unsigned char *data, size_t len);

/*
 * Appends untrusted text for a terminal or a log: control characters,
 * DEL, bidirectional and line-separator format characters and bytes of
 * invalid UTF-8 become \xNN, and backslash becomes \\.
 */
void str_escape_untrusted(struct buf *out, const char *s, size_t len);

/*
 * Appends JSON text with C1 controls and the bidirectional and separator
 * format characters inside its strings written as \uXXXX escapes, so the
 * text stays valid JSON and cannot reorder a terminal line.  json-c
 * escapes only the characters below U+0020.
 */
void str_json_escape_controls(struct buf *out, const char *json,
    size_t len);

/* Returns a newly allocated escaped copy (see str_escape_untrusted). */
char *str_escaped(const char *s);

/* Parses a decimal integer in [min, max]; returns 0 or -1 if invalid. */
int str_parse_long(const char *s, long min, long max, long *out);

/* Parses yes/no/true/false/on/off/1/0; returns 0 or -1 if invalid. */
int str_parse_bool(const char *s, bool *out);

#endif
