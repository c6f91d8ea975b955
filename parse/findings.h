#ifndef PARSE_FINDINGS_H
#define PARSE_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A finding is a short stable machine-readable code ("dkim-not-aligned")
 * with a sentence for people.  Parse problems and policy reasons are both
 * lists of findings.  A zeroed struct findings is an empty list.
 */
struct finding {
	char *code;
	char *text;
};

struct findings {
	struct finding *items;
	size_t count;
	size_t cap;
};

/* Appends a finding; the text is formatted like printf. */
void findings_add(struct findings *list, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Appends a copy of every finding of src to list. */
void findings_extend(struct findings *list, const struct findings *src);

bool findings_has(const struct findings *list, const char *code);
void findings_free(struct findings *list);

#endif
