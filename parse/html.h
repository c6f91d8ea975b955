#ifndef PARSE_HTML_H
#define PARSE_HTML_H

#include <stddef.h>

#include "common/buf.h"
#include "common/str.h"

/*
 * Renders an HTML part with libxml2's HTML parser: text goes to text
 * with entities decoded, a line end after each block element and a space
 * after each table cell; the href of every a and area element goes to
 * hrefs.  Malformed HTML is read as far as the parser recovers.
 */
void html_render(const char *html, size_t len, struct buf *text,
    struct strlist *hrefs);

#endif
