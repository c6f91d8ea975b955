#ifndef PARSE_MAIL_H
#define PARSE_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "parse/findings.h"
#include "parse/sesauth.h"

/* Bounds on what a message may make the parser do. */
struct mail_limits {
	size_t max_size;	/* bytes */
	int max_depth;		/* nesting of multiparts and messages */
	int max_parts;		/* MIME parts in all */
};

/* One decoded text part: UTF-8 with LF line ends and no NUL bytes. */
struct mail_text {
	char *text;
	size_t len;
	bool html;
};

/*
 * A parsed message: its top-level headers in order, its sender and
 * subject, and the decoded text of every text/plain and text/html part,
 * attached messages included.  Strings are owned and may be NULL.
 */
struct mail {
	struct mail_header *headers;
	size_t header_count;
	char *from;		/* lower-case, when From has one mailbox */
	int from_count;		/* mailboxes in all From headers */
	char *subject;		/* decoded from RFC 2047 */
	char *embedded_subject;	/* of the first attached message */
	char *embedded_from;
	struct mail_text *texts;
	size_t text_count;
	size_t text_cap;
	int part_count;
	struct findings problems;
};

/*
 * Parses the message in data[0..len) with GMime; data must stay valid
 * and unchanged during the call and is not copied.  A message over a
 * limit or one GMime cannot read gets a problem ("message-too-large",
 * "mime-too-deep", "too-many-parts", "malformed-message") and whatever
 * could be read.  A len over limits->max_size is reported without reading
 * data.  Returns 0, or -1 when nothing could be read.  Free with
 * mail_free, also after -1.
 */
int mail_parse(const char *data, size_t len, const struct mail_limits *limits,
    struct mail *mail);

void mail_free(struct mail *mail);

#endif
