#ifndef COMMON_BUF_H
#define COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A growable byte buffer.  data is always NUL-terminated (when not NULL),
 * so text can be used as a C string; binary data may contain NULs.
 * A zeroed struct buf is an empty buffer.  On allocation failure the
 * functions abort: the tool cannot do anything useful without memory.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_append_str(struct buf *b, const char *s);
void buf_append_char(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* Hands the data to the caller (free with free()); b becomes empty. */
char *buf_steal(struct buf *b);

/* Aborting allocation wrappers, same contract as above. */
void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
