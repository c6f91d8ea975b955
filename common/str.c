#include "common/str.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
strlist_add(struct strlist *list, const char *s)
{
	strlist_add_owned(list, xstrdup(s));
}

void
strlist_add_owned(struct strlist *list, char *s)
{
	if (list->count == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 8;
		list->items = xrealloc(list->items,
		    list->cap * sizeof(*list->items));
	}
	list->items[list->count++] = s;
}

bool
strlist_contains(const struct strlist *list, const char *s)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i], s) == 0)
			return true;
	return false;
}

void
strlist_free(struct strlist *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i]);
	free(list->items);
	list->items = NULL;
	list->count = list->cap = 0;
}

bool
str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_case_starts_with(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

char *
str_trim(char *s)
{
	size_t n;
	char *start = s;

	while (*start == ' ' || *start == '\t' || *start == '\r' ||
	    *start == '\n' || *start == '\f' || *start == '\v')
		start++;
	n = strlen(start);
	while (n > 0 && strchr(" \t\r\n\f\v", start[n - 1]) != NULL)
		n--;
	memmove(s, start, n);
	s[n] = '\0';
	return s;
}

char *
str_lower(char *s)
{
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

static bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

void
str_uri_encode(struct buf *out, const char *s, size_t len, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_reserve(out, len * 3);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (keep_slash && c == '/')) {
			out->data[out->len++] = (char)c;
		} else {
			out->data[out->len++] = '%';
			out->data[out->len++] = hex[c >> 4];
			out->data[out->len++] = hex[c & 15];
		}
	}
	out->data[out->len] = '\0';
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
str_uri_decode(struct buf *out, const char *s, size_t len,
    bool plus_is_space)
{
	buf_reserve(out, len);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -1;
			hi = hex_value(s[i + 1]);
			lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			buf_append_char(out, (char)(hi * 16 + lo));
			i += 2;
		} else if (s[i] == '+' && plus_is_space) {
			buf_append_char(out, ' ');
		} else {
			buf_append_char(out, s[i]);
		}
	}
	return 0;
}

void
str_hex_encode(struct buf *out, const unsigned char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	buf_reserve(out, len * 2);
	for (size_t i = 0; i < len; i++) {
		out->data[out->len++] = hex[data[i] >> 4];
		out->data[out->len++] = hex[data[i] & 15];
	}
	out->data[out->len] = '\0';
}

/*
 * Returns whether cp is a bidirectional mark, embedding, override or
 * isolate, or a line or paragraph separator.  These reorder or break the
 * text around them on a terminal, so one in a subject could make a log
 * line read differently from what it holds.
 */
static bool
is_format_control(unsigned int cp)
{
	return cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Decodes the UTF-8 sequence at s into *cp; returns its length, or 0 when
 * it is not valid UTF-8 (overlong, surrogate, out of range, truncated).
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, unsigned int *cp)
{
	size_t need;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		*cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		*cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		*cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && (*cp < 0x800 || (*cp >= 0xd800 && *cp <= 0xdfff))) ||
	    (need == 4 && (*cp < 0x10000 || *cp > 0x10ffff)))
		return 0;
	return need;
}

/*
 * Returns whether a code point above U+007F may reach a terminal as is:
 * C1 controls (U+0080..U+009F) can drive terminals too, and the format
 * controls can reorder what is shown.
 */
static bool
is_printable_above_ascii(unsigned int cp)
{
	return cp >= 0xa0 && !is_format_control(cp);
}

/* Returns the length of the printable UTF-8 sequence at s, or 0. */
static size_t
utf8_sequence_length(const unsigned char *s, size_t len)
{
	unsigned int cp;
	size_t need = utf8_decode(s, len, &cp);

	if (need > 1 && !is_printable_above_ascii(cp))
		return 0;
	return need;
}

void
str_escape_untrusted(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_sequence_length(p + i, len - i);

		if (n == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\\') {
			buf_append_char(out, (char)p[i]);
		} else if (n > 1) {
			buf_append(out, p + i, n);
		} else if (p[i] == '\\') {
			buf_append_str(out, "\\\\");
			n = 1;
		} else {
			buf_printf(out, "\\x%02x", p[i]);
			n = 1;
		}
		i += n;
	}
}

char *
str_escaped(const char *s)
{
	struct buf b = {0};

	if (s == NULL)
		return xstrdup("(null)");
	str_escape_untrusted(&b, s, strlen(s));
	return buf_steal(&b);
}

int
str_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
str_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

void
str_json_escape_controls(struct buf *out, const char *json, size_t len)
{
	const unsigned char *p = (const unsigned char *)json;
	size_t i = 0;

	while (i < len) {
		unsigned int cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n > 1 && !is_printable_above_ascii(cp)) {
			buf_printf(out, "\\u%04x", cp);
		} else {
			if (n == 0)
				n = 1;
			buf_append(out, p + i, n);
		}
		i += n;
	}
}
