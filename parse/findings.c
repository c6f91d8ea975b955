#include "parse/findings.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

void
findings_add(struct findings *list, const char *code, const char *fmt, ...)
{
	struct buf text = { 0 };
	va_list ap;

	if (list->count == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 8;
		list->items = xrealloc(list->items,
		    list->cap * sizeof(list->items[0]));
	}
	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	list->items[list->count].code = xstrdup(code);
	list->items[list->count].text = text.data ? buf_steal(&text) :
	    xstrdup("");
	list->count++;
}

void
findings_extend(struct findings *list, const struct findings *src)
{
	for (size_t i = 0; i < src->count; i++)
		findings_add(list, src->items[i].code, "%s",
		    src->items[i].text);
}

bool
findings_has(const struct findings *list, const char *code)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->items[i].code, code) == 0)
			return true;
	return false;
}

void
findings_free(struct findings *list)
{
	for (size_t i = 0; i < list->count; i++) {
		free(list->items[i].code);
		free(list->items[i].text);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}
